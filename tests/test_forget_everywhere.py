"""/forget and retention reach every copy of a person (Decree 13/2023/NĐ-CP, right to erasure).

After "Xóa dữ liệu", every table of the database is searched, column by column, for the
person's name, their Telegram or Zalo id and their chat id: nothing is found. What stays is
the anonymous case record (the question's text, topic, status, answers), which names nobody.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.app import _housekeeping_tick
from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness
from tests.test_conferences import drained as outbox_drained
from tests.test_zalo import HUNG as ZALO_HUNG
from tests.test_zalo import QUESTION as ZALO_QUESTION
from tests.test_zalo import ZaloBot, zalo, zbot  # noqa: F401 - fixtures
from tests.test_zalo_oa import HUNG as OA_HUNG
from tests.test_zalo_oa import OABot, oa, oabot, start_bot  # noqa: F401 - fixtures

# A ten-digit id, as Telegram's are: it cannot turn up by chance inside a time or a count.
KHUE = 6843215977
FIRST, LAST = "Khuê", "Lạc Thị"
FULL_NAME = f"{FIRST} {LAST}"
USERNAME = "khue_lac_kcn"
QUESTION = "Phòng trọ của công nhân ở khu công nghiệp có được công ty hỗ trợ tiền điện không ạ?"
ANSWER = "Có, theo thỏa ước lao động tập thể của công ty, mỗi tháng hỗ trợ 300.000 đồng."


def _forms(needle: str) -> set[str]:
    """The needle as stored: as is, and as JSON with \\u escapes (Telegram's journal)."""
    return {needle, json.dumps(needle)[1:-1]}


def traces(path: Path | str, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) of the database that contains one of `needles`:
    each table in sqlite_master, each column, as text; numbers compared whole."""
    found = []
    with sqlite3.connect(str(path), timeout=30) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]:
                for needle in needles:
                    rows = db.execute(
                        f'''SELECT "{column}" FROM "{table}" WHERE
                              (typeof("{column}") = 'text' AND (instr("{column}", ?) > 0 OR instr("{column}", ?) > 0))
                              OR (typeof("{column}") = 'integer' AND CAST("{column}" AS TEXT) = ?)''',
                        (*(sorted(_forms(needle)) * 2)[:2], needle)).fetchall()
                    found += [(table, column, str(r[0])[:120]) for r in rows]
    return found


async def drained(bot: Harness) -> None:
    """Nothing left to send, and the last send's transaction committed (the search below
    reads the file as another program would; the bot's own connection sees its writes
    before they are committed)."""
    await outbox_drained(bot)
    async with bot.services.storage._lock:  # waits for a transaction under way
        pass


async def _journal_done(bot: Harness) -> None:
    """Every journaled update processed (the last one is being finished)."""
    for _ in range(500):
        rows = await bot.services.storage.journal_rows()
        if all(r["done_at"] is not None for r in rows):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("updates still waiting in the journal")


async def _khue_asks_and_is_answered(bot: Harness) -> int:
    bot.emu.add_user(KHUE, FIRST, last_name=LAST, username=USERNAME)
    after = bot.last_bot_id(KHUE)
    await bot.emu.send_text(KHUE, "xin chào")
    notice = await bot.emu.wait_for_bot_message(KHUE, after=after)
    await bot.press(KHUE, notice, "Đồng ý")
    await bot.emu.wait_for_bot_message(KHUE, lambda m: "Xin chào" in m["text"], after=notice["message_id"])
    case = await bot.ask(KHUE, QUESTION)
    card = await bot.card(case)
    assert FULL_NAME in card["text"]
    after = bot.last_bot_id(KHUE)
    await bot.answer_by_reply(OFFICIAL, case, ANSWER)  # the official's update quotes the card
    await bot.answer_for(KHUE, case, after)
    history = await _case(bot, case)
    assert FULL_NAME in history["text"]  # the audit trail names her while she is known
    await bot.say(KHUE, "/my")
    return case


async def _case(bot: Harness, case: int) -> dict[str, Any]:
    """An official's /case N in the officials' group, and the bot's answer there."""
    after = bot.last_bot_id(OFFICIALS)
    await bot.emu.send_text(OFFICIAL, f"/case {case}", chat_id=OFFICIALS)
    return await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: "gửi câu hỏi" in m["text"], after=after)


