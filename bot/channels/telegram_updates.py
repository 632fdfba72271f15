"""Receiving updates so that none is lost: journal first, acknowledge after.

python-telegram-bot's own Updater moves the getUpdates offset (which tells
Telegram the updates were received) before any handler runs, so a crash then
loses them. Here every fetched update is stored in `update_journal` first;
the offset moves past it only on the next getUpdates call; each update is
processed from the journal and marked done. At start, unfinished updates are
processed again; the handlers are idempotent, so a replay never creates a
second question, card or answer.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import sqlite3
import warnings
from collections.abc import Sequence

from telegram import Update
from telegram.error import (
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.channels.telegram import retry_seconds
from bot.storage import Storage

log = logging.getLogger(__name__)

# my_chat_member: the bot removed from or added back to an officials' group;
# chat_member: officials joining or leaving it (sent only when asked for here).
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")
# An update whose processing was cut short this many times (the process died
# each time) is set aside rather than tried forever.
MAX_ATTEMPTS = 3
MAX_BACKOFF = 30.0
# Updates of different chats processed at the same time, at most.
MAX_CONCURRENT = 32
# bot_data key: update ids whose handler met a database error (see handlers/errors.py).
TRANSIENT = "transient_updates"

# getUpdates is called through do_api_request to get the raw JSON (see DurableUpdater._fetch).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.get_updates'", category=PTBUserWarning)


class DurableUpdater:
    def __init__(self, app: Application, storage: Storage, *,  # type: ignore[type-arg]
                 timeout: int = 30, poll_interval: float = 0.0,
                 allowed_updates: Sequence[str] = ALLOWED_UPDATES) -> None:
        self._app = app
        self._storage = storage
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._allowed = list(allowed_updates)
        self._task: asyncio.Task[None] | None = None
        self._db_failures = 0
        # Chat -> its updates waiting to be processed, and the task working through them.
        self._queues: dict[str, collections.deque[tuple[int, object, str]]] = {}
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._concurrency = asyncio.Semaphore(MAX_CONCURRENT)
        self._handed_upto = 0  # updates up to this id were handed to a lane

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="durable-updater")

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The intake loop: it ends only when stopped, or on an error it cannot get past."""
        return self._task

    async def stop(self) -> None:
        """Stop polling and processing; what was not finished stays in the journal."""
        lanes = list(self._lanes.values())
        for lane in lanes:
            lane.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)
        self._lanes.clear()
        self._queues.clear()
        self._handed_upto = 0
        task, self._task = self._task, None
        if task is None or task.done():
            return  # never started, or it stopped by itself (serve() reported why)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            try:
                await self.process_pending(startup=True)
                last = await self._storage.last_journaled_update()
                break
            except sqlite3.Error as error:
                await self._database_trouble(error)
        offset = 0 if last is None else last + 1
        failures = 0
        while True:
            try:
                updates = await self._fetch(offset)
                failures = 0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.critical("Telegram refused the bot token; check [telegram] token")
                raise
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
                continue
            except (TimedOut, NetworkError, Conflict, TelegramError) as error:
                failures += 1
                delay = min(MAX_BACKOFF, 2.0 ** min(failures, 5))
                log.warning("getUpdates failed (%s); retrying in %.0fs", type(error).__name__, delay)
                await asyncio.sleep(delay)
                continue
            try:
                if updates:
                    # Stored before the offset moves: the next getUpdates acknowledges them.
                    await self._storage.journal_updates(updates)
                    offset = max(update_id for update_id, _raw in updates) + 1
                await self.process_pending()
            except sqlite3.Error as error:
                # Nothing was acknowledged that is not stored: Telegram sends it again.
                await self._database_trouble(error)
                continue
            if not updates and self._poll_interval:
                await asyncio.sleep(self._poll_interval)

    async def _fetch(self, offset: int) -> list[tuple[int, str]]:
        """One getUpdates call, as raw JSON: (update_id, payload) for each update.

        Not `Bot.get_updates`, which parses the whole batch at once: one update it
        cannot parse would raise for all of them, and the same batch would come back
        at every call. Here each update is stored as Telegram sent it and parsed on
        its own when processed (an unparseable one is recorded and skipped there).
        """
        read_timeout = (self._app.bot.request.read_timeout or 0) + self._timeout
        try:
            raw = await self._app.bot.do_api_request(
                "get_updates", api_kwargs={"offset": offset, "timeout": self._timeout,
                                           "allowed_updates": self._allowed},
                read_timeout=read_timeout)
        except EndPointNotFound as exc:  # do_api_request's word for a 401 (the token refused)
            raise InvalidToken(str(exc)) from exc
        updates: list[tuple[int, str]] = []
        for item in raw if isinstance(raw, list) else []:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                log.error("getUpdates returned an item without an update id; skipped: %.200r", item)
                continue
            updates.append((update_id, json.dumps(item)))
        return updates

    async def _database_trouble(self, error: Exception) -> None:
        self._db_failures += 1
        delay = min(MAX_BACKOFF, 2.0 ** min(self._db_failures, 5))
        log.error("database unavailable (%s); nothing is lost, retrying in %.0fs", error, delay)
        await asyncio.sleep(delay)

    async def process_pending(self, *, startup: bool = False) -> int:
        """Hand every journaled update not yet done to its chat's lane; returns how many.

        Updates of one chat are processed one after another, in order; different
        chats at the same time (at most MAX_CONCURRENT), so one slow update (a
        stranger's command waiting for Telegram, a large export) holds up nobody
        else. At start-up, an update that was begun MAX_ATTEMPTS times without
        finishing (the process died each time) is set aside, and every pending
        update is processed before polling starts.
        """
        handed = 0
        while pending := await self._storage.pending_updates(after=self._handed_upto):
            for update_id, payload, attempts in pending:
                self._handed_upto = max(self._handed_upto, update_id)
                if startup and attempts >= MAX_ATTEMPTS:
                    log.error("update %s was cut short %d times; setting it aside", update_id, attempts)
                    await self._storage.finish_update(update_id, "set aside after repeated crashes")
                    continue
                self._hand(update_id, payload)
                handed += 1
        if startup:
            await self.drain()
        return handed

    async def drain(self) -> None:
        """Wait until every update handed to a lane is processed."""
        while self._lanes:
            await asyncio.gather(*list(self._lanes.values()), return_exceptions=True)

    def _hand(self, update_id: int, payload: str) -> None:
        try:
            data = json.loads(payload)
        except ValueError:
            data = None
        key = lane_key(data)
        queue = self._queues.setdefault(key, collections.deque())
        queue.append((update_id, data, payload))
        if key not in self._lanes:
            self._lanes[key] = asyncio.create_task(self._lane(key), name=f"updates-{key}")

    async def _lane(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                update_id, data, payload = queue[0]
                async with self._concurrency:
                    done = await self._process_one(update_id, data, payload)
                if done:
                    queue.popleft()
                else:  # a database error: the update stays first in its lane
                    await self._database_trouble(sqlite3.OperationalError(f"update {update_id} kept"))
        finally:
            self._lanes.pop(key, None)
            if not queue:
                self._queues.pop(key, None)

    async def _process_one(self, update_id: int, data: object, payload: str) -> bool:
        """Process one journaled update; False when it must be tried again (database trouble)."""
        transient: set[int] = self._app.bot_data.setdefault(TRANSIENT, set())
        try:
            await self._storage.begin_update(update_id)
        except sqlite3.Error:
            return False
        error = None
        try:
            if not isinstance(data, dict):
                raise TypeError(f"not a JSON object: {payload[:100]!r}")
            update = Update.de_json(data, self._app.bot)
            await self._app.process_update(update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an update that cannot be parsed or handled: record it, go on
            log.exception("update %s could not be processed", update_id)
            error = f"{type(exc).__name__}: {exc}"[:500]
        if update_id in transient:
            transient.discard(update_id)
            return False
        try:
            await self._storage.finish_update(update_id, error)
        except sqlite3.Error:
            return False  # processed again later: the handlers are idempotent
        self._db_failures = 0
        return True


def lane_key(update: object) -> str:
    """The chat an update belongs to: updates of one chat are processed in order."""
    if not isinstance(update, dict):
        return "?"
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post",
                 "my_chat_member", "chat_member", "chat_join_request"):
        body = update.get(kind)
        if isinstance(body, dict) and isinstance(body.get("chat"), dict):
            return f"chat:{body['chat'].get('id')}"
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return f"chat:{message['chat'].get('id')}"
        sender = query.get("from")
        if isinstance(sender, dict):
            return f"chat:{sender.get('id')}"  # a private chat's id is the person's
    return "?"
