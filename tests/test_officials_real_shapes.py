"""Officials' messages as Telegram really delivers them (issue 14, items 4-6).

Sources of the shapes the emulator is taught (bot/sandbox/emulator.py, "What
officials' groups really carry"):

- Anonymous administrators: Bot API, Message.sender_chat "Sender of the message when
  sent on behalf of a chat ... the supergroup itself for messages sent by its anonymous
  administrators", and Message.author_signature "the custom title of an anonymous group
  administrator"; python-telegram-bot's telegram/constants.py, ChatID.ANONYMOUS_ADMIN =
  1087968824 ("@GroupAnonymousBot"), and the same payload (from = GroupAnonymousBot,
  is_bot true, first_name "Group", sender_chat = the group) in public bots' tests.
- A reply to a message of another topic or chat: Bot API ExternalReplyInfo (origin,
  chat and message_id for supergroups, the media but no text) and TextQuote (text,
  position in UTF-16 units, is_manual); a real update of that shape is kept in a public
  spam-screening bot's tests (external_reply with origin/chat/message_id and a quote).
- A message posted in a forum topic without replying still carries reply_to_message =
  the topic's forum_topic_created service message (python-telegram-bot issue 3648).
- Photos, files and voice messages with a caption: Message.photo/document/voice and
  caption; an answer reaches a worker with copyMessage, which Telegram sends without a
  link to the original sender (forwardMessage would add forward_origin).

Everything is asserted on what people see in the emulated chats.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.sandbox.emulator import GROUP_ANONYMOUS_BOT_ID, BotApiEmulator
from bot.sandbox.zalo_emulator import ZaloEmulator
from tests.conftest import OFFICIAL, OFFICIAL_2, OFFICIALS, STRANGER, WORKER, Harness
from tests.test_zalo import HUNG, ZaloBot, zalo_section

GROUP_ADMIN = 503       # an administrator of the officials' group, who sometimes posts as the group
Q_HOUSING = "Công nhân ở khu công nghiệp có được thuê nhà ở xã hội không ạ?"
Q_WAGE = "Lương tối thiểu vùng năm nay là bao nhiêu ạ?"
A_HOUSING = "Có. Công nhân được thuê nhà ở xã hội nếu đáp ứng điều kiện thu nhập."
A_FORM = "Mẫu đơn đăng ký thuê nhà ở xã hội gửi kèm; bạn điền và nộp tại Sở Xây dựng."
NOTE_PHOTO = "📎 Cán bộ có gửi kèm một ảnh, nhưng bot chưa chuyển được qua kênh này."


@pytest.fixture
async def rs(emu: BotApiEmulator, make_config: Callable[..., Any]) -> AsyncIterator[Harness]:
    """The bot with two forum topics (housing, jobs) and an administrator in the group."""
    housing = emu.create_forum_topic(OFFICIALS, "Nhà ở")
    jobs = emu.create_forum_topic(OFFICIALS, "Việc làm")
    emu.add_user(GROUP_ADMIN, "Hải", last_name="Đỗ", language_code="vi")
    emu.set_member_status(OFFICIALS, GROUP_ADMIN, "administrator")
    config = make_config(
        topics=[
            {"key": "housing", "title": "Nhà ở công nhân", "thread_id": housing},
            {"key": "jobs", "title": "Việc làm, thu nhập", "thread_id": jobs},
        ],
        departments=[{"key": "xd", "name": "Sở Xây dựng"}, {"key": "bhxh", "name": "Bảo hiểm xã hội tỉnh"}],
    )
    harness = Harness(emu, config)
    harness.threads = {"housing": housing, "jobs": jobs}  # type: ignore[attr-defined]
    await harness.start()
    yield harness
    await harness.stop()


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


async def group_says(bot: Harness, expect: str, after: int) -> dict[str, Any]:
    return await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: expect in text_of(m), after=after)


def new_group_messages(bot: Harness, after: int) -> list[str]:
    return [text_of(m) for m in bot.emu.bot_messages(OFFICIALS) if m["message_id"] > after]


async def reply(bot: Harness, card: dict[str, Any], content: dict[str, Any], *,
                user: int = OFFICIAL, **kwargs: Any) -> dict[str, Any]:
    """An official's message (any content) replying to `card`, in its topic."""
    return await bot.emu.send_content(user, content, chat_id=OFFICIALS, reply_to=card["message_id"],
                                      thread_id=card.get("message_thread_id"), **kwargs)


