"""Fit the matcher's scoring model on the DEV split only and write
knowledge_base/data/kb_model.json.

    .venv/bin/python bench/kb_train.py [--kb FILE] [--queries FILE ...] [--precision 0.95]
    .venv/bin/python bench/kb_train.py --cross [--kinds] [--topic]   # evaluate only, writes nothing

By default it reads every labelled query file of bench/data that exists
(kb_queries.csv, kb_queries_extra.csv, kb_queries_extra2.csv) and uses the dev
rows of all of them.

`--cross` measures how the model does on a writer it has not seen: for each
query file, ranker, confidence and threshold are fitted on the dev rows of the
other files only, then measured on that file's dev rows.

A ranker (conditional logit: which candidate is the answer) over the
per-candidate features, then a logistic confidence over the rank score, its
margin over the runner-up and the query-level features (CONFIDENCE_FEATURES). The suggestion threshold
is chosen on out-of-fold predictions (k-fold over dev queries, repeated with
several shuffles and pooled), so the dev precision it promises is not an
in-sample figure: the lowest threshold at which the dev queries of every query
file reach the target precision. The test split is never read.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge_base.bench import (
    COLDSTART_KB,
    COLDSTART_QUERIES,
    LabelledQuery,
    default_query_files,
    load_coldstart,
    load_queries,
)
from knowledge_base.entries import Entry, read_csv
from knowledge_base.matcher import CANDIDATES, Matcher
from knowledge_base.model import (
    CONFIDENCE_FEATURES,
    FALLBACK,
    FEATURES,
    MODEL_FILE,
    Model,
    confidence_inputs,
    fit_choice,
    fit_logistic,
    margins,
    rank_scores,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Group:
    """One dev query's candidates."""

    query: LabelledQuery
    ids: list[str]
    features: np.ndarray  # (candidates, features)
    labels: np.ndarray
    conflicts: np.ndarray


def collect(matcher: Matcher, queries: Sequence[LabelledQuery]) -> list[Group]:
    conflict = FEATURES.index("conflict")
    groups = []
    for q in queries:
        candidates = matcher.candidates(q.query, CANDIDATES)
        ids = [i for i, _ in candidates]
        x = np.array([f for _, f in candidates], dtype=float).reshape(len(candidates), len(FEATURES))
        y = np.array([i == q.expected for i in ids], dtype=float)
        # Never answered at once: a contrast conflict, or a focus the entry does
        # not cover (data/focus.txt); the matcher offers those as choices at most.
        uncovered = matcher.uncovered(q.query)
        blocked = np.array([bool(uncovered.get(i)) for i in ids], dtype=bool)
        groups.append(Group(q, ids, x, y, (x[:, conflict] > 0) | blocked if len(ids) else np.zeros(0, bool)))
    return groups


