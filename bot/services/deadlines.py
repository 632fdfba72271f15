"""Working-day arithmetic for answer deadlines, and the daily clock.

Working days are Monday to Friday minus the given holidays. Every calendar
question ("which day is it?") is answered in the time zone of the datetime
passed in, so the caller passes local time (Asia/Ho_Chi_Minh) and gets local
time back. Nothing here reads the clock: `now` is always a parameter.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


def add_working_days(start: datetime, days: int, holidays: Collection[date] = ()) -> datetime:
    """When a question received at `start` must be answered, given `days` working days.

    The receiving day is day 0; the question is due at the END of working day
    `days`, returned as 00:00 of the following calendar day in start's time
    zone (so "due < now" means "late"). A question received on a Saturday,
    Sunday or holiday counts as received on the next working day. The time of
    day of `start` does not matter.

    With days=3 and no holidays:
      - Monday 10:00            -> due end of Thursday = Friday 00:00
      - Friday 16:00            -> Mon 1, Tue 2, Wed 3  -> due Thursday 00:00
      - Saturday (or Sunday)    -> Monday is day 0      -> due Friday 00:00
    With days=0: Wednesday -> due Thursday 00:00; Saturday -> due Tuesday 00:00.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware (local time)")
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    off = frozenset(holidays)
    day = _first_working_day(start.date(), off)
    for _ in range(days):
        day = _first_working_day(day + ONE_DAY, off)
    return _local_midnight(day + ONE_DAY, start.tzinfo)


def working_days_late(due: datetime, now: datetime, holidays: Collection[date] = ()) -> int:
    """How many working days `now` is past `due`; 0 if it is not past.

    Counts the working days (in due's time zone) that have at least begun
    after `due`: a partly elapsed working day counts as 1. Being late at all
    is at least 1, even when everything since `due` was a weekend or holiday.
    For a question due Thursday 00:00 (end of Wednesday): Thursday 09:00 -> 1,
    Friday 00:00 -> 1, Friday 00:01 -> 2, Saturday -> 2, next Monday 08:00 -> 3.
    """
    if due.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("due and now must be timezone-aware")
    if now.timestamp() <= due.timestamp():  # instants, not wall clocks (see next_daily)
        return 0
    zone = due.tzinfo
    assert zone is not None
    local_now = now.astimezone(zone)
    first = due.date()
    # A day is touched only if some time of it has passed: now = 00:00 touches nothing of today.
    last = local_now.date() if local_now.time() != time(0) else local_now.date() - ONE_DAY
    off = frozenset(holidays)
    late = sum(1 for day in _days(first, last) if _is_working(day, off))
    return max(late, 1)


def next_daily(now: datetime, hour: int) -> datetime:
    """The next hh:00 local time strictly after `now`, in now's time zone.

    On a day when hh:00 does not exist (a DST gap; never in Vietnam), the
    moment the clocks jump to is returned instead.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0..23, got {hour}")
    day = now.date()
    while True:
        candidate = _local_time(day, time(hour), now.tzinfo)
        # Compare instants: two datetimes sharing a tzinfo compare by wall clock otherwise.
        if candidate.timestamp() > now.timestamp():
            return candidate
        day += ONE_DAY


def last_day(due: datetime) -> date | None:
    """The day a deadline is the end of, when `due` is a local midnight (as
    :func:`add_working_days` gives); None for a deadline at any other time.

    People read "due 00:00 on the 10th" as the 10th; the answer is really due by
    the end of the 9th, so that is the day to show.
    """
    if due.utcoffset() is None:
        raise ValueError("due must be timezone-aware")
    if due.timetz().replace(tzinfo=None) != time(0):
        return None
    return due.date() - ONE_DAY


def local_day(moment: float, zone: ZoneInfo) -> date:
    """The calendar day in `zone` of a Unix time."""
    return datetime.fromtimestamp(moment, zone).date()


def _is_working(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def _first_working_day(day: date, holidays: Collection[date]) -> date:
    """`day` itself if it is a working day, else the next working day."""
    while not _is_working(day, holidays):
        day += ONE_DAY
    return day


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return _local_time(day, time(0), zone)


def _local_time(day: date, clock: time, zone: tzinfo) -> datetime:
    """`day` at `clock` in `zone`; a wall time skipped by DST becomes the real instant."""
    wall = datetime.combine(day, clock, tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone)