# -- 4. officials who post as the anonymous group admin ---------------------------------------


async def test_an_anonymous_admins_reply_is_an_answer_signed_with_their_title(rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING, anonymous=True)
    card = await rs.card(case)
    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)

    sent = await reply(rs, card, {"text": A_HOUSING}, as_group=True, signature="Trưởng ban")
    assert sent["from"]["id"] == GROUP_ANONYMOUS_BOT_ID and sent["from"]["is_bot"]
    assert sent["sender_chat"]["id"] == OFFICIALS and sent["author_signature"] == "Trưởng ban"

    delivered = await rs.answer_for(WORKER, case, after=after_worker)
    assert A_HOUSING in delivered["text"] and "Trưởng ban" not in delivered["text"]
    confirmation = await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)
    assert confirmation["message_thread_id"] == card["message_thread_id"]
    closed = await rs.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                        lambda m: m["text"].startswith("✅"))
    assert "Trả lời của Trưởng ban" in closed["text"]
    assert "Hoa" not in closed["text"]  # the asker stays anonymous
    assert "Chỉ cán bộ" not in " ".join(new_group_messages(rs, after_group))


async def test_an_anonymous_admin_without_a_title_may_use_commands(rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING)
    await rs.card(case)
    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)

    await rs.emu.send_content(0, {"text": f"/answer {case} {A_HOUSING}"}, chat_id=OFFICIALS,
                              as_group=True)
    delivered = await rs.answer_for(WORKER, case, after=after_worker)
    assert A_HOUSING in delivered["text"]
    await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)

    after_group = rs.last_bot_id(OFFICIALS)
    await rs.emu.send_content(0, {"text": f"/case {case}"}, chat_id=OFFICIALS, as_group=True)
    history = await group_says(rs, f"Lịch sử #{case}", after_group)
    assert "Quản trị viên nhóm: trả lời" in history["text"]


async def test_a_linked_channels_post_is_nobodys_answer(rs: Harness) -> None:
    """A channel post Telegram forwards into its discussion group also has a sender_chat
    (the channel, from = 777000 "Telegram"): it is not the group's own voice."""
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    after_group = rs.last_bot_id(OFFICIALS)
    chat = {"id": OFFICIALS, "type": "supergroup", "title": "Cán bộ trả lời", "is_forum": True}
    rs.emu.push_update({"message": {
        "message_id": 99_001, "date": card["date"], "chat": chat,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": {"id": -1009876543210, "type": "channel", "title": "Tin Công đoàn"},
        "is_automatic_forward": True, "text": "Thông báo: lịch họp tuần sau.",
        "message_thread_id": card["message_thread_id"], "is_topic_message": True,
        "reply_to_message": {k: v for k, v in card.items() if k not in ("html", "buttons")},
    }})
    # Updates are handled in order: once the real answer is confirmed, the post was looked at.
    after_worker = rs.last_bot_id(WORKER)
    await rs.answer_by_reply(OFFICIAL, case, A_HOUSING)
    await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)
    said = new_group_messages(rs, after_group)
    assert len(said) == 1 and f"Đã ghi nhận trả lời cho #{case}" in said[0], said
    delivered = await rs.answer_for(WORKER, case, after=after_worker)
    assert A_HOUSING in delivered["text"] and "lịch họp" not in delivered["text"]
    answers = await rs.services.storage.answers_of(case)
    assert [a.text for a in answers] == [A_HOUSING]


async def test_an_admins_button_presses_carry_their_own_id(rs: Harness) -> None:
    """Posting anonymously hides an admin's messages only: a press of a card's button comes
    from their own account, and works as for any official."""
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    query = await rs.emu.click_button(GROUP_ADMIN, OFFICIALS, card["message_id"], "Phân công")
    await rs.emu.wait_for_callback_answer(query)
    choices = await rs.emu.wait_for_edit(
        OFFICIALS, card["message_id"],
        lambda m: any("Sở Xây dựng" in b["text"] for b in m.get("buttons", [])))
    query = await rs.emu.click_button(GROUP_ADMIN, OFFICIALS, choices["message_id"], "Sở Xây dựng")
    answer = await rs.emu.wait_for_callback_answer(query)
    assert not answer.get("show_alert"), answer
    await rs.emu.wait_for_edit(OFFICIALS, card["message_id"], lambda m: "Sở Xây dựng" in m["text"]
                               and not any("Sở Xây dựng" in b["text"] for b in m.get("buttons", [])))


