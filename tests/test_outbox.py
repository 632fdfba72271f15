"""The outbox dispatcher: order per chat, retries, permanent failures."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import Catalog
from bot.models import Delivery, Draft, OutboxMessage, OutboxRequest
from bot.services.outbox import MAX_ATTEMPTS, OutboxDispatcher, UndeliveredNotices
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


async def test_a_postponed_row_keeps_its_attempts_and_holds_only_its_chat(tmp_path: Path) -> None:
    storage, dispatcher, sender, clock = await make(tmp_path)
    # "Not now" (Zalo at night) more often than MAX_ATTEMPTS allows failures: never failed for good.
    sender.script["a1"] = [Delivery(ok=False, postpone=3600, error="-234: not at night")] * (MAX_ATTEMPTS + 3)
    await storage.enqueue([req("A", "a1"), req("A", "a2"), req("B", "b1")])
    await drain(dispatcher)
    assert sender.sent == ["b1"]            # another chat is not held up
    assert dispatcher._paused_until == 0.0  # and nothing else is paused
    row = (await storage.outbox_rows())[0]
    assert row["attempts"] == 0 and row["due_at"] == clock.now + 3600
    clock.now += 1800
    await drain(dispatcher)
    assert sender.sent == ["b1"]            # not before its time
    for _ in range(MAX_ATTEMPTS + 3):
        clock.now += 3601
        await drain(dispatcher)
    rows = await storage.outbox_rows()
    assert rows[0]["failed_at"] is None and rows[0]["attempts"] == 1  # the one send that worked
    assert sender.sent == ["b1", "a1", "a2"]
    await storage.close()


async def case_with_follower(storage: Storage) -> tuple[int, str, str]:
    """A case asked on channel "t" by chat "A" and followed by chat "F": (case, asker, follower)."""
    asker = await storage.upsert_user("t", "A", "A", "An", "vi")
    follower = await storage.upsert_user("t", "F", "F", "Phương", "vi")
    await storage.set_consent(asker.id, True, "An")
    draft = Draft(user_id=asker.id, step="confirm", version=1, topic="housing", text="Tiền nhà?",
                  anonymous=False)
    question = await storage.submit_question(
        draft, "An", None, lambda q: OutboxRequest(channel="officials", chat_id="-100", text=f"card #{q.id}",
                                                  card_question_id=q.id))
    async with storage._transaction() as db:  # noqa: SLF001 - "me too" as the service records it
        await db.execute("INSERT INTO followers (question_id, user_id, created_at) VALUES (?, ?, 0)",
                         (question.id, follower.id))
    return question.id, asker.chat_id, follower.chat_id


def answer_rows(case: int, chat: str, user_id: int, pieces: int) -> list[OutboxRequest]:
    """A long answer as QuestionService queues it: one row per piece, keys ending in the piece."""
    return [OutboxRequest(channel="t", chat_id=chat, text=f"📬 Trả lời #{case} ({i + 1}) &lt;KCN&gt;",
                          question_id=case, dedupe_key=f"answer:-100:77:{user_id}:{i}")
            for i in range(pieces)]


async def notices_dispatcher(storage: Storage, sender: ScriptedSender, clock: Clock) -> OutboxDispatcher:
    notices = UndeliveredNotices(storage, Catalog("vi"), "officials", "-100", "vi")
    return OutboxDispatcher(storage, {"t": sender, "officials": sender}, clock=clock, on_undelivered=notices)


async def test_one_notice_for_a_long_answer_naming_the_follower(tmp_path: Path) -> None:
    storage, _dispatcher, sender, clock = await make(tmp_path)
    dispatcher = await notices_dispatcher(storage, sender, clock)
    case, _asker, follower_chat = await case_with_follower(storage)
    follower = await storage.user_by_chat("t", follower_chat)
    assert follower is not None
    rows = answer_rows(case, follower_chat, follower.id, 3)
    for row in rows:
        sender.script[row.text] = [Delivery(ok=False, permanent=True, user_blocked=True, error="403: blocked")]
    await storage.enqueue(rows)
    await drain(dispatcher)
    notices = [r for r in await storage.outbox_rows() if r["channel"] == "officials" and "⚠️" in r["text"]]
    assert len(notices) == 1, [n["text"] for n in notices]   # one per answer, not one per piece
    text = notices[0]["text"]
    assert "không đến được người theo dõi câu hỏi" in text and "người theo dõi câu hỏi đã chặn bot" in text
    assert "người hỏi" not in text                             # the asker did get it
    assert "câu hỏi của tôi" not in text                       # a follower's history does not hold it
    assert "&lt;KCN&gt;" in text and "&amp;" not in text      # the preview is escaped once
    assert [(e.action, e.detail) for e in await storage.events_of(case)][-1] == (
        "undelivered_follower", "t: 403: blocked")
    await storage.close()


async def test_the_notice_is_written_with_the_failure_or_not_at_all(tmp_path: Path) -> None:
    storage, _dispatcher, sender, clock = await make(tmp_path)
    dispatcher = await notices_dispatcher(storage, sender, clock)
    case, asker_chat, _follower = await case_with_follower(storage)
    asker = await storage.user_by_chat("t", asker_chat)
    assert asker is not None
    [row] = answer_rows(case, asker_chat, asker.id, 1)
    sender.script[row.text] = [Delivery(ok=False, permanent=True, error="400: chat <b> not found")] * 2
    await storage.enqueue([row])
    real_event = storage._event
    calls = 0

    async def event_once_failing(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise sqlite3.OperationalError("disk I/O error")
        await real_event(*args, **kwargs)

    storage._event = event_once_failing  # type: ignore[method-assign]
    with pytest.raises(sqlite3.OperationalError):
        await dispatcher.send_due()
    # Nothing half-written: the row is not failed without its notice, so it is tried again.
    answer = [r for r in await storage.outbox_rows() if r["dedupe_key"] == row.dedupe_key][0]
    assert answer["failed_at"] is None
    await drain(dispatcher)
    rows = await storage.outbox_rows()
    assert [r["failed_at"] is not None for r in rows if r["dedupe_key"] == row.dedupe_key] == [True]
    notices = [r["text"] for r in rows if r["channel"] == "officials" and "⚠️" in r["text"]]
    assert len(notices) == 1 and "không đến được người hỏi" in notices[0]
    assert "nền tảng từ chối tin nhắn (400: chat &lt;b&gt; not found)" in notices[0]  # escaped once, not twice
    assert "câu hỏi của tôi" in notices[0]   # an answer to the asker waits in their history
    assert [e.action for e in await storage.events_of(case)][-1] == "undelivered"
    await storage.close()
