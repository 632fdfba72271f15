"""Tests of the emulated Bot API, driven by a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.html_entities import EntityParseError, parse_html, strip_text, utf16_len

USER = 1001
OTHER = 1002
GROUP = -1001234567890
FORUM = -1009876543210


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator()
    await emulator.start()
    emulator.add_user(USER, "Lan", last_name="Nguyễn", username="lan_cn")
    emulator.add_user(OTHER, "Minh")
    try:
        yield emulator
    finally:
        await emulator.stop()


@asynccontextmanager
async def running_app(
    emulator: BotApiEmulator, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real Application polling the emulator, shut down cleanly afterwards."""
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@asynccontextmanager
async def plain_bot(emulator: BotApiEmulator, token: str | None = None) -> AsyncIterator[Bot]:
    bot = Bot(token or emulator.token, base_url=emulator.base_url)
    async with bot:
        yield bot


def update_kinds(emulator: BotApiEmulator) -> list[str]:
    return [next(key for key in u if key != "update_id") for u in emulator.pending_updates()]


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def raw_call(emulator: BotApiEmulator, method: str, **params: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.base_url}{emulator.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


# ------------------------------------------------------------------------------------------
# Conversations through a real Application
# ------------------------------------------------------------------------------------------
async def test_echo_text(emu: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(f"Bạn nói: {update.message.text}")

    async with running_app(emu, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        sent = await emu.send_text(USER, "Xin chào công đoàn")
        reply = await emu.wait_for_bot_message(USER, after=sent["message_id"])

    assert reply["text"] == "Bạn nói: Xin chào công đoàn"
    assert reply["from"]["id"] == emu.bot_id and reply["from"]["is_bot"] is True
    assert reply["chat"] == {"id": USER, "type": "private", "first_name": "Lan",
                             "last_name": "Nguyễn", "username": "lan_cn"}
    assert [m["message_id"] for m in emu.messages(USER)] == [1, 2]
    assert emu.bot_messages(USER) == [reply]
    calls = [params for method, params in emu.requests if method == "sendMessage"]
    assert calls and calls[0]["chat_id"] == USER  # form fields decoded back to ints
    assert "getUpdates" in [method for method, _ in emu.requests]


async def test_commands_with_bot_username(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"start {' '.join(context.args or [])}".strip())

    emu.add_group(GROUP, "Công đoàn KCN", members=[USER])
    async with running_app(emu, CommandHandler("start", start)):
        first = await emu.send_text(USER, "/start abc")
        assert first["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
        await emu.wait_for_bot_message(USER, lambda m: m["text"] == "start abc")
        await emu.send_text(USER, "/start@doithoai_bot", chat_id=GROUP)
        await emu.wait_for_bot_message(GROUP, lambda m: m["text"] == "start")
        await emu.send_text(USER, "/start@other_bot", chat_id=GROUP)
        with pytest.raises(TimeoutError):
            await emu.wait_for_bot_message(GROUP, after=2, timeout=0.3)


async def test_html_formatting_reaches_entities(emu: BotApiEmulator) -> None:
    html = (
        '😀 <b>Đậm</b> <i>nghiêng <u>gạch</u></i> <a href="https://congdoan.vn">link</a> '
        '<code>x</code> <pre><code class="language-python">print(1)</code></pre> '
        "<tg-spoiler>bí mật</tg-spoiler> &lt;tag&gt; &amp;"
    )

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        message = await context.bot.send_message(update.effective_chat.id, html, parse_mode="HTML")
        # what PTB got back is parsed from the same Telegram-shaped dict
        assert message.entities[0].type == "bold"

    async with running_app(emu, MessageHandler(filters.TEXT, reply)):
        await emu.send_text(USER, "định dạng")
        sent = await emu.wait_for_bot_message(USER)

    assert sent["text"] == (
        "😀 Đậm nghiêng gạch link x print(1) bí mật <tag> &"
    )
    assert sent["html"] == html
    by_type = {entity["type"]: entity for entity in sent["entities"]}
    assert by_type["bold"] == {"offset": 3, "length": 3, "type": "bold"}  # 😀 counts 2
    assert by_type["italic"] == {"offset": 7, "length": 12, "type": "italic"}
    assert by_type["underline"] == {"offset": 15, "length": 4, "type": "underline"}
    assert by_type["text_link"] == {
        "offset": 20, "length": 4, "type": "text_link", "url": "https://congdoan.vn"}
    assert by_type["code"] == {"offset": 25, "length": 1, "type": "code"}
    assert by_type["pre"] == {"offset": 27, "length": 8, "type": "pre", "language": "python"}
    assert by_type["spoiler"] == {"offset": 36, "length": 6, "type": "spoiler"}
    offsets = [entity["offset"] for entity in sent["entities"]]
    assert offsets == sorted(offsets)


async def test_button_click_answer_and_edit(emu: BotApiEmulator) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Gửi câu hỏi", callback_data="ask")],
                [InlineKeyboardButton("Trang web", url="https://congdoan.vn")],
            ]
        )
        await update.message.reply_text("Chọn:", reply_markup=keyboard)

    async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer("Đã nhận", show_alert=True)
        await query.edit_message_text(f"Bạn chọn: {query.data}")

    async with running_app(emu, CommandHandler("menu", menu), CallbackQueryHandler(on_click)):
        await emu.send_text(USER, "/menu")
        card = await emu.wait_for_bot_message(USER)
        assert card["buttons"] == [
            {"text": "Gửi câu hỏi", "callback_data": "ask", "url": None},
            {"text": "Trang web", "callback_data": None, "url": "https://congdoan.vn"},
        ]
        with pytest.raises(LookupError, match="Gửi câu hỏi"):
            await emu.click_button(USER, USER, card["message_id"], "Không có")
        query_id = await emu.click_button(USER, USER, card["message_id"], "câu hỏi")
        answer = await emu.wait_for_callback_answer(query_id)
        edited = await emu.wait_for_edit(
            USER, card["message_id"], lambda m: m["text"].startswith("Bạn chọn")
        )
        forged = await emu.click(USER, USER, card["message_id"], "forged:1")
        await emu.wait_for_edit(USER, card["message_id"], lambda m: m["text"].endswith("forged:1"))

    assert answer == {"text": "Đã nhận", "show_alert": True, "url": None, "cache_time": 0}
    assert emu.callback_answer(query_id) == answer
    assert emu.callback_answer(forged) is not None
    assert edited["text"] == "Bạn chọn: ask"
    assert "edit_date" in edited
    # editMessageText without reply_markup removes the keyboard, as Telegram does
    assert "reply_markup" not in edited and edited["buttons"] == []
    assert len(emu.bot_messages(USER)) == 1


async def test_reply_to_message_in_update(emu: BotApiEmulator) -> None:
    seen: list[Update] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)
        assert update.message is not None
        if update.message.reply_to_message is None:
            await update.message.reply_text("Câu hỏi #7 của bạn")
        else:
            await update.message.reply_text("Đã trả lời", do_quote=True)

    async with running_app(emu, MessageHandler(filters.TEXT, record)):
        await emu.send_text(USER, "Câu hỏi")
        card = await emu.wait_for_bot_message(USER)
        answer = await emu.send_text(USER, "Trả lời đây", reply_to=card["message_id"])
        confirmation = await emu.wait_for_bot_message(USER, after=answer["message_id"])

    replied = seen[-1].message.reply_to_message  # type: ignore[union-attr]
    assert replied is not None
    assert replied.message_id == card["message_id"]
    assert replied.from_user is not None and replied.from_user.id == emu.bot_id
    assert replied.text == "Câu hỏi #7 của bạn"
    assert answer["reply_to_message"]["message_id"] == card["message_id"]
    assert "reply_to_message" not in answer["reply_to_message"]
    assert "buttons" not in answer["reply_to_message"]
    # the bot's reply_text(do_quote=True) went through reply_parameters
    assert confirmation["reply_to_message"]["message_id"] == answer["message_id"]
    assert "reply_to_message" not in confirmation["reply_to_message"]  # not nested, as Telegram


async def test_forum_thread_routing(emu: BotApiEmulator) -> None:
    emu.add_group(FORUM, "Cán bộ công đoàn", forum=True, members=[USER], admins=[OTHER])
    topic = emu.create_forum_topic(FORUM, "Hỏi đáp")
    other_topic = emu.create_forum_topic(FORUM, "Thông báo")
    assert topic >= 2 and other_topic > topic

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"thread={update.message.message_thread_id}")

    async with running_app(emu, MessageHandler(filters.TEXT, reply)) as app:
        asked = await emu.send_text(USER, "Hỏi trong chủ đề", chat_id=FORUM, thread_id=topic)
        answer = await emu.wait_for_bot_message(FORUM, thread_id=topic)
        general = await emu.send_text(USER, "Hỏi ở General", chat_id=FORUM)
        general_answer = await emu.wait_for_bot_message(FORUM, after=general["message_id"])

        created = await app.bot.create_forum_topic(FORUM, "Mới")
        await app.bot.send_message(
            FORUM, "vào chủ đề mới", message_thread_id=created.message_thread_id
        )
        for wrong_thread in (99999, 1):  # Telegram wants General addressed without a thread
            with pytest.raises(BadRequest, match="(?i)message thread not found"):
                await app.bot.send_message(FORUM, "x", message_thread_id=wrong_thread)

    assert asked["message_thread_id"] == topic and asked["is_topic_message"] is True
    # Telegram: a topic message that replies to nothing carries the topic's creation message
    assert asked["reply_to_message"]["forum_topic_created"]["name"] == "Hỏi đáp"
    assert answer["text"] == f"thread={topic}"
    assert answer["message_thread_id"] == topic and answer["is_topic_message"] is True
    assert "message_thread_id" not in general and "message_thread_id" not in general_answer
    assert general_answer["text"] == "thread=None"
    assert emu.bot_messages(FORUM, thread_id=other_topic) == []
    assert [m["text"] for m in emu.bot_messages(FORUM, thread_id=1)] == ["thread=None"]
    assert [m["text"] for m in emu.bot_messages(FORUM, thread_id=created.message_thread_id)] == [
        "vào chủ đề mới"
    ]
    with pytest.raises(LookupError, match="thread not found"):
        await emu.send_text(USER, "x", chat_id=FORUM, thread_id=4242)


