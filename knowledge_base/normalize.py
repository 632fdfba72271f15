"""Vietnamese text normalization: one display form and one matching key.

`normalize` gives text that is safe to store and show (NFC, one tone-mark
placement, tidy whitespace). `fold` gives the key the matcher compares:
lower-case, no punctuation, no repeated letters, abbreviations and teencode
expanded, no diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = [
    "Abbreviations", "Syllable", "analyze", "fold", "fold_tokens", "load_abbreviations", "normalize",
    "strip_marks",
]

# Combining marks that carry the tone; the others (circumflex, breve, horn)
# change the vowel itself and stay with their letter.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
_SHAPED_VOWELS = frozenset("ăâêôơư")

# Invisible characters some keyboards and copy-paste leave behind. ZWJ stays in
# `normalize` because emoji sequences need it; `fold` drops every non-letter.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200e\u200f\u2060\u2061\u2062\u2063\ufeff"))
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"[^\W_]+")
_REPEATS = re.compile(r"([^\W\d_])\1+")
_FOLDED_REPEATS = re.compile(r"([^\W\d_ou])\1+")
# Real syllables that double a letter: the rhyme "ưu" typed without its horn
# ("huu" = hưu, "cuu" = cứu, "uu dai") and the "oo" of loanwords ("xoong", "boong",
# "soóc"; not "khoong", a stretched "không"). Squeezed, "luong huu" would read "lương hù".
# Only onsets that form a syllable with "ưu" (bưu, cứu, hưu, hữu, khứu, lưu, mưu,
# ngưu, sưu, tựu, trừu): "thuu" is "thu" stretched, not a word of its own.
_DOUBLED_SYLLABLE = re.compile(r"(?:b|c|h|kh|l|m|ng|s|t|tr)?uu|(?:[bgmsx]|ph)oo(?:ng|c)", re.IGNORECASE)
_RUNS = re.compile(r"([^\W\d_])\1{2,}")
_I_OR_Y = re.compile(r"[bdhklmstv]y")
# Ranks and regions are written in Roman numerals, digits or words.
_NUMBERED = frozenset(["hang", "vung", "bac", "loai", "nhom"])
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}
_NUMBERS = {"mot": "1", "nhat": "1", "hai": "2", "ba": "3", "bon": "4", "tu": "4", "nam": "5", "sau": "6"}

DEFAULT_ABBREVIATIONS = "abbreviations.txt"


def normalize(text: str) -> str:
    """NFC, canonical tone placement ("hoà" -> "hòa", "thuý" -> "thúy", "qúa" -> "quá"),
    invisible characters removed, whitespace collapsed. Keeps accents and case."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    text = _LETTER_RUN.sub(lambda m: _place_tone(m.group()), text)
    return " ".join(text.split())


def strip_marks(text: str) -> str:
    """Remove every diacritic, `đ` included (it is a letter of its own, not a mark)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Matching key: see `fold_tokens`, joined by single spaces."""
    return " ".join(fold_tokens(text))


def fold_tokens(text: str, abbreviations: Abbreviations | None = None) -> list[str]:
    """normalize + lower + punctuation dropped + repeated letters squeezed +
    abbreviations/teencode expanded + diacritics removed, as a list of syllables."""
    return [folded for folded, _ in analyze(text, abbreviations)[0]]


Syllable = tuple[str, str]  # (folded, lower-case accented)


def analyze(text: str, abbreviations: Abbreviations | None = None) -> tuple[list[Syllable], bool]:
    """Syllables of `text` after expansion, each as (folded, accented), and whether
    the writer typed any diacritic at all (if not, "nam" may well mean "năm")."""
    table = abbreviations if abbreviations is not None else load_abbreviations()
    out: list[Syllable] = []
    accents = False
    for word in _WORD.findall(normalize(text).lower()):
        if out and out[-1][0] in _NUMBERED and (strip_marks(word) in _NUMBERS or word in _ROMAN):
            number = _ROMAN.get(word) or _NUMBERS[strip_marks(word)]
            out.append((number, number))  # "hạng II", "hạng hai", "hạng 2" alike
            continue
        syllables, typed_marks = _expand(table, word)
        out.extend(syllables)
        accents = accents or typed_marks
    return out, accents


@lru_cache(maxsize=1 << 16)
def _expand(table: Abbreviations, word: str) -> tuple[tuple[Syllable, ...], bool]:
    """A word's syllables, and whether the writer typed marks on it (an
    expansion's own marks do not count). Cached: words repeat endlessly."""
    syllables = table.expand(word)
    return syllables, len(syllables) == 1 and strip_marks(word) != word


def _squeeze(word: str) -> str:
    # Letters repeated to stretch a word ("khônggggg", "vậyyy", "đcc") count once,
    # unless the word is a real syllable written with a double letter.
    # A real one stretched keeps its double letter: "huuu" is "huu" (hưu), not "hu".
    doubled = _RUNS.sub(r"\1\1", word)
    if _DOUBLED_SYLLABLE.fullmatch(doubled):
        return doubled
    return _REPEATS.sub(r"\1", word)


