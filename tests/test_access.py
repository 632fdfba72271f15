"""Who may act as an official, where, and that nobody can stall the bot for everyone.

- In a private chat only `[officials] admin_user_ids` are officials: a stranger's
  command there costs no getChatMember (python-telegram-bot's AIORateLimiter would
  count one against the officials' group's 20 messages a minute).
- A case is handled from the main officials' group or its topic's own group only.
- An official who leaves, is removed or restricted loses access at once (Telegram's
  chat_member update, Bot API: "A chat member's status was updated in a chat. The bot
  must be an administrator in the chat and must explicitly specify 'chat_member' in
  the list of allowed_updates to receive these updates").
- Updates of different chats are processed concurrently, those of one chat in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.config import Config
from bot.sandbox.emulator import BotApiEmulator
from tests.conftest import ADMIN, OFFICIAL, OFFICIALS, STRANGER, WORKER, Harness

SECOND = -1001000000055      # the "procedures" topic's own officials' group
OUTSIDER = 601               # a member of that group only


def _member_checks(emu: BotApiEmulator) -> int:
    return sum(1 for method, _params in emu.requests if method == "getChatMember")


async def _private_command(bot: Harness, user: int, text: str) -> dict[str, Any]:
    return await bot.say(user, text)


async def test_a_stranger_in_private_costs_no_membership_check(bot: Harness) -> None:
    case = await bot.ask(WORKER, "Công ty không đóng bảo hiểm xã hội cho tôi thì sao?")
    before = _member_checks(bot.emu)
    for command in ("/stats", f"/case {case}", f"/reject {case} spam", "/answer 1 xin chào"):
        reply = await _private_command(bot, STRANGER, command)
        assert "Chỉ cán bộ" in reply["text"]
    assert _member_checks(bot.emu) == before
    assert (await bot.services.questions.question(case)).status == "open"


async def test_a_group_member_acts_in_the_group_but_not_in_private(bot: Harness) -> None:
    case = await bot.ask(WORKER, "Tôi muốn hỏi về chế độ thai sản cho lao động nữ ạ")
    reply = await _private_command(bot, OFFICIAL, f"/case {case}")
    assert "Chỉ cán bộ" in reply["text"]
    reply = await _private_command(bot, ADMIN, f"/case {case}")
    assert f"#{case}" in reply["text"] and "Chỉ cán bộ" not in reply["text"]
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(OFFICIAL, f"/case {case}", chat_id=OFFICIALS)
    history = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: f"#{case}" in m["text"],
                                                after=after)
    assert "Chỉ cán bộ" not in history["text"]


async def test_per_topic_group_acts_only_on_its_own_cases(
        emu: BotApiEmulator, make_config: Callable[..., Config]) -> None:
    emu.add_user(OUTSIDER, "Bình", language_code="vi")
    emu.add_group(SECOND, "Cán bộ thủ tục", members=[OUTSIDER])
    config = make_config(topics=[
        {"key": "housing", "title": "Nhà ở công nhân", "title_en": "Housing"},
        {"key": "procedures", "title": "Thủ tục hành chính", "title_en": "Procedures",
         "chat_id": SECOND},
    ])
    bot = Harness(emu, config)
    await bot.start()
    try:
        housing = await bot.ask(WORKER, "Nhà ở xã hội cho công nhân đăng ký thế nào?")
        await bot.card(housing)
        after = bot.last_bot_id(SECOND)
        await emu.send_text(OUTSIDER, f"/case {housing}", chat_id=SECOND)
        refused = await emu.wait_for_bot_message(SECOND, after=after)
        assert "nhóm cán bộ khác" in refused["text"]
        assert "Hoa" not in refused["text"]  # the named asker stays unseen
        after = bot.last_bot_id(SECOND)
        await emu.send_text(OUTSIDER, f"/reject {housing} không thuộc thẩm quyền", chat_id=SECOND)
        await emu.wait_for_bot_message(SECOND, lambda m: "nhóm cán bộ khác" in m["text"], after=after)
        assert (await bot.services.questions.question(housing)).status == "open"

        # Its own topic's case it may handle, and so may the main group.
        own = await bot.ask(WORKER, "Thủ tục cấp lại sổ bảo hiểm xã hội bị mất?", topic="Thủ tục")
        card = await emu.wait_for_bot_message(SECOND, lambda m: f"#{own} " in m["text"])
        for _ in range(100):
            if await bot.services.storage.question_for_card(str(SECOND), card["message_id"]):
                break
            await asyncio.sleep(0.01)
        await emu.send_text(OUTSIDER, "Bạn làm đơn đề nghị cấp lại tại BHXH huyện.", chat_id=SECOND,
                            reply_to=card["message_id"])
        answer = await bot.answer_for(WORKER, own)
        assert "cấp lại tại BHXH huyện" in answer["text"]
        after = bot.last_bot_id(OFFICIALS)
        await emu.send_text(OFFICIAL, f"/case {own}", chat_id=OFFICIALS)
        history = await emu.wait_for_bot_message(OFFICIALS, lambda m: f"#{own}" in m["text"], after=after)
        assert "nhóm cán bộ khác" not in history["text"]
    finally:
        await bot.stop()


async def test_a_removed_or_restricted_official_loses_access_at_once(bot: Harness) -> None:
    emu = bot.emu
    first = await bot.ask(WORKER, "Hỏi về phụ cấp nặng nhọc độc hại trong nhà máy")
    await bot.answer_by_reply(OFFICIAL, first, "Theo Thông tư, bạn được phụ cấp.")
    await bot.answer_for(WORKER, first)  # OFFICIAL is a member now, and cached as one

    second = await bot.ask(WORKER, "Hỏi về thời giờ làm thêm tối đa trong năm")
    card = await bot.card(second)
    emu.set_member_status(OFFICIALS, OFFICIAL, "restricted")
    # A muted member cannot post; their button presses are refused from now on.
    query = await emu.click_button(OFFICIAL, OFFICIALS, card["message_id"], "Phân công")
    answer = await emu.wait_for_callback_answer(query)
    assert "Chỉ cán bộ" in (answer.get("text") or "")

    emu.set_member_status(OFFICIALS, OFFICIAL, "left")
    await emu.send_text(OFFICIAL, "Trả lời sau khi đã rời nhóm", chat_id=OFFICIALS,
                        reply_to=card["message_id"], thread_id=card.get("message_thread_id"))
    await bot.say(WORKER, "/help")  # the group's updates were processed meanwhile
    await asyncio.sleep(0.2)
    assert (await bot.services.questions.question(second)).status == "open"


async def test_a_slow_update_holds_up_no_other_chat(bot: Harness) -> None:
    emu = bot.emu
    case = await bot.ask(WORKER, "Hỏi về lương tối thiểu vùng năm nay là bao nhiêu?")
    card = await bot.card(case)
    gate = emu.hold("getChatMember")  # Telegram is slow to say who is a member
    try:
        await emu.send_text(OFFICIAL, "Lương tối thiểu vùng I là 4.960.000 đồng.", chat_id=OFFICIALS,
                            reply_to=card["message_id"], thread_id=card.get("message_thread_id"))
        # The official's reply waits for Telegram; a worker in another chat does not.
        reply = await bot.say(WORKER, "/help")
        assert "/ask" in reply["text"]
        assert (await bot.services.questions.question(case)).status == "open"
    finally:
        gate.set()
    answer = await bot.answer_for(WORKER, case)
    assert "4.960.000" in answer["text"]
