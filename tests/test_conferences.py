"""Conferences, reminders, the agenda and announcements, end to end (issue 7).

The real application runs against the emulated Bot API; organizers and workers
act in their private chats and the tests assert on what they see there. Time
is controlled: the conference service's and the organizer flow's clocks are
replaced on the running instances (again after every restart), the periodic
housekeeping job is removed, and the tests call `send_due_reminders()` when a
tick should happen. Storage is read only where nothing is visible (a question's
conference, whether the outbox has drained before asserting that something
was *not* sent).
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import re
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.conftest import OFFICIAL, OFFICIALS, STRANGER, WORKER, WORKER_EN, Harness

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parent.parent

ORGANIZER = 2001
A, B, C, D, E = 3001, 3002, 3003, 3004, 3005
NAMES = {A: "Lan", B: "Minh", C: "Tuấn", D: "Hương", E: "Dũng"}
ORGANIZERS = {"user_ids": [ORGANIZER], "reminders": ["7d", "1d", "2h"],
              "reminder_grace_minutes": 60}

# "Now" for every test unless it moves the clock: 1 December 2026, 09:00 in Vietnam.
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=VN)
TITLE = "Hội nghị đối thoại giữa Chủ tịch UBND tỉnh với công nhân năm 2026"
PLACE = "Hội trường Liên đoàn Lao động tỉnh, số 5 đường Trần Hưng Đạo"
STARTS = datetime(2026, 12, 25, 8, 30, tzinfo=VN)          # typed as "25/12/2026 8h30"
STARTS_TEXT = "08:30 thứ Sáu, 25/12/2026"
HOUSING = "Nhà ở công nhân"
JOBS = "Việc làm, thu nhập"

Q_WAGE = "Lương tối thiểu vùng năm nay là bao nhiêu ạ?"
Q_ELECTRICITY = "Chủ nhà trọ thu tiền điện 5 nghìn đồng một số thì có đúng quy định không?"
Q_HOUSING = "Công nhân ở khu công nghiệp có được thuê nhà ở xã hội không ạ?"
Q_HOUSING_SIMILAR = "Cho em hỏi công nhân khu công nghiệp có được thuê nhà ở xã hội không?"
Q_ID_CARD = "Mất căn cước thì làm lại ở đâu, mất bao lâu?"
A_HALL = ("Tại hội nghị, Giám đốc Sở Xây dựng trả lời: công nhân được thuê nhà ở xã hội "
          "nếu thu nhập dưới mức chịu thuế; hồ sơ nộp tại Sở Xây dựng.")

COLUMNS = ("Mã câu hỏi", "Chủ đề", "Câu hỏi để đọc tại hội nghị", "Câu hỏi gốc", "Số người cùng hỏi",
           "Nguồn", "Trạng thái", "Đơn vị phụ trách", "Ngày hỏi", "Kênh", "Công ty / KCN", "Trả lời")
FOR_CONFERENCE = "Gửi cho hội nghị"


# -- fixtures and helpers -------------------------------------------------------------


@pytest.fixture
async def org(emu, make_config) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    """The bot with one organizer, five more workers and a controlled clock (T0)."""
    emu.add_user(ORGANIZER, "Thu", last_name="Đỗ", language_code="vi")
    for user_id, name in NAMES.items():
        emu.add_user(user_id, name, last_name="Nguyễn", language_code="vi")
    harness = Harness(emu, make_config(
        organizers=ORGANIZERS, departments=[{"key": "xd", "name": "Sở Xây dựng"}]))
    await harness.start()
    await join(harness, everyone(harness))
    set_clock(harness, T0)
    yield harness
    await harness.stop()


def set_clock(bot: Harness, moment: datetime) -> None:
    """Make conferences and the organizers' flow see `moment` as now; no periodic tick."""
    stamp = moment.timestamp()
    bot.services.conferences._clock = lambda: stamp
    bot.services.organizer._clock = lambda: stamp
    if bot.app.job_queue is not None:
        for job in bot.app.job_queue.get_jobs_by_name("housekeeping"):
            job.schedule_removal()


async def restart(bot: Harness, moment: datetime) -> None:
    await bot.restart()
    set_clock(bot, moment)


async def tick(bot: Harness, moment: datetime) -> int:
    """Move the clock and run the reminders part of a housekeeping tick."""
    set_clock(bot, moment)
    return await bot.services.conferences.send_due_reminders()


async def drained(bot: Harness, timeout: float = 10.0) -> None:
    """Wait until the outbox has nothing left to send (before asserting what was NOT sent)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = await bot.services.storage.outbox_rows()
        pending = [r for r in rows if r["sent_at"] is None and r["failed_at"] is None]
        if not pending:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"outbox still has {len(pending)} rows to send: {pending[:3]}")
        await asyncio.sleep(0.02)


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in message.get("buttons", [])]


def texts(bot: Harness, chat: int, marker: str) -> list[str]:
    """Texts (or captions) of the bot's messages in `chat` that contain `marker`."""
    return [m.get("text") or m.get("caption") or "" for m in bot.emu.bot_messages(chat)
            if marker in (m.get("text") or m.get("caption") or "")]


async def edited(bot: Harness, message: dict[str, Any], predicate: Callable[[dict], bool],
                 timeout: float = 5.0) -> dict[str, Any]:
    return await bot.emu.wait_for_edit(message["chat"]["id"], message["message_id"], predicate,
                                       timeout=timeout)


