"""The officials' group as it really behaves: upgraded by Telegram, the bot removed or muted,
a topic deleted. Nothing addressed to officials is lost, and the admins are told.

Shapes and wordings are Telegram's own:
- Bot API, ResponseParameters.migrate_to_chat_id: "The group has been migrated to a
  supergroup with the specified identifier"; the error is 400 "Bad Request: group chat was
  upgraded to a supergroup chat" (python-telegram-bot maps it to ChatMigrated,
  telegram/request/_baserequest.py, which is not a BadRequest).
- Message.migrate_to_chat_id / migrate_from_chat_id service messages: the latter from
  GroupAnonymousBot with sender_chat = the supergroup (a real update, recorded in a public
  grammY bot's source).
- 403 "Forbidden: bot was kicked from the supergroup chat", 400 "Bad Request: not enough
  rights to send text messages to the chat", 400 "Bad Request: message thread not found".
- my_chat_member: "The bot's chat member status was updated in a chat" (Bot API, Update).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.app import build_application, start, stop
from bot.config import Config
from bot.sandbox.emulator import BotApiEmulator
from bot.services import officials_chats
from tests.conftest import ADMIN, OFFICIAL, OFFICIALS, WORKER, Harness

OLD_GROUP = -4962287234          # a basic group, as every Telegram group starts
NEW_GROUP = -1002855950299       # the supergroup Telegram makes of it


async def _card_in(emu: BotApiEmulator, chat_id: int, case: int, after: int = 0) -> dict[str, Any]:
    return await emu.wait_for_bot_message(
        chat_id, lambda m: f"#{case} " in (m.get("text") or "") and "·" in m["text"], after=after)


async def _admin_told(emu: BotApiEmulator, words: str, after: int = 0) -> dict[str, Any]:
    return await emu.wait_for_bot_message(ADMIN, lambda m: words in m["text"], after=after)


async def _answer_reaches_worker(bot: Harness, chat_id: int, card: dict[str, Any], case: int,
                                 text: str) -> None:
    after = bot.last_bot_id(WORKER)
    for _ in range(200):  # the card is linked to its case once Telegram confirmed it
        if await bot.services.storage.question_for_card(str(chat_id), card["message_id"]):
            break
        await asyncio.sleep(0.01)
    await bot.emu.send_text(OFFICIAL, text, chat_id=chat_id, reply_to=card["message_id"],
                            thread_id=card.get("message_thread_id"))
    answer = await bot.answer_for(WORKER, case, after=after)
    assert text in answer["text"]


@pytest.fixture
async def basic_group_bot(emu: BotApiEmulator, make_config: Callable[..., Config]) -> Any:
    emu.add_basic_group(OLD_GROUP, "Cán bộ trả lời", members=[OFFICIAL], admins=[ADMIN])
    emu.open_chat(ADMIN)
    harness = Harness(emu, make_config(officials={"chat_id": OLD_GROUP, "admin_user_ids": [ADMIN]}))
    await harness.start()
    yield harness
    await harness.stop()


async def test_upgrade_seen_in_a_send_moves_every_card_to_the_supergroup(basic_group_bot: Harness) -> None:
    bot, emu = basic_group_bot, basic_group_bot.emu
    first = await bot.ask(WORKER, "Công ty nợ lương hai tháng thì tôi phải làm gì?")
    await _card_in(emu, OLD_GROUP, first)
    # Telegram upgrades the group; the bot misses the service messages.
    emu.upgrade_group(OLD_GROUP, NEW_GROUP, announce=False)

    second = await bot.ask(WORKER, "Nhà ở cho công nhân khu công nghiệp đăng ký ở đâu?")
    card = await _card_in(emu, NEW_GROUP, second)
    assert card["chat"]["type"] == "supergroup"
    # The open case's card is posted again in the new chat, where officials can reply to it.
    reposted = await _card_in(emu, NEW_GROUP, first)
    told = await _admin_told(emu, str(NEW_GROUP))
    assert "chat_id = " in told["text"] and str(OLD_GROUP) in told["text"]
    row = next(r for r in await bot.services.storage.outbox_rows() if r["card_question_id"] == second)
    assert row["failed_at"] is None and row["chat_id"] == str(NEW_GROUP)

    # Officials answer in the new supergroup: it is now one of theirs.
    await _answer_reaches_worker(bot, NEW_GROUP, card, second, "Bạn đăng ký tại Ban quản lý KCN.")
    await _answer_reaches_worker(bot, NEW_GROUP, reposted, first, "Bạn gửi đơn tới Công đoàn cơ sở.")

    # A restart keeps the move: a new case goes straight to the supergroup.
    await bot.restart()
    third = await bot.ask(WORKER, "Giáo viên hạng III lên hạng II cần điều kiện gì?")
    await _card_in(emu, NEW_GROUP, third)
    assert not [m for m in emu.bot_messages(OLD_GROUP) if f"#{third} " in (m.get("text") or "")]


async def test_upgrade_service_message_is_followed_before_any_send_fails(basic_group_bot: Harness) -> None:
    bot, emu = basic_group_bot, basic_group_bot.emu
    emu.upgrade_group(OLD_GROUP, NEW_GROUP)
    await _admin_told(emu, str(NEW_GROUP))
    case = await bot.ask(WORKER, "Thủ tục hưởng bảo hiểm thất nghiệp thế nào?")
    card = await _card_in(emu, NEW_GROUP, case)
    sends_to_old = [params for method, params in emu.requests
                    if method == "sendMessage" and str(params.get("chat_id")) == str(OLD_GROUP)]
    assert sends_to_old == []
    await _answer_reaches_worker(bot, NEW_GROUP, card, case, "Bạn nộp hồ sơ tại Trung tâm DVVL.")


async def test_kicked_bot_holds_cards_and_sends_them_when_added_back(bot: Harness) -> None:
    emu = bot.emu
    emu.open_chat(ADMIN)
    emu.set_member_status(OFFICIALS, emu.bot_id, "kicked")
    told = await _admin_told(emu, "không gửi được")
    assert "xóa" in told["text"]

    cases = [await bot.ask(WORKER, f"Câu hỏi số {n} về lương và phụ cấp độc hại ạ") for n in (1, 2)]
    await asyncio.sleep(0.3)
    rows = [r for r in await bot.services.storage.outbox_rows() if r["card_question_id"] in cases]
    assert len(rows) == 2 and all(r["failed_at"] is None and r["sent_at"] is None for r in rows)
    assert all(r["attempts"] == 0 for r in rows)  # waiting uses up no attempts
    # One message per incident, however many cards wait.
    assert len([m for m in emu.bot_messages(ADMIN) if "không gửi được" in m["text"]]) == 1

    after = bot.last_bot_id(ADMIN)
    emu.set_member_status(OFFICIALS, emu.bot_id, "administrator")
    for case in cases:
        await bot.card(case)
    await _admin_told(emu, "trở lại", after=after)
    await _answer_reaches_worker(bot, OFFICIALS, await bot.card(cases[0]), cases[0], "Đã trả lời.")


@pytest.fixture
def fast_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(officials_chats, "PROBE_FIRST", 0.2)


async def test_removal_missed_is_found_by_the_send_and_recovery_by_a_probe(
        bot: Harness, fast_probes: None) -> None:
    emu = bot.emu
    emu.open_chat(ADMIN)
    emu.set_member_status(OFFICIALS, emu.bot_id, "kicked", announce=False)
    case = await bot.ask(WORKER, "Tôi bị tai nạn lao động thì được hỗ trợ gì?")
    told = await _admin_told(emu, "không gửi được")
    assert "Đang chờ 1 thẻ" in told["text"]
    after = bot.last_bot_id(ADMIN)
    emu.set_member_status(OFFICIALS, emu.bot_id, "administrator", announce=False)  # event missed too
    await bot.card(case)
    await _admin_told(emu, "trở lại", after=after)


async def test_no_right_to_post_holds_cards(bot: Harness, fast_probes: None) -> None:
    emu = bot.emu
    emu.open_chat(ADMIN)
    emu.restrict_bot(OFFICIALS)
    case = await bot.ask(WORKER, "Đoàn viên công đoàn được hỗ trợ gì khi ốm đau?")
    told = await _admin_told(emu, "không gửi được")
    assert "không có quyền gửi tin nhắn" in told["text"]
    emu.restrict_bot(OFFICIALS, can_send=True)
    await bot.card(case)


async def test_deleted_topic_card_goes_to_general_naming_its_topic(
        emu: BotApiEmulator, make_config: Callable[..., Config]) -> None:
    thread = emu.create_forum_topic(OFFICIALS, "Nhà ở")
    config = make_config(topics=[
        {"key": "housing", "title": "Nhà ở công nhân", "title_en": "Housing", "thread_id": thread},
        {"key": "jobs", "title": "Việc làm, thu nhập", "title_en": "Jobs"},
    ])
    harness = Harness(emu, config)
    await harness.start()
    try:
        emu.delete_forum_topic(OFFICIALS, thread)
        case = await harness.ask(WORKER, "Công nhân thuê nhà ở xã hội cần giấy tờ gì?")
        card = await harness.card(case)
        assert "message_thread_id" not in card  # General
        assert "Nhà ở công nhân" in card["text"] and "đã bị xóa" in card["text"]
        await _answer_reaches_worker(harness, OFFICIALS, card, case, "Bạn cần xác nhận của công ty.")
    finally:
        await harness.stop()


async def test_start_up_check_reports_a_bot_that_is_not_admin_or_was_removed(
        emu: BotApiEmulator, make_config: Callable[..., Config]) -> None:
    second = -1001000000077
    emu.add_group(second, "Cán bộ BHXH", members=[OFFICIAL])
    emu.set_member_status(OFFICIALS, emu.bot_id, "member", announce=False)
    emu.set_member_status(second, emu.bot_id, "left", announce=False)
    emu.open_chat(ADMIN)
    config = make_config(topics=[
        {"key": "jobs", "title": "Việc làm, thu nhập", "title_en": "Jobs"},
        {"key": "procedures", "title": "Thủ tục BHXH", "title_en": "Procedures", "chat_id": second},
    ])
    harness = Harness(emu, config)
    await harness.start()
    try:
        await _admin_told(emu, "chưa là quản trị viên")
        told = await _admin_told(emu, "không gửi được")
        assert str(second) in told["text"] and "không còn là thành viên" in told["text"]
        assert await harness.services.storage.held_chats("telegram") == {str(second): "not_member"}
    finally:
        await harness.stop()


async def test_a_group_not_in_the_config_is_logged_with_its_id(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    stranger_group = -1001000000099
    bot.emu.add_group(stranger_group, "Nhóm khác", members=[OFFICIAL])
    bot.emu.set_member_status(stranger_group, bot.emu.bot_id, "left", announce=False)
    caplog.set_level("INFO", logger="handlers.chats")
    bot.emu.set_member_status(stranger_group, bot.emu.bot_id, "member")
    for _ in range(200):
        if str(stranger_group) in caplog.text:
            break
        await asyncio.sleep(0.02)
    assert f"added to the group {stranger_group}" in caplog.text


async def test_an_unparseable_update_is_kept_and_skipped(bot: Harness) -> None:
    emu = bot.emu
    # A chat without "type": python-telegram-bot's Update.de_json raises TypeError on it.
    broken = emu.push_update({"message": {"message_id": 1, "date": 0, "chat": {"id": WORKER},
                                          "text": "xin chào"}})
    reply = await bot.say(WORKER, "/help")
    assert "/ask" in reply["text"]
    rows = await bot.services.storage.journal_rows()
    row = next(r for r in rows if r["update_id"] == broken)
    assert row["done_at"] is not None and "TypeError" in (row["error"] or "")
    assert '"chat": {"id": 1001}' in row["payload"]  # kept as Telegram sent it


async def test_intake_that_dies_stops_the_process_with_status_1(
        emu: BotApiEmulator, make_config: Callable[..., Config]) -> None:
    from bot.app import serve

    config = make_config()
    running = asyncio.create_task(serve(config))
    for _ in range(200):
        if any(method == "getUpdates" for method, _params in emu.requests):
            break
        await asyncio.sleep(0.02)
    emu.token = "123456:REVOKED"  # Telegram now refuses the token: getUpdates answers 401
    assert await asyncio.wait_for(running, timeout=60) == 1


async def test_migration_is_remembered_across_restarts_without_a_config_change(
        emu: BotApiEmulator, make_config: Callable[..., Config]) -> None:
    emu.add_basic_group(OLD_GROUP, "Cán bộ", members=[OFFICIAL])
    config = make_config(officials={"chat_id": OLD_GROUP, "admin_user_ids": [ADMIN]})
    app = build_application(config)
    await start(app, timeout=1)
    try:
        emu.upgrade_group(OLD_GROUP, NEW_GROUP, announce=False)
        await stop(app)
        # Found by the start-up check this time.
        app = build_application(config)
        await start(app, timeout=1)
        storage = app.bot_data["services"].storage
        assert await storage.chat_migrations("telegram") == {str(OLD_GROUP): str(NEW_GROUP)}
        assert str(NEW_GROUP) in app.bot_data["services"].officials_chats
    finally:
        await stop(app)
