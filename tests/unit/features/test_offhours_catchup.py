"""Which off period the "while you were off" summary covers, and that it is due once: pure, with
instants given explicitly (the injected clock), across DST, midnight and the weekend."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.features.offhours import (
    Interval,
    OffPeriod,
    WorkSchedule,
    availability,
    default_schedule,
    due_period,
    last_off_period,
)

BERLIN = default_schedule("Europe/Berlin")  # Mon–Fri 09:00–17:00
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_the_night_before_spans_midnight() -> None:
    # Tue 6 Jan 2026 09:30 Berlin (08:30 UTC): off from Mon 17:00 (16:00 UTC) to Tue 09:00.
    assert last_off_period(BERLIN, None, at(2026, 1, 6, 8, 30)) == OffPeriod(
        at(2026, 1, 5, 16), at(2026, 1, 6, 8)
    )


def test_while_off_nothing_is_due() -> None:
    assert last_off_period(BERLIN, None, at(2026, 1, 6, 7, 59)) is None
    assert last_off_period(BERLIN, None, at(2026, 1, 10, 12)) is None  # Saturday
    assert last_off_period(None, None, at(2026, 1, 6, 12)) is None  # no hours known


def test_monday_morning_covers_the_weekend_and_a_holiday() -> None:
    assert last_off_period(BERLIN, None, at(2026, 1, 12, 8, 1)) == OffPeriod(
        at(2026, 1, 9, 16), at(2026, 1, 12, 8)
    )
    friday_off = BERLIN.with_holidays(frozenset({dt.date(2026, 1, 9)}))
    assert last_off_period(friday_off, None, at(2026, 1, 12, 8, 1)) == OffPeriod(
        at(2026, 1, 8, 16), at(2026, 1, 12, 8)
    )


def test_spring_forward_weekend() -> None:
    # Berlin moves to CEST on Sun 29 Mar 2026: Fri 17:00 CET = 16:00 UTC, Mon 09:00 CEST = 07:00.
    period = last_off_period(BERLIN, None, at(2026, 3, 30, 7, 0))
    assert period == OffPeriod(at(2026, 3, 27, 16), at(2026, 3, 30, 7))
    assert last_off_period(BERLIN, None, at(2026, 3, 30, 6, 59)) is None  # 08:59 local: off


def test_a_night_shift_across_the_autumn_fall_back() -> None:
    # 22:00–06:00 every night in Berlin; on Sat 24 Oct 2026 the night is an hour longer
    # (CEST→CET at 03:00 on Sunday 25 Oct). Sunday morning: off from 06:00 CET (05:00 UTC).
    nights = WorkSchedule("Europe/Berlin", {d: (Interval.parse("22:00-06:00"),) for d in range(7)})
    period = last_off_period(nights, None, at(2026, 10, 25, 21, 30))  # 22:30 CET Sunday
    assert period == OffPeriod(at(2026, 10, 25, 5), at(2026, 10, 25, 21))
    # Inside the long night itself (01:00 UTC = 02:00 CET after the switch): working.
    assert last_off_period(nights, None, at(2026, 10, 25, 1, 30)) == OffPeriod(
        at(2026, 10, 24, 4), at(2026, 10, 24, 20)
    )


def test_touching_intervals_are_one_working_block() -> None:
    split = WorkSchedule("UTC", {0: (Interval.parse("08:00-12:00"), Interval.parse("12:00-16:00"))})
    # Mon 12 Jan 2026 14:00: the off period is last Monday's end to this morning, not lunch.
    assert last_off_period(split, None, at(2026, 1, 12, 14)) == OffPeriod(
        at(2026, 1, 5, 16), at(2026, 1, 12, 8)
    )


def test_a_dnd_into_working_hours_extends_the_period_and_keeps_it_due() -> None:
    dnd_end = at(2026, 1, 6, 10)
    assert last_off_period(BERLIN, dnd_end, at(2026, 1, 6, 9, 30)) is None  # DND still on
    assert last_off_period(BERLIN, dnd_end, at(2026, 1, 6, 10, 0)) == OffPeriod(
        at(2026, 1, 5, 16), dnd_end
    )
    # An old DND (ended last night) changes nothing.
    assert last_off_period(BERLIN, at(2026, 1, 5, 20), at(2026, 1, 6, 8, 30)) == OffPeriod(
        at(2026, 1, 5, 16), at(2026, 1, 6, 8)
    )


def test_due_exactly_once_per_period() -> None:
    morning = at(2026, 1, 6, 8, 30)
    first = due_period(BERLIN, None, morning, None)
    assert first == OffPeriod(at(2026, 1, 5, 16), at(2026, 1, 6, 8))
    assert due_period(BERLIN, None, morning, first.end) is None  # remembered: not again
    assert due_period(BERLIN, None, at(2026, 1, 6, 15), first.end) is None  # later that day
    nxt = due_period(BERLIN, None, at(2026, 1, 7, 8, 0), first.end)
    assert nxt == OffPeriod(at(2026, 1, 6, 16), at(2026, 1, 7, 8))


def test_a_dnd_after_the_morning_summary_starts_where_it_ended() -> None:
    # Summarised at 09:00 Berlin; DND 11:00–12:00 UTC that day; due again from 08:00, not the night.
    due = due_period(BERLIN, at(2026, 1, 6, 12), at(2026, 1, 6, 12, 5), at(2026, 1, 6, 8))
    assert due == OffPeriod(at(2026, 1, 6, 8), at(2026, 1, 6, 12))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        last_off_period(BERLIN, None, dt.datetime(2026, 1, 6, 9))


@given(
    st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]),
)
def test_a_period_ends_at_or_before_now_and_is_off_throughout(
    naive: dt.datetime, zone: str
) -> None:
    now = naive.replace(tzinfo=UTC)
    schedule = BERLIN.with_zone(zone)
    period = last_off_period(schedule, None, now)
    if period is None:
        assert availability(schedule, None, now).off
        return
    assert not availability(schedule, None, now).off
    assert period.start < period.end <= now
    tick = dt.timedelta(microseconds=1)
    assert availability(schedule, None, period.start).off
    assert availability(schedule, None, period.end - tick).off
    assert not availability(schedule, None, period.end).off
    assert due_period(schedule, None, now, period.end) is None
