"""Match a worker's question against the knowledge base.

1. Both sides go through `analyze` clause by clause (normalize, expand
   teencode, fold accents), synonyms are rewritten to one form
   (`data/synonyms.txt`), filler and what the worker says the question is not
   about ("chứ không phải mất thẻ") are dropped.
2. Query syllables unknown to the KB, typed without accents, are corrected to a
   known syllable one edit away that fits a neighbour, or split in two when the
   space was lost ("baohiem").
3. BM25 over folded syllables and syllable pairs picks candidates; a second
   BM25 over each entry's related words (`data/related.txt`: how workers
   describe what the question names) adds a few the first missed.
4. Each candidate gets features (coverage of key terms both ways, of the query
   by the entry's answer and related words, fuzzy similarity, accents, contrast words such as
   vợ/chồng and the case a question means by default); a conditional-logit
   ranker orders them and a logistic model turns
   rank score, margin and query-level signals into a probability.
5. `suggest` is true only when that probability clears the threshold and the
   best entry has no contrast conflict with the query.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from .contrasts import CLAUSE_BREAK, ContrastGroups, load_contrasts
from .entries import Entry
from .focus import NO_FOCUS, Focus, FocusRules, load_focus, question_part
from .index import BM25Index
from .model import Model, load_model, margins, rank_scores
from .normalize import Abbreviations, Syllable, analyze, load_abbreviations
from .related import RelatedTerms, load_related
from .synonyms import Thesaurus, load_thesaurus

__all__ = [
    "ANSWER", "CHOICES", "DEFAULT_CHOICE_THRESHOLD", "DEFAULT_THRESHOLD", "MAX_CHOICES", "NONE", "Match",
    "Matcher", "Result", "Tier",
]

_CLAUSE_END = re.compile(r"[,.;:!?()\[\]\n]+")

Sides = tuple[tuple[int, int], ...]  # (contrast group, bitmask of alternatives)

DEFAULT_THRESHOLD: float = load_model().threshold
# Below the answer threshold, down to this one, the best entries are offered as
# choices ("Có phải bạn muốn hỏi…") instead of being answered at once.
DEFAULT_CHOICE_THRESHOLD: float = load_model().choice_threshold

# The three tiers of a match.
Tier = Literal["answer", "choices", "none"]
ANSWER: Tier = "answer"  # sure enough to show the first entry's answer at once
CHOICES: Tier = "choices"  # plausible: offer `Result.choices` to pick from
NONE: Tier = "none"  # nothing close enough: the question goes on to officials
MAX_CHOICES = 3
# An entry past the first is offered as a choice only if its rank score is this
# close to the first one's (the rank scores are log-odds of being the answer).
CHOICE_RANK_GAP = 3.0
# In a chatty message, the words around the question ("em làm ở KCN ...") pick
# candidates with this weight against the question's own.
CONTEXT_WEIGHT = 0.25

# Longer input is not a question a worker typed; it gets related entries at most.
MAX_QUERY_CHARS = 1000
MAX_ANSWER_CHARS = 3000
CANDIDATES = 30
# Entries whose related words (data/related.txt) the query uses best, added to
# the candidates when BM25 over the questions missed them: a worker describing
# the situation ("bị máy cán dập tay") shares no word with "tai nạn lao động".
RELATED_CANDIDATES = 2
RELATED_MAX_SHARE = 0.02  # related words of more entries than this do not pick candidates
# An entry with variants is indexed once per wording; this many of its wordings
# (the best by BM25) are scored against a query, and it counts once. One did at
# least as well on the held-out query files as two, three or five (README) and
# costs the least; with more, the ranker picks among them.
WORDINGS_PER_ENTRY = 1

# Forms of address, politeness and chat filler. They carry no meaning for
# matching and would otherwise make every padded question look alike. Compared
# with accents ("tôi" goes, "tối đa" stays; "hỏi" goes, "xã hội" stays) ...
STOPWORDS = frozenset(
    "em anh chị mình tôi tui bạn cho hỏi với ơi ad admin thì là mà vậy thế nhỉ nhé nha xin chào "
    "cảm ơn giúp dùm giùm kính gửi các ạ dạ".split()
)
# ... and, in questions typed without any accents, only the folded forms that
# are not also common words of their own ("hoi" is "hội", "the" is "thẻ").
PLAIN_STOPWORDS = frozenset(
    "em anh minh tui cho voi oi ad admin thi la ma vay nhe xin chao cam on giup dum".split()
)


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float  # calibrated probability that the entry answers the query


@dataclass(frozen=True)
class Result:
    """A match's outcome. `tier` says what to show: "answer" (the first match's
    answer at once; `suggest` is true exactly then), "choices" (offer
    `choices`, the first up to three matches, to pick from) or "none"."""

    query: str
    suggest: bool
    matches: list[Match]
    tier: Tier = NONE
    # what the question asks that the first entry does not cover (kinds such as
    # "amount", aspects such as "penalty"): why it is not answered at once
    uncovered: frozenset[str] = field(default_factory=frozenset)
    choice_count: int = 0

    @property
    def choices(self) -> list[Match]:
        """The entries to offer when the tier is "choices" (else empty)."""
        return self.matches[:self.choice_count] if self.tier == CHOICES else []


class _Doc:
    __slots__ = ("accented", "answer", "content", "entry", "related", "sides", "slot", "weights")

    def __init__(self, entry: Entry, slot: int, content: list[Syllable], sides: Sides,
                 answer: array[int], related: array[int]) -> None:
        self.entry = entry
        self.slot = slot
        self.content = tuple(sys.intern(f) for f, _ in content)
        self.accented = tuple(sys.intern(a) for _, a in content)
        self.sides = sides
        self.answer = answer  # hashes of the answer's syllables and syllable pairs
        self.related = related  # hashes of the words workers use for what the question names
        # idf sums of the question's terms, filled when first needed and kept until
        # the index changes: (index generation, term mass, pair mass, terms rarest
        # first, their idf)
        self.weights: tuple[int, float, float, tuple[str, ...], array[float]] | None = None


class _Memo(dict[str, float]):
    """idf of the terms one query meets, computed once per query."""

    def __init__(self, compute: Callable[[str], float]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, term: str) -> float:
        value = self[term] = self._compute(term)
        return value


class _Query:
    """A parsed question and what every candidate's features need from it."""

    def __init__(self, content: list[str], accented: list[str], has_accents: bool, sides: Sides,
                 excluded: Sides, special: bool, index: BM25Index, vocabulary: Counter[str],
                 spellings: Counter[str], focus: Focus = NO_FOCUS) -> None:
        self.content = content
        self.focus = focus
        self.context: list[str] = []  # terms of a chatty message around its question
        self.has_accents = has_accents
        self.sides = sides
        self.excluded = excluded  # alternatives the worker ruled out ("không phải mầm non")
        self.named = dict(sides)
        self.ruled_out = dict(excluded)
        self.special = special
        self.text = " ".join(content)
        self.idf = _Memo(index.idf)
        self.generation = index.generation
        self.max_idf = index.max_idf()
        idf = self.idf
        self.terms = set(content)
        self.bigrams = set(_bigrams(content))
        self.known = {t for t in self.terms if t in vocabulary}
        known_bigrams = {b for b in self.bigrams if index.df(b)}
        self.mass = sum(idf[t] for t in self.terms) or 1.0
        self.known_mass = sum(idf[t] for t in self.known) or 1.0
        self.b_mass = sum(idf[b] for b in self.bigrams)
        self.known_b_mass = sum(idf[b] for b in known_bigrams)
        self.unknown_share = sum(idf[t] for t in self.terms - self.known) / self.mass
        self.unknown_bigram_share = (
            (len(self.bigrams) - len(known_bigrams)) / len(self.bigrams) if self.bigrams else 0.0
        )
        # Known when folded but never written so ("đảng" where the KB has "đăng"):
        # the folded match is likely a different word.
        misspelt = {f for f, a in zip(content, accented, strict=True)
                    if has_accents and a and f in self.known and a not in spellings}
        self.unknown_spelling_share = sum(idf[t] for t in misspelt) / self.mass
        self.term_list = list(self.terms)
        self.hashed_terms = [(_hash32(t), idf[t]) for t in self.term_list]
        self.hashed_bigrams = [(_hash32(b), idf[b]) for b in self.bigrams]
        self.hashes = {h for h, _ in self.hashed_terms} | {h for h, _ in self.hashed_bigrams}
        # accents typed for each syllable; "" marks a corrected one (accents unknown)
        self.typed: dict[str, set[str]] = {}
        for f, a in zip(content, accented, strict=True):
            if a:
                self.typed.setdefault(f, set()).add(a)
        # syllables typed with marks only: another spelling is another word
        self.marked = {f for f, forms in self.typed.items() if not any(t.isascii() for t in forms)}
        self.typed_pairs = {(f, t) for f, forms in self.typed.items() for t in forms}


