"""`python -m knowledge_base bench`: quality on labelled queries and latency on
synthetic large knowledge bases, for this matcher and a naive rapidfuzz baseline."""

from __future__ import annotations

import csv
import gc
import hashlib
import os
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from .entries import Entry, read_csv
from .matcher import Matcher
from .normalize import normalize

__all__ = [
    "COLDSTART_KB", "COLDSTART_QUERIES", "Baseline", "LabelledQuery", "coldstart_split", "default_query_files",
    "evaluate", "evaluate_with_topic", "load_coldstart", "load_queries", "run_bench", "synthesize", "worker_topic",
]

OUT_OF_KB_KINDS = ("near_miss", "out_of_scope")

# The cold-start evaluation: a KB imported without variants, and queries written
# by someone who never saw its entries (query,expected_id,style; no split column).
COLDSTART_KB = "bench/data/coldstart_kb.csv"
COLDSTART_QUERIES = "bench/data/coldstart_queries.csv"


# Labelled query files, in bench/data/: the original set (dev and test halves)
# and a second, blind-written dev set. Those that exist are used by default.
QUERY_FILES = ("kb_queries.csv", "kb_queries_extra.csv", "kb_queries_extra2.csv")


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    expected: str | None  # None: nothing should be suggested
    kind: str
    split: str
    source: str = ""  # file name the row came from


def default_query_files(directory: str | Path = "bench/data") -> list[str]:
    """The labelled query files of `directory` that exist, in QUERY_FILES order."""
    return [str(Path(directory) / name) for name in QUERY_FILES if (Path(directory) / name).is_file()]


def load_queries(*paths: str | Path) -> list[LabelledQuery]:
    """Rows of one or more query files (query,expected_id,kind,split), in order."""
    out: list[LabelledQuery] = []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
        missing = {"query", "expected_id", "kind", "split"} - set(rows[0] if rows else {})
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        out.extend(
            LabelledQuery(r["query"], (r["expected_id"] or "").strip() or None, r["kind"].strip(),
                          r["split"].strip(), Path(path).name)
            for r in rows
        )
    return out


def coldstart_split(query: str) -> str:
    """A stable key of a query's text; see `load_coldstart`."""
    return hashlib.sha256(normalize(query).encode("utf-8")).hexdigest()


