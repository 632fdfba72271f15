"""The worker's conversation for asking a question, independent of the channel.

Steps, kept in the `drafts` table so a restart loses nothing:

    text ──▶ [kb | kbpick] ──▶ [metoo] ──▶ topic ──▶ confirm ──▶ submitted (#N)

The knowledge base is searched first (it ignores the topic), then "me too";
only a question that goes on to officials is asked its topic, and the last
step both confirms and chooses: with name, anonymously, or cancel. A worker
who types a question without /ask starts at the search. Every button carries
the draft's version, so a button from an older step can never act on a newer one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.config import Topic
from bot.i18n import Catalog, Raw
from bot.models import Button, Conference, Draft, Reply, User
from bot.services.knowledge import KnowledgeService
from bot.services.questions import FOLLOWUP_PREFIX, RATE_PREFIX, QuestionService
from bot.services.text import (
    MESSAGE_LIMIT,
    clean_text,
    meaningful_length,
    parse_id,
    plain_length,
    shorten,
)
from bot.storage import Storage
from knowledge_base import Entry

MIN_MEANINGFUL = 10
MAX_LENGTH = 2000
# A short keyword's KB entries offered as choices: this many at most, from this score
# (the matcher's probability), each labelled with this much of the entry's question.
KB_CHOICES = 3
SHORT_CHOICE_SCORE = 0.1
KB_CHOICE_LABEL = 60
KB_ANSWER_EXCERPT = 2500  # UTF-16 units, as Telegram counts
KB_QUESTION_EXCERPT = 1000
METOO_OWN_EXCERPT = 600

# Button data: "q:<draft version>:<action>[:<argument>]".
PREFIX = "q"


@dataclass(frozen=True)
class Outcome:
    """What the channel should do in response to one worker action."""

    replies: list[Reply] = field(default_factory=list)
    edit: Reply | None = None       # replace the message whose button was pressed
    notice: str | None = None       # short toast for a button press
    keep_buttons: bool = False      # without `edit`: leave the pressed message's buttons
    # Without `edit`: replace the pressed message's buttons with these (the text stays).
    markup: tuple[tuple[Button, ...], ...] | None = None
    # An organizer confirmed an announcement: (text, audience, attachment or None).
    start_broadcast: tuple[str, str, tuple[str, str] | None] | None = None


class AskFlow:
    def __init__(self, storage: Storage, catalog: Catalog, topics: Sequence[Topic],
                 knowledge: KnowledgeService, questions: QuestionService) -> None:
        self._storage = storage
        self._catalog = catalog
        self._topics = list(topics)
        self._knowledge = knowledge
        self._questions = questions

    def _t(self, user: User, key: str, **params: object) -> str:
        return self._catalog.text(user.language, key, **params)

    # -- entry points ------------------------------------------------------

    async def start(self, user: User, conference: Conference | None = None) -> Outcome:
        """/ask: begin a new question (dropping any unfinished one), maybe for a conference."""
        refused = await self._refused(user)
        if refused is not None:
            return Outcome(replies=[refused])
        current = await self._storage.get_draft(user.id)
        draft = Draft(user_id=user.id, step="text", version=_next_version(current),
                      conference_id=conference.id if conference else None)
        await self._storage.save_draft(draft)
        prompt = Reply(self._t(user, "ask.type_question_first"))
        if conference is not None:
            prompt = replace(prompt, text=self._t(user, "ask.for_conference", title=conference.title)
                             + "\n" + prompt.text)
        return Outcome(replies=[prompt])

    async def cancel(self, user: User) -> Outcome:
        if await self._storage.get_draft(user.id) is None:
            return Outcome(replies=[Reply(self._t(user, "ask.nothing_to_cancel"))])
        await self._storage.delete_draft(user.id)
        return Outcome(replies=[Reply(self._t(user, "ask.cancelled"))])

    async def text(self, user: User, raw_text: str) -> Outcome:
        """The worker typed something (not a command)."""
        draft = await self._storage.get_draft(user.id)
        if draft is not None and draft.step == "topic" and draft.text == clean_text(raw_text):
            # The same words again (or the same update replayed after a restart): the same
            # choice, whose buttons still work, rather than a new draft that would stale them.
            return Outcome(replies=[await self._prompt_for(user, draft)])
        # Typed while the topic is asked: a new question in place of the one waiting for it.
        if draft is None or draft.step in ("text", "topic"):
            refused = await self._refused(user)
            if refused is not None:
                return Outcome(replies=[refused])
            conference = draft.conference_id if draft is not None else None
            draft = Draft(user_id=user.id, step="text", version=_next_version(draft),
                          text=clean_text(raw_text), conference_id=conference)
            too_long = self._too_long(user, draft.text or "")
            if too_long is not None:
                return Outcome(replies=[too_long])
            if meaningful_length(draft.text or "") < MIN_MEANINGFUL:
                # A short keyword ("BHXH", "thai sản") the KB knows well: its entries, not
                # "too short". Anything else short is asked again, longer.
                found = await self._suggest_from_kb(user, draft, short=True)
                return found or Outcome(replies=[self._too_short(user)])
            return await self._after_text(user, draft)
        if draft.step == "followup":
            return await self._send_followup(user, draft, raw_text)
        if draft.step == "why":
            return await self._why(user, draft, raw_text)
        # Waiting for a button: show the same choice again rather than guess.
        return Outcome(replies=[Reply(self._t(user, "ask.use_buttons")),
                                await self._prompt_for(user, draft)])

    async def not_text(self, user: User) -> Outcome:
        """A sticker, voice message, photo without caption, file..."""
        return Outcome(replies=[Reply(self._t(user, "ask.not_text"))])

    async def button(self, user: User, data: str) -> Outcome:
        parts = data.split(":", 3)
        draft = await self._storage.get_draft(user.id)
        if (len(parts) < 3 or parts[0] != PREFIX or draft is None
                or parts[1] != str(draft.version)):
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        action, argument = parts[2], parts[3] if len(parts) > 3 else ""
        handler = {
            ("topic", "t"): self._chose_topic,
            ("kb", "yes"): self._kb_helped,
            ("kb", "no"): self._kb_not_enough,
            ("kbpick", "pick"): self._picked_entry,
            ("kbpick", "write"): self._write_question,
            ("metoo", "follow"): self._follow_similar,
            ("metoo", "own"): self._send_own,
            ("why", "skip"): self._skip_why,
            ("confirm", "named"): self._send,
            ("confirm", "anon"): self._send,
        }.get((draft.step, action))
        if action == "cancel":
            await self._storage.delete_draft(user.id)
            return Outcome(edit=Reply(self._t(user, "ask.cancelled")))
        if handler is None:
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        return await handler(user, draft, action, argument)

    # -- steps -------------------------------------------------------------

    async def _chose_topic(self, user: User, draft: Draft, _action: str, key: str) -> Outcome:
        topic = next((t for t in self._topics if t.key == key), None)
        if topic is None:
            return Outcome(notice=self._t(user, "ask.unknown_topic"), keep_buttons=True)
        draft = replace(_advance(draft, "confirm"), topic=key)
        await self._storage.save_draft(draft)
        return Outcome(edit=self._confirm_prompt(user, draft))

    async def _after_text(self, user: User, draft: Draft) -> Outcome:
        """A question of a fair length: the KB first, then "me too", then the topic."""
        return await self._suggest_from_kb(user, draft) or await self._after_kb(user, draft)

    async def _suggest_from_kb(self, user: User, draft: Draft, *,
                               short: bool = False) -> Outcome | None:
        """What the knowledge base offers for the worker's words, or None (nothing worth it).

        The matcher is sure: its entry, with "✅ Đã rõ" / "📨 Vẫn gửi". A short keyword
        ("BHXH", "thai sản") that several entries fit, or that the matcher is not sure
        of: the entries it finds plausible, as choices. The KB ignores the topic, so this
        comes before the topic is asked.
        """
        assert draft.text is not None
        result = await self._knowledge.match(draft.text, limit=KB_CHOICES)
        # A keyword says little: several entries that fit it are choices, even if one leads.
        plausible = ([m.entry for m in result.matches if m.score >= SHORT_CHOICE_SCORE]
                     if short else [])
        if result.suggest and result.matches and len(plausible) <= 1:
            best = result.matches[0].entry
            draft = replace(_advance(draft, "kb"), suggestions=(best.id,))
            await self._storage.save_draft(draft)
            return Outcome(replies=[self._kb_prompt(user, draft, best.question, best.answer)])
        if plausible:
            draft = replace(_advance(draft, "kbpick"), suggestions=tuple(e.id for e in plausible))
            await self._storage.save_draft(draft)
            return Outcome(replies=[self._kb_choices_prompt(user, draft, plausible)])
        return None

    async def _picked_entry(self, user: User, draft: Draft, _action: str, index: str) -> Outcome:
        """One of the KB's entries offered for a short keyword: its answer."""
        number = parse_id(index)
        fits = number is not None and number < len(draft.suggestions)
        entry_id = draft.suggestions[number] if fits and number is not None else None
        entry = await self._knowledge.entry(entry_id) if entry_id else None
        if entry is None:
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        draft = replace(_advance(draft, "kb"), suggestions=(entry.id,))
        await self._storage.save_draft(draft)
        return Outcome(edit=self._kb_prompt(user, draft, entry.question, entry.answer))

    async def _write_question(self, user: User, draft: Draft, _action: str, _arg: str) -> Outcome:
        draft = replace(_advance(draft, "text"), text=None, suggestions=())
        await self._storage.save_draft(draft)
        return Outcome(edit=Reply(self._t(user, "ask.type_full_question", minimum=MIN_MEANINGFUL)))

    async def _after_kb(self, user: User, draft: Draft) -> Outcome:
        """On every path to officials: "me too" when someone's open question says the same."""
        assert draft.text is not None
        similar = await self._questions.similar_open(draft.text, draft.topic, user)
        if similar is not None:
            draft = replace(_advance(draft, "metoo"), case_id=int(similar.entry.id))
            await self._storage.save_draft(draft)
            return Outcome(replies=[await self._metoo_prompt(user, draft, similar.entry)])
        return await self._to_topic(user, draft)

    async def _to_topic(self, user: User, draft: Draft) -> Outcome:
        """The question goes on to officials: its topic (unless a conference has just one),
        then the confirmation."""
        conference = (await self._storage.conference(draft.conference_id)
                      if draft.conference_id else None)
        only = tuple(conference.topics) if conference is not None else ()
        known = [t.key for t in self._topics if not only or t.key in only]
        if draft.topic is None and len(known) == 1:
            draft = replace(draft, topic=known[0])
        if draft.topic is not None:
            draft = _advance(draft, "confirm")
            await self._storage.save_draft(draft)
            return Outcome(replies=[self._confirm_prompt(user, draft)])
        draft = _advance(draft, "topic")
        await self._storage.save_draft(draft)
        return Outcome(replies=[self._topic_prompt(user, draft, only)])

    async def _follow_similar(self, user: User, draft: Draft, _action: str, _arg: str) -> Outcome:
        assert draft.case_id is not None
        followed = await self._questions.follow(draft.case_id, user)
        if followed is None:  # answered or closed meanwhile: send their own instead
            return await self._to_topic(user, draft)
        await self._storage.delete_draft(user.id)
        return Outcome(edit=Reply(self._t(user, "metoo.following", id=followed.id)))

    async def start_followup(self, user: User, question_id: int) -> Outcome:
        question = await self._questions.question(question_id)
        if question is None or question.user_id != user.id or question.status != "answered":
            return Outcome(notice=self._t(user, "followup.invalid"), keep_buttons=True)
        refused = await self._refused(user, new_question=False)
        if refused is not None:
            return Outcome(replies=[refused], keep_buttons=True)
        current = await self._storage.get_draft(user.id)
        draft = Draft(user_id=user.id, step="followup", version=_next_version(current),
                      topic=question.topic, case_id=question.id)
        await self._storage.save_draft(draft)
        return Outcome(replies=[Reply(self._t(user, "followup.prompt", id=question.id))],
                       keep_buttons=True)

    async def _send_followup(self, user: User, draft: Draft, raw_text: str) -> Outcome:
        assert draft.case_id is not None
        problem = self._validate(user, raw_text)
        if problem:
            return Outcome(replies=[problem])
        refused = await self._refused(user, new_question=False)
        if refused is not None:
            await self._storage.delete_draft(user.id)
            return Outcome(replies=[refused])
        question = await self._questions.followup(draft.case_id, user, clean_text(raw_text))
        await self._storage.delete_draft(user.id)
        if question is None:
            return Outcome(replies=[Reply(self._t(user, "followup.invalid"))])
        return Outcome(replies=[Reply(self._t(user, "followup.sent", id=question.id))])

    async def _kb_helped(self, user: User, draft: Draft, _action: str, _arg: str) -> Outcome:
        assert draft.text
        entry_id = draft.suggestions[0] if draft.suggestions else ""
        entry = await self._knowledge.entry(entry_id) if entry_id else None
        # The topic is asked only on the way to officials: the entry's tells what was asked.
        topic = draft.topic or (entry.topic if entry is not None else "")
        await self._storage.record_deflection(user.id, topic, draft.text, entry_id)
        return Outcome(replies=[Reply(self._t(user, "ask.kb_thanks"))])

    async def _kb_not_enough(self, user: User, draft: Draft, _action: str, _arg: str) -> Outcome:
        """The KB's answer did not help: someone may still be asking the same thing. A
        keyword too short for officials is asked again, in full."""
        if meaningful_length(draft.text or "") < MIN_MEANINGFUL:
            return await self._write_question(user, draft, "", "")
        return await self._after_kb(user, draft)

    async def _send_own(self, user: User, draft: Draft, _action: str, _arg: str) -> Outcome:
        return await self._to_topic(user, draft)

    async def thanks(self, user: User) -> Outcome:
        """"Cảm ơn" typed: under a KB answer it is "✅ Đã rõ"; elsewhere a kind word back."""
        draft = await self._storage.get_draft(user.id)
        if draft is not None and draft.step == "kb":
            return await self._kb_helped(user, draft, "yes", "")
        return Outcome(replies=[Reply(self._t(user, "vocab.thanks"))])

    async def _send(self, user: User, draft: Draft, action: str, _arg: str) -> Outcome:
        """The merged last step: "📨 Gửi kèm tên" or "🕶 Gửi ẩn danh" sends at once."""
        refused = await self._refused(user)  # checked again: the draft may have been begun earlier
        if refused is not None:
            await self._storage.delete_draft(user.id)
            return Outcome(edit=refused)
        # Without consent to keep a name there is no name to send: anonymous, whatever the data.
        draft = replace(draft, anonymous=action != "named" or user.consent != "granted")
        question = await self._questions.submit(draft, user)
        conference = (await self._storage.conference(question.conference_id)
                      if question.conference_id else None)
        if conference is not None:  # it is on that conference's agenda: say so
            return Outcome(edit=Reply(self._t(user, "ask.sent_conference", id=question.id,
                                              title=conference.title)))
        return Outcome(edit=Reply(self._t(user, "ask.sent", id=question.id)))

    # -- rating an answer ------------------------------------------------------

    async def rate(self, user: User, data: str) -> Outcome:
        """"r:<case>:up|down" under an answer, by its asker or a follower. The buttons then
        show the rating; a 👎 asks, once, for one line saying why (for the officials)."""
        parts = data.split(":")
        case_id = parse_id(parts[1]) if len(parts) == 3 and parts[0] == RATE_PREFIX else None
        vote = parts[2] if len(parts) == 3 else ""
        if case_id is None or vote not in ("up", "down"):
            return Outcome(notice=self._t(user, "rate.invalid"), keep_buttons=True)
        again = await self._storage.rating_of(case_id, user.id) == (1 if vote == "up" else -1)
        role = await self._questions.rate(user, case_id, 1 if vote == "up" else -1)
        if role is None:
            return Outcome(notice=self._t(user, "rate.invalid"), keep_buttons=True)
        markup = ((Button(self._t(user, f"rate.rated_{vote}"), data),),
                  *self._followup_row(user, case_id, role))
        thanks = self._t(user, "rate.thanks")
        current = await self._storage.get_draft(user.id)
        busy = current is not None and current.step not in ("why", "followup")
        if vote == "up" or again or busy:  # busy: in the middle of another question
            return Outcome(notice=thanks, markup=markup)
        draft = Draft(user_id=user.id, step="why", version=_next_version(current), case_id=case_id)
        await self._storage.save_draft(draft)
        return Outcome(notice=thanks, markup=markup, replies=[Reply(
            self._t(user, "rate.why"), ((self._button(user, draft, "rate.why_skip", "skip"),),))])

    def _followup_row(self, user: User, case_id: int, role: str) -> tuple[tuple[Button, ...], ...]:
        if role != "asker":
            return ()
        return ((Button(self._t(user, "answer.followup"), f"{FOLLOWUP_PREFIX}:{case_id}"),),)

    async def _why(self, user: User, draft: Draft, raw_text: str) -> Outcome:
        assert draft.case_id is not None
        await self._storage.delete_draft(user.id)
        reason = clean_text(raw_text)
        if not reason or not await self._questions.dislike_reason(user, draft.case_id, reason):
            return Outcome(replies=[Reply(self._t(user, "rate.why_skipped"))])
        question = await self._questions.question(draft.case_id)
        role = "asker" if question is not None and question.user_id == user.id else "follower"
        return Outcome(replies=[Reply(self._t(user, "rate.why_thanks"),
                                      self._followup_row(user, draft.case_id, role))])

    async def _skip_why(self, user: User, draft: Draft, _action: str, _arg: str) -> Outcome:
        await self._storage.delete_draft(user.id)
        question = await self._questions.question(draft.case_id or 0)
        role = "asker" if question is not None and question.user_id == user.id else "follower"
        return Outcome(edit=Reply(self._t(user, "rate.why_skipped"),
                                  self._followup_row(user, draft.case_id or 0, role)))

    # -- prompts -----------------------------------------------------------

    async def _prompt_for(self, user: User, draft: Draft) -> Reply:
        if draft.step == "metoo":
            return Reply(self._t(user, "ask.use_buttons"), self._metoo_buttons(user, draft))
        if draft.step == "topic":
            conference = (await self._storage.conference(draft.conference_id)
                          if draft.conference_id else None)
            return self._topic_prompt(user, draft, tuple(conference.topics) if conference else ())
        if draft.step == "kbpick":
            entries = [e for e in [await self._knowledge.entry(i) for i in draft.suggestions] if e]
            return self._kb_choices_prompt(user, draft, entries)
        if draft.step == "confirm":
            return self._confirm_prompt(user, draft)
        # kb: the suggestion may be long; offer the two ways on rather than repeat it.
        return Reply(self._t(user, "ask.kb_prompt"), self._kb_buttons(user, draft))

    def _button(self, user: User, draft: Draft, key: str, action: str) -> Button:
        return Button(self._t(user, key), f"{PREFIX}:{draft.version}:{action}")

    def _topic_prompt(self, user: User, draft: Draft, only: Sequence[str] = ()) -> Reply:
        rows = tuple(
            (Button(topic.title_for(user.language), f"{PREFIX}:{draft.version}:t:{topic.key}"),)
            for topic in self._topics if not only or topic.key in only
        )
        return Reply(self._t(user, "ask.choose_topic"),
                     rows + ((self._button(user, draft, "ask.cancel", "cancel"),),))

    def _kb_buttons(self, user: User, draft: Draft) -> tuple[tuple[Button, ...], ...]:
        return ((self._button(user, draft, "ask.kb_yes", "yes"),),
                (self._button(user, draft, "ask.kb_no", "no"),))

    def _kb_prompt(self, user: User, draft: Draft, question: str, answer: str) -> Reply:
        text = "\n\n".join([
            self._t(user, "ask.kb_found"),
            self._t(user, "ask.kb_entry", question=shorten(question, KB_QUESTION_EXCERPT),
                    answer=shorten(answer, KB_ANSWER_EXCERPT)),
            self._t(user, "ask.kb_prompt"),
        ])
        return Reply(text, self._kb_buttons(user, draft))

    def _metoo_buttons(self, user: User, draft: Draft) -> tuple[tuple[Button, ...], ...]:
        return ((Button(self._t(user, "metoo.follow", id=draft.case_id), f"{PREFIX}:{draft.version}:follow"),),
                (self._button(user, draft, "metoo.own", "own"),))

    async def _metoo_prompt(self, user: User, draft: Draft, similar: Entry) -> Reply:
        """The offer never shows the other person's words (they may name a person, a phone,
        a workshop): only the case number, its topic and how many ask it, under the worker's
        own question, which the offer needs to be worded almost the same (see
        QuestionService.similar_open). A KB wording of the subject would add nothing: had
        the KB known it, the worker would have had its answer a step earlier."""
        assert draft.text is not None and draft.case_id is not None
        text = self._t(user, "metoo.found", id=draft.case_id,
                       topic=self._questions.topic_title(similar.topic, user.language),
                       count=await self._questions.people_asking(draft.case_id),
                       question=shorten(draft.text, METOO_OWN_EXCERPT))
        return Reply(text + "\n" + self._t(user, "metoo.choose"), self._metoo_buttons(user, draft))

    async def _refused(self, user: User, *, new_question: bool = True) -> Reply | None:
        """Muted, or too many questions waiting: said plainly, kindly, and nothing is sent."""
        key = await self._questions.refusal(user, new_question=new_question)
        return Reply(self._questions.refusal_text(user, key)) if key else None

    def _kb_choice_buttons(self, user: User, draft: Draft,
                           entries: Sequence[Entry]) -> tuple[tuple[Button, ...], ...]:
        rows = tuple((Button("📖 " + shorten(entry.question, KB_CHOICE_LABEL),
                             f"{PREFIX}:{draft.version}:pick:{index}"),)
                     for index, entry in enumerate(entries))
        return rows + ((self._button(user, draft, "ask.kb_write", "write"),),
                       (self._button(user, draft, "ask.cancel", "cancel"),))

    def _kb_choices_prompt(self, user: User, draft: Draft, entries: Sequence[Entry]) -> Reply:
        assert draft.text is not None
        return Reply(self._t(user, "ask.kb_choices", words=shorten(draft.text, 60)),
                     self._kb_choice_buttons(user, draft, entries))

    def _confirm_prompt(self, user: User, draft: Draft) -> Reply:
        """Check, then send with the name or anonymously, in one step (or cancel). A worker
        who did not agree to have a name kept is offered anonymous only."""
        assert draft.topic and draft.text
        named = user.consent == "granted"
        how = Raw(self._t(user, "ask.confirm_how_named", name=user.display_name) if named
                  else self._t(user, "ask.confirm_how_anonymous"))
        topic = self._questions.topic_title(draft.topic, user.language)
        # 2,000 characters of emoji are 4,000 UTF-16 units: quote what fits in one message.
        room = MESSAGE_LIMIT - plain_length(
            self._t(user, "ask.confirm_send", topic=topic, how=how, question=""))
        rows = ((self._button(user, draft, "ask.named", "named"),),) if named else ()
        return Reply(
            self._t(user, "ask.confirm_send", topic=topic, how=how,
                    question=shorten(draft.text, room)),
            rows + ((self._button(user, draft, "ask.anonymous", "anon"),),
                    (self._button(user, draft, "ask.cancel", "cancel"),)),
        )

    def _too_short(self, user: User) -> Reply:
        return Reply(self._t(user, "ask.too_short", minimum=MIN_MEANINGFUL))

    def _too_long(self, user: User, text: str) -> Reply | None:
        if len(text) > MAX_LENGTH:
            return Reply(self._t(user, "ask.too_long", length=_number(user, len(text)),
                                 maximum=_number(user, MAX_LENGTH)))
        return None

    def _validate(self, user: User, raw_text: str) -> Reply | None:
        text = clean_text(raw_text)
        if meaningful_length(text) < MIN_MEANINGFUL:
            return self._too_short(user)
        return self._too_long(user, text)


def _next_version(draft: Draft | None) -> int:
    # Milliseconds, not 1: buttons of a finished conversation must not match a new one.
    return max(int(time.time() * 1000), 0 if draft is None else draft.version + 1)


def _number(user: User, value: int) -> str:
    """12.345 in Vietnamese, 12,345 in English."""
    grouped = f"{value:,}"
    return grouped if user.language == "en" else grouped.replace(",", ".")


def _advance(draft: Draft, step: str) -> Draft:
    return replace(draft, step=step, version=draft.version + 1)
