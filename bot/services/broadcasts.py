"""Announcements to many workers, delivered through the outbox.

A broadcast is one outbox row per recipient, at a lower priority than answers
and cards. The rows are queued in batches, each a short transaction of its
own: 100,000 rows in one transaction held every other write (a worker's
question, an official's answer) for seconds. Until the last batch is in, the
broadcast has fewer rows than its total; a restart in between is noticed after
the dispatcher's next pass and the missing recipients are queued then (a
recipient's row has a dedupe key, so nobody is queued twice). The dispatcher
sends them at the channel's rate; a crash or restart resumes from the rows not
yet marked sent, so nobody is skipped and nobody receives it twice: the one
message in flight at the moment of a hard kill is taken as sent (see
OutboxService), a rare miss being better than announcements repeated.

The organizer who sends it is left out: they have just seen the preview and
follow the progress message in the same chat. When it is done they get a
report: who could not be reached and why (blocked the bot, never started it),
and for a conference's announcement how many subscribed to its reminders.

A conference's announcement (`conference_id`) is the bot's own text, already
HTML, and carries 🔔 and ✍️ under it (numbered choices on Zalo).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence

from bot.i18n import Catalog
from bot.models import Broadcast, Button, OutboxRequest, User
from bot.services.text import shorten
from bot.storage import Storage

NEWS_PREFIX = "news"
BROADCAST_PRIORITY = 1
PROGRESS_EVERY = 3.0  # seconds between edits of the organizer's progress message
BAR_WIDTH = 20
# Rows queued per transaction: long enough to queue 100,000 in seconds, short
# enough that a write waiting behind one batch waits tens of milliseconds.
QUEUE_BATCH = 250
REPORT_LINES = 20  # people named in the report after an announcement; the rest are counted
# Telegram's and Zalo's words for why a person cannot be written to, by what the organizer is told.
_UNREACHABLE = (
    ("blocked", "blocked"), ("unfollow", "blocked"),
    ("can't initiate conversation", "never_started"), ("chat not found", "never_started"),
    ("deactivated", "deactivated"),
)


def unreachable_reason(error: str | None) -> str:
    text = (error or "").lower()
    return next((reason for phrase, reason in _UNREACHABLE if phrase in text), "other")


class BroadcastService:
    def __init__(self, storage: Storage, catalog: Catalog, queued: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._storage = storage
        self._catalog = catalog
        self._queued = queued
        self._clock = clock
        self._last_progress: dict[int, float] = {}
        self._queuing: set[int] = set()  # broadcasts whose rows this process is queuing now

    async def audience(self, audience: str, sender: User | None = None) -> list[User]:
        """Who `audience` reaches, less the organizer sending (`sender`)."""
        users = await self._storage.audience(audience)
        return [user for user in users if sender is None or user.id != sender.id]

    async def start(self, organizer_id: int, text: str, audience: str,
                    attachment: tuple[str, str] | None, progress: tuple[str, int] | None,
                    sender: User | None = None, conference_id: int | None = None) -> Broadcast:
        recipients = await self.audience(audience, sender)
        broadcast = await self._storage.create_broadcast(organizer_id, text, audience, attachment,
                                                         progress, len(recipients),
                                                         conference_id=conference_id)
        await self._queue(broadcast, recipients)
        return broadcast

    async def _queue(self, broadcast: Broadcast, recipients: Sequence[User]) -> None:
        attachment = ((broadcast.attachment_kind, broadcast.attachment)
                      if broadcast.attachment_kind and broadcast.attachment else None)
        conference_id = await self._storage.broadcast_conference(broadcast.id)
        self._queuing.add(broadcast.id)
        try:
            for start in range(0, max(len(recipients), 1), QUEUE_BATCH):
                batch = [self._message(broadcast.id, user, broadcast.text, attachment, conference_id)
                         for user in recipients[start:start + QUEUE_BATCH]]
                await self._storage.queue_broadcast(
                    broadcast.id, batch, last=start + QUEUE_BATCH >= len(recipients))
                self._queued()  # the first batches go out while the rest is queued
        finally:
            self._queuing.discard(broadcast.id)

    async def _resume_queuing(self, broadcast: Broadcast) -> bool:
        """Queue the recipients a restart cut off; True if this broadcast was cut."""
        if broadcast.id in self._queuing:
            return False
        if await self._storage.broadcast_rows(broadcast.id) >= broadcast.total:
            return False
        organizer = str(broadcast.created_by)
        recipients = [user for user in await self.audience(broadcast.audience)
                      if not (user.channel == "telegram" and user.external_id == organizer)]
        await self._queue(broadcast, recipients)
        return True

    def _message(self, broadcast_id: int, user: User, text: str,
                 attachment: tuple[str, str] | None, conference_id: int | None = None) -> OutboxRequest:
        t = self._catalog.text
        buttons: tuple[tuple[Button, ...], ...] = ()
        if conference_id is not None:  # the bot's invitation: HTML already
            buttons = ((Button(t(user.language, "events.subscribe"), f"ev:{conference_id}:sub"),),
                       (Button(t(user.language, "events.ask"), f"ev:{conference_id}:ask"),))
        else:  # the organizer typed plain text: it is shown as typed, never parsed as markup
            text = html.escape(text, quote=False)
        stop = Button(t(user.language, "news.stop_button"), f"{NEWS_PREFIX}:off")
        return OutboxRequest(
            channel=user.channel, chat_id=user.chat_id, text=text,
            buttons=(*buttons, (stop,)),
            dedupe_key=f"broadcast:{broadcast_id}:{user.id}", priority=BROADCAST_PRIORITY,
            broadcast_id=broadcast_id, attachment_kind=attachment[0] if attachment else None,
            attachment=attachment[1] if attachment else None,
        )

    async def opt_out(self, user: User, opted_out: bool) -> None:
        await self._storage.set_news_opt_out(user.id, opted_out)

    # -- progress -------------------------------------------------------------

    def progress_text(self, language: str, sent: int, failed: int, left: int) -> str:
        total = max(sent + failed + left, 1)
        done = round(BAR_WIDTH * (sent + failed) / total)
        bar = "█" * done + "░" * (BAR_WIDTH - done)
        key = "broadcast.progress_done" if left == 0 else "broadcast.progress"
        return self._catalog.text(language, key, bar=bar, sent=sent, failed=failed, left=left,
                                  percent=round(100 * (sent + failed) / total))

    async def progress_updates(self, *, force: bool = False) -> list[OutboxRequest]:
        """Edits of the organizers' progress messages that are due (at most every few seconds)."""
        requests = []
        now = self._clock()
        for broadcast in await self._storage.unfinished_broadcasts():
            if not force and now - self._last_progress.get(broadcast.id, 0.0) < PROGRESS_EVERY:
                continue
            self._last_progress[broadcast.id] = now
            if broadcast.id in self._queuing or await self._resume_queuing(broadcast):
                continue  # the total is known once every recipient is queued
            sent, failed, left = await self._storage.broadcast_progress(broadcast.id)
            if left == 0:
                await self._storage.finish_broadcast(broadcast.id)
                self._last_progress.pop(broadcast.id, None)
            if broadcast.progress_chat_id and broadcast.progress_message_id:
                requests.append(OutboxRequest(
                    channel="telegram", chat_id=broadcast.progress_chat_id,
                    edit_message_id=broadcast.progress_message_id,
                    text=self.progress_text(self._catalog.default_language, sent, failed, left),
                ))
                if left == 0:
                    report = await self.report(broadcast, sent, failed, self._catalog.default_language)
                    if report:
                        requests.append(OutboxRequest(
                            channel="telegram", chat_id=broadcast.progress_chat_id, text=report,
                            dedupe_key=f"broadcast-report:{broadcast.id}"))
        return requests

    async def report(self, broadcast: Broadcast, sent: int, failed: int, language: str) -> str:
        """After an announcement: who could not be reached and why, and for a conference's how
        many subscribed to its reminders ("" when there is nothing to add to the progress)."""
        t = self._catalog.text
        conference_id = await self._storage.broadcast_conference(broadcast.id)
        if not failed and conference_id is None:
            return ""
        lines = [t(language, "broadcast.report", sent=sent, failed=failed)]
        unreachable = await self._storage.unreachable(broadcast.id)
        if unreachable:
            lines.append(t(language, "broadcast.report_header"))
        for row in unreachable[:REPORT_LINES]:
            reason = unreachable_reason(row["error"])
            lines.append(t(language, "broadcast.report_line",
                           who=row["name"] or t(language, "broadcast.someone"),
                           channel=t(language, f"channel.{row['channel']}"),
                           reason=t(language, f"broadcast.unreachable.{reason}",
                                    error=shorten(row["error"] or "?", 120))))
        if len(unreachable) > REPORT_LINES:
            lines.append(t(language, "broadcast.report_more", count=len(unreachable) - REPORT_LINES))
        conference = (await self._storage.conference(conference_id)
                      if conference_id is not None else None)
        if conference is not None:
            since = await self._storage.broadcast_started(broadcast.id)
            lines.append(t(language, "broadcast.report_subscribers", title=conference.title,
                           total=await self._storage.subscription_count(conference.id),
                           new=await self._storage.subscription_count(conference.id, since)))
        return "\n".join(lines)

    async def report_progress(self, *, force: bool = False) -> None:
        requests = await self.progress_updates(force=force)
        if requests:
            await self._storage.enqueue(requests)
            self._queued()
