"""How long the bot's event loop is held while workers' questions are matched.

The bot matches in a worker thread (bot/services/knowledge.py, SharedMatcher),
but the thread and the loop share one interpreter lock, so the loop can still
wait for it. This runs what the bot runs: a KB of N synthetic entries behind a
SharedMatcher, a stream of matches and publishes awaited from the loop, and a
ticker on the loop that wakes every millisecond and records how late it woke.
The lateness is how long any other worker's message would have waited.

    .venv/bin/python bench/kb_loop.py [--sizes 10000,100000] [--matches 300]

Prints, per KB size: loop lateness p50 / p99 / max over the run, and the
matches' own p50 as seen from the loop; first, the same lateness with nothing
running and with a thread that only counts, which is what the machine and the
thread switching cost before any matching.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import itertools
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.services.knowledge import SWITCH_INTERVAL, SharedMatcher, keep_out_of_collections  # noqa: E402
from knowledge_base import Entry, Matcher, read_csv  # noqa: E402
from knowledge_base.bench import percentile, synthesize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "knowledge_base" / "data" / "sample_kb.csv"
QUERIES = ROOT / "bench" / "data" / "kb_queries.csv"
TICK = 0.001


async def measure(shared: SharedMatcher, queries: list[str], matches: int,
                  extra: list[Entry]) -> tuple[list[float], list[float]]:
    """Loop lateness samples (ms) and match times (ms) while `matches` matches run."""
    lateness: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness.append((time.perf_counter() - before - TICK) * 1000)

    tick = asyncio.create_task(ticker())
    timings: list[float] = []
    publishes = iter(extra)
    for n, query in zip(range(matches), itertools.cycle(queries)):
        start = time.perf_counter()
        await shared.match(query, topic=None)
        timings.append((time.perf_counter() - start) * 1000)
        if n % 20 == 19:  # an official publishes an answer now and then
            entry = next(publishes, None)
            if entry is not None:
                await shared.add(entry)
    done.set()
    await tick
    return lateness, timings


async def baseline(seconds: float) -> tuple[list[float], list[float]]:
    """Lateness with nothing running, then with a thread that only counts (pure
    Python, no C call that could hold the interpreter lock): what the machine
    and the thread switching alone cost, before any matching."""

    async def sample() -> list[float]:
        lateness = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness.append((time.perf_counter() - before - TICK) * 1000)
        return lateness

    idle = await sample()
    stop = threading.Event()

    def count() -> None:
        n = 0
        while not stop.is_set():
            n += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        busy = await sample()
    finally:
        stop.set()
        counter.join()
    return idle, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--matches", type=int, default=300)
    parser.add_argument("--baseline-seconds", type=float, default=10.0,
                        help="how long to measure the loop with nothing, then a counting thread, running")
    parser.add_argument("--switch-interval", type=float, default=None, metavar="MS",
                        help="the interpreter's thread switch interval (default: as the bot sets it)")
    args = parser.parse_args()
    sys.setswitchinterval(SWITCH_INTERVAL if args.switch_interval is None else args.switch_interval / 1000)
    entries = read_csv(KB)
    with QUERIES.open(encoding="utf-8", newline="") as handle:
        queries = [row["query"] for row in csv.DictReader(handle)]
    print(f"switch interval {sys.getswitchinterval() * 1000:.1f} ms; {args.matches} matches per size; "
          "lateness = how late a 1 ms timer on the loop fired")
    print("| entries | loop late p50 | p99 | max | match p50 (from the loop) |")
    print("|---|---|---|---|---|")
    for name, lateness in zip(("nothing running", "a thread counting"),
                              asyncio.run(baseline(args.baseline_seconds)), strict=True):
        print(f"| {name} | {statistics.median(lateness):.2f} ms | {percentile(lateness, 99):.2f} ms "
              f"| {max(lateness):.2f} ms | |", flush=True)
    collections: list[tuple[int, float, float]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        kb = synthesize(entries, size)
        extra = [Entry(id=f"pub-{i}", topic=e.topic, question=e.question + " mới", answer=e.answer)
                 for i, e in enumerate(entries[:20])]
        shared = SharedMatcher(Matcher(kb))
        start = time.perf_counter()
        gc.collect()
        collect_ms = (time.perf_counter() - start) * 1000
        keep_out_of_collections()  # as `bot run` does once the KB is loaded
        lateness, timings = asyncio.run(measure(shared, queries, args.matches, extra))
        start = time.perf_counter()
        gc.collect()  # walks only what the matches and publishes created since
        frozen_ms = (time.perf_counter() - start) * 1000
        collections.append((size, collect_ms, frozen_ms))
        gc.unfreeze()
        del shared, kb
        gc.collect()
        print(f"| {size:,} | {statistics.median(lateness):.2f} ms | {percentile(lateness, 99):.2f} ms "
              f"| {max(lateness):.2f} ms | {statistics.median(timings):.2f} ms |", flush=True)
    print()
    for size, collect_ms, frozen_ms in collections:
        print(f"{size:,} entries: a full garbage collection takes {collect_ms:.0f} ms, and the loop waits as long; "
              f"with the loaded KB kept out of collections (bot run does it at start), "
              f"{frozen_ms:.1f} ms after the matches and publishes above")


if __name__ == "__main__":
    main()
