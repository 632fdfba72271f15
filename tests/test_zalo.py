"""The Zalo channel end to end: workers on the emulated Zalo Bot Platform, officials in Telegram.

The real application runs against both emulators at once (one process, one
config); workers type numbers or words where Telegram users press buttons.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.channels.zalo import (TEXT_LIMIT, ZaloApiError, choice_number, failure, fold, html_to_text,
                               match_choice, parse_update, render)
from bot.config import ConfigError, parse_config
from bot.models import Button, OutboxRequest
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.zalo_emulator import ZaloEmulator
from bot.storage import Storage
from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness, config_data, free_port

HUNG = "a1b2c3d4e5f6a7b8c9d0"     # Zalo user ids are opaque strings
MAI = "f0e1d2c3b4a5f6e7d8c9"
ORGANIZER = 2001
QUESTION = "Công nhân thuê trọ gần khu công nghiệp có được hỗ trợ tiền nhà không ạ?"
SECRET = "zalo-webhook-secret-42"


class ZaloBot:
    """The running bot seen from both sides: Zalo workers and the Telegram officials' group."""

    def __init__(self, harness: Harness, zalo: ZaloEmulator) -> None:
        self.harness = harness
        self.zalo = zalo

    @property
    def services(self) -> Any:
        return self.harness.services

    async def say(self, user: str, text: str,
                  predicate: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """Send text as a Zalo user; the bot's next message (matching `predicate`) in that chat."""
        after = self.zalo.last_bot_seq(user)
        await self.zalo.send_text(user, text)
        return await self.zalo.wait_for_bot_message(user, predicate, after=after)

    async def consent(self, user: str, agree: bool = True) -> dict[str, Any]:
        """Answer the personal-data notice (any first message brings it); returns the greeting."""
        notice = await self.say(user, "xin chào")
        assert "1. ✅ Đồng ý\n2. 🕶 Không, tôi chỉ hỏi ẩn danh" in notice["text"], notice["text"]
        assert "Zalo" in notice["text"] and "Telegram" not in notice["text"]
        return await self.say(user, "1" if agree else "2", lambda m: "1. ✍️ Đặt câu hỏi" in m["text"])

    async def ask(self, user: str, text: str = QUESTION) -> int:
        """hỏi → the question → the topic by words → with name (sends); returns the case number."""
        prompt = (await self.say(user, "hỏi"))["text"]
        assert "Mời bạn gõ câu hỏi" in prompt and "Gõ “hủy” nếu muốn hủy" in prompt, prompt
        topics = await self.say(user, text)
        assert "1. Đào tạo" in topics["text"], topics["text"]
        confirm = await self.say(user, "nha o")
        assert "kiểm tra lại" in confirm["text"], confirm["text"]
        assert "1. 📨 Gửi kèm tên\n2. 🕶 Gửi ẩn danh\n3. ✖️ Hủy" in confirm["text"], confirm["text"]
        sent = await self.say(user, "số 1")
        match = re.search(r"#(\d+)", sent["text"])
        assert match and "Đã gửi câu hỏi" in sent["text"], sent["text"]
        return int(match.group(1))


def zalo_section(zalo: ZaloEmulator, **extra: Any) -> dict[str, Any]:
    return {"token": zalo.token, "base_url": zalo.base_url, "rate_per_second": 500, **extra}


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloEmulator]:
    emulator = ZaloEmulator()
    await emulator.start()
    emulator.add_user(HUNG, "Trần Văn Hùng")
    emulator.add_user(MAI, "Lê Thị Mai")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def zbot(emu: BotApiEmulator, zalo: ZaloEmulator,
               make_config: Callable[..., Any]) -> AsyncIterator[ZaloBot]:
    harness = Harness(emu, make_config(zalo=zalo_section(zalo)))
    await harness.start()
    yield ZaloBot(harness, zalo)
    await harness.stop()


@pytest.fixture
async def webhook_bot(emu: BotApiEmulator, zalo: ZaloEmulator,
                      make_config: Callable[..., Any]) -> AsyncIterator[ZaloBot]:
    port = free_port()
    harness = Harness(emu, make_config(zalo=zalo_section(
        zalo, mode="webhook", webhook_secret=SECRET, webhook_port=port,
        webhook_url=f"http://127.0.0.1:{port}/zalo/hook")))
    await harness.start()
    for _ in range(200):  # setWebhook is called in the background at start
        if zalo.webhook is not None:
            break
        await asyncio.sleep(0.01)
    yield ZaloBot(harness, zalo)
    await harness.stop()


def journal_rows(bot: ZaloBot) -> int:
    with sqlite3.connect(bot.services.storage.path) as db:
        return int(db.execute("SELECT COUNT(*) FROM zalo_journal").fetchone()[0])


