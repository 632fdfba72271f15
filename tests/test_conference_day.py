"""A conference as an organizer runs it, end to end on both channels (issue 16).

The organizer (Telegram) creates a conference and announces it from the same
conversation; workers on Telegram press 🔔 / ✍️ under the announcement, a
worker on Zalo answers its numbered choices; the question flow for the
conference asks, optionally, for the company or industrial park; the worker's
confirmation names the conference; after the announcement the organizer is
told who could not be reached and why, and how many subscribed; the agenda
lists the conference's questions and the open questions of its topics, with
department, date, channel, workplace and a wording for reading aloud that an
organizer edits with /agenda_edit.

Telegram's refusals are the Bot API's own descriptions, as the emulator gives
them: 403 "Forbidden: bot was blocked by the user" and 403 "Forbidden: bot
can't initiate conversation with a user" (a person who never pressed Start;
python-telegram-bot raises `Forbidden` for both, tests/test_error.py there).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.zalo_emulator import ZaloEmulator
from bot.services.broadcasts import unreachable_reason
from bot.services.conferences import reading_wording
from tests.conftest import OFFICIAL, OFFICIALS, Harness
from tests.test_conferences import (
    HOUSING,
    JOBS,
    ORGANIZER,
    ORGANIZERS,
    T0,
    TITLE,
    asked_on,
    create_conference,
    drained,
    edited,
    join,
    labels,
    set_clock,
    settled,
    sheet_rows,
)

LAN, MINH, TUAN, HOA = 4001, 4002, 4003, 4004
NEVER_STARTED = 4009
HUNG = "a1b2c3d4e5f6a7b8c9d0"   # a worker on Zalo
Q_TG = "cty em ko dc đóng bhxh 2 tháng nay thì phải làm ntn ạ??"
Q_TG_READ = "Công ty em không được đóng bảo hiểm xã hội 2 tháng nay thì phải làm như thế nào ạ?"
Q_ZALO = "Công nhân thuê trọ gần khu công nghiệp có được hỗ trợ tiền nhà không ạ?"
Q_OPEN = "Khi nào tỉnh xây thêm nhà ở xã hội cho công nhân khu công nghiệp Tân Tạo?"
Q_OPEN_TOO = "Khi nào tỉnh xây thêm nhà ở xã hội cho công nhân ở khu công nghiệp Tân Tạo ạ?"
Q_ELSEWHERE = "Mất căn cước công dân thì làm lại ở đâu, mất bao lâu?"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloEmulator]:
    emulator = ZaloEmulator()
    await emulator.start()
    emulator.add_user(HUNG, "Trần Văn Hùng")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def day(emu: BotApiEmulator, zalo: ZaloEmulator,
              make_config: Callable[..., Any]) -> AsyncIterator[Harness]:
    """The bot on Telegram and Zalo, one organizer, four Telegram workers who pressed Start and
    one who is known to the bot but never did (``NEVER_STARTED``)."""
    emu.add_user(ORGANIZER, "Thu", last_name="Đỗ", language_code="vi")
    for user_id, name in ((LAN, "Lan"), (MINH, "Minh"), (TUAN, "Tuấn"), (HOA, "Hoa"),
                          (NEVER_STARTED, "Bình")):
        emu.add_user(user_id, name, last_name="Nguyễn", language_code="vi")
    harness = Harness(emu, make_config(
        organizers=ORGANIZERS, departments=[{"key": "xd", "name": "Sở Xây dựng"}],
        zalo={"token": zalo.token, "base_url": zalo.base_url, "rate_per_second": 500}))
    await harness.start()
    await join(harness, [user["id"] for user in emu.users() if user["id"] != NEVER_STARTED])
    await harness.consent_all()  # NEVER_STARTED: a row in the database, no private chat open
    set_clock(harness, T0)
    harness.zalo = zalo  # type: ignore[attr-defined]
    yield harness
    await harness.stop()


# -- helpers: people on both channels -----------------------------------------------------------


async def zalo_say(bot: Harness, text: str, predicate: Callable[[dict[str, Any]], bool] | None = None
                   ) -> dict[str, Any]:
    zalo: ZaloEmulator = bot.zalo  # type: ignore[attr-defined]
    after = zalo.last_bot_seq(HUNG)
    await zalo.send_text(HUNG, text)
    return await zalo.wait_for_bot_message(HUNG, predicate, after=after)


def telegram_people(bot: Harness) -> int:
    return sum(1 for user in bot.emu.users() if user["id"] != ORGANIZER)


def choices(message: dict[str, Any]) -> dict[str, int]:
    """Zalo's numbered choices: label → number."""
    return {label: int(number) for number, label in re.findall(r"^(\d+)\. (.+)$", message["text"], re.MULTILINE)}


