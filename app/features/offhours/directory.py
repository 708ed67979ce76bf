"""Availability of the people in the local directory (wire.User rows), as the client sees time.

The server puts an ``availability`` on every user payload, but it is only true at the moment the
payload was made; the client recomputes it from the person's schedule (or the organisation
default in their zone) and their DND with the same function the server runs, so a banner or a
notification decision follows the clock between events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from app.core import wire
from app.core.offhours.availability import Availability, Dnd, person_availability
from app.core.offhours.schedule import WorkSchedule, effective_schedule, zone_of


def schedule_of(user: wire.User, default: wire.Schedule | None) -> WorkSchedule | None:
    """The person's working hours: their own, else the organisation default in their zone."""
    own = user.schedule.to_schedule() if user.schedule is not None else None
    fallback = default.to_schedule() if default is not None else None
    return effective_schedule(own, fallback, user.time_zone)


def zone_of_user(user: wire.User, default: wire.Schedule | None) -> ZoneInfo:
    """The zone in which the person's own clock reads their hours ("their time")."""
    schedule = schedule_of(user, default)
    if schedule is not None:
        return schedule.tz
    try:
        return zone_of(user.time_zone)
    except ValueError:
        return ZoneInfo("UTC")


class AvailabilityBook:
    """Availability of many people at one instant; people on the same hours share the work
    (a channel of hundreds on the organisation default costs one computation per zone)."""

    def __init__(self, default: wire.Schedule | None, now: dt.datetime) -> None:
        self.default = default
        self.now = now
        self._memo: dict[tuple[str, str, dt.datetime | None], Availability] = {}

    def of(self, user: wire.User) -> Availability:
        dnd_until = user.dnd_until if user.dnd_until and user.dnd_until > self.now else None
        own = user.schedule.model_dump_json() if user.schedule is not None else ""
        key = (own, user.time_zone, dnd_until)
        found = self._memo.get(key)
        if found is None:
            dnd = Dnd(dnd_until) if dnd_until is not None else None
            found = person_availability(schedule_of(user, self.default), dnd, self.now)
            self._memo[key] = found
        return found

    def off_among(self, users: Iterable[wire.User]) -> list[tuple[wire.User, Availability]]:
        """The people in ``users`` who are off now, with their availability."""
        pairs = ((u, self.of(u)) for u in users)
        return [(u, a) for u, a in pairs if a.off]
