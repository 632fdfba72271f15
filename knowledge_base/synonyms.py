"""Synonym phrases ("tăng ca" = "làm thêm giờ"), rewritten to one canonical
form on both sides before matching. Loaded from `data/synonyms.txt`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .normalize import Syllable, analyze

__all__ = ["Thesaurus", "load_thesaurus"]

SYNONYMS_FILE = "synonyms.txt"

# first word -> [(folded words, accented words, canonical)], longest variant first
_Starts = dict[str, list[tuple[tuple[str, ...], tuple[str, ...], tuple[Syllable, ...]]]]


def phrase_at(folded: Sequence[str], accented: Sequence[str] | None, i: int,
              phrase_folded: tuple[str, ...], phrase_accented: tuple[str, ...]) -> bool:
    """Whether a phrase is written at position i of a text given as its folded
    and (None when typed without any accent) its accented words. Without
    accents, folded forms are compared. With them, each word must carry the
    phrase's own, except that in a phrase of two or more words a word typed
    bare (phones drop marks now and then: "ngoai tỉnh") is compared folded."""
    n = len(phrase_folded)
    if accented is None:
        return tuple(folded[i:i + n]) == phrase_folded
    window = tuple(accented[i:i + n])
    if window == phrase_accented:
        return True
    return n > 1 and len(window) == n and all(
        a == p or (a.isascii() and f == q)
        for a, p, f, q in zip(window, phrase_accented, folded[i:i + n], phrase_folded)
    )


@dataclass(frozen=True)
class Thesaurus:
    groups: tuple[tuple[tuple[Syllable, ...], ...], ...]  # [canonical, variant, ...]
    _starts: tuple[_Starts, _Starts] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded: _Starts = {}
        accented: _Starts = {}
        for canonical, *variants in self.groups:
            # The canonical phrase maps to itself, so that "thẻ bảo hiểm y tế" is
            # left whole rather than caught by its own variant "thẻ bảo hiểm".
            for variant in (canonical, *variants):
                option = (tuple(f for f, _ in variant), tuple(a for _, a in variant), canonical)
                accented.setdefault(option[1][0], []).append(option)
                # Typed without accents, one marked syllable is too ambiguous ("đẻ"/"để").
                if len(variant) > 1 or variant[0][0] == variant[0][1]:
                    folded.setdefault(option[0][0], []).append(option)
        for starts in (folded, accented):
            for options in starts.values():
                options.sort(key=lambda option: -len(option[0]))
        object.__setattr__(self, "_starts", (folded, accented))

    def rewrite(self, syllables: Sequence[Syllable], accented: bool, *, loose: bool = True) -> list[Syllable]:
        """Each variant replaced by its canonical form, longest first. `loose`
        lets a word typed bare match an accented phrase (see `phrase_at`);
        carefully written text (the knowledge base itself) does without."""
        folded_starts, accented_starts = self._starts
        folded = [f for f, _ in syllables]
        words = [a for _, a in syllables] if accented else None
        keys = folded if words is None else words
        starts = folded_starts if words is None else accented_starts
        out: list[Syllable] = []
        i = 0
        while i < len(syllables):
            if loose and words is not None and words[i].isascii() and folded[i] in folded_starts:
                # typed bare among accented words
                options = sorted([*accented_starts.get(words[i], ()),
                                  *(o for o in folded_starts[folded[i]] if len(o[0]) > 1)],
                                 key=lambda option: -len(option[0]))
                found = next((o for o in options if phrase_at(folded, words, i, o[0], o[1])), None)
            else:
                options = starts.get(keys[i], ())
                which = 0 if words is None else 1
                found = next((o for o in options if tuple(keys[i:i + len(o[0])]) == o[which]), None)
                if found is None and loose and words is not None and options:
                    found = next((o for o in options if phrase_at(folded, words, i, o[0], o[1])), None)
            if found is None:
                out.append(syllables[i])
                i += 1
            else:
                out.extend(found[2])
                i += len(found[0])
        return out

    @classmethod
    def parse(cls, text: str, *, source: str = "<synonyms>") -> Thesaurus:
        groups = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            phrases = [tuple(analyze(p)[0]) for p in line.split("|")]
            if len(phrases) < 2 or not all(phrases):
                raise ValueError(f"{source}:{number}: expected 'canonical | variant ...', got {raw!r}")
            groups.append(tuple(phrases))
        return cls(tuple(groups))


@lru_cache(maxsize=4)
def load_thesaurus(path: str | None = None) -> Thesaurus:
    if path is None:
        text = resources.files(__package__).joinpath("data", SYNONYMS_FILE).read_text("utf-8")
        return Thesaurus.parse(text, source=SYNONYMS_FILE)
    return Thesaurus.parse(Path(path).read_text("utf-8-sig"), source=str(path))
