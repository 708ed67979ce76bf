"""How the own status is described to its owner, and how it goes over the wire.

The owner always sees exactly the text colleagues see, plus where it came from ("auto · from
LibreOffice Calc", "manual · until 17:00"), so nothing is shared that the user cannot see.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.core import wire
from app.features.status.engine import PublishedStatus

PAUSED = "Paused · only your presence is shared"
NOTHING = "Nothing shared · only your presence"


def until_phrase(until: dt.datetime | None, zone: ZoneInfo, now: dt.datetime) -> str:
    """ "until you clear it", "until 17:00", "until tomorrow 09:00", "until Mon 00:00"."""
    if until is None:
        return "until you clear it"
    local, today = until.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"until {local:%H:%M}"
    if local.date() == today + dt.timedelta(days=1):
        return "until midnight" if local.time() == dt.time(0) else f"until tomorrow {local:%H:%M}"
    return f"until {local:%a %H:%M}"


def source_label(
    status: PublishedStatus | None,
    *,
    paused: bool,
    zone: ZoneInfo,
    now: dt.datetime,
    app_label: str = "",
) -> str:
    """Where the visible status comes from, in a few words for its owner."""
    if paused:
        return PAUSED
    if status is None:
        return NOTHING
    match status.source:
        case "manual":
            return f"set by you · {until_phrase(status.expires_at, zone, now)}"
        case "meeting":
            return "auto · from your calendar"
        case "idle":
            return "auto · no keyboard or mouse input for a while"
        case "topic":
            return "auto · from the topic open in Courtyard"
        case "document":
            return "auto · from a document opened from Courtyard"
    return f"auto · from {app_label}" if app_label else "auto · from the app in front"


def to_wire(status: PublishedStatus | None) -> wire.StatusSet | None:
    """The request body for ``PUT /me/status``; None clears."""
    if status is None:
        return None
    return wire.StatusSet(
        text=status.text[: wire.STATUS_TEXT_MAX],
        emoji=status.emoji,
        source=status.source,
        expires_at=status.expires_at,
    )
