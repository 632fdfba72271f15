"""Abuse controls (issue 15, finding 7): a cap on open questions, muting an asker
without learning who they are, and one card edit for many "me too" at once.

The attacks as reproduced: one account that declined to give its name (so every
question is anonymous and the flow is short) posted 6 cards in 2.5 s; 40 "me
too" queued 40 edits of one card against the group's 20 messages a minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import ConfigError, parse_config
from bot.models import OutboxRequest
from bot.sandbox.emulator import BotApiEmulator
from bot.storage import Storage
from tests.conftest import OFFICIAL, OFFICIALS, STRANGER, WORKER, Harness, config_data
from tests.test_zalo import HUNG, ZaloBot, zalo, zalo_section  # noqa: F401 - fixtures

SPAMMER = 1010
QUESTIONS = [
    "Công ty có được trừ lương khi nghỉ ốm có giấy bệnh viện không ạ?",
    "Làm thêm giờ ngày chủ nhật được trả bao nhiêu phần trăm lương ạ?",
    "Nghỉ việc thì bao lâu được chốt sổ bảo hiểm xã hội ạ?",
    "Công nhân ở khu công nghiệp có được thuê nhà ở xã hội không ạ?",
    "Tiền điện nhà trọ chủ nhà thu 5 nghìn một số có đúng không ạ?",
    "Lương tối thiểu vùng năm nay là bao nhiêu ạ?",
]
TOO_MANY = "Bạn đang có 3 câu hỏi chờ cán bộ trả lời"
MUTED = "tạm thời chưa thể gửi câu hỏi mới"


@pytest.fixture
async def capped(emu: BotApiEmulator, make_config: Callable[..., Any]) -> AsyncIterator[Harness]:
    emu.add_user(SPAMMER, "Ẩn", language_code="vi")
    harness = Harness(emu, make_config(bot={"max_open_questions": 3}))
    await harness.start()
    # The spammer declined the privacy notice: every question anonymous, no identity step.
    user = await harness.services.storage.user_by_chat("telegram", str(SPAMMER))
    await harness.services.storage.set_consent(user.id, False, "")
    yield harness
    await harness.stop()


async def quick_question(bot: Harness, user: int, text: str, topic: str = "Việc làm") -> dict[str, Any]:
    """Type the question straight away, pick the topic, send anonymously: the bot's last word on it."""
    prompt = await bot.say(user, text)
    if "chủ đề" not in prompt["text"]:
        return prompt  # refused before the topic
    await bot.press(user, prompt, topic)
    confirm = await bot.emu.wait_for_edit(user, prompt["message_id"], lambda m: "kiểm tra lại" in m["text"])
    await bot.press(user, confirm, "Gửi ẩn danh")
    return await bot.emu.wait_for_edit(user, confirm["message_id"], lambda m: "kiểm tra lại" not in m["text"])


def cards_in_group(bot: Harness) -> list[dict[str, Any]]:
    return [m for m in bot.emu.bot_messages(OFFICIALS) if (m.get("text") or "").startswith("📩")]


# -- the cap -------------------------------------------------------------------------------


def test_the_cap_is_read_from_config(emu: BotApiEmulator, tmp_path: Any) -> None:
    def bot_section(**values: Any) -> Any:
        return parse_config(config_data(emu, tmp_path / "db.sqlite3", bot=values), env={}).bot

    assert bot_section().max_open_questions == 5
    assert bot_section(max_open_questions=0).max_open_questions == 0  # no cap
    with pytest.raises(ConfigError, match="max_open_questions"):
        bot_section(max_open_questions=-1)


async def test_one_account_cannot_flood_the_officials(capped: Harness) -> None:
    sent = [await quick_question(capped, SPAMMER, text) for text in QUESTIONS[:3]]
    assert all("Đã gửi câu hỏi" in m["text"] for m in sent), [m["text"] for m in sent]
    # The fourth, fifth and sixth: told kindly, and nothing reaches the officials.
    for text in QUESTIONS[3:]:
        refused = await quick_question(capped, SPAMMER, text)
        assert TOO_MANY in refused["text"] and "Câu hỏi của tôi" in refused["text"], refused["text"]
    refused = await capped.say(SPAMMER, "/ask")
    assert TOO_MANY in refused["text"] and not refused.get("buttons")
    cases = [q.id for q in await capped.services.storage.all_questions()]
    assert len(cases) == 3
    await capped.emu.wait_for_bot_message(OFFICIALS, lambda m: f"#{cases[-1]} " in m["text"])
    assert len(cards_in_group(capped)) == 3

    # One answered: there is room for one more.
    after = capped.last_bot_id(SPAMMER)
    await capped.answer_by_reply(OFFICIAL, cases[0], "Không được trừ lương khi có giấy nghỉ ốm.")
    await capped.answer_for(SPAMMER, cases[0], after=after)
    assert "Đã gửi câu hỏi" in (await quick_question(capped, SPAMMER, QUESTIONS[3]))["text"]
    assert TOO_MANY in (await quick_question(capped, SPAMMER, QUESTIONS[4]))["text"]


