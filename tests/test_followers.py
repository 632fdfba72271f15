"""Followers, follow-ups and ratings end to end (issue 16, "Correctness").

A follower is someone who pressed "Cùng hỏi" or whose question was marked a
duplicate. They are told the question they asked too was answered, without the
other person's words; their 👍/👎 counts and /stats shows it as a follower's. A
follow-up's answer goes only to the asker, quoting the follow-up; the card keeps
every answer in order and /case names the asker who followed up. A 👎, with an
optional line saying why, reaches the officials under the card and in the digest;
the rating buttons change once pressed. "Me too" is offered after "Vẫn gửi" too.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from knowledge_base import Entry
from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness
from tests.test_zalo import HUNG, MAI, ZaloBot, zalo, zbot  # noqa: F401 - fixtures

FOLLOWER = 1003
THIRD = 1004

Q_ASKER = "Công ty nợ lương hai tháng rồi thì công nhân chúng tôi phải làm gì ạ?"
Q_SAME = "Cty nợ lương hai tháng rồi thì công nhân chúng tôi phải làm gì vậy ạ?"
Q_OTHER_WORDS = "Tiền lương tháng 9 và tháng 10 công ty chưa trả, tôi khiếu nại ở đâu?"
A_FIRST = "Bạn gửi đơn tới Công đoàn cơ sở; quá 30 ngày thì gửi Thanh tra lao động."
FOLLOWUP = "Nếu công ty không có công đoàn cơ sở thì gửi đơn ở đâu ạ?"
A_SECOND = "Khi đó bạn gửi đơn tới Liên đoàn Lao động cấp tỉnh."


@pytest.fixture
async def people(bot: Harness) -> Harness:
    bot.emu.add_user(FOLLOWER, "Tuấn", last_name="Phạm", language_code="vi")
    bot.emu.add_user(THIRD, "Hằng", last_name="Võ", language_code="vi")
    await bot.consent_all()
    return bot


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in message.get("buttons") or []]


async def reply_to_question(bot: Harness, user: int, text: str) -> dict[str, Any]:
    """/ask, then the question typed: the bot's answer to it (a suggestion, an offer, topics)."""
    await bot.say(user, "/ask")
    return await bot.say(user, text)


async def follow(bot: Harness, user: int, text: str, case: int) -> None:
    offer = await reply_to_question(bot, user, text)
    assert f"👥 Cùng hỏi #{case}" in labels(offer), offer
    await bot.press(user, offer, "Cùng hỏi")
    await bot.emu.wait_for_edit(user, offer["message_id"], lambda m: "Bạn đã cùng hỏi" in m["text"])


async def followup_card(bot: Harness, case: int) -> dict[str, Any]:
    return await bot.emu.wait_for_bot_message(
        OFFICIALS, lambda m: f"Hỏi thêm về #{case}" in m.get("text", "")
    )


async def case_history(bot: Harness, case: int) -> str:
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(OFFICIAL, f"/case {case}", chat_id=OFFICIALS)
    return (
        await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: "Lịch sử" in m["text"], after=after)
    )["text"]


# -- Telegram ------------------------------------------------------------------------------


