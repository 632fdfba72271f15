"""Reading a conference's start time as Vietnamese organizers type it, and showing it back."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services.dates import format_when, parse_when

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=VN)  # Monday 15 June 2026, 10:00


def vn(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


CHRISTMAS_0830 = vn(2026, 12, 25, 8, 30)


def test_calendar_used_below() -> None:
    assert date(2026, 6, 15).strftime("%A") == "Monday"
    assert date(2026, 12, 25).strftime("%A") == "Friday"
    assert date(2026, 12, 27).strftime("%A") == "Sunday"


@pytest.mark.parametrize(("text", "expected"), [
    # The brief's examples, date and time in either order.
    ("25/12/2026 8h30", CHRISTMAS_0830),
    ("8:30 25-12", CHRISTMAS_0830),
    ("25/12 8h", vn(2026, 12, 25, 8)),
    ("8h30 ngày 25/12/2026", CHRISTMAS_0830),
    ("8 giờ 30 ngày 25 tháng 12 năm 2026", CHRISTMAS_0830),
    ("8g30 25.12.2026", CHRISTMAS_0830),
    ("14h 25/12", vn(2026, 12, 25, 14)),
    ("2 giờ chiều 25/12", vn(2026, 12, 25, 14)),
    ("25/12/26 08:30", CHRISTMAS_0830),
    ("Thứ sáu 25/12 lúc 8h30", CHRISTMAS_0830),
    ("ngày mai 8h", vn(2026, 6, 16, 8)),
    ("mai 8h", vn(2026, 6, 16, 8)),
    ("hôm nay 15h", vn(2026, 6, 15, 15)),
    # Without accents, in capitals, with stray spaces, in decomposed Unicode.
    ("8 gio 30 ngay 25 thang 12", CHRISTMAS_0830),
    ("8 gio 30 ngay 25 thang 12 nam 2026", CHRISTMAS_0830),
    ("thu sau 25/12 luc 8h30", CHRISTMAS_0830),
    ("2 gio chieu 25/12", vn(2026, 12, 25, 14)),
    ("ngay mai 8h", vn(2026, 6, 16, 8)),
    ("hom nay 15h", vn(2026, 6, 15, 15)),
    ("  25/12/2026 \t  8H30  ", CHRISTMAS_0830),
    (unicodedata.normalize("NFD", "8 giờ 30 ngày 25 tháng 12 năm 2026"), CHRISTMAS_0830),
    (unicodedata.normalize("NFD", "Thứ Sáu 25/12 lúc 8h30 sáng"), CHRISTMAS_0830),
    # Other spellings of the same moment.
    ("25/12/2026 08:30:00", CHRISTMAS_0830),
    ("2026-12-25 08:30", CHRISTMAS_0830),
    ("8h30p 25/12", CHRISTMAS_0830),
    ("8 giờ rưỡi 25/12", CHRISTMAS_0830),
    ("9 giờ kém 30 ngày 25/12", CHRISTMAS_0830),
    ("T6, 25/12, 8h30", CHRISTMAS_0830),
    ("8:30 am 25/12", CHRISTMAS_0830),
    ("CN 27/12 9h", vn(2026, 12, 27, 9)),
    ("chủ nhật 27/12 9h", vn(2026, 12, 27, 9)),
    ("thứ sáu tới 25/12 8h30", CHRISTMAS_0830),  # "tới" (next) is not "tối" (evening)
    # Parts of the day.
    ("8 giờ tối 25/12", vn(2026, 12, 25, 20)),
    ("8 gio toi 25/12", vn(2026, 12, 25, 20)),
    ("7h30 sáng 25/12", vn(2026, 12, 25, 7, 30)),
    ("12 giờ trưa 25/12", vn(2026, 12, 25, 12)),
    ("1 giờ trưa 25/12", vn(2026, 12, 25, 13)),
    ("2 chiều 25/12", vn(2026, 12, 25, 14)),
    ("2pm 25/12", vn(2026, 12, 25, 14)),
    ("14h chiều 25/12", vn(2026, 12, 25, 14)),
    ("tối nay 19h30", vn(2026, 6, 15, 19, 30)),
    ("8h sáng mai", vn(2026, 6, 16, 8)),
    ("ngày kia 8h", vn(2026, 6, 17, 8)),
    ("0h 25/12", vn(2026, 12, 25, 0)),
    ("23:59 25/12", vn(2026, 12, 25, 23, 59)),
    # No year: the next occurrence from today's date.
    ("10/3 8h", vn(2027, 3, 10, 8)),            # March has passed: next year
    ("14/6 8h", vn(2027, 6, 14, 8)),            # yesterday: next year
    ("15/6 8h", vn(2026, 6, 15, 8)),            # today counts, even past the hour
    ("29/2 8h", vn(2028, 2, 29, 8)),            # the next leap year
    # An explicit year is taken as written.
    ("10/3/2026 8h", vn(2026, 3, 10, 8)),
    ("29/02/2028 8h", vn(2028, 2, 29, 8)),
])
def test_parse_when_understands(text: str, expected: datetime) -> None:
    moment = parse_when(text, NOW)
    assert moment == expected
    assert moment is not None and moment.tzinfo is VN
    assert moment.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "25/12",                        # a date with no time
    "ngày 25 tháng 12",
    "8h30",                         # a time with no date
    "mai",
    "31/02 8h",                     # no such day, with or without a year
    "31/02/2026 8h",
    "29/02/2027 8h",
    "32/12 8h",
    "25/13 8h",
    "25/12 24h",                    # hours 0-23, minutes 0-59
    "25/12 8h60",
    "25/12 8:75",
    "Thứ năm 25/12 lúc 8h30",       # 25/12/2026 is a Friday
    "T2 25/12 8h",
    "25/12 8h hoặc 9h",             # two times
    "25/12 8h 26/12",               # two dates
    "mai 25/12 8h",                 # tomorrow is not 25/12
    "họp lúc 8h ngày 25/12",        # a word it does not know
    "asdf qwerty",
    "25/12 8h30 lol",
    "8.30 25/12",                   # "8.30" is a dotted date, not a time: two dates, no time
    "15 giờ sáng 25/12",            # morning and 15:00 contradict
    "12 giờ tối 25/12",             # midnight of which day?
    "25/12/2026 8h sáng chiều",
    "12/25/2026 8h30",              # month/day is never read
])
def test_parse_when_refuses(text: str) -> None:
    assert parse_when(text, NOW) is None


def test_parse_when_answers_in_the_time_zone_of_now() -> None:
    now_utc = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
    assert parse_when("25/12/2026 8h30", now_utc) == datetime(2026, 12, 25, 8, 30, tzinfo=UTC)
    # "Today" is the date on now's own clock: 23:30 on 14/6 in UTC, though Hanoi is at 15/6.
    late = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)
    assert parse_when("hôm nay 8h", late) == datetime(2026, 6, 14, 8, tzinfo=UTC)
    fixed = timezone(timedelta(hours=7))
    assert parse_when("mai 8h", NOW.astimezone(fixed)) == datetime(2026, 6, 16, 8, tzinfo=fixed)


def test_parse_when_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("25/12 8h", datetime(2026, 6, 15, 10))


def test_format_when() -> None:
    assert format_when(CHRISTMAS_0830, "vi") == "08:30 thứ Sáu, 25/12/2026"
    assert format_when(CHRISTMAS_0830, "en") == "08:30 Friday, 25/12/2026"
    assert format_when(vn(2026, 12, 27, 14, 5), "vi") == "14:05 Chủ nhật, 27/12/2026"
    assert format_when(CHRISTMAS_0830, "fr") == "08:30 thứ Sáu, 25/12/2026"


def test_format_when_reads_back() -> None:
    moment = vn(2027, 1, 4, 7, 15)
    assert parse_when(format_when(moment, "vi"), NOW) == moment
