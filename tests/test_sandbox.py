"""The browser sandbox's server, without a browser: its page, JSON API and live events.

Both phones are driven here: the Telegram worker through /api/send and
/api/click, the Zalo worker by typing through /api/zalo/send.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.render import message_view, safe_html
from bot.sandbox.server import Sandbox

WORKER = 1001
OFFICIAL = 501
QUESTION = "Ký túc xá công ty có cho công nhân ở cùng vợ và con nhỏ không ạ?"
ANSWER = "Có. Bạn đăng ký phòng gia đình với <ban quản lý> ký túc xá & Công đoàn cơ sở."

View = dict[str, Any]


class EventStream:
    """The page's view of /api/events: parsed server-sent events, awaited by condition."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.seen: list[dict[str, Any]] = []

    async def _next(self) -> dict[str, Any]:
        data: list[str] = []
        while True:
            raw = await self.response.content.readline()
            if not raw:
                raise EOFError("the event stream ended")
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                data.append(line[len("data: "):])
            elif not line and data:
                event: dict[str, Any] = json.loads("\n".join(data))
                self.seen.append(event)
                return event

    async def wait(self, predicate: Callable[[dict[str, Any]], bool],
                   timeout: float = 5.0) -> dict[str, Any]:
        return (await self.wait_all(predicate, timeout=timeout))[0]

    async def wait_all(self, *predicates: Callable[[dict[str, Any]], bool],
                       timeout: float = 5.0) -> list[dict[str, Any]]:
        """One event for each predicate, in whatever order they come (two channels race)."""
        found: list[dict[str, Any] | None] = [None] * len(predicates)

        async def find() -> None:
            while any(event is None for event in found):
                event = await self._next()
                for index, predicate in enumerate(predicates):
                    if found[index] is None and predicate(event):
                        found[index] = event
                        break
        try:
            await asyncio.wait_for(find(), timeout)
        except TimeoutError:
            recent = "\n".join(json.dumps(e, ensure_ascii=False)[:200] for e in self.seen[-8:])
            missing = [index for index, event in enumerate(found) if event is None]
            raise AssertionError(f"no event for condition(s) {missing} within {timeout}s; "
                                 f"recent events:\n{recent}") from None
        return [event for event in found if event is not None]

    async def message(self, chat_id: int, contains: str, *, kinds: tuple[str, ...] = ("message", "edit"),
                      has_buttons: bool = False) -> View:
        """The next new or edited message in `chat_id` whose text contains `contains`."""
        event = await self.wait(telegram_message(chat_id, contains, kinds=kinds, has_buttons=has_buttons))
        message: View = event["message"]
        return message

    async def zalo(self, chat_id: str, contains: str, *, from_bot: bool = True) -> View:
        """The next message on the Zalo phone of `chat_id` whose text contains `contains`."""
        event = await self.wait(zalo_message(chat_id, contains, from_bot=from_bot))
        message: View = event["message"]
        return message


Predicate = Callable[[dict[str, Any]], bool]


def telegram_message(chat_id: int, contains: str, *, kinds: tuple[str, ...] = ("message", "edit"),
                     has_buttons: bool = False) -> Predicate:
    def matches(event: dict[str, Any]) -> bool:
        view = event.get("message") or {}
        return (event["type"] in kinds and view.get("chat_id") == chat_id
                and contains in _plain(view["html"])
                and (not has_buttons or bool(view["keyboard"])))
    return matches


def zalo_message(chat_id: str, contains: str, *, from_bot: bool = True) -> Predicate:
    def matches(event: dict[str, Any]) -> bool:
        view = event.get("message") or {}
        return (event["type"] == "zalo" and view.get("chat_id") == chat_id
                and view["from"]["is_bot"] == from_bot and contains in view["text"])
    return matches


def _plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", "", html)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _button(view: View, label: str) -> str:
    for row in view["keyboard"]:
        for button in row:
            if label in button["text"]:
                return str(button["data"])
    labels = [b["text"] for row in view["keyboard"] for b in row]
    raise AssertionError(f"no button {label!r} on message {view['message_id']}: {labels}")


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    box = Sandbox(tmp_path / "sandbox")
    await box.start("127.0.0.1", 0)
    yield box
    await box.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    # What a browser sends from the sandbox's own page: its origin on every POST.
    async with aiohttp.ClientSession(base_url=sandbox.url, headers={"Origin": sandbox.url}) as session:
        yield session


