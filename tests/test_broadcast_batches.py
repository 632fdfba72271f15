"""An announcement's rows are queued in batches; a restart between batches skips nobody."""

from __future__ import annotations

import asyncio

from bot.models import OutboxRequest
from tests.conftest import ADMIN, WORKER, WORKER_EN, Harness

TEXT = "Thông báo: hội nghị đối thoại lùi sang 8h30 thứ Bảy."


async def test_a_broadcast_cut_while_queuing_reaches_everyone_once_after_a_restart(
        bot: Harness) -> None:
    for person in (WORKER, WORKER_EN):
        await bot.say(person, "/start")  # Telegram lets a bot write only to people who started it
    storage, broadcasts = bot.services.storage, bot.services.broadcasts
    recipients = [user for user in await broadcasts.audience("all")
                  if user.external_id != str(ADMIN)]
    broadcast = await storage.create_broadcast(ADMIN, TEXT, "all", None, None, len(recipients))
    first = next(user for user in recipients if user.external_id == str(WORKER))
    # The first batch is in; the process dies before the next one.
    await storage.queue_broadcast(broadcast.id, [broadcasts._message(broadcast.id, first, TEXT, None)],
                                  last=False)
    await bot.restart()

    for person in (WORKER, WORKER_EN):
        await bot.emu.wait_for_bot_message(person, lambda m: TEXT in (m.get("text") or ""))
    for _ in range(500):
        finished = await bot.services.storage.broadcast(broadcast.id)
        if finished is not None and finished.finished_at is not None:
            break
        await asyncio.sleep(0.02)
    assert finished is not None and finished.finished_at is not None
    assert finished.total == len(recipients)
    for person in (WORKER, WORKER_EN):
        got = [m for m in bot.emu.bot_messages(person) if TEXT in (m.get("text") or "")]
        assert len(got) == 1
    assert not bot.emu.bot_messages(ADMIN)


async def test_a_worker_s_write_gets_in_while_a_large_announcement_is_queued(bot: Harness) -> None:
    storage, broadcasts = bot.services.storage, bot.services.broadcasts
    async with storage._transaction() as db:  # 3,000 workers who used the bot before
        await db.executemany(
            """INSERT INTO users (channel, external_id, chat_id, display_name, language, created_at)
               VALUES ('telegram', ?, ?, '', 'vi', 0)""",
            [(str(uid), str(uid)) for uid in range(200_000, 203_000)])

    async def queued() -> int:
        row = await storage._one("SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL")
        return int(row[0])

    announcing = asyncio.create_task(broadcasts.start(ADMIN, TEXT, "all", None, None))
    while not await queued():
        await asyncio.sleep(0)
    # A worker's message queued now is committed before the whole audience is.
    await storage.enqueue([OutboxRequest(channel="telegram", chat_id=str(WORKER), text="Trả lời #1")])
    assert await queued() < 3_000
    broadcast = await announcing
    assert broadcast.total >= 3_000 and await queued() == broadcast.total