async def test_reply_chain_in_plain_group_is_not_a_topic(emu: BotApiEmulator) -> None:
    emu.add_group(GROUP, "Nhóm", members=[USER, OTHER])
    root = await emu.send_text(USER, "gốc", chat_id=GROUP)
    first = await emu.send_text(OTHER, "trả lời", chat_id=GROUP, reply_to=root["message_id"])
    second = await emu.send_text(USER, "trả lời 2", chat_id=GROUP, reply_to=first["message_id"])
    assert first["message_thread_id"] == root["message_id"]
    assert second["message_thread_id"] == root["message_id"]
    assert "is_topic_message" not in second

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        # PTB must not pass message_thread_id here, or Telegram would complain
        await update.message.reply_text("ok")

    async with running_app(emu, MessageHandler(filters.TEXT, reply)) as app:
        answer = await emu.wait_for_bot_message(GROUP, lambda m: m["text"] == "ok")
        with pytest.raises(BadRequest, match="(?i)message thread not found"):
            await app.bot.send_message(GROUP, "x", message_thread_id=root["message_id"])
    # replying to a reply chain puts the bot's message in it too
    assert answer["message_thread_id"] == root["message_id"]


async def test_get_chat_member_statuses(emu: BotApiEmulator) -> None:
    emu.add_user(1003, "Hoa")
    emu.add_user(1004, "Tuấn")
    emu.add_group(GROUP, "Nhóm cán bộ", members=[USER, 1003], admins=[OTHER])
    emu.set_member_status(GROUP, 1004, "creator")
    emu.set_member_status(GROUP, 1003, "kicked")

    async with plain_bot(emu) as bot:
        statuses = {
            user_id: (await bot.get_chat_member(GROUP, user_id)).status
            for user_id in (USER, OTHER, 1003, 1004, emu.bot_id)
        }
        emu.set_member_status(GROUP, USER, "left")
        left = await bot.get_chat_member(GROUP, USER)
        private = await bot.get_chat_member(USER, USER)
        with pytest.raises(BadRequest, match="(?i)user not found"):
            await bot.get_chat_member(GROUP, 424242)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.get_chat_member(-100424242, USER)
        chat = await bot.get_chat(GROUP)

    assert statuses == {
        USER: "member",
        OTHER: "administrator",
        1003: "kicked",
        1004: "creator",
        emu.bot_id: "administrator",
    }
    assert left.status == "left" and private.status == "member"
    assert chat.title == "Nhóm cán bộ" and chat.type == "supergroup"
    assert update_kinds(emu).count("chat_member") == 3


