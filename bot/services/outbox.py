"""Delivers the outbox: every answer, card and card update the bot owes someone.

Rows are written in the same transaction as the change that causes them, so
a restart between "answered" and "delivered" loses nothing: the dispatcher
picks the row up again. Each chat's messages go out in order; a temporary
failure delays that chat only (a platform's "not now", e.g. Zalo at night,
postpones it without using up its attempts); a permanent one is recorded,
never retried, and when the row was about a case (an answer, a notice) the
case's officials are told under its card that the person did not get it
(UndeliveredNotices), in the same transaction as the failure itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Protocol

from bot.i18n import Catalog, Raw
from bot.models import Delivery, OutboxMessage, OutboxRequest, Undelivered
from bot.services.text import one_line, shorten
from bot.storage import Storage

log = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], Awaitable[Delivery]]
# What a row about a case that failed for good leaves on the case (None: nothing).
FailureHook = Callable[[OutboxMessage, Delivery], Awaitable[Undelivered | None]]
REASONS = ("window", "blocked", "quota")
# An answer's rows carry dedupe keys that start so (see QuestionService._answer_messages).
ANSWER_KEY = "answer:"
_PIECE = re.compile(r":\d+$")   # a dedupe key's last part: the piece of a long message, or the person



class ChatWatch(Protocol):
    """What a channel's group chats do besides accepting messages (see OfficialsChats)."""

    def held(self, chat_id: str) -> str | None: ...

    async def migrated(self, old: str, new: str) -> bool: ...

    async def unreachable(self, chat_id: str, reason: str, error: str) -> float: ...

    async def reachable(self, chat_id: str) -> bool: ...


MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
IDLE_WAIT = 5.0
STOP_GRACE = 10.0  # seconds `stop` waits for the message in flight before cancelling


