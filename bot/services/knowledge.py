"""The knowledge base as the bot sees it: entries kept in storage, searched in memory."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.storage import Storage
from knowledge_base import DEFAULT_THRESHOLD, Entry, Matcher, Result


class UnknownTopicError(ValueError):
    def __init__(self, entry_id: str, topic: str) -> None:
        self.entry_id = entry_id
        self.topic = topic
        super().__init__(
            f"Mục {entry_id!r}: chủ đề {topic!r} không có trong cấu hình / "
            f"entry {entry_id!r}: topic {topic!r} is not in the config"
        )


class KnowledgeService:
    def __init__(self, storage: Storage, topics: Collection[str],
                 threshold: float | None = None) -> None:
        self._storage = storage
        self._topics = frozenset(topics)
        self.matcher = Matcher(threshold=DEFAULT_THRESHOLD if threshold is None else threshold)

    async def load(self) -> int:
        """Fill the in-memory index from storage; returns the number of entries."""
        for entry in await self._storage.kb_entries():
            self.matcher.add(entry)
        return len(self.matcher)

    def match(self, query: str, topic: str | None = None, limit: int = 3) -> Result:
        return self.matcher.match(query, topic=topic, limit=limit)

    async def entry(self, entry_id: str) -> Entry | None:
        return await self._storage.kb_entry(entry_id)

    def check(self, entries: Sequence[Entry]) -> None:
        """Refuse the whole batch if any entry names a topic the bot does not have."""
        for entry in entries:
            if entry.topic not in self._topics:
                raise UnknownTopicError(entry.id, entry.topic)

    async def publish(self, entries: Sequence[Entry], source_question_id: int | None = None) -> int:
        """Store entries (insert or replace) and make them searchable at once."""
        self.check(entries)
        count = await self._storage.upsert_kb_entries(entries, source_question_id)
        for entry in entries:
            self.matcher.add(entry)
        return count