@pytest.fixture
async def events(client: aiohttp.ClientSession) -> AsyncIterator[EventStream]:
    async with client.get("/api/events", timeout=aiohttp.ClientTimeout(total=None)) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        yield EventStream(response)


async def post(client: aiohttp.ClientSession, path: str, body: dict[str, Any],
               status: int = 200) -> dict[str, Any]:
    async with client.post(path, json=body) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == status, answer
        return answer


async def click(client: aiohttp.ClientSession, user_id: int, view: View, label: str) -> None:
    await post(client, "/api/click", {"user_id": user_id, "chat_id": view["chat_id"],
                                      "message_id": view["message_id"], "data": _button(view, label)})


async def zalo_say(client: aiohttp.ClientSession, events: EventStream, user: str, text: str,
                   expect: str, *also: Predicate) -> View:
    """Type `text` on the Zalo phone; the bot's next message there containing `expect`
    (and, when given, events matching `also`, in any order: see `zalo_say_all`)."""
    return (await zalo_say_all(client, events, user, text, expect, *also))[0]


async def zalo_say_all(client: aiohttp.ClientSession, events: EventStream, user: str, text: str,
                       expect: str, *also: Predicate) -> list[View]:
    sent = (await post(client, "/api/zalo/send", {"user_id": user, "text": text}))["message"]
    assert sent["text"] == text.strip() and not sent["from"]["is_bot"]
    own, *found = await events.wait_all(zalo_message(user, text.strip(), from_bot=False),
                                        zalo_message(user, expect), *also)
    assert own["message"]["seq"] == sent["seq"], "the page shows the worker's own message"
    return [event["message"] for event in found]


async def card_with(events: EventStream, group: int, text: str) -> View:
    """The card showing `text`, whether it already came (while the worker was still
    being answered) or is still to come."""
    predicate = telegram_message(group, text, kinds=("message",))
    seen = next((e for e in events.seen if predicate(e)), None)
    event = seen if seen is not None else await events.wait(predicate)
    card: View = event["message"]
    return card


async def wait_for_card_link(sandbox: Sandbox, card: View) -> None:
    """The bot links a card to its question once Telegram confirms the send; a person
    cannot reply faster than that, a test can."""
    assert sandbox.world is not None
    storage = sandbox.world.services.storage
    for _ in range(200):
        if await storage.question_for_card(str(card["chat_id"]), card["message_id"]):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"card {card['message_id']} was never linked to its question")


async def test_page_is_utf8_html(client: aiohttp.ClientSession) -> None:
    async with client.get("/") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        page = await response.text()
    assert '<meta charset="utf-8">' in page
    assert "Người lao động" in page and "Nhóm cán bộ" in page and "Người tổ chức" in page
    assert 'id="zalo-pane"' in page and 'id="zalo-composer"' in page
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        async with client.get(f"/static/{name}") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == f"{kind}; charset=utf-8"
    async with client.get("/static/..%2Fserver.py") as response:
        assert response.status == 404


async def test_first_event_is_the_demo_world(events: EventStream) -> None:
    first = await events.wait(lambda e: True)
    assert first["type"] == "state"
    state = first["state"]
    assert [w["name"] for w in state["workers"]] == ["Nguyễn Thị Hoa", "Trần Văn Nam", "Lê Minh Anh"]
    assert [w["language"] for w in state["workers"]] == ["vi", "vi", "en"]
    assert len(state["officials"]) == 2 and state["organizer"]["name"]
    topics = [t["name"] for t in state["group"]["topics"]]
    assert topics[0] == "General"
    assert "Nhà ở công nhân, nhà công vụ" in topics and len(topics) == 7
    assert {c["command"] for c in state["commands"]["default"]} >= {"ask", "my", "help"}
    # Nobody has talked yet: only the topics' creation notices exist.
    assert all(m["service"] for m in state["messages"])
    zalo = state["zalo"]
    assert [w["name"] for w in zalo["workers"]] == ["Hoàng Văn Tùng"]
    assert all(isinstance(w["id"], str) for w in zalo["workers"])  # Zalo ids are opaque strings
    assert zalo["messages"] == [] and zalo["bot"]["id"]