async def _forget(bot: Harness) -> None:
    prompt = await bot.say(KHUE, "/forget")
    await bot.press(KHUE, prompt, "Xóa dữ liệu")
    await bot.emu.wait_for_edit(KHUE, prompt["message_id"], lambda m: "Đã xóa" in m["text"])


async def test_forget_leaves_no_trace_in_any_table(bot: Harness) -> None:
    case = await _khue_asks_and_is_answered(bot)
    other = await bot.ask(WORKER, "Công ty có phải đóng bảo hiểm xã hội cho người làm thời vụ không ạ?")
    await bot.card(other)
    needles = [FULL_NAME, FIRST, USERNAME, str(KHUE)]
    assert {t[0] for t in traces(bot.config.storage.path, needles)} >= {
        "users", "questions", "events", "outbox", "update_journal"}  # the search finds what is there

    await _forget(bot)
    await bot.emu.wait_for_edit(OFFICIALS, (await bot.card(case))["message_id"],
                                lambda m: "Ẩn danh" in m["text"])
    await _journal_done(bot)
    await drained(bot)

    assert traces(bot.config.storage.path, needles) == []
    # The case record stays, anonymous: the question, its answer, its history.
    question = await bot.services.storage.get_question(case)
    assert question.text == QUESTION and question.status == "answered" and question.anonymous
    assert [a.text for a in await bot.services.storage.answers_of(case)] == [ANSWER]
    history = await _case(bot, case)
    assert f"#{case}" in history["text"] and "gửi câu hỏi" in history["text"]
    assert FIRST not in history["text"] and LAST not in history["text"]
    # Nobody else was forgotten: the other worker's card and updates are as they were.
    assert "Ẩn danh" not in (await bot.card(other))["text"]
    assert traces(bot.config.storage.path, [str(WORKER)])


async def test_retention_purge_reaches_the_same_places(bot: Harness) -> None:
    case = await _khue_asks_and_is_answered(bot)
    await _journal_done(bot)
    await drained(bot)
    privacy = bot.services.privacy
    privacy._clock = lambda: time.time() + 366 * 86400  # a year without her
    assert await privacy.purge_inactive() >= 1
    await drained(bot)
    assert traces(bot.config.storage.path, [FULL_NAME, FIRST, USERNAME, str(KHUE)]) == []
    assert (await bot.services.storage.get_question(case)).text == QUESTION


async def test_processed_updates_and_sent_messages_age_out_on_schedule(bot: Harness) -> None:
    """Without any /forget: the housekeeping job deletes processed updates after
    [privacy] journal_days and strips sent messages of text and chat after outbox_days."""
    case = await _khue_asks_and_is_answered(bot)
    await _journal_done(bot)
    await drained(bot)
    storage = bot.services.storage
    assert await storage.journal_rows()
    privacy = bot.services.privacy
    privacy._clock = lambda: time.time() + 2 * 86400  # two days on: journal only
    privacy._pruned_at = None  # as at start
    await _housekeeping_tick(SimpleNamespace(bot_data=bot.app.bot_data))  # type: ignore[arg-type]
    assert await storage.journal_rows() == []
    assert [r for r in await storage.outbox_rows() if r["chat_id"] == str(KHUE)]  # 7 days not yet

    privacy._clock = lambda: time.time() + 8 * 86400
    await privacy.prune()
    rows = await storage.outbox_rows()
    assert rows and all(r["text"] == "" and r["buttons"] is None for r in rows)
    assert {r["chat_id"] for r in rows} == {"", str(OFFICIALS)}  # groups stay, people go
    # What statistics and the case need is still there.
    assert (await storage.get_question(case)).asker_name == FULL_NAME  # she was not forgotten
    assert all(r["sent_at"] for r in rows)
    # A pending message is never touched.
    after = bot.last_bot_id(KHUE)
    await bot.say(KHUE, "/help")
    assert bot.last_bot_id(KHUE) > after