async def test_group_privacy_mode_when_bot_is_not_admin(emu: BotApiEmulator) -> None:
    emu.add_group(GROUP, "Nhóm", members=[USER])
    emu.set_member_status(GROUP, emu.bot_id, "member")
    before = len(emu.pending_updates())
    await emu.send_text(USER, "chuyện riêng", chat_id=GROUP)
    assert len(emu.pending_updates()) == before
    await emu.send_text(USER, "/hoi@doithoai_bot", chat_id=GROUP)
    await emu.send_text(USER, "nhắn @doithoai_bot nhé", chat_id=GROUP)
    delivered = [u["message"]["text"] for u in emu.pending_updates() if "message" in u]
    assert delivered == ["/hoi@doithoai_bot", "nhắn @doithoai_bot nhé"]


async def test_unknown_update_kinds_do_not_stop_polling(emu: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("vẫn chạy")

    async with running_app(emu, MessageHandler(filters.TEXT, echo)):
        emu.push_update({"some_future_update": {"x": 1}})
        await emu.send_text(USER, "còn sống không?")
        reply = await emu.wait_for_bot_message(USER)
    assert reply["text"] == "vẫn chạy"
    assert emu.pending_updates() == []  # all confirmed by the Updater's offset


def test_push_update_assigns_ids() -> None:
    emulator = BotApiEmulator()
    first = emulator.push_update({"message": {"message_id": 1}})  # malformed on purpose
    assert emulator.push_update({"update_id": 500, "weird": None}) == 500
    assert emulator.push_update({"poll": {}}) == 501
    assert [u["update_id"] for u in emulator.pending_updates()] == [first, 500, 501]


async def test_document_upload_round_trip(emu: BotApiEmulator) -> None:
    payload = "Biên bản hội nghị đối thoại\n".encode() * 500 + bytes(range(256))
    await emu.send_text(USER, "/start")
    async with running_app(emu) as app:
        sent = await app.bot.send_document(
            USER,
            InputFile(payload, filename="bien_ban.txt"),
            caption="<b>Biên bản</b>",
            parse_mode="HTML",
        )
        again = await app.bot.send_document(USER, sent.document.file_id)  # type: ignore[union-attr]
        png = b"\x89PNG\r\n\x1a\n" + bytes(40)
        photo = await app.bot.send_photo(USER, InputFile(png, filename="a.png"))
        with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
            await app.bot.send_document(USER, "no-such-file-id")
        remote = await app.bot.get_file(sent.document.file_id)  # type: ignore[union-attr]
        downloaded = bytes(await remote.download_as_bytearray())

    stored = emu.message(USER, sent.message_id)
    assert stored["document"]["file_name"] == "bien_ban.txt"
    assert stored["document"]["mime_type"] == "text/plain"
    assert stored["document"]["file_size"] == len(payload)
    assert stored["caption"] == "Biên bản"
    assert stored["caption_entities"] == [{"offset": 0, "length": 8, "type": "bold"}]
    assert stored["html"] == "<b>Biên bản</b>"
    assert emu.file_bytes(USER, sent.message_id) == payload
    assert emu.file_bytes(USER, again.message_id) == payload
    assert downloaded == payload
    assert photo.photo and emu.file_bytes(USER, photo.message_id).startswith(b"\x89PNG")
    upload = next(p for m, p in emu.requests if m == "sendDocument")
    assert upload["document"]["upload"] == "bien_ban.txt"


async def test_user_media_messages(emu: BotApiEmulator) -> None:
    got: list[str] = []

    async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        kind = "sticker" if message.sticker else "voice" if message.voice else "photo"
        got.append(kind)
        if message.photo:
            file = await message.photo[-1].get_file()
            data = await file.download_as_bytearray()
            got.append(f"{len(data)} bytes, caption {message.caption}")
        await message.reply_text(kind)

    handler = MessageHandler(filters.Sticker.ALL | filters.VOICE | filters.PHOTO, media)
    async with running_app(emu, handler):
        await emu.send_sticker(USER)
        await emu.wait_for_bot_message(USER, lambda m: m["text"] == "sticker")
        await emu.send_voice(USER)
        await emu.wait_for_bot_message(USER, lambda m: m["text"] == "voice")
        photo = await emu.send_photo(USER, caption="ảnh")
        await emu.wait_for_bot_message(USER, lambda m: m["text"] == "photo")
    assert got[:3] == ["sticker", "voice", "photo"]
    assert got[3] == f"{len(emu.file_bytes(USER, photo['message_id']))} bytes, caption ảnh"


async def test_copy_forward_and_caption_edit(emu: BotApiEmulator) -> None:
    emu.add_group(GROUP, "Cán bộ", admins=[OTHER])
    question = await emu.send_text(USER, "Lương tháng 13 có bắt buộc không?")
    photo = await emu.send_photo(USER, caption="hợp đồng")
    async with plain_bot(emu) as bot:
        copied = await bot.copy_message(GROUP, USER, question["message_id"])
        forwarded = await bot.forward_message(GROUP, USER, question["message_id"])
        photo_copy = await bot.copy_message(
            GROUP, USER, photo["message_id"], caption="<i>ảnh</i>", parse_mode="HTML")
        edited = await bot.edit_message_caption(GROUP, photo_copy.message_id, caption="ảnh mới")
        with pytest.raises(BadRequest, match="(?i)there is no caption in the message to edit"):
            await bot.edit_message_caption(GROUP, copied.message_id, caption="x")
        with pytest.raises(BadRequest, match="(?i)message to copy not found"):
            await bot.copy_message(GROUP, USER, 999)
    assert emu.message(GROUP, copied.message_id)["text"] == question["text"]
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.sender_user.id == USER  # type: ignore[attr-defined]
    assert edited.caption == "ảnh mới"  # type: ignore[union-attr]
    assert emu.file_bytes(GROUP, photo_copy.message_id) == emu.file_bytes(
        USER, photo["message_id"])


async def test_user_edit_queues_edited_message(emu: BotApiEmulator) -> None:
    edits: list[str] = []

    async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.edited_message is not None and update.edited_message.text is not None
        edits.append(update.edited_message.text)
        await context.bot.send_message(USER, "đã thấy sửa")

    async with running_app(emu, MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit)):
        sent = await emu.send_text(USER, "bản đầu")
        edited = await emu.edit_text(USER, USER, sent["message_id"], "bản sửa")
        await emu.wait_for_bot_message(USER)
    assert edits == ["bản sửa"] and "edit_date" in edited
    assert emu.message(USER, sent["message_id"])["text"] == "bản sửa"


