"""Raw SQL over aiosqlite: the only module that talks to the database.

Migrations are the numbered files in `migrations/`, applied in order at open
and tracked with `PRAGMA user_version`.

There is one connection. Every write goes through `_transaction()`, which
holds a lock from the first statement to the commit, so two coroutines can
never interleave statements inside one another's transaction.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiosqlite

from bot.models import (Answer, Broadcast, Button, Conference, Draft, Event, Followup, OutboxMessage,
                        OutboxRequest, Question, Undelivered, User)
from knowledge_base import Entry, merge_variants, split_variants

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Columns a transition may change (see `transition`).
QUESTION_FIELDS = frozenset({"status", "department", "assigned_by", "forwarded_to", "duplicate_of",
                             "reject_reason", "due_at", "nudged_at"})


def _buttons_to_json(buttons: Sequence[Sequence[Button]]) -> str | None:
    if not buttons:
        return None
    return json.dumps([[[b.label, b.data] for b in row] for row in buttons], ensure_ascii=False)


def _buttons_from_json(raw: str | None) -> tuple[tuple[Button, ...], ...]:
    if not raw:
        return ()
    return tuple(tuple(Button(label, data) for label, data in row) for row in json.loads(raw))


def _outbox_message(r: aiosqlite.Row) -> OutboxMessage:
    return OutboxMessage(id=r["id"], channel=r["channel"], chat_id=r["chat_id"], text=r["text"],
                         thread_id=r["thread_id"], edit_message_id=r["edit_message_id"],
                         reply_to_message_id=r["reply_to_message_id"],
                         buttons=_buttons_from_json(r["buttons"]),
                         card_question_id=r["card_question_id"], attempts=r["attempts"],
                         broadcast_id=r["broadcast_id"], attachment_kind=r["attachment_kind"],
                         attachment=r["attachment"], question_id=r["question_id"],
                         dedupe_key=r["dedupe_key"], pieces_sent=r["pieces_sent"])


class Storage:
    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str, migrations_dir: Path = MIGRATIONS_DIR) -> Storage:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        await db.execute("PRAGMA synchronous=NORMAL")
        storage = cls(db, path)
        await storage._migrate(migrations_dir)
        return storage

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self, migrations_dir: Path) -> None:
        current = await self.schema_version()
        for script in sorted(migrations_dir.glob("[0-9][0-9][0-9][0-9]_*.sql")):
            number = int(script.name[:4])
            if number <= current:
                continue
            log.info("applying migration %s", script.name)
            # executescript commits first; the version bump rides in the same script.
            await self._db.executescript(
                "BEGIN;\n" + script.read_text(encoding="utf-8") + f"\nPRAGMA user_version={number};\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        row = await self._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    # -- helpers -----------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                yield self._db
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _event(self, db: aiosqlite.Connection, question_id: int, actor_id: int | None,
                     actor_name: str, action: str, detail: str, now: float,
                     source: str | None = None) -> None:
        await db.execute(
            """INSERT INTO events (question_id, actor_id, actor_name, action, detail, created_at, source)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (question_id, actor_id, actor_name, action, detail, now, source),
        )

    # -- users -------------------------------------------------------------

    async def upsert_user(self, channel: str, external_id: str, chat_id: str,
                          display_name: str, language: str) -> User:
        async with self._transaction() as db:
            # The name is personal data: kept only once the person agreed to it.
            now = time.time()
            await db.execute(
                """INSERT INTO users (channel, external_id, chat_id, display_name, language, created_at,
                                      last_seen_at)
                   VALUES (?, ?, ?, '', ?, ?, ?)
                   ON CONFLICT (channel, external_id) DO UPDATE SET
                     chat_id = excluded.chat_id,
                     display_name = CASE WHEN users.consent = 'granted' THEN ? ELSE '' END,
                     language = excluded.language, blocked_at = NULL, last_seen_at = excluded.last_seen_at""",
                (channel, external_id, chat_id, language, now, now, display_name),
            )
        row = await self._one(
            "SELECT * FROM users WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        assert row is not None
        return _user(row)

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    async def mark_blocked(self, channel: str, chat_id: str) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE users SET blocked_at = ? WHERE channel = ? AND chat_id = ?",
                             (time.time(), channel, chat_id))

    # -- drafts ------------------------------------------------------------

    async def get_draft(self, user_id: int) -> Draft | None:
        row = await self._one("SELECT * FROM drafts WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return Draft(
            user_id=row["user_id"], step=row["step"], version=row["version"], topic=row["topic"],
            text=row["text"],
            anonymous=None if row["anonymous"] is None else bool(row["anonymous"]),
            suggestions=tuple(json.loads(row["suggestions"] or "[]")), case_id=row["case_id"],
            conference_id=row["conference_id"],
        )

    async def save_draft(self, draft: Draft) -> None:
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO drafts (user_id, step, version, topic, text, anonymous, suggestions,
                                       case_id, conference_id, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET step = excluded.step, version = excluded.version,
                     topic = excluded.topic, text = excluded.text, anonymous = excluded.anonymous,
                     suggestions = excluded.suggestions, case_id = excluded.case_id,
                     conference_id = excluded.conference_id, updated_at = excluded.updated_at""",
                (draft.user_id, draft.step, draft.version, draft.topic, draft.text,
                 None if draft.anonymous is None else int(draft.anonymous),
                 json.dumps(list(draft.suggestions)), draft.case_id, draft.conference_id, time.time()),
            )

    async def delete_draft(self, user_id: int) -> None:
        async with self._transaction() as db:
            await db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    # -- questions ---------------------------------------------------------

    async def submit_question(self, draft: Draft, asker_name: str | None, due_at: float | None,
                              card: Callable[[Question], OutboxRequest]) -> Question:
        """Create the question, queue its card and drop the draft, atomically."""
        assert draft.topic and draft.text and draft.anonymous is not None
        now = time.time()
        name = None if draft.anonymous else asker_name
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT INTO questions (user_id, topic, text, anonymous, asker_name, created_at, due_at,
                                         conference_id, kb_declined)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (draft.user_id, draft.topic, draft.text, int(draft.anonymous), name, now, due_at,
                 draft.conference_id, "\n".join(draft.suggestions)),  # shown, and still sent
            )
            assert cursor.lastrowid is not None
            question = Question(id=cursor.lastrowid, user_id=draft.user_id, topic=draft.topic,
                                text=draft.text, anonymous=draft.anonymous, asker_name=name,
                                status="open", rating=None, created_at=now, answered_at=None,
                                due_at=due_at, conference_id=draft.conference_id)
            await self._event(db, question.id, None, name or "", "asked", "", now)
            request = card(question)
            await self._insert_outbox(db, replace(
                request, card_question_id=question.id,
                dedupe_key=request.dedupe_key or f"card:{question.id}"), now)
            await db.execute("DELETE FROM drafts WHERE user_id = ?", (draft.user_id,))
        return question

    async def get_question(self, question_id: int) -> Question | None:
        row = await self._one("SELECT * FROM questions WHERE id = ?", (question_id,))
        return _question(row) if row else None

    async def questions_of_user(self, user_id: int, limit: int = 20) -> list[Question]:
        """The user's own questions and those they follow, newest first."""
        rows = await self._all(
            """SELECT * FROM questions WHERE user_id = ?
                 OR id IN (SELECT question_id FROM followers WHERE user_id = ?)
               ORDER BY id DESC LIMIT ?""", (user_id, user_id, limit)
        )
        return [_question(r) for r in rows]

    async def open_questions(self) -> list[Question]:
        return [_question(r) for r in await self._all(
            "SELECT * FROM questions WHERE status = 'open' ORDER BY id")]

    async def all_questions(self, since: float = 0.0) -> list[Question]:
        return [_question(r) for r in await self._all(
            "SELECT * FROM questions WHERE created_at >= ? ORDER BY id", (since,))]

    async def overdue_questions(self, now: float) -> list[Question]:
        return [_question(r) for r in await self._all(
            """SELECT * FROM questions WHERE status = 'open' AND due_at IS NOT NULL AND due_at <= ?
                 AND nudged_at IS NULL ORDER BY due_at""", (now,))]

    async def set_rating(self, question_id: int, rating: int) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE questions SET rating = ? WHERE id = ?", (rating, question_id))

    # -- ratings by askers and followers, and why a 👎 --------------------------

    async def rate(self, question_id: int, user_id: int, rating: int, *, follower: bool,
                   deliveries: Callable[[Question], Awaitable[Sequence[OutboxRequest]]]) -> None:
        """Store (or change) one person's 👍/👎 on a case and queue what officials see,
        atomically. The asker's is also the question's `rating`; a changed rating drops
        the reason given for the earlier one."""
        now = time.time()
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO ratings (question_id, user_id, follower, rating, created_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (question_id, user_id) DO UPDATE SET
                     reason = CASE WHEN ratings.rating = excluded.rating THEN ratings.reason END,
                     rating = excluded.rating, created_at = excluded.created_at""",
                (question_id, user_id, int(follower), rating, now))
            if not follower:
                await db.execute("UPDATE questions SET rating = ? WHERE id = ?", (rating, question_id))
            if rating < 0:  # in the history, and a day the digest has something to tell
                await self._event(db, question_id, None, "", "disliked_follower" if follower else "disliked",
                                  "", now)
            question = await self.get_question(question_id)
            assert question is not None
            for request in await deliveries(question):
                await self._insert_outbox(db, _about(request, question_id), now)

    async def rating_reason(self, question_id: int, user_id: int, reason: str,
                            deliveries: Callable[[Question], Awaitable[Sequence[OutboxRequest]]]) -> bool:
        """Why a person gave a 👎, with what officials see, atomically; False without a 👎."""
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE ratings SET reason = ? WHERE question_id = ? AND user_id = ? AND rating = -1",
                (reason, question_id, user_id))
            if cursor.rowcount == 0:
                return False
            row = await self._one("SELECT follower FROM ratings WHERE question_id = ? AND user_id = ?",
                                  (question_id, user_id))
            await self._event(db, question_id, None, "",
                              "disliked_follower" if row and row[0] else "disliked", reason, now)
            question = await self.get_question(question_id)
            assert question is not None
            for request in await deliveries(question):
                await self._insert_outbox(db, _about(request, question_id), now)
        return True

    async def rating_of(self, question_id: int, user_id: int) -> int | None:
        row = await self._one("SELECT rating FROM ratings WHERE question_id = ? AND user_id = ?",
                              (question_id, user_id))
        return int(row[0]) if row else None

    async def dislikes_of(self, question_id: int) -> list[tuple[bool, str | None]]:
        """The case's 👎, oldest first: (by a follower?, the reason or None)."""
        rows = await self._all(
            "SELECT follower, reason FROM ratings WHERE question_id = ? AND rating = -1 ORDER BY created_at",
            (question_id,))
        return [(bool(r["follower"]), r["reason"]) for r in rows]

    async def dislikes_since_last_digest(self) -> list[tuple[int, bool, str | None]]:
        """Every 👎 given since the last day the digest considered (at most a day back for
        the first): (case, by a follower?, the reason or None)."""
        rows = await self._all(
            """SELECT question_id, follower, reason FROM ratings WHERE rating = -1 AND created_at >
                 COALESCE((SELECT MAX(created_at) FROM digests), ?) ORDER BY created_at""",
            (time.time() - 24 * 3600,))
        return [(r["question_id"], bool(r["follower"]), r["reason"]) for r in rows]

    async def follower_ratings(self) -> tuple[int, int]:
        """👍 and 👎 given by followers ("me too", a duplicate's asker)."""
        row = await self._one(
            """SELECT COALESCE(SUM(rating = 1), 0), COALESCE(SUM(rating = -1), 0)
               FROM ratings WHERE follower = 1""")
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def duplicate_asked_by(self, question_id: int, user_id: int) -> Question | None:
        """This person's own question merged into `question_id` with /dup, if any."""
        row = await self._one(
            """SELECT * FROM questions WHERE duplicate_of = ? AND user_id = ? AND status = 'duplicate'
               ORDER BY id DESC LIMIT 1""", (question_id, user_id))
        return _question(row) if row else None

    async def transition(
        self, question_id: int, expected_version: int | None, changes: dict[str, Any],
        event: tuple[int | None, str, str, str],
        deliveries: Callable[[Question], Awaitable[Sequence[OutboxRequest]]],
        *, followers: Iterable[tuple[int, int]] = (), followup: tuple[int, str] | None = None,
        source: str | None = None,
    ) -> Question | None:
        """Change a question, record who did what, and queue what must be sent — atomically.

        `expected_version` None skips the staleness check (commands typed by
        officials name the case explicitly). Returns None when the question
        changed since the caller looked (a stale card or a double click).
        `deliveries` sees the question as changed, inside the transaction.
        `followers` are (question id, user id) pairs to add; `followup` is
        (user id, text) of a worker's follow-up question. `source` names the
        message that asked for the change: the same source never applies twice
        (a replayed update), and the question is returned as it is.
        """
        unknown = set(changes) - QUESTION_FIELDS
        if unknown:
            raise ValueError(f"not a question field: {sorted(unknown)}")
        now = time.time()
        async with self._transaction() as db:
            if source is not None and await self._one("SELECT 1 FROM events WHERE source = ?", (source,)):
                return await self.get_question(question_id)
            assignments = "".join(f", {name} = ?" for name in changes)
            sql = f"UPDATE questions SET version = version + 1{assignments} WHERE id = ?"
            params: list[Any] = [*changes.values(), question_id]
            if expected_version is not None:
                sql += " AND version = ?"
                params.append(expected_version)
            cursor = await db.execute(sql, params)
            if cursor.rowcount == 0:
                return None
            for followed, user_id in followers:
                await db.execute(
                    "INSERT OR IGNORE INTO followers (question_id, user_id, created_at) VALUES (?, ?, ?)",
                    (followed, user_id, now),
                )
            if followup is not None:
                await db.execute(
                    "INSERT INTO followups (question_id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
                    (question_id, followup[0], followup[1], now),
                )
            actor_id, actor_name, action, detail = event
            await self._event(db, question_id, actor_id, actor_name, action, detail, now, source)
            question = await self.get_question(question_id)
            assert question is not None
            for request in await deliveries(question):
                await self._insert_outbox(db, _about(request, question_id), now)
        return question

    async def followers_of(self, question_id: int) -> list[User]:
        rows = await self._all(
            """SELECT users.* FROM followers JOIN users ON users.id = followers.user_id
               WHERE followers.question_id = ? ORDER BY followers.created_at""", (question_id,))
        return [_user(r) for r in rows]

    async def followups_of(self, question_id: int) -> list[Followup]:
        rows = await self._all("SELECT * FROM followups WHERE question_id = ? ORDER BY id", (question_id,))
        return [Followup(id=r["id"], question_id=r["question_id"], text=r["text"],
                         created_at=r["created_at"], user_id=r["user_id"]) for r in rows]

    async def events_of(self, question_id: int) -> list[Event]:
        rows = await self._all("SELECT * FROM events WHERE question_id = ? ORDER BY id", (question_id,))
        return [Event(question_id=r["question_id"], actor_id=r["actor_id"], actor_name=r["actor_name"],
                      action=r["action"], detail=r["detail"], created_at=r["created_at"]) for r in rows]

    async def record_deflection(self, user_id: int, topic: str, text: str, kb_entry_id: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO kb_deflections (user_id, topic, text, kb_entry_id, created_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (user_id, topic, text, kb_entry_id, time.time()),
            )
            await db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    async def count_deflections(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM kb_deflections")
        return int(row[0]) if row else 0

    # -- answers -----------------------------------------------------------

    async def add_answer(self, question: Question, official_id: int, official_name: str, text: str,
                         source: tuple[str, int],
                         deliveries: Callable[[Question], Awaitable[Sequence[OutboxRequest]]],
                         attachment_kind: str | None = None, followup_id: int | None = None,
                         ) -> Answer | None:
        """Store an answer, close the case and queue its deliveries, atomically.

        Returns None when this official message was already stored as an
        answer (a replayed update), so nothing is delivered twice.
        `attachment_kind`: the official's message was a photo, file or voice
        message, `text` its caption. `followup_id`: the follow-up it answers, if any.
        """
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT OR IGNORE INTO answers (question_id, official_id, official_name, text,
                                                  source_chat_id, source_message_id, created_at,
                                                  attachment_kind, followup_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (question.id, official_id, official_name, text, source[0], source[1], now,
                 attachment_kind, followup_id),
            )
            if cursor.rowcount == 0:
                return None
            answer_id = cursor.lastrowid
            await db.execute(
                """UPDATE questions SET status = 'answered', version = version + 1,
                     answered_at = COALESCE(answered_at, ?) WHERE id = ?""",
                (now, question.id),
            )
            await self._event(db, question.id, official_id, official_name, "answered", "", now)
            changed = await self.get_question(question.id)
            assert changed is not None
            for request in await deliveries(changed):
                await self._insert_outbox(db, _about(request, question.id), now)
        return Answer(id=answer_id or 0, question_id=question.id, official_id=official_id,
                      official_name=official_name, text=text, created_at=now,
                      attachment_kind=attachment_kind, source=source, followup_id=followup_id)

    async def answer_from(self, chat_id: str, message_id: int) -> Answer | None:
        row = await self._one(
            "SELECT * FROM answers WHERE source_chat_id = ? AND source_message_id = ?", (chat_id, message_id))
        return _answer(row) if row else None

    async def edit_answer(self, answer: Answer, text: str, editor: tuple[int, str],
                          deliveries: Callable[[Question], Awaitable[Sequence[OutboxRequest]]]) -> bool:
        """Replace an answer's text and queue the correction; False if nothing changed."""
        if text == answer.text:
            return False
        now = time.time()
        async with self._transaction() as db:
            await db.execute("UPDATE answers SET text = ?, edited_at = ? WHERE id = ?", (text, now, answer.id))
            await self._event(db, answer.question_id, editor[0], editor[1], "answer_edited", "", now)
            question = await self.get_question(answer.question_id)
            assert question is not None
            for request in await deliveries(question):
                await self._insert_outbox(db, _about(request, question.id), now)
        return True

    async def duplicate_texts(self, question_id: int) -> list[str]:
        """The texts of the questions merged into this one, oldest first."""
        rows = await self._all(
            "SELECT text FROM questions WHERE duplicate_of = ? AND status = 'duplicate' ORDER BY id",
            (question_id,))
        return [r["text"] for r in rows]

    async def answers_of(self, question_id: int) -> list[Answer]:
        rows = await self._all("SELECT * FROM answers WHERE question_id = ? ORDER BY id", (question_id,))
        return [_answer(r) for r in rows]

    # -- cards -------------------------------------------------------------

    async def question_for_card(self, chat_id: str, message_id: int) -> int | None:
        row = await self._one(
            "SELECT question_id FROM cards WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return int(row[0]) if row else None

    async def cards_of(self, question_id: int) -> list[tuple[str, int, int | None]]:
        """The question's cards, the main card first (follow-up cards after it).

        Cards left in a chat that Telegram moved come last: they can no longer be
        edited, and the card re-posted in the new chat is the main one.
        """
        rows = await self._all(
            """SELECT chat_id, message_id, thread_id FROM cards WHERE question_id = ?
               ORDER BY chat_id IN (SELECT old_chat_id FROM chat_migrations), rowid""",
            (question_id,),
        )
        return [(r["chat_id"], r["message_id"], r["thread_id"]) for r in rows]

    # -- digests -----------------------------------------------------------

    async def queue_digest(self, day: str, requests: Sequence[OutboxRequest]) -> bool:
        """Queue the digest of `day` unless it was queued before; True if queued now."""
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute("INSERT OR IGNORE INTO digests (day, created_at) VALUES (?, ?)",
                                      (day, now))
            if cursor.rowcount == 0:
                return False
            for request in requests:
                await self._insert_outbox(db, request, now)
        return True

    async def digest_sent(self, day: str) -> bool:
        return await self._one("SELECT 1 FROM digests WHERE day = ?", (day,)) is not None

    async def record_quiet_day(self, day: str) -> bool:
        """Record `day` as considered, with no digest, if it has nothing to tell.

        Quiet means no case is open and no case changed (no event) since the last
        day was considered. Checked and recorded in one transaction, so a change
        made meanwhile is never skipped. True if the day was recorded as quiet now.
        """
        async with self._transaction() as db:
            async with db.execute(
                """SELECT NOT EXISTS (SELECT 1 FROM questions WHERE status = 'open')
                      AND NOT EXISTS (SELECT 1 FROM events WHERE created_at >
                                      COALESCE((SELECT MAX(created_at) FROM digests), 0))""",
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or not row[0]:
                return False
            cursor = await db.execute("INSERT OR IGNORE INTO digests (day, created_at) VALUES (?, ?)",
                                      (day, time.time()))
            return cursor.rowcount > 0

    async def ratings(self) -> tuple[int, int]:
        row = await self._one(
            "SELECT COALESCE(SUM(rating = 1), 0), COALESCE(SUM(rating = -1), 0) FROM questions")
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # -- knowledge base ----------------------------------------------------

    async def kb_entries(self) -> list[Entry]:
        rows = await self._all("SELECT id, topic, question, answer, variants FROM kb_entries ORDER BY id")
        return [_entry(r) for r in rows]

    async def kb_entry(self, entry_id: str) -> Entry | None:
        row = await self._one("SELECT id, topic, question, answer, variants FROM kb_entries WHERE id = ?", (entry_id,))
        return _entry(row) if row else None

    async def upsert_kb_entries(self, entries: Iterable[Entry], source_question_id: int | None = None, *,
                                keep_variants: bool = False) -> list[Entry]:
        """Insert or replace entries in one transaction; returns them as stored.
        With `keep_variants` an entry keeps the variants already stored and adds
        its own (a case published again, a CSV without a variants column)."""
        now = time.time()
        stored = []
        async with self._transaction() as db:
            for entry in entries:
                if keep_variants:
                    async with db.execute("SELECT variants FROM kb_entries WHERE id = ?", (entry.id,)) as cursor:
                        row = await cursor.fetchone()
                    if row is not None:
                        entry = replace(entry, variants=merge_variants(
                            split_variants(row["variants"]), entry.variants, entry.question))
                await db.execute(
                    """INSERT INTO kb_entries (id, topic, question, answer, variants, source_question_id,
                                               created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (id) DO UPDATE SET topic = excluded.topic, question = excluded.question,
                         answer = excluded.answer, variants = excluded.variants,
                         updated_at = excluded.updated_at""",
                    (entry.id, entry.topic, entry.question, entry.answer, "\n".join(entry.variants),
                     source_question_id, now, now),
                )
                stored.append(entry)
        return stored

    async def add_kb_variants(self, entry_id: str, wordings: Sequence[str]) -> tuple[Entry | None, bool]:
        """Add wordings to an entry's variants in one transaction: the entry as
        stored (None if there is none) and whether any wording was new."""
        async with self._transaction() as db:
            async with db.execute("SELECT id, topic, question, answer, variants FROM kb_entries WHERE id = ?",
                                  (entry_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None, False
            entry = _entry(row)
            variants = merge_variants(entry.variants, wordings, entry.question)
            if variants == entry.variants:
                return entry, False
            await db.execute("UPDATE kb_entries SET variants = ?, updated_at = ? WHERE id = ?",
                             ("\n".join(variants), time.time(), entry_id))
        # Asked again, a wording only moves to the newest end: nothing new was learned.
        return replace(entry, variants=variants), bool(set(variants) - set(entry.variants))

    # -- officials' tools: declined KB entries, likely duplicates, forward targets, previews --

    async def declined_entries(self, question_id: int) -> tuple[str, ...]:
        """The KB entries the asker was shown and sent the question anyway."""
        row = await self._one("SELECT kb_declined FROM questions WHERE id = ?", (question_id,))
        return tuple(line for line in (row[0] if row else "").split("\n") if line)

    async def recent_cases(self, exclude_id: int, limit: int) -> list[Question]:
        """The newest cases another one may duplicate: waiting, answered or forwarded ones,
        themselves no duplicate."""
        rows = await self._all(
            """SELECT * FROM questions WHERE id != ? AND duplicate_of IS NULL
                 AND status IN ('open', 'answered', 'forwarded') ORDER BY id DESC LIMIT ?""",
            (exclude_id, limit))
        return [_question(r) for r in rows]

    async def recent_authorities(self, limit: int) -> list[str]:
        """Where officials forwarded cases lately, the latest first, each once."""
        rows = await self._all(
            """SELECT detail FROM events WHERE action = 'forwarded' AND detail != ''
               GROUP BY detail ORDER BY MAX(id) DESC LIMIT ?""", (limit,))
        return [r[0] for r in rows]

    async def save_publish_preview(self, chat_id: str, message_id: int, question_id: int,
                                   pair: int) -> None:
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO publish_previews (chat_id, message_id, question_id, pair, created_at)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING""",
                (chat_id, message_id, question_id, pair, time.time()))

    async def publish_preview(self, chat_id: str, message_id: int) -> dict[str, Any] | None:
        row = await self._one("SELECT * FROM publish_previews WHERE chat_id = ? AND message_id = ?",
                              (chat_id, message_id))
        return dict(row) if row else None

    async def update_publish_preview(self, chat_id: str, message_id: int, **changes: Any) -> None:
        """Change a preview's `pair`, `question`, `answer` or `awaiting`."""
        assert changes and set(changes) <= {"pair", "question", "answer", "awaiting"}
        columns = ", ".join(f"{name} = ?" for name in changes)
        async with self._transaction() as db:
            await db.execute(
                f"UPDATE publish_previews SET {columns} WHERE chat_id = ? AND message_id = ?",
                (*changes.values(), chat_id, message_id))

    # -- outbox ------------------------------------------------------------

    async def enqueue(self, requests: Iterable[OutboxRequest]) -> None:
        now = time.time()
        async with self._transaction() as db:
            for request in requests:
                await self._insert_outbox(db, request, now)

    async def _insert_outbox(self, db: aiosqlite.Connection, request: OutboxRequest, now: float) -> None:
        if request.chat_id.startswith("-"):  # a group: it may have moved (see migrate_chat)
            request = await self._follow_migration(db, request)
        cursor = await db.execute(
            """INSERT OR IGNORE INTO outbox (channel, chat_id, thread_id, edit_message_id,
                 reply_to_message_id, text, buttons, card_question_id, dedupe_key, due_at, created_at,
                 priority, broadcast_id, attachment_kind, attachment, question_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (request.channel, request.chat_id, request.thread_id, request.edit_message_id,
             request.reply_to_message_id, request.text, _buttons_to_json(request.buttons),
             request.card_question_id, request.dedupe_key,
             now if request.due_at is None else request.due_at, now,
             request.priority, request.broadcast_id, request.attachment_kind, request.attachment,
             request.question_id),
        )
        if request.edit_message_id is not None and cursor.rowcount and cursor.lastrowid:
            await self._supersede_edits(db, request, cursor.lastrowid)

    async def _follow_migration(self, db: aiosqlite.Connection, request: OutboxRequest) -> OutboxRequest:
        async with db.execute(
                "SELECT new_chat_id FROM chat_migrations WHERE channel = ? AND old_chat_id = ?",
                (request.channel, request.chat_id)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return request
        # Message ids of the old chat mean nothing in the new one: an edit of a card
        # there becomes a new card, and a reply to one a plain message.
        case = request.question_id or request.card_question_id
        if request.edit_message_id is not None:
            return replace(request, chat_id=row[0], edit_message_id=None, reply_to_message_id=None,
                           card_question_id=case)
        return replace(request, chat_id=row[0], reply_to_message_id=None)

    # -- officials' chats that moved or cannot be reached ------------------

    async def chat_migrations(self, channel: str) -> dict[str, str]:
        rows = await self._all("SELECT old_chat_id, new_chat_id FROM chat_migrations WHERE channel = ?",
                               (channel,))
        return {r[0]: r[1] for r in rows}

    async def migrate_chat(self, channel: str, old_chat_id: str, new_chat_id: str) -> bool:
        """Telegram moved a chat: remember it, and readdress what still waits for the old id.

        Returns False when this move was known already (a replayed update, a second error).
        """
        now = time.time()
        async with self._transaction() as db:
            async with db.execute(
                    "SELECT new_chat_id FROM chat_migrations WHERE channel = ? AND old_chat_id = ?",
                    (channel, old_chat_id)) as cursor:
                known = await cursor.fetchone()
            if known is not None and known[0] == new_chat_id:
                return False
            await db.execute(
                """INSERT INTO chat_migrations (channel, old_chat_id, new_chat_id, migrated_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (channel, old_chat_id) DO UPDATE SET new_chat_id = excluded.new_chat_id,
                     migrated_at = excluded.migrated_at""",
                (channel, old_chat_id, new_chat_id, now))
            # A chat that moved twice: the first old id follows to the newest.
            await db.execute(
                "UPDATE chat_migrations SET new_chat_id = ? WHERE channel = ? AND new_chat_id = ?",
                (new_chat_id, channel, old_chat_id))
            pending = "channel = ? AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL"
            await db.execute(
                f"""UPDATE outbox SET chat_id = ?, edit_message_id = NULL, reply_to_message_id = NULL,
                      card_question_id = COALESCE(question_id, card_question_id), due_at = ?
                    WHERE {pending} AND edit_message_id IS NOT NULL""",
                (new_chat_id, now, channel, old_chat_id))
            await db.execute(
                f"""UPDATE outbox SET chat_id = ?, reply_to_message_id = NULL, due_at = MIN(due_at, ?)
                    WHERE {pending}""",
                (new_chat_id, now, channel, old_chat_id))
            await db.execute("DELETE FROM held_chats WHERE channel = ? AND chat_id = ?",
                             (channel, old_chat_id))
        return True

    async def hold_chat(self, channel: str, chat_id: str, reason: str, now: float) -> tuple[bool, int]:
        """The bot cannot post in this chat: (a new incident?, how many probes so far)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT OR IGNORE INTO held_chats (channel, chat_id, reason, since) VALUES (?, ?, ?, ?)""",
                (channel, chat_id, reason, now))
            if cursor.rowcount:
                return True, 0
            await db.execute(
                "UPDATE held_chats SET probes = probes + 1, reason = ? WHERE channel = ? AND chat_id = ?",
                (reason, channel, chat_id))
            async with db.execute("SELECT probes FROM held_chats WHERE channel = ? AND chat_id = ?",
                                  (channel, chat_id)) as rows:
                row = await rows.fetchone()
            return False, int(row[0]) if row else 0

    async def release_chat(self, channel: str, chat_id: str, now: float) -> tuple[str, float] | None:
        """The chat is reachable again: its waiting messages become due now.

        Returns (reason, since) of the incident that ended, or None if it was not held.
        """
        async with self._transaction() as db:
            async with db.execute("SELECT reason, since FROM held_chats WHERE channel = ? AND chat_id = ?",
                                  (channel, chat_id)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await db.execute("DELETE FROM held_chats WHERE channel = ? AND chat_id = ?", (channel, chat_id))
            await db.execute(
                """UPDATE outbox SET due_at = ? WHERE channel = ? AND chat_id = ?
                     AND sent_at IS NULL AND failed_at IS NULL AND due_at > ?""",
                (now, channel, chat_id, now))
            return str(row[0]), float(row[1])

    async def waiting_cases_with_cards_in(self, chat_id: str) -> list[int]:
        """Cases still waiting for an answer whose card is in this chat."""
        rows = await self._all(
            """SELECT DISTINCT q.id FROM questions AS q JOIN cards AS c ON c.question_id = q.id
               WHERE c.chat_id = ? AND q.status IN ('open', 'forwarded') ORDER BY q.id""", (chat_id,))
        return [int(r[0]) for r in rows]

    async def held_chats(self, channel: str) -> dict[str, str]:
        rows = await self._all("SELECT chat_id, reason FROM held_chats WHERE channel = ?", (channel,))
        return {r[0]: r[1] for r in rows}

    async def waiting_for(self, channel: str, chat_id: str) -> int:
        """How many messages wait to be sent to this chat."""
        row = await self._one(
            """SELECT COUNT(*) FROM outbox WHERE channel = ? AND chat_id = ?
                 AND sent_at IS NULL AND failed_at IS NULL""", (channel, chat_id))
        return int(row[0]) if row else 0

    async def due_outbox(self, now: float, limit: int = 50) -> list[OutboxMessage]:
        # Read under the write lock: on this shared connection a read between two
        # statements of someone's transaction would see rows that may yet be rolled back.
        async with self._lock:
            rows = await self._all(
                # A chat's messages leave in order: a row waits while an older one
                # to the same chat is still pending (e.g. delayed by a retry).
                """SELECT * FROM outbox AS o WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.due_at <= ?
                     AND NOT EXISTS (SELECT 1 FROM outbox AS p
                                     WHERE p.channel = o.channel AND p.chat_id = o.chat_id AND p.id < o.id
                                       AND p.sent_at IS NULL AND p.failed_at IS NULL)
                   ORDER BY o.priority, o.id LIMIT ?""",
                (now, limit),
            )
        return [_outbox_message(r) for r in rows]

    async def next_outbox_due(self) -> float | None:
        async with self._lock:  # committed rows only (see due_outbox)
            row = await self._one(
                "SELECT MIN(due_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        return float(row[0]) if row and row[0] is not None else None

    async def mark_sent(self, message: OutboxMessage, sent_message_id: int | None) -> None:
        now = time.time()
        forgotten = await self._to_forgotten(message.id)
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET sent_at = ?, sent_message_id = ?, attempts = attempts + 1 WHERE id = ?",
                (now, sent_message_id, message.id),
            )
            if forgotten:
                await self._settle_forgotten(db, message.id)
            if message.card_question_id is not None and sent_message_id is not None:
                await db.execute(
                    """INSERT OR IGNORE INTO cards (chat_id, message_id, question_id, thread_id, created_at)
                       VALUES (?, ?, ?, ?, ?)""",
                    (message.chat_id, sent_message_id, message.card_question_id, message.thread_id, now),
                )

    async def begin_sending(self, message_id: int) -> OutboxMessage | None:
        """Claim a due row for sending: the row as committed now, or None when it is
        gone or settled since it was read (rolled back, cancelled, sent, failed)."""
        async with self._transaction() as db:
            claimed = await db.execute(
                """UPDATE outbox SET sending_at = ?
                   WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL""", (time.time(), message_id))
            if not claimed.rowcount:
                return None
            async with db.execute("SELECT * FROM outbox WHERE id = ?", (message_id,)) as cursor:
                row = await cursor.fetchone()
            return _outbox_message(row) if row is not None else None

    async def settle_interrupted_sends(self) -> tuple[int, int]:
        """Rows whose send was cut by a crash: (broadcast rows taken as sent, other rows to retry).

        Telegram cannot be asked whether such a message arrived. An announcement is
        not repeated (it almost surely arrived: the request had left); anything else —
        an answer, a card — is sent again, since losing it is worse than repeating it.
        """
        now = time.time()
        async with self._transaction() as db:
            settled = await db.execute(
                """UPDATE outbox SET sent_at = ?, last_error = 'in flight at a restart; not repeated'
                   WHERE sending_at IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL
                     AND broadcast_id IS NOT NULL""", (now,))
            retried = await db.execute(
                """UPDATE outbox SET sending_at = NULL
                   WHERE sending_at IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL""")
            return settled.rowcount, retried.rowcount

    async def mark_failed(self, message_id: int, error: str, undelivered: Undelivered | None = None) -> bool:
        """The row failed for good; with `undelivered`, the case's history and its officials'
        notice are written in the same transaction, so the notice cannot be lost.

        Returns True when a notice was queued (False if one with its dedupe key exists).
        """
        now = time.time()
        forgotten = await self._to_forgotten(message_id)
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET failed_at = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?",
                (now, error[:500], message_id),
            )
            if forgotten:
                await self._settle_forgotten(db, message_id)
            if undelivered is None:
                return False
            notice = undelivered.notice
            if notice.dedupe_key and await self._one("SELECT 1 FROM outbox WHERE dedupe_key = ?",
                                                     (notice.dedupe_key,)):
                return False
            await self._event(db, undelivered.question_id, None, "", undelivered.action, undelivered.detail, now)
            await self._insert_outbox(db, notice, now)
            return True

    async def note_pieces_sent(self, message_id: int, pieces: int) -> None:
        """So many messages of a row arrived (a row a channel sends in several pieces)."""
        async with self._transaction() as db:
            await db.execute("UPDATE outbox SET pieces_sent = ? WHERE id = ?", (pieces, message_id))

    async def postpone(self, message_id: int, due_at: float, error: str) -> None:
        """Try the row again at `due_at` without counting an attempt (the platform said "not now")."""
        async with self._transaction() as db:
            await db.execute("UPDATE outbox SET due_at = ?, last_error = ?, sending_at = NULL WHERE id = ?",
                             (due_at, error[:500], message_id))

    async def hasten_outbox(self, channel: str, now: float) -> int:
        """A channel's rows waiting for a later time become due now (the channel works again)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                """UPDATE outbox SET due_at = ?
                   WHERE channel = ? AND sent_at IS NULL AND failed_at IS NULL AND due_at > ?""",
                (now, channel, now))
            return cursor.rowcount

    async def retry_later(self, message_id: int, due_at: float, error: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                """UPDATE outbox SET due_at = ?, last_error = ?, attempts = attempts + 1, sending_at = NULL
                   WHERE id = ?""",
                (due_at, error[:500], message_id),
            )

    async def outbox_rows(self) -> list[dict[str, Any]]:
        """Every outbox row, for inspection by tests and admins."""
        return [dict(r) for r in await self._all("SELECT * FROM outbox ORDER BY id")]

    async def failed_deliveries(self, limit: int = 20) -> list[dict[str, Any]]:
        return [dict(r) for r in await self._all(
            "SELECT * FROM outbox WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT ?", (limit,))]

    # -- abuse controls: merged card edits, open-question cap, muted askers ------

    async def _supersede_edits(self, db: aiosqlite.Connection, request: OutboxRequest,
                               newest: int) -> None:
        """An edit carries the whole message: older edits of the same message still
        waiting are dropped (40 "me too" in a minute make one card edit, not 40 against
        the group's 20 a minute). A row already in flight (sending_at) is left alone."""
        await db.execute(
            """DELETE FROM outbox WHERE channel = ? AND chat_id = ? AND edit_message_id = ? AND id < ?
                 AND sent_at IS NULL AND failed_at IS NULL AND sending_at IS NULL""",
            (request.channel, request.chat_id, request.edit_message_id, newest))

    async def open_question_count(self, user_id: int) -> int:
        row = await self._one("SELECT COUNT(*) FROM questions WHERE user_id = ? AND status = 'open'",
                              (user_id,))
        return int(row[0]) if row else 0

    async def is_muted(self, user_id: int) -> bool:
        return await self._one("SELECT 1 FROM mutes WHERE user_id = ? LIMIT 1", (user_id,)) is not None

    async def muted_from(self, question_id: int) -> bool:
        """Whether an official muted the asker from this case (other cases of the same
        person do not say so: that would tell which anonymous cases are one person's)."""
        return await self._one("SELECT 1 FROM mutes WHERE question_id = ?", (question_id,)) is not None

    async def set_muted(self, question_id: int, expected_version: int | None, muted: bool,
                        event: tuple[int | None, str, str, str],
                        deliveries: Callable[[Question], Awaitable[Sequence[OutboxRequest]]],
                        *, source: str | None = None) -> tuple[Question | None, bool]:
        """Mute (or unmute) the asker of a case, record it in the case's history and queue
        the card's refresh, atomically. Returns (the case, whether anything changed);
        the case is None when it changed since the caller looked (a stale card)."""
        now = time.time()
        async with self._transaction() as db:
            if source is not None and await self._one("SELECT 1 FROM events WHERE source = ?", (source,)):
                return await self.get_question(question_id), False
            current = await self.get_question(question_id)
            if current is None or expected_version not in (None, current.version):
                return None, False
            if muted:
                cursor = await db.execute(
                    """INSERT OR IGNORE INTO mutes (question_id, user_id, muted_by, created_at)
                       VALUES (?, ?, ?, ?)""", (question_id, current.user_id, event[1], now))
            else:
                cursor = await db.execute("DELETE FROM mutes WHERE question_id = ?", (question_id,))
            if cursor.rowcount == 0:
                return current, False
            await db.execute("UPDATE questions SET version = version + 1 WHERE id = ?", (question_id,))
            await self._event(db, question_id, *event, now, source)
            question = await self.get_question(question_id)
            assert question is not None
            for request in await deliveries(question):
                await self._insert_outbox(db, _about(request, question_id), now)
        return question, True

    # -- conferences -------------------------------------------------------

    async def create_conference(self, title: str, starts_at: float, place: str, description: str,
                                topics: Sequence[str], created_by: int,
                                reminders: Sequence[tuple[str, float]]) -> Conference:
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT INTO conferences (title, starts_at, place, description, topics, created_by,
                                            created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (title, starts_at, place, description, json.dumps(list(topics)), created_by, now, now),
            )
            conference_id = cursor.lastrowid
            assert conference_id is not None
            await self._add_reminders(db, conference_id, starts_at, reminders)
        conference = await self.conference(conference_id)
        assert conference is not None
        return conference

    async def _add_reminders(self, db: aiosqlite.Connection, conference_id: int, starts_at: float,
                             reminders: Sequence[tuple[str, float]]) -> None:
        # A time changed and then changed back finds its own earlier rows, skipped by the
        # first change: those are due again (rows already sent or skipped as late stay as they are).
        for kind, due_at in reminders:
            await db.execute(
                """INSERT INTO reminders (conference_id, kind, starts_at, due_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (conference_id, kind, starts_at) DO UPDATE
                     SET skipped = 0, due_at = excluded.due_at
                     WHERE reminders.skipped = 1 AND reminders.done_at IS NULL""",
                (conference_id, kind, starts_at, due_at))

    async def update_conference(self, conference_id: int, changes: dict[str, Any],
                                reminders: Sequence[tuple[str, float]] | None = None) -> Conference | None:
        """Change a scheduled conference; new `reminders` replace every unsent one."""
        allowed = {"title", "starts_at", "place", "description", "topics"}
        if set(changes) - allowed:
            raise ValueError(f"not a conference field: {sorted(set(changes) - allowed)}")
        values = {k: json.dumps(list(v)) if k == "topics" else v for k, v in changes.items()}
        async with self._transaction() as db:
            assignments = ", ".join(f"{name} = ?" for name in values)
            cursor = await db.execute(
                f"UPDATE conferences SET {assignments}, updated_at = ? WHERE id = ? AND status = 'scheduled'",
                (*values.values(), time.time(), conference_id),
            )
            if cursor.rowcount == 0:
                return None
            if reminders is not None:
                await db.execute(
                    """UPDATE reminders SET skipped = 1 WHERE conference_id = ? AND done_at IS NULL
                         AND skipped = 0""", (conference_id,))
                await self._add_reminders(db, conference_id, values["starts_at"], reminders)
        return await self.conference(conference_id)

    async def cancel_conference(self, conference_id: int, notice_due: float) -> bool:
        """Cancel once: unsent reminders are skipped and one 'cancelled' notice is due."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE conferences SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'scheduled'",
                (time.time(), conference_id))
            if cursor.rowcount == 0:
                return False
            await db.execute(
                "UPDATE reminders SET skipped = 1 WHERE conference_id = ? AND done_at IS NULL AND skipped = 0",
                (conference_id,))
            row = await self._one("SELECT starts_at FROM conferences WHERE id = ?", (conference_id,))
            await self._add_reminders(db, conference_id, row[0] if row else 0.0, [("cancelled", notice_due)])
        return True

    async def conference(self, conference_id: int) -> Conference | None:
        row = await self._one("SELECT * FROM conferences WHERE id = ?", (conference_id,))
        return _conference(row) if row else None

    async def upcoming_conferences(self, now: float, limit: int = 10) -> list[Conference]:
        rows = await self._all(
            """SELECT * FROM conferences WHERE status = 'scheduled' AND starts_at > ?
               ORDER BY starts_at LIMIT ?""", (now, limit))
        return [_conference(r) for r in rows]

    async def recent_conferences(self, limit: int = 10) -> list[Conference]:
        rows = await self._all("SELECT * FROM conferences ORDER BY starts_at DESC LIMIT ?", (limit,))
        return [_conference(r) for r in rows]

    async def set_subscription(self, conference_id: int, user_id: int, subscribed: bool) -> None:
        async with self._transaction() as db:
            if subscribed:
                await db.execute(
                    """INSERT OR IGNORE INTO subscriptions (conference_id, user_id, created_at)
                       VALUES (?, ?, ?)""", (conference_id, user_id, time.time()))
            else:
                await db.execute("DELETE FROM subscriptions WHERE conference_id = ? AND user_id = ?",
                                 (conference_id, user_id))

    async def is_subscribed(self, conference_id: int, user_id: int) -> bool:
        return await self._one("SELECT 1 FROM subscriptions WHERE conference_id = ? AND user_id = ?",
                               (conference_id, user_id)) is not None

    async def subscribers(self, conference_id: int) -> list[User]:
        rows = await self._all(
            """SELECT users.* FROM subscriptions JOIN users ON users.id = subscriptions.user_id
               WHERE subscriptions.conference_id = ? AND users.blocked_at IS NULL
               ORDER BY users.id""", (conference_id,))
        return [_user(r) for r in rows]

    async def due_reminders(self, now: float) -> list[tuple[int, int, str, float]]:
        """(reminder id, conference id, kind, due_at) of reminders neither sent nor skipped."""
        rows = await self._all(
            """SELECT id, conference_id, kind, due_at FROM reminders
               WHERE done_at IS NULL AND skipped = 0 AND due_at <= ? ORDER BY due_at""", (now,))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def finish_reminder(self, reminder_id: int, requests: Sequence[OutboxRequest], *,
                              skipped: bool = False) -> bool:
        """Queue a reminder's messages and mark it done, once; False if already done."""
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute(
                """UPDATE reminders SET done_at = ?, skipped = ? WHERE id = ? AND done_at IS NULL
                     AND skipped = 0""", (now, int(skipped), reminder_id))
            if cursor.rowcount == 0:
                return False
            for request in requests:
                await self._insert_outbox(db, request, now)
        return True

    async def agenda(self, conference_id: int) -> list[tuple[Question, int, str]]:
        """The conference's questions with their vote count (asker + followers) and latest answer."""
        rows = await self._all(
            """SELECT q.*, 1 + (SELECT COUNT(*) FROM followers f WHERE f.question_id = q.id) AS votes,
                      COALESCE((SELECT a.text FROM answers a WHERE a.question_id = q.id
                                ORDER BY a.id DESC LIMIT 1), '') AS latest_answer
               FROM questions q WHERE q.conference_id = ? AND q.status != 'duplicate'
               ORDER BY votes DESC, q.id""", (conference_id,))
        return [(_question(r), int(r["votes"]), r["latest_answer"]) for r in rows]

    # -- conferences on the day: workplaces, the agenda, announcements' results --

    async def ask_workplace(self, conference_id: int, user_id: int) -> bool:
        """Start waiting for the person's workplace for this conference; False when they
        already answered (or skipped) it once."""
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT INTO conference_workplaces (conference_id, user_id, asked_at) VALUES (?, ?, ?)
                   ON CONFLICT (conference_id, user_id) DO UPDATE SET asked_at = excluded.asked_at
                   WHERE conference_workplaces.answered_at IS NULL""", (conference_id, user_id, now))
            return cursor.rowcount > 0

    async def waiting_workplace(self, user_id: int, since: float) -> int | None:
        """The conference whose workplace question the person was asked since `since`."""
        row = await self._one(
            """SELECT conference_id FROM conference_workplaces WHERE user_id = ? AND answered_at IS NULL
                 AND asked_at >= ? ORDER BY asked_at DESC LIMIT 1""", (user_id, since))
        return int(row[0]) if row else None

    async def set_workplace(self, conference_id: int, user_id: int, workplace: str | None) -> bool:
        """The answer (None: skipped); False when the question was no longer waiting."""
        async with self._transaction() as db:
            cursor = await db.execute(
                """UPDATE conference_workplaces SET workplace = ?, answered_at = ?
                   WHERE conference_id = ? AND user_id = ? AND answered_at IS NULL""",
                (workplace, time.time(), conference_id, user_id))
            return cursor.rowcount > 0

    async def drop_waiting_workplace(self, user_id: int) -> None:
        """/cancel: stop waiting (the question is asked again next time)."""
        async with self._transaction() as db:
            await db.execute("DELETE FROM conference_workplaces WHERE user_id = ? AND answered_at IS NULL",
                             (user_id,))

    async def set_agenda_wording(self, question_id: int, text: str | None, editor_id: int) -> None:
        """The wording to read aloud; None goes back to the automatic one."""
        async with self._transaction() as db:
            if text is None:
                await db.execute("DELETE FROM agenda_wordings WHERE question_id = ?", (question_id,))
                return
            await db.execute(
                """INSERT INTO agenda_wordings (question_id, text, edited_by, edited_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (question_id) DO UPDATE SET text = excluded.text,
                     edited_by = excluded.edited_by, edited_at = excluded.edited_at""",
                (question_id, text, editor_id, time.time()))

    async def conference_agenda(self, conference_id: int, topics: Sequence[str]) -> list[dict[str, Any]]:
        """The questions sent for the conference, and every open question of its topics (all
        topics when it names none) sent for no conference, most askers plus followers first.
        Each row: the question's columns, `votes`, `latest_answer`, `channel`, `workplace`
        (given for this conference), `wording` (edited for reading aloud) and `for_conference`."""
        topic_filter = f"AND q.topic IN ({', '.join('?' * len(topics))})" if topics else ""
        rows = await self._all(
            f"""SELECT q.*, 1 + (SELECT COUNT(*) FROM followers f WHERE f.question_id = q.id) AS votes,
                       COALESCE((SELECT a.text FROM answers a WHERE a.question_id = q.id
                                 ORDER BY a.id DESC LIMIT 1), '') AS latest_answer,
                       u.channel AS asker_channel, w.workplace AS workplace, aw.text AS wording,
                       q.conference_id IS NOT NULL AS for_conference
                FROM questions q JOIN users u ON u.id = q.user_id
                LEFT JOIN conference_workplaces w ON w.conference_id = ? AND w.user_id = q.user_id
                LEFT JOIN agenda_wordings aw ON aw.question_id = q.id
                WHERE (q.conference_id = ? AND q.status != 'duplicate')
                   OR (q.conference_id IS NULL AND q.status = 'open' {topic_filter})
                ORDER BY votes DESC, q.id""", (conference_id, conference_id, *topics))
        return [{**dict(r), "question": _question(r)} for r in rows]

    async def broadcast_conference(self, broadcast_id: int) -> int | None:
        row = await self._one("SELECT conference_id FROM broadcasts WHERE id = ?", (broadcast_id,))
        return int(row[0]) if row and row[0] is not None else None

    async def unreachable(self, broadcast_id: int) -> list[dict[str, Any]]:
        """The recipients a broadcast could not reach: channel, name (only with consent), error."""
        rows = await self._all(
            """SELECT o.channel, o.last_error AS error,
                      CASE WHEN u.consent = 'granted' THEN u.display_name ELSE '' END AS name
               FROM outbox o LEFT JOIN users u ON u.channel = o.channel AND u.chat_id = o.chat_id
                 AND u.chat_id != ''
               WHERE o.broadcast_id = ? AND o.failed_at IS NOT NULL ORDER BY o.id""", (broadcast_id,))
        return [dict(r) for r in rows]

    async def subscription_count(self, conference_id: int, since: float = 0.0) -> int:
        row = await self._one(
            """SELECT COUNT(*) FROM subscriptions s JOIN users u ON u.id = s.user_id
               WHERE s.conference_id = ? AND s.created_at >= ? AND u.blocked_at IS NULL""",
            (conference_id, since))
        return int(row[0]) if row else 0

    async def broadcast_started(self, broadcast_id: int) -> float:
        row = await self._one("SELECT created_at FROM broadcasts WHERE id = ?", (broadcast_id,))
        return float(row[0]) if row else 0.0

    # -- organizers' conversations -------------------------------------------

    async def organizer_draft(self, user_id: int) -> tuple[str, str, int, dict[str, Any]] | None:
        row = await self._one("SELECT * FROM organizer_drafts WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return row["kind"], row["step"], row["version"], json.loads(row["data"])

    async def save_organizer_draft(self, user_id: int, kind: str, step: str, version: int,
                                   data: dict[str, Any]) -> None:
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO organizer_drafts (user_id, kind, step, version, data, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, step = excluded.step,
                     version = excluded.version, data = excluded.data, updated_at = excluded.updated_at""",
                (user_id, kind, step, version, json.dumps(data, ensure_ascii=False), time.time()))

    async def delete_organizer_draft(self, user_id: int) -> None:
        async with self._transaction() as db:
            await db.execute("DELETE FROM organizer_drafts WHERE user_id = ?", (user_id,))

    # -- announcements -----------------------------------------------------

    async def set_news_opt_out(self, user_id: int, opted_out: bool) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE users SET news_opt_out = ? WHERE id = ?", (int(opted_out), user_id))

    async def audience(self, audience: str) -> list[User]:
        """Who an announcement reaches: never the blocked, never those who opted out."""
        kind, _, key = audience.partition(":")
        base = "SELECT DISTINCT users.* FROM users"
        where = " WHERE users.blocked_at IS NULL AND users.news_opt_out = 0"
        params: tuple[Any, ...] = ()
        if kind == "conference":
            base += " JOIN subscriptions s ON s.user_id = users.id AND s.conference_id = ?"
            params = (int(key),)
        elif kind == "topic":
            base += " JOIN questions q ON q.user_id = users.id AND q.topic = ?"
            params = (key,)
        elif kind != "all":
            raise ValueError(f"unknown audience {audience!r}")
        return [_user(r) for r in await self._all(base + where + " ORDER BY users.id", params)]

    async def create_broadcast(self, created_by: int, text: str, audience: str,
                               attachment: tuple[str, str] | None, progress: tuple[str, int] | None,
                               total: int, conference_id: int | None = None) -> Broadcast:
        """Store a broadcast meant for `total` recipients; `queue_broadcast` adds their rows.

        Until the last batch is queued the broadcast has fewer rows than `total`:
        that is how an interrupted queuing is recognised and resumed."""
        now = time.time()
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT INTO broadcasts (created_by, text, attachment_kind, attachment, audience, total,
                                           progress_chat_id, progress_message_id, created_at,
                                           conference_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (created_by, text, attachment[0] if attachment else None,
                 attachment[1] if attachment else None, audience, total,
                 progress[0] if progress else None, progress[1] if progress else None, now,
                 conference_id))
            broadcast_id = cursor.lastrowid
        assert broadcast_id is not None
        broadcast = await self.broadcast(broadcast_id)
        assert broadcast is not None
        return broadcast

    async def queue_broadcast(self, broadcast_id: int, requests: Sequence[OutboxRequest], *,
                              last: bool) -> None:
        """Queue one batch of a broadcast's rows (a recipient already queued is skipped by its
        dedupe key). A batch is a short transaction of its own, so other writes get in between
        batches instead of waiting for the whole audience; the `last` one sets the total to
        the rows queued."""
        now = time.time()
        async with self._transaction() as db:
            for request in requests:
                await self._insert_outbox(db, request, now)
            if last:
                await db.execute(
                    "UPDATE broadcasts SET total = (SELECT COUNT(*) FROM outbox WHERE broadcast_id = ?) "
                    "WHERE id = ?", (broadcast_id, broadcast_id))

    async def broadcast_rows(self, broadcast_id: int) -> int:
        row = await self._one("SELECT COUNT(*) FROM outbox WHERE broadcast_id = ?", (broadcast_id,))
        return int(row[0]) if row else 0

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = await self._one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def unfinished_broadcasts(self) -> list[Broadcast]:
        return [_broadcast(r) for r in await self._all(
            "SELECT * FROM broadcasts WHERE finished_at IS NULL ORDER BY id")]

    async def broadcast_progress(self, broadcast_id: int) -> tuple[int, int, int]:
        """(sent, failed, left) of a broadcast's outbox rows."""
        row = await self._one(
            """SELECT COALESCE(SUM(sent_at IS NOT NULL), 0), COALESCE(SUM(failed_at IS NOT NULL), 0),
                      COALESCE(SUM(sent_at IS NULL AND failed_at IS NULL), 0)
               FROM outbox WHERE broadcast_id = ?""", (broadcast_id,))
        return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)

    async def finish_broadcast(self, broadcast_id: int) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                             (time.time(), broadcast_id))

    # -- the update journal ------------------------------------------------------

    async def journal_rows(self) -> list[dict[str, Any]]:
        """Every journaled Telegram update, for inspection by tests and admins."""
        return [dict(r) for r in await self._all("SELECT * FROM update_journal ORDER BY update_id")]

    async def journal_updates(self, updates: Sequence[tuple[int, str]]) -> None:
        """Store fetched updates (id, JSON) before they are acknowledged."""
        now = time.time()
        async with self._transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO update_journal (update_id, payload, received_at) VALUES (?, ?, ?)",
                [(update_id, payload, now) for update_id, payload in updates])

    async def pending_updates(self, limit: int = 100, *, after: int = 0) -> list[tuple[int, str, int]]:
        """(update id, JSON, attempts so far) of updates not yet processed, oldest first
        (those with an id above `after`)."""
        rows = await self._all(
            """SELECT update_id, payload, attempts FROM update_journal
               WHERE done_at IS NULL AND update_id > ? ORDER BY update_id LIMIT ?""", (after, limit))
        return [(r[0], r[1], r[2]) for r in rows]

    async def last_journaled_update(self) -> int | None:
        row = await self._one("SELECT MAX(update_id) FROM update_journal")
        return int(row[0]) if row and row[0] is not None else None

    async def begin_update(self, update_id: int) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE update_journal SET attempts = attempts + 1 WHERE update_id = ?",
                             (update_id,))

    async def finish_update(self, update_id: int, error: str | None = None) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE update_journal SET done_at = ?, error = ? WHERE update_id = ?",
                             (time.time(), error, update_id))

    async def prune_journal(self, older_than: float) -> int:
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM update_journal WHERE done_at IS NOT NULL AND done_at < ?", (older_than,))
            return cursor.rowcount


    # -- the Zalo channel ----------------------------------------------------

    async def journal_zalo_update(self, event_key: str | None, payload: str, *, channel: str = "zalo",
                                  contact: tuple[str, float | None, bool | None] | None = None) -> bool:
        """Store a Zalo update before anything else; False if this event was stored before.

        `contact` (OA only): (user id, event time or None, following or None
        for unchanged) to record with the event, in the same transaction: the
        reply window starts at the person's last message.
        """
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT OR IGNORE INTO zalo_journal (event_key, payload, received_at, channel)
                   VALUES (?, ?, ?, ?)""",
                (event_key, payload, time.time(), channel))
            stored = cursor.rowcount > 0
            if stored and contact is not None:
                user_id, at, following = contact
                follows = None if following is None else int(following)
                await db.execute(
                    """INSERT INTO zalo_oa_contacts (user_id, last_inbound_at, sent_since, following)
                       VALUES (?, ?, 0, COALESCE(?, 1))
                       ON CONFLICT (user_id) DO UPDATE SET
                         sent_since = CASE WHEN excluded.last_inbound_at > COALESCE(last_inbound_at, 0)
                                           THEN 0 ELSE sent_since END,
                         last_inbound_at = MAX(COALESCE(last_inbound_at, 0),
                                               COALESCE(excluded.last_inbound_at, 0)),
                         following = COALESCE(?, following)""",
                    (user_id, at, follows, follows))
            return stored

    async def pending_zalo_updates(self, limit: int = 100, *, channel: str = "zalo"
                                   ) -> list[tuple[int, str, int, str | None]]:
        """(row id, JSON, attempts so far, resolved button data) not yet processed, oldest first."""
        rows = await self._all(
            """SELECT id, payload, attempts, resolved FROM zalo_journal WHERE done_at IS NULL AND channel = ?
               ORDER BY id LIMIT ?""", (channel, limit))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def begin_zalo_update(self, row_id: int) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE zalo_journal SET attempts = attempts + 1 WHERE id = ?", (row_id,))

    async def resolve_zalo_update(self, row_id: int, data: str) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE zalo_journal SET resolved = ? WHERE id = ?", (data, row_id))

    async def finish_zalo_update(self, row_id: int, error: str | None = None) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE zalo_journal SET done_at = ?, error = ? WHERE id = ?",
                             (time.time(), error, row_id))

    async def prune_zalo_journal(self, older_than: float, *, channel: str = "zalo") -> int:
        """Processed events older than `older_than` go; on the OA, so does the reply window of
        anyone who is no longer a user (forgotten, or never past an unfollow) and quiet since."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM zalo_journal WHERE done_at IS NOT NULL AND done_at < ? AND channel = ?",
                (older_than, channel))
            if channel == "zalo_oa":
                await db.execute(
                    """DELETE FROM zalo_oa_contacts WHERE COALESCE(last_inbound_at, 0) < ?
                         AND user_id NOT IN (SELECT chat_id FROM users WHERE channel = 'zalo_oa')""",
                    (older_than,))
            return cursor.rowcount

    async def forget_zalo_chat(self, chat_id: str, *, channel: str = "zalo", choices_key: str | None = None
                               ) -> None:
        """A Zalo worker asked to be forgotten: their choices go (their journal rows were
        emptied by forget_user, which keeps each row's key so that a replay is still known).

        On the OA, their reply window is still needed to confirm it to them; it
        goes once that message is settled (see _settle_forgotten).
        """
        async with self._transaction() as db:
            await db.execute("DELETE FROM zalo_choices WHERE chat_id = ?", (choices_key or chat_id,))

    async def zalo_choices(self, chat_id: str) -> list[tuple[str, str]]:
        """The numbered choices last shown in a Zalo chat: (label, button data), in order."""
        row = await self._one("SELECT choices FROM zalo_choices WHERE chat_id = ?", (chat_id,))
        return [(label, data) for label, data in json.loads(row[0])] if row else []

    async def save_zalo_choices(self, chat_id: str, choices: Sequence[tuple[str, str]]) -> None:
        """Replace a chat's choices; an empty list forgets them."""
        async with self._transaction() as db:
            if not choices:
                await db.execute("DELETE FROM zalo_choices WHERE chat_id = ?", (chat_id,))
                return
            await db.execute(
                """INSERT INTO zalo_choices (chat_id, choices, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (chat_id) DO UPDATE SET choices = excluded.choices,
                     updated_at = excluded.updated_at""",
                (chat_id, json.dumps([list(c) for c in choices], ensure_ascii=False), time.time()))

    # -- the Zalo Official Account ---------------------------------------------

    async def zalo_oa_tokens(self, app_id: str) -> tuple[str, str, float | None, str] | None:
        """(access token, refresh token, expiry time or None, seed digest) stored for the OA's app."""
        row = await self._one(
            "SELECT access_token, refresh_token, expires_at, seed FROM zalo_oa_tokens WHERE app_id = ?",
            (app_id,))
        return (row[0], row[1], row[2], row[3]) if row else None

    async def save_zalo_oa_tokens(self, app_id: str, access_token: str, refresh_token: str,
                                  expires_at: float | None, seed: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO zalo_oa_tokens (app_id, access_token, refresh_token, expires_at, seed, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (app_id) DO UPDATE SET access_token = excluded.access_token,
                     refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                     seed = excluded.seed, updated_at = excluded.updated_at""",
                (app_id, access_token, refresh_token, expires_at, seed, time.time()))

    async def zalo_oa_contact(self, user_id: str) -> tuple[float | None, int, bool] | None:
        """(last message time, messages sent since, following) of an OA user, if known."""
        row = await self._one(
            "SELECT last_inbound_at, sent_since, following FROM zalo_oa_contacts WHERE user_id = ?", (user_id,))
        return (row[0], int(row[1]), bool(row[2])) if row else None

    async def count_zalo_oa_send(self, user_id: str) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE zalo_oa_contacts SET sent_since = sent_since + 1 WHERE user_id = ?",
                             (user_id,))

    # -- deliveries that failed for good ----------------------------------------------

    async def user_by_chat(self, channel: str, chat_id: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE channel = ? AND chat_id = ? AND chat_id != ''",
                              (channel, chat_id))
        return _user(row) if row else None

    # -- personal data ----------------------------------------------------------

    async def set_consent(self, user_id: int, granted: bool, display_name: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE users SET consent = ?, consent_at = ?, display_name = ? WHERE id = ?",
                ("granted" if granted else "declined", time.time(), display_name if granted else "",
                 user_id))

    async def personal_data(self, user_id: int) -> dict[str, Any]:
        """Everything stored about a person, as plain data (for /mydata)."""
        user = await self._one(
            """SELECT channel, external_id, display_name, language, consent, consent_at, created_at,
                      last_seen_at, news_opt_out FROM users WHERE id = ?""", (user_id,))
        questions = await self._all(
            """SELECT id, topic, text, anonymous, asker_name, status, rating, created_at, answered_at,
                      conference_id FROM questions WHERE user_id = ? ORDER BY id""", (user_id,))
        answers = await self._all(
            """SELECT a.question_id, a.text, a.created_at FROM answers a
               JOIN questions q ON q.id = a.question_id WHERE q.user_id = ? ORDER BY a.id""", (user_id,))
        return {
            "user": dict(user) if user else None,
            "questions": [dict(r) for r in questions],
            "answers": [dict(r) for r in answers],
            "followups": [dict(r) for r in await self._all(
                "SELECT question_id, text, created_at FROM followups WHERE user_id = ? ORDER BY id", (user_id,))],
            "following": [r[0] for r in await self._all(
                "SELECT question_id FROM followers WHERE user_id = ? ORDER BY question_id", (user_id,))],
            "ratings": [dict(r) for r in await self._all(
                "SELECT question_id, rating, reason, created_at FROM ratings WHERE user_id = ? ORDER BY created_at",
                (user_id,))],
            "conference_workplaces": [dict(r) for r in await self._all(
                """SELECT conference_id, workplace, answered_at FROM conference_workplaces
                   WHERE user_id = ? AND workplace IS NOT NULL ORDER BY conference_id""", (user_id,))],
            "conference_subscriptions": [r[0] for r in await self._all(
                "SELECT conference_id FROM subscriptions WHERE user_id = ? ORDER BY conference_id", (user_id,))],
            "answered_by_knowledge_base": [dict(r) for r in await self._all(
                "SELECT topic, text, kb_entry_id, created_at FROM kb_deflections WHERE user_id = ? ORDER BY id",
                (user_id,))],
            "unfinished_question": dict(d) if (d := await self._one(
                "SELECT step, topic, text FROM drafts WHERE user_id = ?", (user_id,))) else None,
        }

    async def forget_user(self, user_id: int, *, anonymous_label: str = "") -> list[int]:
        """Delete a person's personal data; their questions stay, anonymous. Returns those questions.

        `anonymous_label` replaces their name in cards still waiting to be sent.
        """
        now = time.time()
        async with self._transaction() as db:
            rows = await self._all("SELECT id FROM questions WHERE user_id = ?", (user_id,))
            await self._erase_traces(db, user_id, anonymous_label)
            await db.execute("UPDATE questions SET anonymous = 1, asker_name = NULL WHERE user_id = ?",
                             (user_id,))
            # The history named them where they asked and followed up: no longer.
            await db.execute(
                """UPDATE events SET actor_name = '' WHERE actor_id IS NULL AND action IN ('asked', 'followup')
                   AND question_id IN (SELECT id FROM questions WHERE user_id = ?)""", (user_id,))
            for table in ("drafts", "organizer_drafts", "subscriptions", "followers", "kb_deflections",
                          "conference_workplaces"):
                await db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            await db.execute(
                """UPDATE outbox SET failed_at = ?, last_error = 'the person asked to be forgotten'
                   WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id =
                     (SELECT chat_id FROM users WHERE id = ?) AND channel = (SELECT channel FROM users WHERE id = ?)""",
                (now, user_id, user_id))
            await db.execute(
                """UPDATE users SET external_id = 'forgotten:' || id, chat_id = '', display_name = '',
                     consent = NULL, consent_at = NULL, news_opt_out = 1, forgotten_at = ?
                   WHERE id = ?""", (now, user_id))
        return [r[0] for r in rows]

    async def inactive_users(self, before: float) -> list[int]:
        rows = await self._all(
            "SELECT id FROM users WHERE forgotten_at IS NULL AND COALESCE(last_seen_at, created_at) < ?",
            (before,))
        return [r[0] for r in rows]

    # -- erasure and retention -----------------------------------------------------

    async def _erase_traces(self, db: aiosqlite.Connection, user_id: int, anonymous_label: str) -> None:
        """Everything outside the users row that names, identifies or reaches the person:
        the case history, the outbox, the journals' payloads. The cases stay, anonymous."""
        user = await self._one("SELECT channel, external_id, chat_id, display_name FROM users WHERE id = ?",
                               (user_id,))
        if user is None:
            return
        channel, chat_id = user["channel"], user["chat_id"]
        names = {unicodedata.normalize("NFC", n).strip() for n in [user["display_name"], *[
            r[0] for r in await self._all("SELECT asker_name FROM questions WHERE user_id = ?", (user_id,))]]
            if n}
        names = {n for n in names if len(n) >= MIN_NAME_LENGTH}
        cases = [r[0] for r in await self._all("SELECT id FROM questions WHERE user_id = ?", (user_id,))]
        # The history said who asked and followed up ("<name>: gửi câu hỏi"): no longer.
        await db.execute(
            """UPDATE events SET actor_name = '' WHERE actor_id IS NULL
                 AND question_id IN (SELECT id FROM questions WHERE user_id = ?)""", (user_id,))
        if chat_id:
            await db.execute(
                """UPDATE outbox SET failed_at = ?, last_error = 'the person asked to be forgotten'
                   WHERE sent_at IS NULL AND failed_at IS NULL AND channel = ? AND chat_id = ?""",
                (time.time(), channel, chat_id))
            await db.execute(
                """UPDATE outbox SET text = '', buttons = NULL, attachment = NULL, chat_id = ''
                   WHERE channel = ? AND chat_id = ?""", (channel, chat_id))
            # A notice of a message that did not reach them is keyed by their chat.
            for row_id, key in await self._all(
                    "SELECT id, dedupe_key FROM outbox WHERE instr(dedupe_key, ?) > 0", (chat_id,)):
                if chat_id in key.split(":"):
                    await db.execute("UPDATE outbox SET dedupe_key = ? WHERE id = ?", (f"forgotten:{row_id}", row_id))
            if channel in ZALO_CHANNELS:  # (the OA keeps its choices under "oa:<id>")
                await db.execute("DELETE FROM zalo_choices WHERE chat_id IN (?, ?)", (chat_id, f"oa:{chat_id}"))
        for name in names:
            for shown in {name, html.escape(name, quote=False)}:
                # Sent: the text is not needed any more. Waiting (a card not yet posted): anonymous.
                await db.execute(
                    """UPDATE outbox SET text = '' WHERE instr(text, ?) > 0
                         AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)""", (shown,))
                for case in cases:
                    await db.execute(
                        """UPDATE outbox SET text = replace(text, ?, ?) WHERE instr(text, ?) > 0
                             AND sent_at IS NULL AND failed_at IS NULL
                             AND (question_id = ? OR card_question_id = ?)""",
                        (shown, anonymous_label, shown, case, case))
        ids = {v for v in (user["external_id"], chat_id) if v}
        await self._scrub_journals(db, channel, ids, names)

    async def _scrub_journals(self, db: aiosqlite.Connection, channel: str, ids: set[str],
                              names: set[str]) -> None:
        """Empty the payload of every journal row that shows the person: their own updates
        (by id), processed or being processed now (the one asking to be forgotten), and
        processed updates quoting their name (officials replying to their card). The row
        and its key stay until the prune, so an update delivered again is still known."""
        # Payloads are JSON: Telegram's with \u escapes, Zalo's as UTF-8; look for both.
        needles = sorted(ids | names | {json.dumps(n)[1:-1] for n in names})
        if not needles:
            return
        found = " OR ".join("instr(payload, ?) > 0" for _ in needles)
        for table, key, own in (("update_journal", "update_id", channel == "telegram"),
                                ("zalo_journal", "id", None)):
            extra = ", channel" if table == "zalo_journal" else ", NULL"
            rows = await self._all(
                f"""SELECT {key}, payload, done_at{extra} FROM {table}
                    WHERE (done_at IS NOT NULL OR attempts > 0) AND ({found})""", needles)
            for row_id, payload, done_at, row_channel in rows:
                theirs = own if own is not None else row_channel == channel
                if _mentions(payload, ids if theirs else set(), names if done_at is not None else set()):
                    resolved = ", resolved = NULL" if table == "zalo_journal" else ""
                    await db.execute(f"UPDATE {table} SET payload = '{{}}'{resolved} WHERE {key} = ?",
                                     (row_id,))

    async def _to_forgotten(self, row_id: int) -> bool:
        """Whether an outbox row is a Zalo message to a chat no user has any more (read
        before the settling transaction, which then stays as short as it was)."""
        row = await self._one(
            """SELECT 1 FROM outbox AS o WHERE o.id = ? AND o.channel IN ('zalo', 'zalo_oa')
                 AND o.chat_id != '' AND NOT EXISTS (
                   SELECT 1 FROM users AS u WHERE u.channel = o.channel AND u.chat_id = o.chat_id)""",
            (row_id,))
        return row is not None

    async def _settle_forgotten(self, db: aiosqlite.Connection, row_id: int) -> None:
        """A Zalo message settled for someone forgotten since it was queued (the
        confirmation of their "xóa dữ liệu"): it keeps neither text nor chat, and the
        OA's reply window for them, needed only to send it, goes once nothing else waits.
        Every Zalo chat is a worker's, so a chat without a user is a forgotten one."""
        await db.execute(
            """DELETE FROM zalo_oa_contacts WHERE user_id = (
                 SELECT o.chat_id FROM outbox AS o WHERE o.id = ? AND o.channel = 'zalo_oa'
                   AND o.chat_id != '' AND NOT EXISTS (
                     SELECT 1 FROM users AS u WHERE u.channel = o.channel AND u.chat_id = o.chat_id)
                   AND NOT EXISTS (
                     SELECT 1 FROM outbox AS p WHERE p.channel = o.channel AND p.chat_id = o.chat_id
                       AND p.sent_at IS NULL AND p.failed_at IS NULL))""", (row_id,))
        await db.execute(
            """UPDATE outbox SET text = '', buttons = NULL, attachment = NULL, chat_id = ''
               WHERE id = ? AND channel IN ('zalo', 'zalo_oa') AND chat_id != '' AND NOT EXISTS (
                 SELECT 1 FROM users AS u WHERE u.channel = outbox.channel AND u.chat_id = outbox.chat_id)""",
            (row_id,))

    async def redact_outbox(self, older_than: float) -> int:
        """Messages settled (sent or failed) before `older_than` keep only what statistics,
        announcements' progress and the case history read: their text, buttons and
        attachment go, and so does a person's chat id (officials' groups stay)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                """UPDATE outbox SET text = '', buttons = NULL, attachment = NULL,
                     chat_id = CASE WHEN channel IN ('zalo', 'zalo_oa') OR chat_id NOT LIKE '-%'
                                    THEN '' ELSE chat_id END,
                     dedupe_key = CASE WHEN dedupe_key LIKE 'undelivered:%' THEN 'undelivered:' || id
                                       ELSE dedupe_key END
                   WHERE COALESCE(sent_at, failed_at) < ?
                     AND (text != '' OR buttons IS NOT NULL OR attachment IS NOT NULL
                          OR (chat_id != '' AND (channel IN ('zalo', 'zalo_oa') OR chat_id NOT LIKE '-%')))""",
                (older_than,))
            return cursor.rowcount


# Channels whose every chat is a worker's own.
ZALO_CHANNELS = ("zalo", "zalo_oa")
# A shorter name would be found inside unrelated words: not searched for.
MIN_NAME_LENGTH = 2
# Keys under which updates carry a person's or a chat's id (Telegram: from/chat/user "id";
# Zalo Bot Platform: from/chat "id"; Zalo OA: sender/follower "id", "user_id_by_app").
ID_KEYS = frozenset({"id", "user_id", "chat_id", "user_id_by_app"})


def _mentions(payload: str, ids: set[str], names: set[str]) -> bool:
    """Whether a journaled update carries one of `ids` (as an id) or contains one of `names`."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return any(v in payload for v in ids | names)
    stack: list[tuple[object, object]] = [(None, data)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.items())
        elif isinstance(value, list):
            stack.extend((key, item) for item in value)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            if key in ID_KEYS and str(value) in ids:
                return True
            if isinstance(value, str) and names:
                text = unicodedata.normalize("NFC", value)
                if any(name in text for name in names):
                    return True
    return False


def _about(request: OutboxRequest, question_id: int) -> OutboxRequest:
    """A row written with a change to a case is about that case (unless it says otherwise)."""
    return request if request.question_id is not None else replace(request, question_id=question_id)


def _user(row: aiosqlite.Row) -> User:
    return User(id=row["id"], channel=row["channel"], external_id=row["external_id"],
                chat_id=row["chat_id"], display_name=row["display_name"], language=row["language"],
                consent=row["consent"])


def _question(row: aiosqlite.Row) -> Question:
    return Question(
        id=row["id"], user_id=row["user_id"], topic=row["topic"], text=row["text"],
        anonymous=bool(row["anonymous"]), asker_name=row["asker_name"], status=row["status"],
        rating=row["rating"], created_at=row["created_at"], answered_at=row["answered_at"],
        version=row["version"], department=row["department"], assigned_by=row["assigned_by"],
        forwarded_to=row["forwarded_to"], duplicate_of=row["duplicate_of"],
        reject_reason=row["reject_reason"], due_at=row["due_at"], nudged_at=row["nudged_at"],
        conference_id=row["conference_id"],
    )


def _answer(row: aiosqlite.Row) -> Answer:
    source = ((row["source_chat_id"], row["source_message_id"])
              if row["source_chat_id"] is not None and row["source_message_id"] is not None else None)
    return Answer(id=row["id"], question_id=row["question_id"], official_id=row["official_id"],
                  official_name=row["official_name"], text=row["text"], created_at=row["created_at"],
                  edited_at=row["edited_at"], attachment_kind=row["attachment_kind"], source=source,
                  followup_id=row["followup_id"])


def _conference(row: aiosqlite.Row) -> Conference:
    return Conference(id=row["id"], title=row["title"], starts_at=row["starts_at"], place=row["place"],
                      description=row["description"], topics=tuple(json.loads(row["topics"])),
                      status=row["status"], created_by=row["created_by"])


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(id=row["id"], created_by=row["created_by"], text=row["text"], audience=row["audience"],
                     total=row["total"], attachment_kind=row["attachment_kind"], attachment=row["attachment"],
                     progress_chat_id=row["progress_chat_id"], progress_message_id=row["progress_message_id"],
                     finished_at=row["finished_at"])


def _entry(row: aiosqlite.Row) -> Entry:
    return Entry(id=row["id"], topic=row["topic"], question=row["question"], answer=row["answer"],
                 variants=split_variants(row["variants"]))
