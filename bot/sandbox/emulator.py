"""An emulated Telegram Bot API, served over HTTP by aiohttp.

:class:`BotApiEmulator` speaks enough of the real Bot API that an unmodified
python-telegram-bot ``Application`` runs against it, long polling included::

    emu = BotApiEmulator()
    await emu.start()
    app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).build()

and it has a scripting side on which tests (and the browser sandbox) play the users::

    emu.add_user(1001, "Lan")
    await emu.send_text(1001, "/start")
    reply = await emu.wait_for_bot_message(1001)
    await emu.click_button(1001, 1001, reply["message_id"], "Gửi câu hỏi")

What it reproduces of Telegram, because bots break on exactly these things:

* the error shapes (HTTP status, ``description`` wording, ``parameters.retry_after``)
  that python-telegram-bot maps to ``BadRequest``/``Forbidden``/``RetryAfter``;
* HTML parsing into ``entities`` with UTF-16 offsets, whitespace trimming, the 4096 /
  1024 limits counted after parsing, ``callback_data`` up to 64 bytes;
* "message is not modified" on identical edits, and ``editMessageText`` without
  ``reply_markup`` removing the inline keyboard;
* forum topics: ``message_thread_id`` plus ``is_topic_message``, and a topic message
  that replies to nothing carrying the topic's creation message as
  ``reply_to_message`` (Telegram does that); reply chains in ordinary supergroups
  carrying the root message id as ``message_thread_id`` without ``is_topic_message``;
* group privacy mode: when the bot is a plain member (not an administrator) it only
  receives commands, replies to its messages and messages that mention it;
* 403s for blocked/deactivated users and for users who never opened the private chat;
* optional flood limits (``rate_limits=True``): 30 messages/s overall, about 1/s per
  private chat (burst of 3), 20/min per group.

Each stored message is a Telegram ``Message`` dict plus two emulator-only keys, removed
from everything sent to the bot: ``"html"`` (the text or caption exactly as the bot
sent it when ``parse_mode`` was HTML, otherwise the plain text/caption) and
``"buttons"`` (the inline keyboard as a flat list of ``{"text", "callback_data",
"url"}``). Message ids are per chat and start at 1 (at 2 in forums: 1 is the General
topic, as in Telegram).

There is no module-level mutable state: every emulator is independent. An emulator is
meant to live in a single event loop.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import math
import mimetypes
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import BodyPartReader, web

from bot.web import serve

from .html_entities import EntityParseError, parse_html, strip_text, utf16_len

__all__ = ["BotApiEmulator", "BotApiError", "UploadedFile"]

JSONDict = dict[str, Any]
_T = TypeVar("_T")

_LOGGER = logging.getLogger(__name__)

#: Telegram's limits, counted in UTF-16 code units after entity parsing.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024

#: In forums the General topic is thread 1; its messages carry no message_thread_id.
GENERAL_TOPIC_ID = 1

#: The user Telegram shows as the sender of anonymous group administrators' messages.
GROUP_ANONYMOUS_BOT_ID = 1087968824

#: Flood limits applied when ``rate_limits=True``.
GLOBAL_MESSAGES_PER_SECOND = 30
PRIVATE_MESSAGES_PER_SECOND = 1.0
PRIVATE_BURST = 3
GROUP_MESSAGES_PER_MINUTE = 20

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")

#: Update types Telegram knows; those not in ``allowed_updates`` are never delivered.
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
#: What a bot gets when it never set ``allowed_updates`` (or set an empty list).
DEFAULT_UPDATE_TYPES = frozenset(UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

#: Parameters decoded from form fields (where python-telegram-bot sends every value as
#: a string and non-scalar values as JSON text).
_INT_PARAMS = frozenset(
    {
        "offset",
        "limit",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "from_chat_id",
        "cache_time",
        "duration",
        "width",
        "height",
        "icon_color",
        "until_date",
    }
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "show_alert",
        "drop_pending_updates",
        "show_caption_above_media",
        "has_spoiler",
        "disable_content_type_detection",
        "allow_paid_broadcast",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "media",
        "menu_button",
    }
)
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id"})

#: Message keys that hold the content copied by copyMessage/forwardMessage.
_CONTENT_KEYS = (
    "text",
    "entities",
    "link_preview_options",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "animation",
    "sticker",
    "contact",
    "location",
)
_MEDIA_KEYS = ("photo", "document", "voice", "audio", "video", "animation")
_EMULATOR_KEYS = ("html", "buttons")
_SERVICE_KEYS = ("forum_topic_created",)
_NOT_A_BUTTON = "can't parse inline keyboard button: InlineKeyboardButton must be an Object"

_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)

_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?![\w@])")
_URL_RE = re.compile(r"(?<![\w/])https?://[^\s<>\"']+")
_BOT_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")

#: A valid 1x1 PNG, the picture users "send" with :meth:`BotApiEmulator.send_photo`.
_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a2dd5f5e0000000049454e44ae426082"
)
_FAKE_VOICE = b"OggS" + bytes(60)
_FAKE_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)


# ------------------------------------------------------------------------------------------
# Small building blocks
# ------------------------------------------------------------------------------------------
class BotApiError(Exception):
    """An error answer of the Bot API: HTTP ``code`` with Telegram's ``description``."""

    def __init__(
        self, code: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = dict(parameters) if parameters else None

    def payload(self) -> JSONDict:
        """The JSON body Telegram would send."""
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


def _forbidden(description: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> JSONDict:
        """What the request log shows instead of the bytes."""
        return {
            "upload": self.filename,
            "mime_type": self.content_type,
            "size": len(self.data),
        }


@dataclass
class _StoredFile:
    """A file known to the emulated server, addressable by ``file_id``."""

    number: int
    kind: str  # document, photo, voice, sticker
    file_id: str
    file_unique_id: str
    filename: str | None
    mime_type: str | None
    data: bytes | None  # None: sent by URL, contents unknown

    @property
    def file_path(self) -> str:
        suffix = ""
        if self.filename and "." in self.filename:
            suffix = "." + self.filename.rsplit(".", 1)[1]
        elif self.mime_type:
            suffix = mimetypes.guess_extension(self.mime_type) or ""
        return f"{self.kind}s/file_{self.number}{suffix}"


@dataclass
class _Chat:
    """A private chat or supergroup and everything the emulator knows about it."""

    chat: JSONDict
    forum: bool = False
    messages: dict[int, JSONDict] = field(default_factory=dict)
    next_message_id: int = 1
    members: dict[int, str] = field(default_factory=dict)
    topics: dict[int, JSONDict] = field(default_factory=dict)
    started: bool = False  # private: the user has written to the bot
    blocked: bool = False  # private: the user has blocked the bot
    reply_keyboard: JSONDict | None = None
    chat_action: str | None = None
    migrated_to: int | None = None  # a basic group Telegram upgraded to this supergroup
    bot_can_send: bool = True  # group: False when the bot (or every member) may not post

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        return bool(self.chat["type"] == "private")


@dataclass
class _CallbackQuery:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: JSONDict | None = None


class _Signal:
    """Wakes every waiter on each change; waiters re-check their own condition.

    The event is created lazily inside the running loop, so the emulator can be built
    outside of one.
    """

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def arm(self) -> asyncio.Event:
        """The event the next :meth:`fire` sets; take it *before* checking a condition."""
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None


class _RateLimiter:
    """Telegram's flood limits: global per second, per private chat, per group."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._global: deque[float] = deque()
        self._private: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._groups: dict[int, deque[float]] = {}

    def acquire(self, chat_id: int, private: bool) -> int | None:
        """Record a message to ``chat_id``; or return the ``retry_after`` seconds."""
        now = self._clock()
        waits: list[float] = []
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        if len(self._global) >= GLOBAL_MESSAGES_PER_SECOND:
            waits.append(self._global[0] + 1.0 - now)
        tokens = 0.0
        window: deque[float] | None = None
        if private:
            tokens, at = self._private.get(chat_id, (float(PRIVATE_BURST), now))
            tokens = min(float(PRIVATE_BURST), tokens + (now - at) * PRIVATE_MESSAGES_PER_SECOND)
            self._private[chat_id] = (tokens, now)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / PRIVATE_MESSAGES_PER_SECOND)
        else:
            window = self._groups.setdefault(chat_id, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= GROUP_MESSAGES_PER_MINUTE:
                waits.append(window[0] + 60.0 - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        self._global.append(now)
        if private:
            self._private[chat_id] = (tokens - 1.0, now)
        elif window is not None:
            window.append(now)
        return None


class _Params:
    """Typed access to one request's parameters, with Telegram's complaints."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise _bad(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, UploadedFile):
            raise _bad(f"{name} must be a string")
        return value if isinstance(value, str) else str(value)

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {name.replace('_', ' ')} JSON object") from None
        return value

    def get_chat_id(self, name: str = "chat_id") -> int | str:
        value = self.values.get(name)
        if value is None or value == "":
            raise _bad(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            return text

    def require_int(self, name: str, description: str | None = None) -> int:
        value = self.get_int(name)
        if value is None:
            raise _bad(description or f"{name} is empty")
        return value


def _decode_form_value(name: str, value: str) -> Any:
    """Turn a form field back into the value python-telegram-bot had before encoding."""
    if name in _CHAT_ID_PARAMS or name in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            return value
    if name in _FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            return value
    if name in _BOOL_PARAMS:
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _image_size(data: bytes | None) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        if width and height:
            return int(width), int(height)
    if data and data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                index += 2
                continue
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                if width and height:
                    return int(width), int(height)
                break
            index += 2 + length
    return 800, 600


def _dumps(value: Any) -> str:
    """JSON as Telegram sends it: UTF-8, except lone UTF-16 surrogates (which UTF-8 cannot
    carry) as ``\\ud800`` escapes."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def _strip_emulator_keys(message: JSONDict) -> JSONDict:
    """A deep copy of ``message`` as Telegram would send it (no emulator-only keys)."""
    public = {key: copy.deepcopy(value) for key, value in message.items()}
    for key in _EMULATOR_KEYS:
        public.pop(key, None)
    return public


def _snapshot_for_reply(message: JSONDict) -> JSONDict:
    """``message`` as nested in ``reply_to_message``: public and without its own reply."""
    snapshot = _strip_emulator_keys(message)
    snapshot.pop("reply_to_message", None)
    return snapshot


def _flat_buttons(markup: JSONDict | None) -> list[JSONDict]:
    if not markup:
        return []
    return [
        {
            "text": button.get("text"),
            "callback_data": button.get("callback_data"),
            "url": button.get("url"),
        }
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def _update_type(update: Mapping[str, Any]) -> str | None:
    for key in update:
        if key != "update_id":
            return str(key)
    return None


def _detect_entities(text: str) -> list[JSONDict]:
    """The entities Telegram finds in a user's plain text: commands, mentions, URLs."""
    found: list[JSONDict] = []
    for regex, kind in ((_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention"), (_URL_RE, "url")):
        for match in regex.finditer(text):
            found.append(
                {
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                    "type": kind,
                }
            )
    found.sort(key=lambda entity: entity["offset"])
    return found


def _entity_text(text: str, entity: Mapping[str, Any]) -> str:
    encoded = text.encode("utf-16-le")
    start = int(entity["offset"]) * 2
    end = start + int(entity["length"]) * 2
    return encoded[start:end].decode("utf-16-le", errors="replace")


# ------------------------------------------------------------------------------------------
# The emulator
# ------------------------------------------------------------------------------------------
class BotApiEmulator:
    """A local, scriptable Telegram Bot API server (see the module docstring).

    Args:
        token: the bot token the emulated server accepts; anything else gets 401.
        bot_id: the bot's user id (``getMe``).
        bot_username: the bot's username, without ``@``.
        rate_limits: answer 429 with ``retry_after`` when the bot sends faster than
            Telegram allows.
    """

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "doithoai_bot",
        rate_limits: bool = False,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = "Đối thoại"
        self.rate_limits = rate_limits
        self.too_many_requests = 0  # 429s answered, for benchmarks

        self._users: dict[int, JSONDict] = {}
        self._deactivated: set[int] = set()
        self._chats: dict[int, _Chat] = {}
        self._callbacks: dict[str, _CallbackQuery] = {}
        self._callback_ids = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}
        self._file_numbers = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._descriptions: dict[str, str] = {}

        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._closing = False

        self._changed = _Signal()
        self._subscribers: list[asyncio.Queue[JSONDict]] = []
        self._requests: deque[tuple[str, JSONDict]] = deque(maxlen=20_000)
        self._limiter = _RateLimiter(time.monotonic)

        self._runner: web.AppRunner | None = None
        self._url_root: str | None = None
        self._holds: dict[str, asyncio.Event] = {}

        handlers: dict[str, Callable[[_Params], Awaitable[Any]]] = {
            "getMe": self._api_get_me,
            "getUpdates": self._api_get_updates,
            "deleteWebhook": self._api_delete_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
            "setMyDescription": partial(self._api_set_description, "description"),
            "setMyShortDescription": partial(self._api_set_description, "short_description"),
            "setMyName": partial(self._api_set_description, "name"),
            "setChatMenuButton": self._api_true,
            "sendMessage": self._api_send_message,
            "editMessageText": self._api_edit_message_text,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "editMessageCaption": self._api_edit_message_caption,
            "answerCallbackQuery": self._api_answer_callback_query,
            "getChatMember": self._api_get_chat_member,
            "getChat": self._api_get_chat,
            "sendDocument": partial(self._api_send_media, "document"),
            "sendPhoto": partial(self._api_send_media, "photo"),
            "sendVoice": partial(self._api_send_media, "voice"),
            "sendSticker": partial(self._api_send_media, "sticker"),
            "copyMessage": self._api_copy_message,
            "forwardMessage": self._api_forward_message,
            "deleteMessage": self._api_delete_message,
            "sendChatAction": self._api_send_chat_action,
            "createForumTopic": self._api_create_forum_topic,
            "getFile": self._api_get_file,
            "close": self._api_true,
            "logOut": self._api_true,
        }
        # Telegram's method names are case-insensitive.
        self._methods = {name.lower(): handler for name, handler in handlers.items()}

    # ======================================================================================
    # Server
    # ======================================================================================
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve the Bot API on ``host:port`` (port 0 picks a free port)."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        app = web.Application(client_max_size=MAX_DOCUMENT_BYTES + 1024 * 1024)
        self.add_routes(app)
        self._runner, self._url_root = await serve(app, host, port, shutdown_timeout=1.0,
                                                   handler_cancellation=True)
        self._closing = False

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with no updates first."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._changed.fire()
        try:
            await runner.cleanup()
        finally:
            self._closing = False

    @property
    def base_url(self) -> str:
        """The ``base_url`` for ``ApplicationBuilder`` (python-telegram-bot appends the token)."""
        if self._url_root is None:
            raise RuntimeError("the emulator is not serving: call start() or set_url_root()")
        return f"{self._url_root}/bot"

    @property
    def base_file_url(self) -> str:
        """The ``base_file_url`` for ``ApplicationBuilder``, for ``File.download_*``."""
        if self._url_root is None:
            raise RuntimeError("the emulator is not serving: call start() or set_url_root()")
        return f"{self._url_root}/file/bot"

    def set_url_root(self, url_root: str) -> None:
        """Tell the emulator where it is reachable when mounted with :meth:`add_routes`.

        ``url_root`` is scheme, host and port (and a path prefix, if any), e.g.
        ``"http://127.0.0.1:8080"``; :attr:`base_url` becomes ``url_root + "/bot"``.
        """
        self._url_root = url_root.rstrip("/")

    def add_routes(self, app: web.Application) -> None:
        """Mount ``/bot{token}/{method}`` and ``/file/bot{token}/{path}`` onto ``app``.

        Uploads are read as a stream, so ``app``'s ``client_max_size`` only limits
        url-encoded and JSON bodies.
        """
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)

    @staticmethod
    def _json_response(body: JSONDict, status: int = 200) -> web.Response:
        return web.json_response(body, status=status, dumps=_dumps)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        try:
            values = await self._read_params(request)
        except BotApiError as error:
            return self._json_response(error.payload(), error.code)
        except (ValueError, aiohttp.ClientPayloadError, web.HTTPException) as error:
            return self._json_response(
                _bad(f"can't parse the request: {type(error).__name__}").payload(), 400
            )
        self._requests.append(
            (
                method,
                {
                    key: value.describe()
                    if isinstance(value, UploadedFile)
                    else copy.deepcopy(value)
                    for key, value in values.items()
                },
            )
        )
        handler = self._methods.get(method.lower())
        gate = self._holds.get(method.lower())
        if gate is not None:
            await gate.wait()
        if handler is None:
            _LOGGER.warning("Bot API emulator: method %r is not emulated (404)", method)
            return self._json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, 404
            )
        try:
            result = await handler(_Params(values))
        except BotApiError as error:
            return self._json_response(error.payload(), error.code)
        except Exception as error:  # a bug in the emulator: say so, like a 500 would
            _LOGGER.exception("Bot API emulator: %s failed", method)
            return self._json_response(
                {
                    "ok": False,
                    "error_code": 500,
                    "description": f"Internal Server Error: {type(error).__name__}: {error}",
                },
                500,
            )
        return self._json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: _decode_form_value(key, value) for key, value in request.query.items()
        }
        if not request.body_exists:
            return values
        content_type = request.content_type
        if content_type == "multipart/form-data":
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader) or not part.name:
                    continue
                if part.filename is not None:
                    data = await part.read(decode=True)
                    values[part.name] = UploadedFile(
                        field_name=part.name,
                        filename=part.filename,
                        content_type=part.headers.get("Content-Type"),
                        data=bytes(data),
                    )
                else:
                    values[part.name] = _decode_form_value(part.name, await part.text())
        elif content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    values[key] = _decode_form_value(key, value)
        else:
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise _bad("can't parse JSON request body") from None
                if not isinstance(body, dict):
                    raise _bad("request body must be a JSON object")
                values.update(body)
        return values

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        path = request.match_info["file_path"]
        for stored in self._files.values():
            if stored.file_path == path and stored.data is not None:
                return web.Response(
                    body=stored.data,
                    content_type=stored.mime_type or "application/octet-stream",
                )
        return self._json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, 404
        )

    # ======================================================================================
    # World set-up
    # ======================================================================================
    @property
    def bot_user(self) -> JSONDict:
        """The bot as a Telegram ``User`` dict."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> dict:
        """Create a user (and their, not yet opened, private chat with the bot).

        Returns the Telegram ``User`` dict. Re-adding a user updates their name.
        """
        if user_id <= 0:
            raise ValueError(f"user ids are positive, got {user_id}")
        if user_id == self.bot_id:
            raise ValueError(f"{user_id} is the bot's own id")
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            chat["last_name"] = last_name
        if username is not None:
            chat["username"] = username
        existing = self._chats.get(user_id)
        if existing is None:
            self._chats[user_id] = _Chat(chat=chat)
        else:
            existing.chat = chat
        return copy.deepcopy(user)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        forum: bool = False,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
    ) -> dict:
        """Create a supergroup; the bot joins it as an administrator.

        ``chat_id`` must be negative. ``members`` and ``admins`` not yet created with
        :meth:`add_user` are created as "User <id>". With ``forum=True`` the group is a
        forum with its General topic (thread 1). Returns the Telegram ``Chat`` dict.
        """
        if chat_id >= 0:
            raise ValueError(f"group chat ids are negative (e.g. -1001234567890), got {chat_id}")
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} already exists")
        chat: JSONDict = {"id": chat_id, "type": "supergroup", "title": title}
        if forum:
            chat["is_forum"] = True
        state = _Chat(chat=chat, forum=forum)
        if forum:
            state.topics[GENERAL_TOPIC_ID] = {
                "message_thread_id": GENERAL_TOPIC_ID,
                "name": "General",
                "icon_color": 7322096,
            }
            state.next_message_id = GENERAL_TOPIC_ID + 1
        for user_id in members:
            self._ensure_user(user_id)
            state.members[user_id] = "member"
        for user_id in admins:
            self._ensure_user(user_id)
            state.members[user_id] = "administrator"
        state.members[self.bot_id] = "administrator"
        self._chats[chat_id] = state
        return copy.deepcopy(chat)

    def set_member_status(self, chat_id: int, user_id: int, status: str, *,
                          announce: bool = True) -> None:
        """Set a user's (or the bot's) status in a group.

        Queues a ``my_chat_member`` update when it is the bot, a ``chat_member`` update
        (delivered only if the bot asked for it in ``allowed_updates``) otherwise. A user
        not yet created with :meth:`add_user` is created as "User <id>". With
        ``announce=False`` no update is queued: the bot missed it (it was not asked for,
        or Telegram dropped it after 24 hours).
        """
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, got {status!r}")
        chat = self._group(chat_id)
        if user_id != self.bot_id:
            self._ensure_user(user_id)
        member = self.bot_user if user_id == self.bot_id else self._user(user_id)
        old_status = self._member_status(chat, user_id)
        chat.members[user_id] = status
        if old_status == status or not announce:
            return
        actor = member if user_id != self.bot_id else self._some_admin(chat)
        key = "my_chat_member" if user_id == self.bot_id else "chat_member"
        self._queue_update(
            key,
            {
                "chat": copy.deepcopy(chat.chat),
                "from": copy.deepcopy(actor),
                "date": self._now(),
                "old_chat_member": self._chat_member(chat, user_id, old_status),
                "new_chat_member": self._chat_member(chat, user_id, status),
            },
        )

    def users(self) -> list[dict]:
        """Every user added so far (Telegram User dicts)."""
        return [copy.deepcopy(user) for user in self._users.values()]

    def open_chat(self, user_id: int) -> None:
        """As if the user had pressed Start: the bot may now write to them first."""
        self._chats[user_id].started = True

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to them then fail with 403.

        Queues the ``my_chat_member`` update Telegram sends.
        """
        self._user(user_id)
        chat = self._chats[user_id]
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        self._queue_my_chat_member_private(chat, blocked)

    def deactivate_user(self, user_id: int, deactivated: bool = True) -> None:
        """The user deletes their account: sends to them fail with "user is deactivated"."""
        self._user(user_id)
        if deactivated:
            self._deactivated.add(user_id)
        else:
            self._deactivated.discard(user_id)

    def create_forum_topic(
        self,
        chat_id: int,
        name: str,
        *,
        icon_color: int = 7322096,
        creator_id: int | None = None,
    ) -> int:
        """Create a topic in a forum group; returns its ``message_thread_id``.

        The thread id is the id of the ``forum_topic_created`` service message. With
        ``creator_id`` a user creates it (and the bot gets that service message as an
        update); by default the bot does, as with ``createForumTopic``.
        """
        chat = self._group(chat_id)
        if not chat.forum:
            raise ValueError(f"chat {chat_id} is not a forum")
        creator = self.bot_user if creator_id is None else self._user(creator_id)
        return self._create_topic(chat, name, icon_color, creator)

    def add_basic_group(
        self, chat_id: int, title: str, *, members: Iterable[int] = (), admins: Iterable[int] = ()
    ) -> dict:
        """Create a basic group (type "group"), as every Telegram group starts; the bot is a member.

        Telegram upgrades it to a supergroup by itself later (:meth:`upgrade_group`).
        """
        chat = self.add_group(chat_id, title, members=members, admins=admins)
        state = self._chats[chat_id]
        state.chat["type"] = "group"
        state.members[self.bot_id] = "member"
        chat["type"] = "group"
        return chat

    def upgrade_group(
        self, chat_id: int, new_chat_id: int, *, by: int | None = None, forum: bool = False,
        announce: bool = True,
    ) -> dict:
        """Telegram upgrades a basic group to a supergroup with a new id (history made visible,
        topics turned on, size). Returns the new supergroup's ``Chat`` dict.

        From then on every method on the old id answers 400 "Bad Request: group chat was
        upgraded to a supergroup chat" with ``parameters.migrate_to_chat_id`` (Bot API,
        ResponseParameters). Two service messages are queued, as Telegram sends them: in
        the old group ``migrate_to_chat_id`` from the member who upgraded it, and in the new
        supergroup, as its message 1, ``migrate_from_chat_id`` from GroupAnonymousBot with
        ``sender_chat`` = the supergroup (the shape of a real update, update_id 384056837,
        recorded in a public grammY bot's source).
        Members, administrators and the bot keep their status. With ``announce=False`` the
        service messages are not delivered (the bot missed them).
        """
        old = self._group(chat_id)
        if new_chat_id in self._chats:
            raise ValueError(f"chat {new_chat_id} already exists")
        members = [uid for uid, status in old.members.items() if status == "member" and uid != self.bot_id]
        admins = [uid for uid, status in old.members.items()
                  if status in ("administrator", "creator") and uid != self.bot_id]
        new_chat = self.add_group(new_chat_id, old.chat["title"], forum=forum, members=members,
                                  admins=admins)
        new = self._chats[new_chat_id]
        new.members[self.bot_id] = old.members.get(self.bot_id, "member")
        upgrader = self._user(by) if by is not None else self._some_admin(old)
        notice = self._store_message(old, upgrader, {"migrate_to_chat_id": new_chat_id},
                                     thread_id=None, reply_to=None, html=None, markup=None)
        if announce:
            self._queue_update("message", _strip_emulator_keys(notice))
        old.migrated_to = new_chat_id
        anonymous = {"id": GROUP_ANONYMOUS_BOT_ID, "is_bot": True, "first_name": "Group",
                     "username": "GroupAnonymousBot"}
        welcome = self._store_message(new, anonymous, {"migrate_from_chat_id": chat_id,
                                                       "sender_chat": copy.deepcopy(new.chat)},
                                      thread_id=None, reply_to=None, html=None, markup=None)
        if announce:
            self._queue_update("message", _strip_emulator_keys(welcome))
        self._changed.fire()
        return new_chat

    def hold(self, method: str) -> asyncio.Event:
        """Make Telegram slow: requests to ``method`` wait until the returned event is set."""
        gate = self._holds.setdefault(method.lower(), asyncio.Event())
        gate.clear()
        return gate

    def restrict_bot(self, chat_id: int, can_send: bool = False) -> None:
        """Take away (or give back) the bot's right to post in a group: sends then answer
        400 "Bad Request: not enough rights to send text messages to the chat"."""
        self._group(chat_id).bot_can_send = can_send

    def delete_forum_topic(self, chat_id: int, thread_id: int) -> None:
        """An admin deletes a forum topic and its messages: sends to it then answer
        400 "Bad Request: message thread not found"."""
        chat = self._group(chat_id)
        if thread_id == GENERAL_TOPIC_ID or thread_id not in chat.topics:
            raise ValueError(f"no topic {thread_id} to delete in chat {chat_id}")
        del chat.topics[thread_id]
        for message_id in [mid for mid, message in chat.messages.items()
                           if message.get("message_thread_id") == thread_id]:
            del chat.messages[message_id]
        self._changed.fire()

    # ======================================================================================
    # Acting as users
    # ======================================================================================
    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict:
        """The user sends ``text``; returns the message (also queued as an update).

        ``chat_id=None`` is the private chat with the bot. Commands (``/start``,
        ``/ask@doithoai_bot``), ``@mentions`` and URLs get their entities. In a forum,
        ``thread_id`` is a topic (1 or None: General); replying to a topic message
        without ``thread_id`` stays in that topic. In groups, membership is not enforced
        (a "left" or never-added user may write, so that the bot's own checks can be
        tested); only a "kicked" user cannot.
        """
        if not text:
            raise ValueError("a message text cannot be empty")
        content: JSONDict = {"text": text}
        entities = _detect_entities(text)
        if entities:
            content["entities"] = entities
        return await self._user_sends(user_id, chat_id, content, reply_to, thread_id, html=text)

    async def send_sticker(self, user_id: int, *, chat_id: int | None = None) -> dict:
        """The user sends a sticker."""
        stored = self._store_file("sticker", "sticker.webp", "image/webp", _FAKE_STICKER)
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "file_size": len(_FAKE_STICKER),
        }
        return await self._user_sends(user_id, chat_id, {"sticker": sticker}, None, None)

    async def send_voice(self, user_id: int, *, chat_id: int | None = None) -> dict:
        """The user sends a (3-second) voice message."""
        stored = self._store_file("voice", "voice.ogg", "audio/ogg", _FAKE_VOICE)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": len(_FAKE_VOICE),
        }
        return await self._user_sends(user_id, chat_id, {"voice": voice}, None, None)

    async def send_photo(
        self, user_id: int, *, caption: str | None = None, chat_id: int | None = None
    ) -> dict:
        """The user sends a photo, optionally with a caption."""
        content: JSONDict = {"photo": self._photo_sizes(None, "photo.png", "image/png", _TINY_PNG)}
        if caption:
            content["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return await self._user_sends(user_id, chat_id, content, None, None, html=caption)

    async def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict:
        """The user sends a file."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._store_file("document", filename, mime, data)
        content: JSONDict = {"document": self._document_dict(stored)}
        if caption:
            content["caption"] = caption
        return await self._user_sends(user_id, chat_id, content, None, None, html=caption)

    # -- What officials' groups really carry: posts as the group, media replies, quotes ----------
    # Shapes from the Bot API documentation and python-telegram-bot (telegram.Message,
    # telegram.constants.ChatID.ANONYMOUS_ADMIN, telegram.ExternalReplyInfo, telegram.TextQuote).

    def media_content(
        self,
        kind: str,
        *,
        caption: str | None = None,
        filename: str = "giay-to.pdf",
        data: bytes = b"%PDF-1.4\n% emulated\n",
    ) -> JSONDict:
        """A photo, document or voice message's content (for :meth:`send_content`)."""
        content: JSONDict
        if kind == "photo":
            content = {"photo": self._photo_sizes(None, "photo.png", "image/png", _TINY_PNG)}
        elif kind == "document":
            mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            content = {"document": self._document_dict(self._store_file("document", filename, mime,
                                                                        data))}
        elif kind == "voice":
            stored = self._store_file("voice", "voice.ogg", "audio/ogg", _FAKE_VOICE)
            content = {"voice": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                 "duration": 3, "mime_type": "audio/ogg",
                                 "file_size": len(_FAKE_VOICE)}}
        else:
            raise ValueError(f"no media kind {kind!r} (photo, document, voice)")
        if caption:
            content["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return content

    async def send_content(
        self,
        user_id: int,
        content: JSONDict,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        as_group: bool = False,
        signature: str | None = None,
    ) -> dict:
        """The user sends ``content`` (text, or :meth:`media_content`), optionally as a reply.

        ``as_group=True``: an administrator posting anonymously, as Telegram delivers it:
        ``from`` is GroupAnonymousBot (id 1087968824, ``is_bot``), ``sender_chat`` the
        group itself and ``author_signature`` the administrator's custom title, if any.
        """
        content = copy.deepcopy(content)
        if "text" in content and "entities" not in content:
            entities = _detect_entities(content["text"])
            if entities:
                content["entities"] = entities
        sender = None
        if as_group:
            if chat_id is None:
                raise ValueError("only a group's administrator can post as the group")
            content["sender_chat"] = _strip_emulator_keys(self._group(chat_id).chat)
            if signature:
                content["author_signature"] = signature
            sender = {"id": GROUP_ANONYMOUS_BOT_ID, "is_bot": True, "first_name": "Group",
                      "username": "GroupAnonymousBot"}
            user_id = GROUP_ANONYMOUS_BOT_ID
        return await self._user_sends(user_id, chat_id, content, reply_to, thread_id,
                                      html=content.get("text", content.get("caption")), sender=sender)

    def external_reply(self, chat_id: int, message_id: int, *, quote: str | None = None) -> JSONDict:
        """What a reply to a message of another chat or forum topic carries about it:
        ``external_reply`` (ExternalReplyInfo: ``origin``, ``chat`` and ``message_id`` for a
        supergroup, the media but never the text) and, for a quoted part, ``quote``
        (TextQuote: ``text``, ``position`` in UTF-16 units, ``is_manual``). Merge it into a
        :meth:`send_content` content."""
        chat = self._chat(chat_id)
        quoted = self._message_in(chat, message_id)
        if "sender_chat" in quoted:
            origin: JSONDict = {"type": "chat", "sender_chat": copy.deepcopy(quoted["sender_chat"])}
            if "author_signature" in quoted:
                origin["author_signature"] = quoted["author_signature"]
        else:
            origin = {"type": "user", "sender_user": copy.deepcopy(quoted.get("from", {}))}
        origin["date"] = quoted["date"]
        info: JSONDict = {"origin": origin}
        if not chat.is_private:
            info["chat"] = copy.deepcopy(chat.chat)
            info["message_id"] = message_id
        for key in _MEDIA_KEYS:
            if key in quoted:
                info[key] = copy.deepcopy(quoted[key])
        result: JSONDict = {"external_reply": info}
        if quote is not None:
            body = quoted.get("text") or quoted.get("caption") or ""
            at = body.find(quote)
            if not quote or at < 0:
                raise ValueError("the quote must be a part of the quoted message")
            result["quote"] = {"text": quote, "position": utf16_len(body[:at]), "is_manual": True}
        return result

    async def edit_caption(self, user_id: int, chat_id: int, message_id: int, caption: str) -> dict:
        """The user (GROUP_ANONYMOUS_BOT_ID: an anonymous administrator) edits a media
        message's caption; queues an ``edited_message`` update."""
        chat = self._chat(chat_id)
        message = self._message_in(chat, message_id)
        if message.get("from", {}).get("id") != user_id:
            raise ValueError(f"message {message_id} in chat {chat_id} is not from user {user_id}")
        if not any(key in message for key in _MEDIA_KEYS):
            raise ValueError(f"message {message_id} in chat {chat_id} has no caption to edit")
        return await self._user_edits(chat, message, "caption", caption)

    async def edit_text(self, user_id: int, chat_id: int, message_id: int, text: str) -> dict:
        """The user edits one of their text messages; queues an ``edited_message`` update."""
        chat = self._chat(chat_id)
        message = self._message_in(chat, message_id)
        if message.get("from", {}).get("id") != user_id:
            raise ValueError(f"message {message_id} in chat {chat_id} is not from user {user_id}")
        if "text" not in message:
            raise ValueError(f"message {message_id} in chat {chat_id} has no text to edit")
        if not text:
            raise ValueError("a message text cannot be empty")
        return await self._user_edits(chat, message, "text", text)

    async def _user_edits(self, chat: _Chat, message: JSONDict, field: str, value: str) -> dict:
        """Change a user's message text or caption; queues an ``edited_message`` update."""
        message[field] = value
        entities_key = "entities" if field == "text" else "caption_entities"
        entities = _detect_entities(value)
        if entities:
            message[entities_key] = entities
        else:
            message.pop(entities_key, None)
        message["html"] = value
        message["edit_date"] = self._now()
        self._publish("edit", chat.id, message)
        if self._bot_sees(chat, message):
            self._queue_update("edited_message", _strip_emulator_keys(message))
        self._changed.fire()
        await asyncio.sleep(0)
        return copy.deepcopy(message)

    async def click(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """The user presses a callback button carrying ``data`` on a bot message.

        ``data`` need not be one of the message's buttons (tests may forge it).
        Returns the callback query id.
        """
        user = self._user(user_id)
        chat = self._chat(chat_id)
        message = self._message_in(chat, message_id)
        if message.get("from", {}).get("id") != self.bot_id:
            raise ValueError(f"message {message_id} in chat {chat_id} is not from the bot")
        query_id = str(4_000_000_000_000_000 + next(self._callback_ids))
        self._callbacks[query_id] = _CallbackQuery(
            query_id=query_id, user_id=user_id, chat_id=chat.id, message_id=message_id, data=data
        )
        self._queue_update(
            "callback_query",
            {
                "id": query_id,
                "from": copy.deepcopy(user),
                "message": _strip_emulator_keys(message),
                "chat_instance": str(abs(chat.id) * 1000003 + self.bot_id),
                "data": data,
            },
        )
        self._changed.fire()
        await asyncio.sleep(0)
        return query_id

    async def click_button(
        self, user_id: int, chat_id: int, message_id: int, label_contains: str
    ) -> str:
        """Press the inline callback button whose text contains ``label_contains``.

        Raises:
            LookupError: no such button (the message's buttons are listed).
        """
        message = self._message_in(self._chat(chat_id), message_id)
        buttons = message.get("buttons", [])
        for button in buttons:
            if label_contains in (button.get("text") or "") and button.get("callback_data"):
                return await self.click(user_id, chat_id, message_id, button["callback_data"])
        listing = ", ".join(
            f"{b.get('text')!r} -> {b.get('callback_data') or b.get('url')!r}" for b in buttons
        )
        raise LookupError(
            f"no callback button containing {label_contains!r} on message {message_id} in "
            f"chat {chat_id}; its buttons: [{listing}]"
        )

    def push_update(self, update: dict) -> int:
        """Queue a raw update as is (``update_id`` assigned if missing); returns its id."""
        raw = copy.deepcopy(update)
        update_id = raw.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            raw = {"update_id": update_id, **{k: v for k, v in raw.items() if k != "update_id"}}
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(raw)
        self._updates.sort(key=lambda item: int(item["update_id"]))
        self._changed.fire()
        return int(update_id)

    # ======================================================================================
    # Reading
    # ======================================================================================
    def messages(self, chat_id: int) -> list[dict]:
        """Every message of the chat, in order, as it is now (edits applied, deletes gone)."""
        return [copy.deepcopy(message) for message in self._chat(chat_id).messages.values()]

    def bot_messages(self, chat_id: int, *, thread_id: int | None = None) -> list[dict]:
        """The bot's messages in the chat; ``thread_id`` keeps one forum topic (1 = General).

        Service messages (a topic's ``forum_topic_created``) are left out; see :meth:`messages`.
        """
        chat = self._chat(chat_id)
        return [
            copy.deepcopy(message)
            for message in chat.messages.values()
            if self._is_bot_message(message) and self._in_thread(chat, message, thread_id)
        ]

    def message(self, chat_id: int, message_id: int) -> dict:
        """One message as it is now; LookupError if it does not exist (or was deleted)."""
        return copy.deepcopy(self._message_in(self._chat(chat_id), message_id))

    def callback_answer(self, callback_query_id: str) -> dict | None:
        """What the bot passed to answerCallbackQuery, or None while unanswered."""
        query = self._callbacks.get(callback_query_id)
        if query is None:
            raise LookupError(f"unknown callback query id {callback_query_id!r}")
        return copy.deepcopy(query.answer)

    def file_bytes(self, chat_id: int, message_id: int) -> bytes:
        """The bytes of the file (document, photo, voice, sticker) attached to a message.

        A file the bot sent by URL has no known contents: ``b""``.
        """
        message = self._message_in(self._chat(chat_id), message_id)
        file_id: str | None = None
        if message.get("photo"):
            file_id = message["photo"][-1]["file_id"]
        for key in ("document", "voice", "sticker", "audio", "video", "animation"):
            if key in message:
                file_id = message[key]["file_id"]
        if file_id is None:
            raise LookupError(f"message {message_id} in chat {chat_id} has no file")
        stored = self._files[file_id]
        return stored.data or b""

    def reply_keyboard(self, chat_id: int) -> dict | None:
        """The reply keyboard the bot last set in the chat (ReplyKeyboardMarkup), if any."""
        return copy.deepcopy(self._chat(chat_id).reply_keyboard)

    def chat_action(self, chat_id: int) -> str | None:
        """The last action sent with sendChatAction to this chat."""
        return self._chat(chat_id).chat_action

    def bot_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set with setMyCommands for ``scope`` (default scope if None)."""
        return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def pending_updates(self) -> list[dict]:
        """Updates queued and not yet confirmed by the bot (getUpdates offset)."""
        return copy.deepcopy(self._updates)

    @property
    def requests(self) -> list[tuple[str, dict]]:
        """Every Bot API call received: (method as called, decoded parameters)."""
        return list(self._requests)

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: Callable[[dict], bool] | None = None,
        *,
        after: int = 0,
        timeout: float = 5.0,
        thread_id: int | None = None,
    ) -> dict:
        """The first bot message in the chat with ``message_id > after`` matching ``predicate``.

        Waits until one exists (re-checking on every change).

        Raises:
            TimeoutError: none within ``timeout`` seconds; lists the chat's recent bot
                messages.
        """
        chat = self._chat(chat_id)

        def find() -> JSONDict | None:
            for message in chat.messages.values():
                if (
                    message["message_id"] > after
                    and self._is_bot_message(message)
                    and self._in_thread(chat, message, thread_id)
                    and (predicate is None or predicate(copy.deepcopy(message)))
                ):
                    return copy.deepcopy(message)
            return None

        found = await self._wait_until(find, timeout)
        if found is None:
            where = f" thread {thread_id}" if thread_id is not None else ""
            raise TimeoutError(
                f"no bot message in chat {chat_id}{where} with message_id > {after}"
                f"{' matching the predicate' if predicate else ''} within {timeout}s; "
                f"recent bot messages:\n{self._dump_bot_messages(chat)}"
            )
        return found

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        predicate: Callable[[dict], bool],
        *,
        timeout: float = 5.0,
    ) -> dict:
        """Wait until the message's current state matches ``predicate``; returns it.

        The predicate is checked at once and after every change.

        Raises:
            TimeoutError: the message did not come to match within ``timeout``.
        """
        chat = self._chat(chat_id)

        def find() -> JSONDict | None:
            message = chat.messages.get(message_id)
            if message is not None and predicate(copy.deepcopy(message)):
                return copy.deepcopy(message)
            return None

        found = await self._wait_until(find, timeout)
        if found is None:
            current = chat.messages.get(message_id)
            state = "it was deleted or never existed" if current is None else (
                f"it is now: {self._describe(current)}"
            )
            raise TimeoutError(
                f"message {message_id} in chat {chat_id} did not match the predicate within "
                f"{timeout}s; {state}"
            )
        return found

    async def wait_for_callback_answer(
        self, callback_query_id: str, *, timeout: float = 5.0
    ) -> dict:
        """Wait for the bot's answerCallbackQuery; returns ``{"text", "show_alert", ...}``."""
        if callback_query_id not in self._callbacks:
            raise LookupError(f"unknown callback query id {callback_query_id!r}")
        query = self._callbacks[callback_query_id]

        def find() -> JSONDict | None:
            return copy.deepcopy(query.answer) if query.answer is not None else None

        found = await self._wait_until(find, timeout)
        if found is None:
            raise TimeoutError(
                f"the bot did not answer callback query {callback_query_id} "
                f"(data {query.data!r}) within {timeout}s"
            )
        return found

    def subscribe(self) -> asyncio.Queue:
        """A queue receiving ``{"kind", "chat_id", "message", ...}`` for every change.

        ``kind`` is ``"message"`` (new message, users' or bot's), ``"edit"``,
        ``"delete"`` (``message`` is the deleted one) or ``"callback_answer"`` (with
        ``callback_query_id`` and ``answer``; ``message`` is the message the button was
        on, None if deleted). Call :meth:`unsubscribe` when done: the queue is unbounded.
        """
        queue: asyncio.Queue[JSONDict] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Stop feeding a queue returned by :meth:`subscribe`."""
        if queue in self._subscribers:
            self._subscribers.remove(queue)

    # ======================================================================================
    # Internals: state helpers
    # ======================================================================================
    @staticmethod
    def _now() -> int:
        return int(time.time())

    def _user(self, user_id: int) -> JSONDict:
        user = self._users.get(user_id)
        if user is None:
            raise LookupError(f"unknown user {user_id}: call add_user() first")
        return user

    def _ensure_user(self, user_id: int) -> None:
        if user_id not in self._users:
            self.add_user(user_id, f"User {user_id}")

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {chat_id}: add_user()/add_group() first")
        return chat

    def _group(self, chat_id: int) -> _Chat:
        chat = self._chat(chat_id)
        if chat.is_private:
            raise ValueError(f"chat {chat_id} is a private chat, not a group")
        return chat

    @staticmethod
    def _message_in(chat: _Chat, message_id: int) -> JSONDict:
        message = chat.messages.get(message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {chat.id}")
        return message

    def _is_bot_message(self, message: Mapping[str, Any]) -> bool:
        """Sent by the bot, service messages (``forum_topic_created``) excepted."""
        return bool(
            message.get("from", {}).get("id") == self.bot_id
            and not any(key in message for key in _SERVICE_KEYS)
        )

    @staticmethod
    def _in_thread(chat: _Chat, message: Mapping[str, Any], thread_id: int | None) -> bool:
        if thread_id is None:
            return True
        if chat.forum and thread_id == GENERAL_TOPIC_ID:
            return not message.get("is_topic_message")
        return bool(message.get("message_thread_id") == thread_id)

    def _member_status(self, chat: _Chat, user_id: int) -> str:
        if chat.is_private:
            return "member" if user_id in (chat.id, self.bot_id) else "left"
        return chat.members.get(user_id, "left")

    def _some_admin(self, chat: _Chat) -> JSONDict:
        for user_id, status in chat.members.items():
            if status in ("creator", "administrator") and user_id in self._users:
                return self._users[user_id]
        return self.bot_user

    def _chat_member(self, chat: _Chat, user_id: int, status: str) -> JSONDict:
        user = copy.deepcopy(self.bot_user if user_id == self.bot_id else self._users[user_id])
        member: JSONDict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": True,
                    "can_edit_stories": True,
                    "can_delete_stories": True,
                    "can_pin_messages": True,
                }
            )
            if chat.forum:
                member["can_manage_topics"] = True
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            # ChatMemberRestricted: a member muted in the group (no right to post).
            member.update({"is_member": True, "until_date": 0, "can_edit_tag": False,
                           "can_react_to_messages": False, "can_manage_topics": False})
            member.update({name: False for name in (
                "can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages",
                "can_send_polls", "can_send_other_messages", "can_add_web_page_previews",
                "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
                "can_send_video_notes", "can_send_voice_notes")})
        return member

    def _queue_my_chat_member_private(self, chat: _Chat, blocked: bool) -> None:
        user = self._users[chat.id]
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self._queue_update(
            "my_chat_member",
            {
                "chat": copy.deepcopy(chat.chat),
                "from": copy.deepcopy(user),
                "date": self._now(),
                "old_chat_member": self._chat_member(chat, self.bot_id, old),
                "new_chat_member": self._chat_member(chat, self.bot_id, new),
            },
        )

    def _queue_update(self, kind: str, payload: JSONDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        self._changed.fire()
        return update_id

    def _publish(self, kind: str, chat_id: int, message: JSONDict | None, **extra: Any) -> None:
        if not self._subscribers:
            return
        event: JSONDict = {
            "kind": kind,
            "chat_id": chat_id,
            "message": copy.deepcopy(message),
            **copy.deepcopy(extra),
        }
        for queue in list(self._subscribers):
            queue.put_nowait(copy.deepcopy(event))

    async def _wait_until(self, check: Callable[[], _T | None], timeout: float) -> _T | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed.arm()
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    def _describe(self, message: Mapping[str, Any]) -> str:
        body = message.get("text") or message.get("caption")
        if body is None:
            keys = (*_MEDIA_KEYS, "sticker", *_SERVICE_KEYS)
            kinds = [key for key in keys if key in message]
            body = f"<{', '.join(kinds) or 'no text'}>"
        if len(body) > 120:
            body = body[:117] + "..."
        parts = [f"#{message['message_id']}"]
        if message.get("message_thread_id"):
            parts.append(f"[thread {message['message_thread_id']}]")
        parts.append(repr(body))
        buttons = message.get("buttons") or []
        if buttons:
            parts.append("buttons=" + repr([button["text"] for button in buttons]))
        if message.get("edit_date"):
            parts.append("(edited)")
        return " ".join(parts)

    def _dump_bot_messages(self, chat: _Chat, count: int = 10) -> str:
        recent = [m for m in chat.messages.values() if self._is_bot_message(m)][-count:]
        if not recent:
            return "  (the bot has sent nothing in this chat)"
        return "\n".join("  " + self._describe(message) for message in recent)

    def _bot_sees(self, chat: _Chat, message: Mapping[str, Any]) -> bool:
        """Whether Telegram would deliver this group message to the bot (privacy mode)."""
        if chat.is_private:
            return True
        status = chat.members.get(self.bot_id, "left")
        if status in ("left", "kicked"):
            return False
        if status in ("administrator", "creator"):
            return True
        text = message.get("text") or message.get("caption") or ""
        for entity in message.get("entities") or message.get("caption_entities") or []:
            fragment = _entity_text(text, entity)
            if entity["type"] == "bot_command":
                target = fragment.partition("@")[2]
                if not target or target.lower() == self.bot_username.lower():
                    return True
            if entity["type"] == "mention" and fragment[1:].lower() == self.bot_username.lower():
                return True
        replied = message.get("reply_to_message")
        return bool(
            replied
            and replied.get("from", {}).get("id") == self.bot_id
            and "forum_topic_created" not in replied
        )

    def _store_file(
        self, kind: str, filename: str | None, mime_type: str | None, data: bytes | None
    ) -> _StoredFile:
        number = next(self._file_numbers)
        prefix = {"document": "BQAC", "photo": "AgAC", "voice": "AwAC", "sticker": "CAAC"}.get(
            kind, "BAAC"
        )
        stored = _StoredFile(
            number=number,
            kind=kind,
            file_id=f"{prefix}Emu{number:06d}",
            file_unique_id=f"AQAEmu{number:06d}",
            filename=filename,
            mime_type=mime_type,
            data=data,
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _document_dict(stored: _StoredFile) -> JSONDict:
        document: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        if stored.data is not None:
            document["file_size"] = len(stored.data)
        return document

    def _photo_sizes(
        self,
        existing: _StoredFile | None,
        filename: str | None,
        mime_type: str | None,
        data: bytes | None,
    ) -> list[JSONDict]:
        """PhotoSize list (a thumbnail and the full size), as Telegram returns it."""
        full = existing or self._store_file("photo", filename, mime_type, data)
        width, height = _image_size(full.data)
        scale = min(1.0, 90 / max(width, height, 1))
        thumb = self._store_file("photo", full.filename, full.mime_type, full.data)
        sizes = []
        for stored, (w, h) in (
            (thumb, (max(1, round(width * scale)), max(1, round(height * scale)))),
            (full, (width, height)),
        ):
            size: JSONDict = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": w,
                "height": h,
            }
            if stored.data is not None:
                size["file_size"] = len(stored.data)
            sizes.append(size)
        return sizes

    def _create_topic(self, chat: _Chat, name: str, icon_color: int, creator: JSONDict) -> int:
        thread_id = chat.next_message_id
        topic = {"message_thread_id": thread_id, "name": name, "icon_color": icon_color}
        chat.topics[thread_id] = topic
        service = self._store_message(
            chat,
            creator,
            {"forum_topic_created": {"name": name, "icon_color": icon_color}},
            thread_id=thread_id,
            reply_to=None,
            html=None,
            markup=None,
        )
        if creator.get("id") != self.bot_id and self._bot_sees(chat, service):
            self._queue_update("message", _strip_emulator_keys(service))
        self._changed.fire()
        return thread_id

    def _store_message(
        self,
        chat: _Chat,
        sender: JSONDict,
        content: JSONDict,
        *,
        thread_id: int | None,
        reply_to: JSONDict | None,
        html: str | None,
        markup: JSONDict | None,
        topic_message: bool | None = None,
    ) -> JSONDict:
        """Create, store and publish a message; returns the stored dict (not a copy)."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": copy.deepcopy(sender),
            "date": self._now(),
            "chat": copy.deepcopy(chat.chat),
        }
        is_topic = chat.forum if topic_message is None else topic_message
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if is_topic:
                message["is_topic_message"] = True
        if reply_to is None and chat.forum and thread_id is not None and thread_id != message_id:
            # Telegram: a topic message replying to nothing "replies" to the topic's
            # creation message.
            reply_to = chat.messages.get(thread_id)
        if reply_to is not None:
            message["reply_to_message"] = _snapshot_for_reply(reply_to)
        message.update(copy.deepcopy(content))
        if markup:
            message["reply_markup"] = copy.deepcopy(markup)
        message["html"] = html
        message["buttons"] = _flat_buttons(markup)
        chat.messages[message_id] = message
        self._publish("message", chat.id, message)
        return message

    async def _user_sends(
        self,
        user_id: int,
        chat_id: int | None,
        content: JSONDict,
        reply_to: int | None,
        thread_id: int | None,
        *,
        html: str | None = None,
        sender: JSONDict | None = None,
    ) -> JSONDict:
        user = self._user(user_id) if sender is None else sender
        chat = self._chat(user_id if chat_id is None else chat_id)
        if chat.is_private:
            if chat.id != user_id:
                raise ValueError(f"user {user_id} cannot write in {chat.id}'s private chat")
            if user_id in self._deactivated:
                raise ValueError(f"user {user_id} is deactivated")
            chat.started = True
            if chat.blocked:  # writing to a blocked bot restarts it, as in Telegram
                chat.blocked = False
                self._queue_my_chat_member_private(chat, blocked=False)
        elif chat.members.get(user_id) == "kicked":
            raise ValueError(f"user {user_id} is banned (kicked) from chat {chat.id}")
        elif chat.members.get(user_id) == "restricted":
            raise ValueError(f"user {user_id} is restricted (may not post) in chat {chat.id}")
        # Other non-members may write, status unchanged (as if they had just left): tests
        # can exercise the bot's own membership checks.
        replied: JSONDict | None = None
        if reply_to is not None:
            replied = self._message_in(chat, reply_to)
        if chat.forum and thread_id == GENERAL_TOPIC_ID:
            thread_id = None  # a user writing in General: no thread id, as in Telegram
        try:
            thread, topic = self._resolve_thread(chat, thread_id, replied)
        except BotApiError as error:
            raise LookupError(f"chat {chat.id}: {error.description}") from None
        message = self._store_message(
            chat,
            user,
            content,
            thread_id=thread,
            reply_to=replied,
            html=html if html is not None else content.get("text", content.get("caption")),
            markup=None,
            topic_message=topic,
        )
        if self._bot_sees(chat, message):
            self._queue_update("message", _strip_emulator_keys(message))
        self._changed.fire()
        await asyncio.sleep(0)
        return copy.deepcopy(message)

    def _resolve_thread(
        self, chat: _Chat, requested: int | None, replied: Mapping[str, Any] | None
    ) -> tuple[int | None, bool]:
        """The message_thread_id of a new message and whether it is a topic message."""
        if chat.is_private:
            return None, False
        if chat.forum:
            if not requested:
                if replied is not None and replied.get("is_topic_message"):
                    return int(replied["message_thread_id"]), True
                return None, False
            # Telegram refuses message_thread_id=1: General is addressed by omitting it.
            if requested == GENERAL_TOPIC_ID or requested not in chat.topics:
                raise _bad("message thread not found")
            return requested, True
        # Ordinary supergroup: message_thread_id is accepted in forums only, but a reply
        # belongs to the reply chain of its root message.
        if requested:
            raise _bad("message thread not found")
        if replied is not None:
            return int(replied.get("message_thread_id") or replied["message_id"]), False
        return None, False

    # ======================================================================================
    # Internals: Bot API checks shared by methods
    # ======================================================================================
    def _api_chat(self, params: _Params, name: str = "chat_id") -> _Chat:
        chat_id = params.get_chat_id(name)
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            # Telegram answers every method on an upgraded group so, with the new id in
            # ResponseParameters.migrate_to_chat_id (python-telegram-bot raises ChatMigrated).
            raise BotApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                              {"migrate_to_chat_id": chat.migrated_to})
        return chat

    def _check_can_send(self, chat: _Chat, *, new_message: bool = True) -> None:
        if chat.is_private:
            if chat.id in self._deactivated:
                raise _forbidden("user is deactivated")
            if chat.blocked:
                raise _forbidden("bot was blocked by the user")
            if new_message and not chat.started:
                raise _forbidden("bot can't initiate conversation with a user")
            return
        status = chat.members.get(self.bot_id, "left")
        kind = "group" if chat.chat["type"] == "group" else "supergroup"
        if status == "kicked":
            raise _forbidden(f"bot was kicked from the {kind} chat")
        if status == "left":
            raise _forbidden(f"bot is not a member of the {kind} chat")
        if not chat.bot_can_send and new_message:
            raise _bad("not enough rights to send text messages to the chat")

    def _check_rate(self, chat: _Chat) -> None:
        if not self.rate_limits:
            return
        retry_after = self._limiter.acquire(chat.id, chat.is_private)
        if retry_after is not None:
            self.too_many_requests += 1
            raise BotApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    def _format(
        self,
        raw: str | None,
        parse_mode: str | None,
        entities: Any,
        *,
        caption: bool,
    ) -> tuple[str, list[JSONDict], str | None]:
        """Text (or caption), its entities and the "html" key, as Telegram would store them."""
        if raw is None or raw == "":
            if caption:
                return "", [], None
            raise _bad("message text is empty")
        mode = (parse_mode or "").strip()
        if mode.lower() == "html":
            try:
                text, parsed = parse_html(raw)
            except EntityParseError as error:
                raise _bad(f"can't parse entities: {error}") from None
        elif mode:
            if mode.lower() in ("markdown", "markdownv2"):
                raise _bad(
                    f"the emulated Bot API supports parse_mode HTML only, not {parse_mode!r}"
                )
            raise _bad("unsupported parse_mode")
        else:
            text, parsed = raw, self._explicit_entities(raw, entities)
        text, parsed = strip_text(text, parsed)
        for entity in parsed:
            if entity["type"] == "text_mention":
                user_id = int(entity.get("user", {}).get("id", 0))
                user = self._users.get(user_id)
                entity["user"] = copy.deepcopy(user) if user else {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": "",
                }
        if not text:
            if caption:
                return "", [], None
            raise _bad("message text is empty")
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if utf16_len(text) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return text, parsed, raw if mode else text

    @staticmethod
    def _explicit_entities(text: str, entities: Any) -> list[JSONDict]:
        if entities in (None, "", []):
            return []
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise _bad("can't parse entities JSON object")
        length = utf16_len(text)
        result = []
        for entity in entities:
            try:
                offset, size = int(entity["offset"]), int(entity["length"])
                str(entity["type"])
            except (KeyError, TypeError, ValueError):
                raise _bad("can't parse entities JSON object") from None
            if offset < 0 or size <= 0 or offset + size > length:
                continue  # Telegram silently drops entities outside the text
            result.append(copy.deepcopy(entity))
        result.sort(key=lambda e: (e["offset"], -e["length"]))
        return result

    def _markup(self, chat: _Chat, value: Any) -> JSONDict | None:
        """Validate ``reply_markup``; returns the inline keyboard to store, if any.

        A reply keyboard is remembered per chat (see :meth:`reply_keyboard`).
        """
        if value in (None, "", {}):
            return None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad(_NOT_A_BUTTON)
            for row in rows:
                for button in row:
                    self._check_button(button)
            rows = [row for row in rows if row]
            return {"inline_keyboard": copy.deepcopy(rows)} if rows else None
        if "keyboard" in value:
            chat.reply_keyboard = copy.deepcopy(value)
            return None
        if value.get("remove_keyboard"):
            chat.reply_keyboard = None
            return None
        if "force_reply" in value:
            return None
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise _bad(_NOT_A_BUTTON)
        text = button.get("text")
        if not isinstance(text, str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not text.strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad("text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8")) if isinstance(data, str) else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
            if scheme not in ("http", "https", "tg", "ton"):
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_target(self, chat: _Chat, params: _Params) -> JSONDict | None:
        parameters = params.get_json("reply_parameters")
        allow = params.get_bool("allow_sending_without_reply")
        message_id: int | None = None
        target_chat = chat
        if isinstance(parameters, dict) and parameters.get("message_id") is not None:
            try:
                message_id = int(parameters["message_id"])
            except (TypeError, ValueError):
                raise _bad("can't parse reply parameters JSON object") from None
            allow = bool(parameters.get("allow_sending_without_reply", allow))
            other = parameters.get("chat_id")
            if other is not None and other != chat.id and str(other) != str(chat.id):
                found = self._chats.get(other) if isinstance(other, int) else None
                if found is None:
                    raise _bad("chat not found")
                target_chat = found
        elif params.has("reply_to_message_id"):
            message_id = params.get_int("reply_to_message_id")
        if message_id is None:
            return None
        replied = target_chat.messages.get(message_id)
        if replied is None or target_chat is not chat:
            # Replies to other chats (external replies) are not emulated.
            if allow:
                return None
            raise _bad("message to be replied not found")
        return replied

    def _prepare_send(self, params: _Params) -> tuple[_Chat, JSONDict | None, int | None, bool]:
        chat = self._api_chat(params)
        self._check_can_send(chat)
        replied = self._reply_target(chat, params)
        thread, topic = self._resolve_thread(chat, params.get_int("message_thread_id"), replied)
        return chat, replied, thread, topic

    def _finish_send(
        self,
        chat: _Chat,
        params: _Params,
        content: JSONDict,
        *,
        replied: JSONDict | None,
        thread: int | None,
        topic: bool,
        html: str | None,
        markup: JSONDict | None,
    ) -> JSONDict:
        if params.get_bool("protect_content"):
            content["has_protected_content"] = True
        self._check_rate(chat)
        message = self._store_message(
            chat,
            self.bot_user,
            content,
            thread_id=thread,
            reply_to=replied,
            html=html,
            markup=markup,
            topic_message=topic,
        )
        self._changed.fire()
        return message

    def _editable(self, params: _Params) -> tuple[_Chat, JSONDict]:
        if params.has("inline_message_id"):
            raise _bad("inline messages are not emulated (MESSAGE_ID_INVALID)")
        chat = self._api_chat(params)
        self._check_can_send(chat, new_message=False)
        message_id = params.get_int("message_id")
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None:
            raise _bad("message to edit not found")
        if not self._is_bot_message(message):
            raise _bad("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: _Chat, message: JSONDict, changes: JSONDict) -> JSONDict:
        for key, value in changes.items():
            if key in _EMULATOR_KEYS:
                message[key] = value
            elif value is None or value == []:
                message.pop(key, None)
            else:
                message[key] = value
        message["buttons"] = _flat_buttons(message.get("reply_markup"))
        message["edit_date"] = self._now()
        self._publish("edit", chat.id, message)
        self._changed.fire()
        return _strip_emulator_keys(message)

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return json.dumps({"type": "default"})
        return json.dumps(scope, sort_keys=True)

    def _resolve_file(self, kind: str, value: Any, params: _Params) -> _StoredFile:
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.values.get(value[len("attach://") :])
        if isinstance(value, UploadedFile):
            limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
            if len(value.data) > limit:
                raise BotApiError(413, "Request Entity Too Large")
            if not value.data:
                raise _bad("file must be non-empty")
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename or "")[0] or mime
            return self._store_file(kind, value.filename, mime, value.data)
        if isinstance(value, str) and value:
            if value in self._files:
                stored = self._files[value]
                if stored.kind != kind:
                    raise _bad(
                        f"can't use file of type {stored.kind.title()} as {kind.title()}"
                    )
                return stored
            if value.lower().startswith(("http://", "https://")):
                filename = unquote(urlsplit(value).path.rsplit("/", 1)[-1]) or None
                mime = mimetypes.guess_type(filename or "")[0]
                return self._store_file(kind, filename, mime, None)
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {kind} in the request")

    # ======================================================================================
    # Bot API methods
    # ======================================================================================
    async def _api_true(self, params: _Params) -> bool:
        return True

    async def _api_get_me(self, params: _Params) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_get_updates(self, params: _Params) -> list[JSONDict]:
        offset = params.get_int("offset")
        limit = params.get_int("limit") or 100
        limit = max(1, min(100, limit))
        timeout = max(0.0, params.get_float("timeout") or 0.0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(str(kind) for kind in allowed) if allowed else DEFAULT_UPDATE_TYPES
            )
        if offset:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed.fire()  # an older long poll still waiting ends with 409, as in Telegram

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed.arm()
            if generation != self._poll_generation:
                raise BotApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    def _deliverable(self, limit: int) -> list[JSONDict]:
        known = frozenset(UPDATE_TYPES)
        kept = []
        for update in self._updates:
            kind = _update_type(update)
            if kind in known and kind not in self._allowed_updates:
                continue  # never delivered: drop it, as Telegram does
            kept.append(update)
        self._updates = kept
        return copy.deepcopy(kept[:limit])

    async def _api_delete_webhook(self, params: _Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_get_webhook_info(self, params: _Params) -> JSONDict:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_set_my_commands(self, params: _Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse commands JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _BOT_COMMAND_NAME_RE.match(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (self._scope_key(params.get_json("scope")), params.get_str("language_code") or "")
        self._commands[key] = cleaned
        return True

    async def _api_get_my_commands(self, params: _Params) -> list[JSONDict]:
        key = (self._scope_key(params.get_json("scope")), params.get_str("language_code") or "")
        return copy.deepcopy(self._commands.get(key, []))

    async def _api_delete_my_commands(self, params: _Params) -> bool:
        key = (self._scope_key(params.get_json("scope")), params.get_str("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _api_set_description(self, kind: str, params: _Params) -> bool:
        language = params.get_str("language_code") or ""
        self._descriptions[f"{kind}:{language}"] = params.get_str(kind) or ""
        return True

    async def _api_send_message(self, params: _Params) -> JSONDict:
        chat, replied, thread, topic = self._prepare_send(params)
        text, entities, html = self._format(
            params.get_str("text"),
            params.get_str("parse_mode"),
            params.get_json("entities"),
            caption=False,
        )
        markup = self._markup(chat, params.get_json("reply_markup"))
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        preview = params.get_json("link_preview_options")
        if isinstance(preview, dict) and preview:
            content["link_preview_options"] = preview
        elif params.get_bool("disable_web_page_preview"):
            content["link_preview_options"] = {"is_disabled": True}
        message = self._finish_send(
            chat, params, content, replied=replied, thread=thread, topic=topic, html=html,
            markup=markup,
        )
        return _strip_emulator_keys(message)

    async def _api_send_media(self, kind: str, params: _Params) -> JSONDict:
        chat, replied, thread, topic = self._prepare_send(params)
        stored = self._resolve_file(kind, params.values.get(kind), params)
        caption_text, caption_entities, html = "", [], None
        if kind != "sticker":
            caption_text, caption_entities, html = self._format(
                params.get_str("caption"),
                params.get_str("parse_mode"),
                params.get_json("caption_entities"),
                caption=True,
            )
        markup = self._markup(chat, params.get_json("reply_markup"))
        content: JSONDict = {}
        if kind == "photo":
            content["photo"] = self._photo_sizes(stored, None, None, None)
        elif kind == "document":
            content["document"] = self._document_dict(stored)
        elif kind == "voice":
            voice = self._document_dict(stored)
            voice.pop("file_name", None)
            voice["duration"] = params.get_int("duration") or 1
            content["voice"] = voice
        else:
            content["sticker"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        if caption_text:
            content["caption"] = caption_text
            if caption_entities:
                content["caption_entities"] = caption_entities
        message = self._finish_send(
            chat, params, content, replied=replied, thread=thread, topic=topic, html=html,
            markup=markup,
        )
        return _strip_emulator_keys(message)

    def _source_message(self, params: _Params, what: str) -> JSONDict:
        source_chat = self._api_chat(params, "from_chat_id")
        message_id = params.get_int("message_id")
        source = source_chat.messages.get(message_id) if message_id is not None else None
        if source is None:
            raise _bad(f"message to {what} not found")
        if not any(key in source for key in _CONTENT_KEYS):
            verb = "copied" if what == "copy" else f"{what}ed"
            raise _bad(f"message can't be {verb}")
        return source

    async def _api_copy_message(self, params: _Params) -> JSONDict:
        chat, replied, thread, topic = self._prepare_send(params)
        source = self._source_message(params, "copy")
        content = {key: copy.deepcopy(source[key]) for key in _CONTENT_KEYS if key in source}
        html = source.get("html")
        if params.has("caption") and any(key in source for key in _MEDIA_KEYS):
            caption, entities, html = self._format(
                params.get_str("caption"),
                params.get_str("parse_mode"),
                params.get_json("caption_entities"),
                caption=True,
            )
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if caption:
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
        markup = self._markup(chat, params.get_json("reply_markup"))
        message = self._finish_send(
            chat, params, content, replied=replied, thread=thread, topic=topic, html=html,
            markup=markup,
        )
        return {"message_id": message["message_id"]}

    async def _api_forward_message(self, params: _Params) -> JSONDict:
        chat = self._api_chat(params)
        self._check_can_send(chat)
        thread, topic = self._resolve_thread(chat, params.get_int("message_thread_id"), None)
        source = self._source_message(params, "forward")
        content = {key: copy.deepcopy(source[key]) for key in _CONTENT_KEYS if key in source}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": copy.deepcopy(source.get("from", self.bot_user)),
            "date": source.get("date", self._now()),
        }
        message = self._finish_send(
            chat, params, content, replied=None, thread=thread, topic=topic,
            html=source.get("html"), markup=None,
        )
        return _strip_emulator_keys(message)

    async def _api_edit_message_text(self, params: _Params) -> JSONDict:
        chat, message = self._editable(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities, html = self._format(
            params.get_str("text"),
            params.get_str("parse_mode"),
            params.get_json("entities"),
            caption=False,
        )
        markup = self._markup(chat, params.get_json("reply_markup"))
        if (
            message.get("text") == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise self._not_modified()
        changes: JSONDict = {
            "text": text,
            "entities": entities,
            "html": html,
            "reply_markup": markup,
        }
        preview = params.get_json("link_preview_options")
        if isinstance(preview, dict) and preview:
            changes["link_preview_options"] = preview
        return self._apply_edit(chat, message, changes)

    async def _api_edit_message_caption(self, params: _Params) -> JSONDict:
        chat, message = self._editable(params)
        if not any(key in message for key in _MEDIA_KEYS):
            raise _bad("there is no caption in the message to edit")
        caption, entities, html = self._format(
            params.get_str("caption"),
            params.get_str("parse_mode"),
            params.get_json("caption_entities"),
            caption=True,
        )
        markup = self._markup(chat, params.get_json("reply_markup"))
        if (
            message.get("caption", "") == caption
            and message.get("caption_entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise self._not_modified()
        return self._apply_edit(
            chat,
            message,
            {
                "caption": caption or None,
                "caption_entities": entities,
                "html": html,
                "reply_markup": markup,
            },
        )

    async def _api_edit_message_reply_markup(self, params: _Params) -> JSONDict:
        chat, message = self._editable(params)
        markup = self._markup(chat, params.get_json("reply_markup"))
        if message.get("reply_markup") == markup:
            raise self._not_modified()
        return self._apply_edit(chat, message, {"reply_markup": markup})

    @staticmethod
    def _not_modified() -> BotApiError:
        return _bad(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )

    async def _api_delete_message(self, params: _Params) -> bool:
        chat = self._api_chat(params)
        message_id = params.get_int("message_id")
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None:
            raise _bad("message to delete not found")
        if (
            not chat.is_private
            and not self._is_bot_message(message)
            and chat.members.get(self.bot_id) not in ("administrator", "creator")
        ):
            raise _bad("message can't be deleted")
        del chat.messages[message["message_id"]]
        self._publish("delete", chat.id, message)
        self._changed.fire()
        return True

    async def _api_answer_callback_query(self, params: _Params) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        query = self._callbacks.get(query_id)
        if query is None or query.answer is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get_str("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query.answer = {
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
            "cache_time": params.get_int("cache_time") or 0,
        }
        chat = self._chats.get(query.chat_id)
        message = chat.messages.get(query.message_id) if chat else None
        self._publish(
            "callback_answer",
            query.chat_id,
            message,
            callback_query_id=query_id,
            answer=query.answer,
        )
        self._changed.fire()
        return True

    async def _api_get_chat_member(self, params: _Params) -> JSONDict:
        chat = self._api_chat(params)
        user_id = params.require_int("user_id", "user_id is empty")
        if user_id != self.bot_id and user_id not in self._users:
            raise _bad("user not found")
        if chat.is_private and user_id not in (chat.id, self.bot_id):
            raise _bad("user not found")
        return self._chat_member(chat, user_id, self._member_status(chat, user_id))

    async def _api_get_chat(self, params: _Params) -> JSONDict:
        chat = self._api_chat(params)
        info = copy.deepcopy(chat.chat)
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return info

    async def _api_send_chat_action(self, params: _Params) -> bool:
        chat = self._api_chat(params)
        self._check_can_send(chat)
        action = params.get_str("action") or ""
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat.chat_action = action
        return True

    async def _api_create_forum_topic(self, params: _Params) -> JSONDict:
        chat = self._api_chat(params)
        self._check_can_send(chat)
        if not chat.forum:
            raise _bad("the chat is not a forum")
        if chat.members.get(self.bot_id) not in ("administrator", "creator"):
            raise _bad("not enough rights to create a topic")
        name = params.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise _bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
        icon_color = params.get_int("icon_color") or 7322096
        thread_id = self._create_topic(chat, name, icon_color, self.bot_user)
        return copy.deepcopy(chat.topics[thread_id])

    async def _api_get_file(self, params: _Params) -> JSONDict:
        file_id = params.get_str("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        result: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.data is not None:
            result["file_size"] = len(stored.data)
            result["file_path"] = stored.file_path
        return result