async def announce_conference(bot: Harness, menu_message: dict[str, Any]) -> dict[str, Any]:
    """📣 under a conference → everyone → preview → send; returns the organizer's progress message."""
    after = bot.last_bot_id(ORGANIZER)
    await bot.press(ORGANIZER, menu_message, "Thông báo hội nghị này")
    audience = await bot.emu.wait_for_bot_message(ORGANIZER, lambda m: "Gửi thông báo tới ai?" in m["text"],
                                                  after=after)
    await bot.press(ORGANIZER, audience, "Tất cả")
    preview = await edited(bot, audience, lambda m: "Xem trước thông báo" in m["text"])
    assert "🔔 Nhắc tôi và ✍️ Gửi câu hỏi" in preview["text"], preview["text"]
    assert "Mời bạn tham gia hội nghị đối thoại" in preview["text"] and TITLE in preview["text"]
    # Everyone the bot knows who has not opted out, the one who never pressed Start included
    # (the bot cannot tell), and the Zalo worker; never the organizer.
    assert f"sẽ gửi tới {telegram_people(bot) + 1} người" in preview["text"], preview["text"]
    after = bot.last_bot_id(ORGANIZER)
    await bot.press(ORGANIZER, preview, "Gửi ngay")
    await edited(bot, preview, lambda m: "Đã xếp lịch gửi thông báo" in m["text"])
    return await bot.emu.wait_for_bot_message(ORGANIZER, lambda m: "📣" in m["text"], after=after)


async def telegram_asks(bot: Harness, user: int, message: dict[str, Any], topic: str,
                        text: str) -> dict[str, Any]:
    """From the bot's first prompt for the conference to its confirmation, answering whatever
    it asks, in the order it asks (question, topic, name or anonymous, send)."""
    typed = False
    for _ in range(8):
        if "Mã câu hỏi" in message["text"]:
            return message
        after = bot.last_bot_id(user)
        buttons = labels(message)
        if topic in buttons:
            await bot.press(user, message, topic)
        elif not typed and "Mời bạn gõ" in message["text"]:
            typed = True
            await bot.emu.send_text(user, text)
        else:
            label = next((b for b in buttons if "kèm tên" in b or b == "📨 Gửi câu hỏi"), None)
            assert label is not None, message
            await bot.press(user, message, label)
        message = await settled(bot, user, after, None if "Mời bạn gõ" in message["text"] else message)
    raise AssertionError(message["text"])


async def zalo_settled(bot: Harness, after: int) -> dict[str, Any]:
    """The Zalo worker's newest message from the bot once it has stopped sending."""
    zalo: ZaloEmulator = bot.zalo  # type: ignore[attr-defined]
    await zalo.wait_for_bot_message(HUNG, after=after)
    seen = -1
    while zalo.last_bot_seq(HUNG) != seen:
        seen = zalo.last_bot_seq(HUNG)
        await asyncio.sleep(0.2)
    return zalo.bot_messages(HUNG)[-1]


