"""Reading and writing a conference's start time the way Vietnamese people type it.

`parse_when` accepts a date and a time in either order, with or without
accents: "25/12/2026 8h30", "8 giờ 30 ngày 25 tháng 12", "2 giờ chiều 25/12",
"Thứ sáu 25/12 lúc 8h30", "mai 8h", "tối nay 19h30". The day always comes
before the month (25/12, never 12/25). It returns None rather than guess:
a missing time, two dates, an impossible date (31/02), a weekday that does
not match the date, or any word it does not understand all give None, so the
caller can ask again. Nothing here reads the clock: `now` is a parameter.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

__all__ = ["format_when", "parse_when"]

# Accented words whose accentless spelling means something else here:
# "tới" (next) is not "tối" (evening), "này" (this) is not "nay" (today).
_KEEP_APART = {"tới": " next ", "này": " this "}
_KEEP_APART_RE = re.compile(r"\b(?:tới|này)\b")

_NUMERIC_DATE = re.compile(
    r"(?<![\d/.\-])(?:(?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2})"
    r"|(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?:(?P=sep)(?P<year>\d{4}|\d{2}))?)"
    r"(?!\d|[/.\-]\d)"
)
_WORDED_DATE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})\s*thang\s*(?P<month>\d{1,2})(?:\s*,?\s*nam\s*(?P<year>\d{4}|\d{2}))?"
    r"(?!\d)"
)
_RELATIVE_DAY = re.compile(
    r"\b(?:(?P<today>hom nay|(?:(?<=sang )|(?<=trua )|(?<=chieu )|(?<=toi ))nay)"
    r"|(?P<after_tomorrow>ngay kia|ngay mot)|(?P<tomorrow>ngay mai|mai))\b"
)
_WEEKDAY = re.compile(
    r"\b(?:thu\s*(?P<name>hai|ba|tu|nam|sau|bay|[2-7])|t(?P<short>[2-7])"
    r"|(?P<sunday>chu\s*nhat|cn))\b"
)
_CLOCK_TIME = re.compile(
    r"(?<![\d:])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?![\d:])"
)
_SPOKEN_TIME = re.compile(
    r"(?<![\d:])(?P<hour>\d{1,2})\s*(?:gio|h|g)"
    r"(?:\s*(?P<to>kem)?\s*(?P<minute>\d{1,2})\s*(?:phut|ph|p|')?|\s*(?P<half>ruoi))?"
    r"(?![a-z\d])"
)
# "2 chiều", "8 sáng", "2pm": an hour alone is a time only right before a part of the day.
_HOUR_BEFORE_PERIOD = re.compile(
    r"(?<![\d:])(?P<hour>\d{1,2})(?=\s*(?:sang|trua|chieu|toi|am|pm)\b)"
)
_PERIOD = re.compile(r"\b(?P<period>sang|trua|chieu|toi|am|pm)\b")
_FILLERS = frozenset({"luc", "vao", "ngay", "buoi", "tu", "dung", "next", "this"})

_WEEKDAY_NUMBERS = {"hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6, "bay": 7}
# Hours each part of the day accepts, and what they become on the 24-hour clock.
_PERIOD_HOURS: dict[str, dict[int, int]] = {
    "sang": {hour: hour for hour in range(12)},
    "am": {12: 0} | {hour: hour for hour in range(12)},
    "trua": {1: 13, 2: 14} | {hour: hour for hour in range(11, 15)},
    "chieu": {hour: hour + 12 for hour in range(1, 12)} | {hour: hour for hour in range(12, 24)},
    "toi": {hour: hour + 12 for hour in range(1, 12)} | {hour: hour for hour in range(13, 24)},
    "pm": {hour: hour + 12 for hour in range(1, 12)} | {hour: hour for hour in range(12, 24)},
}
_DAY_NAMES = {
    "vi": ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def parse_when(text: str, now: datetime) -> datetime | None:
    """The moment `text` names, in now's time zone, or None if it is not one date and time.

    A date without a year is its next occurrence on or after now's date (so
    "15/6" typed on 15/6 is today, even if the hour has passed; typed on 16/6
    it is next year). Two-digit years are 20yy. "chiều"/"tối"/"pm" add 12 to
    hours below 12; "sáng"/"am" keep them; "trưa" is 11-14 ("1 giờ trưa" = 13).
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    rest = _fold(text)
    day_months, rest = _take(_NUMERIC_DATE, rest)
    worded, rest = _take(_WORDED_DATE, rest)
    relatives, rest = _take(_RELATIVE_DAY, rest)
    weekdays, rest = _take(_WEEKDAY, rest)
    clocks, rest = _take(_CLOCK_TIME, rest)
    spoken, rest = _take(_SPOKEN_TIME, rest)
    bare_hours, rest = _take(_HOUR_BEFORE_PERIOD, rest)
    periods, rest = _take(_PERIOD, rest)
    if any(word not in _FILLERS for word in re.findall(r"\w+", rest)):
        return None
    times = [*clocks, *spoken, *bare_hours]
    if len(times) != 1 or len(periods) > 1 or len(weekdays) > 1:
        return None
    day = _resolve_day([*day_months, *worded], relatives, now.date())
    clock = _clock(times[0], periods[0]["period"] if periods else None)
    if day is None or clock is None:
        return None
    if weekdays and _weekday(weekdays[0]) != day.weekday():
        return None
    return datetime.combine(day, clock, tzinfo=now.tzinfo)


