"""The /stats figures: the PNG chart and the small text formatters."""

from __future__ import annotations

import io
import struct
import unicodedata
import warnings
import zlib
from datetime import date, timedelta

import numpy as np
import pytest

from bot.services.reports import (
    STATUS_COLORS,
    CaseStats,
    format_duration_hours,
    median,
    percent,
    render_chart,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TOPICS = {
    "salary": "Tiền lương, thưởng và phụ cấp",
    "insurance": "Bảo hiểm xã hội, bảo hiểm y tế, bảo hiểm thất nghiệp",
    "housing": "Nhà ở",
}
LABELS = {"open": "Đang chờ", "answered": "Đã trả lời", "forwarded": "Đã chuyển",
          "duplicate": "Trùng lặp", "rejected": "Từ chối"}
EMPTY_NOTE = "Chưa có dữ liệu"


def stats(weekly: list[tuple[date, dict[str, int]]] | None = None,
          by_topic_status: dict[tuple[str, str], int] | None = None) -> CaseStats:
    return CaseStats(by_status={}, by_topic_status=by_topic_status or {}, weekly=weekly or [],
                     answer_hours=[], answered_within_deadline=0, answered_total=0,
                     ratings_up=0, ratings_down=0)


def eight_weeks(counts: dict[int, dict[str, int]]) -> list[tuple[date, dict[str, int]]]:
    first_monday = date(2025, 1, 6)
    return [(first_monday + timedelta(weeks=n), counts.get(n, {})) for n in range(8)]


FULL = stats(
    weekly=eight_weeks({1: {"open": 2, "answered": 5}, 4: {"answered": 7, "rejected": 1},
                        7: {"open": 3, "forwarded": 2, "duplicate": 1}}),
    by_topic_status={("salary", "answered"): 9, ("salary", "open"): 3,
                     ("insurance", "forwarded"): 2, ("insurance", "duplicate"): 1,
                     ("housing", "answered"): 3, ("housing", "rejected"): 1,
                     ("housing", "open"): 2},
)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height after checking every chunk and inflating the pixel data."""
    assert png.startswith(PNG_SIGNATURE)
    position, header, pixels = len(PNG_SIGNATURE), b"", b""
    while True:
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        body = png[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        position += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            pixels += body
        elif kind == b"IEND":
            break
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    # Each row: one filter byte, then the pixels.
    assert len(zlib.decompress(pixels)) == height * (1 + width * channels * depth // 8)
    assert position == len(png)
    return width, height


def colors_in(png: bytes) -> set[str]:
    from matplotlib.image import imread

    image = imread(io.BytesIO(png), format="png")
    rgb = (image[:, :, :3] * 255).round().astype(np.int64)
    packed = np.unique((rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2])
    return {f"#{int(value):06x}" for value in packed}


@pytest.fixture(scope="module")
def full_png() -> bytes:
    return render_chart(FULL, TOPICS, LABELS, "Thống kê câu hỏi — 8 tuần gần nhất", EMPTY_NOTE,
                        panel_titles=("Câu hỏi mỗi tuần", "Theo chủ đề"))


def test_chart_is_a_phone_sized_png(full_png: bytes) -> None:
    width, height = png_size(full_png)
    assert (width, height) == (1600, 800)


def test_chart_shows_each_status_present_in_its_colour(full_png: bytes) -> None:
    shown = colors_in(full_png)
    for status in ("open", "answered", "forwarded", "duplicate", "rejected"):
        assert STATUS_COLORS[status] in shown, status


def test_chart_leaves_out_statuses_nobody_has() -> None:
    only_open = stats(weekly=eight_weeks({2: {"open": 4}}),
                      by_topic_status={("salary", "open"): 4})
    shown = colors_in(render_chart(only_open, TOPICS, LABELS, "Thống kê", EMPTY_NOTE))
    assert STATUS_COLORS["open"] in shown
    assert STATUS_COLORS["answered"] not in shown


def test_legend_uses_the_labels_given(full_png: bytes) -> None:
    english = {"open": "Open", "answered": "Answered", "forwarded": "Forwarded",
               "duplicate": "Duplicate", "rejected": "Rejected"}
    relabelled = render_chart(FULL, TOPICS, english, "Thống kê câu hỏi — 8 tuần gần nhất",
                              EMPTY_NOTE, panel_titles=("Câu hỏi mỗi tuần", "Theo chủ đề"))
    assert relabelled != full_png


def test_vietnamese_text_has_every_glyph() -> None:
    # matplotlib warns for each character its font cannot draw.
    decomposed = unicodedata.normalize("NFD", "Bảo hiểm thất nghiệp — đường dây nóng")
    titles = {**TOPICS, "kb": decomposed, "long": "Ưu đãi " * 12}
    data = stats(weekly=eight_weeks({0: {"open": 1}}),
                 by_topic_status={("kb", "open"): 1, ("long", "answered"): 2,
                                  ("unknown-topic", "weird-status"): 1})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_chart(data, titles, LABELS, "Ở đâu? Ừ, được. Đặng Thị Hương", EMPTY_NOTE)
    assert png_size(png) == (1600, 800)


def test_a_missing_glyph_would_be_noticed() -> None:
    # Proves the test above can fail: DejaVu Sans has no CJK.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_chart(stats(), TOPICS, LABELS, "漢字", EMPTY_NOTE)
    assert any("missing from font" in str(w.message) for w in caught)


@pytest.mark.parametrize("data", [
    stats(),                                                           # nothing at all
    stats(weekly=eight_weeks({})),                                     # eight quiet weeks
    stats(weekly=eight_weeks({}), by_topic_status={("salary", "open"): 0}),
])
def test_empty_stats_still_give_a_png_with_the_note(data: CaseStats) -> None:
    png = render_chart(data, TOPICS, LABELS, "Thống kê", EMPTY_NOTE)
    assert png_size(png) == (1600, 800)
    assert not set(STATUS_COLORS.values()) & colors_in(png)


def test_quiet_weeks_with_older_topics_draw_the_topic_panel() -> None:
    data = stats(weekly=eight_weeks({}), by_topic_status={("housing", "answered"): 3})
    png = render_chart(data, TOPICS, LABELS, "Thống kê", EMPTY_NOTE)
    assert png_size(png) == (1600, 800)
    assert STATUS_COLORS["answered"] in colors_in(png)


@pytest.mark.parametrize(("values", "expected"), [
    ([], None),
    ([4.0], 4.0),
    ([5.0, 1.0, 3.0], 3.0),
    ([4.0, 1.0, 3.0, 10.0], 3.5),
    ([2, 2, 2, 9], 2.0),
])
def test_median(values: list[float], expected: float | None) -> None:
    assert median(values) == expected


@pytest.mark.parametrize(("hours", "vi", "en"), [
    (None, "—", "—"),
    (0, "0 phút", "0 min"),
    (0.75, "45 phút", "45 min"),
    (59.4 / 60, "59 phút", "59 min"),
    (59.6 / 60, "1 giờ", "1 h"),
    (3, "3 giờ", "3 h"),
    (5 + 20 / 60, "5 giờ 20 phút", "5 h 20 min"),
    (23.99, "23 giờ 59 phút", "23 h 59 min"),
    (24, "1 ngày", "1 d"),
    (51, "2 ngày 3 giờ", "2 d 3 h"),
    (51.4, "2 ngày 3 giờ", "2 d 3 h"),
    (71.6, "3 ngày", "3 d"),
    (-2, "0 phút", "0 min"),
])
def test_format_duration_hours(hours: float | None, vi: str, en: str) -> None:
    assert format_duration_hours(hours, "vi") == vi
    assert format_duration_hours(hours, "en") == en


def test_format_duration_unknown_language_is_vietnamese() -> None:
    assert format_duration_hours(51, "fr") == "2 ngày 3 giờ"


@pytest.mark.parametrize(("part", "whole", "expected"), [
    (87, 100, "87%"),
    (7, 8, "88%"),        # 87.5 rounds half up
    (1, 3, "33%"),
    (2, 3, "67%"),
    (5, 5, "100%"),
    (0, 5, "0%"),
    (999, 1000, "99%"),   # not all on time: never shown as 100%
    (1, 1000, "1%"),      # some on time: never shown as 0%
    (0, 0, "—"),
])
def test_percent(part: int, whole: int, expected: str) -> None:
    assert percent(part, whole) == expected
