"""The outbox dispatcher sends only what was committed.

Storage has one aiosqlite connection: a read on it between two statements of
someone's transaction sees that transaction's rows, committed or not.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.models import OutboxRequest
from tests.conftest import WORKER, Harness


class Abandoned(Exception):
    """The change that queued the message failed after queuing it."""


async def test_a_message_of_a_rolled_back_transaction_is_never_sent(bot: Harness) -> None:
    storage = bot.services.storage
    await bot.say(WORKER, "/start")  # Telegram lets a bot write only to people who started it
    with pytest.raises(Abandoned):
        async with storage._transaction() as db:  # a change that fails half-way
            await storage._insert_outbox(
                db, OutboxRequest(channel="telegram", chat_id=str(WORKER),
                                  text="Câu trả lời chưa từng được lưu"), time.time())
            bot.services.outbox.wake()
            for _ in range(30):  # the dispatcher takes its passes while the transaction is open
                await asyncio.sleep(0.01)
            raise Abandoned

    # A committed message to the same chat: the dispatcher has passed the other one by then.
    await storage.enqueue([OutboxRequest(channel="telegram", chat_id=str(WORKER),
                                         text="Tin nhắn đã lưu")])
    bot.services.outbox.wake()
    await bot.emu.wait_for_bot_message(WORKER, lambda m: m.get("text") == "Tin nhắn đã lưu")
    texts = [m.get("text") for m in bot.emu.bot_messages(WORKER)]
    assert "Câu trả lời chưa từng được lưu" not in texts
    rows = [row["text"] for row in await storage.outbox_rows()]
    assert "Câu trả lời chưa từng được lưu" not in rows
