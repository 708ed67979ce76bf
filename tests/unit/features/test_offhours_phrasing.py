"""How a sender is told, in the recipient's own time, when someone who is off will be back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.features.offhours import (
    Availability,
    availability,
    default_schedule,
    describe_availability,
    send_hint,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
LI_WEI = default_schedule("Asia/Shanghai")


def test_off_until_tomorrow_in_their_time_whatever_the_senders_zone() -> None:
    # Monday 2026-01-05 20:00 in Shanghai = 13:00 in Berlin, where the sender is.
    now = dt.datetime(2026, 1, 5, 13, 0, tzinfo=BERLIN)
    got = availability(LI_WEI, None, now)
    assert describe_availability("Li Wei", got, SHANGHAI, now) == (
        "Li Wei is off work until 09:00 tomorrow (their time)"
    )
    assert send_hint("Li Wei", got, SHANGHAI, now) == (
        "Li Wei is off work until 09:00 tomorrow (their time) — they will be notified then"
    )


def test_after_midnight_in_their_zone_it_is_today() -> None:
    now = dt.datetime(2026, 1, 6, 2, 0, tzinfo=SHANGHAI)
    got = availability(LI_WEI, None, now)
    assert describe_availability("Li Wei", got, SHANGHAI, now).endswith(
        "until 09:00 today (their time)"
    )


def test_over_the_weekend_the_weekday_is_named() -> None:
    now = dt.datetime(2026, 1, 9, 18, 0, tzinfo=SHANGHAI)  # Friday
    got = availability(LI_WEI, None, now)
    assert describe_availability("Li Wei", got, SHANGHAI, now) == (
        "Li Wei is off work until Mon 09:00 (their time)"
    )


def test_far_away_dates_are_spelled_out() -> None:
    now = dt.datetime(2026, 12, 20, 12, tzinfo=dt.UTC)
    soon = Availability(
        off=True, until=dt.datetime(2026, 12, 30, 8, tzinfo=dt.UTC), reason="holiday"
    )
    assert (
        describe_availability("Ana", soon, BERLIN, now)
        == "Ana is on holiday until 30 Dec 09:00 (their time)"
    )
    later = Availability(off=True, until=dt.datetime(2027, 1, 4, 8, tzinfo=dt.UTC), reason="dnd")
    assert describe_availability("Ana", later, BERLIN, now) == (
        "Ana has do not disturb on until 4 Jan 2027 09:00 (their time)"
    )


def test_no_return_in_sight_and_working_people() -> None:
    now = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
    gone = Availability(off=True, until=None, reason="weekend")
    assert describe_availability("Ana", gone, BERLIN, now) == "Ana is off work"
    assert send_hint("Ana", gone, BERLIN, now).startswith("Ana is off work; they will see")
    here = Availability(
        off=False, until=dt.datetime(2026, 1, 5, 16, tzinfo=dt.UTC), reason="working"
    )
    assert send_hint("Ana", here, BERLIN, now) == ""
    assert (
        describe_availability("Ana", here, BERLIN, now)
        == "Ana is at work until 17:00 today (their time)"
    )
