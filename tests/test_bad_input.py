"""Bad input gets a clear message and changes nothing; strangers change nothing."""

from __future__ import annotations

import asyncio

from tests.conftest import ADMIN, OFFICIAL, OFFICIALS, STRANGER, WORKER, Harness

QUESTION = "Thủ tục chốt sổ bảo hiểm xã hội khi nghỉ việc thế nào ạ?"


async def _open_text_step(bot: Harness) -> dict:
    prompt = await bot.say(WORKER, "/ask")
    assert "Mời bạn gõ" in prompt["text"]
    return prompt


async def _to_confirm(bot: Harness, topics: dict) -> dict:
    """The topic chosen under the question: the check with its send choices."""
    assert "lĩnh vực nào" in topics["text"], topics["text"]
    await bot.press(WORKER, topics, "Thủ tục")
    return await bot.emu.wait_for_edit(WORKER, topics["message_id"], lambda m: "kiểm tra lại" in m["text"])


async def _count_questions(bot: Harness) -> int:
    return len(await bot.services.storage.questions_of_user(
        (await bot.services.storage.upsert_user("telegram", str(WORKER), str(WORKER), "Hoa", "vi")).id))


async def test_sticker_voice_and_bare_photo_are_explained(bot: Harness) -> None:
    await _open_text_step(bot)
    for send in (bot.emu.send_sticker, bot.emu.send_voice, bot.emu.send_photo):
        after = bot.last_bot_id(WORKER)
        await send(WORKER)
        reply = await bot.emu.wait_for_bot_message(WORKER, after=after)
        assert "chỉ nhận câu hỏi bằng chữ" in reply["text"]
    # The draft survived: the question can still be typed.
    topics = await bot.say(WORKER, QUESTION)
    assert "lĩnh vực nào" in topics["text"]


async def test_photo_caption_is_taken_as_the_question(bot: Harness) -> None:
    await _open_text_step(bot)
    after = bot.last_bot_id(WORKER)
    await bot.emu.send_photo(WORKER, caption=QUESTION)
    topics = await bot.emu.wait_for_bot_message(WORKER, after=after)
    assert "lĩnh vực nào" in topics["text"]


async def test_too_short_and_too_long_are_refused_with_reason(bot: Harness) -> None:
    await _open_text_step(bot)
    short = await bot.say(WORKER, "giúp em ??? 😭😭😭")
    assert "ít nhất 10" in short["text"]
    long = await bot.say(WORKER, "a" * 2001)
    assert "2.001" in long["text"] and "2.000" in long["text"]
    huge = await bot.say(WORKER, "nhà ở " * 1700)  # ~10,000 characters
    assert "vượt quá" in huge["text"]
    assert await _count_questions(bot) == 0
    topics = await bot.say(WORKER, QUESTION)
    assert "lĩnh vực nào" in topics["text"]


async def test_cancel_at_every_step(bot: Harness) -> None:
    nothing = await bot.say(WORKER, "/cancel")
    assert "không có thao tác" in nothing["text"]

    await _open_text_step(bot)
    assert "Đã hủy" in (await bot.say(WORKER, "/cancel"))["text"]

    await _open_text_step(bot)
    topics = await bot.say(WORKER, QUESTION)
    assert "Đã hủy" in (await bot.say(WORKER, "hủy"))["text"]  # the word, as on Zalo
    # The old buttons are now stale and do nothing.
    callback = await bot.press(WORKER, topics, "Thủ tục")
    answer = await bot.emu.wait_for_callback_answer(callback)
    assert "đã cũ" in answer["text"]

    await _open_text_step(bot)
    confirm = await _to_confirm(bot, await bot.say(WORKER, QUESTION))
    await bot.press(WORKER, confirm, "Hủy")
    await bot.emu.wait_for_edit(WORKER, confirm["message_id"], lambda m: "Đã hủy" in m["text"])
    assert await _count_questions(bot) == 0


async def test_forged_and_stale_buttons_change_nothing(bot: Harness) -> None:
    await bot.say(WORKER, "/ask")
    menu = await bot.say(WORKER, QUESTION)
    version = menu["buttons"][0]["callback_data"].split(":")[1]
    for data in (f"q:{version}:named", f"q:{int(version) + 1}:t:housing", "q:1:t:housing",
                 f"q:{version}:t:no_such_topic", "r:1:up", "r:abc:sideways", "zzz", "m:nothing",
                 "q:" + "9" * 40):
        callback = await bot.emu.click(WORKER, WORKER, menu["message_id"], data)
        await bot.emu.wait_for_callback_answer(callback)
    assert await _count_questions(bot) == 0
    draft = await bot.services.storage.get_draft(
        (await bot.services.storage.upsert_user("telegram", str(WORKER), str(WORKER), "Hoa", "vi")).id)
    assert draft.step == "topic" and draft.topic is None


async def test_worker_cannot_submit_twice_with_one_confirm(bot: Harness) -> None:
    await _open_text_step(bot)
    confirm = await _to_confirm(bot, await bot.say(WORKER, QUESTION))
    send = next(b["callback_data"] for b in confirm["buttons"] if "Gửi" in b["text"])
    first = await bot.emu.click(WORKER, WORKER, confirm["message_id"], send)
    await bot.emu.wait_for_callback_answer(first)
    second = await bot.emu.click(WORKER, WORKER, confirm["message_id"], send)
    await bot.emu.wait_for_callback_answer(second)
    assert await _count_questions(bot) == 1


