"""A case's life: submitted by a worker, carded to officials, routed, answered, closed.

Every change goes through `Storage.transition` (or `add_answer`), which bumps
the case's version, records who did what, and queues in the same transaction
what must be sent: the refreshed cards and the messages for the asker and the
workers who follow the case. Nothing here imports telegram.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from bot.config import Department, Topic
from bot.i18n import Catalog, Raw
from bot.models import Answer, Button, Draft, Followup, Official, OutboxRequest, Question, User
from bot.services.cards import CardRenderer, CardState, PublishPair
from bot.services.deadlines import add_working_days
from bot.services.knowledge import SharedMatcher
from bot.services.text import MESSAGE_LIMIT, plain_length, shorten, split_text, utf16_length
from bot.storage import Storage
from knowledge_base import Entry, Match, Matcher, Result, fold, merge_variants

# How a worker's language-independent rating buttons and follow-up button look.
RATE_PREFIX = "r"
# "Me too" needs this much of the wording in common (see `wording_similarity`, 0-100).
SIMILAR_WORDING = 80
FOLLOWUP_PREFIX = "f"
# An outbox row's attachment kind for a copy of an official's message (see OutboxRequest).
COPY = "copy"
# An answer quotes the question back whole, unless that would leave its first message less
# than this for the answer (UTF-16 units, as Telegram counts): then the quote is cut.
FIRST_ANSWER_ROOM = 200
# A 👎's "why?": one line.
DISLIKE_REASON_LENGTH = 300
# 🔁 on a card: how many likely originals it offers, among how many of the newest cases,
# and the least calibrated match probability worth a button.
DUPLICATE_CHOICES = 4
DUPLICATE_POOL = 500
DUPLICATE_FLOOR = 0.2
# ↪️ on a card: the recent authorities it offers besides the departments, and how far back
# a pressed one is looked up.
RECENT_AUTHORITIES = 5
AUTHORITY_LOOKUP = 50
AUTHORITY_KEY_LENGTH = 10


@dataclass(frozen=True)
class OfficialsRoute:
    """Where cards go by default, in which language officials read them."""

    channel: str
    chat_id: str
    language: str


@dataclass(frozen=True)
class Deadlines:
    default_days: int
    holidays: frozenset
    timezone: str


class CaseError(Exception):
    """An official's action that cannot be done; `key` is the catalog text to show."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class QuestionService:
    def __init__(self, storage: Storage, catalog: Catalog, topics: Sequence[Topic],
                 departments: Sequence[Department], route: OfficialsRoute, deadlines: Deadlines,
                 queued: Callable[[], None] = lambda: None, *, similar_threshold: float | None = None,
                 clock: Callable[[], float] | None = None, max_open: int = 0) -> None:
        """`queued` is called after outbox rows are written (to wake the dispatcher);
        `max_open`: questions one person may have waiting at once (0: no cap)."""
        self._max_open = max_open
        self._storage = storage
        self._catalog = catalog
        self._topics = {topic.key: topic for topic in topics}
        self._route = route
        self._deadlines = deadlines
        self._zone = ZoneInfo(deadlines.timezone)
        self._queued = queued
        self._clock = clock or time.time
        self.cards = CardRenderer(catalog, route.language, deadlines.timezone, departments)
        # Open questions, searchable for "me too" offers.
        self._open = SharedMatcher(Matcher() if similar_threshold is None
                                   else Matcher(threshold=similar_threshold))

    async def load(self) -> None:
        await self._open.add(*(_open_entry(question) for question in await self._storage.open_questions()))

    def topic_title(self, key: str, language: str) -> str:
        topic = self._topics.get(key)
        return topic.title_for(language) if topic else key

    def due_at(self, start: float, topic_key: str) -> float:
        topic = self._topics.get(topic_key)
        days = topic.deadline_days if topic and topic.deadline_days is not None else self._deadlines.default_days
        start_local = datetime.fromtimestamp(start, self._zone)
        return add_working_days(start_local, days, self._deadlines.holidays).timestamp()

    # -- submitting ----------------------------------------------------------

    async def submit(self, draft: Draft, user: User) -> Question:
        """Store the worker's question and queue its card for officials."""
        assert draft.topic
        declined = await self._declined(draft.suggestions)
        question = await self._storage.submit_question(
            draft, asker_name=user.display_name or None,
            due_at=self.due_at(self._clock(), draft.topic),
            card=lambda q: self._new_card(q, self._shown_channel(user), declined),
        )
        await self._open.add(_open_entry(question))
        self._queued()
        return question

    def _where(self, topic_key: str) -> tuple[str, int | None]:
        topic = self._topics.get(topic_key)
        chat = str(topic.chat_id) if topic and topic.chat_id else self._route.chat_id
        return chat, topic.thread_id if topic else None

    async def _declined(self, entry_ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
        """The KB entries the asker saw and found not enough: (id, question), as the card shows them."""
        entries = [await self._storage.kb_entry(entry_id) for entry_id in entry_ids]
        return tuple((entry.id, entry.question) for entry in entries if entry is not None)

    def _new_card(self, question: Question, channel: str = "",
                  declined: Sequence[tuple[str, str]] = ()) -> OutboxRequest:
        chat, thread = self._where(question.topic)
        state = CardState(question, self.topic_title(question.topic, self._route.language), 0, (), (),
                          published=False, now=self._clock(), channel=channel, declined=declined)
        return OutboxRequest(channel=self._route.channel, chat_id=chat, thread_id=thread,
                             text=self.cards.text(state), buttons=self.cards.buttons(state))

    async def similar_open(self, text: str, topic: str | None, user: User) -> Match | None:
        """An open question of someone else, in the same topic, that says the same thing.

        The matcher is calibrated for a knowledge base of many entries; over the
        few open questions its margin features flatter a lone candidate, so the
        offer also needs the same topic and most of the words in common.
        """
        result = await self._open.match(text, topic=topic, limit=3)
        if not result.suggest:
            return None
        return next((m for m in result.matches
                     if m.entry.answer != str(user.id) and m.score >= self._open.threshold
                     and (topic is None or m.entry.topic == topic)
                     and wording_similarity(text, m.entry.question) >= SIMILAR_WORDING), None)

    async def people_asking(self, question_id: int) -> int:
        """The asker and those following the case."""
        return 1 + len(await self._storage.followers_of(question_id))

    async def refusal(self, user: User, *, new_question: bool = True) -> str | None:
        """Why this person may not send a question now (a catalog key), or None.

        Muted by an official: no new question and no follow-up. Over the cap: no new
        question until some are answered (a follow-up continues an answered case).
        """
        if await self._storage.is_muted(user.id):
            return "ask.muted"
        if new_question and self._max_open and \
                await self._storage.open_question_count(user.id) >= self._max_open:
            return "ask.too_many_open"
        return None

    def refusal_text(self, user: User, key: str) -> str:
        return self._catalog.text(user.language, key, limit=self._max_open)

    # -- reading ---------------------------------------------------------------

    async def question(self, question_id: int) -> Question | None:
        return await self._storage.get_question(question_id)

    async def question_for_card(self, chat_id: str, message_id: int) -> Question | None:
        question_id = await self._storage.question_for_card(chat_id, message_id)
        return await self._storage.get_question(question_id) if question_id else None

    async def card_state(self, question: Question) -> CardState:
        return CardState(
            question=question,
            topic_title=self.topic_title(question.topic, self._route.language),
            followers=len(await self._storage.followers_of(question.id)),
            answers=await self._storage.answers_of(question.id),
            followups=await self._storage.followups_of(question.id),
            published=await self._storage.kb_entry(kb_id(question.id)) is not None,
            now=self._clock(),
            channel=self._shown_channel(await self._storage.get_user(question.user_id)),
            muted=await self._storage.muted_from(question.id),
            dislikes=await self._storage.dislikes_of(question.id),
            declined=await self._declined(await self._storage.declined_entries(question.id)),
        )

    async def recipients(self, question: Question) -> list[User]:
        """The asker and everyone following the case (not those who asked to be forgotten)."""
        asker = await self._storage.get_user(question.user_id)
        users = ([asker] if asker else []) + await self._storage.followers_of(question.id)
        return [user for user in users if user.chat_id]

    # -- what a change sends -----------------------------------------------------

    async def _card_refresh(self, question: Question) -> list[OutboxRequest]:
        state = await self.card_state(question)
        cards = await self._storage.cards_of(question.id)
        if not cards:
            return []
        chat_id, message_id, _thread = cards[0]  # the main card; follow-up cards stay as they are
        return [OutboxRequest(channel=self._route.channel, chat_id=chat_id, edit_message_id=message_id,
                              text=self.cards.text(state), buttons=self.cards.buttons(state),
                              question_id=question.id)]

    async def refresh_cards(self, question_ids: Sequence[int]) -> None:
        """Show the cards as the cases are now (e.g. after an asker was forgotten)."""
        requests: list[OutboxRequest] = []
        for question_id in question_ids:
            question = await self._storage.get_question(question_id)
            if question is not None:
                requests += await self._card_refresh(question)
        if requests:
            await self._storage.enqueue(requests)
            self._queued()

    def _notice(self, user: User, key: str, dedupe: str, **params: object) -> OutboxRequest:
        return OutboxRequest(channel=user.channel, chat_id=user.chat_id,
                             text=self._catalog.text(user.language, key, **params),
                             dedupe_key=f"{dedupe}:{user.id}")

    def _answer_messages(self, question: Question, user: User, text: str,
                         dedupe: str, attachment: Attachment | None = None,
                         asked: Asked | None = None) -> list[OutboxRequest]:
        """An answer's messages; `dedupe` starts with "answer:" (how the outbox knows an answer).

        `asked` says what the person asked that this answers, and so how it is worded:
        the asker's question or follow-up is quoted back; a follower ("me too") is told
        it is the question they asked too, without anyone else's words; a duplicate's
        asker sees their own question. An answer sent with a photo, file or voice
        message (`attachment`) ends with a copy of the official's message where the
        worker is on the officials' channel; elsewhere the text says what could not be
        passed on.
        """
        language = user.language
        asked = asked or Asked("answer.delivered", question.text)
        copied = attachment is not None and user.channel == self._route.channel
        if attachment is not None and not copied:
            text = "\n\n".join((text, self._left_out(language, attachment.kind)))
        key, quoted, own = asked.key, asked.text, asked.own_id

        def header(quote: str, answer: str) -> str:
            return self._catalog.text(language, key, id=question.id, own=own or "",
                                      question=quote, answer=answer)

        first = header(quoted, "")
        short = FIRST_ANSWER_ROOM - (MESSAGE_LIMIT - plain_length(first))
        if short > 0 and quoted:  # 2,000 characters of emoji are 4,000 units
            quoted = shorten(quoted, utf16_length(quoted) - short)
            first = header(quoted, "")
        later = self._catalog.text(language, "answer.continued", id=question.id, answer="")
        pieces = split_text(text, MESSAGE_LIMIT - plain_length(first),
                            MESSAGE_LIMIT - plain_length(later))
        buttons = (
            (Button(self._catalog.text(language, "answer.rate_up"), f"{RATE_PREFIX}:{question.id}:up"),
             Button(self._catalog.text(language, "answer.rate_down"), f"{RATE_PREFIX}:{question.id}:down")),
        )
        if user.id == question.user_id:
            buttons += ((Button(self._catalog.text(language, "answer.followup"),
                                f"{FOLLOWUP_PREFIX}:{question.id}"),),)
        messages = []
        for index, piece in enumerate(pieces):
            messages.append(OutboxRequest(
                channel=user.channel, chat_id=user.chat_id,
                text=header(quoted, piece) if index == 0 else
                self._catalog.text(language, "answer.continued", id=question.id, answer=piece),
                buttons=buttons if index == len(pieces) - 1 and not copied else (),
                dedupe_key=f"{dedupe}:{user.id}:{index}",
            ))
        if copied:
            assert attachment is not None
            # A copy, never a forward: a forward would show who sent it.
            messages.append(OutboxRequest(
                channel=user.channel, chat_id=user.chat_id,
                text=self._catalog.text(language, "answer.attachment_copy", id=question.id),
                buttons=buttons, attachment_kind=COPY,
                attachment=f"{attachment.chat_id}:{attachment.message_id}",
                dedupe_key=f"{dedupe}:{user.id}:{len(pieces)}",
            ))
        return messages

    def _left_out(self, language: str, kind: str) -> str:
        """The note for a worker whose channel cannot carry the official's photo, file or voice."""
        keys = self._catalog.keys(language)
        what = self._catalog.text(language, f"attachment.{kind}" if f"attachment.{kind}" in keys
                                  else "attachment.document")
        return self._catalog.text(language, "answer.attachment_left_out", what=what)

    async def _commit(self, question: Question | None) -> Question | None:
        if question is not None:
            if question.status == "open":
                await self._open.add(_open_entry(question))
            else:
                await self._open.remove(str(question.id))
            self._queued()
        return question

    # -- answering -----------------------------------------------------------------

    async def answer(self, question: Question, official: Official, text: str,
                     source: tuple[str, int], attachment_kind: str | None = None) -> Answer | None:
        """Record an official's answer; deliver it to the asker and followers.

        `source` is the official's message (chat id, message id): the same
        message is never taken as an answer twice. With `attachment_kind` that
        message is a photo, file or voice message and `text` its caption.
        """
        dedupe = f"answer:{source[0]}:{source[1]}"
        attachment = Attachment(attachment_kind, *source) if attachment_kind else None
        # Once the asker followed up, the answers that come answer the follow-up.
        followups = await self._storage.followups_of(question.id)
        followup = followups[-1] if followups else None

        async def deliveries(changed: Question) -> list[OutboxRequest]:
            messages = []
            for user, asked in await self._audience(changed, followup):
                messages += self._answer_messages(changed, user, text, dedupe, attachment, asked)
            return messages + await self._card_refresh(changed)

        answer = await self._storage.add_answer(question, official.id, official.name, text, source,
                                                deliveries, attachment_kind,
                                                followup.id if followup else None)
        if answer is not None:
            await self._commit(await self._storage.get_question(question.id))
        return answer

    async def _audience(self, question: Question, followup: Followup | None) -> list[tuple[User, Asked]]:
        """Who gets an answer, each with what they asked: a follow-up's answer only its
        author (the asker); the case's own answer the asker and every follower."""
        if followup is not None:
            asker = await self._storage.get_user(followup.user_id or question.user_id)
            return [(asker, Asked("answer.followup_delivered", followup.text))] \
                if asker is not None and asker.chat_id else []
        return [(user, await self._asked_by(question, user)) for user in await self.recipients(question)]

    async def _asked_by(self, question: Question, user: User) -> Asked:
        if user.id == question.user_id:
            return Asked("answer.delivered", question.text)
        own = await self._storage.duplicate_asked_by(question.id, user.id)
        if own is not None:  # their own words, merged into this case by an official
            return Asked("answer.duplicate_delivered", own.text, own.id)
        return Asked("answer.follower_delivered", "")

    async def edit_answer(self, chat_id: str, message_id: int, official: Official, text: str,
                          edit_stamp: int) -> bool:
        """An official edited the message that was an answer: send the correction."""
        answer = await self._storage.answer_from(chat_id, message_id)
        if answer is None:
            return False

        async def deliveries(question: Question) -> list[OutboxRequest]:
            # edit_date has one-second resolution: the time of the version being
            # replaced tells two quick edits apart.
            replaced = answer.edited_at or answer.created_at
            dedupe = f"correction:{answer.id}:{edit_stamp}:{replaced}"
            followup = next((f for f in await self._storage.followups_of(question.id)
                             if f.id == answer.followup_id), None)
            notices = [self._notice(u, "notify.correction", dedupe,
                                    id=question.id, answer=shorten(text, 3000))
                       for u, _asked in await self._audience(question, followup)]
            return notices + await self._card_refresh(question)

        changed = await self._storage.edit_answer(answer, text, (official.id, official.name), deliveries)
        if changed:
            self._queued()
        return changed

    # -- officials' transitions ------------------------------------------------------

    async def _transition(self, question: Question, version: int | None, changes: dict[str, Any],
                          official: Official | None, action: str, detail: str,
                          notify: Callable[[Question, User], OutboxRequest | None] | None = None,
                          *, extra: Callable[[Question], Any] | None = None,
                          followers: Sequence[tuple[int, int]] = (),
                          followup: tuple[int, str] | None = None, source: str | None = None,
                          worker_name: str = "") -> Question | None:
        async def deliveries(changed: Question) -> list[OutboxRequest]:
            requests: list[OutboxRequest] = []
            if notify is not None:
                for user in await self.recipients(changed):
                    request = notify(changed, user)
                    if request is not None:
                        requests.append(request)
            if extra is not None:
                requests += await extra(changed)
            return requests + await self._card_refresh(changed)

        actor = (official.id, official.name) if official else (None, worker_name)
        changed = await self._storage.transition(question.id, version, changes, (*actor, action, detail),
                                                 deliveries, followers=followers, followup=followup,
                                                 source=source)
        return await self._commit(changed)

    async def set_muted(self, question: Question, version: int | None, official: Official,
                        muted: bool, *, source: str | None = None) -> tuple[Question | None, bool]:
        """Mute (or unmute) the asker of a case without anyone learning who they are:
        the card and the history say only "the asker of #N". (case or None if stale, changed?)"""
        async def deliveries(changed: Question) -> list[OutboxRequest]:
            return await self._card_refresh(changed)

        changed, done = await self._storage.set_muted(
            question.id, version, muted, (official.id, official.name, "muted" if muted else "unmuted", ""),
            deliveries, source=source)
        if done:
            self._queued()
        return changed, done

    def _stamp(self, question: Question, action: str) -> str:
        return f"{action}:{question.id}:{question.version}"

    async def assign(self, question: Question, version: int | None, official: Official,
                     department_key: str, *, source: str | None = None) -> Question | None:
        if department_key not in self.cards.departments:
            raise CaseError("officials.assign_usage", departments=self._department_list())
        name = self.cards.department_name(department_key)
        stamp = self._stamp(question, "assigned")
        return await self._transition(
            question, version, {"department": department_key, "assigned_by": official.name},
            official, "assigned", name,
            lambda q, u: self._notice(u, "notify.assigned", stamp, id=q.id, department=name)
            if u.id == q.user_id else None, source=source,
        )

    def _department_list(self) -> str:
        return ", ".join(f"{key} ({d.name})" for key, d in self.cards.departments.items())

    async def forward(self, question: Question, version: int | None, official: Official,
                      authority: str, *, source: str | None = None) -> Question | None:
        authority = shorten(authority.strip(), 200)
        if not authority:
            raise CaseError("officials.forward_usage")
        stamp = self._stamp(question, "forwarded")
        return await self._transition(
            question, version, {"status": "forwarded", "forwarded_to": authority}, official,
            "forwarded", authority,
            lambda q, u: self._notice(u, "notify.forwarded", stamp, id=q.id, to=authority),
            source=source,
        )

    async def reject(self, question: Question, version: int | None, official: Official,
                     reason: str, *, source: str | None = None) -> Question | None:
        reason = shorten(reason.strip(), 500)
        if not reason:
            raise CaseError("officials.reject_usage")
        stamp = self._stamp(question, "rejected")
        return await self._transition(
            question, version, {"status": "rejected", "reject_reason": reason}, official, "rejected",
            reason, lambda q, u: self._notice(u, "notify.rejected", stamp, id=q.id, reason=reason),
            source=source,
        )

    def reject_reason_text(self, reason_key: str, language: str) -> str:
        return self._catalog.text(language, f"reject_text.{reason_key}")

    async def mark_duplicate(self, question: Question, version: int | None, official: Official,
                             original_id: int, *, source: str | None = None) -> Question | None:
        """The asker (and followers) of `question` follow the original instead."""
        original = await self._root(original_id)
        if original is None:
            raise CaseError("officials.no_such_question", id=original_id)
        if original.id == question.id:
            raise CaseError("officials.duplicate_self")
        movers = [u.id for u in await self.recipients(question)]
        stamp = self._stamp(question, "duplicate")
        answers = [a for a in await self._storage.answers_of(original.id) if a.followup_id is None]

        def notify(q: Question, user: User) -> OutboxRequest:
            return self._notice(user, "notify.duplicate", stamp, id=q.id, of=original.id)

        async def extra(_changed: Question) -> list[OutboxRequest]:
            # Already answered: the movers get the answer now. Either way the
            # original's card shows the new count of people asking.
            requests: list[OutboxRequest] = []
            if answers:
                for user_id in movers:
                    user = await self._storage.get_user(user_id)
                    if user is not None and user.chat_id:
                        asked = (Asked("answer.duplicate_delivered", question.text, question.id)
                                 if user_id == question.user_id else Asked("answer.follower_delivered", ""))
                        requests += self._answer_messages(original, user, answers[-1].text,
                                                          f"answer:dup:{question.id}",
                                                          _attachment_of(answers[-1]), asked)
            return requests + await self._card_refresh(original)

        return await self._transition(
            question, version, {"status": "duplicate", "duplicate_of": original.id}, official,
            "duplicate", f"#{original.id}", notify, extra=extra,
            followers=[(original.id, user_id) for user_id in movers if user_id != original.user_id],
            source=source,
        )

    async def _root(self, question_id: int) -> Question | None:
        """Follow duplicate links to the original question."""
        seen: set[int] = set()
        question = await self._storage.get_question(question_id)
        while question is not None and question.duplicate_of and question.id not in seen:
            seen.add(question.id)
            question = await self._storage.get_question(question.duplicate_of)
        return question

    async def reopen(self, question: Question, version: int | None, official: Official, *,
                     source: str | None = None) -> Question | None:
        if question.status == "open":
            raise CaseError("officials.not_changed", id=question.id)
        return await self._transition(
            question, version,
            {"status": "open", "forwarded_to": None, "duplicate_of": None, "reject_reason": None,
             "due_at": self.due_at(self._clock(), question.topic), "nudged_at": None},
            official, "reopened", "", source=source,
        )

    async def publish_pairs(self, question: Question) -> list[PublishPair]:
        """The question/answer pairs a case can be published as: its own question with the
        latest answer to it, and each follow-up with the latest answer to that follow-up.
        A follow-up's answer is never paired with the question it does not answer."""
        answers = await self._storage.answers_of(question.id)
        followups = await self._storage.followups_of(question.id)
        pairs = []
        for number, (asked_id, text) in enumerate([(None, question.text),
                                                   *((f.id, f.text) for f in followups)]):
            given = [a for a in answers if a.followup_id == asked_id]
            if given:
                pairs.append(PublishPair(number, text, given[-1].text))
        return pairs

    async def publish(self, question: Question, version: int | None, official: Official,
                      knowledge: Any, edited: tuple[str, str] | None = None, *, pair: int = 0) -> Entry:
        """Add one question/answer pair of the case (`pair`: 0 its own question, k its k-th
        follow-up), as asked and answered or as edited, to the KB."""
        chosen = next((p for p in await self.publish_pairs(question) if p.number == pair), None)
        if question.status != "answered" or chosen is None:
            raise CaseError("publish.not_answered")
        text, answer = edited or (chosen.question, chosen.answer)
        # The worker's own words, and those of the questions merged into this one,
        # are how others will ask it: the matcher finds the entry by them too.
        # Published again, the entry keeps what it learned since (/kb). A follow-up
        # ("and where do I file it?") means little alone: only its published wording.
        wordings = await self._wordings(question) if pair == 0 else []
        entry = Entry(id=kb_id(question.id, pair), topic=question.topic, question=text, answer=answer,
                      variants=merge_variants((), wordings, text))
        await knowledge.publish([entry], source_question_id=question.id, keep_variants=True)
        changed = await self._transition(question, version, {}, official, "published", entry.id)
        if changed is None:
            raise CaseError("officials.stale_card")
        return entry

    async def answer_from_kb(self, question: Question, official: Official, entry_id: str, knowledge: Any,
                             source: tuple[str, int]) -> tuple[Answer | None, bool]:
        """Answer a case with an entry already in the KB, which learns the case's
        wordings (the worker's, and those merged into it) as variants: the next
        worker who asks it that way is answered at once. Returns the answer
        (None if this message was already taken as one) and whether the entry
        learned a new wording."""
        entry = await knowledge.entry(entry_id)
        if entry is None:
            raise CaseError("kb.no_such_entry", entry=shorten(entry_id, 64))
        if entry.id in await self._storage.declined_entries(question.id):
            raise CaseError("kb.declined", id=question.id, entry=entry.id)
        answer = await self.answer(question, official, entry.answer, source)
        if answer is None:
            return None, False
        return answer, await knowledge.learn(entry.id, await self._wordings(question))

    async def likely_duplicates(self, question: Question, visible: Callable[[Question], bool],
                                limit: int = DUPLICATE_CHOICES) -> list[Question]:
        """The cases `question` most likely repeats, best first, among the newest waiting,
        answered or forwarded ones the official may see (`visible`): the matcher that finds
        KB entries, over those cases, with a low bar (an official chooses)."""
        cases = [c for c in await self._storage.recent_cases(question.id, DUPLICATE_POOL) if visible(c)]
        if not cases:
            return []

        def search() -> Result:
            matcher = Matcher(Entry(str(c.id), c.topic, c.text, "") for c in cases)
            return matcher.match(question.text, topic=question.topic, limit=limit)

        by_id = {str(c.id): c for c in cases}
        result = await asyncio.to_thread(search)
        return [by_id[m.entry.id] for m in result.matches if m.score >= DUPLICATE_FLOOR]

    async def forward_targets(self) -> list[tuple[str, str]]:
        """The authorities cases were forwarded to lately ((key, name)), the latest first;
        the departments are offered on their own."""
        departments = {d.name for d in self.cards.departments.values()}
        names = [n for n in await self._storage.recent_authorities(RECENT_AUTHORITIES + len(departments))
                 if n not in departments]
        return [(authority_key(name), name) for name in names[:RECENT_AUTHORITIES]]

    async def authority(self, key: str) -> str | None:
        """The recent authority a forward button names (None: no longer among them)."""
        names = await self._storage.recent_authorities(AUTHORITY_LOOKUP)
        return next((name for name in names if authority_key(name) == key), None)

    async def _wordings(self, question: Question) -> list[str]:
        """How the case was asked: the worker's text and those of the questions merged into it."""
        return [question.text, *await self._storage.duplicate_texts(question.id)]

    async def nudge(self, question: Question) -> Question | None:
        """The one reminder for an overdue case, in its thread, under its card."""
        cards = await self._storage.cards_of(question.id)
        chat_id, thread = self._where(question.topic)

        async def extra(changed: Question) -> list[OutboxRequest]:
            assert changed.due_at is not None
            return [OutboxRequest(
                channel=self._route.channel, chat_id=cards[0][0] if cards else chat_id,
                thread_id=thread, reply_to_message_id=cards[0][1] if cards else None,
                text=self.cards.t("nudge.overdue", id=changed.id, when=self.cards.deadline(changed.due_at)),
                dedupe_key=f"nudge:{changed.id}:{changed.due_at}",
            )]

        return await self._transition(question, question.version, {"nudged_at": self._clock()},
                                      None, "overdue", "", extra=extra)

    def _followup_card(self, question: Question, text: str) -> str:
        """The follow-up's own card: the whole follow-up, unless Telegram's limit forbids it."""
        empty = self.cards.t("followup.card", id=question.id,
                             topic=self.topic_title(question.topic, self._route.language), text="")
        room = MESSAGE_LIMIT - plain_length(empty)
        return self.cards.t("followup.card", id=question.id,
                            topic=self.topic_title(question.topic, self._route.language),
                            text=shorten(text, room))

    async def audit(self, question: Question) -> list[str]:
        """The case's history for /case: one message, or several when it is long."""
        events = await self._storage.events_of(question.id)
        return self.cards.audit(question, [(e.actor_name, e.action, e.detail, e.created_at) for e in events])

    # -- workers following and following up -------------------------------------------

    async def follow(self, question_id: int, user: User) -> Question | None:
        """"Me too": the worker follows an open question and will get its answer."""
        question = await self._storage.get_question(question_id)
        if question is None or question.status != "open" or question.user_id == user.id:
            return None
        if any(f.id == user.id for f in await self._storage.followers_of(question.id)):
            return question
        return await self._transition(question, None, {}, None, "followed", "",
                                      followers=[(question.id, user.id)])

    async def followup(self, question_id: int, user: User, text: str) -> Question | None:
        """The asker asks more about an answered case: it reopens with the follow-up."""
        question = await self._storage.get_question(question_id)
        if question is None or question.user_id != user.id or question.status != "answered":
            return None
        card_chat, thread = self._where(question.topic)
        cards = await self._storage.cards_of(question.id)
        reply_to = cards[0][1] if cards else None
        count = len(await self._storage.followups_of(question.id)) + 1

        async def extra(changed: Question) -> list[OutboxRequest]:
            return [OutboxRequest(
                channel=self._route.channel, chat_id=cards[0][0] if cards else card_chat, thread_id=thread,
                reply_to_message_id=reply_to, card_question_id=changed.id,
                text=self._followup_card(changed, text),
                dedupe_key=f"followup-card:{changed.id}:{count}",
            )]

        return await self._transition(
            question, None, {"status": "open", "due_at": self.due_at(self._clock(), question.topic),
                             "nudged_at": None},
            None, "followup", shorten(text, 200), extra=extra, followup=(user.id, text),
            worker_name="" if question.anonymous else question.asker_name or "",
        )

    # -- the worker's own view ----------------------------------------------------------

    async def history(self, user: User, limit: int = 10) -> list[tuple[Question, list[Answer]]]:
        questions = await self._storage.questions_of_user(user.id, limit)
        items = []
        for question in questions:
            source = await self._root(question.id) if question.duplicate_of else question
            answers = await self._storage.answers_of((source or question).id)
            if source is not None and source.id != question.id:  # not the asker's follow-ups there
                answers = [a for a in answers if a.followup_id is None]
            items.append((question, answers))
        return items

    async def rate(self, user: User, question_id: int, rating: int) -> str | None:
        """Store a 👍/👎 of the asker or of a follower on a case that has an answer (a
        follow-up since does not undo it). A 👎 is shown to the officials at once, under
        the card. Returns "asker" or "follower", or None when this person may not rate it."""
        question = await self._storage.get_question(question_id)
        role = await self._rater(question, user)
        if question is None or role is None:
            return None

        async def deliveries(changed: Question) -> list[OutboxRequest]:
            notices = [await self._dislike_notice(changed, role, None, f"dislike:{changed.id}:{user.id}:"
                                                  f"{self._clock()}")] if rating < 0 else []
            return notices + await self._card_refresh(changed)

        if await self._storage.rating_of(question.id, user.id) == rating:
            return role  # pressed again: nothing new for officials
        await self._storage.rate(question.id, user.id, rating, follower=role == "follower",
                                 deliveries=deliveries)
        self._queued()
        return role

    async def dislike_reason(self, user: User, question_id: int, reason: str) -> bool:
        """Why the person gave a 👎 (one line): on the card and under it for officials."""
        question = await self._storage.get_question(question_id)
        role = await self._rater(question, user)
        if question is None or role is None:
            return False
        reason = shorten(" ".join(reason.split()), DISLIKE_REASON_LENGTH)

        async def deliveries(changed: Question) -> list[OutboxRequest]:
            notice = await self._dislike_notice(changed, role, reason,
                                                f"dislike-why:{changed.id}:{user.id}:{self._clock()}")
            return [notice, *await self._card_refresh(changed)]

        done = await self._storage.rating_reason(question.id, user.id, reason, deliveries)
        if done:
            self._queued()
        return done

    async def _rater(self, question: Question | None, user: User) -> str | None:
        if question is None or not await self._storage.answers_of(question.id):
            return None
        if question.user_id == user.id:
            return "asker"
        if any(f.id == user.id for f in await self._storage.followers_of(question.id)):
            return "follower"
        return None

    async def _dislike_notice(self, question: Question, role: str, reason: str | None,
                              dedupe: str) -> OutboxRequest:
        """A short message under the case's card, so that a 👎 is seen, not only a card edit."""
        chat, thread = self._where(question.topic)
        cards = await self._storage.cards_of(question.id)
        who = self.cards.t(f"dislike.{role}")
        text = (self.cards.t("dislike.notice_reason", id=question.id, who=who, reason=reason) if reason
                else self.cards.t("dislike.notice", id=question.id, who=who))
        return OutboxRequest(channel=self._route.channel, chat_id=cards[0][0] if cards else chat,
                             thread_id=thread, reply_to_message_id=cards[0][1] if cards else None,
                             text=text, dedupe_key=dedupe)

    def render_history(self, user: User, items: Sequence[tuple[Question, list[Answer]]]) -> str:
        language = user.language
        if not items:
            return self._catalog.text(language, "my.empty")
        blocks = [self._catalog.text(language, "my.header")]
        for question, answers in items:
            block = self._catalog.text(
                language, "my.item", id=question.id, topic=self.topic_title(question.topic, language),
                status=Raw(self._catalog.text(language, f"status.{question.status}")),
                question=shorten(question.text, 300),
            )
            if answers:
                block += "\n" + self._catalog.text(language, "my.item_answer",
                                                   answer=shorten(answers[-1].text, 600))
            if plain_length("\n\n".join([*blocks, block])) > MESSAGE_LIMIT:
                break
            blocks.append(block)
        return "\n\n".join(blocks)

    def _shown_channel(self, user: User | None) -> str:
        """The asker's channel as cards show it: nothing for the officials' own channel."""
        return user.channel if user is not None and user.channel != self._route.channel else ""


@dataclass(frozen=True)
class Asked:
    """What a person asked that an answer answers: the catalog text it comes in, the
    words quoted back (none for a follower: they are someone else's), and, for a
    question merged into the case, that question's own number."""

    key: str
    text: str
    own_id: int | None = None


@dataclass(frozen=True)
class Attachment:
    """The photo, file or voice message an official answered with: its kind and where it is."""

    kind: str
    chat_id: str
    message_id: int


def _attachment_of(answer: Answer) -> Attachment | None:
    if answer.attachment_kind is None or answer.source is None:
        return None
    return Attachment(answer.attachment_kind, *answer.source)


def wording_similarity(a: str, b: str) -> float:
    """How alike two questions are worded, 0-100, the same both ways round and lower the
    more their lengths differ: a short generic sentence is not "the same question" as a
    long one that contains it (rapidfuzz's token_set_ratio scored that 100). Words are
    compared folded (no accents, abbreviations expanded) and sorted."""
    return float(fuzz.token_sort_ratio(fold(a), fold(b)))


def kb_id(question_id: int, pair: int = 0) -> str:
    """The KB entry a case is published as; its k-th follow-up with its answer: "case-N-k"."""
    return f"case-{question_id}-{pair}" if pair else f"case-{question_id}"


def authority_key(name: str) -> str:
    """A short stable key for an authority's name, to fit in a button's data."""
    return hashlib.sha1(name.encode()).hexdigest()[:AUTHORITY_KEY_LENGTH]


def _open_entry(question: Question) -> Entry:
    # The answer field carries the asker's id so "me too" never offers one's own question.
    return Entry(id=str(question.id), topic=question.topic, question=question.text,
                 answer=str(question.user_id))
