"""The officials' chats as they really are: moved by Telegram, or out of the bot's reach.

A group that Telegram upgrades to a supergroup gets a new id: everything
addressed to the old one follows to the new one at once (and after a
restart), officials are heard in the new chat, cases still waiting get their
card again there, and the admins are told to update the config.

A chat the bot cannot post in (removed from it, no right to post, gone) is
*held*: its messages wait in the outbox without using up their attempts, the
chat is probed again with a growing pause, and everything goes out as soon as
it is reachable (the bot is added back, or a probe gets through). The admins
hear of each incident once when it starts and once when it ends.

Nothing here knows Telegram's types; the channel reports what happened.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from bot.i18n import Catalog, Raw
from bot.models import OutboxRequest
from bot.storage import Storage

log = logging.getLogger(__name__)

# Why the bot cannot post in an officials' chat (catalog keys "officials_chat.reason.<key>").
REASONS = ("kicked", "not_member", "no_rights", "not_found", "other")
PROBE_FIRST = 15.0     # seconds before a held chat is tried again, doubling each time
PROBE_MAX = 600.0      # at most this long between tries, in case "added back" is missed

MigrationListener = Callable[[str, str], None]
Refresh = Callable[[list[int]], Awaitable[None]]


class OfficialsChats:
    def __init__(self, storage: Storage, catalog: Catalog, channel: str, configured: Iterable[str],
                 admin_chats: Iterable[str], language: str, *, queued: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._catalog = catalog
        self._channel = channel
        self._configured = frozenset(configured)
        self._ids = set(self._configured)
        self._admins = tuple(admin_chats)
        self._language = language
        self._queued = queued
        self._clock = clock
        self._held: dict[str, str] = {}
        self._moved: dict[str, str] = {}
        self._listeners: list[MigrationListener] = []
        self._refresh: Refresh | None = None

    def _t(self, key: str, **params: object) -> str:
        return self._catalog.text(self._language, key, **params)

    def __contains__(self, chat_id: object) -> bool:
        return str(chat_id) in self._ids

    @property
    def current_chat_ids(self) -> frozenset[str]:
        """The officials' chats, without those Telegram moved elsewhere."""
        return frozenset(self._ids - set(self._moved))

    def current(self, chat_id: str) -> str:
        """The chat's id now: the newest one, if Telegram moved it."""
        seen = {chat_id}
        while chat_id in self._moved and self._moved[chat_id] not in seen:
            chat_id = self._moved[chat_id]
            seen.add(chat_id)
        return chat_id

    def held(self, chat_id: str) -> str | None:
        """Why this chat is held, or None when it is not."""
        return self._held.get(chat_id)

    def on_migrate(self, listener: MigrationListener) -> None:
        """`listener(old, new)` runs whenever an officials' chat moves (and for known moves at load)."""
        self._listeners.append(listener)

    def refresh_cards_with(self, refresh: Refresh) -> None:
        """How to show waiting cases' cards again (they are re-posted in a chat that moved)."""
        self._refresh = refresh

    async def load(self) -> None:
        """Known moves and held chats, from the database (a restart keeps them)."""
        for old, new in (await self._storage.chat_migrations(self._channel)).items():
            if old in self._ids:
                self._follow(old, new)
                if old in self._configured:
                    log.warning("officials' chat %s was upgraded to %s by Telegram: using %s; "
                                "please set %s in the config", old, new, new, new)
        self._held = await self._storage.held_chats(self._channel)

    def _follow(self, old: str, new: str) -> None:
        self._ids.add(new)
        self._moved[old] = new
        for listener in self._listeners:
            listener(old, new)

    # -- a chat moved ---------------------------------------------------------

    async def migrated(self, old: str, new: str) -> bool:
        """Telegram moved a chat from `old` to `new`; True if this was news about an officials' chat.

        Any group the bot writes to is followed; only officials' chats concern the admins.
        """
        if old == new:
            return False
        news = await self._storage.migrate_chat(self._channel, old, new)
        if old not in self._ids:
            return False
        self._follow(old, new)
        if not news:
            return False
        self._held.pop(old, None)
        log.warning("officials' chat %s was upgraded to a supergroup with id %s: messages now go there; "
                    "please set chat_id = %s in the config ([officials] or the topic's chat_id)",
                    old, new, new)
        waiting = await self._storage.waiting_cases_with_cards_in(old)
        if waiting and self._refresh is not None:
            await self._refresh(waiting)
        await self._tell_admins(f"migrated:{old}:{new}", "officials_chat.migrated",
                                old=old, new=new, cards=len(waiting))
        return True

    # -- a chat out of reach --------------------------------------------------

    async def unreachable(self, chat_id: str, reason: str, error: str) -> float:
        """The bot could not post in `chat_id`: hold it; returns seconds until the next try."""
        reason = reason if reason in REASONS else "other"
        new, probes = await self._storage.hold_chat(self._channel, chat_id, reason, self._clock())
        self._held[chat_id] = reason
        if new:
            waiting = await self._storage.waiting_for(self._channel, chat_id)
            log.error("cannot post in the officials' chat %s (%s: %s); %d message(s) wait for it",
                      chat_id, reason, error, waiting)
            await self._tell_admins(f"held:{chat_id}:{int(self._clock())}", "officials_chat.held",
                                    chat=chat_id, why=Raw(self._t(f"officials_chat.reason.{reason}")),
                                    count=waiting)
        return min(PROBE_MAX, PROBE_FIRST * 2.0 ** min(probes, 10))

    async def reachable(self, chat_id: str) -> bool:
        """The bot can post in `chat_id` (a send got through, or it was added back)."""
        if chat_id not in self._held and chat_id in self._ids:
            # Another process may have held it; the database says for sure.
            self._held = await self._storage.held_chats(self._channel)
        if chat_id not in self._held:
            return False
        ended = await self._storage.release_chat(self._channel, chat_id, self._clock())
        self._held.pop(chat_id, None)
        if ended is None:
            return False
        waiting = await self._storage.waiting_for(self._channel, chat_id)
        log.warning("the officials' chat %s is reachable again; sending the %d waiting message(s)",
                    chat_id, waiting)
        await self._tell_admins(f"recovered:{chat_id}:{int(ended[1])}", "officials_chat.recovered",
                                chat=chat_id, count=waiting)
        self._queued()
        return True

    async def report(self, chat_id: str, problem: str) -> None:
        """A problem seen when checking a chat that does not stop sending (e.g. not an admin)."""
        log.warning("officials' chat %s: %s", chat_id, problem)
        await self._tell_admins(f"check:{chat_id}:{problem}:{int(self._clock()) // 86400}",
                                f"officials_chat.check.{problem}", chat=chat_id)

    async def _tell_admins(self, key: str, text_key: str, **params: object) -> None:
        text = self._t(text_key, **params)
        requests = [OutboxRequest(channel=self._channel, chat_id=admin, text=text,
                                  dedupe_key=f"officials-chat:{key}:{admin}")
                    for admin in self._admins]
        if requests:
            await self._storage.enqueue(requests)
            self._queued()
