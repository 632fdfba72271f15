"""The scoring model: a linear ranker over match features, then a logistic
confidence that turns the ranker's score and its margin over the runner-up
into a calibrated probability that the entry answers the query.

Weights are fitted by `bench/kb_train.py` on the dev split of the labelled
queries and shipped in `data/kb_model.json`; nothing here knows any entry.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = [
    "CONFIDENCE_FEATURES", "FEATURES", "Model", "confidence_inputs", "fit_choice", "fit_logistic",
    "load_model", "margins", "rank_scores", "sigmoid",
]

# Per (query, entry) features; see Matcher._features for their definitions.
FEATURES = (
    "query_coverage",  # share of the query's known terms (idf-weighted) found in the entry
    "entry_coverage",  # share of the entry's terms (idf-weighted) found in the query
    "query_bigram_coverage",
    "entry_bigram_coverage",
    "coverage_agreement",  # harmonic mean of query_coverage and entry_coverage
    "entry_missing_key",  # rarest entry term the query lacks (idf / max idf)
    "entry_missing_mass",  # all entry terms the query lacks (idf sum / max idf)
    "query_missing_key",  # rarest known query term the entry lacks
    "unknown_terms",  # share of the query (idf-weighted) that no entry uses at all
    "unknown_bigrams",  # share of the query's word pairs that no entry uses
    "unknown_spellings",  # share of the query (idf) known folded but never with these accents
    "fuzzy_set",  # rapidfuzz token_set_ratio over content syllables
    "fuzzy_ratio",  # rapidfuzz ratio over content syllables
    "accent_mismatch",  # shared syllables spelled with different accents
    "answer_coverage",  # share of the query (idf-weighted) found in the entry's answer
    "answer_bigram_coverage",
    "conflict",  # a contrast group (vợ/chồng, mua/thuê, ...) disagrees: never suggested
    "unasked_contrast",  # the entry also names an alternative the query does not
    "overasked_contrast",  # the query also names an alternative the entry does not
    "narrower_entry",  # contrast groups the entry names and the query does not mention
    "short_query",  # 1 / number of content syllables
    "bm25_share",  # the entry's BM25 score over the best candidate's
    "text_coverage",  # share of the query (idf-weighted) found in the question or the answer
    "special_case",  # the entry is about a case the query does not name and does not mean by default
    "contrast_agreement",  # contrast groups where query and entry name the same alternative (max 2) / 2
    "unanswered_case",  # the query names a case other than the default in a group the entry does not name
    "uncovered_key",  # rarest query word found neither in the question nor in the answer (idf / max idf)
    "accented_coverage",  # query_coverage without the syllables typed with other marks than the entry's
    "focus_uncovered",  # what the query asks (data/focus.txt) that the entry does not cover (count, max 2) / 2
)
# The ranker only compares candidates of one query; what says how answerable
# the query is at all (unknown words, length) goes to the confidence, with how
# much of the question and of the query the first entry leaves unexplained.
CONFIDENCE_FEATURES = (
    "rank_score", "margin", "unknown_terms", "unknown_bigrams", "unknown_spellings", "short_query",
    "text_coverage", "uncovered_key", "entry_coverage", "query_coverage", "query_missing_key", "accented_coverage", "entry_missing_key",
)
_CONFIDENCE_INPUTS = tuple(FEATURES.index(name) for name in CONFIDENCE_FEATURES[2:])

MODEL_FILE = "kb_model.json"

logger = logging.getLogger(__name__)


MAX_MARGIN = 5.0
# A conflicting entry is never suggested; this keeps it below the others in the
# list too (on top of whatever weight the fit gives the feature).
CONFLICT_PENALTY = 5.0
_CONFLICT = FEATURES.index("conflict")


def confidence_inputs(rank_score: float, margin: float, features: Sequence[float]) -> list[float]:
    """The confidence model's inputs, in CONFIDENCE_FEATURES order."""
    return [rank_score, margin, *(features[i] for i in _CONFIDENCE_INPUTS)]


