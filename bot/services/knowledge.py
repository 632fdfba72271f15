"""The knowledge base as the bot sees it: entries kept in storage, searched in memory."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Collection, Sequence

from bot.storage import Storage
from knowledge_base import DEFAULT_THRESHOLD, Entry, Matcher, Result

# How long the interpreter lets one thread run before another may take its lock
# (Python's default is 5 ms). The bot sets this at start: a match running in a
# thread then holds the event loop up for 3-6 ms at most at 100,000 entries
# instead of ~9 ms (`bench/kb_loop.py`; 0.5 ms did no better).
SWITCH_INTERVAL = 0.001


def keep_out_of_collections() -> None:
    """Move what is alive now, above all the loaded knowledge base, out of the
    garbage collector's reach. A full collection walks every tracked object
    holding the interpreter lock: at 100,000 entries it held the event loop
    450-530 ms (`bench/kb_loop.py`). `bot run` calls this once the knowledge
    base is loaded, before anything polls."""
    gc.collect()
    gc.freeze()


class UnknownTopicError(ValueError):
    def __init__(self, entry_id: str, topic: str) -> None:
        self.entry_id = entry_id
        self.topic = topic
        super().__init__(
            f"Mục {entry_id!r}: chủ đề {topic!r} không có trong cấu hình / "
            f"entry {entry_id!r}: topic {topic!r} is not in the config"
        )


class SharedMatcher:
    """A Matcher used from the event loop without blocking it.

    Matches, adds and removes run in a worker thread (a large KB or a slow
    machine must not stall every other worker's messages; removing from a
    100,000-entry index takes several milliseconds) under one lock, so the
    index never changes under a running match. The loop still shares the
    interpreter lock with that thread: `bench/kb_loop.py` measures how long it
    waits.
    """

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self._lock = threading.Lock()

    @property
    def threshold(self) -> float:
        return self._matcher.threshold

    def __len__(self) -> int:
        return len(self._matcher)

    def _match(self, query: str, topic: str | None, limit: int) -> Result:
        with self._lock:
            return self._matcher.match(query, topic=topic, limit=limit)

    async def match(self, query: str, *, topic: str | None = None, limit: int = 3) -> Result:
        return await asyncio.to_thread(self._match, query, topic, limit)

    def _add(self, entries: Sequence[Entry]) -> None:
        with self._lock:
            for entry in entries:
                self._matcher.add(entry)

    async def add(self, *entries: Entry) -> None:
        await asyncio.to_thread(self._add, entries)

    def _remove(self, entry_id: str) -> None:
        with self._lock:
            self._matcher.remove(entry_id)

    async def remove(self, entry_id: str) -> None:
        await asyncio.to_thread(self._remove, entry_id)


class KnowledgeService:
    def __init__(self, storage: Storage, topics: Collection[str],
                 threshold: float | None = None) -> None:
        self._storage = storage
        self._topics = frozenset(topics)
        self.matcher = SharedMatcher(Matcher(threshold=DEFAULT_THRESHOLD if threshold is None else threshold))

    async def load(self) -> int:
        """Fill the in-memory index from storage; returns the number of entries."""
        await self.matcher.add(*await self._storage.kb_entries())
        return len(self.matcher)

    async def match(self, query: str, topic: str | None = None, limit: int = 3) -> Result:
        """`Result.tier` says what to show the worker: "answer" (the first
        match's answer at once; `suggest` is true exactly then), "choices"
        ("Có phải bạn muốn hỏi…": `Result.choices`, up to three entries, then
        "no, send my question") or "none" (the question goes to officials)."""
        return await self.matcher.match(query, topic=topic, limit=limit)

    async def entry(self, entry_id: str) -> Entry | None:
        return await self._storage.kb_entry(entry_id)

    def check(self, entries: Sequence[Entry]) -> None:
        """Refuse the whole batch if any entry names a topic the bot does not have."""
        for entry in entries:
            if entry.topic not in self._topics:
                raise UnknownTopicError(entry.id, entry.topic)

    async def publish(self, entries: Sequence[Entry], source_question_id: int | None = None, *,
                      keep_variants: bool = False) -> int:
        """Store entries (insert or replace) and make them searchable at once.
        `keep_variants`: entries add their variants to those already stored."""
        self.check(entries)
        stored = await self._storage.upsert_kb_entries(entries, source_question_id, keep_variants=keep_variants)
        await self.matcher.add(*stored)
        return len(stored)

    async def learn(self, entry_id: str, wordings: Sequence[str]) -> bool:
        """Add how a question was asked to an entry's variants, searchable at
        once; whether any wording was new."""
        entry, learned = await self._storage.add_kb_variants(entry_id, wordings)
        if entry is not None and learned:  # a wording only moved: the order does not matter to matching
            await self.matcher.add(entry)
        return learned