def zalo_users(bot: ZaloBot) -> int:
    with sqlite3.connect(bot.services.storage.path) as db:
        return int(db.execute("SELECT COUNT(*) FROM users WHERE channel = 'zalo'").fetchone()[0])


# -- the whole loop ------------------------------------------------------------------------


async def test_worker_on_zalo_answered_from_the_telegram_group(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    case = await zbot.ask(HUNG)
    card = await zbot.harness.card(case)
    assert "Trần Văn Hùng · Zalo" in card["text"]
    assert QUESTION in card["text"] and "Nhà ở công nhân" in card["text"]

    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.harness.answer_by_reply(OFFICIAL, case, "Có. Bạn nộp hồ sơ tại Công đoàn <KCN> & Sở Xây dựng.")
    answer = await zbot.zalo.wait_for_bot_message(HUNG, lambda m: "📬" in m["text"], after=after)
    text = answer["text"]
    assert f"#{case}" in text and "Công đoàn <KCN> & Sở Xây dựng" in text
    assert "<b>" not in text and "&amp;" not in text and "&lt;" not in text
    assert f"│ {QUESTION}" in text  # the quoted question
    assert "1. 👍 Hữu ích\n2. 👎 Chưa thỏa đáng\n3. ❓ Hỏi thêm" in text and "Trả lời 1–3" in text
    edited = await zbot.harness.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                                  lambda m: m["text"].startswith("✅"))
    assert "Trần Văn Hùng · Zalo" in edited["text"]

    thanks = (await zbot.say(HUNG, "1"))["text"]
    assert (await zbot.services.storage.get_question(case)).rating == 1
    # The choices change after rating, as Telegram's buttons do: what is left is to ask more.
    assert "Cảm ơn bạn đã đánh giá" in thanks and "1. ❓ Hỏi thêm" in thanks and "Hữu ích" not in thanks
    prompt = await zbot.say(HUNG, "1")
    assert f"#{case}" in prompt["text"] and "hỏi thêm" in prompt["text"]
    sent = await zbot.say(HUNG, "Vậy hồ sơ cần những giấy tờ gì ạ?")
    assert "Đã gửi câu hỏi thêm" in sent["text"]
    followup = await zbot.harness.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "Hỏi thêm về #" in m["text"] and "giấy tờ" in m["text"])
    assert followup["reply_to_message"]["message_id"] == card["message_id"]

    history = await zbot.say(HUNG, "câu hỏi của tôi")
    assert f"#{case}" in history["text"] and "<b>" not in history["text"]


async def test_a_worker_who_keeps_no_name_asks_anonymously(zbot: ZaloBot) -> None:
    greeting = await zbot.consent(MAI, agree=False)
    assert "không lưu tên" in zbot.zalo.bot_messages(MAI)[-2]["text"]
    assert greeting["text"].startswith("Xin chào Lê Thị Mai! 👋")  # greeted, but the name is not kept
    await zbot.say(MAI, "/ask")
    await zbot.say(MAI, "Công ty nợ lương hai tháng thì tôi nên làm gì trước ạ?")
    confirm = await zbot.say(MAI, "viec lam")
    assert "sẽ được gửi ẩn danh" in confirm["text"] and "kèm tên" not in confirm["text"]
    assert "1. 🕶 Gửi ẩn danh\n2. ✖️ Hủy" in confirm["text"], confirm["text"]
    sent = await zbot.say(MAI, "đồng ý")  # "ok" / "đồng ý" sends, as the first choice
    case = int(re.search(r"#(\d+)", sent["text"]).group(1))  # type: ignore[union-attr]
    card = await zbot.harness.card(case)
    assert "Ẩn danh · Zalo" in card["text"]
    assert "Mai" not in card["text"] and MAI not in card["text"]
    users = [u for u in await zbot.services.storage.audience("all") if u.channel == "zalo"]
    assert [(u.external_id, u.display_name) for u in users] == [(MAI, "")]


