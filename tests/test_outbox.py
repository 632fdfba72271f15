"""The outbox dispatcher: order per chat, retries, permanent failures."""

from __future__ import annotations

import time
from pathlib import Path

from bot.models import Delivery, OutboxMessage, OutboxRequest
from bot.services.outbox import MAX_ATTEMPTS, OutboxDispatcher
from bot.storage import Storage


class Clock:
    """Starts a little after the real time the storage stamps rows with."""

    def __init__(self) -> None:
        self.now = time.time() + 1

    def __call__(self) -> float:
        return self.now


class ScriptedSender:
    """Answers each send from a script of Deliveries (default: success)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.script: dict[str, list[Delivery]] = {}
        self.next_id = 100

    async def __call__(self, message: OutboxMessage) -> Delivery:
        queue = self.script.get(message.text)
        if queue:
            return queue.pop(0)
        self.sent.append(message.text)
        self.next_id += 1
        return Delivery(ok=True, message_id=self.next_id)


async def make(tmp_path: Path) -> tuple[Storage, OutboxDispatcher, ScriptedSender, Clock]:
    storage = await Storage.open(tmp_path / "outbox.sqlite3")
    sender, clock = ScriptedSender(), Clock()
    return storage, OutboxDispatcher(storage, {"t": sender}, clock=clock), sender, clock


def req(chat: str, text: str, **kw: object) -> OutboxRequest:
    return OutboxRequest(channel="t", chat_id=chat, text=text, due_at=None, **kw)  # type: ignore[arg-type]


async def drain(dispatcher: OutboxDispatcher) -> None:
    while await dispatcher.send_due():
        pass


async def test_retry_after_pauses_delivery_and_keeps_order(tmp_path: Path) -> None:
    storage, dispatcher, sender, clock = await make(tmp_path)
    sender.script["a1"] = [Delivery(ok=False, retry_after=30, error="429")]
    await storage.enqueue([req("A", "a1"), req("A", "a2"), req("B", "b1")])
    await drain(dispatcher)
    # Flood control is the bot's, not one chat's: nothing more goes out in this pass.
    assert sender.sent == []
    assert dispatcher._paused_until == clock.now + 30
    clock.now += 31
    await drain(dispatcher)
    assert sorted(sender.sent) == ["a1", "a2", "b1"]
    assert sender.sent.index("a1") < sender.sent.index("a2")  # each chat's order is kept
    await storage.close()


async def test_permanent_failure_is_recorded_and_not_retried(tmp_path: Path) -> None:
    storage, dispatcher, sender, clock = await make(tmp_path)
    await storage.upsert_user("t", "A", "A", "An", "vi")
    sender.script["a1"] = [Delivery(ok=False, permanent=True, user_blocked=True, error="blocked")]
    await storage.enqueue([req("A", "a1"), req("A", "a2")])
    await drain(dispatcher)
    clock.now += 10_000
    await drain(dispatcher)
    rows = await storage.outbox_rows()
    assert rows[0]["failed_at"] is not None and rows[0]["last_error"] == "blocked"
    assert sender.sent == ["a2"]  # the next message is still tried
    await storage.close()


async def test_transient_errors_back_off_then_give_up(tmp_path: Path) -> None:
    storage, dispatcher, sender, clock = await make(tmp_path)
    sender.script["x"] = [Delivery(ok=False, error="timeout")] * (MAX_ATTEMPTS + 5)
    await storage.enqueue([req("A", "x")])
    for _ in range(MAX_ATTEMPTS + 2):
        await drain(dispatcher)
        clock.now += 1000
    row = (await storage.outbox_rows())[0]
    assert row["attempts"] == MAX_ATTEMPTS
    assert row["failed_at"] is not None and sender.sent == []
    await storage.close()


async def test_dedupe_key_queues_once(tmp_path: Path) -> None:
    storage, dispatcher, sender, _clock = await make(tmp_path)
    await storage.enqueue([req("A", "once", dedupe_key="k")])
    await storage.enqueue([req("A", "once", dedupe_key="k")])
    await drain(dispatcher)
    assert sender.sent == ["once"]
    await storage.close()


async def test_migrations_set_user_version(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "v.sqlite3")
    assert await storage.schema_version() >= 1
    await storage.close()
    again = await Storage.open(tmp_path / "v.sqlite3")  # re-opening applies nothing twice
    assert await again.schema_version() >= 1
    await again.close()


async def test_a_send_cut_by_a_crash_is_repeated_for_answers_not_for_announcements(tmp_path: Path) -> None:
    storage, dispatcher, sender, _clock = await make(tmp_path)
    async with storage._transaction() as db:  # noqa: SLF001 - a broadcast row needs its broadcast
        await db.execute("""INSERT INTO broadcasts (id, created_by, text, audience, total, created_at)
                            VALUES (1, 9, 'tin', 'all', 1, 0)""")
    await storage.enqueue([req("A", "answer"), OutboxRequest(channel="t", chat_id="B", text="news",
                                                             broadcast_id=1, priority=1)])
    for row in await storage.due_outbox(time.time() + 10):
        await storage.begin_sending(row.id)  # ...and then the process died
    assert await storage.settle_interrupted_sends() == (1, 1)
    await drain(dispatcher)
    assert sender.sent == ["answer"]  # the answer again; the announcement not twice
    rows = {r["text"]: r for r in await storage.outbox_rows()}
    assert rows["news"]["sent_at"] is not None and "not repeated" in rows["news"]["last_error"]
    await storage.close()