def fit(groups: Sequence[Group], l2: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The ranker learns which candidate answers (queries that have one); the
    confidence then learns, over every candidate of every query (out-of-KB ones
    included), how likely the ranked first is to be right."""
    choices = [(g.features, int(np.argmax(g.labels))) for g in groups if g.labels.any()]
    rank_w = np.append(fit_choice(choices, l2=l2[0]), 0.0)
    rows, labels = [], []
    for g in groups:
        if not len(g.ids):
            continue
        ranks = rank_scores(g.features, rank_w)
        order = np.argsort(-ranks, kind="stable")
        for i, r, m in zip(order, ranks[order], margins(list(ranks[order])), strict=True):
            rows.append((*confidence_inputs(r, m, g.features[i]), 1.0))
            labels.append(g.labels[i])
    conf_w = fit_logistic(np.array(rows), np.array(labels), l2=l2[1])
    return rank_w, conf_w


def fit_reach(groups: Sequence[Group], rank_w: np.ndarray, l2: float) -> np.ndarray:
    """The choices' model: from the first candidate's confidence inputs, the
    probability that the expected entry is among the first three (0 for an
    out-of-KB query)."""
    rows, labels = [], []
    for g in groups:
        if not len(g.ids):
            continue
        rows.append((*first_inputs(g, rank_w), 1.0))
        labels.append(float(g.labels[np.argsort(-rank_scores(g.features, rank_w), kind="stable")[:3]].any()))
    return fit_logistic(np.array(rows), np.array(labels), l2=l2)


def first_inputs(g: Group, rank_w: np.ndarray) -> list[float]:
    ranks = rank_scores(g.features, rank_w)
    order = np.argsort(-ranks, kind="stable")
    ranked = list(ranks[order])
    return confidence_inputs(ranked[0], margins(ranked)[0], g.features[order[0]])


def reach_out_of_fold(groups: Sequence[Group], folds: int, l2: tuple[float, float], seed: int = 4) -> list[float]:
    """Each query's out-of-fold reach probability (0 when it has no candidate)."""
    order = list(range(len(groups)))
    random.Random(seed).shuffle(order)
    out = [0.0] * len(groups)
    for fold in range(folds):
        held = set(order[fold::folds])
        train = [g for i, g in enumerate(groups) if i not in held]
        rank_w, _ = fit(train, l2)
        reach_w = fit_reach(train, rank_w, l2[1])
        for i in held:
            if len(groups[i].ids):
                out[i] = float(1 / (1 + np.exp(-(np.array([*first_inputs(groups[i], rank_w), 1.0]) @ reach_w))))
    return out


def top_predictions(groups: Sequence[Group], rank_w: np.ndarray, conf_w: np.ndarray,
                    bonuses: Sequence[np.ndarray] | None = None) -> list[tuple[float, bool]]:
    """(probability, correct) of each query's first candidate; conflicts never
    suggest. `bonuses`: per group, what the worker's topic adds to each rank score."""
    out = []
    for k, g in enumerate(groups):
        if not len(g.ids):
            out.append((0.0, False))
            continue
        ranks = rank_scores(g.features, rank_w)
        # ordered with the topic's lift, judged without it (as Matcher.match does)
        order = np.argsort(-(ranks + (bonuses[k] if bonuses is not None else 0.0)), kind="stable")
        ranked = list(ranks[order])
        first = order[0]
        inputs = np.array([*confidence_inputs(ranked[0], margins(ranked)[0], g.features[first]), 1.0])
        p = 1 / (1 + np.exp(-(inputs @ conf_w)))
        out.append((0.0 if g.conflicts[first] else float(p), bool(g.labels[first])))
    return out


def choose_threshold(predictions: Sequence[tuple[float, bool]], n_in: int,
                     target: float) -> tuple[float, float, float]:
    """The lowest threshold whose suggestions reach `target` precision:
    (threshold, precision, recall)."""
    ordered = sorted(predictions, reverse=True)
    best = (1.0, 1.0, 0.0)
    right = 0
    for k, (p, ok) in enumerate(ordered, start=1):
        right += ok
        boundary = k == len(ordered) or ordered[k][0] < p
        if boundary and p > 0 and right / k >= target:
            best = (p, right / k, right / max(n_in, 1))
    return best


def out_of_fold(groups: Sequence[Group], folds: int, l2: tuple[float, float],
                seed: int = 4) -> tuple[list[tuple[float, bool]], list[list[str]]]:
    """Each query's (probability, correct) and ranked ids from a model fitted
    without it (k-fold over queries)."""
    order = list(range(len(groups)))
    random.Random(seed).shuffle(order)
    oof: list[tuple[float, bool]] = [(0.0, False)] * len(groups)
    ranked: list[list[str]] = [[] for _ in groups]
    for fold in range(folds):
        held = sorted(order[fold::folds])
        held_set = set(held)
        rank_w, conf_w = fit([g for i, g in enumerate(groups) if i not in held_set], l2)
        for i, pred in zip(held, top_predictions([groups[i] for i in held], rank_w, conf_w), strict=True):
            oof[i] = pred
            if len(groups[i].ids):
                ranks = rank_scores(groups[i].features, rank_w)
                ranked[i] = [groups[i].ids[j] for j in np.argsort(-ranks, kind="stable")]
    return oof, ranked


def summary(groups: Sequence[Group], runs: Sequence[tuple[list[tuple[float, bool]], list[list[str]]]],
            threshold: float) -> str:
    """top-1, top-3, recall, precision and out-of-KB share suggested, out of
    fold, averaged over the repeated k-fold runs."""
    answerable = [i for i, g in enumerate(groups) if g.query.expected is not None]
    unanswerable = [i for i, g in enumerate(groups) if g.query.expected is None]
    n = max(len(answerable), 1)
    figures = []
    for oof, ranked in runs:
        top1 = sum(ranked[i][:1] == [groups[i].query.expected] for i in answerable) / n
        top3 = sum(groups[i].query.expected in ranked[i][:3] for i in answerable) / n
        suggested = [i for i in range(len(groups)) if oof[i][0] >= threshold]
        right = sum(oof[i][1] for i in suggested)
        outside = sum(oof[i][0] >= threshold for i in unanswerable) / max(len(unanswerable), 1)
        figures.append((top1, top3, right / n, right / max(len(suggested), 1), outside))
    top1, top3, recall, precision, outside = np.mean(figures, axis=0)
    return (f"top1 {top1:.3f}  top3 {top3:.3f}  recall {recall:.3f}  "
            f"prec {precision:.3f}  out-of-KB suggested {outside:.3f}")


def choose_file_threshold(groups: Sequence[Group], runs: Sequence[tuple[list[tuple[float, bool]], list[list[str]]]],
                          target: float) -> float:
    """The lowest threshold at which the out-of-fold predictions of every query
    file among `groups` reach `target` precision."""
    threshold = 0.0
    for source in sorted({g.query.source for g in groups}):
        mine = [i for i, g in enumerate(groups) if g.query.source == source]
        pooled = [oof[i] for oof, _ in runs for i in mine]
        answerable = sum(groups[i].query.expected is not None for i in mine) * len(runs)
        own, _, _ = choose_threshold(pooled, answerable, target)
        threshold = max(threshold, own)
    return threshold


def choose_choice_threshold(groups: Sequence[Group], runs: Sequence[list[float]], share: float) -> float:
    """The lowest threshold that at most `share` of the out-of-KB dev queries
    (all files pooled, out-of-fold reach probabilities) reach. Pooled, not per
    file: the variants files' near-misses share every word with an entry, and a
    per-file rule would leave almost no choices on a cold start."""
    outside = sorted((oof[i] for oof in runs for i, g in enumerate(groups) if g.query.expected is None),
                     reverse=True)
    allowed = int(share * len(outside))
    return outside[allowed] + 1e-4 if outside and allowed < len(outside) else 0.0


def topic_bonuses(groups: Sequence[Group], rank_w: np.ndarray, topics: dict[str, str],
                  bonus: float) -> list[np.ndarray]:
    """What the worker's topic adds to each candidate's rank score, as the bench
    passes it (`knowledge_base.bench.worker_topic`): the expected entry's topic
    for an in-KB query, else the topic of the first candidate ranked without one."""
    out = []
    for g in groups:
        if not len(g.ids):
            out.append(np.zeros(0))
            continue
        if g.query.expected in topics:
            chosen = topics[g.query.expected]
        else:
            chosen = topics.get(g.ids[int(np.argmax(rank_scores(g.features, rank_w)))])
        out.append(np.array([bonus if topics.get(i) == chosen else 0.0 for i in g.ids]))
    return out


def held_out_figures(groups: Sequence[Group], rank_w: np.ndarray, conf_w: np.ndarray,
                     threshold: float, bonuses: Sequence[np.ndarray] | None = None) -> str:
    """The summary line of queries no part of the model was fitted on, plus how
    often BM25 left the expected entry out of the candidates."""
    ranked = []
    for k, g in enumerate(groups):
        ranks = rank_scores(g.features, rank_w) + (bonuses[k] if bonuses is not None else 0.0)
        order = np.argsort(-ranks, kind="stable") if len(g.ids) else []
        ranked.append([g.ids[j] for j in order])
    predictions = top_predictions(groups, rank_w, conf_w, bonuses)
    answerable = [g for g in groups if g.query.expected is not None]
    missed = sum(not g.labels.any() for g in answerable)
    return (summary(groups, [(predictions, ranked)], threshold)
            + f"  not in candidates {missed}/{len(answerable)}")


def cross_file(groups: Sequence[Group], args: argparse.Namespace, topics: dict[str, str]) -> None:
    """Fit on the dev rows of all query files but one (threshold out of fold, as
    for the shipped model), then measure on the file left out: how the model
    does on a writer it has never seen."""
    l2 = (args.l2, args.confidence_l2)
    sources = sorted({g.query.source for g in groups})
    if len(sources) < 2:
        print("cross-file evaluation needs two query files or more")
        return
    print(f"cross-file (fit on the dev rows of the other files, {args.repeats} x {args.folds}-fold "
          "threshold; measured on the file left out):")
    for held in sources:
        train = [g for g in groups if g.query.source != held]
        test = [g for g in groups if g.query.source == held]
        runs = [out_of_fold(train, args.folds, l2, seed=4 + r) for r in range(args.repeats)]
        threshold = choose_file_threshold(train, runs, args.precision)
        rank_w, conf_w = fit(train, l2)
        print(f"  -> {held:<24}{len(test):>4} (threshold {threshold:.3f}): "
              + held_out_figures(test, rank_w, conf_w, threshold))
        if args.topic:
            bonuses = topic_bonuses(test, rank_w, topics, FALLBACK.topic_bonus)
            print(f"     {'with the worker topic':<28}: " + held_out_figures(test, rank_w, conf_w, threshold, bonuses))
        if args.kinds:
            for kind in sorted({g.query.kind for g in test}):
                mine = [g for g in test if g.query.kind == kind]
                print(f"       {kind:<14}{len(mine):>4}: " + held_out_figures(mine, rank_w, conf_w, threshold))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default=str(ROOT / "knowledge_base/data/sample_kb.csv"))
    parser.add_argument("--queries", action="append", metavar="FILE",
                        help="labelled queries CSV, repeat for several (default: those of bench/data)")
    parser.add_argument("--precision", type=float, default=0.95, help="target dev precision of suggestions")
    parser.add_argument("--l2", type=float, default=0.1, help="L2 penalty of the ranker")
    parser.add_argument("--confidence-l2", type=float, default=1.0, help="L2 penalty of the confidence")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5, help="k-fold runs with different shuffles")
    parser.add_argument("--out", default=str(ROOT / "knowledge_base/data" / MODEL_FILE))
    parser.add_argument("--cross", action="store_true",
                        help="only evaluate: fit on all query files but one, measure on that one; write nothing")
    parser.add_argument("--kinds", action="store_true", help="with --cross: figures per kind of query too")
    parser.add_argument("--topic", action="store_true",
                        help="with --cross: figures with the worker's topic too (as the bench passes it)")
    parser.add_argument("--coldstart-kb", default=str(ROOT / COLDSTART_KB))
    parser.add_argument("--coldstart-queries", default=str(ROOT / COLDSTART_QUERIES),
                        help="cold-start queries: their dev half (knowledge_base.bench.load_coldstart) is fitted on")
    parser.add_argument("--no-coldstart", action="store_true", help="fit on the variants evaluation only")
    parser.add_argument("--no-bare-copy", action="store_true",
                        help="do not also fit on the dev queries against the KB stripped of its variants")
    parser.add_argument("--choice-share", type=float, default=0.25,
                        help="largest out-of-fold share of out-of-KB dev queries (pooled) offered choices")
    args = parser.parse_args()

    files = args.queries or default_query_files(ROOT / "bench/data")
    dev = [q for q in load_queries(*files) if q.split == "dev"]
    entries = read_csv(args.kb)
    matcher = Matcher(entries)
    groups = collect(matcher, dev)
    if not args.no_bare_copy and not args.cross:
        # The same queries against the KB as a first import has it, without
        # variants: the confidence learns what a match looks like with one wording.
        bare = Matcher([Entry(e.id, e.topic, e.question, e.answer) for e in entries])
        bare_dev = [LabelledQuery(q.query, q.expected, q.kind, q.split, f"{q.source} (no variants)") for q in dev]
        dev = dev + bare_dev
        groups += collect(bare, bare_dev)
    if not args.no_coldstart and not args.cross and Path(args.coldstart_queries).is_file():
        cold = [q for q in load_coldstart(args.coldstart_queries) if q.split == "dev"]  # never the test half
        dev = dev + cold
        groups += collect(Matcher(read_csv(args.coldstart_kb)), cold)
        files = [*files, args.coldstart_queries]
    n_in = sum(q.expected is not None for q in dev)
    reachable = sum(g.labels.any() for g in groups)
    print(f"dev: {len(dev)} queries, {n_in} answerable, expected entry among candidates for {reachable}")
    if args.cross:
        cross_file(groups, args, {e.id: e.topic for e in entries})
        return 0
    l2 = (args.l2, args.confidence_l2)

    # Out-of-fold predictions for an honest threshold.
    # Out-of-fold predictions of several shuffles, pooled: one k-fold split of a
    # few hundred queries moves the threshold by several points.
    runs = [out_of_fold(groups, args.folds, l2, seed=4 + r) for r in range(args.repeats)]
    # Writers differ (one file's near-misses are harder than another's): the
    # threshold must reach the target precision on every query file, not only on
    # all of them together.
    sources = sorted({q.source for q in dev})
    for source in sources:
        own = choose_file_threshold([g for g in groups if g.query.source == source],
                                    [([o[i] for i, q in enumerate(dev) if q.source == source], [])
                                     for o, _ in runs], args.precision)
        print(f"  {source}: lowest threshold with out-of-fold precision >= {args.precision}: {own:.4f}")
    threshold = choose_file_threshold(groups, runs, args.precision)
    reach_runs = [reach_out_of_fold(groups, args.folds, l2, seed=4 + r) for r in range(args.repeats)]
    choice_threshold = choose_choice_threshold(groups, reach_runs, args.choice_share)
    print(f"choices from {choice_threshold:.4f}: the lowest that at most {args.choice_share:.0%} of the "
          "out-of-KB dev queries reach (out of fold, all files pooled)")
    pooled = [p for oof, _ in runs for p in oof]
    chosen = [ok for p, ok in pooled if p >= threshold]
    precision = sum(chosen) / max(len(chosen), 1)
    recall = sum(chosen) / max(n_in * len(runs), 1)
    print(f"out-of-fold on dev ({args.repeats} x {args.folds}-fold): threshold {threshold:.4f} -> "
          f"precision {precision:.3f}, recall {recall:.3f}")
    for source in sources:
        mine = [i for i, q in enumerate(dev) if q.source == source]
        print(f"  {source:<24}{len(mine):>4} dev queries: " + summary(
            [groups[i] for i in mine], [([o[i] for i in mine], [r[i] for i in mine]) for o, r in runs],
            threshold))
    print(f"  {'all':<24}{len(dev):>4} dev queries: " + summary(groups, runs, threshold))

    rank_w, conf_w = fit(groups, l2)
    reach_w = fit_reach(groups, rank_w, l2[1])
    in_sample = top_predictions(groups, rank_w, conf_w)
    chosen = [ok for p, ok in in_sample if p >= threshold]
    print(f"in-sample on dev at that threshold: {len(chosen)} suggested, precision "
          f"{(sum(chosen) / len(chosen)) if chosen else 0:.3f}, recall {sum(chosen) / max(n_in, 1):.3f}")
    for name, w in zip(FEATURES, rank_w, strict=False):
        print(f"  {name:<24}{w:+.3f}")
    print(f"  {'(bias)':<24}{rank_w[-1]:+.3f}")
    print(f"  confidence: {dict(zip(CONFIDENCE_FEATURES, np.round(conf_w[:-1], 3), strict=True))}, "
          f"bias {conf_w[-1]:+.3f}")

    model = Model(
        rank_weights=tuple(round(float(w), 5) for w in rank_w[:-1]),
        rank_bias=round(float(rank_w[-1]), 5),
        confidence_weights=tuple(round(float(w), 5) for w in conf_w[:-1]),
        confidence_bias=round(float(conf_w[-1]), 5),
        threshold=round(float(threshold), 4),
        topic_bonus=FALLBACK.topic_bonus,
        reach_weights=tuple(round(float(w), 5) for w in reach_w[:-1]),
        reach_bias=round(float(reach_w[-1]), 5),
        choice_threshold=round(float(choice_threshold), 4),
        notes={
            "trained_on": "dev split only",
            "dev_queries": len(dev),
            "query_files": [Path(f).name for f in files],
            "target_precision": args.precision,
            "out_of_fold_precision": round(precision, 4),
            "out_of_fold_recall": round(recall, 4),
            "out_of_fold_runs": f"{args.repeats} x {args.folds}-fold",
            "l2": {"ranker": args.l2, "confidence": args.confidence_l2},
            "also_fitted_on": [name for name, used in (
                ("the dev queries against the KB without variants", not args.no_bare_copy),
                ("the cold-start dev half", not args.no_coldstart)) if used],
            "choice_share": args.choice_share,
        },
    )
    model.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
