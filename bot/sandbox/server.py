"""The browser sandbox: the whole product on one web page, no Telegram account needed.

`python -m bot sandbox` runs, in one process and one event loop, the emulated
Telegram Bot API and Zalo Bot Platform, the real bot against both (see
`bot.sandbox.world`) and this web server:

    GET  /               the page (static/index.html, app.js, style.css)
    GET  /api/events     server-sent events: a "state" snapshot first (again after
                         a reset, with "reset": true, or a new worker), then
                         "message", "edit", "delete" and "toast" (Telegram) and
                         "zalo" (a Zalo message, either way) as they happen
    GET  /api/state      the same snapshot, for scripts
    GET  /api/file/{chat_id}/{message_id}
                         the picture (shown) or file (downloaded) a message carries
    POST /api/send       {user_id, text, chat_id?, reply_to?, thread_id?}
    POST /api/click      {user_id, chat_id, message_id, data}
    POST /api/workers    {name, language?}: one more demo worker
    POST /api/zalo/send  {user_id, text}: a Zalo worker (string id) types a message
    POST /api/reset      a fresh world and an empty database

People act only through the emulators' scripting methods, exactly as the
tests do, so what the page shows is what the bot really did.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.logging_setup import log_in_timezone
from bot.sandbox.render import file_name, message_view, zalo_view
from bot.sandbox.world import GROUP_TITLE, World, load_example
from bot.web import serve

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_DATA_DIR = Path("data/sandbox")
KEEPALIVE_SECONDS = 15.0
MAX_TEXT = 4096
MAX_ZALO_TEXT = 2000  # what Zalo lets a message carry
ZALO_WAIT_SECONDS = 60.0
MAX_NAME = 64
_STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))

Event = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CannotListen(Exception):
    """The page's address is taken (or not ours)."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {error.strerror or error}")
        self.host = host
        self.port = port


class BadInput(Exception):
    """A request the page should not have made; answered 400 with the reason."""


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=partial(json.dumps, ensure_ascii=False))


