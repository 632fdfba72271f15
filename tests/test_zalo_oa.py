"""The Zalo Official Account channel end to end: workers on the emulated OA, officials in Telegram.

The real application runs against the emulated Telegram Bot API and the
emulated OA at once; workers tap OA buttons (or type numbers and words),
events come in on the signed webhook, replies leave through the OA's
customer-service API with tokens that expire and rotate.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.channels import zalo_oa
from bot.channels.zalo_oa import (OAApiError, OAClient, OATokens, TokenRefreshError, event_key, outcome_of,
                                  parse_event, signature, signature_matches, timestamp_seconds, until_morning)
from bot.config import ConfigError, ZaloOAConfig, parse_config
from bot.logging_setup import redact
from bot.models import OutboxRequest
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.zalo_oa_emulator import ZaloOAEmulator
from bot.storage import Storage
from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness, config_data, free_port

HUNG = "2512479861264871342"     # OA user ids are long digit strings
MAI = "6913478240187735126"
ORGANIZER = 2001
QUESTION = "Công nhân thuê trọ gần khu công nghiệp có được hỗ trợ tiền nhà không ạ?"
DAY = 86400


class OABot:
    """The running bot seen from both sides: OA followers and the Telegram officials' group."""

    def __init__(self, harness: Harness, oa: ZaloOAEmulator) -> None:
        self.harness = harness
        self.oa = oa

    @property
    def services(self) -> Any:
        return self.harness.services

    async def say(self, user: str, text: str,
                  predicate: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        after = self.oa.last_bot_seq(user)
        await self.oa.send_text(user, text)
        return await self.oa.wait_for_bot_message(user, predicate, after=after)

    async def tap(self, user: str, message: dict[str, Any], title: str,
                  predicate: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        after = self.oa.last_bot_seq(user)
        await self.oa.press(user, message, title)
        return await self.oa.wait_for_bot_message(user, predicate, after=after)

    async def consent(self, user: str) -> dict[str, Any]:
        notice = await self.say(user, "xin chào")
        assert [b["title"] for b in notice["buttons"]] == ["✅ Đồng ý", "🕶 Không, tôi chỉ hỏi ẩn danh"]
        assert "Zalo" in notice["text"] and "Telegram" not in notice["text"]
        assert "1. ✅" not in notice["text"]  # the buttons replace the numbered list
        return await self.tap(user, notice, "Đồng ý", lambda m: bool(m["buttons"]))

    async def ask(self, user: str, text: str = QUESTION) -> int:
        """hỏi → the question → topic button → "Gửi kèm tên" (sends); returns the case number."""
        prompt = await self.say(user, "hỏi")
        assert "Mời bạn gõ câu hỏi" in prompt["text"]
        topics = await self.say(user, text)
        assert [b["title"] for b in topics["buttons"]][2] == "Nhà ở công nhân", topics
        confirm = await self.tap(user, topics, "Nhà ở công nhân")
        assert "kiểm tra lại" in confirm["text"]
        sent = await self.tap(user, confirm, "Gửi kèm tên")
        match = re.search(r"#(\d+)", sent["text"])
        assert match and "Đã gửi câu hỏi" in sent["text"], sent["text"]
        return int(match.group(1))

    @contextlib.contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """The bot's database, as a tool outside the bot would open it (changes committed)."""
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    @property
    def path(self) -> str:
        return str(self.harness.config.storage.path)

    def count(self, sql: str) -> int:
        with self.db() as db:
            return int(db.execute(sql).fetchone()[0])


def oa_section(oa: ZaloOAEmulator, port: int, **extra: Any) -> dict[str, Any]:
    return {"app_id": oa.app_id, "app_secret": oa.app_secret, "oa_secret_key": oa.oa_secret_key,
            "access_token": oa.access_token, "refresh_token": oa.refresh_token, "api_url": oa.url,
            "oauth_url": oa.url, "webhook_port": port, "rate_per_second": 500, **extra}


@pytest.fixture
async def oa() -> AsyncIterator[ZaloOAEmulator]:
    emulator = ZaloOAEmulator()
    await emulator.start()
    emulator.add_user(HUNG, "Trần Văn Hùng")
    emulator.add_user(MAI, "Lê Thị Mai")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def start_bot(emu: BotApiEmulator, oa: ZaloOAEmulator,
                    make_config: Callable[..., Any]) -> AsyncIterator[Callable[..., Any]]:
    harnesses: list[Harness] = []

    async def start(**sections: Any) -> OABot:
        port = free_port()
        extra = sections.pop("zalo_oa", {})
        harness = Harness(emu, make_config(zalo_oa=oa_section(oa, port, **extra), **sections))
        harnesses.append(harness)
        await harness.start()
        oa.set_webhook(f"http://127.0.0.1:{port}/zalo-oa/webhook")
        return OABot(harness, oa)

    yield start
    for harness in harnesses:
        await harness.stop()


@pytest.fixture
async def oabot(start_bot: Callable[..., Any]) -> OABot:
    return await start_bot()  # type: ignore[no-any-return]


# -- the whole loop ------------------------------------------------------------------------


async def test_worker_on_the_oa_answered_from_the_telegram_group(oabot: OABot) -> None:
    greeting = await oabot.consent(HUNG)
    assert greeting["text"].startswith("Xin chào Trần Văn Hùng!")  # the name from the OA profile
    case = await oabot.ask(HUNG)
    card = await oabot.harness.card(case)
    assert "Trần Văn Hùng · Zalo OA" in card["text"] and QUESTION in card["text"]

    after = oabot.oa.last_bot_seq(HUNG)
    await oabot.harness.answer_by_reply(OFFICIAL, case, "Có. Bạn nộp hồ sơ tại Công đoàn <KCN> & Sở Xây dựng.")
    answer = await oabot.oa.wait_for_bot_message(HUNG, lambda m: "📬" in m["text"], after=after)
    assert f"#{case}" in answer["text"] and "Công đoàn <KCN> & Sở Xây dựng" in answer["text"]
    assert "<b>" not in answer["text"] and "&amp;" not in answer["text"]
    assert [b["title"] for b in answer["buttons"]] == ["👍 Hữu ích", "👎 Chưa thỏa đáng", "❓ Hỏi thêm"]
    assert all(b["type"] == "oa.query.hide" for b in answer["buttons"])

    thanks = await oabot.tap(HUNG, answer, "Hữu ích")
    assert "Cảm ơn bạn đã đánh giá" in thanks["text"]
    assert (await oabot.services.storage.get_question(case)).rating == 1
    # The choices change after rating, as Telegram's buttons do: what is left is to ask more.
    assert [b["title"] for b in thanks["buttons"]] == ["❓ Hỏi thêm"], thanks
    prompt = await oabot.say(HUNG, "1")
    assert f"#{case}" in prompt["text"] and "hỏi thêm" in prompt["text"]
    assert "Đã gửi câu hỏi thêm" in (await oabot.say(HUNG, "Vậy hồ sơ cần những giấy tờ gì ạ?"))["text"]
    await oabot.harness.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "Hỏi thêm về #" in m["text"] and "giấy tờ" in m["text"])


async def test_numbers_and_words_choose_as_well_as_buttons(oabot: OABot) -> None:
    await oabot.consent(MAI)
    await oabot.say(MAI, "hỏi")
    topics = await oabot.say(MAI, QUESTION)
    assert "kiểm tra lại" in (await oabot.say(MAI, "nha o"))["text"]
    assert "Đã hủy" in (await oabot.say(MAI, "hủy"))["text"]
    # A stale button (from a list already used) does not act on today's list.
    stale = await oabot.tap(MAI, topics, "Nhà ở công nhân")
    assert "kiểm tra lại" not in stale["text"]
    await oabot.say(MAI, QUESTION)
    assert "kiểm tra lại" in (await oabot.say(MAI, "1"))["text"]
    assert "Đã gửi câu hỏi" in (await oabot.say(MAI, "2"))["text"]  # "2": anonymous


async def test_more_choices_than_buttons_are_numbered_text(start_bot: Callable[..., Any], emu: BotApiEmulator,
                                                           tmp_path: Any) -> None:
    topics = config_data(emu, tmp_path / "x")["topics"] + [
        {"key": "safety", "title": "An toàn lao động", "title_en": "Safety"}]
    bot: OABot = await start_bot(topics=topics)
    await bot.consent(HUNG)
    listed = await bot.say(HUNG, QUESTION)
    assert listed["buttons"] == [] and "5. An toàn lao động\n6. ✖️ Hủy" in listed["text"]
    assert "Trả lời 1–6" in listed["text"]
    assert "kiểm tra lại" in (await bot.say(HUNG, "5"))["text"]


async def test_buttons_refused_by_zalo_are_sent_again_as_numbered_text(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    oabot.oa.fail_next(-201, "attachment is invalid")
    topics = await oabot.say(HUNG, QUESTION)
    assert topics["buttons"] == [] and "3. Nhà ở công nhân" in topics["text"]
    assert "kiểm tra lại" in (await oabot.say(HUNG, "3"))["text"]


async def test_follow_greets_and_unfollow_stops_announcements(
        start_bot: Callable[..., Any], emu: BotApiEmulator) -> None:
    emu.add_user(ORGANIZER, "Thu", last_name="Đỗ", language_code="vi")
    bot: OABot = await start_bot(organizers={"user_ids": [ORGANIZER]})
    await bot.oa.follow(MAI)
    notice = await bot.oa.wait_for_bot_message(MAI)
    assert "Đồng ý" in notice["buttons"][0]["title"]  # a new follower is asked first
    await bot.tap(MAI, notice, "Đồng ý")
    await bot.consent(HUNG)
    await bot.oa.unfollow(HUNG)
    for _ in range(100):
        if bot.count("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL") == 1:
            break
        await asyncio.sleep(0.02)
    audience = [u.external_id for u in await bot.services.storage.audience("all") if u.channel == "zalo_oa"]
    assert audience == [MAI]

    text = "Thông báo: Hội nghị đối thoại với công nhân diễn ra sáng 25/12 tại Hội trường tỉnh."
    before = bot.oa.last_bot_seq(HUNG)
    requests = len(bot.oa.sends)
    await bot.harness.say(ORGANIZER, "/announce")
    audience_choice = await bot.harness.say(ORGANIZER, text)
    await bot.harness.press(ORGANIZER, audience_choice, "Tất cả")
    preview = await emu.wait_for_edit(ORGANIZER, audience_choice["message_id"], lambda m: "Xem trước" in m["text"])
    await bot.harness.press(ORGANIZER, preview, "Gửi ngay")
    news = await bot.oa.wait_for_bot_message(MAI, lambda m: text in m["text"])
    assert "dừng tin" in news["text"]
    await asyncio.sleep(0.3)
    # Nothing to the one who left: not queued, and not even a request Zalo would refuse.
    assert not [r for r in await bot.services.storage.outbox_rows() if r["chat_id"] == HUNG and text in r["text"]]
    assert bot.oa.sends_to(HUNG, since=requests) == []

    await bot.oa.follow(HUNG)  # back again: greeted, and in the audience again
    back = await bot.oa.wait_for_bot_message(HUNG, after=before)
    assert back["text"].startswith("Xin chào Trần Văn Hùng!")
    assert HUNG in [u.external_id for u in await bot.services.storage.audience("all")]


async def test_stickers_pictures_and_locations_get_a_clear_reply(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    for send in (oabot.oa.send_sticker, oabot.oa.send_location, oabot.oa.send_image):
        after = oabot.oa.last_bot_seq(HUNG)
        await send(HUNG)
        reply = await oabot.oa.wait_for_bot_message(HUNG, after=after)
        assert "chỉ nhận câu hỏi bằng chữ" in reply["text"], (send, reply["text"])
    after = oabot.oa.last_bot_seq(HUNG)
    await oabot.oa.send_image(HUNG, caption=QUESTION)  # the caption is the question
    assert "lĩnh vực nào" in (await oabot.oa.wait_for_bot_message(HUNG, after=after))["text"]


async def test_forgetting_on_the_oa_is_confirmed_there(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    prompt = await oabot.say(HUNG, "xóa dữ liệu")
    done = await oabot.tap(HUNG, prompt, "Xóa dữ liệu của tôi")
    assert "Đã xóa dữ liệu cá nhân" in done["text"]
    assert not [u for u in await oabot.services.storage.audience("all") if u.channel == "zalo_oa"]
    assert oabot.count(f"SELECT COUNT(*) FROM zalo_choices WHERE chat_id = 'oa:{HUNG}'") == 0


# -- the webhook's signature -----------------------------------------------------------------


def forged(oa: ZaloOAEmulator, user: str, *, msg_id: str = "forged-1", age: float = 0.0) -> dict[str, Any]:
    return {"app_id": oa.app_id, "event_name": "user_send_text", "sender": {"id": user},
            "recipient": {"id": oa.oa_id}, "timestamp": str(int((time.time() - age) * 1000)),
            "message": {"msg_id": msg_id, "text": "hỏi"}}


async def test_a_webhook_without_the_right_signature_processes_nothing(oabot: OABot) -> None:
    oa = oabot.oa
    event = forged(oa, MAI)
    body = json.dumps(event).encode()
    good = oa.signature(body, event["timestamp"])
    before = oabot.count("SELECT COUNT(*) FROM zalo_journal")
    requests = len(oa.sends)
    # Unsigned: how Zalo checks a webhook URL before enabling it. 200, and nothing is stored.
    assert await oa.post_webhook(event, signature=None) == 200
    assert await oa.post_webhook(event, signature="") == 200
    assert await oa.post_webhook(body, signature="mac=" + "0" * 64) == 403
    assert await oa.post_webhook(body, signature=oa.signature(body, event["timestamp"], secret="guess")) == 403
    assert await oa.post_webhook(body.replace(b"h\\u1ecfi", b"xin"), signature=good) == 403  # changed after signing
    assert await oa.post_webhook(b"{not json", signature=good) == 403
    stale = forged(oa, MAI, msg_id="old-1", age=4 * 3600)  # correctly signed, but hours old
    assert await oa.post_webhook(stale) == 403
    await asyncio.sleep(0.3)
    assert oabot.count("SELECT COUNT(*) FROM zalo_journal") == before
    assert oabot.count("SELECT COUNT(*) FROM users WHERE channel = 'zalo_oa'") == 0
    assert oabot.count("SELECT COUNT(*) FROM zalo_oa_contacts") == 0
    assert oa.sends_to(MAI, since=requests) == []   # the bot did not even try to answer
    # Signed right (also as the bare digest): taken, and once only when delivered twice.
    oa.note_interaction(MAI)
    assert await oa.post_webhook(body, signature=good) == 200
    assert await oa.post_webhook(body, signature=good.removeprefix("mac=").upper()) == 200
    notice = await oa.wait_for_bot_message(MAI)
    assert "Đồng ý" in notice["buttons"][0]["title"]
    await asyncio.sleep(0.3)
    assert len(oa.bot_messages(MAI)) == 1
    assert oabot.count("SELECT COUNT(*) FROM zalo_journal") == before + 1


def test_signature_is_mac_of_app_id_body_timestamp_and_oa_secret() -> None:
    body = b'{"event_name":"user_send_text","timestamp":"1718000100000"}'
    expected = "mac=" + hashlib.sha256(
        b"123" + body + b"1718000100000" + b"oa-secret").hexdigest()
    assert signature("123", body, "1718000100000", "oa-secret") == expected
    assert signature_matches(expected.upper(), expected) and signature_matches(expected[4:], expected)
    assert not signature_matches("mac=" + "0" * 64, expected)
    assert signature("123", body, "1718000100001", "oa-secret") != expected


def test_events_are_read_tolerantly() -> None:
    follow = {"event_name": "follow", "oa_id": "9", "follower": {"id": "77"}, "timestamp": "1718000000000"}
    incoming = parse_event(3, follow)
    assert incoming is not None and (incoming.event, incoming.user_id) == ("follow", "77")
    assert event_key(follow) == event_key(dict(follow)) != event_key({**follow, "event_name": "unfollow"})
    video = {"event_name": "user_send_video", "sender": {"id": "5"}, "message": {"mid": "m9"}}
    incoming = parse_event(4, video)
    assert incoming is not None and incoming.event == "other" and event_key(video) == "oa:m9"
    assert parse_event(5, {"event_name": "oa_send_text", "sender": {"id": "9"}}) is None
    assert parse_event(6, {"event_name": "user_send_text", "sender": "nobody"}) is None


# -- tokens ----------------------------------------------------------------------------------


def stored_tokens(bot: OABot) -> tuple[str, str, float | None]:
    with bot.db() as db:
        row = db.execute("SELECT access_token, refresh_token, expires_at FROM zalo_oa_tokens").fetchone()
    return row[0], row[1], row[2]


async def test_tokens_refresh_before_expiry_and_survive_a_restart(oabot: OABot) -> None:
    oa = oabot.oa
    first_refresh = oabot.harness.config.zalo_oa.refresh_token
    await oabot.consent(HUNG)
    # The config's token has no known expiry: refreshed before its first use, and stored.
    assert oa.refreshes == [first_refresh]
    access, refresh, expires_at = stored_tokens(oabot)
    assert (access, refresh) == (oa.access_token, oa.refresh_token)
    assert expires_at is not None and expires_at > time.time() + 20 * 3600
    assert oa.token_rejections == 0

    # A restart keeps the rotated tokens: the config's spent refresh token is never used again.
    await oabot.harness.restart()
    assert "Mời bạn gõ câu hỏi" in (await oabot.say(HUNG, "hỏi"))["text"]
    assert oa.refreshes == [first_refresh] and oa.token_rejections == 0

    # Close to expiry (as stored): refreshed before sending, not after a refusal.
    await oabot.harness.stop()
    with oabot.db() as db:
        db.execute("UPDATE zalo_oa_tokens SET expires_at = ?", (time.time() + 120,))
    await oabot.harness.start()
    assert "Đã hủy" in (await oabot.say(HUNG, "hủy"))["text"]
    assert oa.refreshes == [first_refresh, refresh] and oa.token_rejections == 0
    assert stored_tokens(oabot)[:2] == (oa.access_token, oa.refresh_token)


async def test_a_refused_access_token_is_refreshed_and_the_message_sent(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    refreshes = len(oabot.oa.refreshes)
    oabot.oa.expire_access_token()
    assert "Mời bạn gõ câu hỏi" in (await oabot.say(HUNG, "hỏi"))["text"]
    assert oabot.oa.token_rejections == 1 and len(oabot.oa.refreshes) == refreshes + 1
    assert stored_tokens(oabot)[:2] == (oabot.oa.access_token, oabot.oa.refresh_token)


async def test_a_refused_refresh_keeps_messages_waiting_until_new_tokens_are_configured(oabot: OABot) -> None:
    oa = oabot.oa
    await oabot.consent(HUNG)
    oa.issue_tokens()  # the OA's admin re-authorised elsewhere: the bot's tokens are dead
    after = oa.last_bot_seq(HUNG)
    await oa.send_text(HUNG, "hỏi")
    for _ in range(200):
        rows = [r for r in await oabot.services.storage.outbox_rows() if r["channel"] == "zalo_oa"]
        if rows[-1]["last_error"]:
            break
        await asyncio.sleep(0.02)
    assert "token refresh failed" in rows[-1]["last_error"] and rows[-1]["failed_at"] is None  # waits
    assert oa.last_bot_seq(HUNG) == after
    # New tokens from a new OAuth grant, put in the config: they replace the stored ones.
    config = oabot.harness.config
    oabot.harness.config = dataclasses.replace(config, zalo_oa=dataclasses.replace(
        config.zalo_oa, access_token=oa.access_token, refresh_token=oa.refresh_token))
    await oabot.harness.restart()
    reply = await oa.wait_for_bot_message(HUNG, after=after, timeout=10)
    assert "Mời bạn gõ câu hỏi" in reply["text"]
    assert stored_tokens(oabot)[:2] == (oa.access_token, oa.refresh_token)


# -- what cannot be delivered ------------------------------------------------------------------


async def answer_days_later(bot: OABot, days: float, *, ours_too: bool) -> tuple[int, dict[str, Any]]:
    """The worker asks; `days` pass; an official answers. Returns (case, the officials' notice)."""
    await bot.consent(HUNG)
    case = await bot.ask(HUNG)
    card = await bot.harness.card(case)
    bot.oa.age(HUNG, days * DAY)
    if ours_too:
        with bot.db() as db:
            db.execute("UPDATE zalo_oa_contacts SET last_inbound_at = last_inbound_at - ?", (days * DAY,))
    await bot.harness.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp nhé.")
    notice = await bot.harness.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "không đến được người hỏi" in m["text"] and f"#{case}" in m["text"])
    assert notice["reply_to_message"]["message_id"] == card["message_id"]
    return case, notice


async def test_an_answer_outside_the_reply_window_is_recorded_and_shown_to_officials(oabot: OABot) -> None:
    sends = len(oabot.oa.sends)
    case, notice = await answer_days_later(oabot, 8, ours_too=True)
    assert "đã quá 7 ngày kể từ tin nhắn cuối của người hỏi" in notice["text"]
    assert "Công đoàn khu công nghiệp" in notice["text"]
    asked_sends = len(oabot.oa.sends)
    assert asked_sends > sends
    failed = [r for r in await oabot.services.storage.failed_deliveries() if r["channel"] == "zalo_oa"]
    assert failed and "outside the OA reply window" in failed[0]["last_error"]
    assert failed[0]["question_id"] == case
    assert all("📬" not in (s["body"]["message"].get("text") or "") for s in oabot.oa.sends)  # never tried
    await oabot.harness.emu.send_text(OFFICIAL, f"/case {case}", chat_id=OFFICIALS,
                                      thread_id=notice.get("message_thread_id"))
    audit = await oabot.harness.emu.wait_for_bot_message(OFFICIALS, lambda m: f"Lịch sử #{case}" in m["text"])
    assert "tin nhắn không đến được người hỏi" in audit["text"] and "reply window" in audit["text"]


async def test_zalo_refusing_an_answer_is_recorded_and_shown_to_officials(oabot: OABot) -> None:
    case, notice = await answer_days_later(oabot, 8, ours_too=False)  # only Zalo knows the window closed
    assert "đã quá 7 ngày kể từ tin nhắn cuối của người hỏi nên Zalo không cho" in notice["text"]
    failed = [r for r in await oabot.services.storage.failed_deliveries() if r["question_id"] == case]
    assert failed and "-230" in failed[0]["last_error"]


async def test_an_answer_a_telegram_worker_blocked_is_shown_to_officials_too(
        emu: BotApiEmulator, make_config: Callable[..., Any]) -> None:
    harness = Harness(emu, make_config())
    await harness.start()
    try:
        case = await harness.ask(WORKER, QUESTION)
        card = await harness.card(case)
        emu.block_bot(WORKER)
        await harness.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp nhé.")
        notice = await emu.wait_for_bot_message(
            OFFICIALS, lambda m: "không đến được người hỏi" in m["text"] and f"#{case}" in m["text"])
        assert "(qua Telegram)" in notice["text"] and "đã chặn bot" in notice["text"]
        assert notice["reply_to_message"]["message_id"] == card["message_id"]
    finally:
        await harness.stop()


async def test_our_own_reply_limit_is_respected(start_bot: Callable[..., Any]) -> None:
    bot: OABot = await start_bot(zalo_oa={"replies_per_interaction": 2})
    await bot.consent(HUNG)   # "Đồng ý" was answered with two messages: the limit is reached
    sends = len(bot.oa.sends)
    await bot.services.storage.enqueue([OutboxRequest(channel="zalo_oa", chat_id=HUNG, text="Một tin nữa",
                                                      dedupe_key="test:over-limit")])
    bot.services.outbox.wake()
    for _ in range(100):
        failed = [r for r in await bot.services.storage.failed_deliveries() if r["dedupe_key"] == "test:over-limit"]
        if failed:
            break
        await asyncio.sleep(0.02)
    assert failed and "2 of 2 messages already sent" in failed[0]["last_error"]
    assert len(bot.oa.sends) == sends
    # The person writes again: the count starts again.
    assert "Mời bạn gõ câu hỏi" in (await bot.say(HUNG, "hỏi"))["text"]


NOON = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()
NIGHT = datetime(2026, 11, 26, 23, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()


@pytest.mark.parametrize(("error", "permanent", "reason", "blocked", "postpone"), [
    (OAApiError(-230, "x"), True, "window", False, None), (OAApiError(-232, "x"), True, "window", False, None),
    (OAApiError(-213, "x"), True, "blocked", True, None), (OAApiError(-227, "x"), True, "blocked", True, None),
    (OAApiError(-211, "x"), True, "quota", False, None), (OAApiError(-218, "x"), True, "quota", False, None),
    # "Not now": this chat waits, without using up the row's attempts.
    (OAApiError(-32, "x"), False, "", False, zalo_oa.RATE_LIMIT_POSTPONE),
    (TokenRefreshError("token refresh failed"), False, "", False, zalo_oa.TOKEN_POSTPONE),
    (OAApiError(-216, "x"), False, "", False, None), (OAApiError(-200, "x"), False, "", False, None),
    (OAApiError(None, "x"), False, "", False, None),
    (OAApiError(-201, "x"), True, "", False, None),
])
def test_oa_errors_become_outbox_outcomes(error: OAApiError, permanent: bool, reason: str, blocked: bool,
                                          postpone: float | None) -> None:
    delivery = outcome_of(error, NOON)
    assert not delivery.ok and delivery.retry_after is None   # never a pause of every channel
    assert (delivery.permanent, delivery.reason, delivery.user_blocked, delivery.postpone) == (
        permanent, reason, blocked, postpone)


def test_a_night_refusal_is_postponed_to_the_morning() -> None:
    delivery = outcome_of(OAApiError(-234, "x"), NIGHT)
    assert delivery.postpone is not None and 7 * 3600 <= delivery.postpone <= 8 * 3600
    assert not delivery.permanent


# -- configuration and logs -------------------------------------------------------------------


def test_zalo_oa_config(tmp_path: Any) -> None:
    emu_like = type("E", (), {"token": "1:a", "base_url": "http://127.0.0.1:1/bot"})()
    data = config_data(emu_like, tmp_path / "db.sqlite3")  # type: ignore[arg-type]
    assert parse_config(data, env={}).zalo_oa is None
    section = {"app_id": "4291763606161179100", "app_secret": "file-secret", "oa_secret_key": "oa-key",
               "refresh_token": "RT-file"}
    config = parse_config({**data, "zalo_oa": section},
                          env={"ZALO_OA_APP_SECRET": "env-secret", "ZALO_OA_REFRESH_TOKEN": "RT-env"})
    oa = config.zalo_oa
    assert oa is not None and (oa.app_secret, oa.refresh_token) == ("env-secret", "RT-env")
    assert oa.api_url == "https://openapi.zalo.me" and oa.reply_window_hours == 168
    assert "env-secret" not in repr(oa) and "oa-key" not in repr(oa) and "RT-env" not in repr(oa)
    for bad, key in [({**section, "app_id": "abc"}, "zalo_oa.app_id"),
                     ({k: v for k, v in section.items() if k != "oa_secret_key"}, "zalo_oa.oa_secret_key"),
                     ({k: v for k, v in section.items() if k != "refresh_token"}, "zalo_oa.refresh_token"),
                     ({**section, "reply_window_hours": 200}, "zalo_oa.reply_window_hours"),
                     ({**section, "webhook_path": "hook"}, "zalo_oa.webhook_path"),
                     ({**section, "rate_per_second": 0}, "zalo_oa.rate_per_second"),
                     ({**section, "oa_id": "my-oa"}, "zalo_oa.oa_id"),
                     ({**section, "colour": "blue"}, "zalo_oa.colour")]:
        with pytest.raises(ConfigError) as error:
            parse_config({**data, "zalo_oa": bad}, env={})
        assert error.value.key == key
        assert "file-secret" not in str(error.value)


def test_oa_secrets_are_masked_in_logs() -> None:
    line = ('refresh failed: headers={"access_token": "RfBh5NdqsWzhcX8bDDe_1A463Z"} '
            "form refresh_token=L2Y2BO9Prn_I1SkM08T4J99 secret_key: s3cr3tValue42")
    masked = redact(line)
    assert "RfBh5NdqsWzhcX8bDDe_1A463Z" not in masked and "L2Y2BO9Prn_I1SkM08T4J99" not in masked
    assert "s3cr3tValue42" not in masked and masked.startswith("refresh failed")


# -- the review's cases: webhook bodies, tokens, "not now", pieces, notices ----------------------


async def test_a_huge_or_deeply_nested_body_is_refused_without_a_crash(oabot: OABot) -> None:
    oa = oabot.oa
    before = oabot.count("SELECT COUNT(*) FROM zalo_journal")
    # Unsigned: refused before anything parses it (json.loads would recurse out of its depth).
    assert await oa.post_webhook(b"[" * 60_000, signature="mac=" + "0" * 64) == 403
    assert await oa.post_webhook(b"[" * 100_000, signature="mac=" + "0" * 64) == 413   # over 64 KB
    # Signed by someone with the key, still not JSON the bot can read: 400, not a 500.
    stamp = str(int(time.time() * 1000))
    nested = b'{"timestamp":"' + stamp.encode() + b'","x":' + b"[" * 50_000
    assert await oa.post_webhook(nested, signature=oa.signature(nested, stamp)) == 400
    assert oabot.count("SELECT COUNT(*) FROM zalo_journal") == before
    # The webhook still serves.
    oa.note_interaction(MAI)
    assert await oa.post_webhook(forged(oa, MAI, msg_id="after-1")) == 200
    assert "Đồng ý" in (await oa.wait_for_bot_message(MAI))["buttons"][0]["title"]


@pytest.mark.parametrize("stamp", ["nan", "NaN", "inf", "-inf", "1e999"])
async def test_a_signed_event_with_a_timestamp_that_is_not_a_time_is_refused(oabot: OABot, stamp: str) -> None:
    oa = oabot.oa
    event = {**forged(oa, MAI, msg_id=f"odd-{stamp}"), "timestamp": stamp}
    assert await oa.post_webhook(event) == 403   # signed correctly, but not a time
    assert oabot.count("SELECT COUNT(*) FROM zalo_journal") == 0
    assert timestamp_seconds(stamp) is None


async def test_events_for_another_oa_of_the_app_are_ignored(start_bot: Callable[..., Any],
                                                            oa: ZaloOAEmulator) -> None:
    bot: OABot = await start_bot(zalo_oa={"oa_id": oa.oa_id})
    oa.note_interaction(MAI)
    other = {**forged(oa, MAI, msg_id="other-oa-1"), "recipient": {"id": "9999999999999999999"}}
    assert await oa.post_webhook(other) == 200       # signed by the app: acknowledged...
    follow = {"app_id": oa.app_id, "event_name": "follow", "oa_id": "9999999999999999999",
              "follower": {"id": MAI}, "timestamp": str(int(time.time() * 1000))}
    assert await oa.post_webhook(follow) == 200
    await asyncio.sleep(0.3)
    assert bot.count("SELECT COUNT(*) FROM zalo_journal") == 0   # ...but not taken
    assert await oa.post_webhook(forged(oa, MAI, msg_id="ours-1")) == 200
    assert "Đồng ý" in (await oa.wait_for_bot_message(MAI))["buttons"][0]["title"]


def test_timestamps_in_milliseconds_or_seconds() -> None:
    assert timestamp_seconds("1718000100000") == 1718000100.0
    assert timestamp_seconds("1718000100") == 1718000100.0
    assert timestamp_seconds("") is None and timestamp_seconds("soon") is None


async def tokens_against(oa: ZaloOAEmulator, tmp_path: Any) -> tuple[OATokens, Storage, ZaloOAConfig]:
    storage = await Storage.open(tmp_path / "tokens.sqlite3")
    config = ZaloOAConfig(app_id=oa.app_id, app_secret=oa.app_secret, oa_secret_key=oa.oa_secret_key,
                          access_token=oa.access_token, refresh_token=oa.refresh_token,
                          api_url=oa.url, oauth_url=oa.url)
    return OATokens(OAClient(config), storage, config), storage, config


async def test_new_tokens_are_kept_when_saving_them_fails(oa: ZaloOAEmulator, tmp_path: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zalo_oa, "SAVE_RETRY", 0.01)
    tokens, storage, config = await tokens_against(oa, tmp_path)
    save = storage.save_zalo_oa_tokens
    failures = {"left": 0}

    async def flaky_save(*args: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise sqlite3.OperationalError("database is locked")
        await save(*args)

    monkeypatch.setattr(storage, "save_zalo_oa_tokens", flaky_save)
    try:
        await tokens._load()
        failures["left"] = 2       # the write after the refresh fails twice, then works
        assert await tokens.access_token() == oa.access_token
        assert (await storage.zalo_oa_tokens(config.app_id))[:2] == (oa.access_token, oa.refresh_token)

        failures["left"] = zalo_oa.SAVE_TRIES    # now every try fails: the pair lives in memory
        oa.expire_access_token()
        first = await tokens.refresh_after_rejection(oa.access_token)
        assert first == oa.access_token
        stored = await storage.zalo_oa_tokens(config.app_id)
        assert stored is not None and stored[1] != oa.refresh_token   # not saved yet...
        oa.expire_access_token()
        # ...yet the next refresh uses the new refresh token (the old one is spent)
        assert await tokens.refresh_after_rejection(first) == oa.access_token
        assert oa.refreshes[-1] != oa.refreshes[-2]
        assert (await storage.zalo_oa_tokens(config.app_id))[:2] == (oa.access_token, oa.refresh_token)
    finally:
        await tokens._client.close()
        await storage.close()


async def test_a_refresh_cancelled_after_zalo_answered_is_still_saved(oa: ZaloOAEmulator, tmp_path: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, storage, config = await tokens_against(oa, tmp_path)
    await tokens._load()
    save = storage.save_zalo_oa_tokens
    saving, go_on = asyncio.Event(), asyncio.Event()

    async def slow_save(*args: Any) -> None:
        saving.set()
        await go_on.wait()
        await save(*args)

    monkeypatch.setattr(storage, "save_zalo_oa_tokens", slow_save)
    try:
        caller = asyncio.create_task(tokens.refresh_if_due())
        await asyncio.wait_for(saving.wait(), 5)   # Zalo has answered; the old refresh token is spent
        caller.cancel()                            # e.g. stop() while the pair is being written
        with contextlib.suppress(asyncio.CancelledError):
            await caller
        go_on.set()
        await tokens.settle()
        assert (await storage.zalo_oa_tokens(config.app_id))[:2] == (oa.access_token, oa.refresh_token)
    finally:
        await tokens._client.close()
        await storage.close()


async def test_an_answer_without_expires_in_does_not_refresh_again_and_again(oa: ZaloOAEmulator,
                                                                             tmp_path: Any) -> None:
    oa.says_lifetime = False
    tokens, storage, _config = await tokens_against(oa, tmp_path)
    try:
        await tokens.access_token()
        await tokens.access_token()
        assert len(oa.refreshes) == 1
        assert tokens.expires_at is not None and tokens.expires_at > time.time() + 24 * 3600
        assert await tokens.refresh_if_due() > 20 * 3600
    finally:
        await tokens._client.close()
        await storage.close()


def test_the_morning_after_a_night_refusal() -> None:
    vietnam = ZoneInfo("Asia/Ho_Chi_Minh")
    late = datetime(2026, 11, 25, 23, 30, tzinfo=vietnam).timestamp()
    assert late + until_morning(late, spread=0.0) == datetime(2026, 11, 26, 6, 0, tzinfo=vietnam).timestamp()
    assert late + until_morning(late, spread=0.5) == datetime(2026, 11, 26, 6, 30, tzinfo=vietnam).timestamp()
    early = datetime(2026, 11, 26, 2, 0, tzinfo=vietnam).timestamp()
    assert early + until_morning(early, spread=0.0) == datetime(2026, 11, 26, 6, 0, tzinfo=vietnam).timestamp()
    noon = datetime(2026, 11, 26, 12, 0, tzinfo=vietnam).timestamp()
    assert until_morning(noon, spread=0.0) == 3600   # refused by day: not held until tomorrow


async def oa_rows(bot: OABot, key: str) -> list[dict[str, Any]]:
    for _ in range(250):
        rows = [r for r in await bot.services.storage.outbox_rows() if r["dedupe_key"] == key]
        if rows and rows[0]["last_error"]:
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError(f"no failed try for {key}")


async def test_a_night_refusal_waits_for_the_morning_without_using_up_attempts(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    oabot.oa.fail_next(-234, "Message can not be sent at night")
    await oabot.services.storage.enqueue([OutboxRequest(channel="zalo_oa", chat_id=HUNG, text="Tin buổi tối",
                                                        dedupe_key="test:night")])
    oabot.services.outbox.wake()
    [row] = await oa_rows(oabot, "test:night")
    assert row["failed_at"] is None and row["attempts"] == 0 and "-234" in row["last_error"]
    vietnam = datetime.fromtimestamp(row["due_at"], ZoneInfo("Asia/Ho_Chi_Minh"))
    assert row["due_at"] > time.time() + 3000 and (vietnam.hour == 6 or row["due_at"] < time.time() + 2 * 3600)


async def test_a_long_message_cut_short_goes_on_where_it_stopped(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    oa = oabot.oa
    after, requests = oa.last_bot_seq(HUNG), len(oa.sends)
    paragraphs = [f"Đoạn {i}: " + "người lao động được hỗ trợ tiền thuê nhà. " * 40 for i in range(1, 4)]
    oa.fail_next(-200, "Send failed", after=1)   # the first piece arrives, the second fails once
    await oabot.services.storage.enqueue([OutboxRequest(channel="zalo_oa", chat_id=HUNG, text="\n\n".join(paragraphs),
                                                        dedupe_key="test:long")])
    oabot.services.outbox.wake()
    last = await oa.wait_for_bot_message(HUNG, lambda m: "Đoạn 3" in m["text"], after=after, timeout=10)
    texts = [m["text"] for m in oa.bot_messages(HUNG) if m["seq"] > after and m["seq"] <= last["seq"]]
    assert len(texts) == len(set(texts)) == 3, texts       # each piece once
    assert [t.split(":")[0] for t in texts] == ["Đoạn 1", "Đoạn 2", "Đoạn 3"]
    assert len(oa.sends_to(HUNG, since=requests)) == 4     # the three, and the one refused


async def test_a_long_answer_outside_the_window_gives_one_notice(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    case = await oabot.ask(HUNG)
    await oabot.harness.card(case)
    with oabot.db() as db:
        db.execute("UPDATE zalo_oa_contacts SET last_inbound_at = last_inbound_at - ?", (8 * DAY,))
    answer = " ".join(f"Bước {i}: nộp hồ sơ tại Công đoàn khu công nghiệp." for i in range(250))
    await oabot.harness.answer_by_reply(OFFICIAL, case, answer)
    await oabot.harness.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "không đến được người hỏi" in m["text"] and f"#{case}" in m["text"])
    for _ in range(100):
        failed = [r for r in await oabot.services.storage.failed_deliveries(50) if r["question_id"] == case]
        if len(failed) >= 3:
            break
        await asyncio.sleep(0.02)
    assert len(failed) >= 3                                 # a long answer: several rows, all refused
    await asyncio.sleep(0.3)
    notices = [m for m in oabot.harness.emu.bot_messages(OFFICIALS)
               if "không đến được" in m["text"] and f"#{case}" in m["text"]]
    assert len(notices) == 1
    assert "đã quá 7 ngày kể từ tin nhắn cuối của người hỏi nên Zalo không cho Official Account nhắn lại" \
        in notices[0]["text"]


async def test_an_unfollower_is_named_as_such_to_officials(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    case = await oabot.ask(HUNG)
    await oabot.harness.card(case)
    await oabot.oa.unfollow(HUNG)
    for _ in range(100):
        if oabot.count("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL") == 1:
            break
        await asyncio.sleep(0.02)
    await oabot.harness.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp nhé.")
    notice = await oabot.harness.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "không đến được người hỏi" in m["text"] and f"#{case}" in m["text"])
    assert "người hỏi đã bỏ quan tâm hoặc chặn Official Account" in notice["text"]


async def test_a_profile_lookup_that_breaks_still_serves_the_person(oabot: OABot,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    channel = oabot.harness.app.bot_data["zalo_oa"]

    async def broken(*_args: Any) -> str:
        raise RuntimeError("unexpected answer shape")

    monkeypatch.setattr(channel.client, "display_name", broken)
    notice = await oabot.say(HUNG, "xin chào")
    assert "Đồng ý" in notice["buttons"][0]["title"]


async def test_forgetting_on_the_oa_forgets_the_name_and_the_reply_window(oabot: OABot) -> None:
    channel = oabot.harness.app.bot_data["zalo_oa"]
    await oabot.consent(HUNG)
    await oabot.consent(MAI)
    assert HUNG in channel._names
    prompt = await oabot.say(HUNG, "xóa dữ liệu")
    assert "Đã xóa dữ liệu cá nhân" in (await oabot.tap(HUNG, prompt, "Xóa dữ liệu của tôi"))["text"]
    assert HUNG not in channel._names
    await oabot.services.storage.prune_zalo_journal(time.time() + 1, channel="zalo_oa")
    with oabot.db() as db:
        kept = [r[0] for r in db.execute("SELECT user_id FROM zalo_oa_contacts")]
    assert kept == [MAI]


# -- the OA as it really behaves ---------------------------------------------------------------
# Sources: Zalo's OA error table as copied into public integrations (an Odoo Zalo module's
# _LOG_API_ZALO: -320 "Ứng dụng của bạn cần kết nối với Zalo Cloud Account để sử dụng tính năng
# trả phí", -321 "Zalo Cloud Account liên kết với App đã hết tiền"); hoangnd25/monorepo
# wip/zalo-platform-integration.md (replies free within 48 hours, paid up to 7 days);
# user detail's data.user_is_follower as read by public OA clients (e.g. an Odoo module's
# follow handler); domain verification as served by public OA bots (tranhoang2310/DEMO_ZALO
# server.js: <meta name="zalo-platform-site-verification" content=...>, and the
# zalo_verifier{code}.html file other deployments serve).

SITE_CODE = "PyAi4-3z5aqSYvrouwutLMACZtsE-bWXDJam"


async def wait_for_row(bot: OABot, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for _ in range(250):
        rows = [r for r in await bot.services.storage.outbox_rows() if predicate(r)]
        if rows:
            return rows[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("no such outbox row")


async def test_zalo_checking_the_webhook_url_gets_200_and_changes_nothing(oabot: OABot) -> None:
    before = oabot.count("SELECT COUNT(*) FROM zalo_journal")
    assert await oabot.oa.check_webhook() == (200, 200)
    await asyncio.sleep(0.2)
    assert oabot.count("SELECT COUNT(*) FROM zalo_journal") == before
    assert oabot.count("SELECT COUNT(*) FROM users WHERE channel = 'zalo_oa'") == 0
    assert oabot.count("SELECT COUNT(*) FROM zalo_oa_contacts") == 0
    assert oabot.oa.sends == []


async def test_the_domain_verification_file_is_served(start_bot: Callable[..., Any]) -> None:
    bot: OABot = await start_bot(zalo_oa={"site_verification": SITE_CODE})
    root = bot.harness.app.bot_data["zalo_oa"].webhook_root
    assert await bot.oa.verify_domain(root, SITE_CODE)
    assert not await bot.oa.verify_domain(root, "SomeOtherCode-123")
    session = bot.oa._session
    assert session is not None
    async with session.get(root + "/") as home:
        assert home.headers["Content-Type"] == "text/html; charset=utf-8"
        assert f'<meta name="zalo-platform-site-verification" content="{SITE_CODE}" />' in await home.text()
    # Serving it changes nothing else: the signed webhook still works.
    assert "Đồng ý" in (await bot.say(HUNG, "xin chào"))["buttons"][0]["title"]


async def test_without_a_verification_code_no_file_is_served(oabot: OABot) -> None:
    assert not await oabot.oa.verify_domain(oabot.harness.app.bot_data["zalo_oa"].webhook_root, SITE_CODE)


async def test_the_per_minute_limit_waits_about_a_minute(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    oabot.oa.fail_next(-32, "Request limit reached")
    await oabot.oa.send_text(HUNG, "hỏi")
    row = await wait_for_row(oabot, lambda r: "-32" in (r["last_error"] or ""))
    assert row["attempts"] == 0 and row["failed_at"] is None and row["sent_at"] is None
    assert 30 <= row["due_at"] - time.time() <= 120   # about a minute, not a quarter of an hour


@pytest.mark.parametrize(("account", "code"), [(None, "-320"), ("empty", "-321")])
async def test_a_paid_reply_zalo_cloud_account_cannot_pay_is_recorded_with_a_notice(
        oabot: OABot, account: str | None, code: str) -> None:
    oabot.oa.cloud_account = account
    case, notice = await answer_days_later(oabot, 3, ours_too=True)   # past the free 48 hours
    assert "Official Account đã hết hạn mức tin nhắn gửi cho người này" in notice["text"]
    failed = [r for r in await oabot.services.storage.failed_deliveries() if r["question_id"] == case]
    assert failed and code in failed[0]["last_error"] and "Zalo Cloud Account" in failed[0]["last_error"]
    assert failed[0]["attempts"] <= 1   # recorded at once, not retried


async def test_replies_within_48_hours_are_free_without_a_count_limit(oabot: OABot) -> None:
    oabot.oa.cloud_account = None     # nothing to pay with: only free replies can go
    await oabot.consent(HUNG)
    await oabot.services.storage.enqueue([
        OutboxRequest(channel="zalo_oa", chat_id=HUNG, text=f"Tin số {i}", dedupe_key=f"test:free:{i}")
        for i in range(1, 13)])
    oabot.services.outbox.wake()
    await oabot.oa.wait_for_bot_message(HUNG, lambda m: m["text"] == "Tin số 12")
    assert not await oabot.services.storage.failed_deliveries()


async def test_someone_who_unfollowed_and_writes_again_is_answered(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    case = await oabot.ask(HUNG)
    await oabot.harness.card(case)
    await oabot.oa.unfollow(HUNG)
    for _ in range(100):
        if oabot.count("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL") == 1:
            break
        await asyncio.sleep(0.02)
    # Not following, but writing: the reply window is opened by the interaction.
    assert "Mời bạn gõ câu hỏi" in (await oabot.say(HUNG, "hỏi"))["text"]
    after = oabot.oa.last_bot_seq(HUNG)
    await oabot.harness.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp nhé.")
    answer = await oabot.oa.wait_for_bot_message(HUNG, lambda m: "📬" in m["text"], after=after)
    assert "Công đoàn khu công nghiệp" in answer["text"]


async def test_a_follow_that_never_reached_the_bot_is_read_from_user_detail(oabot: OABot) -> None:
    await oabot.consent(HUNG)
    case = await oabot.ask(HUNG)
    await oabot.harness.card(case)
    await oabot.oa.unfollow(HUNG)
    for _ in range(100):
        if oabot.count("SELECT following FROM zalo_oa_contacts WHERE user_id = " + repr(HUNG)) == 0:
            break
        await asyncio.sleep(0.02)
    await oabot.oa.follow(HUNG, notify=False)   # the follow event was lost: the stored flag is stale
    after = oabot.oa.last_bot_seq(HUNG)
    await oabot.harness.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp nhé.")
    answer = await oabot.oa.wait_for_bot_message(HUNG, lambda m: "📬" in m["text"], after=after)
    assert "Công đoàn khu công nghiệp" in answer["text"]


def test_site_verification_config(tmp_path: Any) -> None:
    emu_like = type("E", (), {"token": "1:a", "base_url": "http://127.0.0.1:1/bot"})()
    data = config_data(emu_like, tmp_path / "db.sqlite3")  # type: ignore[arg-type]
    section = {"app_id": "1", "app_secret": "s", "oa_secret_key": "k", "refresh_token": "r"}
    config = parse_config({**data, "zalo_oa": {**section, "site_verification": f" {SITE_CODE} "}}, env={})
    assert config.zalo_oa is not None and config.zalo_oa.site_verification == SITE_CODE
    for bad in ('abc"><script>', "short", 42):
        with pytest.raises(ConfigError) as error:
            parse_config({**data, "zalo_oa": {**section, "site_verification": bad}}, env={})
        assert error.value.key == "zalo_oa.site_verification"