async def zalo_asks(bot: Harness, message: dict[str, Any], text: str) -> dict[str, Any]:
    """The same on Zalo, typing numbers and words."""
    zalo: ZaloEmulator = bot.zalo  # type: ignore[attr-defined]
    typed = False
    for _ in range(8):
        if "Mã câu hỏi" in message["text"]:
            return message
        offered = choices(message)
        if "Nhà ở công nhân" in offered:
            assert "Thủ tục hành chính" not in offered  # only the conference's topics
            answer = "nha o"
        elif not typed and "Mời bạn gõ" in message["text"]:
            typed, answer = True, text
        else:
            number = next((n for label, n in offered.items()
                           if "kèm tên" in label or label == "📨 Gửi câu hỏi"), None)
            assert number is not None, message["text"]
            answer = str(number)
        after = zalo.last_bot_seq(HUNG)
        await zalo.send_text(HUNG, answer)
        message = await zalo_settled(bot, after)
    raise AssertionError(message["text"])


def case_of(confirmation: dict[str, Any]) -> int:
    match = re.search(r"#(\d+)", confirmation["text"])
    assert match, confirmation["text"]
    return int(match.group(1))


# -- the journey ----------------------------------------------------------------------------------


async def test_create_announce_ask_and_the_agenda_on_both_channels(day: Harness) -> None:
    zalo: ZaloEmulator = day.zalo  # type: ignore[attr-defined]
    greeting = await zalo_say(day, "xin chào")
    await zalo_say(day, str(choices(greeting)["✅ Đồng ý"]), lambda m: "Đặt câu hỏi" in m["text"])
    day.emu.block_bot(MINH)  # Minh blocked the bot since he last wrote

    # Before the conference: an open housing question that two workers ask (a follower by
    # "me too"), and one in a topic the conference does not cover.
    open_case = await day.ask(HOA, Q_OPEN, topic="Nhà ở")
    message = await day.say(TUAN, "/ask")
    for _ in range(4):  # in whatever order the bot asks: the question, the topic, "me too"
        if any("Cùng hỏi" in b for b in labels(message)):
            break
        after = day.last_bot_id(TUAN)
        if "Nhà ở công nhân" in labels(message):
            await day.press(TUAN, message, "Nhà ở")
            message = await settled(day, TUAN, after, message)
        else:
            await day.emu.send_text(TUAN, Q_OPEN_TOO)
            message = await settled(day, TUAN, after)
    await day.press(TUAN, message, "Cùng hỏi")
    await edited(day, message, lambda m: f"Bạn đã cùng hỏi #{open_case}" in m["text"])
    elsewhere = await day.ask(LAN, Q_ELSEWHERE, topic="Thủ tục")

    # Create, then announce from the same message.
    conference_id = await create_conference(day, topics=(HOUSING, JOBS))
    created = next(m for m in reversed(day.emu.bot_messages(ORGANIZER)) if "Đã tạo hội nghị" in m["text"])
    assert labels(created) == ["📣 Thông báo hội nghị này"]
    progress = await announce_conference(day, created)

    # Telegram: the invitation with 🔔 and ✍️; Zalo: the same as numbered choices.
    invitation = await day.emu.wait_for_bot_message(LAN, lambda m: "Mời bạn tham gia" in m["text"])
    assert TITLE in invitation["text"] and "Chủ đề: Việc làm, thu nhập, Nhà ở công nhân" in invitation["text"]
    assert labels(invitation) == ["🔔 Nhắc tôi lịch hội nghị", "✍️ Gửi câu hỏi cho hội nghị",
                                  "🔕 Không nhận thông báo"]
    on_zalo = await zalo.wait_for_bot_message(HUNG, lambda m: "Mời bạn tham gia" in m["text"])
    assert choices(on_zalo) == {"🔔 Nhắc tôi lịch hội nghị": 1, "✍️ Gửi câu hỏi cho hội nghị": 2}
    assert "<b>" not in on_zalo["text"] and TITLE in on_zalo["text"]

    # The organizer's report once it is done: who could not be reached, and why.
    await edited(day, progress, lambda m: "Đã gửi xong" in m["text"], timeout=10)
    report = await day.emu.wait_for_bot_message(ORGANIZER, lambda m: "Kết quả thông báo" in m["text"])
    reached = telegram_people(day) + 1 - 2
    assert f"đã gửi tới {reached} người, không gửi được tới 2 người" in report["text"], report["text"]
    assert "Minh Nguyễn (Telegram): đã chặn bot" in report["text"], report["text"]
    assert "Bình Nguyễn (Telegram): chưa từng bấm Bắt đầu với bot" in report["text"], report["text"]
    assert f"Đăng ký nhắc lịch hội nghị {TITLE}: 0 người" in report["text"], report["text"]

    # Lan subscribes with 🔔 under the invitation; Hùng types "1" on Zalo.
    answer = await day.emu.wait_for_callback_answer(await day.press(LAN, invitation, "Nhắc tôi"))
    assert answer["text"] == "Đã đăng ký nhắc lịch."
    assert "Đã đăng ký nhắc lịch." in (await zalo_say(day, "1"))["text"]
    fields_menu = await day.say(ORGANIZER, "/conference")
    await day.press(ORGANIZER, fields_menu, TITLE[:30])
    view = await edited(day, fields_menu, lambda m: "🔔" in m["text"])
    assert "🔔 2 người đăng ký nhắc lịch · ✍️ 0 câu hỏi gửi cho hội nghị" in view["text"], view["text"]
    await day.press(ORGANIZER, view, "✖️ Hủy")

    # ✍️ on Telegram: the optional workplace, typed; the confirmation names the conference.
    after = day.last_bot_id(LAN)
    await day.press(LAN, invitation, "Gửi câu hỏi")
    asked = await day.emu.wait_for_bot_message(LAN, lambda m: "công ty hoặc khu công nghiệp" in m["text"],
                                               after=after)
    assert labels(asked) == ["⏭ Bỏ qua"] and TITLE in asked["text"]
    after = day.last_bot_id(LAN)
    await day.emu.send_text(LAN, "Công ty TNHH Giày Hưng Phát, KCN Tân Tạo")
    prompt = await settled(day, LAN, after)
    assert "Câu hỏi cho hội nghị" in prompt["text"] and TITLE in prompt["text"], prompt["text"]
    assert "Đã ghi nơi làm việc: Công ty TNHH Giày Hưng Phát, KCN Tân Tạo." in [
        m["text"] for m in day.emu.bot_messages(LAN) if m["message_id"] > after]
    sent = await telegram_asks(day, LAN, prompt, JOBS, Q_TG)
    assert f"Câu hỏi đã được đăng ký cho hội nghị {TITLE}" in sent["text"], sent["text"]
    telegram_case = case_of(sent)

    # ✍️ on Zalo ("2"): the workplace, then the numbered topics.
    asked = await zalo_say(day, "2")
    assert "công ty hoặc khu công nghiệp" in asked["text"] and choices(asked) == {"⏭ Bỏ qua": 1}
    after = zalo.last_bot_seq(HUNG)
    await zalo.send_text(HUNG, "KCN Vĩnh Lộc")
    prompt = await zalo_settled(day, after)
    assert "Đã ghi nơi làm việc: KCN Vĩnh Lộc." in [m["text"] for m in zalo.bot_messages(HUNG)
                                                    if m["seq"] > after]
    sent = await zalo_asks(day, prompt, Q_ZALO)
    assert f"Câu hỏi đã được đăng ký cho hội nghị {TITLE}" in sent["text"], sent["text"]
    zalo_case = case_of(sent)

    # Both reach the officials as usual; one is given to a department.
    await day.card(zalo_case)
    await day.emu.send_text(OFFICIAL, f"/assign {zalo_case} xd", chat_id=OFFICIALS)
    await day.emu.wait_for_bot_message(OFFICIALS, lambda m: "Sở Xây dựng" in m["text"])

    # An organizer words a question for reading aloud; the worker's words stay beside it.
    done = await day.say(ORGANIZER, f"/agenda_edit {zalo_case} Công nhân thuê trọ gần KCN có được hỗ trợ tiền thuê nhà không?")
    assert f"Cách đọc câu hỏi #{zalo_case} tại hội nghị" in done["text"], done["text"]
    assert "Cú pháp: /agenda_edit" in (await day.say(ORGANIZER, "/agenda_edit 999 Một câu"))["text"]
    assert "Cú pháp: /agenda_edit" in (await day.say(ORGANIZER, "/agenda_edit abc"))["text"]
    assert "Chức năng này dành cho ban tổ chức" in (await day.say(LAN, f"/agenda_edit {zalo_case} x"))["text"]

    # The agenda.
    await drained(day)
    after = day.last_bot_id(ORGANIZER)
    await day.emu.send_text(ORGANIZER, f"/agenda {conference_id}")
    document = await day.emu.wait_for_bot_message(ORGANIZER, lambda m: "document" in m, after=after)
    assert "/agenda_edit" in document["caption"] and "3 câu hỏi" in document["caption"]
    rows = sheet_rows(day.emu.file_bytes(ORGANIZER, document["message_id"]))
    by_case = {row[0]: row for row in rows[2:] if isinstance(row[0], int)}
    assert set(by_case) == {open_case, telegram_case, zalo_case}  # not the procedures question
    assert elsewhere not in by_case
    # Most askers plus followers first, within the housing group: the open question asked twice.
    housing_rows = [row[0] for row in rows[2:] if row[1] == HOUSING]
    assert housing_rows == [open_case, zalo_case]
    assert by_case[open_case] == (
        open_case, HOUSING, Q_OPEN, Q_OPEN, 2, "Đang chờ trả lời (cùng chủ đề)", "chờ trả lời", None,
        await asked_on(day, open_case), "Telegram", None, None)
    assert by_case[telegram_case] == (
        telegram_case, JOBS, Q_TG_READ, Q_TG, 1, "Gửi cho hội nghị", "chờ trả lời", None,
        await asked_on(day, telegram_case), "Telegram", "Công ty TNHH Giày Hưng Phát, KCN Tân Tạo", None)
    assert by_case[zalo_case] == (
        zalo_case, HOUSING, "Công nhân thuê trọ gần KCN có được hỗ trợ tiền thuê nhà không?", Q_ZALO, 1,
        "Gửi cho hội nghị", "chờ trả lời", "Sở Xây dựng", await asked_on(day, zalo_case), "Zalo",
        "KCN Vĩnh Lộc", None)

    # "-" puts the automatic wording back.
    reset = await day.say(ORGANIZER, f"/agenda_edit {zalo_case} -")
    assert f"#{zalo_case} dùng lại cách đọc tự động" in reset["text"] and Q_ZALO in reset["text"]


