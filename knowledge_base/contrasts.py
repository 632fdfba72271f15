"""Contrast groups: words that change the meaning of an otherwise identical
question ("nghỉ thai sản của vợ" / "của chồng"). Loaded from `data/contrasts.txt`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .normalize import Syllable, analyze

__all__ = ["ContrastGroups", "load_contrasts"]

Phrase = tuple[Syllable, ...]
CONTRASTS_FILE = "contrasts.txt"
_NEGATIONS = frozenset([("khong", "phai"), ("chu", "khong")])


@dataclass(frozen=True)
class ContrastGroups:
    # groups[g][a] = the synonymous phrases of alternative a of group g
    groups: tuple[tuple[tuple[Phrase, ...], ...], ...]
    # first word -> (group, alternative, phrase words); [0] folded text, [1] accented
    _starts: tuple[dict[str, list[tuple[int, int, tuple[str, ...]]]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        starts: tuple[dict[str, list[tuple[int, int, tuple[str, ...]]]], ...] = ({}, {})
        for g, group in enumerate(self.groups):
            for a, phrases in enumerate(group):
                for phrase in phrases:
                    for which in (0, 1):
                        words = tuple(s[which] for s in phrase)
                        starts[which].setdefault(words[0], []).append((g, a, words))
        object.__setattr__(self, "_starts", starts)

    def sides(self, syllables: Sequence[Syllable], accented: bool) -> tuple[tuple[int, int], ...]:
        """(group, bitmask of alternatives) for every group the text names, by group.
        Accented text is compared with accents; text typed without any, folded."""
        which = 1 if accented else 0
        starts = self._starts[which]
        words = [s[which] for s in syllables]
        masks: dict[int, int] = {}
        for i, word in enumerate(words):
            for g, a, phrase in starts.get(word, ()):
                if tuple(words[i:i + len(phrase)]) == phrase:
                    masks[g] = masks.get(g, 0) | 1 << a
        return tuple(sorted(masks.items()))

    def negated(self, syllables: Sequence[Syllable], accented: bool) -> dict[int, tuple[int, int, int]]:
        """"không phải X" / "chứ không X" where X, within three words, is an
        alternative of some group ("giáo viên tiểu học, không phải mầm non"):
        position of the negation -> (group, alternative, end of X)."""
        which = 1 if accented else 0
        folded = [s[0] for s in syllables]
        words = [s[which] for s in syllables]
        found: dict[int, tuple[int, int, int]] = {}
        for i in range(len(folded) - 1):
            if (folded[i], folded[i + 1]) not in _NEGATIONS:
                continue
            for j in range(i + 2, min(i + 5, len(words))):
                hit = self._phrase_at(words, j, which)
                if hit is not None:
                    found[i] = hit
                    break
        return found

    def _phrase_at(self, words: Sequence[str], i: int, which: int) -> tuple[int, int, int] | None:
        for g, a, phrase in self._starts[which].get(words[i], ()):
            if tuple(words[i:i + len(phrase)]) == phrase:
                return g, a, i + len(phrase)
        return None

    @staticmethod
    def conflict(query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]],
                 excluded: Sequence[tuple[int, int]] = ()) -> bool:
        """The query and the entry name different alternatives of a group and
        none in common, or the query rules out ("không phải X") one the entry names."""
        named = dict(query)
        ruled_out = dict(excluded)
        return any(
            (named.get(g, 0) and not named[g] & mask) or ruled_out.get(g, 0) & mask
            for g, mask in entry
        )

    @staticmethod
    def unasked(query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]]) -> bool:
        """The entry also names an alternative the query does not, in a group the
        query does name (query "vợ", entry "chồng ... khi vợ sinh"): a weaker sign."""
        named = dict(query)
        return any(named.get(g, 0) and mask & ~named[g] for g, mask in entry)

    @staticmethod
    def overasked(query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]]) -> bool:
        """The query also names an alternative the entry does not, in a group the
        entry names (query "vợ ... chồng", entry "vợ"): a weaker sign too."""
        named = dict(query)
        return any(named.get(g, 0) & ~mask for g, mask in entry)

    @staticmethod
    def unmentioned(query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]]) -> int:
        """How many groups the entry names that the query says nothing about: the
        entry answers a narrower case ("con bị ốm") than the question asked."""
        named = dict(query)
        return sum(1 for g, _ in entry if g not in named)

    @classmethod
    def parse(cls, text: str, *, source: str = "<contrasts>") -> ContrastGroups:
        groups = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            alternatives = []
            for alternative in line.split("|"):
                phrases = tuple(tuple(analyze(p)[0]) for p in alternative.split(",") if p.strip())
                if not phrases or not all(phrases):
                    raise ValueError(f"{source}:{number}: empty alternative in {raw!r}")
                alternatives.append(phrases)
            if len(alternatives) < 2:
                raise ValueError(f"{source}:{number}: a group needs at least two alternatives")
            groups.append(tuple(alternatives))
        return cls(tuple(groups))


@lru_cache(maxsize=4)
def load_contrasts(path: str | None = None) -> ContrastGroups:
    if path is None:
        text = resources.files(__package__).joinpath("data", CONTRASTS_FILE).read_text("utf-8")
        return ContrastGroups.parse(text, source=CONTRASTS_FILE)
    return ContrastGroups.parse(Path(path).read_text("utf-8-sig"), source=str(path))

