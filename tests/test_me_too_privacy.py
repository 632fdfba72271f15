""""Me too" must not show strangers someone else's question (issue 15, finding 3).

The attack as reproduced: a worker asks, anonymously, a long question naming
herself, her phone, her workshop and her team leader. A stranger types a short
generic sentence whose words are all in hers; "me too" offered her question and
quoted it to him. Now the offer needs nearly the same wording both ways round,
and when it is offered it shows the case number, the topic and how many ask it,
under the stranger's own words: never the other person's.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.services.questions import SIMILAR_WORDING, wording_similarity
from tests.conftest import WORKER, Harness
from tests.test_zalo import HUNG, MAI, ZaloBot, zalo, zbot  # noqa: F401 - fixtures

STRANGER_ID = 1003
FOURTH = 1004

PERSONAL = ("Tôi là Nguyễn Thị Hoa, số điện thoại 0912 345 678, tổ may số 3 xưởng B công ty "
            "Hòa Phát, tổ trưởng Trần Văn Dũng nói công nhân thuê trọ không được thuê nhà ở xã "
            "hội, vậy công nhân khu công nghiệp có được thuê nhà ở xã hội không ạ?")
GENERIC = "Công nhân khu công nghiệp có được thuê nhà ở xã hội không ạ?"
PERSONAL_BITS = ("Nguyễn Thị Hoa", "0912", "Hòa Phát", "Trần Văn Dũng", "tổ may", "xưởng B")

# Nearly the same question; only the first names a company.
WITH_COMPANY = ("Công ty Hòa Phát có được trừ lương khi công nhân nghỉ ốm có giấy của bệnh viện "
                "không ạ?")
SAME_WITHOUT = "Công ty có được trừ lương khi công nhân nghỉ ốm có giấy của bệnh viện không ạ?"


async def ask_until_offer(bot: Harness, user: int, text: str, topic: str) -> dict[str, Any]:
    """/ask, type the text; returns the bot's answer to the text. "Me too" comes before the
    topic is asked, so `topic` (the one the worker means) is not chosen here."""
    prompt = await bot.say(user, "/ask")
    assert "Mời bạn gõ" in prompt["text"]
    return await bot.say(user, text)


def everything_seen(bot: Harness, user: int) -> str:
    return "\n".join(m.get("text") or "" for m in bot.emu.bot_messages(user))


@pytest.fixture
async def two(bot: Harness) -> Harness:
    bot.emu.add_user(STRANGER_ID, "Tuấn", last_name="Phạm", language_code="vi")
    bot.emu.add_user(FOURTH, "Hằng", last_name="Võ", language_code="vi")
    await bot.consent_all()
    return bot


def test_similarity_is_symmetric_and_a_subset_is_not_the_same_question() -> None:
    # rapidfuzz's token_set_ratio, used before, scores 100 whenever one side's words are
    # all in the other: the generic sentence "was" the personal question.
    assert wording_similarity(GENERIC, PERSONAL) == wording_similarity(PERSONAL, GENERIC)
    assert wording_similarity(GENERIC, PERSONAL) < SIMILAR_WORDING
    assert wording_similarity(SAME_WITHOUT, WITH_COMPANY) >= SIMILAR_WORDING
    # Accents, teencode and word order do not matter.
    assert wording_similarity("cty co dc tru luong khi nghi om co giay cua benh vien ko a",
                              SAME_WITHOUT) >= SIMILAR_WORDING


async def test_a_short_generic_sentence_does_not_find_a_long_personal_question(two: Harness) -> None:
    await two.ask(WORKER, PERSONAL, anonymous=True)
    reply = await ask_until_offer(two, STRANGER_ID, GENERIC, "Nhà ở")
    # Straight on to the topic: nothing was offered.
    assert "lĩnh vực nào" in reply["text"] and "Cùng hỏi" not in str(reply.get("buttons"))
    seen = everything_seen(two, STRANGER_ID)
    assert not [bit for bit in PERSONAL_BITS if bit in seen], seen


async def test_the_offer_shows_none_of_the_other_askers_words(two: Harness) -> None:
    case = await two.ask(WORKER, WITH_COMPANY, topic="Việc làm", anonymous=True)
    offer = await ask_until_offer(two, STRANGER_ID, SAME_WITHOUT, "Việc làm")
    assert f"👥 Cùng hỏi #{case}" in [b["text"] for b in offer["buttons"]]
    assert "Việc làm, thu nhập" in offer["text"] and "1 người đang hỏi" in offer["text"]
    assert SAME_WITHOUT in offer["text"]  # their own words, to compare
    assert "Hòa Phát" not in everything_seen(two, STRANGER_ID)

    await two.press(STRANGER_ID, offer, "Cùng hỏi")
    await two.emu.wait_for_edit(STRANGER_ID, offer["message_id"],
                                lambda m: "Bạn đã cùng hỏi" in m["text"])
    second = await ask_until_offer(two, FOURTH, "cty co dc tru luong khi nghi om co giay cua benh vien ko a",
                                   "Việc làm")
    assert "2 người đang hỏi" in second["text"] and "Hòa Phát" not in everything_seen(two, FOURTH)


async def test_on_zalo_the_offer_is_as_discreet(zbot: ZaloBot) -> None:  # noqa: F811
    await zbot.consent(HUNG, agree=False)  # declined: always anonymous
    await zbot.consent(MAI)
    assert "Mời bạn gõ" in (await zbot.say(HUNG, "hỏi"))["text"]
    topics = await zbot.say(HUNG, PERSONAL)
    assert "Nhà ở" in topics["text"]
    confirm = await zbot.say(HUNG, "nha o")
    assert "kiểm tra lại" in confirm["text"], confirm["text"]
    sent = await zbot.say(HUNG, "1")
    assert "Đã gửi câu hỏi" in sent["text"], sent["text"]

    await zbot.say(MAI, "hỏi")
    reply = await zbot.say(MAI, GENERIC)
    assert "lĩnh vực nào" in reply["text"] and "Cùng hỏi" not in reply["text"], reply["text"]
    seen = "\n".join(m["text"] for m in zbot.zalo.bot_messages(MAI))
    assert not [bit for bit in PERSONAL_BITS if bit in seen], seen

    # Nearly the same wording is offered, as numbered choices, without Hùng's words.
    await zbot.say(HUNG, "hỏi")
    await zbot.say(HUNG, WITH_COMPANY)
    await zbot.say(HUNG, "viec lam")
    sent = await zbot.say(HUNG, "ok")
    case = re.search(r"#(\d+)", sent["text"]).group(1)  # type: ignore[union-attr]
    await zbot.say(MAI, "hủy")
    await zbot.say(MAI, "hỏi")
    offer = await zbot.say(MAI, SAME_WITHOUT)
    assert f"1. 👥 Cùng hỏi #{case}" in offer["text"] and "1 người đang hỏi" in offer["text"], offer
    assert "Hòa Phát" not in "\n".join(m["text"] for m in zbot.zalo.bot_messages(MAI))
    following = await zbot.say(MAI, "1")
    assert f"Bạn đã cùng hỏi #{case}" in following["text"], following["text"]