class Matcher:
    """Incremental matcher. Not thread-safe: call it from one thread (the event loop)."""

    def __init__(self, entries: Iterable[Entry] = (), *, threshold: float = DEFAULT_THRESHOLD,
                 choice_threshold: float = DEFAULT_CHOICE_THRESHOLD) -> None:
        self.threshold = threshold
        self.choice_threshold = choice_threshold
        self._focus: FocusRules = load_focus()
        # entry id -> what its question, variants and answer cover (with accents, without)
        self._covered: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._covered_forms: dict[frozenset[str], frozenset[str]] = {}  # shared sets
        self._model: Model = load_model()
        self._rank_weights = np.array([*self._model.rank_weights, self._model.rank_bias])
        self._abbreviations: Abbreviations = load_abbreviations()
        self._contrasts: ContrastGroups = load_contrasts()
        self._thesaurus: Thesaurus = load_thesaurus()
        self._related: RelatedTerms = load_related()
        self._index = BM25Index()
        self._related_index = BM25Index()  # over the related words of each entry's question
        self._docs: list[_Doc | None] = []  # one per wording: the question, then each variant
        self._by_id: dict[str, list[_Doc]] = {}
        self._free: list[int] = []
        self._vocabulary: Counter[str] = Counter()  # folded syllable -> number of entries
        self._spellings: Counter[str] = Counter()  # accented syllable -> number of entries
        self._near: dict[str, set[str]] = {}  # one-deletion key -> known syllables
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self._by_id)

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with that id, if the knowledge base holds it."""
        docs = self._by_id.get(entry_id)
        return None if docs is None else docs[0].entry

    def add(self, entry: Entry) -> None:
        """Insert, or replace the entry with the same id. The question and each
        variant are indexed as wordings of the one entry."""
        if entry.id in self._by_id:
            self.remove(entry.id)
        answer_syllables = analyze(entry.answer[:MAX_ANSWER_CHARS].replace("%", " phần trăm"),
                                   self._abbreviations)
        answer = _hashes(self._phrase_terms([answer_syllables]))
        questions = [analyze(w[:MAX_QUERY_CHARS], self._abbreviations)
                     for w in dict.fromkeys((entry.question, *entry.variants))]
        covered = self._focus.covered(questions, answer_syllables)
        self._covered[entry.id] = (self._shared(covered[0]), self._shared(covered[1]))
        docs = []
        for wording in dict.fromkeys((entry.question, *entry.variants)):
            content, _, sides, _ = self._prepare(wording[:MAX_QUERY_CHARS], typed=False)
            if not content and docs:
                continue  # a variant of filler only
            slot = self._free.pop() if self._free else len(self._docs)
            doc = _Doc(entry, slot, content, sides, answer, _NO_HASHES)
            if slot == len(self._docs):
                self._docs.append(doc)
            else:
                self._docs[slot] = doc
            docs.append(doc)
            self._index_doc(doc)
        # The related words of everything the wordings name, once per entry and
        # under its question's slot: the related index counts entries.
        related = self._entry_related(docs)
        hashes = _hashes(related)
        for doc in docs:
            doc.related = hashes
        if related:
            self._related_index.add(docs[0].slot, related, len(related))
        self._by_id[entry.id] = docs

    def _shared(self, names: frozenset[str]) -> frozenset[str]:
        return self._covered_forms.setdefault(names, names)

    def _entry_related(self, docs: Sequence[_Doc]) -> list[str]:
        return sorted({term for doc in docs for term in self._related_terms(doc.content)})

    def _index_doc(self, doc: _Doc) -> None:
        self._index.add(doc.slot, _terms(doc.content), len(doc.content))
        self._spellings.update(set(doc.accented))
        for syllable in set(doc.content):
            self._vocabulary[syllable] += 1
            if self._vocabulary[syllable] == 1:
                for key in _deletions(syllable):
                    self._near.setdefault(key, set()).add(syllable)

    def remove(self, entry_id: str) -> None:
        docs = self._by_id.pop(entry_id, None)
        if not docs:
            return
        self._covered.pop(entry_id, None)
        related = self._entry_related(docs)  # recomputed: cheaper than keeping them
        if related:
            self._related_index.remove(docs[0].slot, related)
        for doc in docs:
            self._unindex_doc(doc)

    def _unindex_doc(self, doc: _Doc) -> None:
        self._index.remove(doc.slot, _terms(doc.content))
        self._docs[doc.slot] = None
        self._free.append(doc.slot)
        self._spellings.subtract(set(doc.accented))
        for spelling in set(doc.accented):
            if not self._spellings[spelling]:
                del self._spellings[spelling]
        for syllable in set(doc.content):
            self._vocabulary[syllable] -= 1
            if not self._vocabulary[syllable]:
                del self._vocabulary[syllable]
                for key in _deletions(syllable):
                    near = self._near[key]
                    near.discard(syllable)
                    if not near:
                        del self._near[key]

    def match(self, query: str, *, topic: str | None = None, limit: int = 3) -> Result:
        """Best entries first, and the tier: answer at once, offer choices, or
        none. `topic` (the worker's choice) boosts entries of that topic
        without hiding a clearly better one from another topic."""
        if not isinstance(query, str) or not self._by_id or limit <= 0:
            return Result(query, False, [])
        parsed = self._read(query[:MAX_QUERY_CHARS])
        if parsed is None:
            return Result(query, False, [])
        scored = []
        for rank, doc, features in self._scored(parsed, max(CANDIDATES, limit)):
            lifted = rank + self._model.topic_bonus if topic is not None and doc.entry.topic == topic else rank
            scored.append((lifted, rank, doc, features))
        if not scored:
            return Result(query, False, [])
        # The topic orders; the confidence reads the scores without its lift (and
        # each one's margin over the best of the others), so an entry is no surer
        # for being in the topic the worker chose.
        scored.sort(key=lambda item: item[0], reverse=True)
        leads = margins([rank for _, rank, _, _ in scored])
        matches = [
            Match(doc.entry, self._model.confidence(rank, margin, features))
            for (_, rank, doc, features), margin in zip(scored[:limit], leads)
        ]
        best = scored[0][2]
        uncovered = self._uncovered(parsed, best.entry.id)
        confident = (
            len(query) <= MAX_QUERY_CHARS
            and matches[0].score >= self.threshold
            and not self._contrasts.conflict(parsed.sides, best.sides, parsed.excluded)
        )
        if confident and not uncovered:
            return Result(query, True, matches, ANSWER, uncovered)
        _, rank, _, features = scored[0]
        if not confident and self._model.reach(rank, leads[0], features) < self.choice_threshold:
            return Result(query, False, matches, NONE, uncovered)
        first = scored[0][1]
        count = 1 + sum(1 for _, rank, _, _ in scored[1:min(limit, MAX_CHOICES)]
                        if rank >= first - CHOICE_RANK_GAP)
        return Result(query, False, matches, CHOICES, uncovered, count)

    # -- internals ---------------------------------------------------------

    def _prepare(self, text: str, *, typed: bool = True) -> tuple[list[Syllable], bool, Sides, Sides]:
        """Content syllables (synonyms rewritten, filler and "không phải X"
        dropped), whether accents were typed, the contrast alternatives named
        and those ruled out by "không phải"."""
        syllables, has_accents = self._clauses(text)
        syllables = self._thesaurus.rewrite(syllables, has_accents, loose=typed)
        negation = self._contrasts.negated(syllables, has_accents)
        dropped = {i for start, end in negation.spans for i in range(start, end)}
        syllables = [s for i, s in enumerate(syllables) if i not in dropped and s != CLAUSE_BREAK]
        sides = self._contrasts.sides(syllables, has_accents)
        if has_accents:
            content = [s for s in syllables if s[1] not in STOPWORDS]
        else:
            content = [s for s in syllables if s[0] not in PLAIN_STOPWORDS]
        return content, has_accents, sides, negation.ruled_out

    def _clauses(self, text: str) -> tuple[list[Syllable], bool]:
        """`analyze` clause by clause, with CLAUSE_BREAK between clauses."""
        out: list[Syllable] = []
        has_accents = False
        for clause in _CLAUSE_END.split(text):
            syllables, accents = analyze(clause, self._abbreviations)
            if syllables:
                if out:
                    out.append(CLAUSE_BREAK)
                out.extend(syllables)
                has_accents = has_accents or accents
        return out, has_accents

    def _phrase_terms(self, texts: Iterable[tuple[Sequence[Syllable], bool]]) -> set[str]:
        """Syllables and syllable pairs of each (text, typed with accents),
        synonyms rewritten, filler dropped."""
        terms: set[str] = set()
        for syllables, accents in texts:
            rewritten = self._thesaurus.rewrite(syllables, accents, loose=False)
            folded = [f for f, a in rewritten if a not in STOPWORDS]
            terms.update(folded)
            terms.update(_bigrams(folded))
        return terms

    def _related_terms(self, question: Sequence[str]) -> list[str]:
        """The terms of the related words of what a question (folded) names."""
        return sorted(self._phrase_terms((phrase, True) for phrase in self._related.for_text(question)))

    def _read(self, text: str) -> _Query | None:
        """The query as matched: in a long chatty message, the question inside
        it, with the rest as weak context for picking candidates."""
        parts = question_part(text, self._focus)
        if parts is not None:
            parsed = self._parse(parts[0])
            if parsed is not None:
                context = self._parse(parts[1]) if parts[1] else None
                if context is not None:
                    parsed.context = context.content
                return parsed
        return self._parse(text)

    def _parse(self, text: str) -> _Query | None:
        content, has_accents, sides, excluded = self._prepare(text)
        if not content:
            return None
        folded: list[str] = []
        accented: list[str] = []
        for i, (f, a) in enumerate(content):
            # Only words typed without marks: one typed with them is a real word far
            # more often than a typo ("huyện" is not "chuyển").
            if f in self._vocabulary or len(f) < 3 or not f.isalpha() or not a.isascii():
                folded.append(f)
                accented.append(a)
                continue
            previous = folded[-1] if folded else None
            following = content[i + 1][0] if i + 1 < len(content) else None
            fixed = self._correct(f, previous, following)
            folded.extend(fixed)
            accented.extend([""] * len(fixed) if fixed != [f] else [a])
        focus = self._focus.focus(*analyze(text, self._abbreviations))
        return _Query(folded, accented, has_accents, sides, excluded, self._contrasts.names_special_case(sides),
                      self._index, self._vocabulary, self._spellings, focus)

    def _correct(self, word: str, previous: str | None, following: str | None) -> list[str]:
        """Two known syllables if a space was lost ("baohiem"), or a known
        syllable one edit away that forms a known bigram with a neighbour.
        Without that context a word the KB lacks is left alone: it is more
        often a real word ("tăng", "quê") than a typo."""
        splits = [
            (self._index.df(f"{word[:i]} {word[i:]}"), [word[:i], word[i:]])
            for i in range(1, len(word))
            if word[:i] in self._vocabulary and word[i:] in self._vocabulary
        ]
        splits = [s for s in splits if s[0]]
        if splits:
            return max(splits)[1]
        candidates = set()
        for key in _deletions(word) | {word}:
            candidates |= self._near.get(key, set())
        candidates = {c for c in candidates if OSA.distance(word, c, score_cutoff=1) <= 1}
        if not candidates:
            return [word]

        def preference(candidate: str) -> tuple[int, int, str]:
            paired = sum(
                self._index.df(bigram) > 0
                for bigram in (f"{previous} {candidate}", f"{candidate} {following}")
            )
            return paired, self._vocabulary[candidate], candidate

        best = max(candidates, key=preference)
        return [best] if preference(best)[0] else [word]

    def _features(self, query: _Query, doc: _Doc, bm25: float = 0.0) -> list[float]:
        idf = query.idf
        max_idf = query.max_idf
        d_terms = set(doc.content)
        shared = query.terms & d_terms
        shared_mass = sum([idf[t] for t in shared])
        weights = doc.weights
        if weights is None or weights[0] != query.generation:
            ranked = sorted([(idf[t], t) for t in d_terms], reverse=True)
            weights = doc.weights = (
                query.generation, sum([w for w, _ in ranked]), sum([idf[b] for b in set(_bigrams(doc.content))]),
                tuple(t for _, t in ranked), array("f", [w for w, _ in ranked]),
            )
        _, d_raw_mass, d_b_mass, by_idf, idfs = weights
        d_mass = d_raw_mass or 1.0
        rarest_missing = next((float(idfs[k]) for k, t in enumerate(by_idf) if t not in shared), 0.0)
        missing_mass = max(0.0, d_raw_mass - shared_mass)
        missing_in_doc = max([idf[t] for t in query.known - d_terms], default=0.0)

        d_bigrams = set(_bigrams(doc.content))
        shared_b_mass = sum([idf[b] for b in query.bigrams & d_bigrams])

        # the query's hashes found in the answer, then in the related words
        answer = query.hashes.intersection(doc.answer)
        related = query.hashes.intersection(doc.related) if doc.related else _NOTHING
        in_answer = in_either = uncovered = 0.0
        for (h, w), t in zip(query.hashed_terms, query.term_list, strict=True):
            if h in answer:
                in_answer += w
                if t not in d_terms:
                    in_either += w
            else:
                if h in related:
                    in_answer += w
                if t not in d_terms and w > uncovered:
                    uncovered = w
        in_either += shared_mass
        in_answer_b = sum([w for h, w in query.hashed_bigrams if h in answer or h in related])

        q_cov = shared_mass / query.known_mass
        accent_mismatch, other_words = _accent_mismatch(query, doc, shared)
        d_cov = shared_mass / d_mass
        doc_text = " ".join(doc.content)
        conflict, unasked, overasked, unmentioned, special_case, agreement, unanswered = self._contrasts.compare(
            query.named, query.ruled_out, query.special, doc.sides)
        return [
            q_cov,
            d_cov,
            shared_b_mass / query.known_b_mass if query.known_b_mass else 0.0,
            shared_b_mass / d_b_mass if d_b_mass else 0.0,
            2 * q_cov * d_cov / (q_cov + d_cov) if shared_mass else 0.0,
            rarest_missing / max_idf,
            missing_mass / max_idf,
            missing_in_doc / max_idf,
            query.unknown_share,
            query.unknown_bigram_share,
            query.unknown_spelling_share,
            fuzz.token_set_ratio(query.text, doc_text) / 100.0,
            fuzz.ratio(query.text, doc_text) / 100.0,
            accent_mismatch,
            in_answer / query.mass,
            in_answer_b / query.b_mass if query.b_mass else 0.0,
            conflict,
            unasked,
            overasked,
            unmentioned,
            1.0 / len(query.content),
            bm25,
            in_either / query.mass,
            special_case,
            agreement,
            unanswered,
            uncovered / max_idf,
            (shared_mass - other_words) / query.known_mass,
            min(2, len(self._uncovered(query, doc.entry.id))) / 2,
        ]

    def features(self, query: str, entry_id: str) -> list[float] | None:
        """The model's features for one (query, entry) pair, with the entry's
        wording the ranker prefers; for training and tests."""
        parsed = self._read(query[:MAX_QUERY_CHARS])
        docs = self._by_id.get(entry_id)
        if parsed is None or docs is None:
            return None
        rows = [self._features(parsed, doc) for doc in docs]
        return rows[int(np.argmax(rank_scores(np.array(rows), self._rank_weights)))]

    def candidates(self, query: str, k: int = CANDIDATES) -> list[tuple[str, list[float]]]:
        """Candidate entries of a query with the features of their best wording; for training."""
        parsed = self._read(query[:MAX_QUERY_CHARS])
        if parsed is None:
            return []
        return [(doc.entry.id, features) for _, doc, features in self._scored(parsed, k)]

    def uncovered(self, query: str) -> dict[str, frozenset[str]]:
        """For each candidate entry of a query, what the query asks that the
        entry does not cover (empty when it covers it all); for training."""
        parsed = self._read(query[:MAX_QUERY_CHARS])
        if parsed is None:
            return {}
        return {doc.entry.id: self._uncovered(parsed, doc.entry.id) for _, doc, _ in self._scored(parsed, CANDIDATES)}

    def _uncovered(self, query: _Query, entry_id: str) -> frozenset[str]:
        covered = self._covered[entry_id][0 if query.has_accents else 1]
        return frozenset(self._focus.missing(query.focus, covered))

    def _scored(self, query: _Query, k: int) -> list[tuple[float, _Doc, list[float]]]:
        """(rank score, wording, features) of up to k candidate entries, each by
        the wording the ranker scores best; in candidate order."""
        candidates = self._candidates(query, k)
        if not candidates:
            return []
        rows = [self._features(query, doc, bm25) for doc, bm25 in candidates]
        ranks = rank_scores(np.array(rows), self._rank_weights).tolist()
        best: dict[str, tuple[float, _Doc, list[float]]] = {}
        for rank, (doc, _), features in zip(ranks, candidates, rows, strict=True):
            held = best.get(doc.entry.id)
            if held is None or rank > held[0]:
                best[doc.entry.id] = (rank, doc, features)
        return list(best.values())

    def _candidates(self, query: _Query, k: int) -> list[tuple[_Doc, float]]:
        """BM25's best k entries over their wordings (up to WORDINGS_PER_ENTRY
        each), then the best few over the related words that those missed;
        each wording with its score as a share of the best one's."""
        if not self._by_id:
            return []
        weights = dict.fromkeys(query.context, CONTEXT_WEIGHT)
        weights.update(dict.fromkeys(_bigrams(query.context), CONTEXT_WEIGHT))
        weights.update(dict.fromkeys(query.content, 1.0))
        weights.update(dict.fromkeys(_bigrams(query.content), 1.0))
        scores = self._index.scores(weights)
        # Wordings of one entry crowd each other out: fetch more until k entries
        # (each fetch ranks the whole index again: start wide enough for one).
        wordings = len(self._index) / len(self._by_id)
        fetch = k if wordings == 1 else k * max(2, round(wordings))
        while True:
            hits = self._index.top(weights, fetch, scores)
            best = hits[0][1] if hits else 1.0
            taken: dict[str, int] = {}
            out = []
            for slot, score in hits:
                doc = self._docs[slot]
                if doc is None:
                    continue
                count = taken.get(doc.entry.id, 0)
                if count >= WORDINGS_PER_ENTRY or (not count and len(taken) >= k):
                    continue
                taken[doc.entry.id] = count + 1
                out.append((doc, score / best))
            if len(taken) >= k or len(hits) < fetch:
                break
            fetch *= 2
        # The related index holds one document per entry, under its question's slot.
        for slot, _ in self._related_index.top(weights, RELATED_CANDIDATES, max_share=RELATED_MAX_SHARE):
            doc = self._docs[slot]
            if doc is not None and doc.entry.id not in taken:
                taken[doc.entry.id] = 1
                out.append((doc, float(scores[slot]) / best))
        return out


