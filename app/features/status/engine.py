"""Decides, calmly, the one status colleagues see, from the sources, the rules and the user's wishes.

Precedence, highest first:
1. **manual** status until it expires (published at once, never rate limited);
2. **meeting** from the calendar (being away from the keyboard is expected in a meeting);
3. **idle** → "Away" once input has stopped for ``idle_minutes``: idle beats any activity below,
   because an open topic or document with nobody at the keyboard is stale, not current;
4. **in-app activity**: the topic open in Courtyard, a document opened from it;
5. **foreground document**, opt-in, only through a rule's output;
6. nothing (colleagues see presence only).
Pause hides everything, manual included: colleagues see presence only until resumed.

Calm: an automatic status is published only after it has been the candidate for ``dwell``
seconds; automatic publications are at least ``min_interval`` apart and at most ``burst`` per
``window`` seconds (so flapping between two windows cannot spam). Dwell and rate limits run on the
monotonic clock; expiry on wall time.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from app.core.clock import Clock
from app.core.observer import Signal
from app.features.status.calendar import CalendarSource, current_meeting
from app.features.status.manual import ManualStatus
from app.features.status.rules import DEFAULT_RULES, Rule, Unmatched, evaluate
from app.features.status.sources import (
    ActivitySource,
    DocumentActivity,
    ForegroundSource,
    IdleSource,
    InAppActivity,
    TopicActivity,
)

SourceKind = Literal["manual", "meeting", "idle", "topic", "document", "app"]


@dataclass(frozen=True)
class PublishedStatus:
    """What leaves the machine (``PUT /api/v1/me/status``): nothing else ever does."""

    text: str
    emoji: str
    source: SourceKind
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class StatusSettings:
    dwell: float = 20.0
    min_interval: float = 30.0
    burst: int = 6
    window: float = 600.0
    idle_minutes: float = 10.0
    share_foreground: bool = False  # opt-in
    unmatched: Unmatched = "nothing"
    share_meeting_titles: bool = False


def describe_in_app(activity: InAppActivity) -> PublishedStatus:
    if isinstance(activity, TopicActivity):
        if activity.private:
            return PublishedStatus("In a private conversation", "💬", "topic")
        return PublishedStatus(
            f"In topic: {activity.title} · #{activity.conversation_name}", "💬", "topic"
        )
    assert isinstance(activity, DocumentActivity)
    return PublishedStatus(f"{activity.verb}: {activity.name}", "📄", "document")


class StatusEngine:
    """Drive it with :meth:`tick` from a timer (about once a second); it emits
    ``status_did_change`` with the new :class:`PublishedStatus` (None: presence only)."""

    def __init__(
        self,
        *,
        clock: Clock,
        zone: ZoneInfo,
        in_app: ActivitySource[InAppActivity] | None = None,
        foreground: ForegroundSource | None = None,
        idle: IdleSource | None = None,
        calendar: CalendarSource | None = None,
        rules: Sequence[Rule] = DEFAULT_RULES,
        settings: StatusSettings | None = None,
    ) -> None:
        self._clock, self._zone = clock, zone
        self._in_app, self._foreground, self._idle, self._calendar = (
            in_app,
            foreground,
            idle,
            calendar,
        )
        self.rules: Sequence[Rule] = tuple(rules)
        self.settings = settings or StatusSettings()
        self.status_did_change: Signal[[PublishedStatus | None]] = Signal("status_did_change")
        self._published: PublishedStatus | None = None
        self._published_auto = True  # False while a manual status or a pause is what others see
        self._candidate: PublishedStatus | None = None
        self._candidate_since = clock.monotonic()
        self._auto_times: deque[float] = deque()
        self._manual: ManualStatus | None = None
        self._paused = False

    # --- what the user controls -----------------------------------------------------------

    @property
    def published(self) -> PublishedStatus | None:
        return self._published

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def calendar(self) -> CalendarSource | None:
        return self._calendar

    @calendar.setter
    def calendar(self, source: CalendarSource | None) -> None:
        """The user chose another calendar (or none): the next tick reads it."""
        self._calendar = source

    @property
    def manual(self) -> ManualStatus | None:
        return self._manual

    def set_manual(self, status: ManualStatus | None) -> PublishedStatus | None:
        self._manual = status
        return self.tick()

    def pause(self) -> PublishedStatus | None:
        self._paused = True
        return self.tick()

    def resume(self) -> PublishedStatus | None:
        self._paused = False
        return self.tick()

    # --- deciding ---------------------------------------------------------------------------

    def automatic(self) -> PublishedStatus | None:
        """What the sources say right now, before dwell and rate limits (manual and pause aside)."""
        now = self._clock.now()
        if self._calendar is not None:
            meeting = current_meeting(self._calendar.meetings(), now)
            if meeting is not None:
                text = f"In a meeting until {meeting.end.astimezone(self._zone):%H:%M}"
                if self.settings.share_meeting_titles and meeting.title:
                    text = f"{text} · {meeting.title}"
                return PublishedStatus(text, "📅", "meeting", meeting.end.astimezone(dt.UTC))
        idle = self._idle.idle_seconds() if self._idle is not None else None
        if idle is not None and idle >= self.settings.idle_minutes * 60:
            return PublishedStatus("Away", "💤", "idle")
        activity = self._in_app.current() if self._in_app is not None else None
        if activity is not None:
            return describe_in_app(activity)
        fg = self._foreground
        if self.settings.share_foreground and fg is not None and fg.unsupported_reason is None:
            out = evaluate(self.rules, fg.current(), self.settings.unmatched)
            if out is not None:
                return PublishedStatus(out.text, out.emoji, "app")
        return None

    def tick(self) -> PublishedStatus | None:
        """Re-evaluate; publishes (emits) when the visible status changes; returns it."""
        now, mono = self._clock.now(), self._clock.monotonic()
        auto = self.automatic()
        if auto != self._candidate:
            self._candidate, self._candidate_since = auto, mono
        if self._manual is not None and self._manual.expired(now):
            self._manual = None
        if self._paused:
            self._publish(None, auto=False)
        elif self._manual is not None:
            m = self._manual
            self._publish(PublishedStatus(m.text, m.emoji, "manual", m.until), auto=False)
        else:
            self._tick_automatic(auto, mono)
        return self._published

    def _tick_automatic(self, auto: PublishedStatus | None, mono: float) -> None:
        settled = mono - self._candidate_since >= self.settings.dwell
        if not self._published_auto:
            # A manual status expired or a pause ended: show the settled automatic status at once,
            # or nothing until one has settled.
            self._publish(auto if settled else None, auto=True, count=settled)
            return
        if auto == self._published or not settled or not self._rate_allows(mono):
            return
        self._publish(auto, auto=True, count=True)

    def _rate_allows(self, mono: float) -> bool:
        while self._auto_times and mono - self._auto_times[0] >= self.settings.window:
            self._auto_times.popleft()
        if self._auto_times and mono - self._auto_times[-1] < self.settings.min_interval:
            return False
        return len(self._auto_times) < self.settings.burst

    def _publish(self, status: PublishedStatus | None, *, auto: bool, count: bool = False) -> None:
        self._published_auto = auto
        if count and status != self._published:
            self._auto_times.append(self._clock.monotonic())
        if status != self._published:
            self._published = status
            self.status_did_change.emit(status)