async def create_conference(bot: Harness, title: str = TITLE, when: str = "25/12/2026 8h30",
                            place: str = PLACE, topics: tuple[str, ...] = (HOUSING, JOBS)) -> int:
    """/conference ➕ all the way to ✅; returns the new conference's number."""
    menu = await bot.say(ORGANIZER, "/conference")
    await bot.press(ORGANIZER, menu, "Tạo hội nghị mới")
    await edited(bot, menu, lambda m: "Tên hội nghị" in m["text"])
    assert "diễn ra lúc nào" in (await bot.say(ORGANIZER, title))["text"]
    assert "ở đâu" in (await bot.say(ORGANIZER, when))["text"]
    assert "Mô tả ngắn" in (await bot.say(ORGANIZER, place))["text"]
    prompt = await bot.say(ORGANIZER, "-")
    for topic in topics:
        await bot.press(ORGANIZER, prompt, topic)
        prompt = await edited(bot, prompt, lambda m, t=topic: f"✅ {t}" in labels(m))
    await bot.press(ORGANIZER, prompt, "Xong")
    preview = await edited(bot, prompt, lambda m: "Xem lại hội nghị" in m["text"])
    await bot.press(ORGANIZER, preview, "Tạo hội nghị")
    created = await edited(bot, preview, lambda m: "Đã tạo hội nghị" in m["text"])
    match = re.search(r"#(\d+)", created["text"])
    assert match, created["text"]
    return int(match.group(1))


async def edit_menu(bot: Harness, title: str = TITLE) -> dict[str, Any]:
    """/conference ✏️ <title>: the conference with its field buttons."""
    menu = await bot.say(ORGANIZER, "/conference")
    await bot.press(ORGANIZER, menu, title[:30])
    return await edited(bot, menu, lambda m: "🕗 Đổi thời gian" in labels(m))


async def change_time(bot: Harness, when: str, title: str = TITLE) -> dict[str, Any]:
    fields = await edit_menu(bot, title)
    await bot.press(ORGANIZER, fields, "Đổi thời gian")
    await edited(bot, fields, lambda m: "diễn ra lúc nào" in m["text"])
    return await bot.say(ORGANIZER, when)


async def event_card(bot: Harness, user: int, title: str = TITLE) -> dict[str, Any]:
    after = bot.last_bot_id(user)
    await bot.emu.send_text(user, "/events")
    return await bot.emu.wait_for_bot_message(
        user, lambda m: title in (m.get("text") or "") and bool(m.get("buttons")), after=after)


async def subscribe(bot: Harness, user: int, title: str = TITLE) -> dict[str, Any]:
    card = await event_card(bot, user, title)
    answer = await bot.emu.wait_for_callback_answer(await bot.press(user, card, "Nhắc tôi"))
    assert answer["text"] == "Đã đăng ký nhắc lịch."
    return await edited(bot, card, lambda m: "🔕 Thôi nhắc lịch" in labels(m))


async def topics_for_conference(bot: Harness, user: int, pressed: dict[str, Any], *,
                                workplace: str | None = None) -> dict[str, Any]:
    """✍️ pressed under `pressed`: the optional workplace (typed, or skipped), then the topics."""
    after = bot.last_bot_id(user)
    await bot.press(user, pressed, "Gửi câu hỏi")
    asked = await bot.emu.wait_for_bot_message(
        user, lambda m: "Câu hỏi cho hội nghị" in m["text"], after=after)
    if labels(asked) != ["⏭ Bỏ qua"]:
        return asked  # already answered for this conference: straight to the topics
    assert "công ty hoặc khu công nghiệp" in asked["text"], asked["text"]
    after = bot.last_bot_id(user)
    if workplace is None:
        await bot.press(user, asked, "Bỏ qua")
        await edited(bot, asked, lambda m: "Đã bỏ qua" in m["text"] and not m.get("buttons"))
    else:
        await bot.emu.send_text(user, workplace)
        saved = await bot.emu.wait_for_bot_message(user, after=after)
        assert saved["text"] == f"Đã ghi nơi làm việc: {workplace}.", saved["text"]
    prompt = await settled(bot, user, after)
    assert "Câu hỏi cho hội nghị" in prompt["text"], prompt["text"]
    return prompt


