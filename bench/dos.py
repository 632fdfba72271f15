"""Denial-of-service benchmark: strangers send officials' commands while workers use the bot.

The emulated Bot API runs here with Telegram's limits on (429 beyond 30
messages/s overall, 1/s per private chat, 20/min per group); the bot runs as
a separate process (`python -m bot run`), as in production. Strangers (people
who agreed to the privacy notice, so their commands reach the officials'
handlers) each send officials' commands in a private chat; meanwhile workers
send /help again and again. Printed: the workers' reply times (median, 95th
percentile, worst) and how many membership checks the strangers caused.

    .venv/bin/python bench/dos.py [--strangers 200] [--workers 10] [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.botprocess import OFFICIALS, BotProcess, add_known_users, write_config  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator  # noqa: E402

FIRST_STRANGER = 300_000
FIRST_WORKER = 400_000
COMMANDS = ("/stats", "/case 1", "/reject 1 spam", "/answer 1 xin chào")


async def wait_ready(emu: BotApiEmulator, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(method == "getUpdates" for method, _params in emu.requests):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not start polling")
        await asyncio.sleep(0.1)


async def worker(emu: BotApiEmulator, uid: int, rounds: int, times: list[float]) -> None:
    for _ in range(rounds):
        after = emu.bot_messages(uid)[-1]["message_id"] if emu.bot_messages(uid) else 0
        sent = time.monotonic()
        await emu.send_text(uid, "/help")
        try:
            await emu.wait_for_bot_message(uid, after=after, timeout=120)
            times.append(time.monotonic() - sent)
        except TimeoutError:
            times.append(float("inf"))
        await asyncio.sleep(1.0)


async def strangers(emu: BotApiEmulator, count: int, per_second: float) -> None:
    for n in range(count):
        uid = FIRST_STRANGER + n
        await emu.send_text(uid, COMMANDS[n % len(COMMANDS)])
        await asyncio.sleep(1.0 / per_second)


async def run(stranger_count: int, worker_count: int, rounds: int, per_second: float) -> int:
    emu = BotApiEmulator(rate_limits=True)
    await emu.start()
    emu.add_group(OFFICIALS, "Cán bộ", members=[])
    stranger_ids = [FIRST_STRANGER + n for n in range(stranger_count)]
    worker_ids = [FIRST_WORKER + n for n in range(worker_count)]
    for uid in stranger_ids + worker_ids:
        emu.add_user(uid, f"Người dùng {uid}")
        emu.open_chat(uid)
    folder = Path(tempfile.mkdtemp(prefix="bench-dos-"))
    config = write_config(folder, emu, "bench.sqlite3")
    # Everyone has used the bot before and agreed to the privacy notice.
    await add_known_users(folder / "bench.sqlite3", stranger_ids + worker_ids, consent=True)
    bot = BotProcess(config, folder / "bot.log")
    bot.start()
    try:
        await wait_ready(emu)
        checks_before = sum(1 for method, _p in emu.requests if method == "getChatMember")
        times: list[float] = []
        started = time.monotonic()
        await asyncio.gather(strangers(emu, stranger_count, per_second),
                             *(worker(emu, uid, rounds, times) for uid in worker_ids))
        elapsed = time.monotonic() - started
        checks = sum(1 for method, _p in emu.requests if method == "getChatMember") - checks_before
    finally:
        bot.stop()
        await emu.stop()
    answered = sorted(t for t in times if t != float("inf"))
    print(f"strangers:                 {stranger_count} ({per_second:g} a second), "
          f"each one officials' command in a private chat")
    print(f"workers:                   {worker_count} × {rounds} /help, one a second each")
    print(f"membership checks caused:  {checks}")
    print(f"worker replies:            {len(answered)} of {len(times)}")
    if answered:
        p95 = answered[min(len(answered) - 1, int(0.95 * len(answered)))]
        print(f"reply time (s):            median {statistics.median(answered):.2f}, "
              f"95th percentile {p95:.2f}, worst {answered[-1]:.2f}")
    print(f"elapsed:                   {elapsed:.1f} s; bot log: {folder / 'bot.log'}")
    return 0 if len(answered) == len(times) and statistics.median(answered) < 2.0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strangers", type=int, default=200)
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-second", type=float, default=20.0, help="strangers' commands a second")
    args = parser.parse_args()
    os.environ.pop("BOT_TOKEN", None)
    return asyncio.run(run(args.strangers, args.workers, args.rounds, args.per_second))


if __name__ == "__main__":
    raise SystemExit(main())
