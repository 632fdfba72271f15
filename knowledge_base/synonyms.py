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

# first word -> [(variant words, canonical syllables)], longest variant first
_Starts = dict[str, list[tuple[tuple[str, ...], tuple[Syllable, ...]]]]


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
                words = tuple(a for _, a in variant)
                accented.setdefault(words[0], []).append((words, canonical))
                # Typed without accents, one marked syllable is too ambiguous ("đẻ"/"để").
                if len(variant) > 1 or variant[0][0] == variant[0][1]:
                    plain = tuple(f for f, _ in variant)
                    folded.setdefault(plain[0], []).append((plain, canonical))
        for starts in (folded, accented):
            for options in starts.values():
                options.sort(key=lambda option: -len(option[0]))
        object.__setattr__(self, "_starts", (folded, accented))

    def rewrite(self, syllables: Sequence[Syllable], accented: bool) -> list[Syllable]:
        starts = self._starts[1 if accented else 0]
        words = [s[1] if accented else s[0] for s in syllables]
        out: list[Syllable] = []
        i = 0
        while i < len(syllables):
            for variant, canonical in starts.get(words[i], ()):
                if tuple(words[i:i + len(variant)]) == variant:
                    out.extend(canonical)
                    i += len(variant)
                    break
            else:
                out.append(syllables[i])
                i += 1
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
