"""Answer deadlines in working days, lateness, and the daily clock; how deadlines read
on the officials' cards and reminders; the daily digest's quiet days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.deadlines import (
    add_working_days,
    last_day,
    local_day,
    next_daily,
    working_days_late,
)
from tests.conftest import OFFICIAL, OFFICIALS, WORKER, Harness

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")

# Tết 2025: Mùng 1 is Wednesday 29 January; the official break is Sat 25 Jan - Sun 2 Feb.
TET_2025 = {date(2025, 1, 27), date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30),
            date(2025, 1, 31)}


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def test_calendar_used_below() -> None:
    # The examples read as weekdays; make sure they are.
    assert date(2025, 3, 3).strftime("%A") == "Monday"
    assert date(2025, 1, 24).strftime("%A") == "Friday"


@pytest.mark.parametrize(("received", "days", "due"), [
    (vn(2025, 3, 3, 10), 3, vn(2025, 3, 7)),        # Monday -> end of Thursday
    (vn(2025, 3, 3, 0, 0), 3, vn(2025, 3, 7)),      # time of day does not matter
    (vn(2025, 3, 6, 23, 59), 1, vn(2025, 3, 8)),    # Thursday -> end of Friday
    (vn(2025, 3, 7, 16), 1, vn(2025, 3, 11)),       # Friday -> end of Monday, over the weekend
    (vn(2025, 3, 7, 16), 3, vn(2025, 3, 13)),       # Friday -> Mon, Tue, Wed
    (vn(2025, 3, 8, 9), 3, vn(2025, 3, 14)),        # Saturday counts from Monday -> end of Thu
    (vn(2025, 3, 9, 22), 3, vn(2025, 3, 14)),       # Sunday: the same
    (vn(2025, 3, 7, 16), 10, vn(2025, 3, 22)),      # two whole weeks
])
def test_due_over_weekends(received: datetime, days: int, due: datetime) -> None:
    assert add_working_days(received, days) == due


@pytest.mark.parametrize(("received", "due"), [
    (vn(2025, 3, 5, 8), vn(2025, 3, 6)),            # Wednesday -> end of Wednesday
    (vn(2025, 3, 7, 23, 59), vn(2025, 3, 8)),       # Friday -> end of Friday
    (vn(2025, 3, 8, 11), vn(2025, 3, 11)),          # Saturday -> end of Monday
])
def test_zero_days_is_the_end_of_the_receiving_working_day(received: datetime,
                                                           due: datetime) -> None:
    assert add_working_days(received, 0) == due


def test_tet_holidays_are_skipped() -> None:
    friday_before_tet = vn(2025, 1, 24, 15)
    # Mon 3 Feb is day 1, Tue 2, Wed 3.
    assert add_working_days(friday_before_tet, 3, TET_2025) == vn(2025, 2, 6)
    # Asked on Mùng 1 Tết: counts as asked on Monday 3 Feb.
    assert add_working_days(vn(2025, 1, 29, 10), 3, TET_2025) == vn(2025, 2, 7)
    assert add_working_days(vn(2025, 1, 29, 10), 0, TET_2025) == vn(2025, 2, 4)
    # Without the holidays the same question is due during Tết.
    assert add_working_days(friday_before_tet, 3) == vn(2025, 1, 30)


def test_holidays_accept_any_collection() -> None:
    received = vn(2025, 4, 29, 9)  # Tuesday; 30/4 and 1/5 are holidays
    holidays = [date(2025, 4, 30), date(2025, 5, 1)]
    assert add_working_days(received, 1, holidays) == vn(2025, 5, 3)
    assert add_working_days(received, 1, tuple(holidays)) == vn(2025, 5, 3)


def test_due_is_aware_local_midnight() -> None:
    due = add_working_days(vn(2025, 3, 3, 10), 2)
    assert due.tzinfo is VN
    assert due.utcoffset() == timedelta(hours=7)
    assert due.astimezone(UTC) == datetime(2025, 3, 5, 17, tzinfo=UTC)


def test_awareness_survives_a_dst_change() -> None:
    # Berlin moves to summer time on Sunday 30 March 2025.
    friday = datetime(2025, 3, 28, 10, tzinfo=BERLIN)
    due = add_working_days(friday, 1)
    assert due == datetime(2025, 4, 1, tzinfo=BERLIN)
    assert due.tzinfo is BERLIN
    assert due.utcoffset() == timedelta(hours=2)
    assert friday.utcoffset() == timedelta(hours=1)


def test_every_deadline_agrees_with_counting_by_hand() -> None:
    holidays = TET_2025 | {date(2025, 4, 30), date(2025, 5, 1), date(2025, 9, 2)}

    def working(day: date) -> bool:
        return day.weekday() < 5 and day not in holidays

    for offset in range(0, 300, 2):
        received = vn(2025, 1, 1, 14) + timedelta(days=offset)
        for days in (0, 1, 3, 7):
            due = add_working_days(received, days, holidays)
            assert (due.hour, due.minute, due.second, due.microsecond) == (0, 0, 0, 0)
            last = due.date() - timedelta(days=1)
            assert working(last)
            first = received.date()
            while not working(first):
                first += timedelta(days=1)
            between = [first + timedelta(days=n) for n in range(1, (last - first).days + 1)]
            assert sum(map(working, between)) == days


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        add_working_days(vn(2025, 3, 3), -1)
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2025, 3, 3, 10), 3)
    with pytest.raises(ValueError, match="aware"):
        working_days_late(datetime(2025, 3, 3), vn(2025, 3, 4))


DUE_THURSDAY = vn(2025, 3, 6)  # end of Wednesday 5 March


@pytest.mark.parametrize(("now", "late"), [
    (vn(2025, 3, 5, 12), 0),                                # before
    (DUE_THURSDAY, 0),                                       # exactly at the deadline
    (DUE_THURSDAY + timedelta(microseconds=1), 1),           # a moment late
    (vn(2025, 3, 6, 9), 1),                                  # Thursday morning
    (vn(2025, 3, 7), 1),                                     # Thursday fully over
    (vn(2025, 3, 7, 0, 1), 2),                               # Friday begun
    (vn(2025, 3, 8, 12), 2),                                 # the weekend adds nothing
    (vn(2025, 3, 10, 8), 3),                                 # Monday
    (vn(2025, 3, 20, 8), 11),
])
def test_working_days_late(now: datetime, late: int) -> None:
    assert working_days_late(DUE_THURSDAY, now) == late


def test_late_during_a_weekend_is_still_late() -> None:
    due_saturday = vn(2025, 3, 8)  # end of Friday
    assert working_days_late(due_saturday, vn(2025, 3, 8, 10)) == 1
    assert working_days_late(due_saturday, vn(2025, 3, 10, 10)) == 1
    assert working_days_late(due_saturday, vn(2025, 3, 11, 10)) == 2


def test_late_skips_holidays_and_reads_now_in_dues_zone() -> None:
    due = vn(2025, 1, 25)  # end of Friday 24 January, just before Tết
    assert working_days_late(due, vn(2025, 2, 3, 9), TET_2025) == 1
    assert working_days_late(due, vn(2025, 2, 3, 9)) == 6
    # 17:30 UTC on Monday is already 00:30 Tuesday in Vietnam.
    assert working_days_late(vn(2025, 3, 11), datetime(2025, 3, 10, 17, 30, tzinfo=UTC)) == 1
    assert working_days_late(vn(2025, 3, 11), datetime(2025, 3, 10, 16, 30, tzinfo=UTC)) == 0


@pytest.mark.parametrize(("now", "hour", "expected"), [
    (vn(2025, 3, 3, 9), 9, vn(2025, 3, 4, 9)),                              # at the hour
    (vn(2025, 3, 3, 8, 59) + timedelta(seconds=59.999999), 9, vn(2025, 3, 3, 9)),
    (vn(2025, 3, 3, 9) + timedelta(microseconds=1), 9, vn(2025, 3, 4, 9)),  # just after
    (vn(2025, 3, 3, 2), 9, vn(2025, 3, 3, 9)),
    (vn(2025, 1, 31, 20), 8, vn(2025, 2, 1, 8)),                            # month end
    (vn(2024, 2, 28, 20), 8, vn(2024, 2, 29, 8)),                           # leap day
    (vn(2025, 12, 31, 23, 30), 0, vn(2026, 1, 1, 0)),                       # year end
    (vn(2025, 3, 3, 23, 59), 23, vn(2025, 3, 4, 23)),
])
def test_next_daily(now: datetime, hour: int, expected: datetime) -> None:
    result = next_daily(now, hour)
    assert result == expected
    assert result.tzinfo is VN


def test_next_daily_keeps_local_time_across_dst() -> None:
    saturday = datetime(2025, 3, 29, 12, tzinfo=BERLIN)
    sunday_nine = next_daily(saturday, 9)
    assert sunday_nine == datetime(2025, 3, 30, 9, tzinfo=BERLIN)
    assert sunday_nine.utcoffset() == timedelta(hours=2)
    # Same-tzinfo subtraction reads wall clocks; in real time an hour of the night is gone.
    assert sunday_nine.timestamp() - saturday.timestamp() == 20 * 3600
    # 02:00 does not exist that Sunday: the clocks jump from 02:00 to 03:00.
    assert next_daily(saturday, 2).isoformat() == "2025-03-30T03:00:00+02:00"


def test_next_daily_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="hour"):
        next_daily(vn(2025, 3, 3), 24)
    with pytest.raises(ValueError, match="hour"):
        next_daily(vn(2025, 3, 3), -1)
    with pytest.raises(ValueError, match="aware"):
        next_daily(datetime(2025, 3, 3), 9)


def test_local_day() -> None:
    moment = datetime(2025, 3, 2, 17, 30, tzinfo=UTC).timestamp()
    assert local_day(moment, VN) == date(2025, 3, 3)
    assert local_day(moment, ZoneInfo("UTC")) == date(2025, 3, 2)
    assert local_day(moment - 3600, VN) == date(2025, 3, 2)


def test_last_day_is_the_day_a_midnight_deadline_ends() -> None:
    assert last_day(vn(2026, 12, 10)) == date(2026, 12, 9)
    assert last_day(add_working_days(vn(2026, 12, 4, 10), 3)) == date(2026, 12, 9)
    assert last_day(vn(2026, 1, 1)) == date(2025, 12, 31)
    assert last_day(vn(2026, 12, 10, 9, 30)) is None  # not a midnight: shown as a time
    with pytest.raises(ValueError, match="aware"):
        last_day(datetime(2026, 12, 10))


# -- what officials see, through the running bot ---------------------------------------------


def control_clock(bot: Harness, moment: datetime) -> None:
    """The bot's deadline and digest services see `moment` as "now"; only the test ticks."""
    stamp = moment.timestamp()
    bot.services.questions._clock = lambda: stamp
    bot.services.housekeeping._clock = lambda: stamp
    if bot.app.job_queue is not None:
        for job in bot.app.job_queue.get_jobs_by_name("housekeeping"):
            job.schedule_removal()


