"""The core loop end to end: a worker asks, officials answer, the answer comes back."""

from __future__ import annotations

import asyncio
import re

from tests.conftest import OFFICIAL, OFFICIALS, WORKER, WORKER_EN, Harness

QUESTION = "Công nhân ở khu công nghiệp có được thuê nhà ở xã hội không ạ?"


async def test_start_shows_menu_and_registers_commands(bot: Harness) -> None:
    greeting = await bot.say(WORKER, "/start")
    assert "Xin chào Hoa" in greeting["text"]
    labels = [b["text"] for b in greeting["buttons"]]
    assert labels == ["✍️ Đặt câu hỏi", "📋 Câu hỏi của tôi", "🗓 Hội nghị đối thoại", "❓ Hướng dẫn"]
    commands = [params for method, params in bot.emu.requests if method == "setMyCommands"]
    assert commands, "setMyCommands was never called"
    names = {c["command"] for params in commands for c in params["commands"]}
    assert names == {"ask", "my", "events", "help", "cancel", "stop_news", "mydata", "forget"}


async def test_named_question_answered_by_reply(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION)
    card = await bot.card(case)
    assert "Hoa Nguyễn Thị" in card["text"]
    assert QUESTION in card["text"]
    assert "Nhà ở công nhân" in card["text"]

    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Có. Bạn nộp hồ sơ tại Sở Xây dựng.")
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert QUESTION in delivered["text"]
    assert "Có. Bạn nộp hồ sơ tại Sở Xây dựng." in delivered["text"]
    assert [b["text"] for b in delivered["buttons"]] == ["👍 Hữu ích", "👎 Chưa thỏa đáng", "❓ Hỏi thêm"]

    edited = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                         lambda m: m["text"].startswith("✅"))
    assert "Lan Trần" in edited["text"] and "Sở Xây dựng" in edited["text"]

    thanks = await bot.emu.wait_for_callback_answer(await bot.press(WORKER, delivered, "Hữu ích"))
    assert "Cảm ơn" in thanks["text"]
    question = await bot.services.storage.get_question(case)
    assert question.status == "answered"
    assert question.rating == 1


async def test_anonymous_question_reveals_nobody(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION, anonymous=True)
    card = await bot.card(case)
    assert "Ẩn danh" in card["text"]
    assert "Hoa" not in card["text"] and str(WORKER) not in card["text"]
    # Nothing the worker wrote is forwarded: every message in the group is the bot's own card.
    group = bot.emu.messages(OFFICIALS)
    assert all(m["from"]["id"] == bot.app.bot.id for m in group if m.get("text"))
    assert not any("forward_origin" in m or "forward_from" in m for m in group)

    stored = await bot.services.storage.get_question(case)
    assert stored.anonymous and stored.asker_name is None

    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn khu công nghiệp.")
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert "Công đoàn khu công nghiệp" in delivered["text"]


async def test_answer_command(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION)
    await bot.card(case)
    after = bot.last_bot_id(WORKER)
    await bot.emu.send_text(OFFICIAL, f"/answer {case} Trả lời qua lệnh.", chat_id=OFFICIALS)
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert "Trả lời qua lệnh." in delivered["text"]
    ack = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: "Đã ghi nhận" in m["text"])
    assert f"#{case}" in ack["text"]


async def test_my_questions_lists_status_and_answer(bot: Harness) -> None:
    empty = await bot.say(WORKER, "/my")
    assert "chưa gửi câu hỏi nào" in empty["text"]
    first = await bot.ask(WORKER, QUESTION)
    second = await bot.ask(WORKER, "Lương tối thiểu vùng năm nay là bao nhiêu?", topic="Việc làm")
    await bot.card(first)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, first, "Được, theo Luật Nhà ở.")
    await bot.answer_for(WORKER, first, after=after)

    listing = await bot.say(WORKER, "/my")
    text = listing["text"]
    assert text.index(f"#{second}") < text.index(f"#{first}")  # newest first
    assert "đang chờ trả lời" in text and "đã trả lời" in text
    assert "Được, theo Luật Nhà ở." in text


async def test_english_worker_gets_english(bot: Harness) -> None:
    greeting = await bot.say(WORKER_EN, "/start")
    assert greeting["text"].startswith("Hello Anna")
    prompt = await bot.say(WORKER_EN, "/ask")
    assert "Please type your question" in prompt["text"]
    menu = await bot.say(WORKER_EN, "Can workers in the industrial park rent social housing?")
    assert "Please pick a topic" in menu["text"]
    assert "Housing" in [b["text"] for b in menu["buttons"]]
    await bot.press(WORKER_EN, menu, "Housing")
    confirm = await bot.emu.wait_for_edit(WORKER_EN, menu["message_id"],
                                          lambda m: "Please check" in m["text"])
    assert [b["text"] for b in confirm["buttons"]] == [
        "📨 Send with my name", "🕶 Send anonymously", "✖️ Cancel"]


