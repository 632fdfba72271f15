"""An emulated Zalo Bot Platform API, served over HTTP by aiohttp (much smaller than emulator.py).

It speaks the methods the bot uses, the way bot/channels/zalo.py's docstring
says the platform does: `POST /bot{TOKEN}/{method}` with JSON, answers
`{ok, result}` or `{ok: false, error_code, description}`; getUpdates hands
out ONE update per call, as an object, takes no offset and answers an empty
long poll with error 408; while a webhook is set, updates are POSTed to it
wrapped as `{"ok": true, "result": update}` with the secret in
`X-Bot-Api-Secret-Token`, and getUpdates is refused; sendMessage refuses
texts outside 1–2,000 characters. Errors follow Zalo's table: 403 is
"Internal server error" (`fail_next`), 429 "Quota exceeded" (`exceed_quota`:
every send refused until `restore_quota`). A person in a protected group
sends `message.unsupported.received`, their content withheld
(`send_withheld`); `send_text(..., event_name=False)` sends the older shape
without an event name.

The scripting side plays the users::

    zalo = ZaloEmulator()
    await zalo.start()
    zalo.add_user("zl-hoa", "Hoa")
    await zalo.send_text("zl-hoa", "hỏi")
    reply = await zalo.wait_for_bot_message("zl-hoa")

Messages in a chat are dicts with a per-chat `seq` (1, 2, ...) for ordering,
Zalo's string `message_id`, `from`, `chat`, `date` (ms), `text` and `kind`
("text", "photo", "sticker"). No module-level state; one event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from bot.web import serve

__all__ = ["ZaloEmulator"]

JSONDict = dict[str, Any]
_T = TypeVar("_T")
_LOGGER = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_TEXT = 2000
SENDS = frozenset({"sendmessage", "sendphoto", "sendsticker"})


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class ZaloEmulator:
    def __init__(self, *, token: str = "9876543210:ZALO-TEST-TOKEN", bot_id: str = "zbot0001",
                 bot_name: str = "bot.doithoai") -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self._users: dict[str, str] = {}
        self._chats: dict[str, list[JSONDict]] = {}
        self._updates: deque[JSONDict] = deque()
        self._webhook: tuple[str, str] | None = None
        self._ids = itertools.count(1)
        self._failures: dict[str, deque[tuple[int, str]]] = {}
        self._changed = asyncio.Event()
        self._requests: list[tuple[str, JSONDict]] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url_root: str | None = None
        self._closing = False
        self.quota_exceeded = False          # the plan's quota used up: sends answer 429
        self._methods = {
            "getme": self._get_me, "getupdates": self._get_updates, "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook, "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message, "sendphoto": self._send_photo,
            "sendsticker": self._send_sticker, "sendchataction": self._send_chat_action,
        }

    # -- server ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        self.add_routes(app)
        self._runner, self._url_root = await serve(app, host, port, handler_cancellation=True,
                                                   shutdown_timeout=1.0)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        runner, self._runner = self._runner, None
        if runner is not None:
            self._closing = True
            self._changed.set()
            try:
                await runner.cleanup()
            finally:
                self._closing = False

    @property
    def base_url(self) -> str:
        """The `[zalo] base_url` to configure: the client appends /bot{token}/{method}."""
        if self._url_root is None:
            raise RuntimeError("the Zalo emulator is not serving: call start() or set_url_root()")
        return self._url_root

    def set_url_root(self, url_root: str) -> None:
        """Where the emulator is reachable when mounted onto another app with add_routes."""
        self._url_root = url_root.rstrip("/")

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        method = request.match_info["method"]
        raw = await request.read()
        try:
            params = json.loads(raw) if raw.strip() else {}
        except ValueError:
            params = None
        if not isinstance(params, dict):
            return self._error(_ApiError(400, "Bad Request: body is not a JSON object"))
        self._requests.append((method, params))
        handler = self._methods.get(method.lower())
        if handler is None:
            return self._error(_ApiError(404, "Not Found"))
        failures = self._failures.get(method.lower())
        if failures:
            return self._error(_ApiError(*failures.popleft()))
        if self.quota_exceeded and method.lower() in SENDS:
            return self._error(_ApiError(429, "Quota exceeded"))
        try:
            result = await handler(params)
        except _ApiError as error:
            return self._error(error)
        return web.json_response({"ok": True, "result": result},
                                 dumps=lambda v: json.dumps(v, ensure_ascii=False))

    @staticmethod
    def _error(error: _ApiError) -> web.Response:
        return web.json_response({"ok": False, "error_code": error.code, "description": error.description},
                                 status=200 if error.code == 408 else error.code)

    # -- API methods ------------------------------------------------------------------

    async def _get_me(self, _params: JSONDict) -> JSONDict:
        return {"id": self.bot_id, "account_name": self.bot_name, "account_type": "BASIC",
                "can_join_groups": False}

    async def _get_updates(self, params: JSONDict) -> JSONDict:
        if self._webhook is not None:
            raise _ApiError(409, "Conflict: a webhook is set; call deleteWebhook first")
        try:
            timeout = float(params.get("timeout", 30))
        except (TypeError, ValueError):
            raise _ApiError(400, "Bad Request: timeout must be a number of seconds") from None
        update = await self._wait_until(lambda: self._updates[0] if self._updates else None, timeout)
        if update is None:
            raise _ApiError(408, "Request timeout")
        # Handed out (and so consumed) only now: a poll cancelled while waiting takes nothing.
        return self._updates.popleft()

    async def _set_webhook(self, params: JSONDict) -> JSONDict:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise _ApiError(400, "Bad Request: url must be an https URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise _ApiError(400, "Bad Request: secret_token must be 8 to 256 characters")
        self._webhook = (url, secret)
        return {"url": url, "updated_at": _ms()}

    async def _delete_webhook(self, _params: JSONDict) -> JSONDict:
        self._webhook = None
        return {"url": "", "updated_at": _ms()}

    async def _get_webhook_info(self, _params: JSONDict) -> JSONDict:
        return {"url": self._webhook[0] if self._webhook else "", "updated_at": _ms()}

    def _chat_for_send(self, params: JSONDict) -> str:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, str) or chat_id not in self._chats:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_for_send(params)
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            raise _ApiError(400, f"Bad Request: text must be 1 to {MAX_TEXT} characters")
        return self._bot_says(chat_id, "text", text=text)

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_for_send(params)
        if not isinstance(params.get("photo"), str):
            raise _ApiError(400, "Bad Request: photo is required")
        return self._bot_says(chat_id, "photo", text=str(params.get("caption") or ""),
                              photo=params["photo"])

    async def _send_sticker(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_for_send(params)
        return self._bot_says(chat_id, "sticker", text="", sticker=str(params.get("sticker") or ""))

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._chat_for_send(params)
        return True

    def _bot_says(self, chat_id: str, kind: str, **fields: Any) -> JSONDict:
        message = self._store(chat_id, {"id": self.bot_id, "name": self.bot_name, "is_bot": True},
                              kind, **fields)
        return {"message_id": message["message_id"], "date": message["date"]}

    # -- scripting: people ---------------------------------------------------------------

    def add_user(self, user_id: str, name: str) -> None:
        self._users[user_id] = name
        self._chats.setdefault(user_id, [])

    async def send_text(self, user_id: str, text: str, *, event_name: bool = True) -> JSONDict:
        """`event_name=False`: the older documented shape, a message with text and no event name."""
        return await self._user_sends(user_id, "message.text.received" if event_name else None, "text",
                                      text=text)

    async def send_sticker(self, user_id: str, sticker: str = "0e078a2fb66a5f34067b") -> JSONDict:
        return await self._user_sends(user_id, "message.sticker.received", "sticker", sticker=sticker,
                                      url=f"https://zalo.example/sticker/{sticker}.png")

    async def send_image(self, user_id: str, url: str = "https://zalo.example/photo.jpg",
                         caption: str | None = None) -> JSONDict:
        fields: dict[str, Any] = {"photo_url": url}
        if caption is not None:
            fields["caption"] = caption
        return await self._user_sends(user_id, "message.image.received", "photo", **fields)

    async def send_unsupported(self, user_id: str) -> JSONDict:
        return await self._user_sends(user_id, "message.unsupported.received", "unsupported")

    async def send_withheld(self, user_id: str, text: str) -> JSONDict:
        """Someone in a protected group (a child, a person with a disability, a person who cannot
        read) writes `text`: Zalo keeps the content back and tells the bot only that a message came."""
        return await self._user_sends(user_id, "message.unsupported.received", "unsupported", withheld=text)

    async def send_in_group(self, user_id: str, group_id: str, text: str) -> JSONDict:
        return await self._user_sends(user_id, "message.text.received", "text", text=text,
                                      chat=(group_id, "GROUP"))

    async def _user_sends(self, user_id: str, event_name: str | None, kind: str, *,
                          chat: tuple[str, str] | None = None, **fields: Any) -> JSONDict:
        """Store the user's message and deliver the update (webhook, or queue for getUpdates)."""
        if user_id not in self._users:
            raise KeyError(f"unknown Zalo user {user_id!r}: add_user first")
        chat_id, chat_type = chat or (user_id, "PRIVATE")
        self._chats.setdefault(chat_id, [])
        message = self._store(chat_id, {"id": user_id, "display_name": self._users[user_id],
                                        "is_bot": False}, kind, chat_type=chat_type, **fields)
        update = {"message": _wire(message)}
        if event_name is not None:
            update["event_name"] = event_name
        if self._webhook is not None:
            url, secret = self._webhook
            status = await self.post_webhook(update, secret=secret, url=url)
            if status != 200:
                _LOGGER.warning("Zalo emulator: the webhook answered %s", status)
        else:
            self._updates.append(update)
            self._changed.set()
        return update

    async def post_webhook(self, update: JSONDict | bytes, *, secret: str | None, url: str | None = None,
                           wrapped: bool = True) -> int:
        """POST an update (or raw bytes) to the webhook as Zalo does; returns the HTTP status.

        Zalo wraps it as `{"ok": true, "result": update}`; `wrapped=False` posts it bare.
        `secret` None sends no secret header at all.
        """
        if wrapped and isinstance(update, dict):
            update = {"ok": True, "result": update}
        target = url or (self._webhook[0] if self._webhook else None)
        if target is None:
            raise RuntimeError("no webhook is set and no url given")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        body = update if isinstance(update, bytes) else json.dumps(update, ensure_ascii=False).encode()
        async with self._session.post(target, data=body, headers=headers) as response:
            return response.status

    # -- scripting: what happened ---------------------------------------------------------

    def fail_next(self, method: str, error_code: int, description: str = "emulated failure",
                  times: int = 1) -> None:
        """The next `times` calls of `method` fail with this error."""
        self._failures.setdefault(method.lower(), deque()).extend([(error_code, description)] * times)

    def exceed_quota(self) -> None:
        """The bot's plan has no messages left: every send answers 429 "Quota exceeded"."""
        self.quota_exceeded = True

    def restore_quota(self) -> None:
        self.quota_exceeded = False

    def sends(self) -> list[JSONDict]:
        """Every send request received (refused or not), as its JSON parameters."""
        return [params for method, params in self._requests if method.lower() in SENDS]

    @property
    def webhook(self) -> tuple[str, str] | None:
        """(url, secret) set by setWebhook, or None."""
        return self._webhook

    @property
    def pending_updates(self) -> list[JSONDict]:
        return list(self._updates)

    @property
    def requests(self) -> list[tuple[str, JSONDict]]:
        """Every API call received: (method as called, JSON parameters)."""
        return list(self._requests)

    def messages(self, chat_id: str) -> list[JSONDict]:
        return [dict(m) for m in self._chats.get(chat_id, [])]

    def bot_messages(self, chat_id: str) -> list[JSONDict]:
        return [dict(m) for m in self._chats.get(chat_id, []) if m["from"].get("is_bot")]

    def last_bot_seq(self, chat_id: str) -> int:
        messages = self.bot_messages(chat_id)
        return messages[-1]["seq"] if messages else 0

    async def wait_for_bot_message(self, chat_id: str, predicate: Callable[[JSONDict], bool] | None = None,
                                   *, after: int = 0, timeout: float = 5.0) -> JSONDict:
        """The first bot message in the chat with `seq > after` matching `predicate`."""
        def find() -> JSONDict | None:
            for message in self._chats.get(chat_id, []):
                if (message["seq"] > after and message["from"].get("is_bot")
                        and (predicate is None or predicate(dict(message)))):
                    return dict(message)
            return None

        found = await self._wait_until(find, timeout)
        if found is None:
            recent = "\n".join(f"  {m['seq']}: {m['text'][:200]!r}" for m in self.bot_messages(chat_id)[-8:])
            raise TimeoutError(f"no bot message in Zalo chat {chat_id} after {after} "
                               f"{'matching the predicate ' if predicate else ''}within {timeout}s; "
                               f"recent:\n{recent}")
        return found

    # -- internals --------------------------------------------------------------------------

    def _store(self, chat_id: str, sender: JSONDict, kind: str, *, chat_type: str = "PRIVATE",
               **fields: Any) -> JSONDict:
        messages = self._chats.setdefault(chat_id, [])
        message = {"seq": len(messages) + 1, "message_id": f"{next(self._ids):020x}", "from": sender,
                   "chat": {"id": chat_id, "chat_type": chat_type}, "date": _ms(), "kind": kind,
                   "text": "", **fields}
        messages.append(message)
        self._changed.set()
        return message

    async def _wait_until(self, check: Callable[[], _T | None], timeout: float) -> _T | None:
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found is not None or self._closing:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._changed.clear()
            if (found := check()) is not None:
                return found
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=left)
            except TimeoutError:
                return None


def _wire(message: JSONDict) -> JSONDict:
    """The message as the platform sends it to the bot (without the emulator's bookkeeping)."""
    wire = {k: v for k, v in message.items() if k not in ("seq", "kind", "withheld")}
    wire["from"] = {k: v for k, v in message["from"].items() if k != "is_bot"}
    if not wire.get("text"):
        wire.pop("text", None)
    return wire


def _ms() -> int:
    return int(time.time() * 1000)