def rank_scores(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Model.rank_score for rows of features; `weights` ends with the bias."""
    return x @ weights[:-1] + weights[-1] - CONFLICT_PENALTY * x[:, _CONFLICT]


def margins(ranks: Sequence[float]) -> list[float]:
    """Each rank score's lead over the best of the others, clipped to
    +-MAX_MARGIN: for scores sorted best first, the best one's lead over the
    runner-up and every other one's gap to the best (negative). The order need
    not be by score (the worker's topic orders the list, not the scores)."""
    if not ranks:
        return []
    if len(ranks) == 1:
        return [MAX_MARGIN]
    first = max(range(len(ranks)), key=ranks.__getitem__)
    best = ranks[first]
    second = max(r for i, r in enumerate(ranks) if i != first)
    gaps = [r - (second if i == first else best) for i, r in enumerate(ranks)]
    return [max(-MAX_MARGIN, min(MAX_MARGIN, g)) for g in gaps]


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(frozen=True)
class Model:
    rank_weights: tuple[float, ...]
    rank_bias: float
    confidence_weights: tuple[float, ...]
    confidence_bias: float
    threshold: float
    # Added to the rank score of entries in the topic the worker chose: a hint
    # strong enough to break near-ties, too weak to bury a clearly better entry.
    topic_bonus: float = 0.75
    # A second logistic model over the same inputs: the probability that the
    # answer is among the first three (what choices need), not that it is first.
    # From `choice_threshold` on, the best entries are offered as choices.
    reach_weights: tuple[float, ...] = ()
    reach_bias: float = 0.0
    choice_threshold: float = 0.2
    notes: dict[str, object] = field(default_factory=dict)

    def rank_score(self, features: Sequence[float]) -> float:
        score = self.rank_bias + sum(w * x for w, x in zip(self.rank_weights, features, strict=True))
        return score - CONFLICT_PENALTY * features[_CONFLICT]

    def confidence(self, rank_score: float, margin: float, features: Sequence[float]) -> float:
        inputs = confidence_inputs(rank_score, margin, features)
        return sigmoid(self.confidence_bias + sum(w * x for w, x in zip(self.confidence_weights, inputs,
                                                                         strict=True)))

    def reach(self, rank_score: float, margin: float, features: Sequence[float]) -> float:
        """Probability that the entry the query is about is among the first three."""
        if not self.reach_weights:
            return self.confidence(rank_score, margin, features)
        inputs = confidence_inputs(rank_score, margin, features)
        return sigmoid(self.reach_bias + sum(w * x for w, x in zip(self.reach_weights, inputs, strict=True)))

    def save(self, path: str | Path) -> None:
        data = asdict(self)
        data["features"] = list(FEATURES)
        data["confidence_features"] = list(CONFIDENCE_FEATURES)
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        if data.get("features") != list(FEATURES) or data.get("confidence_features") != list(
            CONFIDENCE_FEATURES
        ):
            raise ValueError("kb model was trained on other features; run bench/kb_train.py")
        return cls(
            rank_weights=tuple(data["rank_weights"]),
            rank_bias=data["rank_bias"],
            confidence_weights=tuple(data["confidence_weights"]),
            confidence_bias=data["confidence_bias"],
            threshold=data["threshold"],
            topic_bonus=data.get("topic_bonus", 0.75),
            reach_weights=tuple(data.get("reach_weights", ())),
            reach_bias=data.get("reach_bias", 0.0),
            choice_threshold=data.get("choice_threshold", 0.2),
            notes=data.get("notes", {}),
        )


# Hand-set weights used only when no trained model file is present.
FALLBACK = Model(
    rank_weights=(3.0, 3.0, 1.0, 1.5, 2.0, -2.0, -0.5, -2.0, -2.0, -1.0, -1.0, 2.0, 1.0, -2.0, 0.5, 0.5, -4.0, -1.0, -1.0,
                  -0.3, -0.5, 0.5, 1.0, -1.0, 0.5, -1.0, -1.0, 1.0, -1.0),
    rank_bias=-6.0,
    confidence_weights=(1.0, 0.5, -2.0, -1.0, -1.0, -0.5, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0),
    confidence_bias=0.0,
    threshold=0.8,
)


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> Model:
    if path is not None:
        return Model.from_json(Path(path).read_text("utf-8"))
    resource = resources.files(__package__).joinpath("data", MODEL_FILE)
    if not resource.is_file():
        logger.warning("no %s: matching uses untrained weights", MODEL_FILE)
        return FALLBACK
    try:
        return Model.from_json(resource.read_text("utf-8"))
    except (ValueError, KeyError) as exc:
        logger.warning("%s unusable (%s): matching uses untrained weights", MODEL_FILE, exc)
        return FALLBACK


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method. `x` must carry a
    bias column (last); the bias is not regularised. Returns the weights."""
    d = x.shape[1]
    w = np.zeros(d)
    penalty = np.full(d, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(d)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def fit_choice(groups: Sequence[tuple[np.ndarray, int]], *, l2: float = 1.0,
               iterations: int = 50) -> np.ndarray:
    """Conditional logit ("which candidate is the answer"): maximise the softmax
    probability of the right candidate among each query's candidates, with an
    L2 penalty, by damped Newton steps. `groups` holds (features, index of the
    right one) per query that has one. Returns weights without a bias (a bias
    cannot change a choice)."""
    d = groups[0][0].shape[1]
    w = np.zeros(d)

    def loss(v: np.ndarray) -> float:
        total = 0.5 * l2 * float(v @ v)
        for x, right in groups:
            z = x @ v
            top = z.max()
            total += float(top + np.log(np.exp(z - top).sum()) - z[right])
        return total

    current = loss(w)
    for _ in range(iterations):
        gradient = l2 * w
        hessian = l2 * np.eye(d)
        for x, right in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            mean = p @ x
            gradient = gradient + mean - x[right]
            hessian = hessian + (x * p[:, None]).T @ x - np.outer(mean, mean)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(d), gradient)
        scale = 1.0
        while scale > 1e-4:
            trial = w - scale * step
            value = loss(trial)
            if value <= current:
                break
            scale /= 2
        else:
            break
        w, improvement, current = trial, current - value, value
        if improvement < 1e-9:
            break
    return w