async def test_sandbox_runs_the_zalo_channel_against_its_emulator(sandbox: Sandbox) -> None:
    assert sandbox.world is not None
    zalo_config = sandbox.world.config.zalo
    assert zalo_config is not None and zalo_config.mode == "polling"
    assert zalo_config.base_url == sandbox.world.zalo.base_url
    assert zalo_config.base_url.startswith("http://127.0.0.1:")
    assert zalo_config.token == sandbox.world.zalo.token


async def test_question_asked_and_answered_through_the_api(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    state = (await events.wait(lambda e: e["type"] == "state"))["state"]
    group = state["group"]["id"]
    housing = next(t["thread_id"] for t in state["group"]["topics"] if t["key"] == "housing")

    case = await ask_on_telegram(client, events, WORKER, QUESTION)
    card = await card_with(events, group, QUESTION)
    assert f"#{case}" in _plain(card["html"])
    assert card["thread_id"] == housing, "the card must land in the housing topic"
    assert QUESTION in _plain(card["html"])
    assert "Nguyễn Thị Hoa" not in _plain(card["html"]), "an anonymous question names nobody"
    assert card["html"].startswith("📩 <b>"), "the bot's HTML formatting reaches the page"

    await wait_for_card_link(sandbox, card)
    answer = await post(client, "/api/send", {"user_id": OFFICIAL, "chat_id": group, "text": ANSWER,
                                              "reply_to": card["message_id"], "thread_id": housing})
    reply = answer["message"]
    assert reply["reply_to"]["message_id"] == card["message_id"]
    assert reply["thread_id"] == housing
    assert "&lt;ban quản lý&gt;" in reply["html"], "people's text is escaped, never markup"

    delivered_event, edited_event = await events.wait_all(
        telegram_message(WORKER, "câu trả lời", kinds=("message",), has_buttons=True),
        telegram_message(group, f"#{case}", kinds=("edit",)))
    delivered, edited = delivered_event["message"], edited_event["message"]
    assert ANSWER in _plain(delivered["html"]) and QUESTION in _plain(delivered["html"])
    labels = [b["text"] for row in delivered["keyboard"] for b in row]
    assert any("👍" in label for label in labels) and any("👎" in label for label in labels)
    assert edited["message_id"] == card["message_id"] and ANSWER in _plain(edited["html"])

    await click(client, WORKER, delivered, "👍")
    toast = await events.wait(lambda e: e["type"] == "toast" and e["chat_id"] == WORKER)
    assert "Cảm ơn" in toast["text"]


async def test_zalo_question_asked_and_answered_through_the_api(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    state = (await events.wait(lambda e: e["type"] == "state"))["state"]
    group = state["group"]["id"]
    housing = next(t["thread_id"] for t in state["group"]["topics"] if t["key"] == "housing")
    user = state["zalo"]["workers"][0]["id"]

    # Whatever order the bot asks in: the topic by its words, the question, a suggestion
    # declined, the name, the confirmation; every reply plain numbered text.
    reply = await zalo_say(client, events, user, "hỏi", "")
    typed = False
    for _ in range(8):
        assert "<" not in reply["text"], "plain text on Zalo"
        if "Đã gửi câu hỏi" in reply["text"]:
            break
        if "4. Nhà ở công nhân" in reply["text"]:
            answer = "nha o"
        elif "gõ câu hỏi" in reply["text"] and not typed:
            answer, typed = QUESTION, True
        elif "Vẫn gửi" in reply["text"]:
            answer = "vẫn gửi"
        elif "Gửi kèm tên" in reply["text"]:
            answer = "1"
        else:
            answer = "số 1"
        reply = await zalo_say(client, events, user, answer, "")
    sent = reply
    card = await card_with(events, group, QUESTION)
    case = int(re.search(r"#(\d+)", sent["text"]).group(1))  # type: ignore[union-attr]
    assert _plain(card["html"]).startswith(f"📩 #{case} ·"), card["html"]
    assert card["thread_id"] == housing
    assert "Hoàng Văn Tùng · Zalo" in _plain(card["html"]), "the card names the worker and the channel"

    await wait_for_card_link(sandbox, card)
    await post(client, "/api/send", {"user_id": OFFICIAL, "chat_id": group, "text": ANSWER,
                                     "reply_to": card["message_id"], "thread_id": housing})
    delivered_event, edited_event = await events.wait_all(
        zalo_message(user, "📬"), telegram_message(group, f"#{case} ·", kinds=("edit",)))
    delivered, edited = delivered_event["message"], edited_event["message"]
    assert ANSWER in delivered["text"], "Zalo gets the answer as plain text, not escaped"
    assert f"#{case}" in delivered["text"] and "1. 👍 Hữu ích" in delivered["text"]
    assert edited["message_id"] == card["message_id"] and ANSWER in _plain(edited["html"])
    assert "· Zalo" in _plain(edited["html"])

    await zalo_say(client, events, user, "1", "Cảm ơn bạn đã đánh giá")
    # A page opened now shows the same Zalo conversation, in order.
    async with client.get("/api/state") as response:
        now = await response.json()
    shown = now["zalo"]["messages"]
    assert [m["seq"] for m in shown] == list(range(1, len(shown) + 1))
    assert any(ANSWER in m["text"] and m["from"]["is_bot"] for m in shown)
    assert shown[0]["text"] == "hỏi" and shown[0]["from"]["name"] == "Hoàng Văn Tùng"
    # The Telegram workers' phones saw none of it.
    assert {m["chat_id"] for m in now["messages"] if not m["service"]} <= {group}


async def test_reset_starts_a_fresh_world(sandbox: Sandbox, client: aiohttp.ClientSession,
                                          events: EventStream) -> None:
    await events.wait(lambda e: e["type"] == "state")
    await post(client, "/api/send", {"user_id": WORKER, "text": "/start"})
    await events.message(WORKER, "Xin chào")
    added = await post(client, "/api/workers", {"name": "  Bùi  Thị Thu ", "language": "vi"})
    assert added["worker"]["name"] == "Bùi Thị Thu"
    grown = await events.wait(lambda e: e["type"] == "state")
    assert "Bùi Thị Thu" in [w["name"] for w in grown["state"]["workers"]]

    zalo_user = grown["state"]["zalo"]["workers"][0]["id"]
    await zalo_say(client, events, zalo_user, "hỏi", "")
    assert sandbox.world is not None
    old_zalo = sandbox.world.zalo

    await post(client, "/api/reset", {})
    snapshot = await events.wait(lambda e: e["type"] == "state")
    assert snapshot["reset"] is True
    fresh = snapshot["state"]
    assert all(m["service"] for m in fresh["messages"])
    assert "Bùi Thị Thu" not in [w["name"] for w in fresh["workers"]]
    assert fresh["zalo"]["messages"] == [], "the Zalo phone is emptied too"
    assert sandbox.world is not None and sandbox.world.zalo is not old_zalo
    assert sandbox.world.zalo.messages(zalo_user) == []
    assert await sandbox.world.services.storage.all_questions() == []
    # The new world works, on both channels.
    await post(client, "/api/send", {"user_id": WORKER, "text": "/start"})
    await events.message(WORKER, "Xin chào")
    topics = await zalo_say(client, events, zalo_user, "hỏi", "")
    assert topics["seq"] == 2, "a fresh Zalo chat"


async def test_bad_actions_are_refused(client: aiohttp.ClientSession, sandbox: Sandbox) -> None:
    assert sandbox.world is not None
    group = sandbox.world.group_id
    refused = await post(client, "/api/send", {"user_id": WORKER, "chat_id": group, "text": "hi"}, 400)
    assert "cannot act" in refused["error"]
    await post(client, "/api/send", {"user_id": 4242, "text": "hi"}, 400)
    await post(client, "/api/send", {"user_id": WORKER, "text": "   "}, 400)
    await post(client, "/api/workers", {"name": ""}, 400)
    async with client.post("/api/send", data="user_id=1001&text=hi",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
        assert response.status == 400

    zalo_user = sandbox.world.zalo_workers[0].id
    for body in ({"user_id": WORKER, "text": "hỏi"},          # a Telegram worker is not on Zalo
                 {"user_id": "not-a-zalo-user", "text": "hỏi"},
                 {"user_id": zalo_user, "text": "  "},
                 {"user_id": zalo_user, "text": "x" * 2001},  # over Zalo's 2,000 characters
                 {"user_id": zalo_user}):
        refused = await post(client, "/api/zalo/send", body, 400)
        assert refused["ok"] is False and refused["error"]
    assert sandbox.world.zalo.messages(zalo_user) == [], "nothing refused reached Zalo"


def test_only_telegram_formatting_survives() -> None:
    assert safe_html("<b>#1</b> <i>x</i>\n<blockquote>q</blockquote>") == \
        "<b>#1</b> <i>x</i>\n<blockquote>q</blockquote>"
    assert safe_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert safe_html('<b onclick="x()">a</b>') == "<b>a</b>"
    assert safe_html('<a href="javascript:alert(1)">a</a>') == '<span class="mention">a</span>'
    assert safe_html('<a href="https://x.vn/?a=1&amp;b=2">a</a>') == \
        '<a href="https://x.vn/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">a</a>'
    assert safe_html("<tg-spoiler>s</tg-spoiler><img src=x onerror=y>") == \
        '<span class="spoiler">s</span>&lt;img src=x onerror=y&gt;'
    assert safe_html("<b>unclosed") == "<b>unclosed</b>"
    assert safe_html("1 &lt; 2 &amp; </i>") == "1 &lt; 2 &amp; &lt;/i&gt;"


def test_peoples_messages_are_plain_text() -> None:
    message = {"message_id": 5, "chat": {"id": 1001}, "date": 0, "text": "<b>hi</b>",
               "html": "<b>hi</b>", "from": {"id": 1001, "first_name": "Hoa"}}
    assert message_view(message, bot_id=123)["html"] == "&lt;b&gt;hi&lt;/b&gt;"


async def test_command_line_prints_the_address_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--port", "0", "--data", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert process.stdout is not None
    try:
        url = ""
        output = []
        async with asyncio.timeout(20):
            while not url:
                line = (await process.stdout.readline()).decode()
                if not line:
                    break
                output.append(line)
                if found := re.search(r"http://127\.0\.0\.1:\d+", line):
                    url = found.group()
        assert url, "".join(output)
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            rest = (await process.stdout.read()).decode()
            code = await process.wait()
        assert code == 0, "".join(output) + rest
        assert "Traceback" not in rest, rest
        assert (tmp_path / "sandbox.sqlite3").exists()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_another_site_cannot_reset_or_drive_the_sandbox(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    await events.wait(lambda e: e["type"] == "state")
    await post(client, "/api/send", {"user_id": WORKER, "text": "/start"})
    await events.message(WORKER, "Xin chào")
    assert sandbox.world is not None
    world = sandbox.world
    async with aiohttp.ClientSession(base_url=sandbox.url) as stranger:
        # A form on any web site can post text/plain without asking: not JSON, refused.
        async with stranger.post("/api/reset", data="x", headers={"Origin": sandbox.url,
                                                                  "Content-Type": "text/plain"}) as r:
            assert r.status == 400
        # JSON from another site's page (the browser names that site in Origin), or no Origin.
        for headers in ({"Origin": "http://evil.example"}, {}):
            async with stranger.post("/api/reset", json={}, headers=headers) as r:
                assert r.status == 403
            async with stranger.post("/api/send", json={"user_id": WORKER, "text": "/help"},
                                     headers=headers) as r:
                assert r.status == 403
        # DNS rebinding: evil.example made to resolve to 127.0.0.1 sends Host: evil.example.
        port = sandbox.url.rpartition(":")[2]
        rebound = {"Host": f"evil.example:{port}"}
        async with stranger.get("/api/state", headers=rebound) as r:
            assert r.status == 403
            assert "workers" not in await r.text()
        async with stranger.get("/api/events", headers=rebound) as r:
            assert r.status == 403
        async with stranger.post("/api/reset", json={},
                                 headers={**rebound, "Origin": f"http://evil.example:{port}"}) as r:
            assert r.status == 403
        # The page's own address still works, by IP or as localhost.
        async with stranger.get("/api/state", headers={"Host": f"localhost:{port}"}) as r:
            assert r.status == 200
    assert sandbox.world is world, "nothing was reset"
    assert [m for m in world.emu.bot_messages(WORKER) if "Xin chào" in (m.get("text") or "")]


def test_listening_beyond_this_machine_is_warned_about_loudly() -> None:
    from bot.sandbox.server import exposure_warning

    assert exposure_warning("127.0.0.1", 8080) is None
    assert exposure_warning("::1", 8080) is None
    warning = exposure_warning("192.168.1.20", 8080)
    assert warning is not None
    assert "http://192.168.1.20:8080" in warning and "CẢNH BÁO" in warning and "WARNING" in warning
    everywhere = exposure_warning("0.0.0.0", 8080)
    assert everywhere is not None and "http://127.0.0.1" not in everywhere


# -- the sandbox as a complete, faithful example ----------------------------------------------

ORGANIZER = 801


def _labels(view: View) -> list[str]:
    return [b["text"] for row in view["keyboard"] for b in row]


def from_bot_to(chat_id: int) -> Predicate:
    def matches(event: dict[str, Any]) -> bool:
        view = event.get("message") or {}
        return (event["type"] in ("message", "edit") and view.get("chat_id") == chat_id
                and view["from"]["is_bot"])
    return matches


async def ask_on_telegram(client: aiohttp.ClientSession, events: EventStream, worker: int,
                          question: str, topic: str = "Nhà ở công nhân") -> int:
    """A worker asks through /ask and the bot's buttons, whatever order the bot asks in
    (topic, question, a KB suggestion, "me too", name or anonymous, confirm); the case number."""
    await post(client, "/api/send", {"user_id": worker, "text": "/ask"})
    typed, pressed = False, set()
    for _ in range(20):
        view = (await events.wait(from_bot_to(worker)))["message"]
        text, labels = _plain(view["html"]), _labels(view)
        if found := re.search(r"Đã gửi câu hỏi\D*#(\d+)", text):
            return int(found.group(1))
        step = next((label for label in (topic, "Vẫn gửi", "Gửi câu hỏi riêng", "ẩn danh",
                                         "Gửi câu hỏi") if any(label in b for b in labels)), None)
        if step is not None and (view["message_id"], step) not in pressed:
            pressed.add((view["message_id"], step))
            await click(client, worker, view, step)
        elif "gõ câu hỏi" in text and not typed:
            typed = True
            await post(client, "/api/send", {"user_id": worker, "text": question})
    raise AssertionError(f"the question was never sent; last bot message: {text!r} {labels}")


async def test_the_sandbox_runs_the_whole_example_config(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    """Departments, deadlines, holidays and the digest hour come from config.example.toml,
    so 🏢 on a card offers the example's departments."""
    from bot.sandbox.world import load_example

    example = load_example()
    assert sandbox.world is not None
    config = sandbox.world.config
    assert [d.name for d in config.departments] == [d["name"] for d in example["departments"]]
    assert config.officials.digest_hour == example["officials"]["digest_hour"]
    assert config.officials.deadline_days == example["officials"]["deadline_days"]
    assert set(config.officials.holidays) == set(example["officials"]["holidays"])
    assert config.bot.timezone == example["bot"]["timezone"] == "Asia/Ho_Chi_Minh"
    state = (await events.wait(lambda e: e["type"] == "state"))["state"]
    assert state["timezone"] == "Asia/Ho_Chi_Minh", "the page shows times in the bot's zone"

    group = state["group"]["id"]
    case = await ask_on_telegram(client, events, WORKER, QUESTION)
    card = await events.message(group, f"#{case}", has_buttons=True)
    await wait_for_card_link(sandbox, card)
    await click(client, OFFICIAL, card, "🏢")
    choices = await events.wait(lambda e: telegram_message(group, "")(e)
                                and any("Sở Xây dựng" in label for label in _labels(e["message"])))
    await click(client, OFFICIAL, choices["message"], "Sở Xây dựng")
    assigned = await events.message(group, "Sở Xây dựng", kinds=("edit", "message"))
    assert f"#{case}" in _plain(assigned["html"])


async def test_an_announcement_counts_only_workers_who_pressed_start(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    """The demo workers agreed to the privacy notice beforehand, but a bot cannot write to
    someone who never pressed Start: those are not in the audience, nor failures."""
    await events.wait(lambda e: e["type"] == "state")
    await post(client, "/api/send", {"user_id": WORKER, "text": "/start"})
    welcome = await events.message(WORKER, "Xin chào")
    assert "dữ liệu cá nhân" not in _plain(welcome["html"]).lower(), "no notice for demo workers"

    await post(client, "/api/send", {"user_id": ORGANIZER, "text": "/announce"})
    await events.message(ORGANIZER, "nội dung thông báo")
    notice = "Lịch hội nghị đối thoại năm 2026 sẽ được gửi trong tuần tới."
    await post(client, "/api/send", {"user_id": ORGANIZER, "text": notice})
    audience = await events.message(ORGANIZER, "tới ai", has_buttons=True)
    await click(client, ORGANIZER, audience, "Tất cả")
    preview = await events.message(ORGANIZER, "Xem trước", has_buttons=True)
    assert re.search(r"tới\s+1\s+người", _plain(preview["html"])), _plain(preview["html"])
    await click(client, ORGANIZER, preview, "Gửi ngay")
    await events.message(WORKER, notice, kinds=("message",))
    done = await events.message(ORGANIZER, "Đã gửi xong")
    assert re.search(r"Lỗi:\s*0\b", _plain(done["html"])), _plain(done["html"])
    assert sandbox.world is not None
    for never_started in (1002, 1003):
        assert sandbox.world.emu.bot_messages(never_started) == []


async def test_a_worker_added_from_the_page_sees_the_privacy_notice(
        client: aiohttp.ClientSession, events: EventStream) -> None:
    await events.wait(lambda e: e["type"] == "state")
    added = (await post(client, "/api/workers", {"name": "Bùi Thị Thu"}))["worker"]
    await post(client, "/api/send", {"user_id": added["id"], "text": "/start"})
    notice = await events.message(added["id"], "dữ liệu", has_buttons=True)
    assert any("Đồng ý" in label for label in _labels(notice))


async def test_no_digest_on_the_sandbox_quiet_first_day(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    """At the digest hour of a day with nothing open, the officials get no empty digest;
    once a question waits, the next day's digest comes."""
    import copy
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    assert sandbox.world is not None
    world = sandbox.world
    zone = ZoneInfo(world.config.bot.timezone)
    today = datetime.now(zone).replace(hour=world.config.officials.digest_hour, minute=30,
                                       second=0, microsecond=0)
    now = {"at": today.timestamp()}
    # The sandbox's own housekeeping, on a clock set to the digest hour.
    housekeeping = copy.copy(world.services.housekeeping)
    housekeeping._clock = lambda: now["at"]
    await events.wait(lambda e: e["type"] == "state")
    assert await housekeeping.digest_if_due() is False
    group = world.group_id
    case = await ask_on_telegram(client, events, WORKER, QUESTION)
    await events.message(group, f"#{case}", kinds=("message",))
    assert not [m for m in world.emu.bot_messages(group) if "Tổng hợp" in (m.get("text") or "")]

    now["at"] = (today + timedelta(days=1)).timestamp()
    assert await housekeeping.digest_if_due() is True
    digest = await events.message(group, "Tổng hợp ngày", kinds=("message",))
    assert f"#{case}" in _plain(digest["html"])
    assert (today + timedelta(days=1)).strftime("%d/%m/%Y") in _plain(digest["html"])


async def test_the_stats_chart_shows_and_the_agenda_downloads(
        sandbox: Sandbox, client: aiohttp.ClientSession, events: EventStream) -> None:
    state = (await events.wait(lambda e: e["type"] == "state"))["state"]
    group = state["group"]["id"]
    await ask_on_telegram(client, events, WORKER, QUESTION)
    await post(client, "/api/send", {"user_id": OFFICIAL, "chat_id": group, "text": "/stats"})
    chart = await events.wait(lambda e: telegram_message(group, "")(e) and bool(e["message"]["file"]))
    picture = chart["message"]["file"]
    assert picture["kind"] == "photo"
    async with client.get(picture["url"]) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")

    assert sandbox.world is not None
    conference = await sandbox.world.services.conferences.create(
        "Hội nghị đối thoại 2026", time.time() + 30 * 86400, "Hội trường tỉnh", "", [], ORGANIZER)
    await post(client, "/api/send", {"user_id": ORGANIZER, "text": f"/agenda {conference.id}"})
    agenda = await events.wait(lambda e: telegram_message(ORGANIZER, "")(e) and bool(e["message"]["file"]))
    document = agenda["message"]["file"]
    assert document["kind"] == "document" and document["name"].endswith(".xlsx")
    async with client.get(document["url"]) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/octet-stream"  # never opened here
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert (await response.read()).startswith(b"PK")  # an XLSX is a zip

    # A message without a file, a chat the page does not show, nonsense: nothing.
    for path in (f"/api/file/{group}/1", f"/api/file/{OFFICIAL}/1", "/api/file/x/y",
                 f"/api/file/{ORGANIZER}/99999"):
        async with client.get(path) as response:
            assert response.status == 404, path


def test_scheduler_runs_do_not_flood_the_log() -> None:
    import logging

    from bot.logging_setup import configure_logging

    configure_logging(logging.INFO)
    assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
    assert logging.getLogger("apscheduler").isEnabledFor(logging.WARNING)
    assert logging.getLogger("bot.app").isEnabledFor(logging.INFO)
