"""An announcement's rows are queued in batches; a restart between batches skips nobody."""

from __future__ import annotations

import asyncio

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