# -- Zalo ---------------------------------------------------------------------------------


async def test_forget_on_zalo_leaves_no_trace(zbot: ZaloBot) -> None:  # noqa: F811
    await zbot.consent(ZALO_HUNG)
    case = await zbot.ask(ZALO_HUNG)
    harness = zbot.harness
    card = await harness.card(case)
    assert "Trần Văn Hùng · Zalo" in card["text"]
    await harness.answer_by_reply(OFFICIAL, case, ANSWER)
    await zbot.zalo.wait_for_bot_message(ZALO_HUNG, lambda m: ANSWER in m["text"])
    await zbot.say(ZALO_HUNG, "dữ liệu của tôi")  # the whole copy goes out as a message
    needles = ["Trần Văn Hùng", ZALO_HUNG]
    assert {t[0] for t in traces(harness.config.storage.path, needles)} >= {"outbox", "zalo_journal", "users"}

    await zbot.say(ZALO_HUNG, "xóa dữ liệu")
    assert "Đã xóa dữ liệu cá nhân" in (await zbot.say(ZALO_HUNG, "1"))["text"]
    await harness.emu.wait_for_edit(OFFICIALS, card["message_id"], lambda m: "Ẩn danh" in m["text"])
    await _zalo_idle(zbot.services.storage, "zalo")
    await drained(harness)
    assert traces(harness.config.storage.path, needles) == []
    assert (await zbot.services.storage.get_question(case)).text


async def test_forget_on_the_oa_leaves_no_trace(oabot: OABot) -> None:  # noqa: F811
    await oabot.consent(OA_HUNG)
    case = await _oa_ask(oabot)
    harness = oabot.harness
    card = await harness.card(case)
    await harness.answer_by_reply(OFFICIAL, case, ANSWER)
    await oabot.oa.wait_for_bot_message(OA_HUNG, lambda m: ANSWER in m["text"])
    needles = ["Trần Văn Hùng", OA_HUNG]
    assert {t[0] for t in traces(oabot.path, needles)} >= {"outbox", "zalo_journal", "zalo_oa_contacts"}

    prompt = await oabot.say(OA_HUNG, "xóa dữ liệu")
    assert "Đã xóa dữ liệu cá nhân" in (await oabot.tap(OA_HUNG, prompt, "Xóa dữ liệu của tôi"))["text"]
    await harness.emu.wait_for_edit(OFFICIALS, card["message_id"], lambda m: "Ẩn danh" in m["text"])
    await _zalo_idle(oabot.services.storage, "zalo_oa")
    await drained(harness)
    assert traces(oabot.path, needles) == []


async def _oa_ask(bot: OABot) -> int:
    """Ask with one's name by typing, whatever order the steps come in."""
    shown = await bot.say(OA_HUNG, "hỏi")
    for _ in range(8):
        seen = shown["text"] + " ".join(b["title"] for b in shown.get("buttons") or [])
        match = re.search(r"#(\d+)", shown["text"])
        if "Đã gửi câu hỏi" in shown["text"] and match:
            return int(match.group(1))
        reply = ("nha o" if "lĩnh vực nào" in seen else "Gửi kèm tên" if "Gửi kèm tên" in seen
                 else "Gửi câu hỏi" if "Gửi câu hỏi" in seen else ZALO_QUESTION)
        shown = await bot.say(OA_HUNG, reply)
    raise AssertionError(f"the question was not sent: {shown['text']}")


async def _zalo_idle(storage: Any, channel: str) -> None:
    for _ in range(500):
        if not await storage.pending_zalo_updates(channel=channel):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("Zalo events still waiting")