async def test_a_follower_is_told_as_a_follower_rates_and_gets_no_follow_up_answer(
    people: Harness,
) -> None:
    bot = people
    case = await bot.ask(WORKER, Q_ASKER)
    await follow(bot, FOLLOWER, Q_SAME, case)

    watched = {u: bot.last_bot_id(u) for u in (WORKER, FOLLOWER)}
    await bot.answer_by_reply(OFFICIAL, case, A_FIRST)
    mine = await bot.answer_for(WORKER, case, after=watched[WORKER])
    theirs = await bot.answer_for(FOLLOWER, case, after=watched[FOLLOWER])
    assert f"Câu hỏi #{case} của bạn đã có câu trả lời" in mine["text"] and Q_ASKER in mine["text"]
    assert f"Câu hỏi bạn cùng hỏi (#{case}) đã được trả lời" in theirs["text"], theirs["text"]
    assert Q_ASKER not in theirs["text"] and "của bạn" not in theirs["text"]
    assert A_FIRST in theirs["text"]
    assert labels(theirs) == ["👍 Hữu ích", "👎 Chưa thỏa đáng"]  # no follow-up: not their case

    # The follower's 👍 counts, and the buttons then show it.
    thanks = await bot.emu.wait_for_callback_answer(await bot.press(FOLLOWER, theirs, "Hữu ích"))
    assert "Cảm ơn" in thanks["text"]
    rated = await bot.emu.wait_for_edit(
        FOLLOWER, theirs["message_id"], lambda m: "Bạn đã đánh giá" in str(labels(m))
    )
    assert labels(rated) == ["✅ Bạn đã đánh giá: 👍 Hữu ích"] and rated["text"] == theirs["text"]
    assert await bot.services.storage.follower_ratings() == (1, 0)
    assert (
        await bot.services.storage.get_question(case)
    ).rating is None  # the asker's own is apart
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(OFFICIAL, "/stats", chat_id=OFFICIALS)
    photo = await bot.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "photo" in m, after=after, timeout=15
    )
    assert "👍 0 · 👎 0" in photo["caption"]
    assert "Đánh giá của người cùng hỏi: 👍 1 · 👎 0" in photo["caption"]

    # The asker follows up: the answer goes to the asker only, quoting the follow-up.
    await bot.press(WORKER, mine, "Hỏi thêm")
    await bot.emu.wait_for_bot_message(WORKER, lambda m: "câu hỏi thêm" in m["text"])
    assert "Đã gửi câu hỏi thêm" in (await bot.say(WORKER, FOLLOWUP))["text"]
    card = await followup_card(bot, case)
    watched = {u: bot.last_bot_id(u) for u in (WORKER, FOLLOWER)}
    await bot.emu.send_text(
        OFFICIAL,
        A_SECOND,
        chat_id=OFFICIALS,
        reply_to=card["message_id"],
        thread_id=card.get("message_thread_id"),
    )
    second = await bot.answer_for(WORKER, case, after=watched[WORKER])
    assert f"Câu hỏi thêm của bạn về #{case} đã có câu trả lời" in second["text"], second["text"]
    assert (
        FOLLOWUP in second["text"] and A_SECOND in second["text"] and Q_ASKER not in second["text"]
    )
    main = await bot.emu.wait_for_edit(
        OFFICIALS, (await bot.card(case))["message_id"], lambda m: A_SECOND in m["text"]
    )
    # The card keeps every answer, in the order things happened.
    text = main["text"]
    assert text.index(A_FIRST) < text.index(FOLLOWUP) < text.index(A_SECOND), text
    assert [m for m in bot.emu.bot_messages(FOLLOWER) if m["message_id"] > watched[FOLLOWER]] == []

    # The history names the asker where they followed up, as where they asked.
    history = await case_history(bot, case)
    assert re.search(r"Hoa Nguyễn Thị: hỏi thêm", history), history
    assert "Ẩn danh: hỏi thêm" not in history