def _syllable(word: str) -> Syllable:
    accented = _squeeze(word)
    # Squeeze again once the marks are gone ("ạaaa" -> "aa" -> "a"), but keep the
    # "uu" of "hưu"/"ưu" (different letters before folding) apart from "hu".
    folded = _FOLDED_REPEATS.sub(r"\1", strip_marks(accented))
    if _I_OR_Y.fullmatch(folded):
        folded = folded[0] + "i"  # kỹ/kĩ, lý/lí, ký/kí: both spellings are in use
    return folded, accented


def _only_d_stroke(word: str) -> bool:
    """No diacritic but đ ("nlđ", "dc"): its folded form is safe to look up."""
    return word.replace("đ", "d").isascii()


@dataclass(frozen=True, eq=False)  # hashed by identity: it keys the word cache
class Abbreviations:
    """Whole-word expansions. `exact` is keyed by the lower-case word as written
    in the table, `folded` by its accent-free form (keys marked only with đ)."""

    exact: dict[str, tuple[Syllable, ...]]
    folded: dict[str, tuple[Syllable, ...]]

    def expand(self, word: str) -> tuple[Syllable, ...]:
        squeezed = _squeeze(word)
        hit = self.exact.get(word) or self.exact.get(squeezed)
        if hit is None and _only_d_stroke(word):
            hit = self.folded.get(strip_marks(word)) or self.folded.get(strip_marks(squeezed))
        if hit is not None:
            return hit
        own = _syllable(word)
        return (own,) if own[0] else ()

    @classmethod
    def parse(cls, text: str, *, source: str = "<abbreviations>") -> Abbreviations:
        exact: dict[str, tuple[Syllable, ...]] = {}
        folded: dict[str, tuple[Syllable, ...]] = {}
        plain_keys: set[str] = set()
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if "=" not in line:
                raise ValueError(f"{source}:{number}: expected 'abbr = expansion', got {raw!r}")
            keys, expansion = line.split("=", 1)
            value = tuple(_syllable(w) for w in _WORD.findall(normalize(expansion).lower()))
            for key in (k.strip() for k in keys.split(",")):
                word = normalize(key).lower()
                if not _WORD.fullmatch(word):
                    raise ValueError(f"{source}:{number}: key {key!r} must be one word")
                exact[word] = value
                plain = strip_marks(word)
                # "nlđ" also answers to "nld", but "hở" does not answer to "ho" (hồ, họ, hỗ):
                # only keys whose one mark is đ are found by their folded form, and an
                # accent-free key ("dc") beats the folded form of an accented one.
                if plain == word:
                    folded[plain] = value
                    plain_keys.add(plain)
                elif _only_d_stroke(word) and plain not in plain_keys:
                    folded.setdefault(plain, value)
        return cls(exact=exact, folded=folded)


@lru_cache(maxsize=8)
def load_abbreviations(path: str | None = None) -> Abbreviations:
    """Load (once) the abbreviation table; the default is the shipped data file."""
    if path is None:
        text = resources.files(__package__).joinpath("data", DEFAULT_ABBREVIATIONS).read_text("utf-8")
        return Abbreviations.parse(text, source=DEFAULT_ABBREVIATIONS)
    return Abbreviations.parse(Path(path).read_text("utf-8-sig"), source=str(path))


@lru_cache(maxsize=65536)
def _place_tone(word: str) -> str:
    """Move the tone mark of one syllable to its canonical vowel; leave
    anything that is not a single Vietnamese-looking syllable untouched."""
    if word.isascii():
        return word
    letters: list[str] = []
    tone = ""
    for ch in word:
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [m for m in decomposed[1:] if m in _TONES]
        if marks:
            if tone or len(marks) > 1:
                return word
            tone = marks[0]
        shape = "".join(m for m in decomposed[1:] if m not in _TONES)
        letters.append(unicodedata.normalize("NFC", decomposed[0] + shape))
    if not tone:
        return word
    position = _tone_position("".join(letters).lower())
    if position is None:
        return word
    letters[position] = unicodedata.normalize("NFC", letters[position] + tone)
    return "".join(letters)


def _tone_position(syllable: str) -> int | None:
    if len(syllable) > 7:
        return None
    start = next((i for i, c in enumerate(syllable) if c in _VOWELS), None)
    if start is None:
        return None
    end = start
    while end < len(syllable) and syllable[end] in _VOWELS:
        end += 1
    if end - start > 3 or any(c in _VOWELS for c in syllable[end:]):
        return None  # not one Vietnamese syllable ("ạaaa", two vowel groups)
    if any(syllable[i] == syllable[i + 1] != "o" for i in range(start, end - 1)):
        return None  # a stretched vowel ("ạaa"): leave it as typed
    # "qu" and "gi" + vowel: the u / i belong to the consonant.
    if end - start > 1 and (
        (syllable[start] == "u" and start > 0 and syllable[start - 1] == "q")
        or (syllable[start] == "i" and start == 1 and syllable[0] == "g")
    ):
        start += 1
    shaped = [i for i in range(start, end) if syllable[i] in _SHAPED_VOWELS]
    if shaped:
        return shaped[-1]  # ươ -> ơ, uô -> ô, iê -> ê
    if end - start == 1:
        return start
    if end < len(syllable):
        return end - 1  # closed syllable: hoàng, huỳnh, toán
    if end - start == 2:
        return start  # open: hòa, thúy, mùa, tài
    return start + 1  # ngoài, khuỷu, xoáy
