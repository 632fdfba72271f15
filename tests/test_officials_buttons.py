"""Officials act with buttons where they used to type (issue 16, "Officials' friction").

🔁 offers the likely originals, ↪️ the departments and the authorities used lately, /kb N
its entries; each is a button on the same message (an edit: the group's sends are few),
with the typed command still there. "📚 Đăng vào kho" lets the official choose which
question/answer pair becomes the entry and edit either in a short step. The card says
which KB entry the asker saw and found not enough, and that entry is not sent back.

Everything is asserted on what officials and workers see in the emulated chats. The
emulator refuses callback_data over 64 bytes as Telegram does (BUTTON_DATA_INVALID),
so every keyboard the bot shows here was accepted under that limit.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from knowledge_base import Entry
from tests.conftest import OFFICIAL, OFFICIAL_2, OFFICIALS, STRANGER, WORKER, Harness
from tests.test_officials_workspace import (
    A_HOUSING,
    DEPARTMENTS,
    FOURTH,
    Q_DORMITORY,
    Q_ELECTRICITY,
    Q_HOUSING,
    THIRD,
    card_now,
    command,
    data_of,
    forge,
    labels,
    press_card,
)

AUTHORITY = "Ban Quản lý các khu công nghiệp tỉnh"
KB_QUESTION = "Công nhân khu công nghiệp thuê nhà ở xã hội cần điều kiện gì?"
# Put so that the KB's entry is no instant answer: the case reaches the officials.
IN_OTHER_WORDS = ("Vợ chồng em ở trọ lâu rồi, giờ muốn có chỗ ở ổn định của nhà nước hỗ trợ "
                  "thì nộp giấy tờ ở đâu?")
FOLLOW_UP = "Vậy hồ sơ nộp trực tuyến được không, hay phải lên Sở Xây dựng ạ?"
A_FOLLOW_UP = "Nộp trực tuyến được, qua Cổng dịch vụ công quốc gia, mục nhà ở xã hội."


@pytest.fixture
async def ob(emu, make_config) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    thread = emu.create_forum_topic(OFFICIALS, "Nhà ở")
    emu.add_user(THIRD, "Tuấn", last_name="Phạm", language_code="vi")
    emu.add_user(FOURTH, "Hằng", last_name="Võ", language_code="vi")
    config = make_config(
        topics=[{"key": "housing", "title": "Nhà ở công nhân", "thread_id": thread},
                {"key": "procedures", "title": "Thủ tục hành chính"}],
        departments=DEPARTMENTS,
        officials={"chat_id": OFFICIALS, "admin_user_ids": [OFFICIAL, OFFICIAL_2]},
    )
    harness = Harness(emu, config)
    await harness.start()
    yield harness
    await harness.stop()


def all_data(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for b in message.get("buttons", []) if b.get("callback_data")]


async def answer_case(bot: Harness, case: int, text: str, worker: int) -> dict[str, Any]:
    after = bot.last_bot_id(worker)
    await bot.answer_by_reply(OFFICIAL, case, text)
    return await bot.emu.wait_for_bot_message(
        worker, lambda m: "📬" in m["text"] and text in m["text"], after=after)


# -- 🔁 the likely originals ------------------------------------------------------------


async def test_duplicate_offers_the_likely_originals_as_buttons(ob: Harness) -> None:
    original = await ob.ask(WORKER, Q_HOUSING)
    await ob.card(original)
    await answer_case(ob, original, A_HOUSING, WORKER)
    other = await ob.ask(THIRD, Q_ELECTRICITY)
    await ob.card(other)
    repeat = await ob.ask(FOURTH, Q_DORMITORY)
    card = await ob.card(repeat)

    toast = await press_card(ob, OFFICIAL, card["message_id"], "Trùng lặp")
    assert not toast.get("show_alert") and f"/dup {repeat}" in toast["text"]  # typing still works
    menu = await card_now(ob, card, lambda m: "Quay lại" in " ".join(labels(m)))
    assert menu["text"] == card["text"]  # the keyboard changes, nothing else
    assert labels(menu)[0].startswith(f"✅ #{original} · Công nhân ở khu công nghiệp")
    assert f"#{repeat} " not in " ".join(labels(menu))  # never itself

    after = ob.last_bot_id(FOURTH)
    chosen = await press_card(ob, OFFICIAL, card["message_id"], f"#{original} ")
    assert not chosen.get("show_alert")
    marked = await card_now(ob, card, lambda m: m["text"].startswith("🔁"))
    assert f"Trùng với: #{original}" in marked["text"] and labels(marked) == ["🔄 Mở lại"]
    # Already answered: the asker of the repeat gets that answer at once.
    delivered = await ob.emu.wait_for_bot_message(FOURTH, lambda m: A_HOUSING in m["text"], after=after)
    assert f"#{original}" in delivered["text"]


async def test_duplicate_buttons_refuse_forged_and_stale_choices(ob: Harness) -> None:
    first = await ob.ask(WORKER, Q_HOUSING)
    await ob.card(first)
    case = await ob.ask(FOURTH, Q_DORMITORY)
    card = await ob.card(case)
    version = (await ob.services.storage.get_question(case)).version

    for data, expect in [(f"c:{case}:{version}:dupof:99999", "Không tìm thấy câu hỏi #99999"),
                         (f"c:{case}:{version}:dupof:{case}", "chính nó"),
                         (f"c:{case}:{version}:dupof:x", "Thẻ này đã cũ"),
                         (f"c:{case}:{version}:dupof:", "Thẻ này đã cũ"),
                         (f"c:{case}:{version + 1}:dupof:{first}", "Thẻ này đã cũ")]:
        answer = await forge(ob, OFFICIAL, card["message_id"], data)
        assert answer["show_alert"] and expect in answer["text"], (data, answer)
    stranger = await forge(ob, STRANGER, card["message_id"], f"c:{case}:{version}:dupof:{first}")
    assert stranger["show_alert"] and "Chỉ cán bộ" in stranger["text"]
    assert (await ob.services.storage.get_question(case)).status == "open"


# -- ↪️ departments and recent authorities ---------------------------------------------------


async def test_forward_offers_departments_and_recent_authorities(ob: Harness) -> None:
    earlier = await ob.ask(WORKER, Q_HOUSING)
    await ob.card(earlier)
    await command(ob, f"/forward {earlier} {AUTHORITY}", f"#{earlier}")

    case = await ob.ask(THIRD, Q_ELECTRICITY)
    card = await ob.card(case)
    toast = await press_card(ob, OFFICIAL, card["message_id"], "Chuyển cơ quan")
    assert not toast.get("show_alert") and f"/forward {case}" in toast["text"]
    menu = await card_now(ob, card, lambda m: f"🕘 {AUTHORITY}" in labels(m))
    assert labels(menu) == [f"↪️ {d['name']}" for d in DEPARTMENTS] + [f"🕘 {AUTHORITY}", "◀️ Quay lại"]

    after = ob.last_bot_id(THIRD)
    await press_card(ob, OFFICIAL, card["message_id"], f"🕘 {AUTHORITY}")
    forwarded = await card_now(ob, card, lambda m: m["text"].startswith("↪️"))
    assert f"Đã chuyển tới: {AUTHORITY}" in forwarded["text"]
    told = await ob.emu.wait_for_bot_message(THIRD, lambda m: "↪️" in m["text"], after=after)
    assert AUTHORITY in told["text"]

    # A department, by its button.
    third = await ob.ask(FOURTH, Q_DORMITORY)
    third_card = await ob.card(third)
    await press_card(ob, OFFICIAL, third_card["message_id"], "Chuyển cơ quan")
    await card_now(ob, third_card, lambda m: "↪️ Sở Xây dựng" in labels(m))
    await press_card(ob, OFFICIAL, third_card["message_id"], "↪️ Sở Xây dựng")
    await card_now(ob, third_card, lambda m: "Đã chuyển tới: Sở Xây dựng" in m["text"])


async def test_forward_buttons_refuse_forged_data(ob: Harness) -> None:
    case = await ob.ask(WORKER, Q_HOUSING)
    card = await ob.card(case)
    version = (await ob.services.storage.get_question(case)).version
    for data in (f"c:{case}:{version}:fwdd:khongco", f"c:{case}:{version}:fwdr:0123456789",
                 f"c:{case}:{version}:fwdr:", f"c:{case}:{version}:fwdd"):
        answer = await forge(ob, OFFICIAL, card["message_id"], data)
        assert answer["show_alert"] and "Thẻ này đã cũ" in answer["text"], data
    assert (await ob.services.storage.get_question(case)).status == "open"


# -- /kb N: the entries as buttons -------------------------------------------------------------


async def test_kb_results_are_buttons_that_answer_with_the_entry(ob: Harness) -> None:
    long_id = "kb-" + "x" * 60  # its button's data would pass 64 bytes: listed, typed only
    await ob.services.knowledge.publish([
        Entry("kb-noxh", "housing", KB_QUESTION, A_HOUSING),
        Entry(long_id, "housing", "Công nhân thuê nhà ở xã hội nộp hồ sơ ở đâu?", A_HOUSING)])
    case = await ob.ask(WORKER, IN_OTHER_WORDS)
    card = await ob.card(case)

    listing = await command(ob, f"/kb {case}", "kb-noxh")
    assert f"/kb {case}" in listing["text"] and long_id in listing["text"]
    assert any(label.startswith("📚 kb-noxh · Công nhân khu công nghiệp") for label in labels(listing))
    assert not any(long_id in label for label in labels(listing))
    assert all(len(data.encode()) <= 64 for data in all_data(listing))

    after = ob.last_bot_id(WORKER)
    pressed = await press_card(ob, OFFICIAL, listing["message_id"], "kb-noxh")
    assert not pressed.get("show_alert")
    delivered = await ob.answer_for(WORKER, case, after=after)
    assert A_HOUSING in delivered["text"]
    done = await ob.emu.wait_for_edit(OFFICIALS, listing["message_id"], lambda m: not m.get("buttons"))
    assert f"Đã trả lời #{case} bằng mục kb-noxh" in done["text"]
    await card_now(ob, card, lambda m: m["text"].startswith("✅"))

    # The same list pressed again (or forged with the old version) answers nothing twice.
    again = await forge(ob, OFFICIAL, listing["message_id"], data_of(listing, "kb-noxh"))
    assert again["show_alert"] and "Thẻ này đã cũ" in again["text"]
    await asyncio.sleep(0.2)
    assert len([m for m in ob.emu.bot_messages(WORKER) if "📬" in m["text"]]) == 1


# -- the KB entry the asker saw and declined -----------------------------------------------------


async def ask_past_the_kb(bot: Harness, user: int, text: str, topic: str = "Nhà ở") -> int:
    """Ask as a worker who is shown a KB entry and sends the question anyway; the steps are
    taken in whatever order the bot asks (topic, KB suggestion, name, confirmation)."""
    start = bot.last_bot_id(user)
    await bot.emu.send_text(user, "/ask")
    typed = False
    pressed: set[tuple[int, str]] = set()
    for _ in range(40):
        await asyncio.sleep(0.05)
        messages = [m for m in bot.emu.bot_messages(user) if m["message_id"] > start]
        for message in reversed(messages):
            sent = re.search(r"#(\d+)", message.get("text") or "")
            if sent and not message.get("buttons") and "Đã gửi câu hỏi" in message["text"]:
                return int(sent.group(1))
        if not messages:
            continue
        latest = messages[-1]
        names = labels(latest)
        choice = next((label for wanted in ("Vẫn gửi", topic, "Gửi kèm tên", "kèm tên", "Gửi câu hỏi")
                       for label in names if wanted in label), None)
        if choice is not None and (latest["message_id"], choice) not in pressed:
            pressed.add((latest["message_id"], choice))
            await bot.emu.click_button(user, user, latest["message_id"], choice)
        elif not typed and choice is None:
            typed = True
            await bot.emu.send_text(user, text)
    raise AssertionError([m.get("text") for m in bot.emu.bot_messages(user)][-5:])


async def test_the_card_names_the_declined_entry_and_it_is_not_sent_back(ob: Harness) -> None:
    await ob.services.knowledge.publish([Entry("kb-noxh", "housing", KB_QUESTION, A_HOUSING)])
    case = await ask_past_the_kb(ob, WORKER, KB_QUESTION)
    card = await ob.card(case)
    assert "Người hỏi đã xem mục kb-noxh" in card["text"] and "thấy chưa đủ" in card["text"]
    assert "Công nhân khu công nghiệp thuê nhà ở xã hội" in card["text"]

    listing = await command(ob, f"/kb {case}", "kb-noxh")
    assert "Không gợi ý lại mục kb-noxh" in listing["text"]
    assert not any("kb-noxh" in label for label in labels(listing))
    refused = await command(ob, f"/kb {case} kb-noxh", "thấy chưa đủ")
    assert "không gửi lại" in refused["text"]
    version = (await ob.services.storage.get_question(case)).version
    forged = await forge(ob, OFFICIAL, card["message_id"], f"c:{case}:{version}:kb:kb-noxh")
    assert forged["show_alert"] and "thấy chưa đủ" in forged["text"]
    await asyncio.sleep(0.2)
    assert not [m for m in ob.emu.bot_messages(WORKER) if "📬" in m["text"]]
    assert (await ob.services.storage.get_question(case)).status == "open"


async def test_a_question_sent_without_a_kb_suggestion_names_no_entry(ob: Harness) -> None:
    case = await ob.ask(WORKER, Q_HOUSING)
    card = await ob.card(case)
    assert "đã xem mục" not in card["text"]


# -- the card's own words ------------------------------------------------------------------


async def test_the_card_says_how_to_answer(ob: Harness) -> None:
    case = await ob.ask(WORKER, Q_HOUSING)
    card = await ob.card(case)
    assert f"Cách trả lời: bấm Trả lời vào tin này, hoặc gõ /answer {case} ‹nội dung›" in card["text"]
    assert re.search(r"Hạn trả lời: hết (thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ nhật) \d\d/\d\d/\d{4}",
                     card["text"]), card["text"]


# -- 📚 publishing: which pair, edited in two short steps ------------------------------------------


async def follow_up_answered(bot: Harness) -> tuple[int, dict[str, Any]]:
    """A case answered, followed up by its asker, and the follow-up answered."""
    case = await bot.ask(WORKER, Q_HOUSING)
    card = await bot.card(case)
    answered = await answer_case(bot, case, A_HOUSING, WORKER)
    await bot.press(WORKER, answered, "Hỏi thêm")
    await bot.emu.wait_for_bot_message(WORKER, lambda m: "hỏi thêm" in m["text"].lower(),
                                       after=answered["message_id"])
    await bot.say(WORKER, FOLLOW_UP)
    await card_now(bot, card, lambda m: m["text"].startswith("📩"))
    after = bot.last_bot_id(WORKER)
    await command(bot, f"/answer {case} {A_FOLLOW_UP}", f"#{case}")
    await bot.emu.wait_for_bot_message(WORKER, lambda m: A_FOLLOW_UP in m["text"], after=after)
    card = await card_now(bot, card, lambda m: m["text"].startswith("✅") and "Đăng vào kho" in " ".join(labels(m)))
    return case, card


async def test_publish_chooses_the_pair_and_never_mixes_them(ob: Harness) -> None:
    case, card = await follow_up_answered(ob)
    after = ob.last_bot_id(OFFICIALS)
    await press_card(ob, OFFICIAL, card["message_id"], "Đăng vào kho")
    preview = await ob.emu.wait_for_bot_message(OFFICIALS, lambda m: "Xem trước" in m["text"], after=after)
    # The case's own question with its own answer, not the follow-up's.
    assert Q_HOUSING in preview["text"] and A_HOUSING in preview["text"]
    assert A_FOLLOW_UP not in preview["text"]
    assert "✔️ ❓ Câu hỏi gốc" in labels(preview) and "❓ Hỏi thêm lần 1" in labels(preview)

    await press_card(ob, OFFICIAL, preview["message_id"], "Hỏi thêm lần 1")
    chosen = await ob.emu.wait_for_edit(OFFICIALS, preview["message_id"],
                                        lambda m: "✔️ ❓ Hỏi thêm lần 1" in labels(m))
    assert FOLLOW_UP in chosen["text"] and A_FOLLOW_UP in chosen["text"]
    assert A_HOUSING not in chosen["text"]

    done = await press_card(ob, OFFICIAL, preview["message_id"], "✅ Đăng vào kho")
    assert f"case-{case}-1" in done["text"]
    entry = await ob.services.storage.kb_entry(f"case-{case}-1")
    assert entry is not None and (entry.question, entry.answer) == (FOLLOW_UP, A_FOLLOW_UP)
    # The case's own pair is not published by that, and is still on offer.
    assert await ob.services.storage.kb_entry(f"case-{case}") is None

    # Typed, a case with two answered questions gets the same choice, not a guess.
    typed = await command(ob, f"/publish {case}", "Xem trước")
    assert "✔️ ❓ Câu hỏi gốc" in labels(typed)
    await press_card(ob, OFFICIAL, typed["message_id"], "✅ Đăng vào kho")
    await card_now(ob, card, lambda m: "Đã đăng vào kho giải đáp" in m["text"])
    own = await ob.services.storage.kb_entry(f"case-{case}")
    assert own is not None and (own.question, own.answer) == (Q_HOUSING, A_HOUSING)


async def test_publish_edits_the_question_and_the_answer_in_two_short_steps(ob: Harness) -> None:
    case = await ob.ask(WORKER, Q_ELECTRICITY)
    card = await ob.card(case)
    await answer_case(ob, case, "Không quá giá bán lẻ bậc 3.", WORKER)
    await card_now(ob, card, lambda m: "Đăng vào kho" in " ".join(labels(m)))
    after = ob.last_bot_id(OFFICIALS)
    await press_card(ob, OFFICIAL, card["message_id"], "Đăng vào kho")
    preview = await ob.emu.wait_for_bot_message(OFFICIALS, lambda m: "Xem trước" in m["text"], after=after)
    assert "Câu hỏi gốc" not in " ".join(labels(preview))  # one pair: nothing to choose

    # A reply before ✏️ is no answer to the case and changes nothing.
    worker_after = ob.last_bot_id(WORKER)
    await ob.emu.send_text(OFFICIAL, "Nhầm tin", chat_id=OFFICIALS, reply_to=preview["message_id"])
    await ob.emu.wait_for_bot_message(OFFICIALS, lambda m: "bấm ✏️" in m["text"],
                                      after=preview["message_id"])

    question = "Chủ nhà trọ được thu tiền điện của công nhân tối đa bao nhiêu?"
    await press_card(ob, OFFICIAL, preview["message_id"], "Sửa câu hỏi")
    await ob.emu.wait_for_edit(OFFICIALS, preview["message_id"], lambda m: "gõ câu hỏi đã sửa" in m["text"])
    await ob.emu.send_text(OFFICIAL, question, chat_id=OFFICIALS, reply_to=preview["message_id"])
    await ob.emu.wait_for_edit(OFFICIALS, preview["message_id"],
                               lambda m: f"Hỏi (đã sửa): {question}" in m["text"])

    answer = "Không quá giá bán lẻ điện bậc 3 (Thông tư 16/2014/TT-BCT), kể cả khi thuê dài hạn."
    await press_card(ob, OFFICIAL_2, preview["message_id"], "Sửa câu trả lời")
    await ob.emu.wait_for_edit(OFFICIALS, preview["message_id"], lambda m: "gõ câu trả lời đã sửa" in m["text"])
    await ob.emu.send_text(OFFICIAL_2, answer, chat_id=OFFICIALS, reply_to=preview["message_id"])
    edited = await ob.emu.wait_for_edit(OFFICIALS, preview["message_id"],
                                        lambda m: f"Đáp (đã sửa): {answer}" in m["text"])
    assert f"Hỏi (đã sửa): {question}" in edited["text"]

    await press_card(ob, OFFICIAL, preview["message_id"], "✅ Đăng vào kho")
    entry = await ob.services.storage.kb_entry(f"case-{case}")
    assert entry is not None and (entry.question, entry.answer) == (question, answer)
    await asyncio.sleep(0.2)
    assert not [m for m in ob.emu.bot_messages(WORKER)
                if m["message_id"] > worker_after and "📬" in m["text"]]  # no answer went out


async def test_preview_buttons_refuse_forged_data(ob: Harness) -> None:
    case = await ob.ask(WORKER, Q_HOUSING)
    card = await ob.card(case)
    await answer_case(ob, case, A_HOUSING, WORKER)
    await card_now(ob, card, lambda m: "Đăng vào kho" in " ".join(labels(m)))
    after = ob.last_bot_id(OFFICIALS)
    await press_card(ob, OFFICIAL, card["message_id"], "Đăng vào kho")
    preview = await ob.emu.wait_for_bot_message(OFFICIALS, lambda m: "Xem trước" in m["text"], after=after)
    version = (await ob.services.storage.get_question(case)).version
    for data in (f"c:{case}:{version}:pubp:7", f"c:{case}:{version}:pubp:x",
                 f"c:{case}:{version}:pube:z", f"c:{case}:{version}:pube"):
        answer = await forge(ob, OFFICIAL, preview["message_id"], data)
        assert answer["show_alert"], data
    # The card is no preview: its buttons cannot be turned into one.
    answer = await forge(ob, OFFICIAL, card["message_id"], f"c:{case}:{version}:pube:q")
    assert answer["show_alert"] and "đã cũ" in answer["text"]
    assert await ob.services.storage.kb_entry(f"case-{case}") is None