# -- 5. an answer with a photo, a file or a voice message ------------------------------------


async def test_a_photo_answer_reaches_a_telegram_worker_as_a_copy(rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)

    photo = await reply(rs, card, rs.emu.media_content("photo", caption=A_FORM))
    delivered = await rs.answer_for(WORKER, case, after=after_worker)
    assert A_FORM in delivered["text"]
    copy = await rs.emu.wait_for_bot_message(WORKER, lambda m: "photo" in m, after=after_worker)
    assert copy["message_id"] > delivered["message_id"]
    assert copy["photo"][-1]["file_id"] == photo["photo"][-1]["file_id"]
    assert f"#{case}" in copy["caption"] and "📎" in copy["caption"]
    assert "forward_origin" not in copy and "Lan" not in copy["caption"]
    assert any("Hữu ích" in b["text"] for b in copy["buttons"])  # rating comes after the picture
    methods = [method for method, _ in rs.emu.requests]
    assert "copyMessage" in methods and "forwardMessage" not in methods
    await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)
    closed = await rs.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                        lambda m: m["text"].startswith("✅"))
    assert A_FORM in closed["text"]

    # Editing the caption is a correction, as for a text answer.
    after_worker = rs.last_bot_id(WORKER)
    corrected = A_FORM.replace("Sở Xây dựng", "Ban quản lý khu công nghiệp")
    await rs.emu.edit_caption(OFFICIAL, OFFICIALS, photo["message_id"], corrected)
    correction = await rs.emu.wait_for_bot_message(WORKER, lambda m: "✏️" in text_of(m),
                                                   after=after_worker)
    assert "Ban quản lý khu công nghiệp" in correction["text"] and f"#{case}" in correction["text"]


async def test_a_file_and_a_voice_message_with_captions_are_answers(rs: Harness) -> None:
    first = await rs.ask(WORKER, Q_HOUSING)
    second = await rs.ask(WORKER, Q_WAGE, topic="Việc làm")
    first_card, second_card = await rs.card(first), await rs.card(second)
    after = rs.last_bot_id(WORKER)

    document = await reply(rs, first_card, rs.emu.media_content(
        "document", caption=A_FORM, filename="don-thue-nha.pdf", data=b"%PDF-1.4\n% don\n"))
    copy = await rs.emu.wait_for_bot_message(WORKER, lambda m: "document" in m, after=after)
    assert copy["document"]["file_id"] == document["document"]["file_id"]
    assert copy["document"]["file_name"] == "don-thue-nha.pdf"
    assert f"#{first}" in copy["caption"]

    after = rs.last_bot_id(WORKER)
    spoken = "Mức lương tối thiểu vùng I là 4.960.000 đồng; nghe thêm giải thích trong tin thoại."
    voice = await reply(rs, second_card, rs.emu.media_content("voice", caption=spoken),
                        user=OFFICIAL_2)
    delivered = await rs.answer_for(WORKER, second, after=after)
    assert "4.960.000 đồng" in delivered["text"]
    copy = await rs.emu.wait_for_bot_message(WORKER, lambda m: "voice" in m, after=after)
    assert copy["voice"]["file_id"] == voice["voice"]["file_id"] and f"#{second}" in copy["caption"]


async def test_an_anonymous_admins_photo_answer_keeps_both_sides_anonymous(rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING, anonymous=True)
    card = await rs.card(case)
    after = rs.last_bot_id(WORKER)
    photo = await reply(rs, card, rs.emu.media_content("photo", caption=A_FORM), as_group=True,
                        signature="Phó ban")
    copy = await rs.emu.wait_for_bot_message(WORKER, lambda m: "photo" in m, after=after)
    assert "forward_origin" not in copy and "sender_chat" not in copy
    assert "Phó ban" not in copy["caption"]
    closed = await rs.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                        lambda m: m["text"].startswith("✅"))
    assert "Trả lời của Phó ban" in closed["text"] and "Hoa" not in closed["text"]

    after = rs.last_bot_id(WORKER)
    await rs.emu.edit_caption(GROUP_ANONYMOUS_BOT_ID, OFFICIALS, photo["message_id"], A_HOUSING)
    correction = await rs.emu.wait_for_bot_message(WORKER, lambda m: "✏️" in text_of(m), after=after)
    assert A_HOUSING in correction["text"]


