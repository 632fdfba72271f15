"""Dialogue conferences: scheduling, subscriptions, reminders, the agenda.

Reminders are rows with a due time (see the `reminders` table): computed when
a conference is created or its time changes, sent by `send_due_reminders`
from the housekeeping tick, each exactly once — or skipped when the bot was
down for longer than the grace period.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalog, Raw
from bot.models import Button, Conference, OutboxRequest, Reply, User
from bot.services.agenda_files import AgendaRow
from bot.services.ask_flow import AskFlow, Outcome
from bot.services.dates import format_when
from bot.services.questions import QuestionService
from bot.services.text import clean_text, utf16_length
from bot.storage import Storage

EVENT_PREFIX = "ev"
# The workplace question waits this long for a typed answer; later text is a question again.
WORKPLACE_WAIT = 30 * 60
MAX_WORKPLACE = 120
MAX_READING = 1000


class ConferenceService:
    def __init__(self, storage: Storage, catalog: Catalog, questions: QuestionService, timezone: str,
                 reminder_offsets: Sequence[int], grace: int,
                 queued: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._catalog = catalog
        self._questions = questions
        self._zone = ZoneInfo(timezone)
        self._offsets = tuple(reminder_offsets)
        self._grace = grace
        self._queued = queued
        self._clock = clock

    def when(self, conference: Conference, language: str) -> str:
        return format_when(datetime.fromtimestamp(conference.starts_at, self._zone), language)

    def _reminders(self, starts_at: float) -> list[tuple[str, float]]:
        now = self._clock()
        # Offsets already past at scheduling time would only fire as "late": leave them out.
        return [(f"before:{offset}", starts_at - offset) for offset in self._offsets
                if starts_at - offset > now]

    async def create(self, title: str, starts_at: float, place: str, description: str,
                     topics: Sequence[str], organizer_id: int) -> Conference:
        return await self._storage.create_conference(title, starts_at, place, description, topics,
                                                     organizer_id, self._reminders(starts_at))

    async def update(self, conference_id: int, **changes: object) -> Conference | None:
        reminders = None
        if "starts_at" in changes:
            reminders = self._reminders(float(changes["starts_at"]))  # type: ignore[arg-type]
        return await self._storage.update_conference(conference_id, dict(changes), reminders)

    async def cancel(self, conference_id: int) -> bool:
        cancelled = await self._storage.cancel_conference(conference_id, notice_due=self._clock())
        if cancelled:
            await self.send_due_reminders()
        return cancelled

    async def conference(self, conference_id: int) -> Conference | None:
        return await self._storage.conference(conference_id)

    async def upcoming(self) -> list[Conference]:
        return await self._storage.upcoming_conferences(self._clock())

    async def recent(self) -> list[Conference]:
        return await self._storage.recent_conferences()

    async def subscribe(self, conference_id: int, user: User, subscribed: bool) -> Conference | None:
        conference = await self._storage.conference(conference_id)
        if conference is None or conference.status != "scheduled":
            return None
        await self._storage.set_subscription(conference_id, user.id, subscribed)
        return conference

    # -- what workers see ----------------------------------------------------

    def describe(self, conference: Conference, language: str) -> str:
        t = self._catalog.text
        parts = [t(language, "events.item", title=conference.title, when=self.when(conference, language),
                   place=conference.place or "—")]
        if conference.description:
            parts.append(t(language, "events.description", description=conference.description))
        if conference.topics:
            titles = ", ".join(self._questions.topic_title(k, language) for k in conference.topics)
            parts.append(t(language, "events.topics", topics=titles))
        return "\n".join(parts)

    async def event_card(self, conference: Conference, user: User) -> Reply:
        t = self._catalog.text
        language = user.language
        subscribed = await self._storage.is_subscribed(conference.id, user.id)
        toggle = (Button(t(language, "events.unsubscribe"), f"{EVENT_PREFIX}:{conference.id}:unsub")
                  if subscribed else
                  Button(t(language, "events.subscribe"), f"{EVENT_PREFIX}:{conference.id}:sub"))
        ask = Button(t(language, "events.ask"), f"{EVENT_PREFIX}:{conference.id}:ask")
        text = self.describe(conference, language)
        if subscribed:
            text += "\n" + t(language, "events.subscribed_note")
        return Reply(text, ((toggle,), (ask,)))

    # -- reminders -------------------------------------------------------------

    async def send_due_reminders(self) -> int:
        """Send (or skip, if too late) every due reminder; returns how many were sent."""
        sent = 0
        now = self._clock()
        for reminder_id, conference_id, kind, due_at in await self._storage.due_reminders(now):
            conference = await self._storage.conference(conference_id)
            too_late = now - due_at > self._grace or conference is None or (
                kind != "cancelled" and (conference.status != "scheduled" or conference.starts_at <= now))
            if too_late:
                await self._storage.finish_reminder(reminder_id, [], skipped=True)
                continue
            assert conference is not None
            requests = [self._reminder_message(conference, kind, user, reminder_id)
                        for user in await self._storage.subscribers(conference_id)]
            if await self._storage.finish_reminder(reminder_id, requests):
                sent += 1
        if sent:
            self._queued()
        return sent

    def _reminder_message(self, conference: Conference, kind: str, user: User,
                          reminder_id: int) -> OutboxRequest:
        language = user.language
        t = self._catalog.text
        if kind == "cancelled":
            text = t(language, "reminder.cancelled", title=conference.title,
                     when=self.when(conference, language))
        else:
            text = t(language, "reminder.before", title=conference.title,
                     when=self.when(conference, language), place=conference.place or "—")
        return OutboxRequest(channel=user.channel, chat_id=user.chat_id, text=text,
                             dedupe_key=f"reminder:{reminder_id}:{user.id}")

    # -- agenda -------------------------------------------------------------------

    async def agenda_rows(self, conference_id: int, language: str) -> list[AgendaRow]:
        """The questions sent for the conference and the open questions of its topics, most
        askers plus followers first, each with what the organizers need to read it out."""
        conference = await self._storage.conference(conference_id)
        if conference is None:
            return []
        t = self._catalog.text
        rows = []
        for row in await self._storage.conference_agenda(conference_id, conference.topics):
            question = row["question"]
            department = (self._questions.cards.department_name(question.department)
                          or (question.forwarded_to or ""))
            asked = datetime.fromtimestamp(question.created_at, self._zone)
            rows.append(AgendaRow(
                case_id=question.id, topic=self._questions.topic_title(question.topic, language),
                reading=row["wording"] or reading_wording(question.text), question=question.text,
                votes=int(row["votes"]),
                source=t(language, "agenda.source.conference" if row["for_conference"]
                         else "agenda.source.open"),
                status=t(language, f"case.status.{question.status}"), department=department,
                asked_on=asked.strftime("%d/%m/%Y %H:%M"),
                channel=t(language, f"channel.{row['asker_channel']}"),
                workplace=row["workplace"] or "", answer=row["latest_answer"],
            ))
        return rows

    async def edit_wording(self, case_id: int, text: str, editor_id: int) -> str | None:
        """Set how case N is read aloud ("-" or empty: the automatic wording again); the wording
        now in force, or None when there is no such case."""
        question = await self._questions.question(case_id)
        if question is None:
            return None
        wording = clean_text(text)
        if wording in ("", "-", "—"):
            await self._storage.set_agenda_wording(case_id, None, editor_id)
            return reading_wording(question.text)
        await self._storage.set_agenda_wording(case_id, wording, editor_id)
        return wording

    # -- announcing a conference -------------------------------------------------------------

    def announcement(self, conference: Conference, language: str) -> str:
        """The invitation sent with 🔔 and ✍️ (HTML: its parts are escaped by the catalog)."""
        return self._catalog.text(language, "conference.announcement",
                                  details=Raw(self.describe(conference, language)))

    def announcement_buttons(self, conference_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        t = self._catalog.text
        return ((Button(t(language, "events.subscribe"), f"{EVENT_PREFIX}:{conference_id}:sub"),),
                (Button(t(language, "events.ask"), f"{EVENT_PREFIX}:{conference_id}:ask"),))

    async def organizer_view(self, conference: Conference, language: str) -> str:
        """The conference as organizers see it: with its subscribers and questions so far."""
        questions = sum(1 for row in await self._storage.conference_agenda(conference.id, ())
                        if row["for_conference"])
        stats = self._catalog.text(language, "org.conference_stats",
                                   subscribers=await self._storage.subscription_count(conference.id),
                                   questions=questions)
        return self.describe(conference, language) + "\n" + stats

    # -- asking for a conference: the optional workplace first ---------------------------------

    async def ask_for(self, ask: AskFlow, conference: Conference, user: User) -> Outcome:
        """✍️ under a conference: where the worker works (once per conference, optional), then
        the ask flow for the conference's topics."""
        if await self._storage.ask_workplace(conference.id, user.id):
            t = self._catalog.text
            skip = Button(t(user.language, "events.skip_workplace"),
                          f"{EVENT_PREFIX}:{conference.id}:skipwp")
            prompt = t(user.language, "events.ask_workplace", title=conference.title)
            return Outcome(replies=[Reply(prompt, ((skip,),))], keep_buttons=True)
        return replace(await ask.start(user, conference), keep_buttons=True)

    async def skip_workplace(self, ask: AskFlow, conference: Conference, user: User) -> Outcome:
        if not await self._storage.set_workplace(conference.id, user.id, None):
            return Outcome(notice=self._catalog.text(user.language, "ask.stale_button"),
                           keep_buttons=True)
        outcome = await ask.start(user, conference)
        skipped = Reply(self._catalog.text(user.language, "events.workplace_skipped"))
        return replace(outcome, edit=skipped)

    async def workplace_text(self, ask: AskFlow, user: User, raw: str) -> Outcome | None:
        """The worker's typed workplace, when the bot is waiting for one; None otherwise (the
        text is then whatever it would have been)."""
        conference_id = await self._storage.waiting_workplace(user.id, time.time() - WORKPLACE_WAIT)
        if conference_id is None:
            return None
        conference = await self._storage.conference(conference_id)
        if conference is None or conference.status != "scheduled":
            await self._storage.drop_waiting_workplace(user.id)
            return None
        workplace = " ".join(clean_text(raw).split())
        if not workplace:
            return None
        t = self._catalog.text
        if utf16_length(workplace) > MAX_WORKPLACE:
            return Outcome(replies=[Reply(t(user.language, "events.workplace_too_long",
                                            maximum=MAX_WORKPLACE))])
        await self._storage.set_workplace(conference_id, user.id, workplace)
        outcome = await ask.start(user, conference)
        saved = Reply(t(user.language, "events.workplace_saved", workplace=workplace))
        return replace(outcome, replies=[saved, *outcome.replies])

    async def drop_waiting(self, user: User) -> None:
        await self._storage.drop_waiting_workplace(user.id)