async def settled(bot: Harness, user: int, after: int, pressed: dict[str, Any] | None = None,
                  timeout: float = 5.0) -> dict[str, Any]:
    """What the bot did in reply: its newest new message in the chat (once it has stopped
    sending), else the pressed message as edited."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: list[Any] = []
    while loop.time() < deadline:
        fresh = [m for m in bot.emu.bot_messages(user) if m["message_id"] > after]
        now = [(m["message_id"], m.get("text"), labels(m)) for m in fresh]
        if fresh and now == seen:
            return fresh[-1]
        seen = now
        if not fresh and pressed is not None:
            current = bot.emu.message(user, pressed["message_id"])
            if (current.get("text"), labels(current)) != (pressed.get("text"), labels(pressed)):
                return current
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not answer in chat {user}")


async def answer_the_flow(bot: Harness, user: int, message: dict[str, Any], topic: str, text: str,
                          *, follow: int | None = None,
                          topics: list[str] | None = None) -> dict[str, Any]:
    """Answer whatever the ask flow asks, in the order it asks (the question, the topic, "me
    too", with the name, send) until the bot says the case number or that the worker follows
    #`follow`; `topics`: the topics every topic choice must offer (then ✖️ Hủy)."""
    typed = False
    for _ in range(8):
        if "Mã câu hỏi" in message["text"] or "Bạn đã cùng hỏi" in message["text"]:
            return message
        after = bot.last_bot_id(user)
        buttons = labels(message)
        pressed: dict[str, Any] | None = message
        if any(topic in b for b in buttons):
            if topics is not None:
                assert buttons == [*topics, "✖️ Hủy"], buttons
            await bot.press(user, message, topic)
        elif any("Cùng hỏi" in b for b in buttons):
            assert follow is not None and f"👥 Cùng hỏi #{follow}" in buttons, buttons
            await bot.press(user, message, "Cùng hỏi")
        elif not typed and "Mời bạn gõ" in message["text"]:
            typed, pressed = True, None
            await bot.emu.send_text(user, text)
        else:
            label = next((b for b in buttons if "kèm tên" in b or b == "📨 Gửi câu hỏi"), None)
            assert label is not None, message
            await bot.press(user, message, label)
        message = await settled(bot, user, after, pressed)
    raise AssertionError(message["text"])


async def ask_for_conference(bot: Harness, user: int, topic: str, text: str, *,
                             follow: int | None = None, title: str = TITLE,
                             workplace: str | None = None) -> int:
    """/events ✍️ → (workplace) → topic → text → (me too | send); returns the case number."""
    card = await event_card(bot, user, title)
    menu = await topics_for_conference(bot, user, card, workplace=workplace)
    sent = await answer_the_flow(bot, user, menu, topic, text, follow=follow)
    if follow is not None:
        assert f"Bạn đã cùng hỏi #{follow}" in sent["text"], sent["text"]
        return follow
    match = re.search(r"#(\d+)", sent["text"])
    assert match, sent["text"]
    return int(match.group(1))


async def announce(bot: Harness, text: str | None, audience: str = "Tất cả", *,
                   photo: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """/announce → text (or a photo with it as caption) → audience; returns (choice, preview).

    The preview is the audience message edited in place; press "Gửi ngay" with `send_now`.
    """
    assert "Gửi nội dung thông báo" in (await bot.say(ORGANIZER, "/announce"))["text"]
    after = bot.last_bot_id(ORGANIZER)
    if photo:
        await bot.emu.send_photo(ORGANIZER, caption=text)
    else:
        assert text is not None
        await bot.emu.send_text(ORGANIZER, text)
    choice = await bot.emu.wait_for_bot_message(ORGANIZER, after=after)
    assert "Gửi thông báo tới ai?" in choice["text"], choice["text"]
    await bot.press(ORGANIZER, choice, audience)
    preview = await edited(bot, choice, lambda m: "Xem trước thông báo" in m["text"])
    return choice, preview


def recipients_in(preview: dict[str, Any]) -> int:
    match = re.search(r"sẽ gửi tới (\d+) người", preview["text"])
    assert match, preview["text"]
    return int(match.group(1))


async def send_now(bot: Harness, preview: dict[str, Any]) -> dict[str, Any]:
    """📣 Gửi ngay; returns the organizer's progress message (as first seen)."""
    after = bot.last_bot_id(ORGANIZER)
    await bot.press(ORGANIZER, preview, "Gửi ngay")
    await edited(bot, preview, lambda m: "Đã xếp lịch gửi thông báo" in m["text"])
    return await bot.emu.wait_for_bot_message(ORGANIZER, lambda m: "📣" in m["text"], after=after)


async def finished(bot: Harness, progress: dict[str, Any], *,
                   timeout: float = 10.0) -> dict[str, Any]:
    """The organizer's progress message, once it says the broadcast is done."""
    return await edited(bot, progress, lambda m: "Đã gửi xong" in m["text"] and "100%" in m["text"],
                        timeout=timeout)


async def join(bot: Harness, users: list[int]) -> None:
    """People who have pressed Start and agreed to the privacy notice (see `Harness.consent_all`)."""
    for user in users:
        bot.emu.open_chat(user)
    await bot.consent_all()


def everyone(bot: Harness) -> list[int]:
    """Every person the emulator knows but the organizer: all are registered workers who may
    hear announcements, which is what "Tất cả" means. The organizer sending one has seen its
    preview and is not sent a copy."""
    return [user["id"] for user in bot.emu.users() if user["id"] != ORGANIZER]


def attempts_to(bot: Harness, user: int) -> int:
    """Messages the bot tried to send to `user` (Bot API calls, including refused ones)."""
    return sum(1 for method, params in bot.emu.requests
               if method.lower() in ("sendmessage", "sendphoto", "senddocument")
               and str(params.get("chat_id")) == str(user))


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    """Every row of the agenda workbook's one sheet, as values."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Chương trình"]
    return [tuple(row) for row in book["Chương trình"].iter_rows(values_only=True)]


# -- 1. the organizer's conversation ----------------------------------------------------


async def test_organizer_creates_a_conference_step_by_step(org: Harness) -> None:
    # Someone who is not an organizer is refused, politely, and nothing starts.
    refusal = await org.say(WORKER, "/conference")
    assert refusal["text"] == "Chức năng này dành cho ban tổ chức hội nghị."
    assert not refusal.get("buttons")
    assert "Chức năng này dành cho ban tổ chức" in (await org.say(STRANGER, "/announce"))["text"]

    menu = await org.say(ORGANIZER, "/conference")
    assert labels(menu) == ["➕ Tạo hội nghị mới", "✖️ Hủy"]  # nothing scheduled yet
    await org.press(ORGANIZER, menu, "Tạo hội nghị mới")
    await edited(org, menu, lambda m: "Tên hội nghị là gì?" in m["text"])
    assert "diễn ra lúc nào" in (await org.say(ORGANIZER, TITLE))["text"]

    # A time the bot cannot read, one without an hour, and one already past: asked again.
    for bad in ("sáng thứ hai tuần sau nữa", "25/12/2026", "1/11/2026 8h"):
        again = await org.say(ORGANIZER, bad)
        assert "chưa hiểu" in again["text"], (bad, again["text"])
    assert "Hội nghị tổ chức ở đâu?" in (await org.say(ORGANIZER, "25/12/2026 8h30"))["text"]
    assert "Mô tả ngắn" in (await org.say(ORGANIZER, PLACE))["text"]
    prompt = await org.say(ORGANIZER, "-")
    assert labels(prompt) == ["▫️ Đào tạo, nâng cao tay nghề", f"▫️ {JOBS}", f"▫️ {HOUSING}",
                              "▫️ Thủ tục hành chính", "➡️ Xong"]
    await org.press(ORGANIZER, prompt, HOUSING)
    await edited(org, prompt, lambda m: f"✅ {HOUSING}" in labels(m))
    await org.press(ORGANIZER, prompt, JOBS)
    both = await edited(org, prompt, lambda m: f"✅ {JOBS}" in labels(m))
    assert labels(both) == ["▫️ Đào tạo, nâng cao tay nghề", f"✅ {JOBS}", f"✅ {HOUSING}",
                            "▫️ Thủ tục hành chính", "➡️ Xong"]
    await org.press(ORGANIZER, both, "Xong")
    preview = await edited(org, both, lambda m: "Xem lại hội nghị" in m["text"])
    assert TITLE in preview["text"] and STARTS_TEXT in preview["text"] and PLACE in preview["text"]
    assert f"Chủ đề: {JOBS}, {HOUSING}" in preview["text"]
    assert labels(preview) == ["✅ Tạo hội nghị", "✖️ Hủy"]
    await org.press(ORGANIZER, preview, "Tạo hội nghị")
    created = await edited(org, preview, lambda m: "Đã tạo hội nghị" in m["text"])
    assert created["text"].startswith("✅ Đã tạo hội nghị #1: ") and TITLE in created["text"]
    assert labels(created) == ["📣 Thông báo hội nghị này"]  # announcing: tests/test_conference_day.py

    conference = await org.services.conferences.conference(1)
    assert conference is not None and conference.starts_at == STARTS.timestamp()
    assert conference.description == "" and set(conference.topics) == {"housing", "jobs"}

    # The menu now lists it; /cancel mid-way leaves nothing behind.
    menu = await org.say(ORGANIZER, "/conference")
    assert labels(menu) == ["➕ Tạo hội nghị mới", "✏️ Hội nghị đối thoại giữa Chủ tịch UBND…",
                            "✖️ Hủy"]
    await org.press(ORGANIZER, menu, "Tạo hội nghị mới")
    await edited(org, menu, lambda m: "Tên hội nghị là gì?" in m["text"])
    assert "diễn ra lúc nào" in (await org.say(ORGANIZER, "Hội nghị sẽ bị bỏ dở"))["text"]
    assert (await org.say(ORGANIZER, "/cancel"))["text"] == "Đã hủy thao tác."
    # The next text is no longer read as the conference's time: it is a question, as for anyone.
    after_cancel = await org.say(ORGANIZER, "25/12/2026 8h30 tại nhà văn hóa")
    assert "Bạn muốn hỏi về lĩnh vực nào?" in after_cancel["text"], after_cancel["text"]
    assert [c.title for c in await org.services.conferences.upcoming()] == [TITLE]


# -- 2. workers: /events, subscribing, asking for the conference ------------------------------


async def test_worker_sees_the_conference_subscribes_and_asks_for_it(org: Harness) -> None:
    assert "chưa có hội nghị" in (await org.say(A, "/events"))["text"]
    conference_id = await create_conference(org)

    card = await event_card(org, A)
    assert f"🗓 {TITLE}" in card["text"] and f"🕗 {STARTS_TEXT}" in card["text"]
    assert f"📍 {PLACE}" in card["text"] and f"Chủ đề: {JOBS}, {HOUSING}" in card["text"]
    assert labels(card) == ["🔔 Nhắc tôi lịch hội nghị", "✍️ Gửi câu hỏi cho hội nghị"]

    answer = await org.emu.wait_for_callback_answer(await org.press(A, card, "Nhắc tôi"))
    assert answer["text"] == "Đã đăng ký nhắc lịch."
    on = await edited(org, card, lambda m: "Thôi nhắc lịch" in " ".join(labels(m)))
    assert labels(on) == ["🔕 Thôi nhắc lịch", "✍️ Gửi câu hỏi cho hội nghị"]
    assert "Bạn sẽ được nhắc trước khi hội nghị diễn ra" in on["text"]
    # /events again shows the same state.
    assert labels(await event_card(org, A))[0] == "🔕 Thôi nhắc lịch"

    answer = await org.emu.wait_for_callback_answer(await org.press(A, on, "Thôi nhắc lịch"))
    assert answer["text"] == "Đã hủy nhắc lịch."
    off = await edited(org, card, lambda m: "Nhắc tôi" in " ".join(labels(m)))
    assert labels(off) == labels(card) and "Bạn sẽ được nhắc" not in off["text"]
    assert [u.id for u in await org.services.storage.subscribers(conference_id)] == []

    # A question for the conference: where B works (optional), then only the conference's
    # topics are offered.
    card_b = await event_card(org, B)
    menu = await topics_for_conference(org, B, card_b, workplace="KCN Tân Bình")
    assert TITLE in menu["text"]
    # The event card keeps its buttons.
    assert labels(org.emu.message(B, card_b["message_id"])) == labels(card_b)
    sent = await answer_the_flow(org, B, menu, JOBS, Q_WAGE, topics=[JOBS, HOUSING])
    assert f"Câu hỏi đã được đăng ký cho hội nghị {TITLE}" in sent["text"], sent["text"]
    case = int(re.search(r"#(\d+)", sent["text"]).group(1))  # type: ignore[union-attr]

    # It reaches the officials as usual, and it is the conference's.
    card = await org.card(case)
    assert Q_WAGE in card["text"]
    question = await org.services.storage.get_question(case)
    assert question is not None and question.topic == "jobs"
    assert question.conference_id == conference_id
    rows = await org.services.conferences.agenda_rows(conference_id, "vi")
    assert [(r.case_id, r.question, r.votes) for r in rows] == [(case, Q_WAGE, 1)]


# -- 3. reminders -------------------------------------------------------------------------------


async def test_reminders_reach_each_subscriber_once_across_a_restart(org: Harness) -> None:
    await create_conference(org)
    for user in (A, B, C):
        await subscribe(org, user)
    card = await event_card(org, C)
    await org.press(C, card, "Thôi nhắc lịch")  # C changes their mind
    await edited(org, card, lambda m: "🔔 Nhắc tôi lịch hội nghị" in labels(m))
    await org.say(D, "/start")  # D never subscribed

    # Nothing is due a minute before the 7-day reminder.
    assert await tick(org, STARTS - timedelta(days=7, minutes=1)) == 0
    assert await tick(org, STARTS - timedelta(days=7) + timedelta(minutes=1)) == 1
    for user in (A, B):
        reminder = await org.emu.wait_for_bot_message(user, lambda m: "🔔 Nhắc lịch" in m["text"])
        assert TITLE in reminder["text"] and STARTS_TEXT in reminder["text"]
        assert PLACE in reminder["text"]
    assert await tick(org, STARTS - timedelta(days=6)) == 0  # a second tick sends nothing new

    await restart(org, STARTS - timedelta(days=6))
    assert await org.services.conferences.send_due_reminders() == 0
    await drained(org)
    for user in (A, B):
        assert len(texts(org, user, "🔔 Nhắc lịch")) == 1, user
    for user in (C, D):
        assert texts(org, user, "🔔 Nhắc lịch") == [], user

    # The next one (1 day before) comes once too, after another restart.
    assert await tick(org, STARTS - timedelta(days=1) + timedelta(minutes=5)) == 1
    await restart(org, STARTS - timedelta(days=1) + timedelta(minutes=6))
    assert await org.services.conferences.send_due_reminders() == 0
    await drained(org)
    for user in (A, B):
        assert len(texts(org, user, "🔔 Nhắc lịch")) == 2, user
    assert texts(org, C, "🔔 Nhắc lịch") == texts(org, D, "🔔 Nhắc lịch") == []


async def test_a_new_time_reschedules_and_late_reminders_are_skipped(org: Harness) -> None:
    await create_conference(org)
    await subscribe(org, A)
    old_7d = STARTS - timedelta(days=7)
    assert await tick(org, old_7d + timedelta(minutes=1)) == 1
    await org.emu.wait_for_bot_message(
        A, lambda m: "🔔 Nhắc lịch" in m["text"] and STARTS_TEXT in m["text"])

    # Moved by a day and a half, in the other way people type a time.
    set_clock(org, old_7d + timedelta(hours=1))
    done = await change_time(org, "14h 26/12/2026")
    assert done["text"].startswith("✅ Đã cập nhật") and "14:00 thứ Bảy, 26/12/2026" in done["text"]
    new_start = datetime(2026, 12, 26, 14, 0, tzinfo=VN)
    new_text = "14:00 thứ Bảy, 26/12/2026"
    assert (await event_card(org, A))["text"].count(new_text) == 1

    # The new 7-day reminder (19/12 14:00) comes; the old 1-day one (24/12 08:30) never does.
    assert await tick(org, new_start - timedelta(days=7) + timedelta(minutes=10)) == 1
    moved = await org.emu.wait_for_bot_message(
        A, lambda m: "🔔 Nhắc lịch" in m["text"] and new_text in m["text"])
    assert STARTS_TEXT not in moved["text"]
    assert await tick(org, STARTS - timedelta(days=1) + timedelta(minutes=1)) == 0
    assert await tick(org, STARTS - timedelta(hours=2) + timedelta(minutes=1)) == 0
    # The new 1-day reminder, 30 minutes late (within the hour of grace), is still sent.
    assert await tick(org, new_start - timedelta(days=1) + timedelta(minutes=30)) == 1
    await restart(org, new_start - timedelta(days=1) + timedelta(minutes=31))
    # The 2-hour one is found 61 minutes late (the bot was down): skipped, not sent.
    assert await tick(org, new_start - timedelta(hours=2) + timedelta(minutes=61)) == 0
    assert await tick(org, new_start - timedelta(minutes=1)) == 0
    await drained(org)
    reminders = texts(org, A, "🔔 Nhắc lịch")
    assert len(reminders) == 3
    assert STARTS_TEXT in reminders[0] and all(new_text in r for r in reminders[1:])


async def test_a_time_changed_and_changed_back_still_gets_its_reminders(org: Harness) -> None:
    await create_conference(org)
    await subscribe(org, A)
    assert "14:00 thứ Bảy, 26/12/2026" in (await change_time(org, "14h 26/12/2026"))["text"]
    assert STARTS_TEXT in (await change_time(org, "25/12/2026 8h30"))["text"]  # a mistake, undone

    assert await tick(org, STARTS - timedelta(days=7) + timedelta(minutes=1)) == 1
    reminder = await org.emu.wait_for_bot_message(A, lambda m: "🔔 Nhắc lịch" in m["text"])
    assert STARTS_TEXT in reminder["text"]
    assert await tick(org, datetime(2026, 12, 19, 14, 1, tzinfo=VN)) == 0  # 26/12's: never
    await drained(org)
    assert len(texts(org, A, "🔔 Nhắc lịch")) == 1


async def test_cancelling_notifies_every_subscriber_exactly_once(org: Harness) -> None:
    conference_id = await create_conference(org)
    for user in (A, B, C):
        await subscribe(org, user)
    stale = await event_card(org, C)
    await org.press(C, stale, "Thôi nhắc lịch")
    await edited(org, stale, lambda m: "🔔 Nhắc tôi lịch hội nghị" in labels(m))

    fields = await edit_menu(org)
    assert labels(fields) == ["📣 Thông báo hội nghị này", "✏️ Sửa tên", "🕗 Đổi thời gian",
                              "📍 Đổi địa điểm", "📝 Sửa mô tả", "✖️ Hủy hội nghị", "✖️ Hủy"]
    assert "🔔 2 người đăng ký nhắc lịch" in fields["text"], fields["text"]  # C changed their mind
    await org.press(ORGANIZER, fields, "Hủy hội nghị")
    confirm = await edited(org, fields, lambda m: "Hủy hội nghị này?" in m["text"])
    await org.press(ORGANIZER, confirm, "Đúng, hủy hội nghị")
    await edited(org, confirm, lambda m: m["text"] == "Đã hủy hội nghị và báo cho người đăng ký.")
    for user in (A, B):
        notice = await org.emu.wait_for_bot_message(user, lambda m: "bị hủy" in m["text"])
        assert TITLE in notice["text"] and STARTS_TEXT in notice["text"]

    # Nothing more, ever: not on later ticks, not after a restart, not at reminder times.
    assert await tick(org, T0 + timedelta(minutes=5)) == 0
    await restart(org, T0 + timedelta(minutes=6))
    assert await tick(org, STARTS - timedelta(days=7) + timedelta(minutes=1)) == 0
    assert await tick(org, STARTS - timedelta(days=1) + timedelta(minutes=1)) == 0
    await drained(org)
    for user in (A, B):
        assert len(texts(org, user, "bị hủy")) == 1 and texts(org, user, "🔔 Nhắc lịch") == []
    assert texts(org, C, "bị hủy") == [] and texts(org, C, "🔔 Nhắc lịch") == []

    # The conference is gone for workers; an old card's button says so.
    set_clock(org, T0)
    assert "chưa có hội nghị" in (await org.say(A, "/events"))["text"]
    gone = await org.emu.wait_for_callback_answer(await org.press(B, stale, "Nhắc tôi"))
    assert gone["text"] == "Hội nghị này không còn diễn ra."
    conference = await org.services.conferences.conference(conference_id)
    assert conference is not None and conference.status == "cancelled"


# -- 4. the agenda ------------------------------------------------------------------------------


async def test_agenda_ranked_by_votes_in_chat_and_on_the_command_line(org: Harness,
                                                                       tmp_path: Path) -> None:
    conference_id = await create_conference(org)
    wage = await ask_for_conference(org, A, JOBS, Q_WAGE)
    electricity = await ask_for_conference(org, B, HOUSING, Q_ELECTRICITY)
    housing = await ask_for_conference(org, C, HOUSING, Q_HOUSING)
    # Two more workers ask the same thing: the ask flow offers "me too" and they take it.
    assert await ask_for_conference(org, D, HOUSING, Q_HOUSING_SIMILAR, follow=housing) == housing
    assert await ask_for_conference(org, E, HOUSING, Q_HOUSING_SIMILAR, follow=housing) == housing
    # An ordinary question (plain /ask): not on the agenda.
    elsewhere = await org.ask(WORKER, Q_ID_CARD, topic="Thủ tục")
    assert (wage, electricity, housing) == (1, 2, 3) and elsewhere == 4
    await org.card(electricity)
    after = org.last_bot_id(OFFICIALS)
    await org.emu.send_text(OFFICIAL, f"/assign {electricity} xd", chat_id=OFFICIALS)
    await org.emu.wait_for_bot_message(OFFICIALS, lambda m: f"#{electricity}" in m["text"],
                                       after=after)
    told = await org.emu.wait_for_bot_message(B, lambda m: "📌" in m["text"])  # B hears of it
    assert "Sở Xây dựng" in told["text"]

    after = org.last_bot_id(ORGANIZER)
    await org.emu.send_text(ORGANIZER, f"/agenda {conference_id}")
    document = await org.emu.wait_for_bot_message(ORGANIZER, lambda m: "document" in m, after=after)
    assert document["document"]["file_name"] == f"chuong-trinh-{conference_id}.xlsx"
    assert TITLE in document["caption"] and "3 câu hỏi" in document["caption"]
    rows = sheet_rows(org.emu.file_bytes(ORGANIZER, document["message_id"]))
    blank = (None,) * 11
    day = {case: await asked_on(org, case) for case in (wage, electricity, housing)}
    assert rows[0][0] == TITLE
    assert rows[1] == COLUMNS
    assert rows[2:] == [  # grouped by topic, most votes first within and across groups
        (HOUSING, *blank),
        agenda_row(housing, HOUSING, Q_HOUSING, 3, "chờ trả lời", None, day[housing], None),
        agenda_row(electricity, HOUSING, Q_ELECTRICITY, 1, "chờ trả lời", "Sở Xây dựng",
                   day[electricity], None),
        (JOBS, *blank),
        agenda_row(wage, JOBS, Q_WAGE, 1, "chờ trả lời", None, day[wage], None),
    ]

    # Answered in the hall: the asker and both followers receive it, nobody else.
    watched = {user: org.last_bot_id(user) for user in (A, B, C, D, E, WORKER)}
    reply = await org.say(ORGANIZER, f"/answered {housing} {A_HALL}")
    assert reply["text"].startswith(f"✅ Đã ghi nhận trả lời tại hội nghị cho #{housing}")
    for user in (C, D, E):
        delivered = await org.answer_for(user, housing, after=watched[user])
        assert A_HALL in delivered["text"]
        # The asker sees their question quoted; followers are told it is the one they asked
        # too, without the asker's words.
        assert (Q_HOUSING in delivered["text"]) == (user == C), delivered["text"]
    await drained(org)
    for user in (C, D, E):
        assert len([m for m in org.emu.bot_messages(user)
                    if m["message_id"] > watched[user] and "📬" in m["text"]]) == 1, user
    for user in (A, B, WORKER):
        later = [m for m in org.emu.bot_messages(user) if m["message_id"] > watched[user]]
        assert later == [], user
    assert "Cú pháp: /answered" in (await org.say(ORGANIZER, f"/answered {housing}"))["text"]

    after = org.last_bot_id(ORGANIZER)
    await org.emu.send_text(ORGANIZER, f"/agenda {conference_id} csv")
    document = await org.emu.wait_for_bot_message(ORGANIZER, lambda m: "document" in m, after=after)
    assert document["document"]["file_name"] == f"chuong-trinh-{conference_id}.csv"
    raw = org.emu.file_bytes(ORGANIZER, document["message_id"])
    assert raw.startswith(codecs.BOM_UTF8)  # Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    expected_csv = [  # not grouped: strictly by votes, then by case number
        list(COLUMNS),
        as_csv(agenda_row(housing, HOUSING, Q_HOUSING, 3, "đã trả lời", None, day[housing], A_HALL)),
        as_csv(agenda_row(wage, JOBS, Q_WAGE, 1, "chờ trả lời", None, day[wage], None)),
        as_csv(agenda_row(electricity, HOUSING, Q_ELECTRICITY, 1, "chờ trả lời", "Sở Xây dựng",
                          day[electricity], None)),
    ]
    assert table == expected_csv

    # An unknown conference: the usage, with the conferences there are.
    usage = await org.say(ORGANIZER, "/agenda 99")
    assert "Cú pháp: /agenda" in usage["text"] and f"{conference_id} ({TITLE})" in usage["text"]

    # The same agenda from the command line, as XLSX and CSV.
    config = tmp_path / "cli.toml"
    config.write_text(cli_config(org), encoding="utf-8")
    out = tmp_path / "agenda.xlsx"
    code, output = await bot_cli("export", "agenda", "--conference", str(conference_id), "--format",
                                 "xlsx", "--output", str(out), "--config", str(config))
    assert code == 0, output
    cli_rows = sheet_rows(out.read_bytes())
    assert cli_rows[0][0] == TITLE and cli_rows[1] == COLUMNS
    assert cli_rows[2:] == [
        (HOUSING, *blank),
        agenda_row(housing, HOUSING, Q_HOUSING, 3, "đã trả lời", None, day[housing], A_HALL),
        agenda_row(electricity, HOUSING, Q_ELECTRICITY, 1, "chờ trả lời", "Sở Xây dựng",
                   day[electricity], None),
        (JOBS, *blank),
        agenda_row(wage, JOBS, Q_WAGE, 1, "chờ trả lời", None, day[wage], None),
    ]
    out_csv = tmp_path / "agenda.csv"
    code, output = await bot_cli("export", "agenda", "--conference", str(conference_id), "--format",
                                 "csv", "--output", str(out_csv), "--config", str(config))
    assert code == 0, output
    assert out_csv.read_bytes().startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig")))) == expected_csv


async def asked_on(bot: Harness, case: int) -> str:
    """The agenda's "Ngày hỏi" of a case: when it was asked, in Vietnam's time."""
    question = await bot.services.storage.get_question(case)
    return datetime.fromtimestamp(question.created_at, VN).strftime("%d/%m/%Y %H:%M")


def agenda_row(case: int, topic: str, text: str, votes: int, status: str, department: str | None,
               day: str, answer: str | None, *, reading: str | None = None,
               source: str = FOR_CONFERENCE, channel: str = "Telegram",
               workplace: str | None = None) -> tuple[Any, ...]:
    """A row of the agenda workbook as openpyxl reads it back (None: an empty cell)."""
    return (case, topic, reading or text, text, votes, source, status, department, day, channel,
            workplace, answer)


def as_csv(row: tuple[Any, ...]) -> list[str]:
    return ["" if value is None else str(value) for value in row]


def cli_config(bot: Harness) -> str:
    """A config file for the command line: the same database, topics and departments."""
    config = bot.config
    topics = "".join(f'[[topics]]\nkey = "{t.key}"\ntitle = "{t.title}"\n' for t in config.topics)
    departments = "".join(f'[[departments]]\nkey = "{d.key}"\nname = "{d.name}"\n'
                          for d in config.departments)
    return (f'[telegram]\ntoken = "{config.telegram.token}"\n'
            f'[officials]\nchat_id = {config.officials.chat_id}\n'
            f'[storage]\npath = "{config.storage.path}"\n' + topics + departments)


async def bot_cli(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    return process.returncode or 0, output.decode("utf-8", "replace")


# -- 5. announcements ---------------------------------------------------------------------------


async def test_announcement_reaches_everyone_once_and_respects_opt_out(org: Harness) -> None:
    people = everyone(org)
    first = "Thông báo: Hội nghị đối thoại với công nhân sẽ diễn ra sáng 25/12 tại Hội trường tỉnh."
    _, preview = await announce(org, first)
    assert recipients_in(preview) == len(people)  # nobody has opted out yet
    assert first in preview["text"]
    assert labels(preview) == ["📣 Gửi ngay", "✖️ Hủy"]
    progress = await send_now(org, preview)
    for user in people:
        message = await org.emu.wait_for_bot_message(user, lambda m: first in m["text"])
        assert labels(message) == (["🔕 Stop announcements"] if user == WORKER_EN
                                   else ["🔕 Không nhận thông báo"]), user
    done = await finished(org, progress)
    assert f"Đã gửi: {len(people)} · Lỗi: 0" in done["text"], done["text"]

    # A opts out with the button, B with the command.
    message = next(m for m in org.emu.bot_messages(A) if first in m["text"])
    after = org.last_bot_id(A)
    await org.press(A, message, "Không nhận thông báo")
    stopped = await org.emu.wait_for_bot_message(A, after=after)
    assert "không nhận thông báo chung nữa" in stopped["text"] and "/start_news" in stopped["text"]
    assert "không nhận thông báo chung nữa" in (await org.say(B, "/stop_news"))["text"]

    second = "Thông báo: Hạn gửi câu hỏi cho hội nghị là ngày 20/12."
    _, preview = await announce(org, second)
    assert recipients_in(preview) == len(people) - 2
    progress = await send_now(org, preview)
    for user in (C, D, E, WORKER):
        await org.emu.wait_for_bot_message(user, lambda m: second in m["text"])
    await finished(org, progress)

    # A opts back in.
    assert "nhận lại thông báo chung" in (await org.say(A, "/start_news"))["text"]
    third = "Thông báo: Hội nghị được truyền hình trực tiếp trên Đài tỉnh."
    _, preview = await announce(org, third)
    assert recipients_in(preview) == len(people) - 1
    progress = await send_now(org, preview)
    for user in (A, C, D, E, WORKER):
        await org.emu.wait_for_bot_message(user, lambda m: third in m["text"])
    await finished(org, progress)

    await drained(org)
    assert not any(labels(m) == ["🔕 Không nhận thông báo"] for m in org.emu.bot_messages(ORGANIZER))
    for user in people:
        assert len(texts(org, user, first)) == 1, user
        assert len(texts(org, user, second)) == (0 if user in (A, B) else 1), user
        assert len(texts(org, user, third)) == (0 if user == B else 1), user


async def test_a_worker_who_blocked_the_bot_is_tried_once_and_counted_failed(org: Harness) -> None:
    people = everyone(org)
    org.emu.block_bot(B)
    text = "Thông báo: Mời công nhân gửi câu hỏi cho hội nghị đối thoại qua /events."
    _, preview = await announce(org, text)
    assert recipients_in(preview) == len(people)  # the bot does not know yet
    progress = await send_now(org, preview)
    done = await finished(org, progress)
    assert f"Đã gửi: {len(people) - 1} · Lỗi: 1" in done["text"], done["text"]
    for user in people:
        assert len(texts(org, user, text)) == (0 if user == B else 1), user
    assert attempts_to(org, B) == 1  # 403 is permanent: never retried
    await drained(org)
    rows = [r for r in await org.services.storage.outbox_rows() if r["chat_id"] == str(B)]
    assert len(rows) == 1 and rows[0]["failed_at"] is not None and rows[0]["attempts"] == 1

    # Marked inactive: the next announcement does not count or try them.
    again = "Thông báo: Hội nghị bắt đầu lúc 8 giờ 30."
    _, preview = await announce(org, again)
    assert recipients_in(preview) == len(people) - 1
    progress = await send_now(org, preview)
    done = await finished(org, progress)
    assert f"Đã gửi: {len(people) - 1} · Lỗi: 0" in done["text"], done["text"]
    assert attempts_to(org, B) == 1


async def test_progress_message_does_not_claim_done_before_sending(org: Harness) -> None:
    text = "Thông báo: Hội nghị đối thoại năm nay có 300 đại biểu công nhân tham dự."
    _, preview = await announce(org, text)
    progress = await send_now(org, preview)
    # The message as first sent (before any edit), read from the Bot API calls.
    first_text = next(params["text"] for method, params in org.emu.requests
                      if method.lower() == "sendmessage" and "Đã gửi:" in str(params.get("text"))
                      and str(params.get("chat_id")) == str(ORGANIZER))
    assert "Đã gửi xong" not in first_text, first_text
    assert f"Còn lại: {len(everyone(org))}" in first_text, first_text
    await finished(org, progress)


async def test_announcement_with_a_photo_arrives_as_a_photo_with_its_caption(org: Harness) -> None:
    caption = "Sơ đồ hội trường: công nhân ngồi khu B, cửa vào số 2."
    _, preview = await announce(org, caption, photo=True)
    assert "(kèm photo)" in preview["text"] and caption in preview["text"]
    progress = await send_now(org, preview)
    for user in (A, B):
        photo = await org.emu.wait_for_bot_message(user, lambda m: "photo" in m)
        assert photo["caption"] == caption
        assert labels(photo) == ["🔕 Không nhận thông báo"]
        assert org.emu.file_bytes(user, photo["message_id"]).startswith(b"\x89PNG")
    done = await finished(org, progress)
    assert f"Đã gửi: {len(everyone(org))} · Lỗi: 0" in done["text"], done["text"]


async def test_announcement_text_is_shown_as_typed(org: Harness) -> None:
    """Plain text typed by the organizer, with characters HTML would take as markup."""
    text = "Công nhân có thu nhập <5 triệu đồng & ở trọ được hỗ trợ <b>quà Tết</b>."
    _, preview = await announce(org, text)
    assert text in preview["text"]
    progress = await send_now(org, preview)
    done = await finished(org, progress)
    assert "Lỗi: 0" in done["text"], done["text"]
    for user in (A, B):
        received = await org.emu.wait_for_bot_message(user, lambda m: "quà Tết" in m["text"])
        assert received["text"] == text


async def test_a_broadcast_cut_by_a_restart_resumes_without_duplicates(org: Harness) -> None:
    crowd = list(range(5000, 5060))
    for user in crowd:
        org.emu.add_user(user, f"Công nhân {user - 4999}", language_code="vi")
    await join(org, crowd)
    people = everyone(org)
    text = "Thông báo khẩn: Hội nghị đối thoại chuyển sang Nhà văn hóa công nhân."
    _, preview = await announce(org, text)
    assert recipients_in(preview) == len(people)
    progress = await send_now(org, preview)
    # Stop the bot once a third of the crowd has it (the bot sends at most ~30 a second):
    # the rest is still in the outbox.
    await org.emu.wait_for_bot_message(crowd[19], lambda m: text in m["text"])
    await org.restart()
    set_clock(org, T0)
    reached = sum(1 for user in crowd if texts(org, user, text))
    assert 20 <= reached < len(crowd), f"the restart did not cut the broadcast ({reached} had it)"
    for user in people:
        await org.emu.wait_for_bot_message(user, lambda m: text in m["text"], timeout=15)
    done = await finished(org, progress, timeout=15)
    assert f"Đã gửi: {len(people)} · Lỗi: 0" in done["text"], done["text"]
    await drained(org, timeout=15)
    counts = {user: len(texts(org, user, text)) for user in people}
    assert [u for u, n in counts.items() if n != 1] == [], counts