async def test_the_workplace_question_is_optional_asked_once_and_cancelled_with_the_question(
        day: Harness) -> None:
    await create_conference(day, topics=(HOUSING,))
    card = await _event_card(day, LAN)
    after = day.last_bot_id(LAN)
    await day.press(LAN, card, "Gửi câu hỏi")
    asked = await day.emu.wait_for_bot_message(LAN, lambda m: "⏭ Bỏ qua" in labels(m), after=after)
    await day.press(LAN, asked, "Bỏ qua")
    skipped = await edited(day, asked, lambda m: "Đã bỏ qua" in m["text"])
    assert not skipped.get("buttons")
    first = await day.emu.wait_for_bot_message(
        LAN, lambda m: "Câu hỏi cho hội nghị" in m["text"] and "⏭ Bỏ qua" not in labels(m), after=after)
    # Asked once per conference: the next ✍️ goes straight to the question flow.
    after = day.last_bot_id(LAN)
    await day.press(LAN, card, "Gửi câu hỏi")
    again = await settled(day, LAN, after)
    assert "Câu hỏi cho hội nghị" in again["text"] and "công ty" not in again["text"], again
    assert labels(again) == labels(first)

    # Another worker is asked, and cancels: the next thing typed is a question, not a workplace.
    card = await _event_card(day, TUAN)
    after = day.last_bot_id(TUAN)
    await day.press(TUAN, card, "Gửi câu hỏi")
    await day.emu.wait_for_bot_message(TUAN, lambda m: "⏭ Bỏ qua" in labels(m), after=after)
    await day.say(TUAN, "/cancel")
    after = day.last_bot_id(TUAN)
    await day.emu.send_text(TUAN, "Công ty có được trả lương chậm 2 tháng không ạ?")
    reply = await settled(day, TUAN, after)
    assert "nơi làm việc" not in reply["text"], reply["text"]  # taken as a question
    # A name far too long is refused kindly and still waited for.
    card = await _event_card(day, HOA)
    after = day.last_bot_id(HOA)
    await day.press(HOA, card, "Gửi câu hỏi")
    await day.emu.wait_for_bot_message(HOA, lambda m: "⏭ Bỏ qua" in labels(m), after=after)
    too_long = await day.say(HOA, "Công ty " + "rất " * 60)
    assert "Tên nơi làm việc hơi dài" in too_long["text"], too_long["text"]
    saved = await day.say(HOA, "Công ty Điện tử Sao Mai")
    assert saved["text"] == "Đã ghi nơi làm việc: Công ty Điện tử Sao Mai."
    # /mydata shows it; /forget deletes it.
    hoa = (await _user(day, HOA)).id
    data = await day.services.storage.personal_data(hoa)
    assert [w["workplace"] for w in data["conference_workplaces"]] == ["Công ty Điện tử Sao Mai"]
    await day.services.storage.forget_user(hoa)
    assert (await day.services.storage.personal_data(hoa))["conference_workplaces"] == []


