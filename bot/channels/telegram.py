"""Telegram's side of the channel-independent core: rendering, sending, membership."""

from __future__ import annotations

import datetime as dtm
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any, Protocol

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from bot.models import Button, Delivery, OutboxMessage
from bot.services.text import CAPTION_LIMIT, MESSAGE_LIMIT, fit_html, plain_length

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


# Telegram's answers when the bot cannot post in a group, by what the admins are told.
# Bot API descriptions as Telegram words them (403 "Forbidden: bot was kicked from the
# supergroup chat", 400 "Bad Request: not enough rights to send text messages to the chat", ...).
_OUT_OF_REACH = (
    ("bot was kicked", "kicked"),
    ("bot is not a member", "not_member"),
    ("bot was blocked", "kicked"),
    ("not enough rights", "no_rights"),
    ("have no rights to send", "no_rights"),
    ("need administrator rights", "no_rights"),
    ("chat_write_forbidden", "no_rights"),
    ("chat not found", "not_found"),
    ("group chat was deactivated", "not_found"),
)
_THREAD_GONE = ("message thread not found", "topic_deleted", "topic was deleted", "topic_closed")


def out_of_reach(description: str) -> str | None:
    """Why the bot cannot post in a group, from Telegram's error description (None: another error)."""
    text = description.lower()
    return next((reason for phrase, reason in _OUT_OF_REACH if phrase in text), None)


# Bot API methods that send nothing: Telegram's limits (30 messages a second, 20 a
# minute in a group) are about messages, so these must not wait behind a group's
# cards, nor spend that group's budget (a stranger's command would otherwise delay
# every card: python-telegram-bot's AIORateLimiter counts any request with a group
# chat_id against the group).
READS = frozenset({"getMe", "getChat", "getChatMember", "getChatAdministrators",
                   "getChatMemberCount", "getFile", "getUpdates", "getWebhookInfo",
                   "getMyCommands", "answerCallbackQuery"})


