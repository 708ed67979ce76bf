"""A status the user sets by hand, which wins until it expires, and the usual expiry choices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.core.offhours.schedule import to_instant


@dataclass(frozen=True)
class ManualStatus:
    """``until`` None means "until I clear it"."""

    text: str
    emoji: str = ""
    until: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("ManualStatus.until must be timezone-aware")

    def expired(self, now: dt.datetime) -> bool:
        return self.until is not None and now >= self.until


def until_time(now: dt.datetime, zone: ZoneInfo, at: dt.time) -> dt.datetime:
    """ "Until 17:00": the next time the wall clock in ``zone`` shows ``at`` (today or tomorrow)."""
    today = now.astimezone(zone).date()
    for day in (today, today + dt.timedelta(days=1)):
        when = to_instant(day, at, zone)
        if when > now:
            return when
    return to_instant(today + dt.timedelta(days=2), at, zone)  # only in a 24h+ gap; never really


def end_of_today(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """ "Today": until the next local midnight in ``zone``."""
    return to_instant(now.astimezone(zone).date() + dt.timedelta(days=1), dt.time(0), zone)


def end_of_week(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """ "This week": until the local midnight that starts next Monday."""
    today = now.astimezone(zone).date()
    return to_instant(today + dt.timedelta(days=7 - today.weekday()), dt.time(0), zone)
