"""Contrast groups: words that change the meaning of an otherwise identical
question ("nghỉ thai sản của vợ" / "của chồng"). Loaded from `data/contrasts.txt`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .normalize import Syllable, analyze
from .synonyms import phrase_at

__all__ = ["CLAUSE_BREAK", "ContrastGroups", "Negation", "load_contrasts"]

Phrase = tuple[Syllable, ...]
CONTRASTS_FILE = "contrasts.txt"
# Put between the syllables of two clauses (text split at , . ; ? ! ...) so that
# a negation knows where its clause ends; it matches no word.
CLAUSE_BREAK: Syllable = ("|", "|")
MAX_NEGATED = 6
# Words that end what a clause-long negation covers: "chứ không thuê nhà thì ...".
_CLAUSE_WORDS = frozenset(["thi", "ma", "nhung", "nen"])


@dataclass(frozen=True)
class Negation:
    spans: tuple[tuple[int, int], ...]  # [start, end) of each "không phải X", negation included
    ruled_out: tuple[tuple[int, int], ...]  # (group, bitmask of alternatives)


@dataclass(frozen=True)
class ContrastGroups:
    # groups[g][a] = the synonymous phrases of alternative a of group g
    groups: tuple[tuple[tuple[Phrase, ...], ...], ...]
    # per group, the alternative taken for granted when a question names none
    # ("*bản thân": a worker asks about themselves, not their child), or -1
    defaults: tuple[int, ...] = ()
    # first word -> (group, alternative, folded words, accented words); [0] keyed folded, [1] accented
    _starts: tuple[dict[str, list[tuple[int, int, tuple[str, ...], tuple[str, ...]]]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        starts: tuple[dict[str, list[tuple[int, int, tuple[str, ...], tuple[str, ...]]]], ...] = ({}, {})
        for g, group in enumerate(self.groups):
            for a, phrases in enumerate(group):
                for phrase in phrases:
                    option = (g, a, tuple(f for f, _ in phrase), tuple(w for _, w in phrase))
                    for which in (0, 1):
                        starts[which].setdefault(option[2 + which][0], []).append(option)
        object.__setattr__(self, "_starts", starts)

    def sides(self, syllables: Sequence[Syllable], accented: bool) -> tuple[tuple[int, int], ...]:
        """(group, bitmask of alternatives) for every group the text names, by group.
        Accented text is compared with accents (see `phrase_at`); text typed
        without any, folded."""
        folded = [f for f, _ in syllables]
        words = [a for _, a in syllables] if accented else None
        masks: dict[int, int] = {}
        for i in range(len(syllables)):
            for g, a, _ in self._phrases_at(folded, words, i):
                masks[g] = masks.get(g, 0) | 1 << a
        return tuple(sorted(masks.items()))

    def _phrases_at(self, folded: Sequence[str], words: Sequence[str] | None,
                    i: int) -> list[tuple[int, int, int]]:
        """(group, alternative, end) of every phrase written at position i."""
        if words is None:
            options = self._starts[0].get(folded[i], [])
        elif words[i].isascii():  # typed bare among accented words: multi-word phrases compare it folded
            options = self._starts[1].get(words[i], []) + [
                o for o in self._starts[0].get(folded[i], []) if len(o[2]) > 1
            ]
        else:
            options = self._starts[1].get(words[i], [])
        return [(g, alt, i + len(pf)) for g, alt, pf, pa in options if phrase_at(folded, words, i, pf, pa)]

    def negated(self, syllables: Sequence[Syllable], accented: bool) -> Negation:
        """What the worker says the question is not about: "không phải X" /
        "chứ không X". After "chứ không", or "không phải" opening a clause, X runs
        to the end of the clause (a comma, "thì", "mà", at most MAX_NEGATED
        words: "chứ không phải mới chuyển công ty, giờ gộp thế nào"). A
        "không phải" inside a clause ("có không phải đóng không") negates only an
        alternative of some group within three words ("tiểu học không phải mầm
        non"). Returns the spans to drop and, by group, the alternatives ruled out."""
        folded = [s[0] for s in syllables]
        words = [a for _, a in syllables] if accented else None
        spans: list[tuple[int, int]] = []
        ruled_out: dict[int, int] = {}
        i = 0
        while i < len(folded) - 1:
            pair = (folded[i], folded[i + 1])
            # A clause "không phải ..." that ends the message may well be the question
            # itself ("nghỉ việc rồi, không phải đóng nữa à"): only "chứ không" and a
            # "không phải" clause with more to come negate a whole clause.
            opens = (i == 0 or syllables[i - 1] == CLAUSE_BREAK) and CLAUSE_BREAK in syllables[i:]
            if pair == ("chu", "khong") or (pair == ("khong", "phai") and opens):
                start = i + 3 if folded[i + 2:i + 3] == ["phai"] and pair[0] == "chu" else i + 2
                end = start
                while (end < len(folded) and end < start + MAX_NEGATED and syllables[end] != CLAUSE_BREAK
                       and folded[end] not in _CLAUSE_WORDS):
                    end += 1
                for j in range(i + 2, end):
                    for g, a, _ in self._phrases_at(folded, words, j):
                        ruled_out[g] = ruled_out.get(g, 0) | 1 << a
                spans.append((i, end))
                i = end
                continue
            if pair == ("khong", "phai"):
                for j in range(i + 2, min(i + 5, len(syllables))):
                    hits = self._phrases_at(folded, words, j)
                    if hits:
                        g, a, end = hits[0]
                        ruled_out[g] = ruled_out.get(g, 0) | 1 << a
                        spans.append((i, end))
                        break
            i += 1
        return Negation(tuple(spans), tuple(sorted(ruled_out.items())))

    @staticmethod
    def conflict(query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]],
                 excluded: Sequence[tuple[int, int]] = ()) -> bool:
        """The query and the entry name different alternatives of a group and
        none in common, or the query rules out ("không phải X") one the entry names."""
        named = dict(query)
        ruled_out = dict(excluded)
        # An alternative both ruled out and named ("mất sổ, chứ không phải mất thẻ") stays named.
        return any(
            (named.get(g, 0) and not named[g] & mask) or ruled_out.get(g, 0) & mask & ~named.get(g, 0)
            for g, mask in entry
        )

    def compare(self, named: dict[int, int], ruled_out: dict[int, int], special: bool,
                entry: Sequence[tuple[int, int]]) -> tuple[float, float, float, float, float, float, float]:
        """The matcher's contrast features of one entry, in one pass over its groups.
        `named` / `ruled_out`: the query's sides and exclusions as dicts; `special`:
        `names_special_case` of the query. Returns
        - conflict (see `conflict`);
        - unasked: the entry also names an alternative the query does not, in a
          group the query names (query "vợ", entry "chồng ... khi vợ sinh");
        - overasked: the query also names one the entry does not (query "vợ ...
          chồng", entry "vợ");
        - unmentioned: groups the entry names and the query says nothing about
          (0, 1/2, 1 for two or more): the entry answers a narrower case;
        - special_case (see `special_case`);
        - agreement: groups where both name the same alternative (0, 1/2, 1);
        - unanswered_case (see `unanswered_case`)."""
        if not entry:
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, float(special)
        conflict = unasked = overasked = special_case = False
        unmentioned = agreement = 0
        for g, mask in entry:
            asked = named.get(g, 0)
            if asked:
                conflict = conflict or not asked & mask
                unasked = unasked or bool(mask & ~asked)
                overasked = overasked or bool(asked & ~mask)
                agreement += bool(asked & mask)
            else:
                unmentioned += 1
                special_case = special_case or self._beyond_default(g, mask)
            conflict = conflict or bool(ruled_out.get(g, 0) & mask & ~asked)
        unanswered = special and self.unanswered_case(tuple(named.items()), entry)
        return (float(conflict), float(unasked), float(overasked), min(2, unmentioned) / 2,
                float(special_case), min(2, agreement) / 2, float(unanswered))

    def _beyond_default(self, group: int, mask: int) -> bool:
        """`mask` names an alternative of a group that has a default, other than it."""
        default = self.defaults[group] if group < len(self.defaults) else -1
        return default >= 0 and bool(mask & ~(1 << default))

    def names_special_case(self, query: Sequence[tuple[int, int]]) -> bool:
        """The query names an alternative other than its group's default ("đảng viên")."""
        return any(self._beyond_default(g, mask) for g, mask in query)

    def special_case(self, query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]]) -> bool:
        """The entry is about a case other than the one taken for granted, in a
        group the query says nothing about (entry "con bị ốm", query "nghỉ ốm")."""
        named = dict(query)
        return any(g not in named and self._beyond_default(g, mask) for g, mask in entry)

    def unanswered_case(self, query: Sequence[tuple[int, int]], entry: Sequence[tuple[int, int]]) -> bool:
        """The query asks about a case other than the one taken for granted
        ("đảng viên", "con bị ốm") in a group the entry says nothing about."""
        mentioned = {g for g, _ in entry}
        return any(g not in mentioned and self._beyond_default(g, mask) for g, mask in query)

    @classmethod
    def parse(cls, text: str, *, source: str = "<contrasts>") -> ContrastGroups:
        groups = []
        defaults = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            alternatives = []
            default = -1
            for a, alternative in enumerate(line.split("|")):
                if alternative.strip().startswith("*"):
                    if default >= 0:
                        raise ValueError(f"{source}:{number}: more than one default (*) in {raw!r}")
                    default = a
                    alternative = alternative.strip()[1:]
                phrases = tuple(tuple(analyze(p)[0]) for p in alternative.split(",") if p.strip())
                if not phrases or not all(phrases):
                    raise ValueError(f"{source}:{number}: empty alternative in {raw!r}")
                alternatives.append(phrases)
            if len(alternatives) < 2:
                raise ValueError(f"{source}:{number}: a group needs at least two alternatives")
            groups.append(tuple(alternatives))
            defaults.append(default)
        return cls(tuple(groups), tuple(defaults))


@lru_cache(maxsize=4)
def load_contrasts(path: str | None = None) -> ContrastGroups:
    if path is None:
        text = resources.files(__package__).joinpath("data", CONTRASTS_FILE).read_text("utf-8")
        return ContrastGroups.parse(text, source=CONTRASTS_FILE)
    return ContrastGroups.parse(Path(path).read_text("utf-8-sig"), source=str(path))