# ------------------------------------------------------------------------------------------
# Error shapes, as python-telegram-bot sees them
# ------------------------------------------------------------------------------------------
async def test_bad_requests_surface_as_bad_request(emu: BotApiEmulator) -> None:
    await emu.send_text(USER, "/start")
    emu.add_group(GROUP, "Nhóm", members=[USER])
    async with plain_bot(emu) as bot:
        card = await bot.send_message(USER, "thẻ", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("A", callback_data="a")]]))

        async def expect(pattern: str, call: Any) -> None:
            with pytest.raises(BadRequest) as caught:
                await call
            assert pattern.lower() in caught.value.message.lower(), caught.value.message

        await expect("chat not found", bot.send_message(777, "x"))
        await expect("message text is empty", bot.send_message(USER, ""))
        await expect(
            "message text is empty", bot.send_message(USER, "  <b> </b>\n", parse_mode="HTML")
        )
        await expect("message is too long", bot.send_message(USER, "a" * 4097))
        await expect(
            "can't parse entities: unsupported start tag \"br\"",
            bot.send_message(USER, "a<br>b", parse_mode="HTML"),
        )
        await expect(
            "can't parse entities: can't find end tag corresponding to start tag \"b\"",
            bot.send_message(USER, "<b>đậm", parse_mode="HTML"),
        )
        await expect(
            'unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
            bot.send_message(USER, "<b>x</i>", parse_mode="HTML"),
        )
        await expect(
            "button_data_invalid",
            bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("A", callback_data="đ" * 33)]])),  # 66 bytes
        )
        await expect(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message",
            bot.edit_message_text("thẻ", USER, card.message_id, reply_markup=card.reply_markup),
        )
        await expect("message to edit not found", bot.edit_message_text("y", USER, 9999))
        await expect("message to delete not found", bot.delete_message(USER, 9999))
        await expect(
            "message to be replied not found",
            bot.send_message(USER, "x", reply_parameters=ReplyParameters(9999)),
        )
        await expect("message to be replied not found", bot.send_message(
            USER, "x", reply_to_message_id=9999))
        tolerant = await bot.send_message(
            USER, "x", reply_parameters=ReplyParameters(9999, allow_sending_without_reply=True)
        )
        assert tolerant.reply_to_message is None
        await expect("message caption is too long", bot.send_document(
            USER, InputFile(b"data", filename="a.txt"), caption="c" * 1025))
        await expect("message thread not found", bot.send_message(GROUP, "x", message_thread_id=77))
        await expect("query is too old", bot.answer_callback_query("123"))
        # a markup-only edit to the same markup is "not modified" too
        await expect("message is not modified", bot.edit_message_reply_markup(
            USER, card.message_id, reply_markup=card.reply_markup))
        # and a real edit works
        edited = await bot.edit_message_text("thẻ mới", USER, card.message_id)
        assert edited.text == "thẻ mới"  # type: ignore[union-attr]
        assert await bot.delete_message(USER, card.message_id) is True
    assert card.message_id not in [m["message_id"] for m in emu.messages(USER)]