def load_coldstart(path: str | Path = COLDSTART_QUERIES) -> list[LabelledQuery]:
    """The cold-start queries, split into dev and test halves: within each style,
    rows ordered by the SHA-256 of their normalized text, the first half
    (rounded up) dev, the rest test. Deterministic, and the same for anyone."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    missing = {"query", "expected_id", "style"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    split: dict[int, str] = {}
    for style in sorted({r["style"].strip() for r in rows}):
        of_style = sorted((coldstart_split(r["query"]), k) for k, r in enumerate(rows) if r["style"].strip() == style)
        half = (len(of_style) + 1) // 2
        for position, (_, k) in enumerate(of_style):
            split[k] = "dev" if position < half else "test"
    return [
        LabelledQuery(r["query"], (r["expected_id"] or "").strip() or None, r["style"].strip(), split[k],
                      Path(path).name)
        for k, r in enumerate(rows)
    ]


# A system under test answers: ranked ids (best first), its tier ("answer",
# "choices", "none") and the ids it offers as choices.
System = Callable[[str], tuple[list[str], str, list[str]]]


class Baseline:
    """What one would write first: WRatio of the raw query against the raw questions."""

    def __init__(self, entries: Iterable[Entry], threshold: float = 0.0) -> None:
        self.entries = list(entries)
        self.questions = [e.question for e in self.entries]
        self.threshold = threshold

    def scores(self, query: str, limit: int = 3) -> list[tuple[str, float]]:
        hits = process.extract(query, self.questions, scorer=fuzz.WRatio,
                               processor=utils.default_process, limit=limit)
        return [(self.entries[i].id, score / 100.0) for _, score, i in hits]

    def __call__(self, query: str) -> tuple[list[str], str, list[str]]:
        hits = self.scores(query)
        return [i for i, _ in hits], "answer" if hits and hits[0][1] >= self.threshold else "none", []


def matcher_system(matcher: Matcher) -> System:
    def run(query: str) -> tuple[list[str], str, list[str]]:
        result = matcher.match(query)
        return [m.entry.id for m in result.matches], result.tier, [m.entry.id for m in result.choices]

    return run


@dataclass
class Tally:
    n_in: int = 0
    n_out: int = 0
    top1: int = 0
    top3: int = 0
    right: int = 0  # suggested, and the suggestion is the expected entry
    wrong_in: int = 0  # suggested the wrong entry for an in-KB query
    wrong_out: int = 0  # suggested anything for an out-of-KB query
    reached: int = 0  # in-KB: the expected entry answered at once or among the choices
    choices_in: int = 0  # in-KB queries given choices
    choices_out: int = 0  # out-of-KB queries given choices

    def add(self, query: LabelledQuery, ids: Sequence[str], tier: str, choices: Sequence[str] = ()) -> None:
        suggest = tier == "answer"
        if query.expected is None:
            self.n_out += 1
            self.wrong_out += suggest
            self.choices_out += tier == "choices"
            return
        self.n_in += 1
        hit = bool(ids) and ids[0] == query.expected
        self.top1 += hit
        self.top3 += query.expected in ids[:3]
        self.right += suggest and hit
        self.wrong_in += suggest and not hit
        self.choices_in += tier == "choices"
        self.reached += (suggest and hit) or query.expected in choices

    @property
    def suggested(self) -> int:
        return self.right + self.wrong_in + self.wrong_out

    def precision(self) -> float | None:
        return self.right / self.suggested if self.suggested else None


def evaluate(system: System, queries: Sequence[LabelledQuery]) -> dict[str, Tally]:
    """Tallies overall ("all") and per kind."""
    tallies: dict[str, Tally] = {"all": Tally()}
    for q in queries:
        ids, tier, choices = system(q.query)
        tallies["all"].add(q, ids, tier, choices)
        tallies.setdefault(q.kind, Tally()).add(q, ids, tier, choices)
    return tallies


def worker_topic(matcher: Matcher, query: LabelledQuery) -> str | None:
    """The topic a worker would have chosen before typing `query`: the expected
    entry's topic for an in-KB query; for an out-of-KB one, the topic of the
    best match found without a topic (a worker asking about a neighbouring
    subject picks the topic that subject seems to belong to)."""
    expected = matcher.entry(query.expected) if query.expected else None
    if expected is not None:
        return expected.topic
    matches = matcher.match(query.query).matches
    return matches[0].entry.topic if matches else None


def evaluate_with_topic(matcher: Matcher, queries: Sequence[LabelledQuery]) -> dict[str, Tally]:
    """Like `evaluate`, with the worker's topic (`worker_topic`) passed to the matcher."""
    tallies: dict[str, Tally] = {"all": Tally()}
    for q in queries:
        result = matcher.match(q.query, topic=worker_topic(matcher, q))
        ids = [m.entry.id for m in result.matches]
        choices = [m.entry.id for m in result.choices]
        tallies["all"].add(q, ids, result.tier, choices)
        tallies.setdefault(q.kind, Tally()).add(q, ids, result.tier, choices)
    return tallies


def best_baseline_threshold(baseline: Baseline, dev: Sequence[LabelledQuery],
                            target: float = 0.95) -> tuple[float, str]:
    """The lowest WRatio threshold whose dev precision reaches `target`; if none
    does, the one with the best F1 of suggestion precision and recall."""
    scored = []
    for q in dev:
        hits = baseline.scores(q.query, limit=1)
        if hits:
            scored.append((hits[0][1], q.expected is not None and hits[0][0] == q.expected))
    n_in = sum(q.expected is not None for q in dev) or 1
    best_f1, best_f1_t = -1.0, 1.0
    for t in sorted({s for s, _ in scored}):
        chosen = [ok for s, ok in scored if s >= t]
        right = sum(chosen)
        precision, recall = right / len(chosen), right / n_in
        if precision >= target:
            return t, f"lowest with dev precision >= {target:.2f}"
        f1 = 2 * precision * recall / (precision + recall) if right else 0.0
        if f1 > best_f1:
            best_f1, best_f1_t = f1, t
    return best_f1_t, f"best dev F1 (precision {target:.2f} unreachable)"


# -- synthetic knowledge bases for latency ---------------------------------

_ONSETS = "b c ch d đ g gh h k kh l m n ng nh p ph qu r s t th tr v x".split()
_RHYMES = ("a ai am an ang anh ao au ay e em en eo ê êm ên ênh i im in inh iêu o oa oai oan "
           "oang oi om on ong ô ôi ôm ôn ông ơ ơi ơm ơn u ua uân uy uôi uông ư ưa ương ươi").split()
_TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]


def synthesize(entries: Sequence[Entry], n: int, *, seed: int = 4,
               with_variants: bool = False) -> list[Entry]:
    """`n` entries: the real ones, then altered copies of them in which a few
    words are replaced by other KB words or by invented syllables, so the
    vocabulary keeps growing the way a real, larger knowledge base's would.
    The copies have no variants (a KB imported with four columns, or published
    case by case) unless `with_variants`: then each keeps altered copies of its
    model's variants."""
    rng = random.Random(seed)
    words = sorted({w for e in entries for w in e.question.split()})
    invented = [
        normalize(_with_tone(rng.choice(_ONSETS) + rng.choice(_RHYMES), rng.choice(_TONES)))
        for _ in range(max(2000, n // 5))
    ]

    def altered(text: str) -> str:
        syllables = text.split()
        for _ in range(rng.randint(2, 4)):
            pool = invented if rng.random() < 0.5 else words
            syllables[rng.randrange(len(syllables))] = rng.choice(pool)
        return " ".join(syllables)

    out = list(entries[:n])
    i = 0
    while len(out) < n:
        base = entries[i % len(entries)]
        i += 1
        variants = tuple(altered(v) for v in base.variants) if with_variants else ()
        out.append(Entry(f"syn-{i}", base.topic, altered(base.question), base.answer, variants))
    return out


def _with_tone(syllable: str, tone: str) -> str:
    for k, ch in enumerate(syllable):
        if ch in "aăâeêioôơuưy" and (k + 1 == len(syllable) or syllable[k + 1] not in "aeiouy"):
            return syllable[: k + 1] + tone + syllable[k + 1:]
    return syllable


# -- running it --------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_matches(match: Callable[[str], object], queries: Sequence[str], rounds: int = 1) -> list[float]:
    for q in queries[:20]:
        match(q)  # warm caches
    timings = []
    gc.disable()
    try:
        for _ in range(rounds):
            for q in queries:
                start = time.perf_counter()
                match(q)
                timings.append((time.perf_counter() - start) * 1000)
    finally:
        gc.enable()
    return timings


def measure_size(entries: Sequence[Entry]) -> tuple[Matcher, float, float]:
    """Build a matcher; return it with the build time (s) and the growth of the
    process's resident memory while building it (MB; the entries already exist)."""
    gc.collect()
    before = _resident_mb()
    start = time.perf_counter()
    matcher = Matcher(entries)
    elapsed = time.perf_counter() - start
    gc.collect()
    return matcher, elapsed, _resident_mb() - before


def _resident_mb() -> float:
    try:
        with open("/proc/self/statm") as stream:
            pages = int(stream.read().split()[1])
    except OSError:  # not Linux: report the peak instead
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def run_bench(kb: str, query_files: str | Sequence[str], *, split: str = "all",
              sizes: Sequence[int] = (1_000, 10_000, 100_000),
              out: Callable[[str], None] = print, with_variants: bool = False,
              coldstart: tuple[str, str] | None = (COLDSTART_KB, COLDSTART_QUERIES)) -> int:
    if isinstance(query_files, str):
        query_files = [query_files]
    entries = read_csv(kb)
    queries = load_queries(*query_files)
    known = {e.id for e in entries}
    unknown = sorted({q.expected for q in queries if q.expected and q.expected not in known})
    if unknown:
        out(f"warning: {len(unknown)} expected ids are not in {kb}: {', '.join(unknown[:10])}")
    dev = [q for q in queries if q.split == "dev"]
    splits = ["dev", "test"] if split == "all" else [split]

    matcher = Matcher(entries)
    baseline = Baseline(entries)
    baseline.threshold, how = best_baseline_threshold(baseline, dev)
    out(f"Knowledge base: {kb} ({len(entries)} entries); queries: {', '.join(query_files)} "
        f"({len(dev)} dev, {sum(q.split == 'test' for q in queries)} test)")
    out(f"Matcher threshold {matcher.threshold:.3f} (shipped, fitted on dev); "
        f"baseline WRatio threshold {baseline.threshold:.3f} ({how})")

    for name in splits:
        part = [q for q in queries if q.split == name]
        if not part:
            continue
        ours, theirs = evaluate(matcher_system(matcher), part), evaluate(baseline, part)
        out("")
        out(f"== Quality on {name} ({len(part)} queries) ==")
        out(_quality_table(ours, theirs))
        sources = sorted({q.source for q in part})
        if len(sources) > 1:
            out("")
            out(f"== Quality on {name}, per query file ==")
            for source in sources:
                of_file = [q for q in part if q.source == source]
                mine = evaluate(matcher_system(matcher), of_file)["all"]
                out(f"{source:<24}{len(of_file):>5} | " + _summary(mine))
        out("")
        out(f"== Quality on {name} WITH THE WORKER'S TOPIC (not what the targets are judged on) ==")
        out("topic passed: the expected entry's topic for in-KB queries; for out-of-KB queries the "
            "topic of the best match found without a topic")
        for source in (sources if len(sources) > 1 else []) + ["all"]:
            of_file = part if source == "all" else [q for q in part if q.source == source]
            out(f"{source:<24}{len(of_file):>5} | " + _summary(evaluate_with_topic(matcher, of_file)["all"]))

    if coldstart is not None and all(Path(p).is_file() for p in coldstart):
        run_coldstart(*coldstart, splits=splits, out=out)

    out("")
    wordings = sum(1 + len(e.variants) for e in entries) / max(1, len(entries))
    out("== Latency of one match (ms), synthetic knowledge bases built from the sample "
        + (f"(every entry with variants: {wordings:.1f} wordings each) ==" if with_variants
           else "(copies without variants) =="))
    texts = [q.query for q in queries]
    rows = []
    for size in sizes:
        big = synthesize(entries, size, with_variants=with_variants)
        big_matcher, build_s, memory_mb = measure_size(big)
        ours_ms = time_matches(big_matcher.match, texts, rounds=2 if size <= 10_000 else 1)
        base = Baseline(big)
        base_texts = texts[:: max(1, size // 2_000)]  # it is slow: a sample will do
        theirs_ms = time_matches(base, base_texts)
        add_ms, remove_ms = _time_updates(big_matcher, entries)
        rows.append((size, ours_ms, theirs_ms, build_s, memory_mb, add_ms, remove_ms))
        del big_matcher, big
        gc.collect()
    out(_latency_table(rows))
    return 0


def run_coldstart(kb: str, queries_path: str, *, splits: Sequence[str] = ("dev", "test"),
                  out: Callable[[str], None] = print) -> dict[str, dict[str, Tally]]:
    """The cold-start evaluation: a KB without variants, queries by a writer who
    never saw it, per style and with the tiers."""
    entries = read_csv(kb)
    queries = load_coldstart(queries_path)
    matcher = Matcher(entries)
    out("")
    out(f"== COLD START: {kb} ({len(entries)} entries, "
        f"{sum(len(e.variants) for e in entries)} variants); {queries_path} "
        f"({sum(q.split == 'dev' for q in queries)} dev, {sum(q.split == 'test' for q in queries)} test; "
        "split by SHA-256 of the text within each style) ==")
    out(f"answer threshold {matcher.threshold:.3f}, choices from {matcher.choice_threshold:.3f}")
    results = {}
    for name in splits:
        part = [q for q in queries if q.split == name]
        if part:
            results[name] = tallies = evaluate(matcher_system(matcher), part)
            out("")
            out(f"-- {name} ({len(part)} queries) --")
            out(_tier_table(tallies))
    return results


def _tier_table(tallies: dict[str, Tally]) -> str:
    header = (f"{'style':<12}{'n':>5} | {'top1':>6}{'top3':>6} | {'answer':>7}{'reach':>7}{'wrong':>6} | "
              f"{'out: answer':>12}{'choices':>8}")
    lines = [header, "-" * len(header)]
    for kind in ["all"] + sorted(k for k in tallies if k != "all"):
        t = tallies[kind]
        lines.append(
            f"{kind:<12}{t.n_in + t.n_out:>5} | {_ratio(t.top1, t.n_in):>6}{_ratio(t.top3, t.n_in):>6} | "
            f"{_ratio(t.right, t.n_in):>7}{_ratio(t.reached, t.n_in):>7}{t.wrong_in:>6} | "
            f"{_ratio(t.wrong_out, t.n_out):>12}{_ratio(t.choices_out, t.n_out):>8}")
        if kind == "all":
            lines.append("-" * len(header))
    lines.append("")
    lines.append("in-KB: answer = the right answer at once; reach = the right answer at once or among the "
                 "choices; wrong = wrong entries answered at once (count).")
    lines.append("out-of-KB (near_miss, off_topic): answer = given an instant answer (wrong); "
                 "choices = shown choices.")
    return "\n".join(lines)


def _time_updates(matcher: Matcher, entries: Sequence[Entry]) -> tuple[list[float], list[float]]:
    adds, removes = [], []
    for i, base in enumerate(entries[:200]):
        entry = Entry(f"bench-new-{i}", base.topic, base.question + " mới cập nhật", base.answer)
        start = time.perf_counter()
        matcher.add(entry)
        adds.append((time.perf_counter() - start) * 1000)
    for i in range(min(200, len(entries))):
        start = time.perf_counter()
        matcher.remove(f"bench-new-{i}")
        removes.append((time.perf_counter() - start) * 1000)
    return adds, removes


def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def _summary(t: Tally) -> str:
    return (f"top1 {_ratio(t.top1, t.n_in)}  top3 {_ratio(t.top3, t.n_in)}  recall {_ratio(t.right, t.n_in)}  "
            f"prec {_fmt(t.precision())}  out-of-KB suggested {_ratio(t.wrong_out, t.n_out)}  "
            f"reach {_ratio(t.reached, t.n_in)}  out-of-KB choices {_ratio(t.choices_out, t.n_out)}")


def _quality_table(ours: dict[str, Tally], theirs: dict[str, Tally]) -> str:
    header = (f"{'kind':<13}{'n':>5} | {'top1':>6}{'top3':>6}{'recall':>7}{'prec':>7}{'wrong':>6}"
              f" | {'top1':>6}{'top3':>6}{'recall':>7}{'prec':>7}{'wrong':>6}")
    lines = [f"{'':<19}| {'matcher':^32} | {'baseline (WRatio)':^32}", header, "-" * len(header)]
    kinds = ["all"] + sorted(k for k in ours if k != "all")
    for kind in kinds:
        cells = []
        for tallies in (ours, theirs):
            t = tallies[kind]
            wrong = t.wrong_in + t.wrong_out
            wrong_cell = f"{wrong}" if t.n_in else f"{_ratio(t.wrong_out, t.n_out)}"
            cells.append(f"{_ratio(t.top1, t.n_in):>6}{_ratio(t.top3, t.n_in):>6}"
                         f"{_ratio(t.right, t.n_in):>7}{_fmt(t.precision()):>7}{wrong_cell:>6}")
        n = ours[kind].n_in + ours[kind].n_out
        lines.append(f"{kind:<13}{n:>5} | {cells[0]} | {cells[1]}")
        if kind == "all":
            lines.append("-" * len(header))
    a, b = ours["all"], theirs["all"]
    lines.append("")
    lines.append(f"in-KB {a.n_in}, out-of-KB {a.n_out}. top1/top3 over in-KB queries; recall = right "
                 "suggestions / in-KB; prec = right / all suggestions;")
    lines.append("wrong = count of wrong suggestions (rows of out-of-KB kinds: share of them suggested).")
    lines.append(f"out-of-KB queries given a suggestion: matcher {_ratio(a.wrong_out, a.n_out)}, "
                 f"baseline {_ratio(b.wrong_out, b.n_out)}; wrong entry suggested for in-KB: "
                 f"matcher {a.wrong_in}, baseline {b.wrong_in}")
    return "\n".join(lines)


def _latency_table(rows: list[tuple[int, list[float], list[float], float, float, list[float], list[float]]]) -> str:
    header = (f"{'entries':>8} | {'p50':>6}{'p95':>7}{'max':>7} | {'base p50':>9}{'p95':>7} | "
              f"{'build s':>8}{'index MB':>9} | {'add p50':>8}{'max':>7}{'remove p50':>11}")
    lines = [header, "-" * len(header)]
    for size, ours, theirs, build, memory, adds, removes in rows:
        lines.append(
            f"{size:>8} | {statistics.median(ours):>6.2f}{percentile(ours, 95):>7.2f}{max(ours):>7.2f} | "
            f"{statistics.median(theirs):>9.2f}{percentile(theirs, 95):>7.2f} | {build:>8.2f}{memory:>9.1f} | "
            f"{statistics.median(adds):>8.3f}{max(adds):>7.2f}{statistics.median(removes):>11.3f}"
        )
    lines.append("")
    lines.append("p50/p95/max: one Matcher.match (max = longest the event loop is held); base: the "
                 "WRatio baseline; build: Matcher(entries) from scratch;")
    lines.append("index MB: resident memory the build added (Entry objects excluded); "
                 "add/remove: one incremental update at that size, ms.")
    return "\n".join(lines)
