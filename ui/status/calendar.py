"""Keeps the user's chosen calendar read while the app runs: one feed at a time, on the Qt loop.

The feed (``app.features.status.calendar_feed``) does the reading without blocking; this object
follows the user's setting (a new location replaces the feed, an empty one removes it), runs the
feed's refresh loop as a task of the qasync loop, and turns the feed's changes into a Qt signal
for the settings dialog and the status menu. A location that cannot be used, or a calendar that
cannot be read, is a sentence in :meth:`problem` — the setting itself is kept as typed. An
address briefly unreachable while its older copy is still used is a sentence in :meth:`notice`.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal

from app.core.clock import Clock
from app.features.status.calendar_feed import CalendarFeed, parse_location
from ui.tasks import TaskGroup


class CalendarKeeper(QObject):
    did_change = Signal()
    """The calendar was replaced, read, or became unreadable."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        clock: Clock,
        every: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._zone, self._clock, self._every = zone, clock, every
        self._text: str | None = None
        self._tasks = TaskGroup("status-calendar")
        self._unsubscribe: Callable[[], None] | None = None
        self.feed: CalendarFeed | None = None
        self.location_error: str | None = None

    @property
    def running(self) -> bool:
        return self._tasks.busy

    def follow(self, text: str) -> CalendarFeed | None:
        """Read the calendar at ``text`` (a path or an address; "" for none) from now on."""
        text = text.strip()
        if text == self._text:
            return self.feed
        self.stop()
        self._text, self.location_error = text, None
        try:
            location = parse_location(text)
        except ValueError as exc:
            location = None
            self.location_error = f"The calendar “{text}” cannot be used. {exc}"
        if location is not None:
            self.feed = CalendarFeed(
                location, zone=self._zone, clock=self._clock, every=self._every
            )
            self._unsubscribe = self.feed.did_change.connect(self.did_change.emit)
            self._tasks.spawn(self.feed.run())
        self.did_change.emit()
        return self.feed

    def problem(self) -> str | None:
        """Why meetings cannot be shown now, for the user; None when all is well (or no calendar)."""
        if self.location_error is not None:
            return self.location_error
        return self.feed.problem if self.feed is not None else None

    def notice(self) -> str | None:
        """That meetings come from an older copy for now, and since when; None otherwise."""
        if self.location_error is not None or self.feed is None:
            return None
        return self.feed.notice

    def describe(self) -> str:
        """One line about the calendar for the settings: what was read, or what is wrong."""
        problem = self.problem()
        if problem is not None:
            return problem
        feed = self.feed
        if feed is None:
            return "No calendar: meetings do not change your status."
        if feed.notice is not None:
            return feed.notice
        if feed.checked_at is None:
            return f"Reading {feed.location.shown}…"
        n = feed.series
        at = feed.checked_at.astimezone(self._zone).strftime("%H:%M")
        return f"Read {n} meeting{'' if n == 1 else 's'} from {feed.location.shown} at {at}."

    def stop(self) -> None:
        """Stop reading (the window closed, or another calendar was chosen)."""
        self._tasks.cancel_all()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.feed, self._text = None, None