async def test_a_duplicate_asker_sees_their_own_words_and_a_dislike_reaches_the_officials(
    people: Harness,
) -> None:
    bot = people
    original = await bot.ask(WORKER, Q_ASKER)
    merged = await bot.ask(THIRD, Q_OTHER_WORDS, anonymous=True)
    await bot.card(merged)
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(OFFICIAL, f"/dup {merged} {original}", chat_id=OFFICIALS)
    await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: f"#{merged}" in m["text"], after=after)

    watched = bot.last_bot_id(THIRD)
    await bot.answer_by_reply(OFFICIAL, original, A_FIRST)
    theirs = await bot.answer_for(THIRD, original, after=watched)
    assert (
        f"Câu hỏi #{merged} của bạn trùng với câu hỏi #{original}, nay đã được trả lời"
        in theirs["text"]
    ), theirs["text"]
    assert Q_OTHER_WORDS in theirs["text"] and Q_ASKER not in theirs["text"]

    # 👎, then one line saying why: on the card, and under it where officials see it.
    await bot.press(THIRD, theirs, "Chưa thỏa đáng")
    why = await bot.emu.wait_for_bot_message(
        THIRD, lambda m: "chưa thỏa đáng ở điểm nào" in m["text"]
    )
    assert labels(why) == ["Bỏ qua"]
    await bot.emu.wait_for_edit(
        THIRD,
        theirs["message_id"],
        lambda m: labels(m) == ["✅ Bạn đã đánh giá: 👎 Chưa thỏa đáng"],
    )
    first_notice = await bot.emu.wait_for_bot_message(
        OFFICIALS, lambda m: m["text"].startswith(f"👎 #{original}")
    )
    card = await bot.card(original)
    assert first_notice["reply_to_message"]["message_id"] == card["message_id"]
    thanks = await bot.say(THIRD, "Tôi đã gửi Công đoàn cơ sở 40 ngày mà chưa có hồi âm")
    assert "đã được chuyển tới cán bộ" in thanks["text"]
    notice = await bot.emu.wait_for_bot_message(
        OFFICIALS, lambda m: "40 ngày" in m["text"] and m["text"].startswith("👎")
    )
    assert "Một người cùng hỏi chưa hài lòng" in notice["text"]
    assert notice["reply_to_message"]["message_id"] == card["message_id"]
    shown = await bot.emu.wait_for_edit(
        OFFICIALS, card["message_id"], lambda m: "40 ngày" in m["text"]
    )
    assert (
        "👎 Một người cùng hỏi chưa hài lòng: «Tôi đã gửi Công đoàn cơ sở 40 ngày" in shown["text"]
    )
    assert "Hằng" not in shown["text"] and "Hằng" not in notice["text"]
    assert await bot.services.storage.follower_ratings() == (0, 1)

    # The digest lists it.
    housekeeping = bot.services.housekeeping
    text = housekeeping.digest_text(
        await bot.services.storage.all_questions(),
        date(2026, 12, 4),
        await bot.services.storage.dislikes_since_last_digest(),
    )
    assert f"• #{original} · Một người cùng hỏi: «Tôi đã gửi Công đoàn cơ sở 40 ngày" in text, text


async def test_the_asker_may_skip_saying_why(people: Harness) -> None:
    bot = people
    case = await bot.ask(WORKER, Q_ASKER)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, A_FIRST)
    mine = await bot.answer_for(WORKER, case, after=after)
    await bot.press(WORKER, mine, "Chưa thỏa đáng")
    why = await bot.emu.wait_for_bot_message(WORKER, lambda m: "Bỏ qua" in labels(m))
    await bot.emu.wait_for_edit(
        WORKER,
        mine["message_id"],
        lambda m: labels(m) == ["✅ Bạn đã đánh giá: 👎 Chưa thỏa đáng", "❓ Hỏi thêm"],
    )
    await bot.press(WORKER, why, "Bỏ qua")
    skipped = await bot.emu.wait_for_edit(
        WORKER, why["message_id"], lambda m: "Cảm ơn bạn đã đánh giá" in m["text"]
    )
    assert labels(skipped) == ["❓ Hỏi thêm"]
    assert (await bot.services.storage.get_question(case)).rating == -1
    card = await bot.emu.wait_for_edit(
        OFFICIALS, (await bot.card(case))["message_id"], lambda m: "👎" in m["text"]
    )
    assert "👎 Người hỏi chưa hài lòng" in card["text"]
    history = await case_history(bot, case)
    assert "chưa hài lòng với câu trả lời (👎)" in history
    # Pressing the rating again changes nothing and does not ask why again.
    again = await bot.emu.wait_for_callback_answer(await bot.press(WORKER, mine, "Bạn đã đánh giá"))
    assert "Cảm ơn" in again["text"]
    asker = (await bot.services.storage.get_question(case)).user_id
    assert await bot.services.storage.get_draft(asker) is None
    assert len(await bot.services.storage.dislikes_of(case)) == 1


