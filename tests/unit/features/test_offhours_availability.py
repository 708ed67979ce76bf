"""Availability examples: weekdays, weekends, holidays, midnight, DST switches, other zones, DND."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.features.offhours import (
    Availability,
    Dnd,
    Interval,
    WorkSchedule,
    availability,
    default_schedule,
    dnd_for,
    dnd_until,
    dnd_until_next_workday,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
UTC = dt.UTC


def at(
    tz: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, *, fold: int = 0
) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=tz, fold=fold)


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


OFFICE = default_schedule("Europe/Berlin")  # Mon–Fri 09:00–17:00
NIGHTS = WorkSchedule(
    zone="Europe/Berlin",
    days={d: (Interval(t("22:00"), t("06:00")),) for d in range(5)},  # Mon–Fri nights
)


def test_inside_working_hours_is_working_until_the_end_of_the_day() -> None:
    # 2026-01-05 is a Monday.
    got = availability(OFFICE, None, at(BERLIN, 2026, 1, 5, 10, 0))
    assert got == Availability(off=False, until=at(BERLIN, 2026, 1, 5, 17), reason="working")
    assert got.until is not None and got.until.tzinfo is UTC


def test_before_work_is_off_hours_until_the_start() -> None:
    got = availability(OFFICE, None, at(BERLIN, 2026, 1, 5, 7, 30))
    assert got == Availability(off=True, until=at(BERLIN, 2026, 1, 5, 9), reason="off_hours")


def test_the_end_of_an_interval_is_already_off() -> None:
    got = availability(OFFICE, None, at(BERLIN, 2026, 1, 5, 17, 0))
    assert got.off and got.until == at(BERLIN, 2026, 1, 6, 9)


def test_friday_evening_is_off_until_monday() -> None:
    got = availability(OFFICE, None, at(BERLIN, 2026, 1, 9, 18))
    assert got == Availability(off=True, until=at(BERLIN, 2026, 1, 12, 9), reason="off_hours")


def test_saturday_is_weekend() -> None:
    got = availability(OFFICE, None, at(BERLIN, 2026, 1, 10, 12))
    assert got == Availability(off=True, until=at(BERLIN, 2026, 1, 12, 9), reason="weekend")


def test_holidays_are_skipped_when_looking_for_the_next_start() -> None:
    schedule = OFFICE.with_holidays(frozenset({dt.date(2026, 1, 12), dt.date(2026, 1, 13)}))
    weekend = availability(schedule, None, at(BERLIN, 2026, 1, 10, 12))
    assert weekend.until == at(BERLIN, 2026, 1, 14, 9)
    holiday = availability(schedule, None, at(BERLIN, 2026, 1, 12, 11))
    assert holiday == Availability(off=True, until=at(BERLIN, 2026, 1, 14, 9), reason="holiday")


def test_a_night_shift_spans_midnight() -> None:
    # Monday 22:00 → Tuesday 06:00
    before = availability(NIGHTS, None, at(BERLIN, 2026, 1, 5, 21))
    assert before == Availability(off=True, until=at(BERLIN, 2026, 1, 5, 22), reason="off_hours")
    inside = availability(NIGHTS, None, at(BERLIN, 2026, 1, 6, 3))
    assert inside == Availability(off=False, until=at(BERLIN, 2026, 1, 6, 6), reason="working")


def test_friday_night_shift_ends_on_saturday_morning() -> None:
    inside = availability(NIGHTS, None, at(BERLIN, 2026, 1, 10, 5))
    assert inside == Availability(off=False, until=at(BERLIN, 2026, 1, 10, 6), reason="working")
    after = availability(NIGHTS, None, at(BERLIN, 2026, 1, 10, 7))
    assert after == Availability(off=True, until=at(BERLIN, 2026, 1, 12, 22), reason="weekend")


def test_a_holiday_cancels_the_shift_starting_on_it_not_the_one_ending_on_it() -> None:
    schedule = NIGHTS.with_holidays(frozenset({dt.date(2026, 1, 6)}))
    # Monday's shift runs into the Tuesday holiday and ends normally ...
    assert not availability(schedule, None, at(BERLIN, 2026, 1, 6, 5)).off
    # ... but no shift starts on Tuesday.
    got = availability(schedule, None, at(BERLIN, 2026, 1, 6, 23))
    assert got == Availability(off=True, until=at(BERLIN, 2026, 1, 7, 22), reason="holiday")


def test_touching_intervals_make_one_block() -> None:
    schedule = WorkSchedule(
        zone="UTC",
        days={0: (Interval(t("09:00"), t("12:00")), Interval(t("12:00"), t("17:00")))},
    )
    got = availability(schedule, None, at(ZoneInfo("UTC"), 2026, 1, 5, 10))
    assert got.until == at(ZoneInfo("UTC"), 2026, 1, 5, 17)


def test_lunch_break_between_intervals() -> None:
    schedule = WorkSchedule(
        zone="UTC",
        days={0: (Interval(t("13:00"), t("17:00")), Interval(t("09:00"), t("12:00")))},
    )
    utc = ZoneInfo("UTC")
    assert availability(schedule, None, at(utc, 2026, 1, 5, 12, 30)) == Availability(
        off=True, until=at(utc, 2026, 1, 5, 13), reason="off_hours"
    )


# --- DST ----------------------------------------------------------------------------------


def test_berlin_spring_forward_keeps_nine_oclock_local() -> None:
    # Clocks go 02:00 CET → 03:00 CEST on Sunday 2026-03-29.
    friday_evening = availability(OFFICE, None, at(BERLIN, 2026, 3, 27, 18))
    assert friday_evening.until == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    thursday = availability(OFFICE, None, at(BERLIN, 2026, 3, 26, 10))
    assert thursday.until == dt.datetime(2026, 3, 26, 16, 0, tzinfo=UTC)  # 17:00 CET


def test_berlin_fall_back_keeps_nine_oclock_local() -> None:
    # Clocks go 03:00 CEST → 02:00 CET on Sunday 2026-10-25.
    got = availability(OFFICE, None, at(BERLIN, 2026, 10, 23, 18))
    assert got.until == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # 09:00 CET


def test_night_shift_over_the_fall_back_lasts_nine_hours() -> None:
    schedule = WorkSchedule(zone="Europe/Berlin", days={5: (Interval(t("22:00"), t("06:00")),)})
    start = dt.datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # Saturday 22:00 CEST
    got = availability(schedule, None, start)
    assert got.until == dt.datetime(2026, 10, 25, 5, 0, tzinfo=UTC)  # Sunday 06:00 CET
    assert got.until - start == dt.timedelta(hours=9)


def test_night_shift_over_the_spring_forward_lasts_seven_hours() -> None:
    schedule = WorkSchedule(zone="Europe/Berlin", days={5: (Interval(t("22:00"), t("06:00")),)})
    start = dt.datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # Saturday 22:00 CET
    got = availability(schedule, None, start)
    assert got.until == dt.datetime(2026, 3, 29, 4, 0, tzinfo=UTC)  # Sunday 06:00 CEST
    assert got.until - start == dt.timedelta(hours=7)


def test_a_start_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29: it means 03:30 CEST (01:30 UTC).
    schedule = WorkSchedule(zone="Europe/Berlin", days={6: (Interval(t("02:30"), t("05:00")),)})
    got = availability(schedule, None, dt.datetime(2026, 3, 29, 0, 0, tzinfo=UTC))
    assert got == Availability(
        off=True, until=dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), reason="off_hours"
    )


def test_an_ambiguous_start_means_its_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 2026-10-25; the first is 02:30 CEST (00:30 UTC).
    schedule = WorkSchedule(zone="Europe/Berlin", days={6: (Interval(t("02:30"), t("05:00")),)})
    got = availability(schedule, None, dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC))
    assert got.until == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # The second 02:30 (CET) is inside the interval.
    assert not availability(schedule, None, at(BERLIN, 2026, 10, 25, 2, 30, fold=1)).off


def test_new_york_switch_seen_from_tokyo() -> None:
    # New York springs forward on 2026-03-08; Monday 09:00 EDT is 13:00 UTC.
    schedule = default_schedule("America/New_York")
    friday_evening_ny = at(NEW_YORK, 2026, 3, 6, 18)
    got = availability(schedule, None, friday_evening_ny.astimezone(TOKYO))
    assert got == Availability(
        off=True, until=dt.datetime(2026, 3, 9, 13, 0, tzinfo=UTC), reason="off_hours"
    )
    # Saturday morning in Tokyo is still Friday working hours in New York.
    tokyo_saturday = at(TOKYO, 2026, 3, 7, 1, 0)  # = Friday 11:00 EST
    assert availability(schedule, None, tokyo_saturday) == Availability(
        off=False, until=at(NEW_YORK, 2026, 3, 6, 17), reason="working"
    )


# --- manual DND -----------------------------------------------------------------------------


def test_dnd_wins_during_work_and_work_resumes_when_it_ends() -> None:
    now = at(BERLIN, 2026, 1, 5, 10)
    got = availability(OFFICE, dnd_for(now), now)
    assert got == Availability(off=True, until=at(BERLIN, 2026, 1, 5, 11), reason="dnd")
    assert availability(OFFICE, dnd_for(now), at(BERLIN, 2026, 1, 5, 11)).reason == "working"


def test_dnd_past_the_end_of_work_is_off_until_the_next_start() -> None:
    now = at(BERLIN, 2026, 1, 9, 16)  # Friday
    got = availability(OFFICE, dnd_until(at(BERLIN, 2026, 1, 9, 20)), now)
    assert got == Availability(off=True, until=at(BERLIN, 2026, 1, 12, 9), reason="dnd")


def test_expired_dnd_has_no_effect() -> None:
    dnd = Dnd(at(BERLIN, 2026, 1, 5, 9, 30))
    assert availability(OFFICE, dnd, at(BERLIN, 2026, 1, 5, 10)).reason == "working"


def test_dnd_until_tomorrows_start_skips_the_weekend() -> None:
    dnd = dnd_until_next_workday(OFFICE, at(BERLIN, 2026, 1, 9, 11))  # Friday
    assert dnd.until == at(BERLIN, 2026, 1, 12, 9)
    early = dnd_until_next_workday(OFFICE, at(BERLIN, 2026, 1, 6, 7))  # Tuesday before work
    assert early.until == at(BERLIN, 2026, 1, 7, 9)


def test_dnd_until_tomorrow_without_any_work_is_tomorrows_midnight() -> None:
    empty = WorkSchedule(zone="Europe/Berlin")
    assert dnd_until_next_workday(empty, at(BERLIN, 2026, 1, 6, 7)).until == at(
        BERLIN, 2026, 1, 7, 0
    )


def test_dnd_rejects_naive_times_and_non_positive_durations() -> None:
    with pytest.raises(ValueError):
        Dnd(dt.datetime(2026, 1, 5, 10))
    with pytest.raises(ValueError):
        dnd_for(at(BERLIN, 2026, 1, 5, 10), dt.timedelta(0))
    with pytest.raises(ValueError):
        availability(OFFICE, None, dt.datetime(2026, 1, 5, 10))


def test_dnd_round_trips_through_a_dict() -> None:
    dnd = dnd_for(at(BERLIN, 2026, 1, 5, 10))
    assert Dnd.from_dict(dnd.to_dict()) == dnd
    with pytest.raises(ValueError):
        Dnd.from_dict({})


# --- bounds ---------------------------------------------------------------------------------


def test_no_working_hours_at_all_is_off_forever() -> None:
    got = availability(WorkSchedule(zone="UTC"), None, at(BERLIN, 2026, 1, 5, 10))
    assert got == Availability(off=True, until=None, reason="weekend")


def test_round_the_clock_work_never_ends_within_the_horizon() -> None:
    always = WorkSchedule(
        zone="UTC", days={d: (Interval(t("23:00"), t("23:00")),) for d in range(7)}
    )
    got = availability(always, None, dt.datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
    assert got == Availability(off=False, until=None, reason="working")


def test_a_single_workday_next_year_is_found_but_not_beyond_the_horizon() -> None:
    sundays_only = WorkSchedule(zone="UTC", days={6: (Interval(t("09:00"), t("10:00")),)})
    all_sundays = frozenset(dt.date(2026, 1, 4) + dt.timedelta(weeks=w) for w in range(80))
    far = sundays_only.with_holidays(all_sundays - {dt.date(2027, 1, 3)})
    now = dt.datetime(2026, 1, 5, tzinfo=UTC)
    assert availability(far, None, now).until == dt.datetime(2027, 1, 3, 9, tzinfo=UTC)
    too_far = sundays_only.with_holidays(all_sundays - {dt.date(2027, 6, 6)})
    assert availability(too_far, None, now).until is None


def test_availability_round_trips_through_a_dict() -> None:
    got = availability(OFFICE, None, at(BERLIN, 2026, 1, 9, 18))
    assert Availability.from_dict(got.to_dict()) == got
    forever = Availability(off=True, until=None, reason="weekend")
    assert Availability.from_dict(forever.to_dict()) == forever
    for bad in (
        {},
        {"off": True, "reason": "sick"},
        {"off": True, "reason": "dnd", "until": "2026-01-05T10:00"},
    ):
        with pytest.raises(ValueError):
            Availability.from_dict(bad)
