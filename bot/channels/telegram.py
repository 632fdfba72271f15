"""Telegram's side of the channel-independent core: rendering, sending, membership."""

from __future__ import annotations

import datetime as dtm
import logging
import time
from collections.abc import Callable, Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.models import Button, Delivery, OutboxMessage

log = logging.getLogger(__name__)

CHANNEL = "telegram"

_NOT_MODIFIED = "message is not modified"


def keyboard(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class TelegramSender:
    """Sends one outbox row through the Bot API and reports what happened."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def __call__(self, message: OutboxMessage) -> Delivery:
        if not message.chat_id.lstrip("-").isdigit():
            return Delivery(ok=False, permanent=True, error=f"not a Telegram chat: {message.chat_id!r}")
        markup = keyboard(message.buttons)
        try:
            if message.edit_message_id is not None:
                await self._bot.edit_message_text(
                    message.text, chat_id=int(message.chat_id), message_id=message.edit_message_id,
                    parse_mode=ParseMode.HTML, reply_markup=markup,
                )
                return Delivery(ok=True, message_id=message.edit_message_id)
            if message.attachment_kind is not None and message.attachment:
                send = (self._bot.send_photo if message.attachment_kind == "photo"
                        else self._bot.send_document)
                sent = await send(int(message.chat_id), message.attachment, caption=message.text or None,
                                  parse_mode=ParseMode.HTML, reply_markup=markup,
                                  message_thread_id=message.thread_id)
                return Delivery(ok=True, message_id=sent.message_id)
            sent = await self._bot.send_message(
                int(message.chat_id), message.text, parse_mode=ParseMode.HTML,
                reply_markup=markup, message_thread_id=message.thread_id,
                reply_parameters=ReplyParameters(message.reply_to_message_id,
                                                 allow_sending_without_reply=True)
                if message.reply_to_message_id else None,
            )
            return Delivery(ok=True, message_id=sent.message_id)
        except RetryAfter as exc:
            return Delivery(ok=False, retry_after=retry_seconds(exc), error=str(exc))
        except Forbidden as exc:
            return Delivery(ok=False, permanent=True, user_blocked=True, error=str(exc))
        except BadRequest as exc:
            if _NOT_MODIFIED in str(exc).lower():  # PTB capitalizes: "Message is not modified"
                return Delivery(ok=True, message_id=message.edit_message_id)
            return Delivery(ok=False, permanent=True, error=str(exc))
        except TelegramError as exc:  # network trouble, timeouts: worth another try
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")


class MembershipCache:
    """Who may act as an official: admin ids, or members of the officials' chat.

    getChatMember answers are cached briefly so a busy group does not cost one
    API call per message, while a removed member loses access within a minute.
    """

    ALLOWED = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR,
                         ChatMemberStatus.MEMBER})

    def __init__(self, chat_ids: frozenset[int], admin_ids: frozenset[int], *, ttl: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._chat_ids = sorted(chat_ids)
        self._admin_ids = admin_ids
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, bool]] = {}

    async def is_official(self, bot: Bot, user_id: int) -> bool:
        if user_id in self._admin_ids:
            return True
        cached = self._cache.get(user_id)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        allowed = False
        for chat_id in self._chat_ids:
            try:
                member = await bot.get_chat_member(chat_id, user_id)
            except BadRequest:  # "user not found" and friends: not a member
                continue
            except TelegramError:
                log.warning("getChatMember failed; treating user as not an official for now")
                return False
            allowed = member.status in self.ALLOWED or (
                member.status == ChatMemberStatus.RESTRICTED and getattr(member, "is_member", False)
            )
            if allowed:
                break
        self._cache[user_id] = (self._clock(), allowed)
        return allowed