# -- a question as it is read aloud -----------------------------------------------------------

# Abbreviations and chat shorthand workers type, as they are said in a hall. Matched as whole
# words, without regard to case; "k" only where it cannot be a thousand ("5k").
_SPOKEN = {
    "ko": "không", "k": "không", "hok": "không", "khg": "không", "kg": "không", "hem": "không",
    "dc": "được", "đc": "được", "bn": "bao nhiêu", "ntn": "như thế nào", "j": "gì", "vs": "với",
    "cty": "công ty", "ak": "ạ", "ah": "ạ",
    "bhxh": "bảo hiểm xã hội", "bhyt": "bảo hiểm y tế", "bhtn": "bảo hiểm thất nghiệp",
    "kcn": "khu công nghiệp", "nlđ": "người lao động", "hđlđ": "hợp đồng lao động",
    "tnlđ": "tai nạn lao động", "cđcs": "công đoàn cơ sở", "lđlđ": "Liên đoàn Lao động",
    "ubnd": "Ủy ban nhân dân", "cnvclđ": "công nhân viên chức lao động",
}
_WORD = re.compile(r"(?<![\w])(\d*)(" + "|".join(sorted(map(re.escape, _SPOKEN), key=len, reverse=True))
                   + r")(?![\w])", re.IGNORECASE)
# A phone number or an e-mail address is never read out in a hall.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_REPEATED = re.compile(r"([?!.,])\1+")


def reading_wording(text: str) -> str:
    """The worker's question tidied for reading aloud: one line, shorthand spelled out, phone
    numbers and e-mail addresses left out, a capital first letter and an ending mark. An
    official can replace it (/agenda_edit); the worker's own words stay beside it."""
    spoken = " ".join(unicodedata.normalize("NFC", text).split())
    spoken = _EMAIL.sub("[e-mail]", _PHONE.sub("[số điện thoại]", spoken))

    def say(match: re.Match[str]) -> str:
        digits, word = match.group(1), match.group(2)
        if digits:  # "5k", "2ko": not shorthand
            return match.group(0)
        return _SPOKEN[word.lower()]

    spoken = _REPEATED.sub(r"\1", _WORD.sub(say, spoken)).strip()
    spoken = re.sub(r"\s+([?!.,])", r"\1", spoken)
    if not spoken:
        return ""
    spoken = spoken[0].upper() + spoken[1:]
    if spoken[-1] not in "?!.":
        spoken += "?"
    return spoken[:MAX_READING]
