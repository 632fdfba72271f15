"""Organizers' guided conversations: /conference (create, edit, cancel) and /announce.

The state lives in `organizer_drafts`, so a restart loses nothing. Buttons
carry the draft's version, like the worker's flow: "o:<version>:<action>[:<arg>]".
One button stays valid after its conversation ended: "📣 Thông báo hội nghị này"
("o:c:announce:<conference>") under a created conference, since it only begins
a new announcement (sent after a preview, like any other).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Topic
from bot.i18n import Catalog
from bot.models import Button, Reply, User
from bot.services.ask_flow import Outcome
from bot.services.broadcasts import BroadcastService
from bot.services.conferences import ConferenceService
from bot.services.dates import format_when, parse_when
from bot.services.text import clean_text, parse_id, shorten, utf16_length

PREFIX = "o"
FIELDS = ("title", "when", "place", "description")
# In UTF-16 units, as Telegram counts (an emoji is often 2).
MAX_FIELD = 1000
MAX_ANNOUNCEMENT = 3500   # leaves room under Telegram's 4,096 for the preview's heading
MAX_CAPTION = 1000        # Telegram captions: 1,024
ANNOUNCE_CONFERENCE = "c:announce"


@dataclass(frozen=True)
class OrganizerOutcome(Outcome):
    """An Outcome whose confirmed announcement invites to a conference (🔔 and ✍️ under it)."""

    conference_id: int | None = None


class OrganizerFlow:
    def __init__(self, storage: Any, catalog: Catalog, topics: Sequence[Topic],
                 conferences: ConferenceService, broadcasts: BroadcastService, timezone: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._catalog = catalog
        self._topics = list(topics)
        self._conferences = conferences
        self._broadcasts = broadcasts
        self._zone = ZoneInfo(timezone)
        self._clock = clock

    def _t(self, user: User, key: str, **params: object) -> str:
        return self._catalog.text(user.language, key, **params)

    async def active(self, user: User) -> bool:
        return await self._storage.organizer_draft(user.id) is not None

    async def _save(self, user: User, kind: str, step: str, data: dict[str, Any]) -> int:
        current = await self._storage.organizer_draft(user.id)
        version = max(int(self._clock() * 1000), current[2] + 1 if current else 0)
        await self._storage.save_organizer_draft(user.id, kind, step, version, data)
        return version

    def _button(self, user: User, version: int, key: str, action: str, **params: object) -> Button:
        return Button(self._t(user, key, **params), f"{PREFIX}:{version}:{action}")

    async def cancel(self, user: User) -> Outcome | None:
        """/cancel for an organizer: None when there is no organizer conversation."""
        if not await self.active(user):
            return None
        await self._storage.delete_organizer_draft(user.id)
        return Outcome(replies=[Reply(self._t(user, "org.cancelled"))])

    # -- /conference -----------------------------------------------------------

    async def conference_menu(self, user: User) -> Outcome:
        version = await self._save(user, "conference", "menu", {})
        rows = [(self._button(user, version, "org.new_conference", "new"),)]
        for conference in await self._conferences.upcoming():
            rows.append((Button(self._t(user, "org.edit_conference", title=shorten(conference.title, 40)),
                                f"{PREFIX}:{version}:pick:{conference.id}"),))
        rows.append((self._button(user, version, "ask.cancel", "quit"),))
        return Outcome(replies=[Reply(self._t(user, "org.conference_menu"), tuple(rows))])

    async def text(self, user: User, raw: str) -> Outcome:
        draft = await self._storage.organizer_draft(user.id)
        assert draft is not None
        kind, step, _version, data = draft
        text = clean_text(raw)
        if kind == "announce":
            return await self._announcement_content(user, step, data, text, None)
        if step in ("title", "place", "description", "edit"):
            if step == "description" and text in ("-", "—", "không", "khong"):
                text = ""
            if not text and step in ("title", "place"):
                return Outcome(replies=[Reply(self._t(user, "org.empty"))])
            if utf16_length(text) > MAX_FIELD:
                return Outcome(replies=[Reply(self._t(user, "org.too_long", maximum=MAX_FIELD))])
        if step == "edit":
            return await self._apply_edit(user, data, text)
        if step == "title":
            data["title"] = text
            await self._save(user, kind, "when", data)
            return Outcome(replies=[Reply(self._t(user, "org.ask_when"))])
        if step == "when":
            starts_at = self._parse_future(text)
            if starts_at is None:
                return Outcome(replies=[Reply(self._t(user, "org.bad_when"))])
            data["starts_at"] = starts_at
            await self._save(user, kind, "place", data)
            return Outcome(replies=[Reply(self._t(user, "org.ask_place"))])
        if step == "place":
            data["place"] = text
            await self._save(user, kind, "description", data)
            return Outcome(replies=[Reply(self._t(user, "org.ask_description"))])
        if step == "description":
            data["description"] = text
            data["topics"] = []
            version = await self._save(user, kind, "topics", data)
            return Outcome(replies=[self._topics_prompt(user, version, data)])
        return Outcome(replies=[Reply(self._t(user, "ask.use_buttons"))])

    def _parse_future(self, text: str) -> float | None:
        now = datetime.fromtimestamp(self._clock(), self._zone)
        when = parse_when(text, now)
        if when is None or when <= now:
            return None
        return when.timestamp()

    def _topics_prompt(self, user: User, version: int, data: dict[str, Any]) -> Reply:
        chosen = set(data.get("topics", []))
        rows = tuple(
            (Button(("✅ " if t.key in chosen else "▫️ ") + t.title_for(user.language),
                    f"{PREFIX}:{version}:topic:{t.key}"),)
            for t in self._topics
        )
        rows += ((self._button(user, version, "org.topics_done", "topics_done"),),)
        return Reply(self._t(user, "org.ask_topics"), rows)

    def _preview(self, user: User, data: dict[str, Any]) -> str:
        when = datetime.fromtimestamp(data["starts_at"], self._zone)
        topics = ", ".join(t.title_for(user.language) for t in self._topics if t.key in data.get("topics", []))
        return self._t(user, "org.preview", title=data["title"], when=format_when(when, user.language),
                       place=data["place"], description=data.get("description") or "—",
                       topics=topics or self._t(user, "org.all_topics"))

    async def button(self, user: User, data: str) -> Outcome:
        parts = data.split(":", 3)
        if len(parts) == 4 and f"{parts[1]}:{parts[2]}" == ANNOUNCE_CONFERENCE:
            return await self.announce_conference(user, parts[3])
        draft = await self._storage.organizer_draft(user.id)
        if len(parts) < 3 or parts[0] != PREFIX or draft is None or parts[1] != str(draft[2]):
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        kind, step, _version, state = draft
        action, argument = parts[2], parts[3] if len(parts) > 3 else ""
        if action == "quit":
            await self._storage.delete_organizer_draft(user.id)
            return Outcome(edit=Reply(self._t(user, "org.cancelled")))
        handler = {
            ("menu", "new"): self._new,
            ("menu", "pick"): self._pick,
            ("topics", "topic"): self._toggle_topic,
            ("topics", "topics_done"): self._topics_done,
            ("confirm", "create"): self._create,
            ("fields", "field"): self._choose_field,
            ("fields", "cancel_conf"): self._ask_cancel_conference,
            ("confirm_cancel", "cancel_yes"): self._cancel_conference,
            ("audience", "aud"): self._choose_audience,
            ("send", "send"): self._send_announcement,
        }.get((step, action))
        if handler is None:
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        return await handler(user, kind, state, argument)

    async def _new(self, user: User, kind: str, data: dict[str, Any], _arg: str) -> Outcome:
        await self._save(user, "conference", "title", {})
        return Outcome(edit=Reply(self._t(user, "org.ask_title")))

    async def _toggle_topic(self, user: User, kind: str, data: dict[str, Any], key: str) -> Outcome:
        if not any(t.key == key for t in self._topics):
            return Outcome(notice=self._t(user, "ask.unknown_topic"), keep_buttons=True)
        chosen = set(data.get("topics", []))
        chosen ^= {key}
        data["topics"] = [t.key for t in self._topics if t.key in chosen]
        version = await self._save(user, kind, "topics", data)
        return Outcome(edit=self._topics_prompt(user, version, data))

    async def _topics_done(self, user: User, kind: str, data: dict[str, Any], _arg: str) -> Outcome:
        version = await self._save(user, kind, "confirm", data)
        return Outcome(edit=Reply(self._preview(user, data), (
            (self._button(user, version, "org.create", "create"),
             self._button(user, version, "ask.cancel", "quit")),)))

    async def _create(self, user: User, kind: str, data: dict[str, Any], _arg: str) -> Outcome:
        conference = await self._conferences.create(
            data["title"], float(data["starts_at"]), data["place"], data.get("description", ""),
            data.get("topics", []), int(user.external_id) if user.external_id.isdigit() else user.id)
        await self._storage.delete_organizer_draft(user.id)
        return Outcome(edit=Reply(self._t(user, "org.created", id=conference.id, title=conference.title),
                                  ((self._announce_button(user, conference.id),),)))

    def _announce_button(self, user: User, conference_id: int) -> Button:
        return Button(self._t(user, "org.announce_conference"),
                      f"{PREFIX}:{ANNOUNCE_CONFERENCE}:{conference_id}")

    async def _pick(self, user: User, kind: str, data: dict[str, Any], argument: str) -> Outcome:
        conference_id = parse_id(argument)
        conference = await self._conferences.conference(conference_id) if conference_id else None
        if conference is None or conference.status != "scheduled":
            return Outcome(notice=self._t(user, "org.not_found"), keep_buttons=True)
        version = await self._save(user, kind, "fields", {"id": conference.id})
        rows = ((self._announce_button(user, conference.id),),)
        rows += tuple((self._button(user, version, f"org.field_{name}", f"field:{name}"),)
                      for name in FIELDS)
        rows += ((self._button(user, version, "org.cancel_conference", "cancel_conf"),),
                 (self._button(user, version, "ask.cancel", "quit"),))
        return Outcome(edit=Reply(await self._conferences.organizer_view(conference, user.language),
                                  rows))

    async def _choose_field(self, user: User, kind: str, data: dict[str, Any], name: str) -> Outcome:
        if name not in FIELDS:
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        data["field"] = name
        await self._save(user, kind, "edit", data)
        return Outcome(edit=Reply(self._t(user, f"org.ask_{name}")))

    async def _apply_edit(self, user: User, data: dict[str, Any], text: str) -> Outcome:
        field = data.get("field")
        changes: dict[str, object]
        if field == "when":
            starts_at = self._parse_future(text)
            if starts_at is None:
                return Outcome(replies=[Reply(self._t(user, "org.bad_when"))])
            changes = {"starts_at": starts_at}
        elif field in ("title", "place", "description"):
            changes = {field: text}
        else:
            return Outcome(replies=[Reply(self._t(user, "ask.stale_button"))])
        conference = await self._conferences.update(int(data["id"]), **changes)
        await self._storage.delete_organizer_draft(user.id)
        if conference is None:
            return Outcome(replies=[Reply(self._t(user, "org.not_found"))])
        return Outcome(replies=[Reply(self._t(user, "org.updated") + "\n\n" +
                                      self._conferences.describe(conference, user.language))])

    async def _ask_cancel_conference(self, user: User, kind: str, data: dict[str, Any], _arg: str) -> Outcome:
        version = await self._save(user, kind, "confirm_cancel", data)
        return Outcome(edit=Reply(self._t(user, "org.confirm_cancel"), (
            (self._button(user, version, "org.cancel_yes", "cancel_yes"),
             self._button(user, version, "ask.cancel", "quit")),)))

    async def _cancel_conference(self, user: User, kind: str, data: dict[str, Any], _arg: str) -> Outcome:
        cancelled = await self._conferences.cancel(int(data["id"]))
        await self._storage.delete_organizer_draft(user.id)
        return Outcome(edit=Reply(self._t(user, "org.conference_cancelled" if cancelled else "org.not_found")))

    # -- /announce -------------------------------------------------------------------

    async def announce(self, user: User) -> Outcome:
        await self._save(user, "announce", "content", {})
        return Outcome(replies=[Reply(self._t(user, "org.ask_announcement"))])

    async def attachment(self, user: User, kind: str, file_id: str, caption: str) -> Outcome:
        draft = await self._storage.organizer_draft(user.id)
        assert draft is not None
        if draft[0] != "announce":
            return Outcome(replies=[Reply(self._t(user, "ask.use_buttons"))])
        return await self._announcement_content(user, draft[1], draft[3], clean_text(caption), (kind, file_id))

    async def _announcement_content(self, user: User, step: str, data: dict[str, Any], text: str,
                                    attachment: tuple[str, str] | None) -> Outcome:
        if step != "content":
            return Outcome(replies=[Reply(self._t(user, "ask.use_buttons"))])
        limit = MAX_CAPTION if attachment else MAX_ANNOUNCEMENT
        if not text and attachment is None:
            return Outcome(replies=[Reply(self._t(user, "org.empty"))])
        if utf16_length(text) > limit:
            return Outcome(replies=[Reply(self._t(user, "org.too_long", maximum=limit))])
        data = {"text": text, "attachment": list(attachment) if attachment else None}
        version = await self._save(user, "announce", "audience", data)
        return Outcome(replies=[await self._audience_prompt(user, version)])

    async def announce_conference(self, user: User, argument: str) -> Outcome:
        """📣 under a conference: its invitation, then the audience and the preview as usual."""
        conference_id = parse_id(argument)
        conference = await self._conferences.conference(conference_id) if conference_id else None
        if conference is None or conference.status != "scheduled":
            return Outcome(notice=self._t(user, "org.not_found"), keep_buttons=True)
        data = {"text": self._conferences.announcement(conference, self._catalog.default_language),
                "attachment": None, "conference": conference.id}
        version = await self._save(user, "announce", "audience", data)
        return Outcome(replies=[await self._audience_prompt(user, version)], keep_buttons=True)

    async def _audience_prompt(self, user: User, version: int) -> Reply:
        rows = [(self._button(user, version, "org.audience_all", "aud:all"),)]
        for conference in await self._conferences.upcoming():
            rows.append((Button(self._t(user, "org.audience_conference", title=shorten(conference.title, 40)),
                                f"{PREFIX}:{version}:aud:conference:{conference.id}"),))
        for topic in self._topics:
            rows.append((Button(self._t(user, "org.audience_topic", topic=topic.title_for(user.language)),
                                f"{PREFIX}:{version}:aud:topic:{topic.key}"),))
        rows.append((self._button(user, version, "ask.cancel", "quit"),))
        return Reply(self._t(user, "org.ask_audience"), tuple(rows))

    async def _choose_audience(self, user: User, kind: str, data: dict[str, Any], audience: str) -> Outcome:
        try:
            recipients = await self._broadcasts.audience(audience, sender=user)
        except ValueError:
            return Outcome(notice=self._t(user, "ask.stale_button"), keep_buttons=True)
        data["audience"] = audience
        version = await self._save(user, kind, "send", data)
        if data.get("conference"):  # the bot's own invitation, HTML already
            preview = self._t(user, "org.conference_announcement_preview", count=len(recipients))
            return Outcome(edit=Reply(preview + "\n\n" + data["text"], (
                (self._button(user, version, "org.send_announcement", "send"),
                 self._button(user, version, "ask.cancel", "quit")),)))
        preview = self._t(user, "org.announcement_preview", count=len(recipients))
        body = escape(data["text"]) if data["text"] else ""
        if data.get("attachment"):
            body = self._t(user, "org.with_attachment", kind=data["attachment"][0]) + "\n" + body
        return Outcome(edit=Reply(preview + "\n\n" + body, (
            (self._button(user, version, "org.send_announcement", "send"),
             self._button(user, version, "ask.cancel", "quit")),)))

    async def _send_announcement(self, user: User, kind: str, data: dict[str, Any], _arg: str) -> Outcome:
        """Marks the draft done; the channel then posts the progress message and calls `start`."""
        await self._storage.delete_organizer_draft(user.id)
        attachment = tuple(data["attachment"]) if data.get("attachment") else None
        return OrganizerOutcome(edit=Reply(self._t(user, "org.announcement_queued")),
                                start_broadcast=(data["text"], data["audience"], attachment),
                                conference_id=data.get("conference"))