async def test_answer_from_non_member_is_ignored(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION)
    card = await bot.card(case)
    await bot.emu.send_text(STRANGER, "Tôi trả lời bừa", chat_id=OFFICIALS, reply_to=card["message_id"])
    bot.emu.set_member_status(OFFICIALS, OFFICIAL_LEFT := 503, "left")
    bot.emu.add_user(OFFICIAL_LEFT, "Cũ")
    await bot.emu.send_text(OFFICIAL_LEFT, "Tôi đã rời nhóm", chat_id=OFFICIALS, reply_to=card["message_id"])
    await bot.emu.send_text(STRANGER, f"/answer {case} bừa", chat_id=OFFICIALS)
    refusal = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: "Chỉ cán bộ" in m["text"])
    assert refusal
    await asyncio.sleep(0.3)
    assert (await bot.services.storage.get_question(case)).status == "open"
    assert not [m for m in bot.emu.bot_messages(WORKER) if "📬" in m["text"]]
    # An admin id outside the group may answer from a private chat.
    after = bot.last_bot_id(WORKER)
    await bot.emu.send_text(ADMIN, f"/answer {case} Trả lời của quản trị.")
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert "Trả lời của quản trị." in delivered["text"]


async def test_answer_command_mistakes(bot: Harness) -> None:
    for text, expected in (("/answer", "Cú pháp"), ("/answer abc xyz", "Cú pháp"),
                           ("/answer 999 Trả lời", "Không tìm thấy câu hỏi #999"),
                           ("/answer 1", "Không tìm thấy câu hỏi #1")):
        after = bot.last_bot_id(OFFICIALS)
        await bot.emu.send_text(OFFICIAL, text, chat_id=OFFICIALS)
        reply = await bot.emu.wait_for_bot_message(OFFICIALS, after=after)
        assert expected in reply["text"], (text, reply["text"])


async def test_user_text_is_escaped_everywhere(bot: Harness) -> None:
    nasty = "<b>Sếp</b> & <script>alert(1)</script> có được <i>nợ lương</i> không?"
    case = await bot.ask(WORKER, nasty)
    card = await bot.card(case)
    assert nasty in card["text"]  # shown literally, not as markup
    assert "&lt;b&gt;Sếp&lt;/b&gt; &amp; &lt;script&gt;" in card["html"]
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Trả lời có <ký tự> & đặc biệt")
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert "Trả lời có <ký tự> & đặc biệt" in delivered["text"]


async def test_long_answer_is_split_and_complete(bot: Harness) -> None:
    # A 2,000-character question and a 4,000-character answer (both at Telegram's
    # limits for what people can type) do not fit in one 4,096-unit message.
    question = ("Cho em hỏi về chế độ bảo hiểm xã hội khi nghỉ việc 🙂 " * 40)[:1990]
    case = await bot.ask(WORKER, question)
    await bot.card(case)
    paragraphs = [f"Đoạn {i}: " + "quy định về bảo hiểm xã hội 🙂 " * 8 for i in range(16)]
    answer = "\n\n".join(paragraphs)[:4000]
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, answer)
    first = await bot.answer_for(WORKER, case, after=after)
    second = await bot.emu.wait_for_bot_message(WORKER, after=first["message_id"])
    for message in (first, second):
        assert len(message["text"].encode("utf-16-le")) // 2 <= 4096
    assert question in first["text"]
    joined = first["text"] + second["text"]
    for paragraph in answer.split("\n\n"):
        assert paragraph.strip() in joined, paragraph[:20]
    assert second["buttons"] and not first["buttons"]


async def test_edited_message_is_not_a_new_question(bot: Harness) -> None:
    await _open_text_step(bot)
    identity = await bot.say(WORKER, QUESTION)
    before = len(bot.emu.bot_messages(WORKER))
    await bot.emu.edit_text(WORKER, WORKER, identity["message_id"] - 1, QUESTION + " (sửa)")
    await asyncio.sleep(0.3)
    assert len(bot.emu.bot_messages(WORKER)) == before


async def test_messages_in_other_groups_are_ignored(bot: Harness) -> None:
    other = -1002000000002
    bot.emu.add_group(other, "Nhóm lạ", members=[STRANGER])
    await bot.emu.send_text(STRANGER, "/start", chat_id=other)
    await bot.emu.send_text(STRANGER, "/answer 1 bừa", chat_id=other)
    await asyncio.sleep(0.3)
    assert bot.emu.bot_messages(other) == []


async def test_flood_limit_sends_one_notice_and_drops_the_rest(bot: Harness) -> None:
    for _ in range(26):
        await bot.emu.send_text(WORKER, "/help")
    notice = await bot.emu.wait_for_bot_message(WORKER, lambda m: "hơi nhanh" in m["text"])
    assert notice
    await asyncio.sleep(0.5)
    texts = [m["text"] for m in bot.emu.bot_messages(WORKER)]
    assert sum("Cách dùng" in t for t in texts) == 20
    assert sum("hơi nhanh" in t for t in texts) == 1
