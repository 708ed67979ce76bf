"""Meetings for "In a meeting until 15:00": a list source and a minimal ICS (VEVENT) reader.

The reader is deliberately small instead of depending on the ``icalendar`` package: it reads
VEVENTs' DTSTART, DTEND or DURATION, SUMMARY, STATUS and TRANSP, with UTC, TZID (IANA names) and
floating times. It does not expand RRULE (a recurring meeting counts at its first occurrence
only), skips all-day events (they are not meetings), cancelled and "free" (transparent) events, and
reads unknown TZIDs (e.g. Windows zone names) as the default zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
    """The meeting going on at ``now``; of overlapping ones, the one ending last."""
    ongoing = [m for m in meetings if m.start <= now < m.end]
    return max(ongoing, key=lambda m: m.end) if ongoing else None


_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;P=V;Q="x:y":value`` → (NAME, {P: V, Q: x:y}, value)."""
    in_quotes = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == ":" and not in_quotes:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        return line.upper(), {}, ""
    name, *params = head.split(";")
    parsed = {}
    for p in params:
        key, _, val = p.partition("=")
        parsed[key.upper()] = val.strip('"')
    return name.upper(), parsed, value


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _when(value: str, params: dict[str, str], default_zone: ZoneInfo) -> dt.datetime | None:
    """A DATE-TIME as an aware datetime; None for DATE values (all-day) or garbage."""
    if params.get("VALUE") == "DATE" or len(value) == 8:
        return None
    try:
        naive = dt.datetime.strptime(value.rstrip("Zz"), "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    if value.endswith(("Z", "z")):
        return naive.replace(tzinfo=dt.UTC)
    zone = default_zone
    if "TZID" in params:
        try:
            zone = ZoneInfo(params["TZID"])
        except (ZoneInfoNotFoundError, ValueError):
            zone = default_zone
    return naive.replace(tzinfo=zone)


def _duration(value: str) -> dt.timedelta | None:
    m = _DURATION.match(value.strip())
    if not m:
        return None
    parts = {k: int(v) for k, v in m.groupdict().items() if v and k != "sign"}
    delta = dt.timedelta(
        weeks=parts.get("w", 0),
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )
    return -delta if m.group("sign") == "-" else delta


def parse_ics(text: str, *, default_zone: ZoneInfo) -> list[Meeting]:
    """The timed, busy, not-cancelled VEVENTs of an ICS text, sorted by start; never raises on
    malformed input (bad events are skipped)."""
    meetings: list[Meeting] = []
    depth = 0  # components nested inside the VEVENT (VALARM) are ignored
    event: dict[str, tuple[dict[str, str], str]] | None = None
    for line in _unfold(text):
        name, params, value = _split(line)
        if name == "BEGIN":
            if event is not None:
                depth += 1
            elif value.upper() == "VEVENT":
                event = {}
        elif name == "END":
            if depth:
                depth -= 1
            elif event is not None and value.upper() == "VEVENT":
                meeting = _meeting(event, default_zone)
                if meeting:
                    meetings.append(meeting)
                event = None
        elif event is not None and not depth:
            event.setdefault(name, (params, value))
    return sorted(meetings, key=lambda m: (m.start, m.end))


def _meeting(
    event: dict[str, tuple[dict[str, str], str]], default_zone: ZoneInfo
) -> Meeting | None:
    if event.get("STATUS", ({}, ""))[1].upper() == "CANCELLED":
        return None
    if event.get("TRANSP", ({}, ""))[1].upper() == "TRANSPARENT":
        return None
    if "DTSTART" not in event:
        return None
    start = _when(event["DTSTART"][1], event["DTSTART"][0], default_zone)
    if start is None:
        return None
    end: dt.datetime | None = None
    if "DTEND" in event:
        end = _when(event["DTEND"][1], event["DTEND"][0], default_zone)
    elif "DURATION" in event:
        length = _duration(event["DURATION"][1])
        end = start + length if length is not None else None
    if end is None or end <= start:
        return None
    return Meeting(start=start, end=end, title=_unescape(event.get("SUMMARY", ({}, ""))[1]))