async def test_a_photo_without_a_caption_is_not_an_answer(rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    after_group = rs.last_bot_id(OFFICIALS)
    await reply(rs, card, rs.emu.media_content("photo"))
    hint = await group_says(rs, "cần kèm chú thích", after_group)
    assert hint["message_thread_id"] == card["message_thread_id"]
    question = await rs.services.questions.question(case)
    assert question.status == "open" and await rs.services.storage.answers_of(case) == []


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloEmulator]:
    emulator = ZaloEmulator()
    await emulator.start()
    emulator.add_user(HUNG, "Trần Văn Hùng")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def zbot(emu: BotApiEmulator, zalo: ZaloEmulator,
               make_config: Callable[..., Any]) -> AsyncIterator[ZaloBot]:
    harness = Harness(emu, make_config(zalo=zalo_section(zalo)))
    await harness.start()
    yield ZaloBot(harness, zalo)
    await harness.stop()


async def test_a_zalo_worker_gets_the_caption_and_a_note_for_the_photo(zbot: ZaloBot) -> None:
    await zbot.consent(HUNG)
    case = await zbot.ask(HUNG)
    card = await zbot.harness.card(case)
    after = zbot.zalo.last_bot_seq(HUNG)
    await zbot.harness.emu.send_content(
        OFFICIAL, zbot.harness.emu.media_content("photo", caption=A_FORM), chat_id=OFFICIALS,
        reply_to=card["message_id"], thread_id=card.get("message_thread_id"))
    answer = await zbot.zalo.wait_for_bot_message(HUNG, lambda m: "📬" in m["text"], after=after)
    assert A_FORM in answer["text"] and NOTE_PHOTO in answer["text"]
    assert answer["text"].index(A_FORM) < answer["text"].index(NOTE_PHOTO)
    assert "copyMessage" not in [method for method, _ in zbot.harness.emu.requests]


# -- 6. replies that do not point at the card ------------------------------------------------


async def test_a_reply_to_the_answer_confirmation_answers_that_case_again(rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING)
    await rs.card(case)
    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)
    await rs.answer_by_reply(OFFICIAL, case, A_HOUSING)
    confirmation = await group_says(rs, f"✅ Đã ghi nhận trả lời cho #{case}", after_group)
    await rs.answer_for(WORKER, case, after=after_worker)

    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)
    addition = "Bổ sung: hồ sơ cần có xác nhận thu nhập của công ty."
    await rs.emu.send_text(OFFICIAL_2, addition, chat_id=OFFICIALS,
                           reply_to=confirmation["message_id"],
                           thread_id=confirmation["message_thread_id"])
    second = await rs.answer_for(WORKER, case, after=after_worker)
    assert addition in second["text"]
    await group_says(rs, f"✅ Đã ghi nhận trả lời cho #{case}", after_group)
    assert [a.text for a in await rs.services.storage.answers_of(case)] == [A_HOUSING, addition]


@pytest.mark.parametrize("where", ["other topic", "General"])
async def test_a_reply_quoting_a_card_from_elsewhere_in_the_group_answers_it(
        rs: Harness, where: str) -> None:
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    assert card["message_thread_id"] == rs.threads["housing"]  # type: ignore[attr-defined]
    thread = rs.threads["jobs"] if where == "other topic" else None  # type: ignore[attr-defined]
    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)

    content = {"text": A_HOUSING,
               **rs.emu.external_reply(OFFICIALS, card["message_id"], quote=Q_HOUSING[:40])}
    sent = await rs.emu.send_content(OFFICIAL, content, chat_id=OFFICIALS, thread_id=thread)
    assert sent["external_reply"]["message_id"] == card["message_id"]
    # TextQuote.position counts UTF-16 code units: the card's "📩" counts two.
    before = card["text"][:card["text"].index(Q_HOUSING[:40])]
    assert sent["quote"] == {"text": Q_HOUSING[:40], "position": len(before.encode("utf-16-le")) // 2,
                             "is_manual": True}
    assert sent["quote"]["position"] == len(before) + 1
    if thread is not None:  # in a topic, the reply "replies" to the topic's creation too
        assert "forum_topic_created" in sent["reply_to_message"]
    else:
        assert "reply_to_message" not in sent

    delivered = await rs.answer_for(WORKER, case, after=after_worker)
    assert A_HOUSING in delivered["text"]
    confirmation = await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)
    assert confirmation.get("message_thread_id") == thread  # said where the official typed


