"""What a question asks, and where the question is in a chatty message.

Loaded from `data/focus.txt` (officials can edit it):

- cues ("cho em hỏi", "em muốn hỏi") that open the question inside a message
  that starts with a greeting and a story;
- kinds of answer a question asks for ("bao nhiêu": an amount, "khi nào": a
  time, "ở đâu": a place), each with the phrases of an answer that give it;
- aspects a question asks about (the penalty, the tax, the documents).

The matcher answers at once only when the best entry covers the question's
focus: the kind it asks for is asked by the entry's question or given in its
answer, and each aspect it names is named by the entry's question, variants
or answer. Otherwise the entry is at most offered as a choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .normalize import Syllable, analyze, fold_tokens
from .synonyms import phrase_at

__all__ = ["FocusRules", "load_focus", "question_part"]

FOCUS_FILE = "focus.txt"
NUMBER = "0"  # in a phrase: any number

_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
# A message this short is a question already; the cues are read only in longer ones.
MIN_CHATTY_WORDS = 20
# What follows a cue must say something to stand on its own.
MIN_QUESTION_WORDS = 4

Phrase = tuple[tuple[str, ...], tuple[str, ...]]  # folded words, accented words


@dataclass(frozen=True)
class Focus:
    asks: frozenset[str]  # kinds of answer asked for
    aspects: frozenset[str]


NO_FOCUS = Focus(frozenset(), frozenset())


@dataclass(frozen=True)
class _PhraseSet:
    """Named phrases, found in a text by their first word."""

    phrases: tuple[tuple[str, Phrase], ...]
    _folded: dict[str, list[tuple[str, Phrase]]] = field(init=False, repr=False, compare=False)
    _accented: dict[str, list[tuple[str, Phrase]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded: dict[str, list[tuple[str, Phrase]]] = {}
        accented: dict[str, list[tuple[str, Phrase]]] = {}
        for name, phrase in self.phrases:
            accented.setdefault(phrase[1][0], []).append((name, phrase))
            # Typed without accents, one marked syllable is too ambiguous ("thue" is
            # thuê as often as thuế): only longer phrases are compared bare.
            if len(phrase[0]) > 1 or phrase[0] == phrase[1]:
                folded.setdefault(phrase[0][0], []).append((name, phrase))
        object.__setattr__(self, "_folded", folded)
        object.__setattr__(self, "_accented", accented)

    def names(self, syllables: Sequence[Syllable], accented: bool) -> set[str]:
        return {name for name, _, _ in self.find(syllables, accented)}

    def find(self, syllables: Sequence[Syllable], accented: bool) -> list[tuple[str, int, int]]:
        """(name, start, end) of each phrase written in the text; with accents
        typed, a word must carry the phrase's own (see `phrase_at`)."""
        folded = [NUMBER if f.isdigit() else f for f, _ in syllables]
        words = [NUMBER if a.isdigit() else a for _, a in syllables] if accented else None
        starts = self._accented if words is not None else self._folded
        keys = words if words is not None else folded
        out = []
        for i, key in enumerate(keys):
            options = starts.get(key, ())
            if words is not None and key.isascii():
                options = [*options, *self._folded.get(folded[i], ())]
            for name, (p_folded, p_accented) in options:
                if phrase_at(folded, words, i, p_folded, p_accented):
                    out.append((name, i, i + len(p_folded)))
        return out