async def test_a_draft_begun_under_the_cap_is_checked_when_sent(capped: Harness) -> None:
    for text in QUESTIONS[:3]:
        await quick_question(capped, SPAMMER, text)
    first = (await capped.services.storage.all_questions())[0].id
    after = capped.last_bot_id(SPAMMER)
    await capped.answer_by_reply(OFFICIAL, first, "Không được trừ lương khi có giấy nghỉ ốm.")
    await capped.answer_for(SPAMMER, first, after=after)
    # Room for one: the worker gets as far as "check and send"...
    prompt = await capped.say(SPAMMER, QUESTIONS[3])
    await capped.press(SPAMMER, prompt, "Việc làm")
    confirm = await capped.emu.wait_for_edit(SPAMMER, prompt["message_id"], lambda m: "kiểm tra lại" in m["text"])
    # ...while an official reopens the answered case: three are waiting again.
    after = capped.last_bot_id(OFFICIALS)
    await capped.emu.send_text(OFFICIAL, f"/reopen {first}", chat_id=OFFICIALS)
    await capped.emu.wait_for_bot_message(OFFICIALS, lambda m: "mở lại" in m["text"], after=after)
    await capped.press(SPAMMER, confirm, "Gửi ẩn danh")
    told = await capped.emu.wait_for_edit(SPAMMER, confirm["message_id"], lambda m: TOO_MANY in m["text"])
    assert "#" not in told["text"]
    assert len(await capped.services.storage.all_questions()) == 3


async def test_the_cap_holds_on_zalo_too(emu: BotApiEmulator, zalo: Any,  # noqa: F811
                                         make_config: Callable[..., Any]) -> None:
    harness = Harness(emu, make_config(zalo=zalo_section(zalo), bot={"max_open_questions": 2}))
    await harness.start()
    try:
        zbot = ZaloBot(harness, zalo)
        await zbot.consent(HUNG, agree=False)
        for text in QUESTIONS[:2]:
            await zbot.say(HUNG, "hỏi")
            await zbot.say(HUNG, text)
            await zbot.say(HUNG, "viec lam")
            assert "Đã gửi câu hỏi" in (await zbot.say(HUNG, "1"))["text"]
        refused = await zbot.say(HUNG, "hỏi")
        assert "Bạn đang có 2 câu hỏi chờ cán bộ trả lời" in refused["text"], refused["text"]
        refused = await zbot.say(HUNG, QUESTIONS[2])
        assert "Bạn đang có 2 câu hỏi" in refused["text"], refused["text"]
        assert len(await harness.services.storage.all_questions()) == 2
    finally:
        await harness.stop()


# -- muting an asker -----------------------------------------------------------------------


async def press_card(bot: Harness, user: int, message_id: int, label: str) -> dict[str, Any]:
    query = await bot.emu.click_button(user, OFFICIALS, message_id, label)
    return await bot.emu.wait_for_callback_answer(query)


async def command(bot: Harness, text: str, expect: str, *, user: int = OFFICIAL) -> dict[str, Any]:
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(user, text, chat_id=OFFICIALS)
    return await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: expect in (m.get("text") or ""),
                                              after=after)


