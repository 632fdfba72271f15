"""An emulated Zalo Official Account: its Open API, its OAuth endpoint and its signed webhook.

It behaves the way bot/channels/zalo_oa.py's docstring says the OA does:
`POST /v3.0/oa/message/cs` with the `access_token` header answers
`{error, message, data}`; a token that is unknown, replaced or expired gets
-216; a person who unfollowed and has not written since gets -213 (one who
writes again can be answered: the window depends on interaction), one
silent for 7 days -230; texts over 2,000 characters and malformed buttons
get -201. Replies within 48 hours of the person's last message are free
without a count limit (since 2026-01-01); later ones are paid from the
app's Zalo Cloud Account: `cloud_account` None gets -320, "empty" -321.
`-32` (the per-minute request limit) comes from `fail_next(-32)`. The user
detail says `user_is_follower`. `POST
/v4/oa/access_token` (header `secret_key`, form refresh_token, app_id,
grant_type) rotates BOTH tokens: a refresh token works once. Events are
POSTed to the webhook with `X-ZEvent-Signature: mac=sha256(app_id + body +
timestamp + OA secret key)`.

The scripting side plays the people and time::

    oa = ZaloOAEmulator()
    await oa.start()
    oa.set_webhook(url)
    oa.add_user("84901", "Hoa")
    await oa.send_text("84901", "hỏi")
    reply = await oa.wait_for_bot_message("84901")
    await oa.press("84901", reply, "Nhà ở công nhân")   # a button sends its payload back

`advance(seconds)` moves the emulator's clock (token expiry, reply window);
`fail_next(error)` makes the next sends fail (`after=n`: once n more got
through). Before Zalo enables a webhook it checks the URL: `check_webhook()`
sends a GET and an unsigned POST; `verify_domain(root, code)` fetches the
verification file. No module-level state.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from bot.web import serve

__all__ = ["ZaloOAEmulator"]

JSONDict = dict[str, Any]
_T = TypeVar("_T")

MAX_TEXT = 2000
MAX_BUTTONS = 5
WINDOW = 7 * 86400
FREE_WINDOW = 48 * 3600          # since 2026-01-01: replies within 48 hours are free, uncounted
SIGNATURE_HEADER = "X-ZEvent-Signature"


class ZaloOAEmulator:
    def __init__(self, *, app_id: str = "4291763606161179100", app_secret: str = "emulated-app-secret-0042",
                 oa_secret_key: str = "emulated-oa-secret-key-77", oa_id: str = "1365410903334518373",
                 token_lifetime: float = 90000.0, reply_quota: int | None = None) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.oa_id = oa_id
        self.token_lifetime = token_lifetime
        self.says_lifetime = True               # False: token answers carry no expires_in
        self.reply_quota = reply_quota          # CS messages allowed per message from the person
        self.cloud_account: str | None = "funded"   # pays replies after 48 h; None or "empty" cannot
        self._offset = 0.0
        self.access_token = ""
        self.refresh_token = ""
        self._token_expires = 0.0
        self.issue_tokens()
        self.refreshes: list[str] = []          # refresh tokens presented, accepted or not
        self.token_rejections = 0               # CS sends refused for a bad or expired access token
        self._users: dict[str, str] = {}
        self._following: set[str] = set()
        self._unfollowed_at: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._sent_since: dict[str, int] = {}
        self._chats: dict[str, list[JSONDict]] = {}
        self._ids = itertools.count(1)
        self._failures: deque[tuple[int, str] | None] = deque()   # None: let one send through
        self._requests: list[JSONDict] = []
        self._changed = asyncio.Event()
        self._webhook: str | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url_root: str | None = None

    # -- server ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_get("/v3.0/oa/user/detail", self._user_detail)
        app.router.add_post("/v4/oa/access_token", self._token)
        self._runner, self._url_root = await serve(app, host, port, shutdown_timeout=1.0)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def url(self) -> str:
        """The `[zalo_oa] api_url` and `oauth_url` to configure (one server plays both)."""
        if self._url_root is None:
            raise RuntimeError("the Zalo OA emulator is not serving: call start()")
        return self._url_root

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the OA's clock on (tokens expire, reply windows close)."""
        self._offset += seconds

    # -- tokens -----------------------------------------------------------------------

    def issue_tokens(self) -> tuple[str, str]:
        """New tokens, as the OAuth grant gives them (the old ones stop working)."""
        self.access_token = "AT-" + secrets.token_urlsafe(24)
        self.refresh_token = "RT-" + secrets.token_urlsafe(24)
        self._token_expires = self.now() + self.token_lifetime
        return self.access_token, self.refresh_token

    def expire_access_token(self) -> None:
        """The access token stops working now (revoked, or expired early)."""
        self._token_expires = self.now() - 1

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        refresh = str(form.get("refresh_token") or "")
        self.refreshes.append(refresh)
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14002, "error_name": "Invalid app",
                                      "error_description": "app_id or secret_key is invalid"})
        if form.get("grant_type") != "refresh_token" or not refresh or refresh != self.refresh_token:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token",
                                      "error_description": "refresh token is invalid, expired or used"})
        access, new_refresh = self.issue_tokens()
        answer = {"access_token": access, "refresh_token": new_refresh}
        if self.says_lifetime:
            answer["expires_in"] = str(int(self.token_lifetime))
        return web.json_response(answer)

    def _token_ok(self, request: web.Request) -> bool:
        return request.headers.get("access_token") == self.access_token and self.now() < self._token_expires

    # -- the Open API -------------------------------------------------------------------

    async def _user_detail(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return _error(-216, "Access token is invalid")
        try:
            user_id = str(json.loads(request.query.get("data", "{}")).get("user_id"))
        except (ValueError, AttributeError):
            return _error(-201, "data is invalid")
        if user_id not in self._users:
            return _error(-201, "user_id is invalid")
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"user_id": user_id, "display_name": self._users[user_id],
                                           "user_is_follower": user_id in self._following}})

    async def _send(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(-201, "body is invalid")
        self._requests.append({"headers": {"access_token": request.headers.get("access_token")}, "body": body})
        if not self._token_ok(request):
            self.token_rejections += 1
            return _error(-216, "Access token is invalid")
        if self._failures and (failure := self._failures.popleft()) is not None:
            return _error(*failure)
        recipient = body.get("recipient") if isinstance(body, dict) else None
        user_id = str(recipient.get("user_id")) if isinstance(recipient, dict) else ""
        if user_id not in self._users:
            return _error(-201, "user_id is invalid")
        last = self._last.get(user_id, float("-inf"))
        if user_id not in self._following and last <= self._unfollowed_at.get(user_id, float("inf")):
            return _error(-213, "User has not followed OA")
        if self.now() - last > WINDOW:
            return _error(-230, "User has not interacted with the OA in the past 7 days")
        if self.now() - last > FREE_WINDOW and self.cloud_account != "funded":
            if self.cloud_account is None:
                return _error(-320, "Your app needs to connect with Zalo Cloud Account to use paid features")
            return _error(-321, "The Zalo Cloud Account linked to the app is out of money")
        if self.reply_quota is not None and self._sent_since.get(user_id, 0) >= self.reply_quota:
            return _error(-211, "Out of quota")
        message = body.get("message")
        problem = _check_message(message)
        if problem:
            return _error(-201, problem)
        assert isinstance(message, dict)
        attachment = message.get("attachment")
        buttons = attachment["payload"]["buttons"] if isinstance(attachment, dict) else []
        stored = self._store(user_id, True, message.get("text", ""), buttons=[dict(b) for b in buttons])
        self._sent_since[user_id] = self._sent_since.get(user_id, 0) + 1
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": stored["message_id"], "user_id": user_id}})

    # -- scripting: people ----------------------------------------------------------------

    def set_webhook(self, url: str) -> None:
        """The webhook URL as set in the app's settings on Zalo for Developers."""
        self._webhook = url

    def add_user(self, user_id: str, name: str, *, following: bool = True) -> None:
        self._users[user_id] = name
        self._chats.setdefault(user_id, [])
        if following:
            self._following.add(user_id)

    async def follow(self, user_id: str, *, notify: bool = True) -> int:
        """`notify=False`: the follow event never reaches the bot (its webhook was down)."""
        self._following.add(user_id)
        self._last[user_id] = self.now()
        return await self._event(user_id, "follow", follower=True) if notify else 0

    async def unfollow(self, user_id: str) -> int:
        self._following.discard(user_id)
        self._unfollowed_at[user_id] = self.now()
        return await self._event(user_id, "unfollow", follower=True)

    async def send_text(self, user_id: str, text: str) -> int:
        self._store(user_id, False, text)
        return await self._event(user_id, "user_send_text", message={"text": text})

    async def send_image(self, user_id: str, caption: str | None = None) -> int:
        message: JSONDict = {"attachments": [{"type": "image", "payload": {
            "url": "https://zalo.example/photo.jpg", "thumbnail": "https://zalo.example/thumb.jpg"}}]}
        if caption is not None:
            message["text"] = caption
        self._store(user_id, False, caption or "", kind="image")
        return await self._event(user_id, "user_send_image", message=message)

    async def send_sticker(self, user_id: str) -> int:
        self._store(user_id, False, "", kind="sticker")
        return await self._event(user_id, "user_send_sticker", message={"attachments": [
            {"type": "sticker", "payload": {"id": "0e078a2fb66a5f34067b", "url": "https://zalo.example/s.png"}}]})

    async def send_location(self, user_id: str) -> int:
        self._store(user_id, False, "", kind="location")
        return await self._event(user_id, "user_send_location", message={"attachments": [
            {"type": "location", "payload": {"coordinates": {"latitude": "10.76", "longitude": "106.66"}}}]})

    async def press(self, user_id: str, message: JSONDict, title: str) -> int:
        """Tap the button whose title contains `title`: its payload comes back as the person's text."""
        found = [b for b in message.get("buttons", []) if title in b["title"]]
        if len(found) != 1:
            raise LookupError(f"no single button {title!r} in {[b['title'] for b in message.get('buttons', [])]}")
        payload = str(found[0]["payload"])
        self._store(user_id, False, payload, kind="button", hidden=found[0]["type"] == "oa.query.hide")
        return await self._event(user_id, "user_send_text", message={"text": payload})

    def note_interaction(self, user_id: str) -> None:
        """The person wrote to the OA now (for events posted by hand with post_webhook)."""
        self._last[user_id] = self.now()
        self._sent_since[user_id] = 0

    def age(self, user_id: str, seconds: float) -> None:
        """The person's last interaction happened `seconds` earlier than recorded."""
        self._last[user_id] = self._last.get(user_id, self.now()) - seconds

    async def _event(self, user_id: str, name: str, *, message: JSONDict | None = None,
                     follower: bool = False) -> int:
        if user_id not in self._users:
            raise KeyError(f"unknown Zalo OA user {user_id!r}: add_user first")
        event: JSONDict = {"app_id": self.app_id, "user_id_by_app": "app-" + user_id, "event_name": name,
                           "timestamp": str(int(self.now() * 1000))}
        if follower:
            event.update(oa_id=self.oa_id, follower={"id": user_id}, source="oa_profile")
        else:
            self._last[user_id] = self.now()
            self._sent_since[user_id] = 0
            event.update(sender={"id": user_id}, recipient={"id": self.oa_id},
                         message={"msg_id": f"{next(self._ids):032x}", **(message or {})})
        return await self.post_webhook(event)

    def signature(self, body: bytes, timestamp: str, *, secret: str | None = None) -> str:
        key = self.oa_secret_key if secret is None else secret
        return "mac=" + hashlib.sha256(self.app_id.encode() + body + timestamp.encode() + key.encode()).hexdigest()

    async def post_webhook(self, event: JSONDict | bytes, *, signature: str | None = "auto",
                           url: str | None = None) -> int:
        """POST an event as Zalo does; returns the HTTP status.

        `signature` "auto" signs it correctly; None sends no signature header;
        any other string is sent as the header as it is.
        """
        target = url or self._webhook
        if target is None:
            raise RuntimeError("no webhook URL set")
        body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            timestamp = str(event.get("timestamp", "")) if isinstance(event, dict) else ""
            headers[SIGNATURE_HEADER] = self.signature(body, timestamp)
        elif signature is not None:
            headers[SIGNATURE_HEADER] = signature
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        async with self._session.post(target, data=body, headers=headers) as response:
            return response.status

    async def check_webhook(self, url: str | None = None) -> tuple[int, int]:
        """What Zalo does before enabling a webhook URL: a GET, then an unsigned POST.
        Returns both HTTP statuses."""
        target = url or self._webhook
        if target is None:
            raise RuntimeError("no webhook URL set")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        async with self._session.get(target) as response:
            got = response.status
        probe = json.dumps({"app_id": self.app_id, "event_name": "user_send_text",
                            "timestamp": str(int(self.now() * 1000))}).encode()
        async with self._session.post(target, data=probe,
                                      headers={"Content-Type": "application/json"}) as response:
            return got, response.status

    async def verify_domain(self, url_root: str, code: str) -> bool:
        """Zalo's domain verification: the file zalo_verifier{code}.html must carry the code in a
        `zalo-platform-site-verification` meta tag."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        async with self._session.get(f"{url_root.rstrip('/')}/zalo_verifier{code}.html") as response:
            page = await response.text() if response.status == 200 else ""
        return f'<meta name="zalo-platform-site-verification" content="{code}"' in page

    # -- scripting: what happened -----------------------------------------------------------

    def fail_next(self, error: int, message: str = "emulated failure", times: int = 1, *, after: int = 0) -> None:
        """The next `times` CS sends (with a valid token) fail with this error, once `after` more went through."""
        self._failures.extend([None] * after + [(error, message)] * times)

    @property
    def sends(self) -> list[JSONDict]:
        """Every CS request received, refused or not: {"headers": {"access_token"}, "body"}."""
        return list(self._requests)

    def sends_to(self, user_id: str, since: int = 0) -> list[JSONDict]:
        """The CS requests addressed to one person (from the `since`-th request on), refused or not."""
        return [r for r in self._requests[since:]
                if isinstance(r["body"], dict) and isinstance(r["body"].get("recipient"), dict)
                and str(r["body"]["recipient"].get("user_id")) == user_id]

    def bot_messages(self, user_id: str) -> list[JSONDict]:
        return [dict(m) for m in self._chats.get(user_id, []) if m["from_bot"]]

    def last_bot_seq(self, user_id: str) -> int:
        messages = self.bot_messages(user_id)
        return messages[-1]["seq"] if messages else 0

    async def wait_for_bot_message(self, user_id: str, predicate: Callable[[JSONDict], bool] | None = None,
                                   *, after: int = 0, timeout: float = 5.0) -> JSONDict:
        """The first OA message to the person with `seq > after` matching `predicate`."""
        def find() -> JSONDict | None:
            for message in self._chats.get(user_id, []):
                if message["seq"] > after and message["from_bot"] and (predicate is None or predicate(message)):
                    return dict(message)
            return None

        deadline = time.monotonic() + timeout
        while (found := find()) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                recent = "\n".join(f"  {m['seq']}: {m['text'][:200]!r} {[b['title'] for b in m['buttons']]}"
                                   for m in self.bot_messages(user_id)[-8:])
                raise TimeoutError(f"no OA message to {user_id} after {after} within {timeout}s; recent:\n{recent}")
            self._changed.clear()
            if (found := find()) is not None:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=left)
            except TimeoutError:
                continue
        return found

    def _store(self, user_id: str, from_bot: bool, text: str, *, kind: str = "text",
               buttons: list[JSONDict] | None = None, hidden: bool = False) -> JSONDict:
        messages = self._chats.setdefault(user_id, [])
        message = {"seq": len(messages) + 1, "message_id": f"{next(self._ids):032x}", "from_bot": from_bot,
                   "text": text, "kind": "buttons" if buttons else kind, "buttons": buttons or [],
                   "hidden": hidden, "date": int(self.now() * 1000)}
        messages.append(message)
        self._changed.set()
        return message


def _check_message(message: Any) -> str:
    """What is wrong with a CS message, or ""."""
    if not isinstance(message, dict):
        return "message is invalid"
    text = message.get("text")
    attachment = message.get("attachment")
    if attachment is None:
        return "" if isinstance(text, str) and 1 <= len(text) <= MAX_TEXT else "text is invalid"
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        return "text is invalid"
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    buttons = payload.get("buttons") if isinstance(payload, dict) else None
    if attachment.get("type") != "template" or not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        return "attachment is invalid"
    for button in buttons:
        if not (isinstance(button, dict) and button.get("type") in ("oa.query.hide", "oa.query.show")
                and isinstance(button.get("title"), str) and 1 <= len(button["title"]) <= 100
                and isinstance(button.get("payload"), str) and 1 <= len(button["payload"]) <= 1000):
            return "buttons is invalid"
    return ""


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message})
