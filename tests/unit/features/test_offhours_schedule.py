"""WorkSchedule: validation, the organisation default, and its JSON-compatible form."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.features.offhours import Interval, WorkSchedule, default_schedule


def test_the_default_is_monday_to_friday_nine_to_five() -> None:
    schedule = default_schedule("Asia/Shanghai")
    assert schedule.to_dict() == {
        "zone": "Asia/Shanghai",
        "days": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": [],
    }


def test_a_users_schedule_starts_from_the_default() -> None:
    mine = default_schedule("Europe/Berlin").with_zone("Asia/Tokyo")
    mine = mine.with_holidays(frozenset({dt.date(2026, 12, 24)}))
    data = json.loads(json.dumps(mine.to_dict()))
    assert data["zone"] == "Asia/Tokyo" and data["holidays"] == ["2026-12-24"]
    assert WorkSchedule.from_dict(data) == mine


def test_night_shifts_and_several_intervals_round_trip() -> None:
    schedule = WorkSchedule(
        zone="UTC",
        days={
            0: (Interval.parse("13:00-17:30"), Interval.parse("08:00–12:00")),
            4: (Interval.parse("22:00-06:00"),),
            5: (),
        },
    )
    assert schedule.days[0][0].start == dt.time(8)  # sorted
    assert 5 not in schedule.days  # empty days are dropped
    assert schedule.days[4][0].spans_midnight
    assert WorkSchedule.from_dict(schedule.to_dict()) == schedule


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"zone": "Mars/Olympus_Mons"},
        {"zone": "UTC", "days": {"funday": ["09:00-17:00"]}},
        {"zone": "UTC", "days": {"mon": "09:00-17:00"}},
        {"zone": "UTC", "days": {"mon": ["nine to five"]}},
        {"zone": "UTC", "days": []},
        {"zone": "UTC", "holidays": ["Christmas"]},
    ],
)
def test_malformed_schedules_are_value_errors(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WorkSchedule.from_dict(data)


def test_weekdays_and_times_are_checked() -> None:
    with pytest.raises(ValueError):
        WorkSchedule(zone="UTC", days={7: (Interval(dt.time(9), dt.time(17)),)})
    with pytest.raises(ValueError):
        Interval(dt.time(9, tzinfo=dt.UTC), dt.time(17))
