"""Availability of directory people as the client computes it, and how groups and I read it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.core import wire
from app.features.offhours import Availability, default_schedule, group_hint, own_state
from app.features.offhours.directory import AvailabilityBook, schedule_of, zone_of_user

MONDAY_EVENING = dt.datetime(2026, 1, 5, 19, 0, tzinfo=dt.UTC)  # 20:00 Berlin, 04:00 Tokyo (Tue)
ORG = wire.Schedule.of(default_schedule())


def _user(uid: int, name: str, zone: str, **kw: object) -> wire.User:
    return wire.User(id=uid, username=name.lower(), display_name=name, time_zone=zone, **kw)


def test_the_organisation_default_applies_in_each_persons_zone() -> None:
    berlin = _user(1, "Li", "Europe/Berlin")
    new_york = _user(2, "Ana", "America/New_York")
    book = AvailabilityBook(ORG, MONDAY_EVENING)
    assert book.of(berlin) == Availability(
        off=True, until=dt.datetime(2026, 1, 6, 8, 0, tzinfo=dt.UTC), reason="off_hours"
    )
    assert book.of(new_york).off is False  # 14:00 in New York
    assert zone_of_user(new_york, ORG) == ZoneInfo("America/New_York")
    assert AvailabilityBook(None, MONDAY_EVENING).of(berlin).off is False, "no hours known"


def test_own_hours_and_dnd_win_and_expire_with_the_clock() -> None:
    nights = wire.Schedule(zone="Asia/Tokyo", days={"mon": ["22:00-06:00"]})
    kenji = _user(3, "Kenji", "UTC", schedule=nights)
    assert schedule_of(kenji, ORG) is not None and schedule_of(kenji, ORG).zone == "Asia/Tokyo"
    # Tuesday 04:00 in Tokyo: the default would say off; his Monday night shift says working.
    assert AvailabilityBook(ORG, MONDAY_EVENING).of(kenji) == Availability(
        off=False, until=dt.datetime(2026, 1, 5, 21, 0, tzinfo=dt.UTC), reason="working"
    )
    dnd_end = MONDAY_EVENING + dt.timedelta(hours=1)
    worker = _user(4, "Ana", "America/New_York", dnd_until=dnd_end)
    assert AvailabilityBook(ORG, MONDAY_EVENING).of(worker).reason == "dnd"
    later = AvailabilityBook(ORG, dnd_end)
    assert later.of(worker).reason == "working", "an expired DND is ignored"


def test_off_among_and_the_group_banner() -> None:
    people = [
        _user(i, n, z)
        for i, (n, z) in enumerate(
            [
                ("Li Wei", "Asia/Shanghai"),
                ("Kenji Sato", "Asia/Tokyo"),
                ("Ana", "America/New_York"),
                ("Priya Nair", "Asia/Kolkata"),
                ("Jonas", "Europe/Berlin"),
            ]
        )
    ]
    off = [u.display_name for u, _a in AvailabilityBook(ORG, MONDAY_EVENING).off_among(people)]
    assert off == ["Li Wei", "Kenji Sato", "Priya Nair", "Jonas"]
    assert group_hint(off, 8) == (
        "4 of 8 members are off work: Li Wei, Kenji Sato, Priya Nair and 1 other"
        " — they will be notified when they are back"
    )
    assert group_hint(off[:2], 8).startswith("2 of 8 members are off work: Li Wei and Kenji Sato")
    assert group_hint(off[:1], 3).startswith("1 of 3 members is off work: Li Wei —")
    assert group_hint([], 3) == ""


def test_own_state_reads_in_my_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    until = dt.datetime(2026, 1, 6, 8, 0, tzinfo=dt.UTC)
    assert own_state(Availability(True, until, "off_hours"), berlin, MONDAY_EVENING) == (
        "Off work until 09:00 tomorrow"
    )
    assert own_state(Availability(True, until, "dnd"), berlin, MONDAY_EVENING) == (
        "Do not disturb until 09:00 tomorrow"
    )
    assert own_state(Availability(False, None, "working"), berlin, MONDAY_EVENING) == "Working"
    dnd_end = MONDAY_EVENING + dt.timedelta(hours=1)  # what I set, though I stay off longer
    assert own_state(Availability(True, until, "dnd"), berlin, MONDAY_EVENING, dnd_end) == (
        "Do not disturb until 21:00 today"
    )