class SendingRateLimiter(AIORateLimiter):
    """AIORateLimiter for what the bot sends; reads go straight through."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in READS:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


class TelegramSender:
    """Sends one outbox row through the Bot API and reports what happened.

    `officials` tells whether a chat is an officials' chat: there, an error that
    means "the bot cannot post here now" holds the row instead of failing it, and
    a card whose forum topic was deleted goes to the General topic with a line
    naming its topic (`topic_title(chat_id, thread_id)`).
    """

    def __init__(self, bot: Bot, *, officials: Callable[[str], bool] = lambda _chat: False,
                 topic_note: Callable[[str, int], str] = lambda _chat, _thread: "") -> None:
        self._bot = bot
        self._officials = officials
        self._topic_note = topic_note
        self._gone_threads: set[tuple[str, int]] = set()

    async def __call__(self, message: OutboxMessage) -> Delivery:
        if not message.chat_id.lstrip("-").isdigit():
            return Delivery(ok=False, permanent=True, error=f"not a Telegram chat: {message.chat_id!r}")
        officials = self._officials(message.chat_id)
        if officials and message.thread_id and (message.chat_id, message.thread_id) in self._gone_threads:
            return await self._to_general(message)
        try:
            if message.attachment_kind == "copy" and message.attachment:
                # An official's photo, file or voice answer: copied, since a forward would name them.
                source_chat, _, source_id = message.attachment.partition(":")
                try:
                    copied = await self._bot.copy_message(
                        int(message.chat_id), int(source_chat), int(source_id),
                        caption=message.text or None, parse_mode=ParseMode.HTML,
                        reply_markup=keyboard(message.buttons), message_thread_id=message.thread_id)
                except ChatMigrated as exc:  # the source chat moved, not this one: retrying won't help
                    return Delivery(ok=False, permanent=True, error=f"copy source moved: {exc}")
                return Delivery(ok=True, message_id=copied.message_id)
            return await self._send(message)
        except ChatMigrated as exc:
            return Delivery(ok=False, migrate_to=str(exc.new_chat_id), error=str(exc))
        except RetryAfter as exc:
            return Delivery(ok=False, retry_after=retry_seconds(exc), error=str(exc))
        except (Forbidden, BadRequest) as exc:
            if officials:
                return await self._officials_error(message, exc)
            if isinstance(exc, Forbidden):
                return Delivery(ok=False, permanent=True, user_blocked=True, error=str(exc))
            if _NOT_MODIFIED in str(exc).lower():  # PTB capitalizes: "Message is not modified"
                return Delivery(ok=True, message_id=message.edit_message_id)
            return Delivery(ok=False, permanent=True, error=str(exc))
        except TelegramError as exc:  # network trouble, timeouts: worth another try
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")

    async def _officials_error(self, message: OutboxMessage, exc: TelegramError) -> Delivery:
        text = str(exc).lower()
        if _NOT_MODIFIED in text:
            return Delivery(ok=True, message_id=message.edit_message_id)
        if message.thread_id and any(phrase in text for phrase in _THREAD_GONE):
            log.warning("forum topic %s of the officials' chat %s is gone; its cards go to General",
                        message.thread_id, message.chat_id)
            self._gone_threads.add((message.chat_id, message.thread_id))
            return await self._to_general(message)
        reason = out_of_reach(text)
        if reason is not None:
            return Delivery(ok=False, held=reason, error=str(exc))
        return Delivery(ok=False, permanent=True, error=str(exc))

    async def _to_general(self, message: OutboxMessage) -> Delivery:
        """Send a message meant for a deleted topic to the General topic, saying whose it is."""
        assert message.thread_id is not None
        note = self._topic_note(message.chat_id, message.thread_id)
        text = message.text
        if note and message.edit_message_id is None:
            room = (CAPTION_LIMIT if message.attachment_kind else MESSAGE_LIMIT) - plain_length(note) - 2
            text = f"{fit_html(text, room)}\n\n{note}"
        moved = replace(message, thread_id=None, reply_to_message_id=None, text=text)
        delivery = await self(moved)
        return replace(delivery, in_general=True) if delivery.ok else delivery

    async def _send(self, message: OutboxMessage) -> Delivery:
        markup = keyboard(message.buttons)
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


class MembershipCache:
    """Who may act as an official in a group: admin ids, or members of that group.

    getChatMember answers are cached briefly so a busy group does not cost one API
    call per message: a "yes" for POSITIVE_TTL seconds, a "no" for NEGATIVE_TTL. A
    member who leaves, is removed or restricted is forgotten at once when Telegram
    says so (a chat_member update, see handlers/chats.py). A restricted member (muted
    in the group) is not an official.
    """

    ALLOWED = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR,
                         ChatMemberStatus.MEMBER})
    POSITIVE_TTL = 30.0
    NEGATIVE_TTL = 120.0

    def __init__(self, admin_ids: frozenset[int], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._admin_ids = admin_ids
        self._clock = clock
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    def forget(self, user_id: int) -> None:
        """Their membership changed: ask Telegram again next time."""
        for key in [key for key in self._cache if key[0] == user_id]:
            del self._cache[key]

    def is_admin(self, user_id: int) -> bool:
        return user_id in self._admin_ids

    async def is_member(self, bot: Bot, user_id: int, chat_id: int) -> bool:
        """May this person act as an official in this group (an admin id, or a member)?"""
        if user_id in self._admin_ids:
            return True
        now = self._clock()
        cached = self._cache.get((user_id, chat_id))
        if cached is not None:
            ttl = self.POSITIVE_TTL if cached[1] else self.NEGATIVE_TTL
            if now - cached[0] < ttl:
                return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except (BadRequest, Forbidden, ChatMigrated):
            allowed = False  # "user not found"; or the bot cannot see this chat now
        except TelegramError:
            log.warning("getChatMember failed; treating the user as not an official for now")
            return False
        else:
            allowed = member.status in self.ALLOWED
        if len(self._cache) > 10_000:  # forget what has long expired
            self._cache = {k: v for k, v in self._cache.items() if now - v[0] < self.NEGATIVE_TTL}
        self._cache[(user_id, chat_id)] = (now, allowed)
        return allowed


class ChatsWatch(Protocol):
    """The officials' chats as the bot knows them (bot.services.officials_chats.OfficialsChats)."""

    @property
    def current_chat_ids(self) -> frozenset[str]: ...

    async def migrated(self, old: str, new: str) -> bool: ...

    async def unreachable(self, chat_id: str, reason: str, error: str) -> float: ...

    async def reachable(self, chat_id: str) -> bool: ...

    async def report(self, chat_id: str, problem: str) -> None: ...


async def check_officials_chats(bot: Bot, chats: ChatsWatch) -> None:
    """At start: can the bot post in every officials' chat, and is it an administrator there?

    A chat Telegram moved is followed, one out of reach is held (its cards wait and
    the admins are told), one that recovered while the bot was down is released.
    """
    for chat_id in sorted(chats.current_chat_ids):
        try:
            await bot.get_chat(int(chat_id))
            member = await bot.get_chat_member(int(chat_id), bot.id)
        except ChatMigrated as exc:
            await chats.migrated(chat_id, str(exc.new_chat_id))
            continue
        except (Forbidden, BadRequest) as exc:
            await chats.unreachable(chat_id, out_of_reach(str(exc)) or "other", str(exc))
            continue
        except TelegramError as exc:  # the network: the outbox will find out soon enough
            log.warning("could not check the officials' chat %s: %s", chat_id, exc)
            continue
        status = member.status
        if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            reason = "kicked" if status == ChatMemberStatus.BANNED else "not_member"
            await chats.unreachable(chat_id, reason, f"getChatMember: {status}")
        elif status == ChatMemberStatus.RESTRICTED and not getattr(member, "can_send_messages", True):
            await chats.unreachable(chat_id, "no_rights", "getChatMember: restricted")
        else:
            await chats.reachable(chat_id)
            if status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
                await chats.report(chat_id, "not_admin")