@dataclass(frozen=True)
class FocusRules:
    cues: _PhraseSet
    asks: _PhraseSet
    gives: _PhraseSet  # phrases of an answer that give each kind
    aspects: _PhraseSet
    back: _PhraseSet  # words that point at what the message told before the question

    def focus(self, syllables: Sequence[Syllable], accented: bool) -> Focus:
        """The kinds and aspects a question (its syllables) asks."""
        return Focus(frozenset(self.asks.names(syllables, accented)),
                     frozenset(self.aspects.names(syllables, accented)))

    def covered(self, question: Iterable[tuple[Sequence[Syllable], bool]],
                answer: tuple[Sequence[Syllable], bool]) -> tuple[frozenset[str], frozenset[str]]:
        """What an entry covers: (kinds, aspects) when compared with accents,
        then the same compared without them (for questions typed bare)."""
        with_marks: set[str] = set()
        bare: set[str] = set()
        texts = [(syllables, accented, self.asks) for syllables, accented in question]
        texts.append((answer[0], answer[1], self.gives))
        for syllables, accented, kinds in texts:
            for names, marks in ((with_marks, accented), (bare, False)):
                names |= self.aspects.names(syllables, marks)
                names |= {f"ask:{k}" for k in kinds.names(syllables, marks)}
        return frozenset(with_marks), frozenset(bare)

    def missing(self, focus: Focus, covered: frozenset[str]) -> set[str]:
        """What the question asks that an entry covering `covered` does not."""
        return {a for a in focus.aspects if a not in covered} | {
            k for k in focus.asks if f"ask:{k}" not in covered}

    def question_start(self, syllables: Sequence[Syllable], accented: bool) -> int | None:
        """Where the last cue of a message ends, if what follows can stand alone."""
        found = self.cues.find(syllables, accented)
        for _, _, end in sorted(found, key=lambda hit: -hit[1]):
            if len(syllables) - end >= MIN_QUESTION_WORDS:
                return end
        return None

    @classmethod
    def parse(cls, text: str, *, source: str = "<focus>") -> FocusRules:
        names = ("cues", "asks", "gives", "aspects", "back")
        sections: dict[str, list[tuple[str, Phrase]]] = {k: [] for k in names}
        section = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip().replace("%", " phần trăm")
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
                if section not in ("cues", "back", "asks", "aspects"):
                    raise ValueError(f"{source}:{number}: unknown section {line!r}")
                continue
            if section is None:
                raise ValueError(f"{source}:{number}: a line before any [section]")
            if section in ("cues", "back"):
                sections[section].extend((section, p) for p in _phrases(line, source, number))
                continue
            if ":" not in line:
                raise ValueError(f"{source}:{number}: expected 'name: phrase, ...', got {raw!r}")
            name, rest = (part.strip() for part in line.split(":", 1))
            if section == "asks":
                asked, _, given = rest.partition("|")
                sections["asks"].extend((name, p) for p in _phrases(asked, source, number))
                sections["gives"].extend((name, p) for p in _phrases(given, source, number))
            else:
                sections["aspects"].extend((name, p) for p in _phrases(rest, source, number))
        return cls(*(_PhraseSet(tuple(sections[k])) for k in names))


def _phrases(text: str, source: str, number: int) -> list[Phrase]:
    out = []
    for part in text.split(","):
        if not part.strip():
            continue
        syllables = analyze(part)[0]
        if not syllables:
            raise ValueError(f"{source}:{number}: empty phrase in {text!r}")
        out.append((tuple(f for f, _ in syllables), tuple(a for _, a in syllables)))
    return out


def question_part(text: str, rules: FocusRules) -> tuple[str, str] | None:
    """(question, context) of a long chatty message: from its last cue ("cho
    em hỏi"), or else its sentences ending in "?", to the end; None when the
    message is short or shows no question apart from the rest."""
    if len(fold_tokens(text)) < MIN_CHATTY_WORDS:
        return None
    sentences = [s for s in _SENTENCE.findall(text) if s.strip()]
    # the last sentence with a cue, from the cue on, and the sentences after it
    for k in range(len(sentences) - 1, -1, -1):
        syllables, accented = analyze(sentences[k])
        start = rules.question_start(syllables, accented)
        if start is None:
            continue
        words = sentences[k].split()
        # the cue ends after `start` syllables; words and syllables line up closely enough here
        cue_words = _words_for(sentences[k], start)
        before = sentences[:k] + [" ".join(words[:cue_words])]
        question = " ".join([" ".join(words[cue_words:]), *sentences[k + 1:]])
        if k and _refers_back(question, rules):
            question, before = f"{sentences[k - 1]} {question}", before[:-2] + before[-1:]
        return question.strip(), " ".join(before).strip()
    asked = [k for k, s in enumerate(sentences) if s.rstrip().endswith("?")]
    if asked and asked[0] > 0:
        first = asked[0]
        if _refers_back(sentences[first], rules):
            first -= 1
        question = " ".join(sentences[first:])
        if len(fold_tokens(question)) >= MIN_QUESTION_WORDS:
            return question.strip(), " ".join(sentences[:first]).strip()
    return None


def _refers_back(question: str, rules: FocusRules) -> bool:
    """"như vậy có đúng không": the question is about what the sentence before tells."""
    syllables, accented = analyze(question)
    return bool(rules.back.names(syllables, accented))


def _words_for(sentence: str, syllables: int) -> int:
    """How many whitespace words of `sentence` hold its first `syllables` syllables."""
    count = 0
    for k, word in enumerate(sentence.split(), start=1):
        count += len(analyze(word)[0])
        if count >= syllables:
            return k
    return len(sentence.split())


@lru_cache(maxsize=4)
def load_focus(path: str | None = None) -> FocusRules:
    if path is None:
        text = resources.files(__package__).joinpath("data", FOCUS_FILE).read_text("utf-8")
        return FocusRules.parse(text, source=FOCUS_FILE)
    return FocusRules.parse(Path(path).read_text("utf-8-sig"), source=str(path))
