"""When work starts: which off period the one "while you were off" summary covers, and if it is due.

Counting messages as they arrive misses the usual night: the app is closed in the evening and
opened at 09:00, so the night's messages come by catch-up sync *after* work has started. The
summary is therefore built from the local store (messages from others created during the period
and still unread), and what was last summarised is remembered across restarts as the end of that
period. This module only decides, from the schedule, the end of a manual DND, ``now`` and that
memory; it has no clock of its own, so DST nights and midnight-spanning shifts are unit-tested.

Known limit: the server keeps only when a DND *ends*, not when it began; a DND that ran into
working hours extends the period to its end, and the period starts where the last working block
(or the last summary, whichever is later) ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.core.offhours.schedule import WorkSchedule, spans_from

LOOKBACK = dt.timedelta(days=45)
"""How far back the previous working block is looked for (a long holiday still has a start)."""


@dataclass(frozen=True)
class OffPeriod:
    """A stretch of time off, [start, end), in UTC."""

    start: dt.datetime
    end: dt.datetime

    def covers(self, when: dt.datetime) -> bool:
        return self.start <= when < self.end


def _blocks(
    schedule: WorkSchedule, since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Working blocks (touching or overlapping spans merged) that start before ``until`` and end
    after ``since``, in order."""
    first = since.astimezone(schedule.tz).date() - dt.timedelta(days=1)
    days = (until.astimezone(schedule.tz).date() - first).days + 2
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in spans_from(schedule, first, days):
        if start >= until:
            break
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [(s, e) for s, e in merged if e > since]


def last_off_period(
    schedule: WorkSchedule | None, dnd_until: dt.datetime | None, now: dt.datetime
) -> OffPeriod | None:
    """The off period that most recently ended, when I am working at ``now``; None while I am
    off (by schedule or DND) or when no working hours are known (nobody is off by schedule
    then, and a DND's start is not known)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    at = now.astimezone(dt.UTC)
    if schedule is None or (dnd_until is not None and dnd_until > at):
        return None
    blocks = _blocks(schedule, at - LOOKBACK, at + dt.timedelta(microseconds=1))
    if not blocks or not blocks[-1][0] <= at < blocks[-1][1]:
        return None  # off now
    work_start = blocks[-1][0]
    start = blocks[-2][1] if len(blocks) > 1 else at - LOOKBACK
    end = work_start
    if dnd_until is not None and work_start < dnd_until <= at:
        end = dnd_until  # a DND that ran into working hours kept me off until it ended
    return OffPeriod(start, end)


def due_period(
    schedule: WorkSchedule | None,
    dnd_until: dt.datetime | None,
    now: dt.datetime,
    summarised_until: dt.datetime | None,
) -> OffPeriod | None:
    """The period whose summary is due now, or None: due once I work again after an off period
    that ends later than the last one summarised (``summarised_until``). Starts no earlier than
    that summary, so no message is summarised twice."""
    period = last_off_period(schedule, dnd_until, now)
    if period is None:
        return None
    if summarised_until is None:
        return period
    if period.end <= summarised_until:
        return None
    return OffPeriod(max(period.start, summarised_until), period.end)
