"""Meetings for "In a meeting until 15:00": a list source, and ICS calendars read with libraries.

Company calendars (Outlook, Google, Nextcloud exports) are mostly recurring meetings, moved or
cancelled occurrences and time zones written in several dialects, so the reading is left to
``icalendar`` (RFC 5545 parsing; IANA and Windows zone names, VTIMEZONE definitions) and
``recurring-ical-events`` (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides, X-WR-TIMEZONE). This
module only decides what counts as a meeting: a timed occurrence that is not cancelled and not
marked free. All-day events are days, not meetings. Expanding is done for a window around "now"
because a recurring series has no end; :class:`IcsCalendar` keeps the parsed calendar so the
window can be moved on without reading the text again. Both parsing and expanding are CPU work
for large calendars: callers run them on a worker thread (see ``calendar_feed``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

log = logging.getLogger(__name__)

BEFORE = dt.timedelta(days=1)
"""How far back occurrences are expanded: a meeting that started yesterday can still be on."""
AHEAD = dt.timedelta(days=2)
"""How far ahead occurrences are expanded (the window is moved on long before it runs out)."""


@dataclass(frozen=True)
class Meeting:
    start: dt.datetime
    end: dt.datetime
    title: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("meeting times must be timezone-aware")


class CalendarSource(Protocol):
    def meetings(self) -> Sequence[Meeting]: ...


class InMemoryCalendar:
    def __init__(self, meetings: Iterable[Meeting] = ()) -> None:
        self.items = list(meetings)

    def meetings(self) -> Sequence[Meeting]:
        return self.items


def current_meeting(meetings: Iterable[Meeting], now: dt.datetime) -> Meeting | None:
    """The meeting going on at ``now`` (of overlapping ones, the one ending last), with its end
    moved to the end of the busy block it belongs to: back-to-back or overlapping meetings make
    one "In a meeting until" that lasts until the last of them is over."""
    meetings = list(meetings)
    ongoing = [m for m in meetings if m.start <= now < m.end]
    if not ongoing:
        return None
    current = max(ongoing, key=lambda m: m.end)
    end = current.end
    for m in sorted((m for m in meetings if m.end > end), key=lambda m: m.start):
        if m.start > end:
            break  # a gap: the busy block is over
        end = max(end, m.end)
    return current if end == current.end else dataclasses.replace(current, end=end)


class IcsCalendar:
    """A parsed ICS calendar; :meth:`meetings_between` expands it for a window of time."""

    def __init__(self, calendar: icalendar.Calendar, *, default_zone: ZoneInfo) -> None:
        # An event without a readable DTSTART can never be a meeting, and some library versions
        # give up on the whole calendar over one: it goes before anything is expanded.
        calendar.subcomponents = [
            c for c in calendar.subcomponents if c.name != "VEVENT" or _has_start(c)
        ]
        self._calendar = calendar
        self._zone = default_zone
        self.series = len(
            [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e and _is_meeting(e)]
        )
        """How many meetings (a recurring series counts once) the calendar defines."""

    @classmethod
    def from_text(cls, text: str, *, default_zone: ZoneInfo) -> IcsCalendar:
        """Parse ``text``; raises ValueError when it is not an iCalendar at all. Single broken
        events or series are left out (here and when expanding) instead of failing the whole
        calendar."""
        parsed = icalendar.Calendar.from_ical(text)  # ValueError on garbage
        if not isinstance(parsed, icalendar.Calendar):
            raise ValueError("not a VCALENDAR")
        return cls(parsed, default_zone=default_zone)

    def meetings_between(self, start: dt.datetime, end: dt.datetime) -> list[Meeting]:
        """The meetings overlapping [start, end), sorted; never raises on odd calendars."""
        try:
            query = recurring_ical_events.of(self._calendar, skip_bad_series=True)
            occurrences = query.between(start, end)
        except Exception as exc:  # a calendar the library cannot expand at all: no meetings
            log.warning("calendar cannot be expanded: %s", type(exc).__name__)
            return []
        meetings = [m for m in map(self._meeting, occurrences) if m is not None]
        return sorted(meetings, key=lambda m: (m.start, m.end))

    def meetings_around(self, now: dt.datetime) -> list[Meeting]:
        """The meetings from a day before ``now`` to two days after it."""
        return self.meetings_between(now - BEFORE, now + AHEAD)

    def _meeting(self, event: icalendar.Event) -> Meeting | None:
        if not _is_meeting(event):
            return None
        try:
            start, end = event.start, event.end
        except (icalendar.IncompleteComponent, icalendar.InvalidCalendar, ValueError):
            return None
        if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
            return None
        start, end = self._aware(start), self._aware(end)
        if end <= start:
            return None
        return Meeting(start=start, end=end, title=str(event.get("SUMMARY", "")))

    def _aware(self, when: dt.datetime) -> dt.datetime:
        """Floating times (no zone, no UTC) are the viewer's local time."""
        return when if when.tzinfo is not None else when.replace(tzinfo=self._zone)


def _is_meeting(event: icalendar.Component) -> bool:
    """Timed, not cancelled, and busy: "free" (transparent) time is not a meeting."""
    if _upper(event.get("STATUS")) == "CANCELLED":
        return False
    if _upper(event.get("TRANSP")) == "TRANSPARENT":
        return False
    if _upper(event.get("X-MICROSOFT-CDO-BUSYSTATUS")) == "FREE":  # Outlook's "Show as: Free"
        return False
    start = event.get("DTSTART")
    return _has_start(event) and isinstance(start.dt, dt.datetime)


def _has_start(event: icalendar.Component) -> bool:
    """A readable DTSTART (a broken one is missing, or another type: icalendar 7's vBroken)."""
    return isinstance(event.get("DTSTART"), icalendar.vDDDTypes)


def _upper(value: Any) -> str:
    return str(value).strip().upper() if value is not None else ""


def parse_ics(
    text: str, *, default_zone: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[Meeting]:
    """The meetings of an ICS text overlapping [start, end); [] for anything unreadable."""
    try:
        calendar = IcsCalendar.from_text(text, default_zone=default_zone)
    except ValueError:
        return []
    return calendar.meetings_between(start, end)
