"""Replayed updates change nothing twice; a database hiccup loses nothing."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness

QUESTION = "Công ty chậm trả lương hai tháng thì người lao động nên làm gì ạ?"


async def _worker_id(bot: Harness) -> int:
    stored = await bot.services.storage.upsert_user("telegram", str(WORKER), str(WORKER), "", "vi")
    return stored.id


async def _replay_everything(bot: Harness) -> None:
    """As if the bot had died before marking any update done: all are processed again."""
    storage = bot.services.storage
    async with storage._transaction() as db:  # noqa: SLF001 - the test plays the crash
        await db.execute("UPDATE update_journal SET done_at = NULL, attempts = 0")
    await bot.restart()


async def test_replaying_every_update_creates_nothing_twice(bot: Harness) -> None:
    case = await bot.ask(WORKER, QUESTION)
    await bot.card(case)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Bạn liên hệ Công đoàn cơ sở để được hỗ trợ.")
    await bot.answer_for(WORKER, case, after=after)
    await bot.emu.send_text(OFFICIAL, f"/reject {case} thử phát lại", chat_id=OFFICIALS)
    await bot.emu.wait_for_bot_message(WORKER, lambda m: "thử phát lại" in m["text"])
    journaled = len(await bot.services.storage.pending_updates()) + 0
    assert journaled == 0

    await _replay_everything(bot)
    await asyncio.sleep(1.0)
    assert len(await bot.services.storage.questions_of_user(await _worker_id(bot))) == 1
    cards = [m for m in bot.emu.bot_messages(OFFICIALS) if "Người hỏi:" in m["text"]]
    assert len(cards) == 1
    answers = [m for m in bot.emu.bot_messages(WORKER) if "Công đoàn cơ sở để được hỗ trợ" in m["text"]]
    assert len(answers) == 1
    rejections = [m for m in bot.emu.bot_messages(WORKER) if "thử phát lại" in m["text"]]
    assert len(rejections) == 1


async def test_database_error_keeps_the_update_and_retries(bot: Harness,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    storage = bot.services.storage
    real = storage.submit_question
    failures = []

    async def disk_full_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(1)
            raise sqlite3.OperationalError("database or disk is full")
        return await real(*args, **kwargs)

    monkeypatch.setattr(storage, "submit_question", disk_full_once)
    case = await asyncio.wait_for(bot.ask(WORKER, QUESTION), timeout=20)
    assert failures == [1]
    card = await bot.card(case)
    assert QUESTION in card["text"]
    assert len(await storage.questions_of_user(await _worker_id(bot))) == 1


async def test_reply_to_a_card_the_bot_could_not_record_still_answers(bot: Harness) -> None:
    """The bot died after Telegram took the card and before it linked it to the case."""
    case = await bot.ask(WORKER, QUESTION)
    card = await bot.card(case)
    async with bot.services.storage._transaction() as db:  # noqa: SLF001 - the test plays the crash
        await db.execute("DELETE FROM cards")
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, "Trả lời vào thẻ chưa được ghi nhận.")
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert "Trả lời vào thẻ chưa được ghi nhận." in delivered["text"]
    assert card["text"].startswith(f"📩 #{case} · ")