async def test_an_official_mutes_an_asker_without_learning_who_it_is(bot: Harness) -> None:
    first = await bot.ask(WORKER, QUESTIONS[0], topic="Việc làm", anonymous=True)
    second = await bot.ask(WORKER, QUESTIONS[1], topic="Việc làm", anonymous=True)
    card = await bot.card(first)
    assert f"🔇 Chặn người hỏi #{first}" in [b["text"] for b in card["buttons"]]

    # A stranger's forged press does nothing; the first press only asks to confirm.
    forged = await bot.emu.click(STRANGER, OFFICIALS, card["message_id"],
                                 next(b["callback_data"] for b in card["buttons"] if "🔇" in b["text"])
                                 + "ok")
    assert "Chỉ cán bộ" in (await bot.emu.wait_for_callback_answer(forged))["text"]
    await press_card(bot, OFFICIAL, card["message_id"], "Chặn người hỏi")
    confirm = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                          lambda m: "Xác nhận chặn" in str(m.get("buttons")))
    assert not await bot.services.storage.is_muted(
        (await bot.services.storage.user_by_chat("telegram", str(WORKER))).id)
    done = await press_card(bot, OFFICIAL, confirm["message_id"], "Xác nhận chặn")
    assert f"Đã chặn người hỏi #{first}" in done["text"]
    muted_card = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                             lambda m: "đã bị chặn" in m["text"])
    assert "🔇" not in str(muted_card.get("buttons"))

    # The worker is told plainly, and nothing new reaches the officials.
    told = await bot.say(WORKER, "/ask")
    assert MUTED in told["text"] and not told.get("buttons")
    told = await bot.say(WORKER, QUESTIONS[2])
    assert MUTED in told["text"]
    assert len(await bot.services.storage.all_questions()) == 2

    # The history says who muted, never whom; the other case of the same person says
    # nothing (that would link two anonymous cases), and /unmute of it finds nothing.
    history = await command(bot, f"/case {first}", f"#{first}")
    assert "Lan Trần" in history["text"] and "chặn người hỏi gửi câu hỏi mới" in history["text"]
    other = await command(bot, f"/unmute {second}", f"#{second}")
    assert "Không có lệnh chặn" in other["text"]
    seen = "\n".join((m.get("text") or "") + str(m.get("buttons")) for m in bot.emu.bot_messages(OFFICIALS))
    seen += "".join(str(params.get("text") or "") for method, params in bot.emu.requests
                    if method.lower() == "answercallbackquery")
    assert "Hoa" not in seen and str(WORKER) not in seen

    undone = await command(bot, f"/unmute {first}", "bỏ chặn")
    assert f"Đã bỏ chặn người hỏi #{first}" in undone["text"]
    history = await command(bot, f"/case {first}", "bỏ chặn người hỏi")
    assert "Lan Trần" in history["text"]
    await bot.emu.wait_for_edit(OFFICIALS, card["message_id"], lambda m: "đã bị chặn" not in m["text"])
    assert "Đã gửi câu hỏi" in (await quick_question(bot, WORKER, QUESTIONS[2]))["text"]


# -- many "me too" make one card edit -------------------------------------------------------


def card_edits(bot: Harness, message_id: int) -> int:
    return sum(1 for method, params in bot.emu.requests
               if method.lower() == "editmessagetext" and str(params.get("chat_id")) == str(OFFICIALS)
               and int(params.get("message_id", 0)) == message_id)


async def test_forty_me_too_do_not_make_forty_card_edits(bot: Harness) -> None:
    # python-telegram-bot's AIORateLimiter, which the bot uses, lets 20 requests a minute
    # reach one group (telegram/ext/_aioratelimiter.py: group_max_rate =
    # FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP = 20, group_time_period = 60), as Telegram
    # asks: edits past that wait, and waiting edits of one card are merged into the newest.
    text = "Công nhân khu công nghiệp có được thuê nhà ở xã hội không ạ?"
    case = await bot.ask(WORKER, text)
    card = await bot.card(case)
    followers = list(range(3001, 3041))
    for user in followers:
        bot.emu.add_user(user, f"Công nhân {user}", language_code="vi")
    await bot.consent_all()
    for user in followers:
        offer = await bot.say(user, text)  # "me too" comes before the topic
        assert "Cùng hỏi" in str(offer.get("buttons")), offer
        await bot.press(user, offer, "Cùng hỏi")
        await bot.emu.wait_for_edit(user, offer["message_id"], lambda m: "Bạn đã cùng hỏi" in m["text"])
    final = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                        lambda m: "👥 40 người cùng hỏi" in m["text"], timeout=90)
    assert final["text"].count("người cùng hỏi") == 1
    edits = card_edits(bot, card["message_id"])
    print(f"editMessageText of the card for 40 'me too': {edits}")
    assert edits < 30, edits  # 40 before: one per "me too"
    while await bot.services.storage.waiting_for("telegram", str(OFFICIALS)):
        await asyncio.sleep(0.05)
    assert card_edits(bot, card["message_id"]) == edits  # and none still queued


async def test_waiting_edits_of_one_card_are_merged_but_one_in_flight_is_kept(bot: Harness) -> None:
    await bot.stop()  # no dispatcher: the rows stay as written
    db = await Storage.open(bot.config.storage.path)
    try:
        def edit(text: str, message_id: int = 77) -> OutboxRequest:
            return OutboxRequest(channel="telegram", chat_id=str(OFFICIALS), edit_message_id=message_id,
                                 text=text)

        await db.enqueue([edit("v1")])
        first = (await db.outbox_rows())[-1]["id"]
        await db.begin_sending(first)  # in flight: Telegram may already have it
        await db.enqueue([edit("v2")])
        await db.enqueue([edit("v3"), edit("other card", message_id=78)])
        await db.enqueue([OutboxRequest(channel="telegram", chat_id=str(OFFICIALS), text="new card")])
        await db.enqueue([edit("v4")])
        rows = [(r["edit_message_id"], r["text"]) for r in await db.outbox_rows() if r["sent_at"] is None]
        assert rows == [(77, "v1"), (78, "other card"), (None, "new card"), (77, "v4")]
    finally:
        await db.close()