class OutboxDispatcher:
    def __init__(self, storage: Storage, senders: Mapping[str, Sender], *,
                 pace: Mapping[str, float] | None = None,
                 clock: Callable[[], float] = time.time,
                 after_pass: Callable[[], Awaitable[None]] | None = None,
                 on_undelivered: FailureHook | None = None,
                 chats: Mapping[str, ChatWatch] | None = None) -> None:
        """`after_pass` runs after every pass (e.g. to report a broadcast's progress);
        `on_undelivered` says what to record when a row about a case failed for good;
        `chats` (by channel) follows group chats that move and holds those out of reach."""
        self._storage = storage
        self._chats = dict(chats or {})
        self._after_pass = after_pass
        self._on_undelivered = on_undelivered
        self._senders = dict(senders)
        self._clock = clock
        self._wake = asyncio.Event()
        self._paused_until = 0.0
        # channel -> messages per second the dispatcher itself keeps to: steady
        # sending stays under the platform's limit, so no request waits inside a
        # client-side limiter while it is marked as in flight.
        self._pace = dict(pace or {})
        self._last_send: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._busy = False  # in a pass: a message may be in flight

    def wake(self) -> None:
        """Something was queued: look now instead of at the next tick."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Stop after the message in flight: cancelling between Telegram taking it and
        `mark_sent` would send it a second time after a restart."""
        if self._task is not None:
            self._stopping = True
            if not self._busy:
                self._task.cancel()  # waiting or reporting progress: nothing in flight
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=STOP_GRACE)  # cancels it when late
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                settled, retried = await self._storage.settle_interrupted_sends()
                break
            except Exception:
                log.exception("could not look at interrupted sends; retrying")
                await asyncio.sleep(IDLE_WAIT)
        if settled or retried:
            log.warning("after a restart: %d announcement(s) in flight taken as sent, %d message(s) "
                        "in flight will be sent again", settled, retried)
        while not self._stopping:
            try:
                self._busy = True
                try:
                    sent = await self.send_due()
                finally:
                    self._busy = False
                if self._after_pass is not None:
                    await self._after_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; retrying shortly")
                sent = 0
            if sent or self._stopping:
                continue
            await self._sleep_until_next()

    async def _sleep_until_next(self) -> None:
        # Clear before looking: a row queued (and woken for) while we look
        # must not be slept through.
        self._wake.clear()
        next_due = await self._storage.next_outbox_due()
        now = self._clock()
        if self._paused_until > now:
            await asyncio.sleep(self._paused_until - now)
            return
        wait = IDLE_WAIT if next_due is None else min(IDLE_WAIT, max(0.0, next_due - now))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def send_due(self) -> int:
        """One pass: try every due row once, in order; returns how many were sent."""
        sent = 0
        held: set[tuple[str, str]] = set()
        for message in await self._storage.due_outbox(self._clock()):
            if self._stopping:
                break
            chat = (message.channel, message.chat_id)
            if chat in held:
                continue
            await self._wait_turn(message.channel)
            claimed = await self._storage.begin_sending(message.id)
            if claimed is None:  # rolled back, cancelled or settled since it was read
                continue
            message = claimed
            delivery = await self._deliver(message)
            if delivery.ok:
                if delivery.in_general:
                    message = replace(message, thread_id=None)
                await self._storage.mark_sent(message, delivery.message_id)
                sent += 1
                await self._reached(message)
                continue
            held.add(chat)
            if await self._chat_trouble(message, delivery):
                continue
            await self._record_failure(message, delivery)
            if delivery.retry_after is not None:
                # Flood control: Telegram wants the bot to slow down, not just this chat.
                self._paused_until = self._clock() + delivery.retry_after
                break
        return sent

    async def _reached(self, message: OutboxMessage) -> None:
        watch = self._chats.get(message.channel)
        if watch is not None and watch.held(message.chat_id) is not None:
            await watch.reachable(message.chat_id)

    async def _chat_trouble(self, message: OutboxMessage, delivery: Delivery) -> bool:
        """A group chat moved or is out of reach: the row waits, not failed. True if so."""
        watch = self._chats.get(message.channel)
        if watch is None or not (delivery.migrate_to or delivery.held):
            return False
        if delivery.migrate_to:
            await watch.migrated(message.chat_id, delivery.migrate_to)
            await self._storage.postpone(message.id, self._clock(), delivery.error)
            self.wake()  # readdressed: it goes out in the next pass
            return True
        delay = await watch.unreachable(message.chat_id, delivery.held, delivery.error)
        log.info("outbox row %s waits %.0fs for chat %s: %s", message.id, delay, message.chat_id,
                 delivery.error)
        await self._storage.postpone(message.id, self._clock() + delay, delivery.error)
        return True

    async def _wait_turn(self, channel: str) -> None:
        rate = self._pace.get(channel)
        if not rate:
            return
        wait = 1.0 / rate - (time.monotonic() - self._last_send.get(channel, 0.0))
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send[channel] = time.monotonic()

    async def _deliver(self, message: OutboxMessage) -> Delivery:
        sender = self._senders.get(message.channel)
        if sender is None:
            return Delivery(ok=False, permanent=True, error=f"no sender for channel {message.channel!r}")
        try:
            return await sender(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a sender bug must not stop every other delivery
            log.exception("sender failed on outbox row %s", message.id)
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")

    async def _record_failure(self, message: OutboxMessage, delivery: Delivery) -> None:
        if delivery.user_blocked:
            await self._storage.mark_blocked(message.channel, message.chat_id)
        if delivery.postpone is not None and not delivery.permanent:
            log.info("outbox row %s postponed %.0fs: %s", message.id, delivery.postpone, delivery.error)
            await self._storage.postpone(message.id, self._clock() + delivery.postpone, delivery.error)
            return
        if delivery.permanent or message.attempts + 1 >= MAX_ATTEMPTS:
            log.warning("outbox row %s failed for good: %s", message.id, delivery.error)
            undelivered = None
            if message.question_id is not None and self._on_undelivered is not None:
                try:
                    undelivered = await self._on_undelivered(message, delivery)
                except Exception:  # the failure is recorded on the row either way
                    log.exception("could not word the officials' notice for outbox row %s", message.id)
            if await self._storage.mark_failed(message.id, delivery.error, undelivered):
                self.wake()
            return
        delay = delivery.retry_after if delivery.retry_after is not None else min(
            MAX_BACKOFF, 2.0 ** message.attempts
        )
        log.info("outbox row %s retry in %.1fs: %s", message.id, delay, delivery.error)
        await self._storage.retry_later(message.id, self._clock() + delay, delivery.error)


class UndeliveredNotices:
    """What officials are told, under a case's card, when a message to a person never arrived.

    Only rows to people count (an answer, a notice about the case); a card or
    a card edit that failed is the officials' own chat and is only logged.
    One notice per message, however many pieces a long answer was sent in,
    naming whether the person was the asker or someone following the case.
    The case's history (/case N) records it too.
    """

    def __init__(self, storage: Storage, catalog: Catalog, officials_channel: str, officials_chat: str,
                 language: str) -> None:
        self._storage = storage
        self._catalog = catalog
        self._channel = officials_channel
        self._chat = officials_chat
        self._language = language

    def _t(self, key: str, **params: object) -> str:
        return self._catalog.text(self._language, key, **params)

    def _has(self, key: str) -> bool:
        return key in self._catalog.keys(self._language)

    def _why(self, message: OutboxMessage, delivery: Delivery, who: str) -> str:
        reason = delivery.reason or ("blocked" if delivery.user_blocked else "")
        if reason == "window":
            hours = delivery.window_hours or 168.0
            if hours % 24 == 0:
                return self._t("undelivered.window", days=int(hours // 24), who=who)
            return self._t("undelivered.window_hours", hours=f"{hours:g}", who=who)
        if reason == "blocked":
            key = f"undelivered.blocked.{message.channel}"
            return self._t(key if self._has(key) else "undelivered.blocked", who=who)
        if reason in REASONS:
            return self._t(f"undelivered.{reason}")
        return self._t("undelivered.other", error=shorten(delivery.error or "?", 200))

    async def __call__(self, message: OutboxMessage, delivery: Delivery) -> Undelivered | None:
        assert message.question_id is not None
        recipient = await self._storage.user_by_chat(message.channel, message.chat_id)
        if recipient is None:
            return None
        question = await self._storage.get_question(message.question_id)
        asker = question is None or question.user_id == recipient.id
        who = self._t("undelivered.asker" if asker else "undelivered.follower")
        answer = (message.dedupe_key or "").startswith(ANSWER_KEY)
        after = ("undelivered.answer_waits" if answer and asker else "undelivered.not_resent")
        channel_key = f"channel.{message.channel}"
        channel = self._t(channel_key) if self._has(channel_key) else message.channel
        preview = shorten(one_line(message.text), 300)
        cards = await self._storage.cards_of(message.question_id)
        chat, card, thread = cards[0] if cards else (self._chat, None, None)
        # A long answer goes out as several rows: one notice for all of them.
        source = _PIECE.sub("", message.dedupe_key) if message.dedupe_key else f"row:{message.id}"
        notice = OutboxRequest(
            channel=self._channel, chat_id=chat, thread_id=thread, reply_to_message_id=card,
            text=self._t("undelivered.notice", id=message.question_id, who=who, channel=channel,
                         why=Raw(self._why(message, delivery, who)), preview=preview,
                         after=Raw(self._t(after))),
            dedupe_key=f"undelivered:{message.question_id}:{message.channel}:{message.chat_id}:{source}")
        return Undelivered(question_id=message.question_id,
                           action="undelivered" if asker else "undelivered_follower",
                           detail=f"{message.channel}: {delivery.error}"[:300], notice=notice)
