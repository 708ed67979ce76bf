"""Working hours as data (weekday intervals, zone, holidays), and their concrete instants in time.

Local times are turned into instants deliberately, the way RFC 5545 (iCalendar) does it:
- a local time that does not exist (the spring-forward gap, e.g. 02:30 in Berlin on the last
  Sunday of March) is moved forward by the length of the gap (02:30 → 03:30 CEST);
- a local time that happens twice (the autumn fall-back, e.g. 02:30 in late October) means its
  first occurrence (the summer-time one, ``fold=0``).
So a 09:00 start is 09:00 local on both sides of a DST switch, and a night shift on the night of a
switch lasts an hour more or less in absolute time, as it does on the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Interval:
    """Working time that starts on a weekday at ``start`` and ends at ``end`` local time.

    ``end <= start`` means the interval runs past midnight into the next day (a 22:00–06:00 night
    shift belongs to the day it starts on); ``end == start`` means a full 24 hours.
    """

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("interval times are local wall-clock times, without tzinfo")

    @property
    def spans_midnight(self) -> bool:
        return self.end <= self.start

    def to_str(self) -> str:
        return f"{_fmt_time(self.start)}-{_fmt_time(self.end)}"

    @classmethod
    def parse(cls, text: str) -> Interval:
        """``"09:00-17:00"`` (or with an en dash) → Interval."""
        start, sep, end = text.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(f"not an interval: {text!r} (expected HH:MM-HH:MM)")
        return cls(dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))


def _fmt_time(t: dt.time) -> str:
    return t.strftime("%H:%M") if (t.second, t.microsecond) == (0, 0) else t.isoformat()


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError (not a lookup error) for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


@dataclass(frozen=True)
class WorkSchedule:
    """Per weekday (0 = Monday) the working intervals, in the IANA ``zone``; ``holidays`` are
    local dates on which no interval *starts* (a night shift begun the evening before still ends
    normally)."""

    zone: str
    days: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        zone_of(self.zone)
        clean: dict[int, tuple[Interval, ...]] = {}
        for day, intervals in self.days.items():
            if day not in range(7):
                raise ValueError(f"weekday must be 0 (Mon) .. 6 (Sun), got {day}")
            if intervals:
                clean[day] = tuple(sorted(intervals))
        object.__setattr__(self, "days", clean)
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @property
    def tz(self) -> ZoneInfo:
        return zone_of(self.zone)

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The intervals that start on local date ``day`` (none on a holiday)."""
        if day in self.holidays:
            return ()
        return self.days.get(day.weekday(), ())

    def with_zone(self, zone: str) -> WorkSchedule:
        return WorkSchedule(zone=zone, days=self.days, holidays=self.holidays)

    def with_holidays(self, holidays: frozenset[dt.date]) -> WorkSchedule:
        return WorkSchedule(zone=self.zone, days=self.days, holidays=holidays)

    # --- JSON-compatible form, as the server stores and sends it ------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "days": {
                WEEKDAY_NAMES[d]: [i.to_str() for i in self.days[d]] for d in sorted(self.days)
            },
            "holidays": sorted(h.isoformat() for h in self.holidays),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkSchedule:
        """Inverse of :meth:`to_dict`; raises ValueError on anything malformed."""
        try:
            raw_days = data.get("days", {})
            if not isinstance(raw_days, Mapping):
                raise ValueError("days must be an object")
            days: dict[int, tuple[Interval, ...]] = {}
            for name, items in raw_days.items():
                if name not in WEEKDAY_NAMES:
                    raise ValueError(f"unknown weekday {name!r}")
                if isinstance(items, str) or not isinstance(items, Sequence):
                    raise ValueError(f"intervals of {name} must be a list")
                days[WEEKDAY_NAMES.index(name)] = tuple(Interval.parse(str(i)) for i in items)
            holidays = frozenset(dt.date.fromisoformat(str(h)) for h in data.get("holidays", []))
            return cls(zone=str(data["zone"]), days=days, holidays=holidays)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed schedule: {exc}") from exc


def default_schedule(
    zone: str = "UTC",
    *,
    start: dt.time = dt.time(9),
    end: dt.time = dt.time(17),
    weekdays: Sequence[int] = (0, 1, 2, 3, 4),
) -> WorkSchedule:
    """An organisation default (Mon–Fri 09:00–17:00), from which a user's own schedule starts."""
    interval = Interval(start, end)
    return WorkSchedule(zone=zone, days={d: (interval,) for d in weekdays})


def to_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """Local ``day`` + ``at`` in ``tz`` as a UTC instant (gap → forward, overlap → first)."""
    local = dt.datetime.combine(day, at, tzinfo=tz).replace(fold=0)
    # fold=0 in a gap uses the offset from before the gap, i.e. moves the time forward by the gap.
    return local.astimezone(dt.UTC)


def spans_from(
    schedule: WorkSchedule, first_day: dt.date, days: int
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Working spans (UTC start, UTC end) of intervals starting on ``first_day`` and the
    ``days - 1`` local dates after it, ordered by start; empty spans are skipped."""
    tz = schedule.tz
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        spans = []
        for interval in schedule.intervals_on(day):
            start = to_instant(day, interval.start, tz)
            end_day = day + dt.timedelta(days=1) if interval.spans_midnight else day
            end = to_instant(end_day, interval.end, tz)
            if end > start:
                spans.append((start, end))
        yield from sorted(spans)


def effective_schedule(
    own: WorkSchedule | None, organisation: WorkSchedule | None, time_zone: str
) -> WorkSchedule | None:
    """A person's working hours: their own, else the organisation default in their own zone.

    The default's hours are meant as local hours everywhere ("09:00–17:00 wherever you are"), so
    it takes the person's ``time_zone``; an unknown zone keeps the default's own. None means no
    working hours are known: nobody is ever off by schedule, only by manual DND.
    """
    if own is not None:
        return own
    if organisation is None:
        return None
    try:
        return organisation.with_zone(time_zone)
    except ValueError:
        return organisation
