"""The one pure function that says whether someone is off, why, and until when; plus manual DND."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from app.core.offhours.schedule import WorkSchedule, spans_from, to_instant

Reason = Literal["working", "off_hours", "weekend", "holiday", "dnd"]
_REASONS: tuple[Reason, ...] = get_args(Reason)

#: How far ahead ``until`` is searched; beyond it the answer is "no change in sight" (None).
HORIZON_DAYS = 400


def _utc(when: dt.datetime, what: str) -> dt.datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return when.astimezone(dt.UTC)


@dataclass(frozen=True)
class Dnd:
    """Manual do-not-disturb, on until ``until`` (an instant); "off" is simply no Dnd (None)."""

    until: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "until", _utc(self.until, "Dnd.until"))

    def active(self, now: dt.datetime) -> bool:
        return _utc(now, "now") < self.until

    def to_dict(self) -> dict[str, Any]:
        return {"until": self.until.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dnd:
        try:
            return cls(dt.datetime.fromisoformat(str(data["until"])))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed dnd: {exc}") from exc


def dnd_for(now: dt.datetime, duration: dt.timedelta = dt.timedelta(hours=1)) -> Dnd:
    """ "Do not disturb for 1 hour" (or any duration)."""
    if duration <= dt.timedelta(0):
        raise ValueError("DND duration must be positive")
    return Dnd(_utc(now, "now") + duration)


def dnd_until(when: dt.datetime) -> Dnd:
    """ "Do not disturb until a time" (an aware instant, e.g. from a time picker)."""
    return Dnd(when)


def dnd_until_next_workday(schedule: WorkSchedule, now: dt.datetime) -> Dnd:
    """ "Until tomorrow's start of work": the first working start on a later local date than
    today (skipping weekends and holidays); the start of tomorrow if no work is in sight."""
    tz = schedule.tz
    today = _utc(now, "now").astimezone(tz).date()
    tomorrow = today + dt.timedelta(days=1)
    for start, _end in spans_from(schedule, tomorrow, HORIZON_DAYS):
        return Dnd(start)
    return Dnd(to_instant(tomorrow, dt.time(0), tz))


@dataclass(frozen=True)
class Availability:
    """``off`` and its ``reason`` now; ``until`` is the next instant at which ``off`` flips (for
    someone off: when work resumes), in UTC, or None when no change is in sight."""

    off: bool
    until: dt.datetime | None
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "off": self.off,
            "until": self.until.isoformat() if self.until else None,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Availability:
        try:
            reason = data["reason"]
            if reason not in _REASONS:
                raise ValueError(f"unknown reason {reason!r}")
            until = data.get("until")
            return cls(
                off=bool(data["off"]),
                until=_utc(dt.datetime.fromisoformat(until), "until") if until else None,
                reason=reason,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed availability: {exc}") from exc


def _next_work(
    schedule: WorkSchedule, at: dt.datetime
) -> tuple[bool, dt.datetime | None, dt.datetime | None]:
    """(working at ``at``, end of that working block, start of the next one), UTC, bounded."""
    local_day = at.astimezone(schedule.tz).date()
    # Yesterday's intervals may run past midnight into today.
    first = local_day - dt.timedelta(days=1)
    limit = at + dt.timedelta(days=HORIZON_DAYS)
    block_end: dt.datetime | None = None
    # Generate past the limit, so a block cut off by the end of generation ends beyond it.
    for start, end in spans_from(schedule, first, HORIZON_DAYS + 3):
        if block_end is None:
            if end <= at:
                continue
            if start > at:
                return False, None, (start if start <= limit else None)
            block_end = end
        elif start <= block_end:  # touching or overlapping: one block of work
            block_end = max(block_end, end)
        else:
            break
    if block_end is None:
        return False, None, None
    return True, (block_end if block_end <= limit else None), None


def _off_reason(schedule: WorkSchedule, at: dt.datetime) -> Reason:
    day = at.astimezone(schedule.tz).date()
    if day in schedule.holidays:
        return "holiday"
    if not schedule.days.get(day.weekday()):
        return "weekend"
    return "off_hours"


def availability(schedule: WorkSchedule, dnd: Dnd | None, now: dt.datetime) -> Availability:
    """Whether the owner of ``schedule`` is off at ``now``, why, and until when.

    Manual DND wins while active; it ends at ``dnd.until``, after which the schedule decides, so an
    off person's ``until`` is the first working instant at or after the DND's end. ``"weekend"``
    means the local weekday has no intervals at all; ``"holiday"`` that the local date is a holiday.
    The answer depends only on the instant ``now``, not on the zone it is written in.
    """
    at = _utc(now, "now")
    if dnd is not None and dnd.active(at):
        working, _end, _next = _next_work(schedule, dnd.until)
        resume = dnd.until if working else _next
        return Availability(off=True, until=resume, reason="dnd")
    working, end, nxt = _next_work(schedule, at)
    if working:
        return Availability(off=False, until=end, reason="working")
    return Availability(off=True, until=nxt, reason=_off_reason(schedule, at))


def person_availability(
    schedule: WorkSchedule | None, dnd: Dnd | None, now: dt.datetime
) -> Availability:
    """:func:`availability` for someone whose working hours may be unknown (``schedule`` None):
    such a person is never off by schedule, only while a manual DND lasts."""
    if schedule is not None:
        return availability(schedule, dnd, now)
    if dnd is not None and dnd.active(now):
        return Availability(off=True, until=dnd.until, reason="dnd")
    return Availability(off=False, until=None, reason="working")
