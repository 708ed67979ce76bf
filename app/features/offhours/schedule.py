"""Moved to :mod:`app.core.offhours.schedule` (the server needs it too); re-exported here."""

from app.core.offhours.schedule import (
    WEEKDAY_NAMES,
    Interval,
    WorkSchedule,
    default_schedule,
    effective_schedule,
    spans_from,
    to_instant,
    zone_of,
)

__all__ = [
    "WEEKDAY_NAMES",
    "Interval",
    "WorkSchedule",
    "default_schedule",
    "effective_schedule",
    "spans_from",
    "to_instant",
    "zone_of",
]