def _bigrams(tokens: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in pairwise(tokens)]


def _terms(content: Sequence[str]) -> list[str]:
    """What the question index holds for an entry: syllables and syllable pairs."""
    return [*content, *_bigrams(content)]


_NOTHING: frozenset[int] = frozenset()
_NO_HASHES: array[int] = array("i")


def _hashes(terms: Iterable[str]) -> array[int]:
    # Answers are long: keep only 32-bit hashes of their terms (a set per
    # entry would cost kilobytes); a false hit is one in tens of millions.
    return array("i", sorted({_hash32(t) for t in terms}))


def _hash32(term: str) -> int:
    return hash(term) & 0x7FFFFFFF


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _accent_mismatch(query: _Query, doc: _Doc, shared: set[str]) -> tuple[float, float]:
    """Share of the syllables both sides use whose accents differ ("năm"/"nam"),
    counted only when the worker typed accents at all; and the idf mass of those
    typed with marks that the entry writes otherwise ("cả đêm" is not "ca đêm")."""
    if not query.has_accents or not shared:
        return 0.0, 0.0
    compared = shared & query.typed.keys()
    if not compared:
        return 0.0, 0.0
    alike = {f for f, _ in query.typed_pairs.intersection(zip(doc.content, doc.accented, strict=True))}
    differ = compared - alike
    idf = query.idf
    return len(differ) / len(compared), sum([idf[f] for f in differ & query.marked])