async def test_a_named_worker_may_still_ask_anonymously(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    await zbot.say(HUNG, "hỏi")
    await zbot.say(HUNG, QUESTION)
    confirm = await zbot.say(HUNG, "thu tuc")
    assert "Gửi kèm tên: cán bộ thấy tên của bạn là “Trần Văn Hùng”" in confirm["text"]
    sent = await zbot.say(HUNG, "gui an danh")
    case = int(re.search(r"#(\d+)", sent["text"]).group(1))  # type: ignore[union-attr]
    card = await zbot.harness.card(case)
    assert "Ẩn danh · Zalo" in card["text"] and "Hùng" not in card["text"]


async def test_personal_data_notice_comes_first_and_forget_works(zbot: ZaloBot) -> None:
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.zalo.send_sticker(HUNG)
    assert "Đồng ý" in (await zbot.zalo.wait_for_bot_message(HUNG, after=after))["text"]
    assert "Đồng ý" in (await zbot.say(HUNG, "hỏi"))["text"]
    assert "Đồng ý" in (await zbot.say(HUNG, "5"))["text"]  # out of range: still the notice
    await zbot.say(HUNG, "dong y", lambda m: "Đặt câu hỏi" in m["text"])
    user = next(u for u in await zbot.services.storage.audience("all") if u.external_id == HUNG)
    assert user.display_name == "Trần Văn Hùng"
    data = await zbot.say(HUNG, "dữ liệu của tôi")
    assert '"display_name": "Trần Văn Hùng"' in data["text"] and "&quot;" not in data["text"]
    prompt = await zbot.say(HUNG, "/forget")
    assert "1. 🗑 Xóa dữ liệu của tôi" in prompt["text"]
    assert "Đã xóa dữ liệu cá nhân" in (await zbot.say(HUNG, "1"))["text"]
    assert not [u for u in await zbot.services.storage.audience("all") if u.channel == "zalo"]
    assert "Đồng ý" in (await zbot.say(HUNG, "hỏi"))["text"]  # a new person now


async def test_start_menu_help_and_cancel_are_words(zbot: ZaloBot) -> None:
    greeting = await zbot.consent(HUNG)
    assert "Xin chào Trần Văn Hùng" in greeting["text"]
    assert greeting["text"] == (await zbot.say(HUNG, "Xin chào!"))["text"]
    assert "1. ✍️ Đặt câu hỏi\n2. 📋 Câu hỏi của tôi\n3. ❓ Hướng dẫn" in greeting["text"]
    help_text = await zbot.say(HUNG, "3")
    assert "Trên Zalo" in help_text["text"] and "“câu hỏi của tôi”" in help_text["text"]
    assert "chưa gửi câu hỏi nào" in (await zbot.say(HUNG, "2"))["text"]  # the menu stays
    assert "Mời bạn gõ câu hỏi" in (await zbot.say(HUNG, "1"))["text"]
    # Texts that name a Telegram command name the word to type instead.
    cancelled = (await zbot.say(HUNG, "HUY"))["text"]
    assert "Đã hủy" in cancelled and "bằng “hỏi”" in cancelled and "/ask" not in cancelled, cancelled
    assert "không có thao tác nào cần hủy" in (await zbot.say(HUNG, "/huy"))["text"]
    assert "Mời bạn gõ câu hỏi" in (await zbot.say(HUNG, "Hỏi"))["text"]
    assert "Trên Zalo" in (await zbot.say(HUNG, "trợ giúp"))["text"]
    unknown = (await zbot.say(HUNG, "/abc"))["text"]
    assert "chưa hiểu lệnh" in unknown and "Gõ “trợ giúp”" in unknown, unknown


# -- numbered choices ----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "number"), [
    ("2", 2), (" 2 ", 2), ("số 2", 2), ("So 2", 2), ("SỐ 2", 2), ("#2", 2), ("2.", 2), ("2)", 2),
    ("chọn 2", 2), ("lựa chọn 2", 2), ("2 ạ", 2), ("２", 2), ("2️⃣", 2), ("12", 12),
])
def test_choice_numbers(typed: str, number: int) -> None:
    assert choice_number(typed) == number


@pytest.mark.parametrize("typed", ["hai", "2 con", "tôi có 2 con", "số", "", "12345", "2,5 triệu"])
def test_not_choice_numbers(typed: str) -> None:
    assert choice_number(typed) is None


TOPICS = ["Đào tạo, nâng cao tay nghề", "Việc làm, thu nhập", "Nhà ở công nhân", "Thủ tục hành chính",
          "✖️ Hủy"]


@pytest.mark.parametrize(("typed", "index"), [
    ("nha o", 2), ("Nhà ở", 2), ("NHA O CONG NHAN", 2), ("nhà ở công nhân!", 2), ("nhà ơ", 2),
    ("viec lam", 1), ("thu tuc hanh chinh", 3), ("dao tao", 0), ("huy", 4), ("thu nhap", 1),
])
def test_choices_by_words_with_or_without_accents(typed: str, index: int) -> None:
    assert match_choice(typed, TOPICS) == index


@pytest.mark.parametrize("typed", [
    "o",                                     # too short to mean anything
    "cong",                                  # in two labels
    "nha cong nhan",                         # words not together
    "Nhà ở công nhân thuê ở đâu vậy ạ, tôi muốn hỏi",  # a question, not a choice
])
def test_words_that_choose_nothing(typed: str) -> None:
    assert match_choice(typed, TOPICS + ["Công việc"]) is None


