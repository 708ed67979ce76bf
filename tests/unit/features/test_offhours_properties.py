"""Invariants of ``availability`` over random schedules, zones, holidays, DND and instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.features.offhours import Dnd, Interval, WorkSchedule, availability
from app.features.offhours.schedule import spans_from

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # DST switches at midnight
    "Pacific/Auckland",
]
MICRO = dt.timedelta(microseconds=1)

times = st.builds(dt.time, hour=st.integers(0, 23), minute=st.sampled_from([0, 15, 30, 45, 7]))
intervals = st.builds(Interval, times, times)
schedules = st.builds(
    WorkSchedule,
    zone=st.sampled_from(ZONES),
    days=st.dictionaries(st.integers(0, 6), st.lists(intervals, max_size=2).map(tuple), max_size=7),
    holidays=st.frozensets(st.dates(dt.date(2025, 12, 1), dt.date(2027, 3, 1)), max_size=20),
)
instants = st.datetimes(
    dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31), timezones=st.just(dt.UTC)
)
dnds = st.none() | st.builds(
    lambda now_offset: Dnd(dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + now_offset),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=366)),
)

PROFILE = settings(max_examples=200, deadline=None)


@PROFILE
@given(schedules, dnds, instants)
def test_until_is_in_the_future_and_off_flips_there(
    schedule: WorkSchedule, dnd: Dnd | None, now: dt.datetime
) -> None:
    got = availability(schedule, dnd, now)
    assert got.off == (got.reason != "working")
    if got.until is None:
        return
    assert got.until > now
    just_before = availability(schedule, dnd, got.until - MICRO)
    assert just_before.off == got.off
    assert availability(schedule, dnd, got.until).off != got.off


@PROFILE
@given(schedules, dnds, instants, st.sampled_from(ZONES))
def test_the_zone_now_is_written_in_does_not_matter(
    schedule: WorkSchedule, dnd: Dnd | None, now: dt.datetime, viewer_zone: str
) -> None:
    seen_elsewhere = now.astimezone(ZoneInfo(viewer_zone))
    assert availability(schedule, dnd, seen_elsewhere) == availability(schedule, dnd, now)


@PROFILE
@given(
    schedules,
    st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    st.floats(0.0, 0.999),
    st.booleans(),
)
def test_inside_an_interval_is_working_unless_dnd(
    schedule: WorkSchedule, day: dt.date, fraction: float, with_dnd: bool
) -> None:
    for start, end in spans_from(schedule, day, 1):
        inside = start + (end - start) * fraction
        dnd = Dnd(inside + dt.timedelta(minutes=5)) if with_dnd else None
        got = availability(schedule, dnd, inside)
        assert got.reason == ("dnd" if with_dnd else "working")


@PROFILE
@given(schedules, instants)
def test_a_holiday_day_starts_no_work(schedule: WorkSchedule, now: dt.datetime) -> None:
    day = now.astimezone(schedule.tz).date()
    on_holiday = schedule.with_holidays(schedule.holidays | {day})
    assert list(spans_from(on_holiday, day, 1)) == []
    got = availability(on_holiday, None, now)
    if got.off:
        assert got.reason == "holiday"


@PROFILE
@given(schedules)
def test_schedules_round_trip_through_json_dicts(schedule: WorkSchedule) -> None:
    assert WorkSchedule.from_dict(schedule.to_dict()) == schedule
