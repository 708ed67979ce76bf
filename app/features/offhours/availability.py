"""Moved to :mod:`app.core.offhours.availability` (the server needs it too); re-exported here."""

from app.core.offhours.availability import (
    HORIZON_DAYS,
    Availability,
    Dnd,
    Reason,
    availability,
    dnd_for,
    dnd_until,
    dnd_until_next_workday,
    person_availability,
)

__all__ = [
    "HORIZON_DAYS",
    "Availability",
    "Dnd",
    "Reason",
    "availability",
    "dnd_for",
    "dnd_until",
    "dnd_until_next_workday",
    "person_availability",
]
