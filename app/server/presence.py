"""Presence on user payloads: the workday status (until it expires) and availability, as of now.

Nothing runs when a status expires or working hours end: every reader filters and computes with
the clock, so an expired status disappears by itself and availability is never stale on the
server. Clients do the same between events with app.core.offhours.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from app.core import wire
from app.core.offhours.availability import Dnd, person_availability
from app.core.offhours.schedule import WorkSchedule, effective_schedule
from app.server.db.schema import user_offhours, user_status


def visible_status(row: Any, now: dt.datetime) -> wire.UserStatus | None:
    """The status a ``user_status`` row shows at ``now``: None when cleared or expired."""
    if row is None or not row.text:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return wire.UserStatus(
        text=row.text,
        emoji=row.emoji,
        source=row.source,
        expires_at=row.expires_at,
        updated_at=row.updated_at,
    )


class AvailabilityCalc:
    """Availability of many people at one instant; people on the same hours share the work."""

    def __init__(self, default: wire.Schedule | None, now: dt.datetime) -> None:
        self._default = default.to_schedule() if default is not None else None
        self._now = now
        self._memo: dict[tuple[str, str, dt.datetime | None], wire.UserAvailability] = {}

    def of(
        self, own: dict[str, Any] | None, time_zone: str, dnd_until: dt.datetime | None
    ) -> wire.UserAvailability:
        dnd_until = dnd_until if dnd_until is not None and dnd_until > self._now else None
        key = (repr(own), time_zone, dnd_until)
        found = self._memo.get(key)
        if found is None:
            schedule = effective_schedule(
                WorkSchedule.from_dict(own) if own else None, self._default, time_zone
            )
            dnd = Dnd(dnd_until) if dnd_until is not None else None
            a = person_availability(schedule, dnd, self._now)
            found = wire.UserAvailability(off=a.off, until=a.until, reason=a.reason)
            self._memo[key] = found
        return found


def decorate(
    conn: Connection,
    people: list[wire.User],
    *,
    default: wire.Schedule | None,
    now: dt.datetime,
) -> list[wire.User]:
    """Fill in status, availability, own schedule and DND (in place; returns ``people``)."""
    if not people:
        return people
    ids = [u.id for u in people]
    status_q = select(user_status)
    offhours_q = select(user_offhours)
    if len(ids) == 1:  # one person: two primary-key lookups, not two scans
        status_q = status_q.where(user_status.c.user_id == ids[0])
        offhours_q = offhours_q.where(user_offhours.c.user_id == ids[0])
    statuses = {r.user_id: r for r in conn.execute(status_q)}
    offhours = {r.user_id: r for r in conn.execute(offhours_q)}
    calc = AvailabilityCalc(default, now)
    for user in people:
        user.status = visible_status(statuses.get(user.id), now)
        row = offhours.get(user.id)
        own = row.schedule if row is not None else None
        dnd_until = row.dnd_until if row is not None else None
        if dnd_until is not None and dnd_until <= now:
            dnd_until = None
        user.schedule = wire.Schedule.model_validate(own) if own else None
        user.dnd_until = dnd_until
        user.availability = calc.of(own, user.time_zone, dnd_until)
    return people
