"""Say someone's availability to a sender, in words and in the sender's own time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from app.core.offhours.availability import Availability

_LEADS = {
    "dnd": "{name} has do not disturb on",
    "holiday": "{name} is on holiday",
    "weekend": "{name} is off work",
    "off_hours": "{name} is off work",
    "working": "{name} is at work",
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when_phrase(until: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    """``"09:00 today"``, ``"09:00 tomorrow"``, ``"Mon 09:00"`` (within a week),
    ``"12 Jan 09:00"`` (this year) or ``"3 Jan 2027 09:00"``; all in ``zone``."""
    local = until.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return f"{clock} today"
    if days == 1:
        return f"{clock} tomorrow"
    if 1 < days < 7:
        return f"{_WEEKDAYS[local.weekday()]} {clock}"
    day_month = f"{local.day} {_MONTHS[local.month - 1]}"
    if local.year == today.year:
        return f"{day_month} {clock}"
    return f"{day_month} {local.year} {clock}"


def describe_availability(
    name: str, availability: Availability, zone: ZoneInfo, now: dt.datetime
) -> str:
    """What a sender reads before writing to ``name``, e.g. "Li Wei is off work until 09:00
    tomorrow (their time)". ``zone`` is the recipient's zone, in which the time is shown: "their
    time" is what the recipient's own clock will say when they are back."""
    lead = _LEADS[availability.reason].format(name=name)
    if availability.until is None:
        return lead
    return f"{lead} until {when_phrase(availability.until, zone, now)} (their time)"


def send_hint(name: str, availability: Availability, zone: ZoneInfo, now: dt.datetime) -> str:
    """The composer banner for a direct message to someone who is off; "" when they are not."""
    if not availability.off:
        return ""
    text = describe_availability(name, availability, zone, now)
    if availability.until is None:
        return f"{text}; they will see your message when they are back"
    return f"{text} — they will be notified then"


def _names(names: Sequence[str], shown: int = 3) -> str:
    if len(names) <= shown:
        head, tail = list(names[:-1]), names[-1]
        return f"{', '.join(head)} and {tail}" if head else tail
    rest = len(names) - shown
    return f"{', '.join(names[:shown])} and {rest} other{'s' if rest != 1 else ''}"


def group_hint(off_names: Sequence[str], members: int) -> str:
    """The composer banner for a group or channel, e.g. "3 of 8 members are off work: Li Wei,
    Kenji Sato and Priya Nair — they will be notified when they are back"; "" when nobody is."""
    if not off_names:
        return ""
    verb = "is" if len(off_names) == 1 else "are"
    return (
        f"{len(off_names)} of {members} members {verb} off work: {_names(off_names)}"
        " — they will be notified when they are back"
    )


_OWN = {
    "dnd": "Do not disturb",
    "holiday": "On holiday",
    "weekend": "Off work",
    "off_hours": "Off work",
    "working": "Working",
}


def own_state(
    availability: Availability,
    zone: ZoneInfo,
    now: dt.datetime,
    dnd_until: dt.datetime | None = None,
) -> str:
    """How my own availability reads on my screen, e.g. "Off work until 09:00 tomorrow". With
    DND on, ``dnd_until`` (when the DND itself ends) is what I set and want to read, even when
    working hours keep me off beyond it."""
    lead = _OWN[availability.reason]
    until = availability.until
    if availability.reason == "dnd" and dnd_until is not None:
        until = dnd_until
    if until is None:
        return lead
    return f"{lead} until {when_phrase(until, zone, now)}"