class Sandbox:
    """The page, its JSON API and live events, over one `World` at a time."""

    def __init__(self, data_dir: Path = DEFAULT_DATA_DIR) -> None:
        self.data_dir = Path(data_dir)
        self.world: World | None = None
        self._feed: asyncio.Queue[Event] | None = None
        self._forwarder: asyncio.Task[None] | None = None
        self._zalo_watchers: list[asyncio.Task[None]] = []
        self._zalo_relayed: dict[str, int] = {}  # Zalo chat id -> last seq sent to the page
        self._clients: set[asyncio.Queue[Event | None]] = set()
        self._reset_lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 8080) -> str:
        """Build the world and serve the page; returns the page's address."""
        await self._open_world()
        try:
            self._runner, root = await serve(self.web_app(), host, port, shutdown_timeout=1.0)
        except BaseException as error:
            await self._close_world()
            if isinstance(error, OSError):
                raise CannotListen(host, port, error) from error
            raise
        self.port = int(root.rpartition(":")[2])
        # Listening on every address: show one a browser on this machine can open.
        self.url = (f"http://127.0.0.1:{root.rpartition(':')[2]}" if host in ("0.0.0.0", "", "::")
                    else root)
        return self.url

    async def stop(self) -> None:
        for client in list(self._clients):
            client.put_nowait(None)  # ends each event stream
        runner, self._runner = self._runner, None
        try:
            if runner is not None:
                await runner.cleanup()
        finally:
            await self._close_world()

    async def reset(self) -> None:
        """Throw the world away, wipe the database, start a fresh one."""
        async with self._reset_lock:
            await self._close_world()
            await self._open_world()
            self._broadcast(self._state_event(reset=True))

    async def _open_world(self) -> None:
        world = await World.create(self.data_dir)
        self._feed = world.emu.subscribe()
        self.world = world
        self._forwarder = asyncio.create_task(self._forward(world, self._feed),
                                              name="sandbox-events")
        self._zalo_relayed = {}
        self._zalo_watchers = [
            asyncio.create_task(self._watch_zalo(world, person.id), name=f"sandbox-zalo-{person.id}")
            for person in world.zalo_workers
        ]

    async def _close_world(self) -> None:
        world, self.world = self.world, None
        forwarder, self._forwarder = self._forwarder, None
        tasks = [*([forwarder] if forwarder is not None else []), *self._zalo_watchers]
        self._zalo_watchers = []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if world is not None:
            if self._feed is not None:
                world.emu.unsubscribe(self._feed)
            self._feed = None
            await world.close()

    # -- events ------------------------------------------------------------------------
    async def _forward(self, world: World, feed: asyncio.Queue[Event]) -> None:
        while True:
            event = await feed.get()
            self._relay(world, event)

    async def _watch_zalo(self, world: World, chat_id: str) -> None:
        """Relay a Zalo chat's messages as the bot sends them (the worker's own are
        relayed as they are sent, see `_zalo_send`)."""
        while True:
            try:
                await world.zalo.wait_for_bot_message(
                    chat_id, after=self._zalo_relayed.get(chat_id, 0), timeout=ZALO_WAIT_SECONDS)
            except TimeoutError:
                continue
            self._relay_zalo(world, chat_id)

    def _relay_zalo(self, world: World, chat_id: str) -> None:
        relayed = self._zalo_relayed.get(chat_id, 0)
        for message in world.zalo.messages(chat_id):
            if message["seq"] > relayed:
                self._broadcast({"type": "zalo", "message": zalo_view(message)})
                relayed = message["seq"]
        self._zalo_relayed[chat_id] = relayed

    def _drain(self) -> None:
        """Relay what the emulators already have, so a snapshot taken next is newest."""
        if self.world is None or self._feed is None:
            return
        while not self._feed.empty():
            self._relay(self.world, self._feed.get_nowait())
        for person in self.world.zalo_workers:
            self._relay_zalo(self.world, person.id)

    def _relay(self, world: World, event: Event) -> None:
        page_event = self._page_event(world, event)
        if page_event is not None:
            self._broadcast(page_event)

    @staticmethod
    def _page_event(world: World, event: Event) -> Event | None:
        chat_id = event.get("chat_id")
        if chat_id not in world.shown_chats():
            return None
        kind = event.get("kind")
        message = event.get("message")
        if kind in ("message", "edit") and message is not None:
            return {"type": kind, "message": message_view(message, world.emu.bot_id)}
        if kind == "delete" and message is not None:
            return {"type": "delete", "chat_id": chat_id, "message_id": message["message_id"]}
        answer = event.get("answer") or {}
        if kind == "callback_answer" and answer.get("text"):
            return {"type": "toast", "chat_id": chat_id, "text": answer["text"],
                    "alert": bool(answer.get("show_alert"))}
        return None

    def _broadcast(self, event: Event) -> None:
        for client in self._clients:
            client.put_nowait(event)

    def state(self) -> Event:
        """Everything the page shows, as of now."""
        world = self._need_world()
        emu = world.emu
        messages = [
            message_view(m, emu.bot_id)
            for chat_id in world.shown_chats()
            for m in emu.messages(chat_id)
        ]
        return {
            "timezone": world.config.bot.timezone,
            "bot": {"id": emu.bot_id, "name": emu.bot_first_name, "username": emu.bot_username},
            "workers": [w.as_json() for w in world.workers],
            "officials": [o.as_json() for o in world.officials],
            "organizer": world.organizer.as_json(),
            "group": {"id": world.group_id, "title": GROUP_TITLE,
                      "topics": [t.as_json() for t in world.topics]},
            "commands": {"default": emu.bot_commands(), "en": emu.bot_commands(language_code="en")},
            "messages": messages,
            "zalo": {
                "bot": {"id": world.zalo.bot_id, "name": world.zalo.bot_name},
                "workers": [p.as_json() for p in world.zalo_workers],
                "messages": [zalo_view(m) for p in world.zalo_workers
                             for m in world.zalo.messages(p.id)],
            },
        }

    def _state_event(self, *, reset: bool = False) -> Event:
        self._drain()
        return {"type": "state", "state": self.state(), "reset": reset}

    # -- HTTP --------------------------------------------------------------------------
    def web_app(self) -> web.Application:
        app = web.Application(middlewares=[self._same_origin, self._errors], client_max_size=64 * 1024)
        app.router.add_get("/", partial(self._static, "index.html"))
        app.router.add_get("/static/{name}", self._static_named)
        app.router.add_get("/api/state", self._get_state)
        app.router.add_get("/api/events", self._events)
        app.router.add_get("/api/file/{chat_id}/{message_id}", self._file)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/click", self._click)
        app.router.add_post("/api/workers", self._add_worker)
        app.router.add_post("/api/zalo/send", self._zalo_send)
        app.router.add_post("/api/reset", self._reset)
        return app

    @web.middleware
    async def _same_origin(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Only this page may use the API. A page on another site that made its own name
        resolve to this address (DNS rebinding) sends its own name as Host: refused, so it
        cannot read /api/state. Every state-changing request must come from this origin."""
        if not _addressed_to(request.host, self.port):
            return _json({"ok": False, "error": "Host không hợp lệ. / Host not allowed."}, 403)
        if request.method not in ("GET", "HEAD") and (
                request.headers.get("Origin") != f"http://{request.host}"):
            return _json({"ok": False, "error": "Chỉ trang của hộp thử nghiệm mới được gửi. / "
                                                "Only the sandbox's own page may send."}, 403)
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadInput as error:
            return _json({"ok": False, "error": str(error)}, 400)
        except (LookupError, ValueError) as error:  # the emulator refusing an action
            return _json({"ok": False, "error": str(error)}, 400)
        except _NoWorld:
            return _json({"ok": False, "error": "Hộp thử nghiệm đang khởi động lại, thử lại sau giây lát. / "
                                                "The sandbox is restarting; try again in a moment."}, 503)

    async def _static(self, name: str, request: web.Request) -> web.StreamResponse:
        path = STATIC_DIR / name
        if path.suffix not in _STATIC_TYPES or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type=_STATIC_TYPES[path.suffix],
                            charset="utf-8", headers={"Cache-Control": "no-store"})

    async def _static_named(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if "/" in name or name.startswith("."):
            raise web.HTTPNotFound()
        return await self._static(name, request)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """The picture or file a message of a shown chat carries (the /stats chart, the
        agenda): a picture is shown in the page, anything else is downloaded, never
        opened as a page of this site."""
        world = self._need_world()
        try:
            chat_id = int(request.match_info["chat_id"])
            message_id = int(request.match_info["message_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if chat_id not in world.shown_chats():
            raise web.HTTPNotFound()
        try:
            message = world.emu.message(chat_id, message_id)
            data = world.emu.file_bytes(chat_id, message_id)
        except LookupError:
            raise web.HTTPNotFound() from None
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                   "Content-Security-Policy": "default-src 'none'; sandbox"}
        image = _image_type(data)
        if image is not None and ("photo" in message or "sticker" in message):
            return web.Response(body=data, content_type=image, headers=headers)
        name = file_name(message)
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return web.Response(body=data, content_type="application/octet-stream", headers=headers)

    async def _get_state(self, request: web.Request) -> web.StreamResponse:
        self._drain()
        return _json(self.state())

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await response.prepare(request)
        client: asyncio.Queue[Event | None] = asyncio.Queue()
        if self.world is not None:
            client.put_nowait(self._state_event())  # else the reset under way sends one
        self._clients.add(client)
        try:
            await response.write(b"retry: 1000\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(client.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is None:
                    break
                data = json.dumps(event, ensure_ascii=False)
                await response.write(f"data: {data}\n\n".encode())
        except (ConnectionResetError, ConnectionError):
            pass  # the page was closed
        finally:
            self._clients.discard(client)
        return response

    async def _body(self, request: web.Request) -> dict[str, Any]:
        # JSON only: a form on another web site cannot post here without the browser asking.
        if request.content_type != "application/json":
            raise BadInput("Content-Type must be application/json")
        try:
            body = await request.json()
        except ValueError:
            raise BadInput("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise BadInput("the body must be a JSON object")
        return body

    def _need_world(self) -> World:
        if self.world is None:
            raise _NoWorld()
        return self.world

    def _actor(self, world: World, body: dict[str, Any]) -> tuple[int, int]:
        """(user id, chat id) of an action, checked against who may act where."""
        user_id = _int(body, "user_id")
        person = world.person(user_id)
        if person is None:
            raise BadInput(f"unknown sandbox user {user_id}")
        chat_id = _int(body, "chat_id", default=user_id)
        official = any(o.id == user_id for o in world.officials)
        if chat_id != user_id and not (official and chat_id == world.group_id):
            raise BadInput(f"user {user_id} cannot act in chat {chat_id}")
        return user_id, chat_id

    async def _send(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        world = self._need_world()
        user_id, chat_id = self._actor(world, body)
        text = _message_text(body, MAX_TEXT)
        await world.introduce(user_id)
        reply_to = _int(body, "reply_to", default=None)
        thread_id = _int(body, "thread_id", default=None) if chat_id == world.group_id else None
        message = await world.emu.send_text(
            user_id, text, chat_id=None if chat_id == user_id else chat_id,
            reply_to=reply_to, thread_id=thread_id,
        )
        return _json({"ok": True, "message": message_view(message, world.emu.bot_id)})

    async def _click(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        world = self._need_world()
        user_id, chat_id = self._actor(world, body)
        data = body.get("data")
        if not isinstance(data, str) or not data:
            raise BadInput("data must be the button's callback_data")
        query_id = await world.emu.click(user_id, chat_id, _int(body, "message_id"), data)
        return _json({"ok": True, "callback_query_id": query_id})

    async def _add_worker(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        world = self._need_world()
        name = " ".join(str(body.get("name") or "").split())
        if not name:
            raise BadInput("Bạn hãy nhập tên người lao động. / Type the worker's name.")
        if len(name) > MAX_NAME:
            raise BadInput(f"Tên dài quá {MAX_NAME} ký tự. / The name is over {MAX_NAME} characters.")
        language = body.get("language") or "vi"
        if language not in ("vi", "en"):
            raise BadInput("language must be vi or en")
        person = world.add_worker(name, language)
        self._broadcast(self._state_event())
        return _json({"ok": True, "worker": person.as_json()})

    async def _zalo_send(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        world = self._need_world()
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or world.zalo_person(user_id) is None:
            raise BadInput(f"unknown sandbox Zalo user {user_id!r}")
        text = _message_text(body, MAX_ZALO_TEXT)
        await world.introduce(user_id)
        update = await world.zalo.send_text(user_id, text)
        sent_id = update["message"]["message_id"]
        message = next(m for m in world.zalo.messages(user_id) if m["message_id"] == sent_id)
        if world is self.world:
            self._relay_zalo(world, user_id)  # the worker's bubble shows before the bot answers
        return _json({"ok": True, "message": zalo_view(message)})

    async def _reset(self, request: web.Request) -> web.StreamResponse:
        await self._body(request)  # JSON only, like every other change
        await self.reset()
        return _json({"ok": True})


class _NoWorld(Exception):
    """Between two worlds (a reset under way)."""


def _addressed_to(host_header: str, port: int) -> bool:
    """Whether a Host header names this server by address (an IP or localhost, and its port)."""
    name, colon, given_port = host_header.rpartition(":")
    if not colon or "]" in given_port:  # no port given: only right when serving on 80
        name, given_port = host_header, "80"
    if given_port != str(port):
        return False
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _addresses_reachable_from_outside(host: str) -> list[str]:
    """The addresses other machines would use: `host` itself, or this machine's own
    addresses when listening on all of them."""
    if host not in ("0.0.0.0", "", "::"):
        return [host]
    found: set[str] = set()
    with contextlib.suppress(OSError):
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)
                     if isinstance(info[4][0], str))
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing address
        found.add(probe.getsockname()[0])
    return sorted(address for address in found if not _is_loopback(address)) or [host]


def exposure_warning(host: str, port: int) -> str | None:
    """A loud warning when the sandbox listens beyond this machine; None on loopback."""
    if _is_loopback(host):
        return None
    where = ", ".join(f"http://{f'[{a}]' if ':' in a else a}:{port}"
                      for a in _addresses_reachable_from_outside(host))
    line = "!" * 72
    return (f"{line}\n"
            f"CẢNH BÁO: hộp thử nghiệm mở cho cả mạng, không cần đăng nhập: ai vào được {where}\n"
            f"đều đọc và gửi được mọi tin nhắn thử. Chỉ dùng --host 127.0.0.1 trừ khi thật cần.\n"
            f"WARNING: the sandbox is open to the network with no login: anyone who reaches {where}\n"
            f"can read and send every test message. Keep --host 127.0.0.1 unless you must.\n"
            f"{line}")


def _image_type(data: bytes) -> str | None:
    """The picture's type from its first bytes (never from what a sender claims)."""
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    return None


def ready_banner(url: str, timezone: str, kb_entries: int) -> str:
    """What the terminal shows once everything is up: the address on the last line."""
    return (f"\nHộp thử nghiệm Đối thoại đã sẵn sàng / The Đối thoại sandbox is ready "
            f"({kb_entries} câu trả lời mẫu / sample answers; giờ / time zone: {timezone}).\n"
            f"Ctrl-C để dừng / Ctrl-C stops it. Mở trong trình duyệt / Open in a browser:\n"
            f"\n  {url}\n")


def _message_text(body: dict[str, Any], limit: int) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("Tin nhắn trống. / The message is empty.")
    if len(text) > limit:
        raise BadInput(f"Tin nhắn dài quá {limit} ký tự. / The message is over {limit} characters.")
    return text.strip()


def _int(body: dict[str, Any], key: str, **kw: Any) -> Any:
    value = body.get(key)
    if value is None and "default" in kw:
        return kw["default"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{key} must be an integer")
    return value


async def run_sandbox(host: str = "127.0.0.1", port: int = 8080,
                      data_dir: Path = DEFAULT_DATA_DIR) -> None:
    """Serve the sandbox until Ctrl-C (or SIGTERM)."""
    # The log's times in the bot's time zone, as on the page and in the bot's messages.
    log_in_timezone(load_example().get("bot", {}).get("timezone", "Asia/Ho_Chi_Minh"))
    sandbox = Sandbox(data_dir)
    url = await sandbox.start(host, port)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # not on Windows
        loop.add_signal_handler(signal.SIGTERM, stopped.set)
    warning = exposure_warning(host, sandbox.port)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    world = sandbox._need_world()
    entries = len(await world.services.storage.kb_entries())
    print(ready_banner(url, world.config.bot.timezone, entries), flush=True)  # the address last
    try:
        await stopped.wait()
    finally:
        await sandbox.stop()