QUESTION = "Công ty chậm trả lương hai tháng thì em phải làm gì ạ?"


async def test_a_deadline_reads_as_the_day_it_ends(bot: Harness) -> None:
    # Friday 4 December 2026; three working days: Mon 7, Tue 8, Wed 9 -> due by the end of
    # Wednesday 9 December, which the bot stores as Thursday 10 December 00:00.
    control_clock(bot, vn(2026, 12, 4, 10))
    case = await bot.ask(WORKER, QUESTION)
    card = await bot.card(case)
    assert "Hạn trả lời: hết thứ Tư 09/12/2026" in card["text"]
    assert "00:00" not in card["text"] and "10/12/2026" not in card["text"]

    control_clock(bot, vn(2026, 12, 10, 8))
    after = bot.last_bot_id(OFFICIALS)
    assert await bot.services.housekeeping.nudge_overdue() == 1
    nudge = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: m["text"].startswith("⏰"),
                                               after=after)
    assert f"#{case}" in nudge["text"] and "(hạn: hết thứ Tư 09/12/2026)" in nudge["text"]
    overdue = await bot.emu.wait_for_edit(OFFICIALS, card["message_id"],
                                          lambda m: "Quá hạn" in m["text"])
    assert "⚠️ Quá hạn (hạn: hết thứ Tư 09/12/2026)" in overdue["text"]
    assert "00:00" not in overdue["text"]
    # The worker was never shown the stored midnight either.
    assert not [m for m in bot.emu.bot_messages(WORKER) if "00:00" in (m.get("text") or "")]


