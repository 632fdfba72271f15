"""How long other writes wait while a large announcement is queued.

A database of N workers (default 100,000); an organizer starts an
announcement to all of them (BroadcastService.start, as /announce does) while
another task writes a small outbox row every few milliseconds, the way a
worker's question or an official's answer would. Printed: how long queuing
the announcement took, and the concurrent writes' waits (median, 99th
percentile, longest). Everything shares the bot's one connection and its
write lock, as in `python -m bot run`.

    .venv/bin/python bench/broadcast_lock.py [--users 100000] [--every 0.005]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.i18n import Catalog
from bot.models import OutboxRequest
from bot.services.broadcasts import BroadcastService
from bench.botprocess import add_known_users
from bot.storage import Storage

FIRST_WORKER = 100_000
ORGANIZER = 900


async def writer(storage: Storage, every: float, done: asyncio.Event, waits: list[float]) -> None:
    """A small write at a steady pace; each one's time from asking to committed."""
    n = 0
    while not done.is_set():
        n += 1
        started = time.perf_counter()
        await storage.enqueue([OutboxRequest(channel="telegram", chat_id="42", text=f"trả lời {n}")])
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(every)


async def run(users: int, every: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        await add_known_users(path, range(FIRST_WORKER, FIRST_WORKER + users))
        storage = await Storage.open(path)
        try:
            service = BroadcastService(storage, Catalog("vi"))
            done, waits = asyncio.Event(), []
            background = asyncio.create_task(writer(storage, every, done, waits))
            await asyncio.sleep(0.2)  # the writer's pace before the announcement
            started = time.perf_counter()
            await service.start(ORGANIZER, "Thông báo: hội nghị đối thoại lúc 8h30 ngày 25/12.", "all",
                                None, None)
            queued = time.perf_counter() - started
            done.set()
            await background
            rows = await storage.broadcast_rows(1) if hasattr(storage, "broadcast_rows") else None
        finally:
            await storage.close()
    waits_ms = sorted(w * 1000 for w in waits)
    p99 = waits_ms[min(len(waits_ms) - 1, int(len(waits_ms) * 0.99))]
    print(f"recipients: {users:,}; rows queued: {rows if rows is not None else users:,}")
    print(f"queuing the announcement took {queued:.2f} s")
    print(f"concurrent writes: {len(waits_ms)}; wait median {statistics.median(waits_ms):.1f} ms, "
          f"p99 {p99:.1f} ms, longest {waits_ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--every", type=float, default=0.005, help="seconds between concurrent writes")
    args = parser.parse_args()
    asyncio.run(run(args.users, args.every))


if __name__ == "__main__":
    main()
