"""Per-user flood limit: a worker who sends too much too fast is asked to slow down.

Runs before every other handler (group -1). Over the limit, the update is
not processed; the person gets one polite notice per minute, not one per
message.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.common import Context, services

WINDOW = 60.0


class FloodGuard:
    def __init__(self, per_minute: int, *, exempt: frozenset[int] = frozenset(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._exempt = exempt
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(process it?, send the notice?) for one more update from this user."""
        if self._limit <= 0 or user_id in self._exempt:
            return True, False
        now = self._clock()
        recent = self._seen.setdefault(user_id, deque())
        while recent and recent[0] <= now - WINDOW:
            recent.popleft()
        if len(self._seen) > 10_000:  # forget people who went quiet
            self._seen = {uid: q for uid, q in self._seen.items() if q and q[-1] > now - WINDOW}
        if len(recent) < self._limit:
            recent.append(now)
            return True, False
        warn = now - self._warned.get(user_id, -WINDOW) >= WINDOW
        if warn:
            self._warned[user_id] = now
        return False, warn


async def flood_guard(update: Update, context: Context) -> None:
    chat, user = update.effective_chat, update.effective_user
    if user is None or (chat is not None and chat.type != chat.PRIVATE):
        return
    guard: FloodGuard = context.bot_data["flood_guard"]
    allowed, warn = guard.allow(user.id)
    if allowed:
        return
    if warn:
        catalog = services(context).catalog
        text = catalog.text(catalog.language_for(user.language_code), "flood.slow_down")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(user.id, text)
    elif update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop
