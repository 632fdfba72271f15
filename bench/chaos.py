"""Kill the bot with SIGKILL at random moments while workers ask and officials answer.

The emulated Bot API runs in this process; the bot runs as `python -m bot
run`, exactly as in production, and is killed and restarted again and
again. Scripted workers ask questions through the buttons (starting over
when the bot does not answer in time); a scripted official answers every
card by replying to it. At the end every question that got a case number
must exist exactly once, and every answer must have reached its asker
exactly once.

    .venv/bin/python bench/chaos.py [--kills 200] [--workers 4] [--seed 1]

`run_chaos` is also used by tests/test_durability.py with a few kills.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.botprocess import OFFICIALS, BotProcess, write_config  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator  # noqa: E402

OFFICIAL = 501
FIRST_WORKER = 2001
STEP_TIMEOUT = 6.0
CASE = re.compile(r"#(\d+)")
WORDS = ("lương", "thưởng", "ca đêm", "nhà trọ", "học nghề", "bảo hiểm", "nghỉ phép", "tăng ca",
         "xe đưa đón", "nhà trẻ", "phụ cấp", "hợp đồng", "khám sức khỏe", "đồng phục", "bữa ăn")


@dataclass
class Tally:
    cases: dict[int, str] = field(default_factory=dict)        # case -> question text (seen by worker)
    askers: dict[str, int] = field(default_factory=dict)       # question text -> worker id
    answers: dict[str, int] = field(default_factory=dict)      # answer text -> worker who must get it
    answered_cards: set[int] = field(default_factory=set)      # card message ids replied to
    kills: int = 0
    restarts_seconds: list[float] = field(default_factory=list)


async def _bot_reply(emu: BotApiEmulator, chat: int, after: int, check) -> dict | None:  # type: ignore[no-untyped-def]
    try:
        return await emu.wait_for_bot_message(chat, check, after=after, timeout=STEP_TIMEOUT)
    except TimeoutError:
        return None


async def _edit(emu: BotApiEmulator, chat: int, message_id: int, check) -> dict | None:  # type: ignore[no-untyped-def]
    try:
        return await emu.wait_for_edit(chat, message_id, check, timeout=STEP_TIMEOUT)
    except TimeoutError:
        return None


def _last(emu: BotApiEmulator, chat: int) -> int:
    messages = emu.bot_messages(chat)
    return messages[-1]["message_id"] if messages else 0


async def ask_once(emu: BotApiEmulator, worker: int, text: str, tally: Tally) -> bool:
    """One question through the buttons; False if the bot went quiet and we must start over."""
    await emu.send_text(worker, "/cancel")
    await asyncio.sleep(0.05)
    after = _last(emu, worker)
    await emu.send_text(worker, "/ask")
    if await _bot_reply(emu, worker, after, lambda m: "Mời bạn gõ" in m["text"]) is None:
        return False
    after = _last(emu, worker)
    await emu.send_text(worker, text)
    prompt = await _bot_reply(emu, worker, after, lambda m: bool(m.get("buttons")))
    if prompt is None:
        return False
    # A knowledge-base answer, then a "me too" offer, may come before the topic: ask our own.
    for decline in ("Vẫn gửi", "riêng"):
        if any(decline in b["text"] for b in prompt["buttons"]):
            await emu.click_button(worker, worker, prompt["message_id"], decline)
            prompt = await _bot_reply(emu, worker, prompt["message_id"], lambda m: bool(m.get("buttons")))
            if prompt is None:
                return False
    confirm: dict | None = prompt
    if "kiểm tra lại" not in prompt["text"]:  # with one topic only, the bot does not ask it
        await emu.click_button(worker, worker, prompt["message_id"], "Việc làm")
        confirm = await _edit(emu, worker, prompt["message_id"], lambda m: "kiểm tra lại" in m["text"])
    if confirm is None:
        return False
    await emu.click_button(worker, worker, confirm["message_id"], "Gửi kèm tên")
    sent = await _edit(emu, worker, confirm["message_id"], lambda m: "Mã câu hỏi" in m["text"])
    if sent is None:
        return False
    match = CASE.search(sent["text"])
    assert match, sent["text"]
    tally.cases[int(match.group(1))] = text
    return True


async def agree_to_privacy_notice(emu: BotApiEmulator, worker: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        after = _last(emu, worker)
        await emu.send_text(worker, "/start")
        notice = await _bot_reply(emu, worker, after, lambda m: any("Đồng ý" in b["text"] for b in m["buttons"])
                                  or "Xin chào" in m["text"])
        if notice is None:
            continue
        if "Xin chào" in notice["text"]:
            return
        try:
            await emu.click_button(worker, worker, notice["message_id"], "Đồng ý")
        except LookupError:
            continue
        if await _bot_reply(emu, worker, notice["message_id"], lambda m: "Xin chào" in m["text"]):
            return


async def worker_loop(emu: BotApiEmulator, worker: int, rng: random.Random, tally: Tally,
                      stop: asyncio.Event) -> None:
    await agree_to_privacy_notice(emu, worker, stop)
    number = 0
    while not stop.is_set():
        number += 1
        text = (f"Công nhân {worker} hỏi lần {number}: chế độ {rng.choice(WORDS)} và "
                f"{rng.choice(WORDS)} ở xưởng số {rng.randint(1, 10_000)} thế nào?")
        attempt = 0
        while not stop.is_set():
            attempt += 1
            # A worker who got no case number asks again; the new wording keeps
            # their second question apart from a duplicate the bot would create.
            wording = text if attempt == 1 else f"{text} (gửi lại lần {attempt})"
            tally.askers[wording] = worker
            try:
                if await ask_once(emu, worker, wording, tally):
                    break
            except LookupError:  # a button vanished under us (an edit raced the click)
                await asyncio.sleep(0.2)


async def official_loop(emu: BotApiEmulator, tally: Tally, stop: asyncio.Event) -> None:
    """Reply to every card once, the way an official would."""
    while not stop.is_set():
        for card in emu.bot_messages(OFFICIALS):
            if card["message_id"] in tally.answered_cards or not card["text"].startswith("📩"):
                continue
            match = CASE.search(card["text"])
            if not match:
                continue
            asked = next((text for text in tally.askers if text in card["text"]), None)
            if asked is None:
                continue
            answer = f"Trả lời #{match.group(1)} mã {random.getrandbits(48):x}."
            tally.answers[answer] = tally.askers[asked]
            tally.answered_cards.add(card["message_id"])
            await emu.send_text(OFFICIAL, answer, chat_id=OFFICIALS, reply_to=card["message_id"])
        await asyncio.sleep(0.2)


async def killer(bot: BotProcess, rng: random.Random, kills: int, tally: Tally, stop: asyncio.Event,
                 gap: tuple[float, float]) -> None:
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(*gap))
        bot.kill()
        tally.kills += 1
        bot.start()
    stop.set()


async def run_chaos(kills: int, workers: int, seed: int, *, gap: tuple[float, float] = (1.0, 3.0),
                    settle: float = 30.0, quiet: bool = False) -> dict[str, int | float]:
    rng = random.Random(seed)
    emu = BotApiEmulator()
    await emu.start()
    emu.add_group(OFFICIALS, "Cán bộ", members=[OFFICIAL])
    emu.add_user(OFFICIAL, "Lan")
    ids = list(range(FIRST_WORKER, FIRST_WORKER + workers))
    for worker in ids:
        emu.add_user(worker, f"Công nhân {worker}")
    folder = Path(tempfile.mkdtemp(prefix="chaos-"))
    bot = BotProcess(write_config(folder, emu, "chaos.sqlite3"), folder / "bot.log")
    tally = Tally()
    stop = asyncio.Event()
    started = time.monotonic()
    bot.start()
    tasks = [asyncio.create_task(worker_loop(emu, w, rng, tally, stop)) for w in ids]
    tasks.append(asyncio.create_task(official_loop(emu, tally, stop)))
    await killer(bot, rng, kills, tally, stop, gap)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    # Let the last bot finish every card and answer, then answer the last cards too.
    settle_stop = asyncio.Event()
    official = asyncio.create_task(official_loop(emu, tally, settle_stop))
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline and not _all_delivered(emu, tally):
        await asyncio.sleep(0.5)
    settle_stop.set()
    await official
    await asyncio.sleep(1.0)
    bot.stop()
    result = _check(emu, tally, folder / "chaos.sqlite3")
    result["seconds"] = round(time.monotonic() - started, 1)
    await emu.stop()
    if not quiet:
        print(f"log: {folder / 'bot.log'}")
    return result


def _deliveries(emu: BotApiEmulator, worker: int, answer: str) -> int:
    return sum(1 for m in emu.bot_messages(worker) if answer in (m.get("text") or ""))


def _all_delivered(emu: BotApiEmulator, tally: Tally) -> bool:
    return all(_deliveries(emu, w, a) >= 1 for a, w in tally.answers.items())


def _check(emu: BotApiEmulator, tally: Tally, database: Path) -> dict[str, int | float]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT id, text FROM questions").fetchall()
    by_text: dict[str, list[int]] = {}
    for case, text in rows:
        by_text.setdefault(text, []).append(case)
    lost = sum(1 for case, text in tally.cases.items() if case not in by_text.get(text, []))
    duplicated = sum(len(cases) - 1 for cases in by_text.values() if len(cases) > 1)
    counts = [_deliveries(emu, worker, answer) for answer, worker in tally.answers.items()]
    return {
        "kills": tally.kills,
        "questions_with_case_number": len(tally.cases),
        "questions_stored": len(rows),
        "questions_lost": lost,
        "questions_duplicated": duplicated,
        "answers_sent_by_officials": len(tally.answers),
        "answers_missing": sum(1 for c in counts if c == 0),
        "answers_duplicated": sum(c - 1 for c in counts if c > 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.pop("BOT_TOKEN", None)
    result = asyncio.run(run_chaos(args.kills, args.workers, args.seed))
    for key, value in result.items():
        print(f"{key.replace('_', ' '):28} {value}")
    bad = result["questions_lost"] or result["questions_duplicated"] or result["answers_missing"] \
        or result["answers_duplicated"]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