def test_ambiguous_words_choose_nothing() -> None:
    labels = ["📨 Gửi kèm tên", "🕶 Gửi ẩn danh", "✖️ Hủy"]
    assert match_choice("gui", labels) is None
    assert match_choice("gui an danh", labels) == 1
    assert match_choice("an danh", labels) == 1


def test_fold_handles_nfd_and_d_stroke() -> None:
    assert fold(unicodedata.normalize("NFD", "Đăng ký nhà ở")) == "dang ky nha o"
    assert fold("thuý/thúy, hoà") == "thuy thuy hoa"


async def test_numbers_out_of_range_and_without_choices(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    topics = await zbot.say(HUNG, QUESTION)
    assert "Trả lời 1–5" in topics["text"]
    for typed in ("9", "số 0", "6"):
        reply = await zbot.say(HUNG, typed)
        assert "từ 1 đến 5" in reply["text"], reply["text"]
    # Nothing changed: the same list still works; choosing uses it up.
    assert "Thủ tục hành chính" in (await zbot.say(HUNG, "số 4"))["text"]
    assert "Đã gửi câu hỏi" in (await zbot.say(HUNG, "2"))["text"]  # 2: anonymously
    assert "không có lựa chọn nào" in (await zbot.say(HUNG, "2"))["text"].lower()


async def test_typed_text_while_a_choice_is_waiting_shows_the_choices_again(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    await zbot.say(HUNG, "hỏi")
    await zbot.say(HUNG, QUESTION)
    confirm = await zbot.say(HUNG, "nha o")
    assert "1. 📨 Gửi kèm tên" in confirm["text"]
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.zalo.send_text(HUNG, "không biết nữa")
    hint = await zbot.zalo.wait_for_bot_message(HUNG, after=after)
    again = await zbot.zalo.wait_for_bot_message(HUNG, after=hint["seq"])
    assert "số thứ tự" in hint["text"] and "nút" not in hint["text"]
    assert "1. 📨 Gửi kèm tên" in again["text"]
    assert "Đã gửi câu hỏi" in (await zbot.say(HUNG, "OK ạ"))["text"]
    (question,) = await zbot.services.storage.questions_of_user(
        (await zbot.services.storage.user_by_chat("zalo", HUNG)).id)
    assert not question.anonymous  # "ok" is the first choice: with the name shown above


async def test_a_question_typed_first_keeps_its_text(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    topics = await zbot.say(HUNG, QUESTION)
    assert "1. Đào tạo" in topics["text"]
    confirm = await zbot.say(HUNG, "3", lambda m: "kèm tên" in m["text"])
    assert QUESTION in confirm["text"] and "Trả lời 1–3" in confirm["text"]


# -- not text ------------------------------------------------------------------------------


async def test_stickers_and_pictures_get_a_clear_reply(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    for send in (zbot.zalo.send_sticker, zbot.zalo.send_image):
        after = zbot.zalo.last_bot_seq(HUNG)
        await send(HUNG)
        reply = await zbot.zalo.wait_for_bot_message(HUNG, after=after)
        assert "chỉ nhận câu hỏi bằng chữ" in reply["text"], (send, reply["text"])
    # A picture with a caption: the caption is the question (as on Telegram).
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.zalo.send_image(HUNG, caption=QUESTION)
    topics = await zbot.zalo.wait_for_bot_message(HUNG, after=after)
    assert "lĩnh vực nào" in topics["text"]
    await zbot.say(HUNG, "nhà ở", lambda m: "kèm tên" in m["text"] and QUESTION in m["text"])


async def test_group_messages_are_not_answered(zbot: ZaloBot) -> None:
    await zbot.zalo.send_in_group(HUNG, "group-1", "hỏi")
    assert "Đồng ý" in (await zbot.say(HUNG, "hỏi"))["text"]
    assert zbot.zalo.bot_messages("group-1") == []


# -- durability ----------------------------------------------------------------------------


async def test_a_restart_between_the_choices_and_the_reply_keeps_their_meaning(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    await zbot.say(HUNG, QUESTION)
    await zbot.harness.stop()
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.zalo.send_text(HUNG, "2")  # sent while the bot is down: waits at Zalo
    await zbot.harness.start()
    chosen = await zbot.zalo.wait_for_bot_message(HUNG, after=after)
    assert "Việc làm, thu nhập" in chosen["text"] and "kèm tên" in chosen["text"], chosen["text"]
    await zbot.harness.restart()
    assert "Đã gửi câu hỏi" in (await zbot.say(HUNG, "2"))["text"]


async def test_a_replayed_update_acts_on_the_choice_it_was_resolved_to(zbot: ZaloBot) -> None:
    """The process died after reading "1" as choice 2 but before finishing: the replay agrees."""
    await zbot.consent(HUNG)
    await zbot.say(HUNG, QUESTION)
    choices = await zbot.services.storage.zalo_choices(HUNG)
    storage = zbot.services.storage
    update = {"event_name": "message.text.received",
              "message": {"message_id": "replayed-1", "from": {"id": HUNG, "display_name": "Trần Văn Hùng"},
                          "chat": {"id": HUNG, "chat_type": "PRIVATE"}, "date": 0, "text": "1"}}
    await zbot.harness.stop()
    db = await Storage.open(storage.path)
    await db.journal_zalo_update("replayed-1", json.dumps(update))
    (row_id, _, _, _), = await db.pending_zalo_updates()
    await db.begin_zalo_update(row_id)
    await db.resolve_zalo_update(row_id, choices[1][1])
    await db.close()
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.harness.start()
    chosen = await zbot.zalo.wait_for_bot_message(HUNG, after=after)
    assert "Việc làm, thu nhập" in chosen["text"] and "Đào tạo" not in chosen["text"]


async def test_failed_sends_are_retried_through_the_outbox(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    zbot.zalo.fail_next("sendMessage", 503, "Service Unavailable")
    assert "Mời bạn gõ câu hỏi" in (await zbot.say(HUNG, "hỏi"))["text"]
    sends = [m for m, _ in zbot.zalo.requests if m == "sendMessage"]
    assert len(sends) >= 2


async def test_an_answer_zalo_refuses_is_shown_to_the_officials(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    case = await zbot.ask(HUNG)
    card = await zbot.harness.card(case)
    zbot.zalo.fail_next("sendMessage", 400, "Bad Request: chat <id> & its user not found")
    await zbot.harness.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp nhé.")
    notice = await zbot.harness.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "không đến được người hỏi" in m["text"] and f"#{case}" in m["text"])
    assert "(qua Zalo)" in notice["text"]
    assert "chat <id> & its user not found" in notice["text"]   # escaped once: read as written
    assert notice["reply_to_message"]["message_id"] == card["message_id"]


async def test_a_long_message_cut_short_goes_on_where_it_stopped(zbot: ZaloBot,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    await zbot.consent(HUNG)
    client = zbot.harness.app.bot_data["zalo"].client
    send = client.send_message
    calls = 0

    async def second_fails_once(chat_id: str, text: str) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 2:   # the first piece arrived; the second is lost once
            raise ZaloApiError(503, "Service Unavailable")
        return await send(chat_id, text)

    monkeypatch.setattr(client, "send_message", second_fails_once)
    after = zbot.zalo.last_bot_seq(HUNG)
    paragraphs = [f"Đoạn {i}: " + "người lao động được hỗ trợ tiền thuê nhà. " * 40 for i in range(1, 4)]
    await zbot.services.storage.enqueue([OutboxRequest(channel="zalo", chat_id=HUNG, text="\n\n".join(paragraphs),
                                                       dedupe_key="test:long")])
    zbot.services.outbox.wake()
    last = await zbot.zalo.wait_for_bot_message(HUNG, lambda m: "Đoạn 3" in m["text"], after=after, timeout=10)
    texts = [m["text"] for m in zbot.zalo.bot_messages(HUNG) if after < m["seq"] <= last["seq"]]
    assert [t.split(":")[0] for t in texts] == ["Đoạn 1", "Đoạn 2", "Đoạn 3"]   # each piece once, in order
    assert calls == 4


# -- webhook -------------------------------------------------------------------------------


async def test_webhook_mode_registers_and_serves_the_worker(webhook_bot: ZaloBot) -> None:
    assert webhook_bot.zalo.webhook is not None
    url, secret = webhook_bot.zalo.webhook
    assert secret == SECRET and url.endswith("/zalo/hook")
    assert not any(m == "getUpdates" for m, _ in webhook_bot.zalo.requests)
    await webhook_bot.consent(HUNG)
    topics = await webhook_bot.say(HUNG, QUESTION)
    assert "1. Đào tạo" in topics["text"]
    assert "kiểm tra lại" in (await webhook_bot.say(HUNG, "3"))["text"]


async def test_webhook_with_a_wrong_or_missing_secret_processes_nothing(webhook_bot: ZaloBot) -> None:
    zalo = webhook_bot.zalo
    update = {"event_name": "message.text.received",
              "message": {"message_id": "forged-1", "from": {"id": MAI, "display_name": "Kẻ giả mạo"},
                          "chat": {"id": MAI, "chat_type": "PRIVATE"}, "date": 0, "text": "hỏi"}}
    before = journal_rows(webhook_bot)
    assert await zalo.post_webhook(update, secret="not-the-secret") == 403
    assert await zalo.post_webhook(update, secret=None) == 403
    assert await zalo.post_webhook(update, secret=SECRET[:-1]) == 403
    assert await zalo.post_webhook(b"{not json", secret="wrong") == 403
    await asyncio.sleep(0.3)
    assert journal_rows(webhook_bot) == before
    assert zalo_users(webhook_bot) == 0
    assert zalo.bot_messages(MAI) == []
    # The same update with the right secret is taken (and only once when delivered twice).
    assert await zalo.post_webhook(update, secret=SECRET) == 200
    assert await zalo.post_webhook(update, secret=SECRET) == 200
    notice = await zalo.wait_for_bot_message(MAI)
    assert "Đồng ý" in notice["text"]
    assert journal_rows(webhook_bot) == before + 1
    assert await zalo.post_webhook(b"{not json", secret=SECRET) == 400


# -- announcements -------------------------------------------------------------------------


async def test_an_announcement_reaches_a_zalo_worker(emu: BotApiEmulator, zalo: ZaloEmulator,
                                                     make_config: Callable[..., Any]) -> None:
    emu.add_user(ORGANIZER, "Thu", last_name="Đỗ", language_code="vi")
    harness = Harness(emu, make_config(zalo=zalo_section(zalo), organizers={"user_ids": [ORGANIZER]}))
    await harness.start()
    bot = ZaloBot(harness, zalo)
    try:
        await bot.consent(HUNG)
        topics = await bot.say(HUNG, QUESTION)  # registered, and in the middle of choosing
        assert "Trả lời 1–5" in topics["text"]
        await bot.consent(MAI, agree=False)
        text = "Thông báo: Hội nghị đối thoại với công nhân diễn ra sáng 25/12 tại Hội trường tỉnh."
        assert "Gửi nội dung" in (await harness.say(ORGANIZER, "/announce"))["text"]
        audience = await harness.say(ORGANIZER, text)
        await harness.press(ORGANIZER, audience, "Tất cả")
        preview = await emu.wait_for_edit(ORGANIZER, audience["message_id"],
                                          lambda m: "Xem trước" in m["text"])
        await harness.press(ORGANIZER, preview, "Gửi ngay")
        for user in (HUNG, MAI):
            news = await zalo.wait_for_bot_message(user, lambda m: text in m["text"])
            assert "dừng tin" in news["text"] and "Trả lời" not in news["text"]
        # The announcement did not take the place of the topic choices.
        assert "Nhà ở công nhân" in (await bot.say(HUNG, "3"))["text"]
        assert "không nhận thông báo chung nữa" in (await bot.say(MAI, "dung tin"))["text"]
        assert [u.external_id for u in await harness.services.storage.audience("all")
                if u.channel == "zalo"] == [HUNG]
    finally:
        await harness.stop()


# -- pure pieces ---------------------------------------------------------------------------


def test_html_becomes_plain_text() -> None:
    markup = ("📬 Câu hỏi <b>#12</b> của bạn.\n\n<b>Bạn hỏi:</b>\n<blockquote>dòng 1\ndòng 2</blockquote>\n"
              "<b>Trả lời:</b>\n<i>Xem</i> <a href=\"https://luat.vn/x\">luật</a> &amp; 5 &lt; 6")
    assert html_to_text(markup) == (
        "📬 Câu hỏi #12 của bạn.\n\nBạn hỏi:\n│ dòng 1\n│ dòng 2\nTrả lời:\nXem luật (https://luat.vn/x) & 5 < 6")


def test_long_messages_are_split_within_zalo_limits() -> None:
    buttons = ((Button("👍 Hữu ích", "r:1:up"), Button("👎 Chưa thỏa đáng", "r:1:down")),)
    rendered = render("Trả lời: " + "rất dài " * 700, buttons, lambda key, **p: key)
    assert len(rendered.pieces) >= 3
    assert all(1 <= len(p) <= TEXT_LIMIT for p in rendered.pieces)
    assert rendered.pieces[-1].endswith("zalo.choices_hint")
    assert rendered.choices == [("👍 Hữu ích", "r:1:up"), ("👎 Chưa thỏa đáng", "r:1:down")]


def test_updates_are_read_tolerantly() -> None:
    wrapped = {"event_name": "message.text.received",
               "message": {"message_id": "m1", "from": {"id": "u1", "first_name": "An"},
                           "chat": {"id": "u1", "chat_type": "PRIVATE"}, "date": 1, "text": "hỏi"}}
    incoming = parse_update(7, wrapped)
    assert incoming is not None
    assert (incoming.event, incoming.user_id, incoming.name, incoming.text, incoming.private) == (
        "text", "u1", "An", "hỏi", True)
    assert parse_update(1, {"event_name": "message.text.received"}) is None
    assert parse_update(1, {"event_name": "x", "message": {"from": {}}}) is None


def test_zalo_config(tmp_path: Any) -> None:
    emu_like = type("E", (), {"token": "1:a", "base_url": "http://127.0.0.1:1/bot"})()
    data = config_data(emu_like, tmp_path / "db.sqlite3")  # type: ignore[arg-type]
    assert parse_config(data, env={}).zalo is None
    config = parse_config({**data, "zalo": {"token": "1:z"}}, env={"ZALO_TOKEN": "2:env"})
    assert config.zalo is not None and config.zalo.token == "2:env"
    assert config.zalo.mode == "polling" and config.zalo.base_url == "https://bot-api.zaloplatforms.com"
    assert "2:env" not in repr(config.zalo)
    for bad, key in [({"token": ""}, "zalo.token"), ({"token": "1:z", "mode": "push"}, "zalo.mode"),
                     ({"token": "1:z", "mode": "webhook", "webhook_secret": "short"}, "zalo.webhook_secret"),
                     ({"token": "1:z", "rate_per_second": 0}, "zalo.rate_per_second"),
                     ({"token": "1:z", "colour": "blue"}, "zalo.colour")]:
        with pytest.raises(ConfigError) as error:
            parse_config({**data, "zalo": bad}, env={})
        assert error.value.key == key


# -- Zalo as it really behaves ---------------------------------------------------------------
# Source for this section: Zalo Bot Platform's documentation (bot.zapps.me/docs), as copied in
# lamdt1/ckvn-bot docs/zalo-bot-doc.md: "Bảng mã lỗi" (403 Internal server error, 429 Quota
# exceeded), the webhook body {"ok": true, "result": {...}}, and the warning that a sender in a
# protected group (children, people with disabilities, people who cannot read) arrives as
# message.unsupported.received instead of their content.

HOTLINE = "1900 1234 (Công đoàn KCN)"


async def outbox_row(bot: ZaloBot, chat_id: str, predicate: Callable[[dict[str, Any]], bool]
                     ) -> dict[str, Any]:
    for _ in range(250):
        rows = [r for r in await bot.services.storage.outbox_rows()
                if r["chat_id"] == chat_id and predicate(r)]
        if rows:
            return rows[-1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no outbox row for {chat_id} as expected")


async def test_a_403_from_zalo_is_its_internal_error_and_is_retried(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    zbot.zalo.fail_next("sendMessage", 403, "Internal server error", times=2)
    assert "Mời bạn gõ câu hỏi" in (await zbot.say(HUNG, "hỏi"))["text"]
    assert not [r for r in await zbot.services.storage.failed_deliveries() if r["channel"] == "zalo"]


async def test_over_the_zalo_quota_zalo_waits_and_telegram_goes_on(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    zbot.zalo.exceed_quota()
    sends = len(zbot.zalo.sends())
    await zbot.zalo.send_text(HUNG, "hỏi")
    waiting = await outbox_row(zbot, HUNG, lambda r: "429" in (r["last_error"] or ""))
    # Not a failure, not an attempt used up: the row waits about an hour, and only Zalo's rows do.
    assert waiting["failed_at"] is None and waiting["sent_at"] is None and waiting["attempts"] == 0
    assert waiting["due_at"] - time.time() > 50 * 60
    # Another Zalo message meanwhile waits too, without asking Zalo again.
    await zbot.zalo.send_text(MAI, "xin chào")
    await outbox_row(zbot, MAI, lambda r: "429" in (r["last_error"] or ""))
    assert len(zbot.zalo.sends()) == sends + 1
    # Telegram is not paused: a worker there is answered at once, a case reaches the officials.
    help_text = await zbot.harness.say(WORKER, "/help")
    assert "/ask" in help_text["text"]
    case = await zbot.harness.ask(WORKER, "Công ty nợ lương hai tháng thì tôi nên làm gì trước ạ?")
    assert "Công ty nợ lương" in (await zbot.harness.card(case))["text"]
    assert zbot.zalo.bot_messages(MAI) == []


async def test_a_message_zalo_withholds_gets_how_else_to_reach_the_union(
        emu: BotApiEmulator, zalo: ZaloEmulator, make_config: Callable[..., Any]) -> None:
    harness = Harness(emu, make_config(zalo=zalo_section(zalo, hotline=HOTLINE)))
    await harness.start()
    try:
        after = zalo.last_bot_seq(HUNG)
        update = await zalo.send_withheld(HUNG, "cho em hỏi về tiền thai sản ạ")
        assert "text" not in update["message"] and update["event_name"] == "message.unsupported.received"
        reply = await zalo.wait_for_bot_message(HUNG, after=after)
        text = reply["text"]
        assert "Zalo chưa chuyển nội dung tin nhắn của bạn" in text and HOTLINE in text, text
        # Not the consent notice with choices they could not answer, nor "send text instead".
        assert "Đồng ý" not in text and "chỉ nhận câu hỏi bằng chữ" not in text and "<b>" not in text
        # A worker who had already agreed is told the same.
        bot = ZaloBot(harness, zalo)
        await bot.consent(MAI)
        after = zalo.last_bot_seq(MAI)
        await zalo.send_withheld(MAI, "tôi muốn hỏi")
        assert HOTLINE in (await zalo.wait_for_bot_message(MAI, after=after))["text"]
    finally:
        await harness.stop()


async def test_without_a_hotline_the_withheld_message_points_to_the_workplace_union(zbot: ZaloBot) -> None:
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.zalo.send_withheld(HUNG, "hỏi")
    text = (await zbot.zalo.wait_for_bot_message(HUNG, after=after))["text"]
    assert "Zalo chưa chuyển nội dung" in text and "công đoàn cơ sở nơi bạn làm việc" in text


async def test_an_update_without_an_event_name_but_with_text_is_text(zbot: ZaloBot) -> None:
    # The older documented shape: Zalo's python-zalo-bot SDK reads an update as its message
    # alone (its Update has no event name); text there is a text message.
    await zbot.consent(HUNG)
    after = zbot.zalo.last_bot_seq(HUNG)
    update = await zbot.zalo.send_text(HUNG, "hỏi", event_name=False)
    assert "event_name" not in update
    prompt = await zbot.zalo.wait_for_bot_message(HUNG, after=after)
    assert "Mời bạn gõ câu hỏi" in prompt["text"] and "chỉ nhận câu hỏi bằng chữ" not in prompt["text"]


async def test_webhook_bodies_wrapped_as_zalo_sends_them_and_bare_ones_are_taken(
        webhook_bot: ZaloBot) -> None:
    zalo = webhook_bot.zalo
    await webhook_bot.consent(HUNG)   # every update so far came wrapped as {"ok": true, "result": ...}
    before = journal_rows(webhook_bot)
    bare = {"message": {"message_id": "bare-1", "from": {"id": HUNG, "display_name": "Trần Văn Hùng"},
                        "chat": {"id": HUNG, "chat_type": "PRIVATE"}, "date": 0, "text": "hỏi"}}
    after = zalo.last_bot_seq(HUNG)
    assert await zalo.post_webhook(bare, secret=SECRET, wrapped=False) == 200   # bare, no event name
    assert "Mời bạn gõ câu hỏi" in (await zalo.wait_for_bot_message(HUNG, after=after))["text"]
    after = zalo.last_bot_seq(HUNG)
    wrapped_withheld = {"event_name": "message.unsupported.received",
                        "message": {**bare["message"], "message_id": "wrapped-2", "text": None}}
    del wrapped_withheld["message"]["text"]
    assert await zalo.post_webhook(wrapped_withheld, secret=SECRET) == 200
    assert "Zalo chưa chuyển" in (await zalo.wait_for_bot_message(HUNG, after=after))["text"]
    assert journal_rows(webhook_bot) == before + 2
    for junk in ({"ok": True, "result": "x"}, {"ok": True}, [1, 2], {"event_name": ""}):
        assert await zalo.post_webhook(junk, secret=SECRET, wrapped=False) == 400  # type: ignore[arg-type]
    assert journal_rows(webhook_bot) == before + 2


@pytest.mark.parametrize(("code", "permanent", "postpone"), [
    (403, False, None), (429, False, 3600.0), (500, False, None), (None, False, None), (401, False, None),
    (400, True, None), (404, True, None),
])
def test_zalo_error_codes_become_outbox_outcomes(code: int | None, permanent: bool,
                                                 postpone: float | None) -> None:
    delivery = failure(ZaloApiError(code, "x"))
    assert not delivery.ok and delivery.retry_after is None   # never a pause of every channel
    assert (delivery.permanent, delivery.postpone) == (permanent, postpone)


def test_zalo_hotline_config(tmp_path: Any) -> None:
    emu_like = type("E", (), {"token": "1:a", "base_url": "http://127.0.0.1:1/bot"})()
    data = config_data(emu_like, tmp_path / "db.sqlite3")  # type: ignore[arg-type]
    config = parse_config({**data, "zalo": {"token": "1:z", "hotline": "  1900 1234\n (CĐ KCN) "}}, env={})
    assert config.zalo is not None and config.zalo.hotline == "1900 1234 (CĐ KCN)"
    for bad in ("x" * 201, 1900):
        with pytest.raises(ConfigError) as error:
            parse_config({**data, "zalo": {"token": "1:z", "hotline": bad}}, env={})
        assert error.value.key == "zalo.hotline"
