"""Every text the bot sends fits Telegram's limits as Telegram counts them (issue 14, item 7).

Telegram's Bot API, sendMessage: "Text of the message to be sent, 1-4096 characters
after entities parsing"; sendPhoto/sendDocument: "Photo caption ..., 0-1024 characters
after entities parsing". The characters are counted in UTF-16 code units, as the
MessageEntity documentation says of offsets and lengths ("Telegram uses UTF-16 code
units"): an emoji such as 😀 (U+1F600) counts 2. A message over the limit is refused
with 400 "Bad Request: message is too long" (the emulator answers the same, measuring
with bot/sandbox/html_entities.py after parsing the HTML).

The reported bug: a question full of emoji made the answered card's edit too long,
so the card kept showing "chờ trả lời" forever.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Catalog
from bot.models import Question
from bot.sandbox.html_entities import parse_html, strip_text, utf16_len
from bot.services.cards import CardRenderer
from bot.services.text import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    fit_html,
    pack_lines,
    shorten,
    split_text,
    utf16_length,
)
from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Text as workers type it: Vietnamese, emoji (one and two UTF-16 units, flags of two
# code points), markup characters that must be escaped, line breaks, anything else.
CHARACTERS = st.one_of(
    st.sampled_from(list("aăâđêôơư ạảãáàệữ😀👍🏠🇻🇳❤️<>&\"'\n ")),
    st.characters(blacklist_categories=("Cs", "Cc")),
)
TEXTS = st.text(CHARACTERS, max_size=400)
TAGS = ("b", "i", "u", "s", "code", "blockquote", "tg-spoiler")


def telegram_length(markup: str) -> int:
    """What Telegram counts for an HTML text: parsed, trimmed, in UTF-16 code units."""
    text, entities = parse_html(markup)
    return utf16_len(strip_text(text, entities)[0])


def visible(markup: str) -> str:
    return parse_html(markup)[0]


# -- cutting by Telegram's measure (pure functions) ---------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, limit=st.integers(min_value=1, max_value=500))
def test_shorten_fits_as_telegram_counts_and_keeps_a_prefix(text: str, limit: int) -> None:
    cut = shorten(text, limit)
    markup = html.escape(cut, quote=False)  # as the catalog fills it in
    assert telegram_length(markup) <= limit
    assert utf16_len(visible(markup)) <= limit
    if utf16_len(text) <= limit:
        assert cut == text
    else:
        assert cut.endswith("…")
        assert text.startswith(cut[:-1])  # never half a surrogate pair: cut is a str prefix


def test_shorten_counts_an_emoji_as_two() -> None:
    assert shorten("😀" * 10, 10) == "😀" * 4 + "…"  # 8 units + 1
    assert shorten("a😀", 2) == "a…"  # the emoji does not fit in the one unit left
    assert shorten("😀" * 5, 10) == "😀" * 5


@st.composite
def html_messages(draw: st.DrawFn) -> str:
    """Markup as the catalog builds it: escaped text in (sometimes nested) Telegram tags."""
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        text = html.escape(draw(TEXTS), quote=False)
        tags = draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))
        if "code" in tags:
            tags = ["code"]  # Telegram keeps no entity inside code
        for tag in tags:
            text = f"<{tag}>{text}</{tag}>"
        parts.append(text)
    return draw(st.sampled_from(["", "\n", " "])).join(parts)


@settings(max_examples=300, deadline=None)
@given(markup=html_messages(), limit=st.integers(min_value=1, max_value=600))
def test_fit_html_fits_stays_valid_and_keeps_a_prefix(markup: str, limit: int) -> None:
    fitted = fit_html(markup, limit)
    original = visible(markup)
    shown = visible(fitted)  # parse_html raises if a tag or a reference was broken
    assert utf16_len(shown) <= limit
    if utf16_len(original) <= limit:
        assert fitted == markup
    else:
        assert shown.endswith("…")
        assert original.startswith(shown[:-1])


def test_fit_html_never_splits_a_reference_or_a_pair() -> None:
    markup = "<b>a&amp;b</b> 😀😀 <i>x&lt;y</i>"
    assert fit_html(markup, 3) == "<b>a&amp;…</b>"
    assert fit_html(markup, 7) == "<b>a&amp;b</b> 😀…"
    assert fit_html(markup, 6) == "<b>a&amp;b</b>…"  # half an emoji would not do


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(html_messages(), min_size=1, max_size=12),
       limit=st.integers(min_value=200, max_value=900))
def test_pack_lines_fills_messages_without_losing_a_line(lines: list[str], limit: int) -> None:
    messages = pack_lines(lines, limit)
    assert all(utf16_len(visible(message)) <= limit for message in messages)
    if all(utf16_len(visible(line)) <= limit for line in lines):
        assert "\n".join(messages) == "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(text=TEXTS.map(lambda t: t * 12), first=st.integers(2, 700), later=st.integers(2, 700))
def test_split_text_pieces_fit_and_lose_nothing(text: str, first: int, later: int) -> None:
    pieces = split_text(text, first, later)
    assert utf16_length(pieces[0]) <= first
    assert all(utf16_length(piece) <= later for piece in pieces[1:])
    assert "".join("".join(piece.split()) for piece in pieces) == "".join(text.split())


def test_a_long_case_history_comes_in_several_messages() -> None:
    renderer = CardRenderer(Catalog("vi"), "vi", "Asia/Ho_Chi_Minh", [])
    question = Question(id=7, user_id=1, topic="housing", text="?", anonymous=True,
                        asker_name=None, status="open", rating=None, created_at=0.0,
                        answered_at=None)
    moment = datetime(2026, 12, 4, 9, tzinfo=VN).timestamp()
    events = [(f"Cán bộ {n} 😀", "rejected", f"Lý do {n}: " + "😀🏠 " * 80, moment + n)
              for n in range(60)]
    pages = renderer.audit(question, events)
    assert len(pages) > 1
    assert all(telegram_length(page) <= MESSAGE_LIMIT for page in pages)
    assert pages[0].startswith("<b>Lịch sử #7</b>")
    assert all(page.startswith("<b>Lịch sử #7</b> (chờ trả lời, tiếp theo):") for page in pages[1:])
    shown = "\n".join(visible(page) for page in pages)
    assert [int(n) for n in re.findall(r"Cán bộ (\d+) 😀", shown)] == list(range(60))


# -- end to end: the reported bug ------------------------------------------------------------

# Close to the 2,000-character limit for a question, mostly emoji: 1,990 characters,
# 3,919 UTF-16 units. (A Telegram message a worker sends holds 4,096 units.)
EMOJI_QUESTION = ("Cho em hỏi tiền thuê nhà trọ có được hỗ trợ không ạ " + "😀" * 1929
                  + " cảm ơn ạ")
PARAGRAPH = ("Theo Nghị định 100/2024/NĐ-CP, công nhân khu công nghiệp được thuê nhà ở xã hội 🏠 "
             "nếu thu nhập không quá 15 triệu đồng một tháng; hồ sơ nộp tại Sở Xây dựng. ✅")
LONG_ANSWER = "\n\n".join(f"{n}. {PARAGRAPH}" for n in range(1, 25))


def sent_texts(bot: Harness) -> list[tuple[str, str, bool]]:
    """(method, HTML, is a caption) of every text the bot asked Telegram to show."""
    found = []
    for method, params in bot.emu.requests:
        name = method.lower()
        if name in ("sendmessage", "editmessagetext") and "text" in params:
            found.append((name, str(params["text"]), False))
        elif params.get("caption"):
            found.append((name, str(params["caption"]), True))
    return found


def answer_pieces(messages: list[dict[str, Any]]) -> str:
    """The answer as the worker read it, from its first message and the ones continuing it."""
    pieces = []
    for message in messages:
        text = message["text"]
        pieces.append(text.split("Trả lời:\n", 1)[1] if "Trả lời:\n" in text
                      else text.split("(tiếp theo)\n", 1)[1])
    return "".join(pieces)


async def test_an_emoji_question_gets_its_answered_card_and_the_whole_answer(bot: Harness) -> None:
    assert len(EMOJI_QUESTION) == 1990 and utf16_len(EMOJI_QUESTION) == 3919
    assert utf16_len(LONG_ANSWER) <= MESSAGE_LIMIT  # the official can send it in one message
    case = await bot.ask(WORKER, EMOJI_QUESTION)
    card = await bot.card(case)
    assert "chờ trả lời" in card["text"]
    assert "😀" * 100 in card["text"]

    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, LONG_ANSWER)

    answered = await bot.emu.wait_for_edit(
        OFFICIALS, card["message_id"], lambda m: m["text"].startswith("✅"))
    assert "chờ trả lời" not in answered["text"] and "đã trả lời" in answered["text"]
    assert "Lan Trần" in answered["text"] and "1. Theo Nghị định 100/2024" in answered["text"]
    assert utf16_len(answered["text"]) <= MESSAGE_LIMIT

    first = await bot.answer_for(WORKER, case, after=after)
    assert "Bạn hỏi:" in first["text"] and "😀" * 50 in first["text"]
    await bot.emu.wait_for_bot_message(WORKER, lambda m: "24. Theo Nghị định" in m["text"],
                                       after=after)
    messages = [m for m in bot.emu.bot_messages(WORKER)
                if m["message_id"] > after and f"#{case}" in m["text"] and "📬" in m["text"]]
    assert len(messages) >= 2
    assert "".join(answer_pieces(messages).split()) == "".join(LONG_ANSWER.split())
    assert [b["text"] for b in messages[-1].get("buttons", [])][:2] == ["👍 Hữu ích",
                                                                        "👎 Chưa thỏa đáng"]

    # The publish preview quotes the question and the answer: it fits too.
    press = await bot.emu.click_button(OFFICIAL, OFFICIALS, card["message_id"], "Đăng vào kho")
    await bot.emu.wait_for_callback_answer(press)
    preview = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: "Xem trước" in m["text"])
    assert f"/publish {case}" in preview["text"] and "😀" * 50 in preview["text"]

    # /case quotes nothing long, but it is one more text the bot composes.
    await bot.emu.send_text(OFFICIAL, f"/case {case}", chat_id=OFFICIALS)
    await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: f"Lịch sử #{case}" in m["text"])

    for method, markup, caption in sent_texts(bot):
        limit = CAPTION_LIMIT if caption else MESSAGE_LIMIT
        assert telegram_length(markup) <= limit, (method, markup[:200])


async def test_a_follow_up_full_of_emoji_reaches_the_officials(bot: Harness) -> None:
    case = await bot.ask(WORKER, "Cho em hỏi về tiền điện ở khu nhà trọ công nhân ạ?")
    card = await bot.card(case)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Giá điện cho người thuê trọ tính theo giá bậc 3.")
    delivered = await bot.answer_for(WORKER, case, after=after)
    await bot.emu.wait_for_callback_answer(await bot.press(WORKER, delivered, "Hỏi thêm"))
    await bot.emu.wait_for_bot_message(WORKER, lambda m: "Mời bạn gõ câu hỏi thêm" in m["text"])
    followup = "Chủ trọ vẫn thu 4 nghìn một số thì sao ạ " + "😡" * 1940
    assert len(followup) <= 2000
    await bot.say(WORKER, followup)

    followup_card = await bot.emu.wait_for_bot_message(
        OFFICIALS, lambda m: m["text"].startswith("❓") and f"#{case}" in m["text"])
    assert "Chủ trọ vẫn thu 4 nghìn" in followup_card["text"]
    reopened = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                           lambda m: "Hỏi thêm" in m["text"])
    assert "chờ trả lời" in reopened["text"]
    for method, markup, caption in sent_texts(bot):
        assert telegram_length(markup) <= (CAPTION_LIMIT if caption else MESSAGE_LIMIT), method


# -- announcements: the organizer's text is measured as Telegram will measure it ---------------

ORGANIZER = 2001


async def test_announcements_are_measured_in_utf16_units(emu, make_config) -> None:  # type: ignore[no-untyped-def]
    emu.add_user(ORGANIZER, "Thu", last_name="Đỗ", language_code="vi")
    bot = Harness(emu, make_config(organizers={"user_ids": [ORGANIZER]}))
    await bot.start()
    emu.open_chat(WORKER)  # the worker has talked to the bot before
    try:
        assert "Gửi nội dung thông báo" in (await bot.say(ORGANIZER, "/announce"))["text"]
        # 602 characters but 1,202 units: Telegram would refuse it as a caption (1,024).
        after = bot.last_bot_id(ORGANIZER)
        await bot.emu.send_photo(ORGANIZER, caption="📣 " + "🎉" * 600)
        refusal = await bot.emu.wait_for_bot_message(ORGANIZER, after=after)
        assert "quá dài" in refusal["text"] and "tính là 2" in refusal["text"]

        text = "Thông báo: " + "🎉" * 1700  # 3,411 units: fits a message, with the preview
        choice = await bot.say(ORGANIZER, text)
        assert "Gửi thông báo tới ai?" in choice["text"], choice["text"]
        await bot.press(ORGANIZER, choice, "Tất cả")
        preview = await bot.emu.wait_for_edit(ORGANIZER, choice["message_id"],
                                              lambda m: "Xem trước thông báo" in m["text"])
        assert text in preview["text"]
        await bot.press(ORGANIZER, preview, "Gửi ngay")
        received = await bot.emu.wait_for_bot_message(WORKER, lambda m: "Thông báo:" in m["text"])
        assert received["text"] == text
        for method, markup, caption in sent_texts(bot):
            assert telegram_length(markup) <= (CAPTION_LIMIT if caption else MESSAGE_LIMIT), method
    finally:
        await bot.stop()