async def test_error_json_shapes_are_telegrams(emu: BotApiEmulator) -> None:
    status, body = await raw_call(emu, "sendMessage", chat_id=777, text="x")
    assert (status, body) == (
        400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    status, body = await raw_call(emu, "sendMessage", chat_id=USER, text="x")
    assert (status, body) == (403, {
        "ok": False, "error_code": 403,
        "description": "Forbidden: bot can't initiate conversation with a user"})
    status, body = await raw_call(emu, "noSuchMethod")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.base_url}1:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False, "error_code": 401, "description": "Unauthorized"}
        # GET with query parameters works too
        async with session.get(f"{emu.base_url}{emu.token}/getMe") as response:
            me = await response.json()
    assert me["ok"] is True and me["result"]["username"] == "doithoai_bot"
    await emu.send_text(USER, "/start")
    status, body = await raw_call(emu, "sendMessage", chat_id=USER, text="x", parse_mode="HTML",
                                  reply_markup=json.dumps({"inline_keyboard": [[{"text": "a"}]]}))
    assert (status, body) == (400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: text buttons are unallowed in the inline keyboard"})


async def test_forbidden_errors(emu: BotApiEmulator) -> None:
    async with plain_bot(emu) as bot:
        with pytest.raises(Forbidden, match="(?i)bot can't initiate conversation with a user"):
            await bot.send_message(USER, "xin chào")
        await emu.send_text(USER, "/start")
        await bot.send_message(USER, "xin chào")
        emu.block_bot(USER)
        with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
            await bot.send_message(USER, "còn đó không?")
        with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
            await bot.send_chat_action(USER, "typing")
        emu.block_bot(USER, False)
        await bot.send_message(USER, "chào lại")
        emu.deactivate_user(USER)
        with pytest.raises(Forbidden, match="(?i)user is deactivated"):
            await bot.send_message(USER, "x")
        emu.add_group(GROUP, "Nhóm")
        emu.set_member_status(GROUP, emu.bot_id, "kicked")
        with pytest.raises(Forbidden, match="(?i)bot was kicked"):
            await bot.send_message(GROUP, "x")
    # blocked, unblocked, kicked from the group
    assert update_kinds(emu).count("my_chat_member") == 3


async def test_invalid_token_and_unknown_method(emu: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        async with plain_bot(emu, token="999:WRONG"):
            pass
    async with plain_bot(emu) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy")
        commands = [("start", "Bắt đầu"), ("hoi", "Gửi câu hỏi")]
        assert await bot.set_my_commands(commands, language_code="vi")
        assert [(c.command, c.description) for c in await bot.get_my_commands(language_code="vi")
                ] == commands
        assert await bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([("Hỏi", "x")])
    assert emu.bot_commands(language_code="vi")[0] == {
        "command": "start",
        "description": "Bắt đầu",
    }


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limits_raise_retry_after() -> None:
    emu = BotApiEmulator(rate_limits=True)
    await emu.start()
    try:
        for user_id in range(2001, 2036):
            emu.add_user(user_id, f"U{user_id}")
            await emu.send_text(user_id, "/start")
        emu.add_group(GROUP, "Nhóm")
        async with plain_bot(emu) as bot:
            for _ in range(3):  # the burst a private chat allows
                await bot.send_message(2001, "x")
            with pytest.raises(RetryAfter) as private:
                await bot.send_message(2001, "x")
            assert 1 <= retry_seconds(private.value) <= 2

            for _ in range(20):
                await bot.send_message(GROUP, "y")
            with pytest.raises(RetryAfter) as group:
                await bot.send_message(GROUP, "y")
            assert 55 <= retry_seconds(group.value) <= 60

            # 3 + 20 sent; the 30 messages/s global limit trips within the next 7 chats
            with pytest.raises(RetryAfter) as overall:
                for user_id in range(2002, 2036):
                    await bot.send_message(user_id, "z")
            assert retry_seconds(overall.value) == 1
        status, body = await raw_call(emu, "sendMessage", chat_id=2001, text="x")
        assert status == 429
        assert body["description"].startswith("Too Many Requests: retry after ")
        assert body["parameters"]["retry_after"] >= 1
    finally:
        await emu.stop()


async def test_text_limit_counts_utf16_code_units(emu: BotApiEmulator) -> None:
    await emu.send_text(USER, "/start")
    async with plain_bot(emu) as bot:
        ok = await bot.send_message(USER, "😀" * 2048)  # 4096 UTF-16 units
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(USER, "😀" * 2048 + "a")
        await bot.send_message(USER, "a" * 4096)
        # tags are not counted: the limit applies after entity parsing
        await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
        # surrounding whitespace is trimmed before counting, as Telegram does
        trimmed = await bot.send_message(USER, "\n  " + "ư" * 4096 + "  \n")
    assert ok.text == "😀" * 2048
    assert trimmed.text == "ư" * 4096


# ------------------------------------------------------------------------------------------
# Long polling, subscriptions, waiting
# ------------------------------------------------------------------------------------------
async def test_get_updates_long_poll_offset_and_allowed_updates(emu: BotApiEmulator) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, body = await raw_call(emu, "getUpdates", timeout=0.3)
    assert status == 200 and body == {"ok": True, "result": []}
    assert loop.time() - started >= 0.25

    async def later() -> None:
        await asyncio.sleep(0.1)
        await emu.send_text(USER, "thức dậy")

    started = loop.time()
    _, (_, body) = await asyncio.gather(later(), raw_call(emu, "getUpdates", timeout=5))
    assert loop.time() - started < 2  # woken by the update, not by the timeout
    first = body["result"][0]
    assert first["message"]["text"] == "thức dậy"

    # without an offset the update stays; with offset it is confirmed and gone
    _, body = await raw_call(emu, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [first["update_id"]]
    _, body = await raw_call(emu, "getUpdates", offset=first["update_id"] + 1)
    assert body["result"] == []

    # allowed_updates drops other kinds
    sent = await emu.send_text(USER, "a")
    await emu.edit_text(USER, USER, sent["message_id"], "b")
    _, body = await raw_call(emu, "getUpdates", allowed_updates=["edited_message"])
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == ["edited_message"]
    _, body = await raw_call(emu, "getUpdates", allowed_updates=[], limit=1)
    assert body["result"][0]["edited_message"]["text"] == "b"


async def test_second_poller_gets_conflict(emu: BotApiEmulator) -> None:
    first = asyncio.create_task(raw_call(emu, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = await raw_call(emu, "getUpdates", timeout=0)
    status, body = await asyncio.wait_for(first, 2)
    assert second[0] == 200
    assert status == 409 and body["description"].startswith("Conflict: terminated by other")


async def test_subscribe_sees_every_change(emu: BotApiEmulator) -> None:
    queue = emu.subscribe()

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("X", callback_data="x")]])
        sent = await update.message.reply_text("thẻ", reply_markup=keyboard)
        if update.message.text == "xoá":
            await sent.edit_text("thẻ đã sửa")
            await sent.delete()

    async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("ok")

    async def next_events(count: int) -> list[dict[str, Any]]:
        return [await asyncio.wait_for(queue.get(), 5) for _ in range(count)]

    handlers = (MessageHandler(filters.TEXT, on_text), CallbackQueryHandler(on_click))
    async with running_app(emu, *handlers):
        await emu.send_text(USER, "xoá")
        first = await next_events(4)
        second_text = await emu.send_text(USER, "giữ")
        card = await emu.wait_for_bot_message(USER, after=second_text["message_id"])
        query_id = await emu.click(USER, USER, card["message_id"], "x")
        await emu.wait_for_callback_answer(query_id)
        second = await next_events(3)
    emu.unsubscribe(queue)
    await emu.send_text(USER, "không ai nghe")

    assert [(e["kind"], e["chat_id"]) for e in first] == [
        ("message", USER), ("message", USER), ("edit", USER), ("delete", USER)]
    assert first[0]["message"]["text"] == "xoá"
    assert first[1]["message"]["html"] == "thẻ" and first[1]["message"]["buttons"]
    assert first[2]["message"]["text"] == "thẻ đã sửa"
    assert first[3]["message"]["message_id"] == first[1]["message"]["message_id"]
    assert [e["kind"] for e in second] == ["message", "message", "callback_answer"]
    assert second[2]["callback_query_id"] == query_id
    assert second[2]["answer"]["text"] == "ok"
    assert second[2]["message"]["message_id"] == card["message_id"]
    assert queue.empty()


async def test_wait_timeouts_explain_what_is_there(emu: BotApiEmulator) -> None:
    await emu.send_text(USER, "/start")
    async with plain_bot(emu) as bot:
        await bot.send_message(USER, "Chào bạn", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Đồng ý", callback_data="yes")]]))
    with pytest.raises(TimeoutError) as caught:
        await emu.wait_for_bot_message(USER, lambda m: "không có" in m["text"], timeout=0.2)
    assert "'Chào bạn'" in str(caught.value) and "Đồng ý" in str(caught.value)
    with pytest.raises(TimeoutError, match="did not match"):
        await emu.wait_for_edit(USER, 2, lambda m: m["text"] == "khác", timeout=0.1)
    query_id = await emu.click(USER, USER, 2, "yes")
    assert emu.callback_answer(query_id) is None
    with pytest.raises(TimeoutError, match="did not answer"):
        await emu.wait_for_callback_answer(query_id, timeout=0.1)
    with pytest.raises(LookupError):
        emu.message(USER, 99)


async def test_mounting_on_another_app() -> None:
    from aiohttp import web

    other = BotApiEmulator(token="42:OTHER")
    app = web.Application()
    other.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        other.set_url_root(f"http://127.0.0.1:{port}")
        async with Bot(other.token, base_url=other.base_url) as bot:
            assert bot.username == "doithoai_bot"
    finally:
        await runner.cleanup()
    with pytest.raises(RuntimeError):
        _ = BotApiEmulator().base_url


# ------------------------------------------------------------------------------------------
# The HTML parser on its own
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>a</b><strong>b</strong>", "ab", [("bold", 0, 1), ("bold", 1, 1)]),
        ("<i>a</i><em>b</em><u>c</u><ins>d</ins>", "abcd",
         [("italic", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("underline", 3, 1)]),
        ("<s>a</s><strike>b</strike><del>c</del>", "abc",
         [("strikethrough", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1)]),
        ('<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>', "ab",
         [("spoiler", 0, 1), ("spoiler", 1, 1)]),
        ("<blockquote>q</blockquote><blockquote expandable>e</blockquote>", "qe",
         [("blockquote", 0, 1), ("expandable_blockquote", 1, 1)]),
        ('<tg-emoji emoji-id="536832417">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
        ("<b>😀<i>x</i></b>", "😀x", [("bold", 0, 3), ("italic", 2, 1)]),
        ("&lt;&gt;&amp;&quot;&#65;&#x1F600;&nbsp;", '<>&"A😀&nbsp;', []),
        ("<pre><code>x</code></pre>", "x", [("pre", 0, 1)]),
        ("<code><b>x</b></code>", "x", [("code", 0, 1)]),
        ("<a>no href</a>", "no href", []),
    ],
)
def test_parse_html(source: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    parsed_text, parsed = parse_html(source)
    assert parsed_text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("ă<div>x</div>", 'Unsupported start tag "div" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<!-- note -->", 'Unsupported start tag "!--" at byte offset 0'),
    ],
)
def test_parse_html_rejects_like_telegram(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == message


def test_strip_text_moves_entities() -> None:
    text, entities = strip_text("  ab  ", [{"type": "bold", "offset": 0, "length": 4}])
    assert text == "ab" and entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert utf16_len("😀ư") == 3
