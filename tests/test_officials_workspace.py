"""The officials' workspace end to end: card buttons and commands, permissions,
"me too", follow-ups, corrections, deadlines, the digest and /stats (issue 6).

Everything is asserted on what people see in the emulated chats: the card in the
officials' forum topic, the replies to commands, button alerts, the worker's
private chat. Storage is read only where nothing is visible (a version number,
the absence of a change).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from knowledge_base import Entry
from tests.conftest import ADMIN, OFFICIAL, OFFICIAL_2, OFFICIALS, STRANGER, WORKER, Harness

VN = ZoneInfo("Asia/Ho_Chi_Minh")
THIRD = 1003            # another worker
FOURTH = 1004           # and one more
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The provincial departments the issue names; realistic names make realistic card and alert lengths.
DEPARTMENTS = [
    {"key": "ldtbxh", "name": "Sở Lao động - Thương binh và Xã hội"},
    {"key": "bhxh", "name": "Bảo hiểm xã hội tỉnh"},
    {"key": "yte", "name": "Sở Y tế"},
    {"key": "gddt", "name": "Sở Giáo dục và Đào tạo"},
    {"key": "xd", "name": "Sở Xây dựng"},
    {"key": "nv", "name": "Sở Nội vụ"},
    {"key": "ldld", "name": "Liên đoàn Lao động tỉnh"},
]

Q_HOUSING = "Công nhân ở khu công nghiệp có được thuê nhà ở xã hội không ạ?"
Q_HOUSING_SIMILAR = "Cho em hỏi công nhân khu công nghiệp có được thuê nhà ở xã hội không?"
Q_ELECTRICITY = "Chủ nhà trọ thu tiền điện 5 nghìn đồng một số thì có đúng quy định không?"
Q_DORMITORY = "Doanh nghiệp có phải xây ký túc xá cho người lao động ngoại tỉnh không?"
Q_OTHER = "Mất căn cước thì làm lại ở đâu, mất bao lâu?"  # topic "Thủ tục"
Q_WAGE = "Lương tối thiểu vùng năm nay là bao nhiêu ạ?"  # topic "Việc làm"
Q_CLOSE_BOOK = "Thủ tục chốt sổ bảo hiểm xã hội khi nghỉ việc thế nào ạ?"
A_HOUSING = ("Có. Công nhân được thuê nhà ở xã hội nếu đáp ứng điều kiện thu nhập; "
             "hồ sơ nộp tại Sở Xây dựng.")


# -- fixtures and helpers -------------------------------------------------------------


@pytest.fixture
async def ws(emu, make_config) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    """The bot with departments, a forum topic for housing and a third worker."""
    thread = emu.create_forum_topic(OFFICIALS, "Nhà ở")
    emu.add_user(THIRD, "Tuấn", last_name="Phạm", language_code="vi")
    emu.add_user(FOURTH, "Hằng", last_name="Võ", language_code="vi")
    config = make_config(
        topics=[
            {"key": "housing", "title": "Nhà ở công nhân", "thread_id": thread},
            {"key": "jobs", "title": "Việc làm, thu nhập", "deadline_days": 1},
            {"key": "procedures", "title": "Thủ tục hành chính"},
        ],
        departments=DEPARTMENTS,
        # Both officials are admins too, so that tests making many changes may type them in a
        # private chat (only admins may act there; see command_in_private).
        officials={"chat_id": OFFICIALS, "admin_user_ids": [ADMIN, OFFICIAL, OFFICIAL_2]},
    )
    harness = Harness(emu, config)
    harness.thread = thread  # type: ignore[attr-defined]
    await harness.start()
    yield harness
    await harness.stop()


async def press_card(bot: Harness, user: int, message_id: int, label: str) -> dict[str, Any]:
    """Press a button (by label) on a message in the officials' group; returns the answer."""
    query = await bot.emu.click_button(user, OFFICIALS, message_id, label)
    return await bot.emu.wait_for_callback_answer(query)


async def forge(bot: Harness, user: int, message_id: int, data: str) -> dict[str, Any]:
    """Send callback data of our own choosing from a message in the officials' group."""
    query = await bot.emu.click(user, OFFICIALS, message_id, data)
    return await bot.emu.wait_for_callback_answer(query)


async def command(bot: Harness, text: str, expect: str, *, user: int = OFFICIAL) -> dict[str, Any]:
    """Type a command in the officials' group; returns the bot's reply containing `expect`."""
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(user, text, chat_id=OFFICIALS)
    return await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: expect in (m.get("text") or ""),
                                              after=after)


async def command_in_private(bot: Harness, user: int, text: str, expect: str) -> dict[str, Any]:
    """Type a command to the bot in a private chat (admins may act from there too).

    Used where a test makes many changes: the bot paces its messages to a group
    (Telegram allows about 20 a minute), and replies here do not count.
    """
    after = bot.last_bot_id(user)
    await bot.emu.send_text(user, text)
    return await bot.emu.wait_for_bot_message(user, lambda m: expect in (m.get("text") or ""),
                                              after=after)


async def card_now(bot: Harness, card: dict[str, Any],
                   predicate: Callable[[dict], bool]) -> dict[str, Any]:
    return await bot.emu.wait_for_edit(OFFICIALS, card["message_id"], predicate)


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in message.get("buttons", [])]


def data_of(message: dict[str, Any], label: str) -> str:
    return next(b["callback_data"] for b in message["buttons"] if label in b["text"])


def worker_texts(bot: Harness, user: int, marker: str) -> list[str]:
    return [m["text"] for m in bot.emu.bot_messages(user) if marker in (m.get("text") or "")]


async def answered(bot: Harness, case: int, text: str, worker: int = WORKER,
                   official: int = OFFICIAL) -> dict[str, Any]:
    """An official answers by replying to the card; returns the official's message."""
    after = bot.last_bot_id(worker)
    reply = await bot.answer_by_reply(official, case, text)
    delivered = await bot.answer_for(worker, case, after=after)
    assert text in delivered["text"]
    return reply


