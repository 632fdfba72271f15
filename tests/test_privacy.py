"""Consent first, a copy of one's data, being forgotten, retention (Decree 13/2023/NĐ-CP)."""

from __future__ import annotations

import asyncio
import json
import time

from tests.conftest import OFFICIAL, OFFICIALS, Harness

NEWCOMER = 3001
QUESTION = "Em làm ca đêm ở khu công nghiệp thì có được phụ cấp không ạ?"


async def _newcomer(bot: Harness, language: str = "vi") -> dict:
    """A worker who has never used the bot: they see the notice before anything else."""
    bot.emu.add_user(NEWCOMER, "Tuấn", last_name="Phạm", language_code=language)
    after = bot.last_bot_id(NEWCOMER)
    await bot.emu.send_text(NEWCOMER, QUESTION)
    return await bot.emu.wait_for_bot_message(NEWCOMER, after=after)


async def _agree(bot: Harness, notice: dict) -> None:
    await bot.press(NEWCOMER, notice, "Đồng ý")
    await bot.emu.wait_for_bot_message(NEWCOMER, lambda m: "Xin chào" in m["text"], after=notice["message_id"])


async def _stored(bot: Harness):  # type: ignore[no-untyped-def]
    rows = await bot.services.storage._all(  # noqa: SLF001 - what is really stored
        "SELECT * FROM users WHERE external_id = ? OR external_id LIKE 'forgotten:%'", (str(NEWCOMER),))
    return [dict(r) for r in rows]


async def test_notice_comes_first_and_nothing_personal_is_kept_before(bot: Harness) -> None:
    notice = await _newcomer(bot)
    assert "Nghị định 13/2023" in notice["text"] and "/forget" in notice["text"]
    assert [b["text"] for b in notice["buttons"]] == ["✅ Đồng ý", "🕶 Không, tôi chỉ hỏi ẩn danh"]
    [row] = await _stored(bot)
    assert row["display_name"] == "" and row["consent"] is None
    assert await bot.services.storage.get_draft(row["id"]) is None  # the question was not kept either

    await bot.press(NEWCOMER, notice, "Đồng ý")
    greeting = await bot.emu.wait_for_bot_message(NEWCOMER, lambda m: "Xin chào" in m["text"],
                                                  after=notice["message_id"])
    assert greeting
    [row] = await _stored(bot)
    assert row["display_name"] == "Tuấn Phạm" and row["consent"] == "granted"
    case = await bot.ask(NEWCOMER, QUESTION)
    assert "Tuấn Phạm" in (await bot.card(case))["text"]


async def test_declining_still_allows_anonymous_questions(bot: Harness) -> None:
    notice = await _newcomer(bot)
    await bot.press(NEWCOMER, notice, "Không")
    await bot.emu.wait_for_bot_message(NEWCOMER, lambda m: "Xin chào" in m["text"], after=notice["message_id"])
    assert "Mời bạn gõ" in (await bot.say(NEWCOMER, "/ask"))["text"]
    topics = await bot.say(NEWCOMER, QUESTION)
    await bot.press(NEWCOMER, topics, "Nhà ở")
    confirm = await bot.emu.wait_for_edit(NEWCOMER, topics["message_id"], lambda m: "kiểm tra lại" in m["text"])
    # No name kept, none offered: anonymous is the only way to send.
    assert [b["text"] for b in confirm["buttons"]] == ["🕶 Gửi ẩn danh", "✖️ Hủy"]
    await bot.press(NEWCOMER, confirm, "Gửi ẩn danh")
    sent = await bot.emu.wait_for_edit(NEWCOMER, confirm["message_id"], lambda m: "#" in m["text"])
    case = int(sent["text"].split("#")[1].split(".")[0])
    card = await bot.card(case)
    assert "Ẩn danh" in card["text"] and "Tuấn" not in card["text"]
    [row] = await _stored(bot)
    assert row["display_name"] == "" and row["consent"] == "declined"


async def test_mydata_sends_everything_kept(bot: Harness) -> None:
    notice = await _newcomer(bot)
    await _agree(bot, notice)
    case = await bot.ask(NEWCOMER, QUESTION)
    after = bot.last_bot_id(NEWCOMER)
    await bot.emu.send_text(NEWCOMER, "/mydata")
    document = await bot.emu.wait_for_bot_message(NEWCOMER, lambda m: "document" in m, after=after)
    data = json.loads(bot.emu.file_bytes(NEWCOMER, document["message_id"]).decode("utf-8"))
    assert data["user"]["display_name"] == "Tuấn Phạm" and data["user"]["consent"] == "granted"
    assert [q["id"] for q in data["questions"]] == [case]
    assert data["questions"][0]["text"] == QUESTION


async def test_forget_removes_the_person_and_keeps_an_anonymous_case(bot: Harness) -> None:
    notice = await _newcomer(bot)
    await _agree(bot, notice)
    case = await bot.ask(NEWCOMER, QUESTION)
    card = await bot.card(case)
    assert "Tuấn Phạm" in card["text"]

    prompt = await bot.say(NEWCOMER, "/forget")
    await bot.press(NEWCOMER, prompt, "Xóa dữ liệu")
    await bot.emu.wait_for_edit(NEWCOMER, prompt["message_id"], lambda m: "Đã xóa" in m["text"])
    edited = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"], lambda m: "Ẩn danh" in m["text"])
    assert "Tuấn" not in edited["text"]
    [row] = await _stored(bot)
    assert row["external_id"].startswith("forgotten:") and row["display_name"] == "" and row["chat_id"] == ""
    question = await bot.services.storage.get_question(case)
    assert question.anonymous and question.asker_name is None and question.text == QUESTION

    # An answer after that reaches nobody, and nothing is retried for the forgotten chat.
    before = len(bot.emu.bot_messages(NEWCOMER))
    await bot.answer_by_reply(OFFICIAL, case, "Trả lời sau khi đã xóa dữ liệu.")
    await asyncio.sleep(0.5)
    assert len(bot.emu.bot_messages(NEWCOMER)) == before
    # Writing again: a new user, asked for consent again.
    after = bot.last_bot_id(NEWCOMER)
    await bot.emu.send_text(NEWCOMER, "/start")
    again = await bot.emu.wait_for_bot_message(NEWCOMER, after=after)
    assert "Nghị định 13/2023" in again["text"]


async def test_retention_purges_people_not_seen_for_long(bot: Harness) -> None:
    notice = await _newcomer(bot)
    await _agree(bot, notice)
    case = await bot.ask(NEWCOMER, QUESTION)
    await bot.card(case)
    privacy = bot.services.privacy
    privacy._clock = lambda: time.time() + 364 * 86400  # noqa: SLF001 - a year later, almost
    assert await privacy.purge_inactive() == 0
    privacy._clock = lambda: time.time() + 366 * 86400  # noqa: SLF001
    purged = await privacy.purge_inactive()
    assert purged >= 1
    rows = await _stored(bot)
    assert all(r["display_name"] == "" for r in rows)
    assert (await bot.services.storage.get_question(case)).asker_name is None
