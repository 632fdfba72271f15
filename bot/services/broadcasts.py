"""Announcements to many workers, delivered through the outbox.

A broadcast is one outbox row per recipient, written in one transaction with
the broadcast itself, at a lower priority than answers and cards. The
dispatcher sends them at the channel's rate; a crash or restart resumes from
the rows not yet marked sent, so nobody is skipped and nobody receives it
twice: the one message in flight at the moment of a hard kill is taken as sent
(see OutboxService), a rare miss being better than announcements repeated.

The organizer who sends it is left out: they have just seen the preview and
follow the progress message in the same chat.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from bot.i18n import Catalog
from bot.models import Broadcast, Button, OutboxRequest, User
from bot.storage import Storage

NEWS_PREFIX = "news"
BROADCAST_PRIORITY = 1
PROGRESS_EVERY = 3.0  # seconds between edits of the organizer's progress message
BAR_WIDTH = 20


class BroadcastService:
    def __init__(self, storage: Storage, catalog: Catalog, queued: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._storage = storage
        self._catalog = catalog
        self._queued = queued
        self._clock = clock
        self._last_progress: dict[int, float] = {}

    async def audience(self, audience: str, sender: User | None = None) -> list[User]:
        """Who `audience` reaches, less the organizer sending (`sender`)."""
        users = await self._storage.audience(audience)
        return [user for user in users if sender is None or user.id != sender.id]

    async def start(self, organizer_id: int, text: str, audience: str,
                    attachment: tuple[str, str] | None, progress: tuple[str, int] | None,
                    sender: User | None = None) -> Broadcast:
        recipients = await self.audience(audience, sender)

        def rows(broadcast_id: int) -> list[OutboxRequest]:
            return [self._message(broadcast_id, user, text, attachment) for user in recipients]

        broadcast = await self._storage.create_broadcast(organizer_id, text, audience, attachment,
                                                         progress, rows)
        self._queued()
        return broadcast

    def _message(self, broadcast_id: int, user: User, text: str,
                 attachment: tuple[str, str] | None) -> OutboxRequest:
        stop = Button(self._catalog.text(user.language, "news.stop_button"), f"{NEWS_PREFIX}:off")
        return OutboxRequest(
            # The organizer typed plain text: it is shown as typed, never parsed as markup.
            channel=user.channel, chat_id=user.chat_id, text=html.escape(text, quote=False),
            buttons=((stop,),),
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
        return requests

    async def report_progress(self, *, force: bool = False) -> None:
        requests = await self.progress_updates(force=force)
        if requests:
            await self._storage.enqueue(requests)
            self._queued()
