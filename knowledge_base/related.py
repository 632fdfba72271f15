"""Related words: how workers describe a situation the knowledge base names
with an official term ("bị máy cán tay" for "tai nạn lao động", "hết đơn hàng"
for "nghỉ chờ việc"). Loaded from `data/related.txt`.

Unlike synonyms, nothing is rewritten: an entry whose question names the term
also counts the related words as part of its answer, so a worker's own words
are found in the entry's text without changing what the question says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .normalize import Syllable, analyze

__all__ = ["RelatedTerms", "load_related"]

RELATED_FILE = "related.txt"


@dataclass(frozen=True)
class RelatedTerms:
    # (term as folded words, its related phrases as syllables)
    groups: tuple[tuple[tuple[str, ...], tuple[tuple[Syllable, ...], ...]], ...]

    def for_text(self, folded: Sequence[str]) -> list[tuple[Syllable, ...]]:
        """The related phrases of every term written in `folded` (folded words)."""
        text = f" {' '.join(folded)} "
        out: list[tuple[Syllable, ...]] = []
        for term, phrases in self.groups:
            if f" {' '.join(term)} " in text:
                out.extend(phrases)
        return out

    @classmethod
    def parse(cls, text: str, *, source: str = "<related>") -> RelatedTerms:
        groups = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if ":" not in line:
                raise ValueError(f"{source}:{number}: expected 'term: related, related ...', got {raw!r}")
            term, related = line.split(":", 1)
            folded = tuple(f for f, _ in analyze(term)[0])
            phrases = tuple(tuple(analyze(p)[0]) for p in related.split(",") if p.strip())
            if not folded or not phrases or not all(phrases):
                raise ValueError(f"{source}:{number}: empty term or related phrase in {raw!r}")
            groups.append((folded, phrases))
        return cls(tuple(groups))


@lru_cache(maxsize=4)
def load_related(path: str | None = None) -> RelatedTerms:
    if path is None:
        resource = resources.files(__package__).joinpath("data", RELATED_FILE)
        if not resource.is_file():
            return RelatedTerms(())
        return RelatedTerms.parse(resource.read_text("utf-8"), source=RELATED_FILE)
    return RelatedTerms.parse(Path(path).read_text("utf-8-sig"), source=str(path))