def control_clock(bot: Harness, moment: datetime) -> None:
    """Make the bot's deadline and digest services see `moment` as "now".

    QuestionService and Housekeeping take a `clock`; the tests replace it on the
    running instances (after a restart they are new instances: call again). The
    periodic housekeeping job is removed so that only the test decides when a
    tick happens.
    """
    stamp = moment.timestamp()
    bot.services.questions._clock = lambda: stamp
    bot.services.housekeeping._clock = lambda: stamp
    if bot.app.job_queue is not None:
        for job in bot.app.job_queue.get_jobs_by_name("housekeeping"):
            job.schedule_removal()


async def ask_until_offer(bot: Harness, user: int, text: str,
                          topic: str = "Nhà ở") -> dict[str, Any]:
    """/ask and type the text (choosing the topic first if the bot asks for it first);
    returns the bot's answer to the text."""
    prompt = await bot.say(user, "/ask")
    if any(topic in label for label in labels(prompt)):
        await bot.press(user, prompt, topic)
        await bot.emu.wait_for_edit(user, prompt["message_id"], lambda m: "Mời bạn gõ" in m["text"])
    return await bot.say(user, text)


async def send_on(bot: Harness, user: int, after: int, topic: str = "Nhà ở") -> int:
    """Take the remaining steps of a question being asked, in whatever order the bot asks
    (topic, name or anonymous, confirmation); returns the case number."""
    pressed: set[tuple[int, str]] = set()
    for _ in range(100):
        messages = [m for m in bot.emu.bot_messages(user) if m["message_id"] > after]
        for message in reversed(messages):
            sent = re.search(r"#(\d+)", message.get("text") or "")
            if sent and not message.get("buttons") and "Đã gửi câu hỏi" in message["text"]:
                return int(sent.group(1))
        latest = messages[-1] if messages else None
        names = labels(latest) if latest else []
        choice = next((label for wanted in (topic, "Gửi kèm tên", "kèm tên", "Gửi câu hỏi")
                       for label in names if wanted in label), None)
        if latest is not None and choice is not None and (latest["message_id"], choice) not in pressed:
            pressed.add((latest["message_id"], choice))
            await bot.emu.click_button(user, user, latest["message_id"], choice)
        await asyncio.sleep(0.05)
    raise AssertionError([m.get("text") for m in bot.emu.bot_messages(user)][-3:])


# -- 1. transitions ---------------------------------------------------------------------


async def test_assign_through_the_department_list(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    assert card["message_thread_id"] == ws.thread  # type: ignore[attr-defined]
    assert labels(card) == ["🏢 Phân công", "↪️ Chuyển cơ quan", "🔁 Trùng lặp", "⛔ Từ chối",
                            f"🔇 Chặn người hỏi #{case}"]

    await press_card(ws, OFFICIAL, card["message_id"], "Phân công")
    listing = await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))
    assert labels(listing) == [d["name"] for d in DEPARTMENTS] + ["◀️ Quay lại"]
    assert listing["text"] == card["text"]  # only the keyboard changes

    # Back, and the card's own buttons return; nothing was decided.
    await press_card(ws, OFFICIAL, card["message_id"], "Quay lại")
    await card_now(ws, card, lambda m: labels(m) == labels(card))
    await press_card(ws, OFFICIAL, card["message_id"], "Phân công")
    await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))

    after = ws.last_bot_id(WORKER)
    answer = await press_card(ws, OFFICIAL, card["message_id"], "Sở Xây dựng")
    assert not answer.get("show_alert")
    assigned = await card_now(ws, card,
                              lambda m: "Phân công: Sở Xây dựng (bởi Lan Trần)" in m["text"])
    assert assigned["text"].startswith("📩")  # still waiting for an answer
    assert labels(assigned) == labels(card)
    told = await ws.emu.wait_for_bot_message(WORKER, lambda m: "📌" in m["text"], after=after)
    assert f"#{case}" in told["text"] and "Sở Xây dựng" in told["text"]

    # The command does the same, and refuses a department that does not exist.
    reply = await command(ws, f"/assign {case} bhxh", f"#{case}", user=OFFICIAL_2)
    assert "phân công" in reply["text"]
    await card_now(ws, card, lambda m: "Phân công: Bảo hiểm xã hội tỉnh (bởi Minh Lê)" in m["text"])
    refusal = await command(ws, f"/assign {case} khongco", "Cú pháp")
    assert "xd" in refusal["text"] and "Sở Xây dựng" in refusal["text"]
    assert (await ws.services.storage.get_question(case)).department == "bhxh"


