"""Broadcast benchmark: an announcement to many workers under Telegram's limits, with a kill -9.

The emulated Bot API runs here with rate limits on (429 beyond 30 messages/s
overall, 1/s per private chat, 20/min per group); the bot runs as a separate
process (`python -m bot run`), exactly as in production. An organizer sends
/announce through the emulator; when about half the workers have it, the
bot is killed with SIGKILL and started again. Printed: messages per second,
429s received, duplicates and missed recipients.

    .venv/bin/python bench/broadcast.py [--users 10000] [--kill-at 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.botprocess import OFFICIALS, BotProcess, add_known_users, write_config  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator  # noqa: E402

ORGANIZER = 900
FIRST_WORKER = 100_000
ANNOUNCEMENT = "Thông báo: Hội nghị đối thoại năm 2026 sẽ diễn ra lúc 8h30 ngày 25/12 tại Hội trường tỉnh."


def received(emu: BotApiEmulator, users: int) -> list[int]:
    counts = []
    for uid in range(FIRST_WORKER, FIRST_WORKER + users):
        counts.append(sum(1 for m in emu.bot_messages(uid) if ANNOUNCEMENT in (m.get("text") or "")))
    return counts


async def announce(emu: BotApiEmulator) -> None:
    """The organizer's taps: /announce → text → everyone → send."""
    after = 0
    for step in ("/announce", ANNOUNCEMENT):
        await emu.send_text(ORGANIZER, step)
        message = await emu.wait_for_bot_message(ORGANIZER, after=after, timeout=30)
        after = message["message_id"]
    await emu.click_button(ORGANIZER, ORGANIZER, after, "Tất cả")
    preview = await emu.wait_for_edit(ORGANIZER, after, lambda m: "Xem trước" in m["text"], timeout=60)
    await emu.click_button(ORGANIZER, ORGANIZER, preview["message_id"], "Gửi ngay")


async def run(users: int, kill_at: float, timeout: float) -> int:
    emu = BotApiEmulator(rate_limits=True)
    await emu.start()
    emu.add_group(OFFICIALS, "Cán bộ", members=[])
    emu.add_user(ORGANIZER, "Ban tổ chức")
    for uid in range(FIRST_WORKER, FIRST_WORKER + users):
        emu.add_user(uid, f"Công nhân {uid}")
        emu.open_chat(uid)
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    config = write_config(folder, emu, "bench.sqlite3", organizers=[ORGANIZER])
    await add_known_users(folder / "bench.sqlite3", range(FIRST_WORKER, FIRST_WORKER + users))
    log = folder / "bot.log"

    bot = BotProcess(config, log)
    bot.start()
    await announce(emu)
    started = time.monotonic()
    killed_at = restarted_at = None
    last_progress, last_count = time.monotonic(), 0
    while True:
        # Counting 10,000 chats is work done in the emulator's own process: not too often.
        await asyncio.sleep(2.0)
        count = sum(1 for c in received(emu, users) if c)
        if count != last_count:
            last_progress, last_count = time.monotonic(), count
        if killed_at is None and count >= users * kill_at:
            bot.kill()
            killed_at = time.monotonic()
            print(f"killed the bot (SIGKILL) after {count} recipients", flush=True)
            await asyncio.sleep(1.0)
            bot.start()
            restarted_at = time.monotonic()
        if count >= users or time.monotonic() - last_progress > timeout:
            break
    finished = time.monotonic()
    bot.stop()
    await asyncio.sleep(1.0)  # anything still in flight lands before counting
    counts = received(emu, users)
    await emu.stop()

    delivered = sum(1 for c in counts if c)
    duplicates = sum(c - 1 for c in counts if c > 1)
    elapsed = finished - started
    down = (restarted_at - killed_at) if killed_at and restarted_at else 0.0
    print(f"recipients:            {users}")
    print(f"delivered:             {delivered}")
    print(f"missed recipients:     {users - delivered}")
    print(f"duplicates:            {duplicates}")
    print(f"429 responses:         {emu.too_many_requests}")
    print(f"elapsed:               {elapsed:.1f} s (bot down {down:.1f} s after the kill)")
    print(f"messages per second:   {delivered / elapsed:.1f} overall, "
          f"{delivered / max(elapsed - down, 1e-9):.1f} while running")
    print(f"bot log:               {log}")
    return 0 if delivered == users and duplicates == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction delivered before the kill")
    parser.add_argument("--timeout", type=float, default=90.0, help="give up after this long without progress")
    args = parser.parse_args()
    os.environ.pop("BOT_TOKEN", None)
    return asyncio.run(run(args.users, args.kill_at, args.timeout))


if __name__ == "__main__":
    raise SystemExit(main())