async def test_me_too_is_offered_after_declining_the_knowledge_base(people: Harness) -> None:
    bot = people
    await bot.services.knowledge.publish(
        [
            Entry(
                id="kb-wage",
                topic="jobs",
                question="Công ty nợ lương công nhân thì phải làm gì?",
                answer="Người lao động gửi đơn tới Công đoàn cơ sở hoặc Thanh tra lao động.",
            )
        ]
    )
    first = await reply_to_question(bot, WORKER, Q_ASKER)
    assert "📨 Vẫn gửi câu hỏi cho cán bộ" in labels(first), first
    case = await send_after_declining(bot, WORKER, first)
    await bot.card(case)

    suggestion = await reply_to_question(bot, FOLLOWER, Q_SAME)
    assert "📨 Vẫn gửi câu hỏi cho cán bộ" in labels(suggestion), suggestion
    await bot.press(FOLLOWER, suggestion, "Vẫn gửi")
    offer = await bot.emu.wait_for_bot_message(
        FOLLOWER, lambda m: "Cùng hỏi" in str(labels(m)), after=suggestion["message_id"]
    )
    assert labels(offer) == [f"👥 Cùng hỏi #{case}", "📨 Gửi câu hỏi riêng"]
    await bot.press(FOLLOWER, offer, "Cùng hỏi")
    await bot.emu.wait_for_edit(
        FOLLOWER, offer["message_id"], lambda m: "Bạn đã cùng hỏi" in m["text"]
    )
    assert [u.id for u in await bot.services.storage.followers_of(case)] != []


async def send_after_declining(bot: Harness, user: int, suggestion: dict[str, Any]) -> int:
    """ "Vẫn gửi" under a KB suggestion, then on to the case number."""
    await bot.press(user, suggestion, "Vẫn gửi")
    topics = await bot.emu.wait_for_bot_message(
        user, lambda m: "lĩnh vực nào" in m["text"], after=suggestion["message_id"]
    )
    await bot.press(user, topics, "Việc làm")
    confirm = await bot.emu.wait_for_edit(
        user, topics["message_id"], lambda m: "kiểm tra lại" in m["text"]
    )
    await bot.press(user, confirm, "Gửi kèm tên")
    sent = await bot.emu.wait_for_edit(user, topics["message_id"], lambda m: "Đã gửi" in m["text"])
    return int(re.search(r"#(\d+)", sent["text"]).group(1))  # type: ignore[union-attr]


# -- Zalo ----------------------------------------------------------------------------------


async def test_a_zalo_follower_is_told_as_a_follower_and_says_why_in_words(zbot: ZaloBot) -> None:  # noqa: F811
    await zbot.consent(HUNG)
    await zbot.consent(MAI)
    case = await zbot.ask(HUNG, Q_ASKER)
    offer = await zalo_reply_to_question(zbot, MAI, Q_SAME)
    assert f"1. 👥 Cùng hỏi #{case}" in offer["text"], offer["text"]
    assert "Bạn đã cùng hỏi" in (await zbot.say(MAI, "1"))["text"]

    after = zbot.zalo.last_bot_seq(MAI)
    await zbot.harness.answer_by_reply(OFFICIAL, case, A_FIRST)
    theirs = (await zbot.zalo.wait_for_bot_message(MAI, lambda m: "📬" in m["text"], after=after))[
        "text"
    ]
    assert f"Câu hỏi bạn cùng hỏi (#{case}) đã được trả lời" in theirs and Q_ASKER not in theirs
    assert "1. 👍 Hữu ích\n2. 👎 Chưa thỏa đáng" in theirs and "Hỏi thêm" not in theirs

    why = await zbot.say(MAI, "2", lambda m: "ở điểm nào" in m["text"])
    assert "1. Bỏ qua" in why["text"] and "nút" not in why["text"].lower()
    thanks = await zbot.say(MAI, "Chưa nói rõ phải gửi đơn trong bao lâu")
    assert "đã được chuyển tới cán bộ" in thanks["text"]
    card = await zbot.harness.card(case)
    shown = await zbot.harness.emu.wait_for_edit(
        OFFICIALS, card["message_id"], lambda m: "bao lâu" in m["text"]
    )
    assert "Một người cùng hỏi chưa hài lòng" in shown["text"] and "Mai" not in shown["text"]


async def zalo_reply_to_question(on: ZaloBot, user: str, text: str) -> dict[str, Any]:
    await on.say(user, "hỏi")
    return await on.say(user, text)