def format_when(moment: datetime, language: str) -> str:
    """`moment` as organizers read it, on its own wall clock.

    "08:30 thứ Sáu, 25/12/2026" (vi) or "08:30 Friday, 25/12/2026" (en);
    any other language code gets Vietnamese, as the catalog does.
    """
    names = _DAY_NAMES.get(language, _DAY_NAMES["vi"])
    return f"{moment:%H:%M} {names[moment.weekday()]}, {moment:%d/%m/%Y}"


def _fold(text: str) -> str:
    """Lower case, no diacritics ("đ" -> "d"), single spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _KEEP_APART_RE.sub(lambda match: _KEEP_APART[match.group()], text)
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(bare.replace("đ", "d").split())


def _take(pattern: re.Pattern[str], text: str) -> tuple[list[dict[str, str | None]], str]:
    """Every match of `pattern` (its named groups), and the text with the matches cut out.

    A cut leaves " ; " so the pieces on either side cannot join into a new match.
    """
    found = [match.groupdict() for match in pattern.finditer(text)]
    return found, pattern.sub(" ; ", text)


def _number(groups: dict[str, str | None], name: str) -> int | None:
    value = groups.get(name)
    return None if value is None else int(value)


def _resolve_day(
    explicit: list[dict[str, str | None]], relative: list[dict[str, str | None]], today: date
) -> date | None:
    if len(explicit) > 1 or len(relative) > 1 or not (explicit or relative):
        return None
    days = []
    if explicit:
        named = _explicit_day(explicit[0], today)
        if named is None:
            return None
        days.append(named)
    if relative:
        offset = 0 if relative[0]["today"] else 1 if relative[0]["tomorrow"] else 2
        days.append(today + timedelta(days=offset))
    return days[0] if len(set(days)) == 1 else None


def _explicit_day(groups: dict[str, str | None], today: date) -> date | None:
    if groups.get("iso_year"):
        return _valid_date(int(groups["iso_year"] or 0), int(groups["iso_month"] or 0),
                           int(groups["iso_day"] or 0))
    day, month = int(groups["day"] or 0), int(groups["month"] or 0)
    year = groups["year"]
    if year is not None:
        return _valid_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    # 29/02 waits for the next leap year; any other day is this year or next.
    for candidate_year in range(today.year, today.year + 9):
        candidate = _valid_date(candidate_year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(groups: dict[str, str | None], period: str | None) -> time | None:
    hour = _number(groups, "hour") or 0
    minute = 30 if groups.get("half") else _number(groups, "minute") or 0
    if (_number(groups, "second") or 0) > 59:
        return None
    if period is not None:
        converted = _PERIOD_HOURS[period].get(hour)
        if converted is None:
            return None
        hour = converted
    if hour > 23 or minute > 59:
        return None
    if groups.get("to"):  # "8 giờ kém 15" = 7:45
        if minute == 0 or hour == 0:
            return None
        hour, minute = hour - 1, 60 - minute
    return time(hour, minute)


def _weekday(groups: dict[str, str | None]) -> int:
    """Monday = 0 ... Sunday = 6, as `date.weekday()` counts ("thứ hai" = Monday)."""
    if groups["sunday"]:
        return 6
    number = groups["short"] or groups["name"] or ""
    return (_WEEKDAY_NUMBERS[number] if number in _WEEKDAY_NUMBERS else int(number)) - 2
