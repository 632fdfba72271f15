"""An incremental BM25 inverted index over integer slots.

Postings are compact `array.array`s that grow in place, so adding or removing
one document touches only its own terms: no rebuild, ever. Scoring copies each
query term's postings into numpy once and accumulates BM25 in a dense vector.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

__all__ = ["BM25Index"]

K1 = 1.2
B = 0.5  # questions are short and of similar length: length matters little


class _Posting:
    __slots__ = ("slots", "tfs")

    def __init__(self) -> None:
        self.slots = array("i")
        self.tfs = array("f")


class BM25Index:
    def __init__(self) -> None:
        # A term used by one entry once (most syllable pairs) is stored as the bare
        # slot number: a posting object per rare term would dominate memory.
        self._postings: dict[str, _Posting | int] = {}
        self._count = 0
        self._lengths = np.zeros(64, dtype=np.float32)
        self._total_length = 0.0
        self.generation = 0  # changes whenever an idf may have changed
        self._norms: tuple[int, np.ndarray] | None = None  # (generation, BM25 length norm per slot)

    def __len__(self) -> int:
        return self._count

    @property
    def capacity(self) -> int:
        return len(self._lengths)

    def df(self, term: str) -> int:
        posting = self._postings.get(term)
        if posting is None:
            return 0
        return 1 if isinstance(posting, int) else len(posting.slots)

    def idf(self, term: str) -> float:
        n = self._count
        df = self.df(term)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def max_idf(self) -> float:
        n = self._count
        return math.log(1.0 + (n + 0.5) / 0.5)

    def add(self, slot: int, terms: Iterable[str], length: int) -> None:
        """Index a new slot. The caller keeps the terms: `remove` needs them back
        (storing them here too would double the memory of large indexes)."""
        while slot >= len(self._lengths):
            self._lengths = np.concatenate([self._lengths, np.zeros_like(self._lengths)])
        counts = Counter(terms)
        postings = self._postings
        for term, tf in counts.items():
            posting = postings.get(term)
            if posting is None and tf == 1:
                postings[term] = slot
                continue
            if not isinstance(posting, _Posting):
                single, posting = posting, _Posting()
                if single is not None:
                    posting.slots.append(single)
                    posting.tfs.append(1.0)
                postings[term] = posting
            posting.slots.append(slot)
            posting.tfs.append(tf)
        self._lengths[slot] = length
        self._total_length += length
        self._count += 1
        self.generation += 1

    def remove(self, slot: int, terms: Iterable[str]) -> None:
        """Unindex a slot added with these same terms."""
        postings = self._postings
        for term in set(terms):
            posting = postings[term]
            if isinstance(posting, int):
                del postings[term]
                continue
            i = posting.slots.index(slot)
            # Order inside a posting does not matter: move the last one into the hole.
            posting.slots[i] = posting.slots[-1]
            posting.tfs[i] = posting.tfs[-1]
            posting.slots.pop()
            posting.tfs.pop()
            if len(posting.slots) == 1 and posting.tfs[0] == 1.0:
                postings[term] = posting.slots[0]
        self._total_length -= float(self._lengths[slot])
        self._lengths[slot] = 0.0
        self._count -= 1
        self.generation += 1

    def scores(self, weights: dict[str, float], max_share: float = 1.0) -> np.ndarray:
        """Weighted BM25 of every slot (zero for slots sharing no term). Terms
        found in more than `max_share` of the slots (and more than 3) are
        skipped: they cost the most and tell the least."""
        n = self._count
        max_df = max(3.0, max_share * n)
        scores = np.zeros(len(self._lengths), dtype=np.float32)
        if not n:
            return scores
        average = self._total_length / n
        if self._norms is None or self._norms[0] != self.generation:
            self._norms = (self.generation, (K1 * (1.0 - B + B * self._lengths / average)).astype(np.float32))
        norms = self._norms[1]
        for term, weight in weights.items():
            posting = self._postings.get(term)
            if posting is None:
                continue
            if isinstance(posting, int):
                single_idf = math.log(1.0 + (n - 0.5) / 1.5)
                scores[posting] += weight * single_idf * (K1 + 1.0) / (1.0 + float(norms[posting]))
                continue
            df = len(posting.slots)
            if df > max_df:
                continue
            slots = np.frombuffer(posting.slots, dtype=np.int32).copy()
            tfs = np.frombuffer(posting.tfs, dtype=np.float32).copy()
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            scores[slots] += (weight * idf * (K1 + 1.0)) * tfs / (tfs + norms[slots])
        return scores

    def top(self, weights: dict[str, float], k: int, scores: np.ndarray | None = None,
            max_share: float = 1.0) -> list[tuple[int, float]]:
        """The k best slots by weighted BM25, best first; only slots sharing a term.
        `scores`: those of `self.scores(weights)`, if already computed."""
        if not self._count or not weights or k <= 0:
            return []
        if scores is None:
            scores = self.scores(weights, max_share)
        hits = np.flatnonzero(scores)
        if len(hits) > k:
            hits = hits[np.argpartition(scores[hits], -k)[-k:]]
        order = hits[np.argsort(-scores[hits], kind="stable")]
        return [(int(slot), float(scores[slot])) for slot in order]
