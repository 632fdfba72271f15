"""Figures for /stats: plain counts in, text and a PNG chart out.

The chart is drawn on a `matplotlib.figure.Figure` with the Agg canvas and
never through pyplot, so it keeps no global state and can be drawn from a
worker thread (`asyncio.to_thread`). Every text on it comes from the caller's
catalog; this module holds no user-facing words except the units below.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

STATUSES = ("open", "answered", "forwarded", "duplicate", "rejected")
STATUS_COLORS = {
    "open": "#f0a202",       # amber: waiting for an answer
    "answered": "#2e9e5b",   # green
    "forwarded": "#3a7bd5",  # blue
    "duplicate": "#9aa0a6",  # grey
    "rejected": "#d64545",   # red
}
OTHER_COLORS = ("#8e6cc4", "#c4778e", "#4fb0b8", "#7a6a4f")  # statuses added later

# 1600 x 800 px at 150 dpi: 10-pt text is ~21 px high, legible on a phone held upright.
DPI = 150
SIZE_PX = (1600, 800)
TOPIC_WRAP = 22       # characters per line of a topic title
NO_VALUE = "—"

UNITS = {
    "vi": {"day": "ngày", "hour": "giờ", "minute": "phút"},
    "en": {"day": "d", "hour": "h", "minute": "min"},
}


@dataclass(frozen=True)
class CaseStats:
    by_status: Mapping[str, int]                      # status -> count
    by_topic_status: Mapping[tuple[str, str], int]    # (topic key, status) -> count
    # (Monday of the week, status -> questions created that week), oldest first;
    # weeks without questions are present with an empty mapping.
    weekly: Sequence[tuple[date, Mapping[str, int]]]
    answer_hours: Sequence[float]                     # question -> first answer, answered only
    answered_within_deadline: int
    answered_total: int
    ratings_up: int
    ratings_down: int


def median(values: Sequence[float]) -> float | None:
    """The median, or None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def format_duration_hours(hours: float | None, language: str) -> str:
    """A duration for people: "2 ngày 3 giờ", "5 giờ 20 phút", "45 phút" ("2 d 3 h" in English).

    Two units at most, the smaller one left out when it is zero; rounded to the
    minute under a day, to the hour above. None gives "—"; negative counts as 0.
    Unknown languages fall back to Vietnamese, as the catalog does.
    """
    if hours is None:
        return NO_VALUE
    unit = UNITS.get(language, UNITS["vi"])
    minutes = _round_half_up(max(hours, 0.0) * 60)
    if minutes < 60:
        return f"{minutes} {unit['minute']}"
    if minutes < 24 * 60:
        return _two_units(minutes // 60, unit["hour"], minutes % 60, unit["minute"])
    whole_hours = _round_half_up(minutes / 60)
    return _two_units(whole_hours // 24, unit["day"], whole_hours % 24, unit["hour"])


def percent(part: int, whole: int) -> str:
    """`part` of `whole` as a whole percentage ("87%"); "—" when whole is 0.

    Rounded half up, except that 100% and 0% are kept for "all" and "none":
    999 of 1000 on time reads "99%", not "100%".
    """
    if whole == 0:
        return NO_VALUE
    value = _round_half_up(100 * part / whole)
    if part < whole:
        value = min(value, 99)
    if part > 0:
        value = max(value, 1)
    return f"{value}%"


def render_chart(stats: CaseStats, topic_titles: Mapping[str, str],
                 status_labels: Mapping[str, str], title: str, empty_note: str, *,
                 panel_titles: tuple[str, str] = ("", "")) -> bytes:
    """A 1600x800 PNG: questions per week (left) and per topic (right), stacked by status.

    `topic_titles` and `status_labels` name topics and statuses (unknown keys
    show as themselves); `empty_note` is written where there is nothing to
    show; `panel_titles` optionally heads the left and right panels.
    """
    # Imported here: matplotlib takes ~0.5 s to import and only /stats needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    weekly_total = sum(sum(counts.values()) for _, counts in stats.weekly)
    topic_total = sum(stats.by_topic_status.values())
    statuses = _statuses_shown(stats)
    colors = _colors(statuses)

    fig = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    try:
        fig.suptitle(_nfc(title), fontsize=14, fontweight="bold")
        if not weekly_total and not topic_total:
            fig.text(0.5, 0.5, _nfc(empty_note), ha="center", va="center", fontsize=13,
                     color="#555555")
        else:
            left, right = fig.subplots(1, 2, width_ratios=(1, 1))
            _draw_weekly(left, stats.weekly, statuses, colors, empty_note, weekly_total)
            _draw_topics(right, stats.by_topic_status, topic_titles, statuses, colors,
                         empty_note)
            for axes, heading in zip((left, right), panel_titles, strict=True):
                if heading:
                    axes.set_title(_nfc(heading), fontsize=11)
            _legend(fig, statuses, colors, status_labels)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
        return buffer.getvalue()
    finally:
        fig.clear()


def _draw_weekly(axes: Axes, weekly: Sequence[tuple[date, Mapping[str, int]]],
                 statuses: Sequence[str], colors: Mapping[str, str], empty_note: str,
                 total: int) -> None:
    positions = list(range(len(weekly)))
    labels = [monday.strftime("%d/%m") for monday, _ in weekly]
    bottoms = [0] * len(weekly)
    container = None
    for status in statuses:
        heights = [counts.get(status, 0) for _, counts in weekly]
        container = axes.bar(positions, heights, bottom=bottoms, color=colors[status], width=0.7)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if container is not None and total:
        axes.bar_label(container, labels=[str(n) if n else "" for n in bottoms], fontsize=8,
                       padding=2)
    axes.set_xticks(positions, labels, fontsize=9, rotation=45 if len(weekly) > 8 else 0)
    _integer_axis(axes.yaxis)
    axes.margins(y=0.12)
    _tidy(axes, grid_axis="y")
    if not total:
        _note(axes, empty_note)


def _draw_topics(axes: Axes, counts: Mapping[tuple[str, str], int],
                 topic_titles: Mapping[str, str], statuses: Sequence[str],
                 colors: Mapping[str, str], empty_note: str) -> None:
    per_topic: dict[str, int] = {}
    for (topic, _status), count in counts.items():
        per_topic[topic] = per_topic.get(topic, 0) + count
    # Largest first, drawn from the top; ties keep a stable, readable order.
    topics = sorted((t for t, n in per_topic.items() if n), key=lambda t: (-per_topic[t], t))
    if not topics:
        axes.set_xticks([])
        axes.set_yticks([])
        _tidy(axes, grid_axis=None)
        _note(axes, empty_note)
        return
    positions = list(range(len(topics)))
    lefts = [0] * len(topics)
    container = None
    for status in statuses:
        widths = [counts.get((topic, status), 0) for topic in topics]
        container = axes.barh(positions, widths, left=lefts, color=colors[status], height=0.7)
        lefts = [a + w for a, w in zip(lefts, widths, strict=True)]
    if container is not None:
        axes.bar_label(container, labels=[str(n) for n in lefts], fontsize=8, padding=2)
    names = [_wrap(topic_titles.get(topic, topic)) for topic in topics]
    axes.set_yticks(positions, names, fontsize=9 if len(topics) <= 8 else 7)
    axes.invert_yaxis()
    _integer_axis(axes.xaxis)
    axes.margins(x=0.1)
    _tidy(axes, grid_axis="x")


def _statuses_shown(stats: CaseStats) -> list[str]:
    """Known statuses in lifecycle order, then any others; only those with questions."""
    present: set[str] = {s for (_, s), n in stats.by_topic_status.items() if n}
    present |= {s for _, counts in stats.weekly for s, n in counts.items() if n}
    return [s for s in STATUSES if s in present] + sorted(present - set(STATUSES))


def _colors(statuses: Iterable[str]) -> dict[str, str]:
    unknown = [s for s in statuses if s not in STATUS_COLORS]
    extra = {s: OTHER_COLORS[i % len(OTHER_COLORS)] for i, s in enumerate(unknown)}
    return {**STATUS_COLORS, **extra}


def _legend(fig: Figure, statuses: Sequence[str], colors: Mapping[str, str],
            status_labels: Mapping[str, str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[s], label=_nfc(status_labels.get(s, s))) for s in statuses]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   frameon=False, fontsize=10)


def _integer_axis(axis: Axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _tidy(axes: Axes, grid_axis: Literal["x", "y"] | None) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if grid_axis:
        axes.grid(axis=grid_axis, color="#e6e6e6", linewidth=0.8)
        axes.set_axisbelow(True)


def _note(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, _nfc(text), transform=axes.transAxes, ha="center", va="center",
              fontsize=12, color="#555555")


def _wrap(title: str) -> str:
    return textwrap.fill(_nfc(title), width=TOPIC_WRAP, max_lines=3, placeholder="…")


def _nfc(text: str) -> str:
    # Decomposed diacritics draw as loose marks; the composed forms are in DejaVu Sans.
    return unicodedata.normalize("NFC", text)


def _two_units(big: int, big_unit: str, small: int, small_unit: str) -> str:
    if small:
        return f"{big} {big_unit} {small} {small_unit}"
    return f"{big} {big_unit}"


def _round_half_up(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)
