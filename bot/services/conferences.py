"""Dialogue conferences: scheduling, subscriptions, reminders, the agenda.

Reminders are rows with a due time (see the `reminders` table): computed when
a conference is created or its time changes, sent by `send_due_reminders`
from the housekeeping tick, each exactly once — or skipped when the bot was
down for longer than the grace period.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalog
from bot.models import Button, Conference, OutboxRequest, Reply, User
from bot.services.agenda_files import AgendaRow
from bot.services.dates import format_when
from bot.services.questions import QuestionService
from bot.storage import Storage

EVENT_PREFIX = "ev"


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
        """Questions for the conference, most "me too" votes first."""
        rows = []
        for question, votes, answer in await self._storage.agenda(conference_id):
            rows.append(AgendaRow(
                case_id=question.id, topic=self._questions.topic_title(question.topic, language),
                question=question.text, votes=votes,
                status=self._catalog.text(language, f"case.status.{question.status}"),
                department=self._questions.cards.department_name(question.department), answer=answer,
            ))
        return rows