async def test_question_typed_without_ask_is_kept(bot: Harness) -> None:
    topics = await bot.say(WORKER, QUESTION)
    assert "chọn một chủ đề" in topics["text"]
    await bot.press(WORKER, topics, "Nhà ở")
    confirm = await bot.emu.wait_for_edit(WORKER, topics["message_id"],
                                          lambda m: "kiểm tra lại" in m["text"])
    assert QUESTION in confirm["text"]
    # One last step both confirms and chooses: with the name, anonymously, or not at all.
    assert [b["text"] for b in confirm["buttons"]] == ["📨 Gửi kèm tên", "🕶 Gửi ẩn danh", "✖️ Hủy"]
    assert "Hoa Nguyễn Thị" in confirm["text"]


async def test_card_goes_to_the_topic_thread(emu, make_config) -> None:  # type: ignore[no-untyped-def]
    thread = emu.create_forum_topic(OFFICIALS, "Nhà ở")
    config = make_config(topics=[
        {"key": "housing", "title": "Nhà ở công nhân", "thread_id": thread},
        {"key": "jobs", "title": "Việc làm"},
    ])
    harness = Harness(emu, config)
    await harness.start()
    try:
        case = await harness.ask(WORKER, QUESTION)
        card = await harness.card(case)
        assert card["message_thread_id"] == thread
        after = harness.last_bot_id(WORKER)
        await harness.answer_by_reply(OFFICIAL, case, "Trả lời trong chủ đề diễn đàn.")
        await harness.answer_for(WORKER, case, after=after)
    finally:
        await harness.stop()


async def test_restart_between_question_and_answer(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION)
    await bot.card(case)
    await bot.restart()
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Trả lời sau khi khởi động lại.")
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert "Trả lời sau khi khởi động lại." in delivered["text"]


async def test_restart_in_the_middle_of_asking(bot: Harness) -> None:
    assert "Mời bạn gõ" in (await bot.say(WORKER, "/ask"))["text"]
    await bot.restart()  # an update cut short by a restart is processed again: it says so twice
    after = bot.last_bot_id(WORKER)
    await bot.emu.send_text(WORKER, QUESTION)
    topics = await bot.emu.wait_for_bot_message(WORKER, lambda m: "lĩnh vực nào" in m["text"], after=after)
    await bot.restart()
    await bot.press(WORKER, topics, "Nhà ở")
    confirm = await bot.emu.wait_for_edit(WORKER, topics["message_id"],
                                          lambda m: "kiểm tra lại" in m["text"])
    await bot.restart()
    await bot.press(WORKER, confirm, "Gửi ẩn danh")
    sent = await bot.emu.wait_for_edit(WORKER, topics["message_id"], lambda m: "Đã gửi" in m["text"])
    case = int(re.search(r"#(\d+)", sent["text"]).group(1))  # type: ignore[union-attr]
    assert (await bot.services.storage.get_question(case)).anonymous


async def test_answer_sent_while_telegram_refuses_is_delivered_later(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION)
    await bot.card(case)
    bot.emu.block_bot(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Trả lời khi người hỏi đã chặn bot.")
    # Blocked is permanent: recorded, not retried, visible in the outbox.
    for _ in range(50):
        rows = [r for r in await bot.services.storage.outbox_rows() if r["chat_id"] == str(WORKER)
                and "đã chặn bot" in r["text"]]
        if rows and rows[0]["failed_at"]:
            break
        await asyncio.sleep(0.05)
    assert rows[0]["failed_at"] is not None
    assert "blocked" in rows[0]["last_error"]


async def test_the_same_question_typed_again_keeps_the_topic_buttons_working(bot: Harness) -> None:
    # As when an update is processed again after a restart: the buttons already shown stay good.
    first = await bot.say(WORKER, QUESTION)
    again = await bot.say(WORKER, QUESTION)
    assert [b["callback_data"] for b in again["buttons"]] == [b["callback_data"] for b in first["buttons"]]
    await bot.press(WORKER, first, "Nhà ở")
    await bot.emu.wait_for_edit(WORKER, first["message_id"], lambda m: "kiểm tra lại" in m["text"])