async def test_forward_hint_then_command(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    hint = await press_card(ws, OFFICIAL, card["message_id"], "Chuyển cơ quan")
    assert not hint.get("show_alert") and f"/forward {case}" in hint["text"]
    # The departments to choose from, on the card itself; its text does not change.
    menu = await card_now(ws, card, lambda m: "↪️ Sở Xây dựng" in labels(m))
    assert menu["text"] == card["text"]
    await press_card(ws, OFFICIAL, card["message_id"], "Quay lại")
    await card_now(ws, card, lambda m: labels(m) == labels(card))

    after = ws.last_bot_id(WORKER)
    reply = await command(ws, f"/forward {case} Ban Quản lý các khu công nghiệp tỉnh", f"#{case}")
    assert "chuyển cơ quan có thẩm quyền" in reply["text"]
    told = await ws.emu.wait_for_bot_message(WORKER, lambda m: "↪️" in m["text"], after=after)
    assert f"#{case}" in told["text"] and "Ban Quản lý các khu công nghiệp tỉnh" in told["text"]
    forwarded = await card_now(ws, card, lambda m: m["text"].startswith("↪️"))
    assert "Đã chuyển tới: Ban Quản lý các khu công nghiệp tỉnh" in forwarded["text"]
    assert labels(forwarded) == ["🔄 Mở lại"]

    usage = await command(ws, f"/forward {case}", "Cú pháp")
    assert "/forward" in usage["text"]


async def test_reject_with_a_preset_reason(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    await press_card(ws, OFFICIAL, card["message_id"], "Từ chối")
    reasons = await card_now(ws, card, lambda m: "Cần hồ sơ cá nhân" in labels(m))
    assert labels(reasons) == ["Ngoài phạm vi giải đáp", "Cần hồ sơ cá nhân", "Nội dung chưa rõ",
                               "◀️ Quay lại"]
    after = ws.last_bot_id(WORKER)
    await press_card(ws, OFFICIAL, card["message_id"], "Cần hồ sơ cá nhân")
    told = await ws.emu.wait_for_bot_message(WORKER, lambda m: "Rất tiếc" in m["text"], after=after)
    assert f"#{case}" in told["text"]
    assert "Lý do: Để giải quyết cần xem hồ sơ, giấy tờ cá nhân của bạn" in told["text"]
    rejected = await card_now(ws, card, lambda m: m["text"].startswith("⛔"))
    assert "Lý do từ chối: Để giải quyết cần xem hồ sơ" in rejected["text"]
    assert labels(rejected) == ["🔄 Mở lại", f"🔇 Chặn người hỏi #{case}"]


async def test_reject_command_with_free_text(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    after = ws.last_bot_id(WORKER)
    reason = "Tranh chấp hợp đồng thuê nhà cụ thể, đề nghị bạn liên hệ Tòa án nhân dân huyện."
    reply = await command(ws, f"/reject {case} {reason}", f"#{case}")
    assert "từ chối" in reply["text"]
    told = await ws.emu.wait_for_bot_message(WORKER, lambda m: "Rất tiếc" in m["text"], after=after)
    assert f"Lý do: {reason}" in told["text"]
    await card_now(ws, card, lambda m: m["text"].startswith("⛔") and reason in m["text"])
    assert "Cú pháp" in (await command(ws, f"/reject {case}", "Cú pháp"))["text"]


async def test_duplicate_of_an_open_case_delivers_its_answer_later(ws: Harness) -> None:
    original = await ws.ask(WORKER, Q_HOUSING)
    original_card = await ws.card(original)
    duplicate = await ws.ask(THIRD, Q_OTHER, topic="Thủ tục")
    duplicate_card = await ws.card(duplicate)

    # Likely originals as buttons when any look alike (tests/test_officials_buttons.py);
    # either way the toast or alert says how to type it.
    hint = await press_card(ws, OFFICIAL, duplicate_card["message_id"], "Trùng lặp")
    assert f"/dup {duplicate}" in hint["text"]

    after = ws.last_bot_id(THIRD)
    reply = await command(ws, f"/dup {duplicate} {original}", f"#{duplicate}")
    assert "trùng lặp" in reply["text"]
    told = await ws.emu.wait_for_bot_message(THIRD, lambda m: "🔁" in m["text"], after=after)
    assert f"#{duplicate}" in told["text"] and f"#{original}" in told["text"]
    marked = await card_now(ws, duplicate_card, lambda m: m["text"].startswith("🔁"))
    assert f"Trùng với: #{original}" in marked["text"]
    await card_now(ws, original_card, lambda m: "👥 1 người cùng hỏi" in m["text"])
    assert not [m for m in ws.emu.bot_messages(THIRD) if "📬" in m["text"]]  # no answer yet

    after_third = ws.last_bot_id(THIRD)
    await answered(ws, original, A_HOUSING)
    forwarded = await ws.answer_for(THIRD, original, after=after_third)
    assert A_HOUSING in forwarded["text"]

    assert await command(ws, f"/dup {original} {original}", "chính nó")
    assert await command(ws, f"/dup {original} 99999", "Không tìm thấy câu hỏi #99999")


async def test_duplicate_of_an_answered_case_delivers_its_answer_at_once(ws: Harness) -> None:
    original = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(original)
    await answered(ws, original, A_HOUSING)

    duplicate = await ws.ask(THIRD, Q_OTHER, topic="Thủ tục")
    await ws.card(duplicate)
    after = ws.last_bot_id(THIRD)
    await command(ws, f"/dup {duplicate} {original}", f"#{duplicate}")
    delivered = await ws.answer_for(THIRD, original, after=after)
    assert A_HOUSING in delivered["text"]
    assert worker_texts(ws, THIRD, "🔁")


async def test_duplicate_of_the_askers_own_question(ws: Harness) -> None:
    original = await ws.ask(WORKER, Q_HOUSING)
    original_card = await ws.card(original)
    again = await ws.ask(WORKER, Q_DORMITORY)  # the same worker asks again, in other words
    await ws.card(again)
    after = ws.last_bot_id(WORKER)
    await command(ws, f"/dup {again} {original}", f"#{again}")
    await ws.emu.wait_for_bot_message(WORKER, lambda m: "🔁" in m["text"], after=after)
    await asyncio.sleep(0.2)
    # The asker is not their own follower; the original's card is unchanged, and re-sending
    # it unchanged ("message is not modified") is no failed delivery.
    assert "cùng hỏi" not in ws.emu.message(OFFICIALS, original_card["message_id"])["text"]
    assert await ws.services.storage.failed_deliveries() == []
    await answered(ws, original, A_HOUSING)
    await asyncio.sleep(0.2)
    assert len(worker_texts(ws, WORKER, "📬")) == 1  # one answer, not one per link


async def test_reopen_by_button_and_by_command(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    await answered(ws, case, A_HOUSING)
    done = await card_now(ws, card, lambda m: m["text"].startswith("✅"))
    assert labels(done) == ["📚 Đăng vào kho", "🔄 Mở lại"]

    await press_card(ws, OFFICIAL, card["message_id"], "Mở lại")
    reopened = await card_now(ws, card, lambda m: m["text"].startswith("📩"))
    assert "chờ trả lời" in reopened["text"] and "Hạn trả lời" in reopened["text"]
    assert labels(reopened) == ["🏢 Phân công", "↪️ Chuyển cơ quan", "🔁 Trùng lặp", "⛔ Từ chối",
                                f"🔇 Chặn người hỏi #{case}"]

    await command(ws, f"/forward {case} Sở Tài chính", f"#{case}")
    await card_now(ws, card, lambda m: m["text"].startswith("↪️"))
    reply = await command(ws, f"/reopen {case}", f"#{case}")
    assert "mở lại" in reply["text"]
    again = await card_now(ws, card, lambda m: m["text"].startswith("📩"))
    assert "Đã chuyển tới" not in again["text"]
    refusal = await command(ws, f"/reopen {case}", "không thay đổi")
    assert f"#{case}" in refusal["text"]

    # Answered again after reopening: the worker gets the new answer.
    await answered(ws, case, "Bổ sung: hồ sơ nộp qua Cổng dịch vụ công.")


async def test_publish_from_the_card_is_searchable_at_once(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    await answered(ws, case, A_HOUSING)
    await card_now(ws, card, lambda m: "Đăng vào kho" in " ".join(labels(m)))

    after = ws.last_bot_id(OFFICIALS)
    await press_card(ws, OFFICIAL, card["message_id"], "Đăng vào kho")
    preview = await ws.emu.wait_for_bot_message(OFFICIALS, lambda m: "Xem trước" in m["text"],
                                                after=after)
    assert preview["reply_to_message"]["message_id"] == card["message_id"]
    assert Q_HOUSING in preview["text"] and A_HOUSING in preview["text"]
    assert f"/publish {case}" in preview["text"]

    done = await press_card(ws, OFFICIAL, preview["message_id"], "Đăng vào kho")
    assert f"Đã đăng #{case}" in done["text"]
    await ws.emu.wait_for_edit(OFFICIALS, preview["message_id"], lambda m: not m["buttons"])
    published = await card_now(ws, card, lambda m: "Đã đăng vào kho giải đáp" in m["text"])
    assert labels(published) == ["🔄 Mở lại"]

    # A new worker asking the same thing gets the answer from the KB straight away.
    offer = await ask_until_offer(ws, THIRD, Q_HOUSING)
    assert "Câu hỏi tương tự đã được giải đáp" in offer["text"]
    assert A_HOUSING in offer["text"]


async def test_publish_command_with_edits(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_ELECTRICITY)
    card = await ws.card(case)
    assert "chỉ đăng được" in (await command(ws, f"/publish {case}", "Chỉ đăng"))["text"].lower()
    await answered(ws, case, "Giá điện cho người thuê trọ không quá giá bán lẻ bậc 3.")

    assert await command(ws, f"/publish {case} chỉ có câu hỏi", "Cú pháp")
    question = "Chủ nhà trọ được thu tiền điện của công nhân tối đa bao nhiêu?"
    answer = "Không quá giá bán lẻ điện bậc 3 (Thông tư 16/2014/TT-BCT), kể cả khi thuê dài hạn."
    reply = await command(ws, f"/publish {case} {question} | {answer}", "Đã đăng")
    assert f"#{case}" in reply["text"]
    await card_now(ws, card, lambda m: "Đã đăng vào kho giải đáp" in m["text"])

    offer = await ask_until_offer(
        ws, THIRD, "Chủ nhà trọ được thu tiền điện của công nhân tối đa bao nhiêu ạ?")
    assert "Câu hỏi tương tự đã được giải đáp" in offer["text"]
    assert question in offer["text"] and answer in offer["text"]
    assert "bậc 3 (Thông tư" in offer["text"]  # the edited answer, not the original one


async def test_publish_keeps_the_merged_questions_as_wordings_of_the_entry(ws: Harness) -> None:
    original = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(original)
    in_other_words = ("Vợ chồng em ở trọ lâu rồi, giờ muốn có chỗ ở ổn định của nhà nước hỗ trợ "
                      "thì nộp giấy tờ ở đâu?")
    duplicate = await ws.ask(THIRD, in_other_words)
    await ws.card(duplicate)
    await command(ws, f"/dup {duplicate} {original}", f"#{duplicate}")
    await answered(ws, original, A_HOUSING)
    told = await command(ws, f"/publish {original}", "Đã đăng")
    assert "kèm 1 cách hỏi khác" in told["text"]

    entry = await ws.services.storage.kb_entry(f"case-{original}")
    assert entry is not None and entry.variants == (in_other_words,)
    # The next worker who puts it that way is answered from the KB at once.
    offer = await ask_until_offer(ws, FOURTH, in_other_words)
    assert "Câu hỏi tương tự đã được giải đáp" in offer["text"]
    assert A_HOUSING in offer["text"]


async def test_answer_with_a_kb_entry_teaches_the_entry_that_wording(ws: Harness) -> None:
    await ws.services.knowledge.publish([Entry(
        "kb-noxh", "housing", "Công nhân khu công nghiệp thuê nhà ở xã hội cần điều kiện gì?", A_HOUSING)])
    wording = ("Vợ chồng em ở trọ lâu rồi, giờ muốn có chỗ ở ổn định của nhà nước hỗ trợ "
               "thì nộp giấy tờ ở đâu?")
    case = await ws.ask(WORKER, wording)  # no instant answer: it reaches the officials
    await ws.card(case)

    near = await command(ws, f"/kb {case}", "kb-noxh")
    assert "thuê nhà ở xã hội" in near["text"] and f"/kb {case}" in near["text"]
    missing = await command(ws, f"/kb {case} kb-999", "không có mục")
    assert "kb-999" in missing["text"]
    assert (await command(ws, "/kb", "Cú pháp"))["text"].startswith("Cú pháp: /kb")

    after, told_after = ws.last_bot_id(WORKER), ws.last_bot_id(OFFICIALS)
    typed = await ws.emu.send_text(OFFICIAL, f"/kb {case} kb-noxh", chat_id=OFFICIALS)
    told = await ws.emu.wait_for_bot_message(OFFICIALS, lambda m: "Đã trả lời" in (m.get("text") or ""),
                                             after=told_after)
    assert "Cách hỏi này được thêm vào mục" in told["text"]
    delivered = await ws.answer_for(WORKER, case, after=after)
    assert A_HOUSING in delivered["text"]
    entry = await ws.services.storage.kb_entry("kb-noxh")
    assert entry is not None and entry.variants == (wording,)
    # The next worker who puts it that way is answered from the KB at once.
    offer = await ask_until_offer(ws, FOURTH, wording)
    assert "Câu hỏi tương tự đã được giải đáp" in offer["text"] and A_HOUSING in offer["text"]

    # Editing the command is no correction of the answer: the worker is not sent "/kb ...".
    await ws.emu.edit_text(OFFICIAL, OFFICIALS, typed["message_id"], f"/kb {case} kb-999")
    await command(ws, f"/case {case}", f"#{case}")  # the edit was handled before this reply
    await asyncio.sleep(0.3)
    assert not worker_texts(ws, WORKER, "✏️")
    # A long forged entry id gets a short refusal.
    refusal = await command(ws, f"/kb {case} {'x' * 4000}", "không có mục")
    assert len(refusal["text"]) < 300


async def test_kb_learning_survives_publishing_again_and_a_retired_topic(ws: Harness) -> None:
    first = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(first)
    await answered(ws, first, A_HOUSING)
    await command(ws, f"/publish {first}", "Đã đăng")
    other = await ws.ask(THIRD, Q_DORMITORY)
    await ws.card(other)
    await command(ws, f"/kb {other} case-{first}", "Đã trả lời")
    await command(ws, f"/publish {first} Công nhân được thuê nhà ở xã hội không? | {A_HOUSING}", "Đã đăng")
    entry = await ws.services.storage.kb_entry(f"case-{first}")
    assert entry is not None and entry.question == "Công nhân được thuê nhà ở xã hội không?"
    assert Q_DORMITORY in entry.variants and Q_HOUSING in entry.variants

    # An entry of a topic the bot no longer has still answers and learns.
    await ws.services.storage.upsert_kb_entries([Entry("kb-old", "retired", "Câu hỏi cũ?", "Trả lời cũ.")])
    third = await ws.ask(FOURTH, Q_ELECTRICITY)
    await ws.card(third)
    told = await command(ws, f"/kb {third} kb-old", "Đã trả lời")
    assert "Cách hỏi này được thêm vào mục" in told["text"]
    assert (await ws.services.storage.kb_entry("kb-old")).variants == (Q_ELECTRICITY,)


async def test_case_command_lists_every_transition_with_who(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    other = await ws.ask(THIRD, Q_OTHER, topic="Thủ tục")
    await ws.card(other)

    await press_card(ws, OFFICIAL, card["message_id"], "Phân công")
    await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))
    await press_card(ws, OFFICIAL, card["message_id"], "Sở Xây dựng")
    await card_now(ws, card, lambda m: "Phân công: Sở Xây dựng" in m["text"])
    await command_in_private(ws, OFFICIAL_2, f"/forward {case} Sở Tài chính", f"#{case}")
    await command_in_private(ws, OFFICIAL, f"/reopen {case}", f"#{case}")
    await command_in_private(ws, OFFICIAL_2, f"/dup {case} {other}", f"#{case}")
    await command_in_private(ws, OFFICIAL_2, f"/reopen {case}", f"#{case}")
    await command_in_private(ws, OFFICIAL, f"/reject {case} Nội dung đã được giải đáp trên báo.",
                             f"#{case}")
    await card_now(ws, card, lambda m: m["text"].startswith("⛔"))
    await press_card(ws, OFFICIAL, card["message_id"], "Mở lại")
    await card_now(ws, card, lambda m: m["text"].startswith("📩"))
    reply = await answered(ws, case, A_HOUSING, official=OFFICIAL_2)
    await ws.emu.edit_text(OFFICIAL_2, OFFICIALS, reply["message_id"], A_HOUSING + " (đã cập nhật)")
    await ws.emu.wait_for_bot_message(WORKER, lambda m: "✏️" in m["text"])
    await command_in_private(ws, OFFICIAL, f"/publish {case}", "Đã đăng")

    audit = await command_in_private(ws, OFFICIAL_2, f"/case {case}", f"Lịch sử #{case}")
    lines = audit["text"].splitlines()
    assert lines[0] == f"Lịch sử #{case} (đã trả lời):"
    expected = [
        "Hoa Nguyễn Thị: gửi câu hỏi",
        "Lan Trần: phân công — Sở Xây dựng",
        "Minh Lê: chuyển cơ quan có thẩm quyền — Sở Tài chính",
        "Lan Trần: mở lại",
        f"Minh Lê: đánh dấu trùng lặp — #{other}",
        "Minh Lê: mở lại",
        "Lan Trần: từ chối — Nội dung đã được giải đáp trên báo.",
        "Lan Trần: mở lại",
        "Minh Lê: trả lời",
        "Minh Lê: sửa câu trả lời",
        f"Lan Trần: đăng vào kho giải đáp — case-{case}",
    ]
    events = [re.sub(r"^• \d\d:\d\d \d\d/\d\d/\d{4} — ", "", line) for line in lines[1:]]
    assert events == expected
    assert all(re.match(r"^• \d\d:\d\d \d\d/\d\d/\d{4} — ", line) for line in lines[1:])


# -- 2. permissions, stale and forged buttons ----------------------------------------------


async def test_non_members_cannot_use_card_buttons(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    before = await ws.services.storage.get_question(case)
    assign_to = f"c:{case}:{before.version}:dept:xd"
    left = 503
    ws.emu.add_user(left, "Cũ")
    ws.emu.set_member_status(OFFICIALS, left, "left")
    for user in (STRANGER, left, WORKER):
        for data in (assign_to, data_of(card, "Phân công"), data_of(card, "Từ chối"),
                     f"c:{case}:{before.version}:rsn:unclear"):
            answer = await forge(ws, user, card["message_id"], data)
            assert answer["show_alert"] and "Chỉ cán bộ" in answer["text"], (user, data, answer)
    await asyncio.sleep(0.2)
    now = ws.emu.message(OFFICIALS, card["message_id"])
    assert now["text"] == card["text"] and labels(now) == labels(card)
    assert await ws.services.storage.get_question(case) == before
    assert not worker_texts(ws, WORKER, "📌") and not worker_texts(ws, WORKER, "Rất tiếc")

    # An admin id outside the group may act.
    await press_card(ws, ADMIN, card["message_id"], "Phân công")
    await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))
    await press_card(ws, ADMIN, card["message_id"], "Sở Xây dựng")
    await card_now(ws, card, lambda m: "Phân công: Sở Xây dựng (bởi Quản trị)" in m["text"])


async def test_stale_card_button_is_refused(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    await press_card(ws, OFFICIAL, card["message_id"], "Phân công")
    listing = await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))
    old_assign = data_of(listing, "Sở Xây dựng")

    # Meanwhile another official rejects the case.
    await command(ws, f"/reject {case} Ngoài phạm vi.", f"#{case}", user=OFFICIAL_2)
    await card_now(ws, card, lambda m: m["text"].startswith("⛔"))

    refusal = await forge(ws, OFFICIAL, card["message_id"], old_assign)
    assert refusal["show_alert"] and "Thẻ này đã cũ" in refusal["text"]
    await asyncio.sleep(0.2)
    question = await ws.services.storage.get_question(case)
    assert question.status == "rejected" and question.department is None
    assert "Phân công:" not in ws.emu.message(OFFICIALS, card["message_id"])["text"]
    assert not worker_texts(ws, WORKER, "📌")


async def test_double_click_acts_once(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    await press_card(ws, OFFICIAL, card["message_id"], "Phân công")
    listing = await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))
    data = data_of(listing, "Sở Xây dựng")
    first = await ws.emu.click(OFFICIAL, OFFICIALS, card["message_id"], data)
    second = await ws.emu.click(OFFICIAL_2, OFFICIALS, card["message_id"], data)
    assert not (await ws.emu.wait_for_callback_answer(first)).get("show_alert")
    assert "Thẻ này đã cũ" in (await ws.emu.wait_for_callback_answer(second))["text"]
    await card_now(ws, card, lambda m: "(bởi Lan Trần)" in m["text"])
    await asyncio.sleep(0.2)
    assert len(worker_texts(ws, WORKER, "📌")) == 1


async def test_forged_and_malformed_card_data_change_nothing(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    other = await ws.ask(THIRD, Q_OTHER, topic="Thủ tục")
    await ws.card(other)
    version = (await ws.services.storage.get_question(case)).version
    other_version = (await ws.services.storage.get_question(other)).version
    before = {n: await ws.services.storage.get_question(n) for n in (case, other)}
    stale = ("c:abc", "c:1:x:dept:zz", "c:99999:1:reopen", "c:", "c:::", "c:-1:1:reopen",
             f"c:{case}:{version + 1}:dept:xd", f"c:{case}:{version - 1}:dept:xd",
             f"c:{other}:{other_version + 7}:dept:xd", f"c:{other}:0:rsn:unclear",
             f"c:{case}:{version}:nosuchaction", f"c:{case}:{version}:rsn:bogus",
             f"c:{case}:{version}:dept:zz",  # a department that does not exist
             "c:" + "9" * 40 + ":1:reopen", f"c:{case}:" + "9" * 40 + ":reopen",
             "c:²:1:reopen", f"c:{case}:²:reopen")
    for data in stale:
        answer = await forge(ws, OFFICIAL, card["message_id"], data)
        assert answer["show_alert"] and "Thẻ này đã cũ" in answer["text"], (data, answer)
    for data, expected in ((f"c:{case}:{version}:reopen", "không thay đổi"),
                           (f"c:{case}:{version}:pub", "Chỉ đăng được"),
                           (f"c:{case}:{version}:pubok", "Chỉ đăng được")):
        answer = await forge(ws, OFFICIAL, card["message_id"], data)
        assert answer["show_alert"] and expected in answer["text"], (data, answer)
    await asyncio.sleep(0.2)
    for n, question in before.items():
        assert await ws.services.storage.get_question(n) == question
    now = ws.emu.message(OFFICIALS, card["message_id"])
    assert now["text"] == card["text"] and labels(now) == labels(card)
    assert await ws.services.storage.kb_entry(f"case-{case}") is None
    for user in (WORKER, THIRD):
        assert not [m for m in ws.emu.bot_messages(user)
                    if m["text"][:1] in "📌↪🔁📬" or "Rất tiếc" in m["text"]]


async def test_case_numbers_must_be_plain_numbers(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(case)
    for text, expected in (("/case ²", "Cú pháp: /case"), ("/case 9999999999", "Cú pháp: /case"),
                           (f"/dup {case} ²", "Cú pháp: /dup"),
                           (f"/dup {case} 99999999999", "Cú pháp: /dup"),
                           ("/reopen #" + "9" * 30, "Cú pháp: /case")):
        reply = await command(ws, text, "Cú pháp")
        assert expected in reply["text"], (text, reply["text"])
    assert (await ws.services.storage.get_question(case)).status == "open"


# -- 3. editing an answer ----------------------------------------------------------------


async def test_editing_the_answer_sends_one_correction(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_ELECTRICITY)
    card = await ws.card(case)
    reply = await answered(ws, case, "Tối đa 3.000 đồng một số.")
    corrected = "Không quá giá bán lẻ điện bậc 3, khoảng 2.900 đồng một số."
    await ws.emu.edit_text(OFFICIAL, OFFICIALS, reply["message_id"], corrected)
    correction = await ws.emu.wait_for_bot_message(WORKER, lambda m: "✏️" in m["text"])
    assert f"#{case}" in correction["text"] and "chỉnh sửa" in correction["text"]
    assert corrected in correction["text"]
    await card_now(ws, card, lambda m: corrected in m["text"] and "3.000" not in m["text"])

    await ws.emu.edit_text(OFFICIAL, OFFICIALS, reply["message_id"], corrected)  # same text again
    await asyncio.sleep(0.3)
    assert len(worker_texts(ws, WORKER, "✏️")) == 1


async def test_every_different_edit_reaches_the_worker(ws: Harness) -> None:
    # Two quick edits (Telegram's edit_date has one-second resolution) must not
    # collapse into one: the worker must end up with the text the official sees.
    case = await ws.ask(WORKER, Q_ELECTRICITY)
    await ws.card(case)
    reply = await answered(ws, case, "Tối đa 3.000 đồng một số.")
    await ws.emu.edit_text(OFFICIAL, OFFICIALS, reply["message_id"], "Tối đa 3.500 đồng một số.")
    await ws.emu.wait_for_bot_message(WORKER, lambda m: "✏️" in m["text"] and "3.500" in m["text"])
    await ws.emu.edit_text(OFFICIAL, OFFICIALS, reply["message_id"], "Tối đa 2.900 đồng một số.")
    await ws.emu.wait_for_bot_message(WORKER, lambda m: "✏️" in m["text"] and "2.900" in m["text"],
                                      timeout=2)


# -- 4. "me too" ---------------------------------------------------------------------------


async def test_me_too_follows_and_gets_the_answer(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    offer = await ask_until_offer(ws, THIRD, Q_HOUSING_SIMILAR)
    assert "đang chờ trả lời" in offer["text"] and f"#{case}" in offer["text"]
    # The offer names the topic and quotes the worker's own words, never the other asker's.
    assert "Nhà ở công nhân" in offer["text"] and "1 người đang hỏi" in offer["text"]
    assert Q_HOUSING_SIMILAR in offer["text"] and Q_HOUSING not in offer["text"]
    assert labels(offer) == [f"👥 Cùng hỏi #{case}", "📨 Gửi câu hỏi riêng"]
    await ws.press(THIRD, offer, "Cùng hỏi")
    following = await ws.emu.wait_for_edit(THIRD, offer["message_id"],
                                           lambda m: "Bạn đã cùng hỏi" in m["text"])
    assert f"#{case}" in following["text"]
    await card_now(ws, card, lambda m: "👥 1 người cùng hỏi" in m["text"])

    after_third = ws.last_bot_id(THIRD)
    await answered(ws, case, A_HOUSING)
    delivered = await ws.answer_for(THIRD, case, after=after_third)
    assert A_HOUSING in delivered["text"]
    # No second case was created for the follower.
    assert len(await ws.services.storage.all_questions()) == 1


async def test_me_too_can_be_declined_and_is_never_offered_for_ones_own(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(case)
    own = await ask_until_offer(ws, WORKER, Q_HOUSING_SIMILAR)
    assert "đang chờ trả lời" not in own["text"] and not any("Cùng hỏi" in b for b in labels(own))

    offer = await ask_until_offer(ws, THIRD, Q_HOUSING_SIMILAR)
    await ws.press(THIRD, offer, "Gửi câu hỏi riêng")
    own_case = await send_on(ws, THIRD, offer["message_id"] - 1)
    assert own_case != case
    await ws.card(own_case)


@pytest.mark.parametrize(("text", "topic"), [
    # "Must the company build dormitories?" is not "may workers rent social housing?" (p=0.99).
    (Q_DORMITORY, "Nhà ở"),
    # Closing a social-insurance book, in another topic, shares only "xã hội" (p=0.91).
    (Q_CLOSE_BOOK, "Thủ tục"),
])
async def test_me_too_is_not_offered_for_a_different_question(ws: Harness, text: str,
                                                              topic: str) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(case)
    reply = await ask_until_offer(ws, THIRD, text, topic)
    assert "đang chờ trả lời" not in reply["text"], reply["text"]
    assert not any("Cùng hỏi" in label for label in labels(reply)), labels(reply)


# -- 5. follow-up --------------------------------------------------------------------------


async def test_follow_up_reopens_the_case_and_is_answered_in_place(ws: Harness) -> None:
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    after = ws.last_bot_id(WORKER)
    await ws.answer_by_reply(OFFICIAL, case, A_HOUSING)
    delivered = await ws.answer_for(WORKER, case, after=after)

    await ws.press(WORKER, delivered, "Hỏi thêm")
    prompt = await ws.emu.wait_for_bot_message(WORKER, lambda m: "câu hỏi thêm" in m["text"],
                                               after=delivered["message_id"])
    assert f"#{case}" in prompt["text"]
    followup = "Thu nhập bao nhiêu thì được coi là thu nhập thấp ạ?"
    after_groups = ws.last_bot_id(OFFICIALS)
    sent = await ws.say(WORKER, followup)
    assert "Đã gửi câu hỏi thêm" in sent["text"] and f"#{case}" in sent["text"]

    reopened = await card_now(ws, card,
                              lambda m: m["text"].startswith("📩") and "Hỏi thêm" in m["text"])
    assert "Hỏi thêm (lần 1)" in reopened["text"] and followup in reopened["text"]
    follow_card = await ws.emu.wait_for_bot_message(
        OFFICIALS, lambda m: m["text"].startswith("❓") and f"#{case}" in m["text"],
        after=after_groups)
    assert followup in follow_card["text"]
    assert follow_card["reply_to_message"]["message_id"] == card["message_id"]
    assert follow_card["message_thread_id"] == ws.thread  # type: ignore[attr-defined]
    assert len(await ws.services.storage.all_questions()) == 1  # the same case, not a new one
    for _ in range(100):  # linked to the case once Telegram confirmed the send
        if await ws.services.storage.question_for_card(str(OFFICIALS), follow_card["message_id"]):
            break
        await asyncio.sleep(0.01)

    after = ws.last_bot_id(WORKER)
    answer = "Dưới 15 triệu đồng mỗi tháng đối với người độc thân."
    await ws.emu.send_text(OFFICIAL_2, answer, chat_id=OFFICIALS,
                           reply_to=follow_card["message_id"],
                           thread_id=follow_card["message_thread_id"])
    second = await ws.answer_for(WORKER, case, after=after)
    assert answer in second["text"]
    closed = await card_now(ws, card, lambda m: m["text"].startswith("✅") and answer in m["text"])
    assert "Minh Lê" in closed["text"]


# -- 6. deadlines, nudges, digest ------------------------------------------------------------


async def test_overdue_case_is_nudged_once_even_across_a_restart(ws: Harness) -> None:
    # Asked on Friday 7 March 2025, 16:00: three working days are Mon, Tue, Wed,
    # so the case is due at the end of Wednesday 12 March (Thursday 00:00).
    control_clock(ws, datetime(2025, 3, 7, 16, 0, tzinfo=VN))
    case = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(case)
    assert "Hạn trả lời: hết thứ Tư 12/03/2025" in card["text"]
    jobs = await ws.ask(WORKER, Q_WAGE, topic="Việc làm")
    jobs_card = await ws.card(jobs)
    assert "Hạn trả lời: hết thứ Hai 10/03/2025" in jobs_card["text"]  # the topic's own 1 working day

    control_clock(ws, datetime(2025, 3, 10, 23, 59, tzinfo=VN))  # Monday: neither is late
    assert await ws.services.housekeeping.nudge_overdue() == 0
    # Wednesday 23:59: the jobs case (due Tuesday) is late, but answered before the tick;
    # the housing case is not late yet.
    control_clock(ws, datetime(2025, 3, 12, 23, 59, tzinfo=VN))
    await command(ws, f"/answer {jobs} Mức lương tối thiểu vùng I là 4.960.000 đồng.", f"#{jobs}")
    assert await ws.services.housekeeping.nudge_overdue() == 0

    control_clock(ws, datetime(2025, 3, 13, 0, 0, tzinfo=VN))
    after = ws.last_bot_id(OFFICIALS)
    assert await ws.services.housekeeping.nudge_overdue() == 1
    nudge = await ws.emu.wait_for_bot_message(OFFICIALS, lambda m: m["text"].startswith("⏰"),
                                              after=after)
    assert f"#{case}" in nudge["text"] and "quá hạn" in nudge["text"]
    assert "(hạn: hết thứ Tư 12/03/2025)" in nudge["text"]
    assert nudge["reply_to_message"]["message_id"] == card["message_id"]
    assert nudge["message_thread_id"] == ws.thread  # type: ignore[attr-defined]
    await card_now(ws, card, lambda m: "⚠️ Quá hạn (hạn: hết thứ Tư 12/03/2025)" in m["text"])

    await ws.services.housekeeping.tick()
    await ws.restart()
    control_clock(ws, datetime(2025, 3, 14, 9, 0, tzinfo=VN))
    await ws.services.housekeeping.tick()
    await asyncio.sleep(0.3)
    assert len([m for m in ws.emu.bot_messages(OFFICIALS) if m["text"].startswith("⏰")]) == 1
    audit = await command(ws, f"/case {case}", f"Lịch sử #{case}")
    assert "Hệ thống: nhắc quá hạn" in audit["text"]


async def test_digest_is_sent_once_a_day_even_across_a_restart(ws: Harness) -> None:
    first = await ws.ask(WORKER, Q_HOUSING)
    card = await ws.card(first)
    second = await ws.ask(THIRD, Q_OTHER, topic="Thủ tục")
    await ws.card(second)
    answered_case = await ws.ask(WORKER, Q_WAGE, topic="Việc làm")
    await ws.card(answered_case)
    await press_card(ws, OFFICIAL, card["message_id"], "Phân công")
    await card_now(ws, card, lambda m: "Sở Xây dựng" in labels(m))
    await press_card(ws, OFFICIAL, card["message_id"], "Sở Xây dựng")
    await command(ws, f"/answer {answered_case} Vùng I: 4.960.000 đồng.", f"#{answered_case}")

    def digests() -> list[dict[str, Any]]:
        return [m for m in ws.emu.bot_messages(OFFICIALS) if "Tổng hợp ngày" in m.get("text", "")]

    housekeeping = ws.services.housekeeping
    control_clock(ws, datetime(2025, 3, 10, 7, 59, tzinfo=VN))  # digest_hour is 8 by default
    assert not await housekeeping.digest_if_due()
    control_clock(ws, datetime(2025, 3, 10, 8, 0, tzinfo=VN))
    await housekeeping.tick()
    digest = await ws.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "Tổng hợp ngày 10/03/2025" in m["text"])
    text = digest["text"]
    assert "chờ trả lời: 2" in text and "đã trả lời: 1" in text
    assert "• Nhà ở công nhân: 1" in text and "• Thủ tục hành chính: 1" in text
    assert "• Sở Xây dựng: 1" in text and "• Chưa phân công: 1" in text
    assert f"#{first} · Nhà ở công nhân" in text and f"#{second} · Thủ tục hành chính" in text
    assert text.index(f"#{first} ·") < text.index(f"#{second} ·")  # oldest first

    control_clock(ws, datetime(2025, 3, 10, 9, 0, tzinfo=VN))
    await housekeeping.tick()
    await ws.restart()
    control_clock(ws, datetime(2025, 3, 10, 17, 0, tzinfo=VN))
    await ws.services.housekeeping.tick()
    await asyncio.sleep(0.3)
    assert len(digests()) == 1

    control_clock(ws, datetime(2025, 3, 11, 8, 5, tzinfo=VN))  # the next day has its own
    await ws.services.housekeeping.tick()
    await ws.emu.wait_for_bot_message(OFFICIALS, lambda m: "Tổng hợp ngày 11/03/2025" in m["text"])
    assert len(digests()) == 2


async def test_digest_queued_as_the_dispatcher_goes_idle_is_not_held_back(ws: Harness) -> None:
    # The delivery loop, with nothing to send, asks storage when the next row is
    # due and then sleeps (up to 5 s) unless woken. Here the digest is queued,
    # and the loop woken, exactly while it is asking: the wake-up must not be lost.
    case = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(case)
    control_clock(ws, datetime(2025, 3, 10, 8, 0, tzinfo=VN))
    storage = ws.services.storage
    look = storage.next_outbox_due
    raced: list[bool] = []

    async def next_due_while_the_digest_is_queued() -> float | None:
        due = await look()
        if not raced:
            raced.append(await ws.services.housekeeping.digest_if_due())
        return due

    storage.next_outbox_due = next_due_while_the_digest_is_queued  # type: ignore[method-assign]
    ws.services.outbox.wake()
    await ws.emu.wait_for_bot_message(OFFICIALS, lambda m: "Tổng hợp ngày 10/03/2025" in m["text"],
                                      timeout=2)
    assert raced == [True]


# -- 7. /stats -----------------------------------------------------------------------------


async def test_stats_sends_a_png_chart_with_the_counts(ws: Harness) -> None:
    answered_case = await ws.ask(WORKER, Q_HOUSING)
    await ws.card(answered_case)
    rejected = await ws.ask(THIRD, Q_OTHER, topic="Thủ tục")
    await ws.card(rejected)
    waiting = await ws.ask(WORKER, Q_WAGE, topic="Việc làm")
    await ws.card(waiting)
    after = ws.last_bot_id(WORKER)
    await ws.answer_by_reply(OFFICIAL, answered_case, A_HOUSING)
    delivered = await ws.answer_for(WORKER, answered_case, after=after)
    await ws.emu.wait_for_callback_answer(await ws.press(WORKER, delivered, "Hữu ích"))
    await command(ws, f"/reject {rejected} Ngoài phạm vi.", f"#{rejected}")

    refusal = await command(ws, "/stats", "Chỉ cán bộ", user=STRANGER)
    assert refusal

    after = ws.last_bot_id(OFFICIALS)
    await ws.emu.send_text(OFFICIAL, "/stats", chat_id=OFFICIALS)
    photo = await ws.emu.wait_for_bot_message(OFFICIALS, lambda m: "photo" in m, after=after,
                                              timeout=15)
    caption = photo["caption"]
    assert "Thống kê" in caption
    assert "Tổng số câu hỏi: 3" in caption
    assert "chờ trả lời: 1" in caption and "đã trả lời: 1" in caption and "từ chối: 1" in caption
    assert "Trả lời đúng hạn: 100%" in caption
    assert "👍 1 · 👎 0" in caption
    data = ws.emu.file_bytes(OFFICIALS, photo["message_id"])
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000