async def test_a_deadline_in_english_reads_as_the_day_it_ends(emu, make_config) -> None:  # type: ignore[no-untyped-def]
    bot = Harness(emu, make_config(bot={"default_language": "en"}))
    await bot.start()
    try:
        control_clock(bot, vn(2026, 12, 4, 10))
        case = await bot.ask(WORKER, QUESTION)
        card = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: f"#{case} " in m["text"])
        assert "Due: end of Wednesday 09/12/2026" in card["text"]
    finally:
        await bot.stop()


# -- the daily digest: none on a day with nothing to tell ------------------------------------


def digests(bot: Harness) -> list[str]:
    return [m["text"] for m in bot.emu.bot_messages(OFFICIALS) if "Tổng hợp ngày" in m["text"]]


async def digest_of(bot: Harness, moment: datetime) -> str:
    control_clock(bot, moment)
    await bot.services.housekeeping.tick()
    title = f"Tổng hợp ngày {moment:%d/%m/%Y}"
    message = await bot.emu.wait_for_bot_message(OFFICIALS, lambda m: title in m["text"])
    return str(message["text"])


async def test_no_digest_on_a_day_with_nothing_open_and_nothing_done(bot: Harness) -> None:
    housekeeping = bot.services.housekeeping
    storage = bot.services.storage
    # A fresh install: nothing asked yet. Monday 7 December 2026, at the digest hour.
    control_clock(bot, vn(2026, 12, 7, 8))
    await housekeeping.tick()
    assert await storage.digest_sent("2026-12-07")  # the day was considered, once
    control_clock(bot, vn(2026, 12, 7, 17))
    assert not await housekeeping.digest_if_due()

    # Later that Monday a worker asks: Tuesday has an open case, so a digest.
    case = await bot.ask(WORKER, QUESTION)
    await bot.card(case)
    tuesday = await digest_of(bot, vn(2026, 12, 8, 8))
    assert "chờ trả lời: 1" in tuesday
    assert not [text for text in digests(bot) if "07/12/2026" in text]  # none for Monday

    # Answered on Tuesday: nothing is open on Wednesday, but something happened.
    await bot.emu.send_text(OFFICIAL, f"/answer {case} Bạn báo Công đoàn cơ sở để được hỗ trợ.",
                            chat_id=OFFICIALS)
    await bot.answer_for(WORKER, case)
    wednesday = await digest_of(bot, vn(2026, 12, 9, 8))
    assert "đã trả lời: 1" in wednesday and "Không có câu hỏi nào đang chờ" in wednesday

    # Thursday: nothing open, nothing done since Wednesday's digest: no digest.
    control_clock(bot, vn(2026, 12, 10, 8))
    await housekeeping.tick()
    assert await storage.digest_sent("2026-12-10")
    # Friday follows a new question; Thursday's digest never came before it.
    second = await bot.ask(WORKER, "Công ty không đóng bảo hiểm xã hội cho em thì sao ạ?")
    await bot.card(second)
    await digest_of(bot, vn(2026, 12, 11, 8))
    assert [text.splitlines()[0] for text in digests(bot)] == [
        "🗓 Tổng hợp ngày 08/12/2026", "🗓 Tổng hợp ngày 09/12/2026", "🗓 Tổng hợp ngày 11/12/2026"]