async def test_a_reply_to_a_bot_message_of_no_case_gets_one_hint_and_the_rest_is_ignored(
        rs: Harness) -> None:
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    jobs = rs.threads["jobs"]  # type: ignore[attr-defined]
    after_group = rs.last_bot_id(OFFICIALS)
    await rs.emu.send_text(OFFICIAL, "/answer", chat_id=OFFICIALS, thread_id=jobs)
    usage = await group_says(rs, "Cú pháp: /answer", after_group)

    after_group = rs.last_bot_id(OFFICIALS)
    # A plain message in a topic (it "replies" to the topic's creation, a message of the bot),
    # a stranger's reply to the bot, then an official's reply to the usage line.
    plain = await rs.emu.send_text(OFFICIAL, "Mọi người họp lúc 9 giờ nhé.", chat_id=OFFICIALS,
                                   thread_id=jobs)
    assert plain["reply_to_message"]["from"]["id"] == rs.emu.bot_id
    assert "forum_topic_created" in plain["reply_to_message"]
    await rs.emu.send_text(STRANGER, "Cho tôi hỏi với", chat_id=OFFICIALS,
                           reply_to=usage["message_id"], thread_id=jobs)
    await rs.emu.send_text(OFFICIAL, "Nhà ở xã hội thì sao?", chat_id=OFFICIALS,
                           reply_to=usage["message_id"], thread_id=jobs)
    hint = await group_says(rs, "trả lời (reply) trực tiếp vào thẻ câu hỏi", after_group)
    assert "/answer N" in hint["text"] and hint["message_thread_id"] == jobs

    # Updates are handled in order: after a real answer is confirmed, nothing else was said.
    await rs.answer_by_reply(OFFICIAL, case, A_HOUSING)
    await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)
    said = new_group_messages(rs, after_group)
    assert len(said) == 2 and "trả lời (reply) trực tiếp" in said[0], said
    assert f"Đã ghi nhận trả lời cho #{case}" in said[1]
    assert card["message_id"] not in [m["message_id"] for m in rs.emu.bot_messages(OFFICIALS)
                                      if m["message_id"] > after_group]
    assert [a.text for a in await rs.services.storage.answers_of(case)] == [A_HOUSING]


async def test_a_photo_answer_is_kept_like_a_text_answer_across_a_restart(rs: Harness) -> None:
    """The copy is an outbox row written with the answer: stopped right after the answer was
    taken, the bot delivers it once after the restart (or had already; never twice)."""
    case = await rs.ask(WORKER, Q_HOUSING)
    card = await rs.card(case)
    after_worker, after_group = rs.last_bot_id(WORKER), rs.last_bot_id(OFFICIALS)
    photo = await reply(rs, card, rs.emu.media_content("photo", caption=A_FORM))
    await group_says(rs, f"Đã ghi nhận trả lời cho #{case}", after_group)
    await rs.stop()
    rows = [r for r in outbox_rows(rs) if r["attachment_kind"] == "copy"]
    assert [r["attachment"] for r in rows] == [f"{OFFICIALS}:{photo['message_id']}"]
    await rs.start()
    copy = await rs.emu.wait_for_bot_message(WORKER, lambda m: "photo" in m, after=after_worker)
    # A worker's messages leave in order: once a later answer arrives, a second copy would have.
    await rs.answer_by_reply(OFFICIAL_2, case, A_HOUSING)
    later = await rs.answer_for(WORKER, case, after=copy["message_id"])
    assert A_HOUSING in later["text"]
    copies = [m for m in rs.emu.bot_messages(WORKER) if m["message_id"] > after_worker and "photo" in m]
    assert len(copies) == 1


def outbox_rows(bot: Harness) -> list[dict[str, Any]]:
    with sqlite3.connect(bot.config.storage.path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT attachment_kind, attachment FROM outbox")]