async def test_the_telegram_menu_and_help_lead_to_conferences(day: Harness) -> None:
    await create_conference(day, topics=(HOUSING,))
    greeting = await day.say(LAN, "/start")
    assert "🗓 Hội nghị đối thoại" in labels(greeting)
    after = day.last_bot_id(LAN)
    await day.press(LAN, greeting, "Hội nghị đối thoại")
    card = await day.emu.wait_for_bot_message(LAN, lambda m: TITLE in m["text"], after=after)
    assert labels(card) == ["🔔 Nhắc tôi lịch hội nghị", "✍️ Gửi câu hỏi cho hội nghị"]
    assert "/events" in (await day.say(LAN, "/help"))["text"]


# -- pure functions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "read"), [
    (Q_TG, Q_TG_READ),
    ("lương 5k có đc k", "Lương 5k có được không?"),
    ("gọi em 0912 345 678 hoặc em@congty.vn nhé", "Gọi em [số điện thoại] hoặc [e-mail] nhé?"),
    ("  KCN   Tân Bình có nhà ở xã hội ko  ", "Khu công nghiệp Tân Bình có nhà ở xã hội không?"),
    ("Lương tối thiểu vùng năm nay là bao nhiêu ạ?", "Lương tối thiểu vùng năm nay là bao nhiêu ạ?"),
])
def test_reading_wording(typed: str, read: str) -> None:
    assert reading_wording(typed) == read


@pytest.mark.parametrize(("error", "reason"), [
    ("Forbidden: bot was blocked by the user", "blocked"),
    ("Forbidden: bot can't initiate conversation with a user", "never_started"),
    ("Forbidden: user is deactivated", "deactivated"),
    ("Bad Request: chat not found", "never_started"),
    ("-201: something else", "other"),
    (None, "other"),
])
def test_unreachable_reason(error: str | None, reason: str) -> None:
    assert unreachable_reason(error) == reason


async def _event_card(bot: Harness, user: int) -> dict[str, Any]:
    after = bot.last_bot_id(user)
    await bot.emu.send_text(user, "/events")
    return await bot.emu.wait_for_bot_message(user, lambda m: TITLE in m["text"] and bool(m.get("buttons")),
                                              after=after)


async def _user(bot: Harness, user: int) -> Any:
    found = await bot.services.storage.user_by_chat("telegram", str(user))
    assert found is not None
    return found
