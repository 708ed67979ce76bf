"""The running workday status: ticks the engine, feeds it what is open, publishes calmly.

One per signed-in window. Every second (a QTimer on the GUI thread, where the engine's sources
are cheap to read) it tells the in-app source which topic the main window shows and whether the
window is active, ticks :class:`~app.features.status.StatusEngine`, and hands every change of
the visible status to :class:`~app.client.status_publisher.StatusPublisher`, which coalesces and
backs off. Only the engine's output is published: a rule's output, the user's own words, or
nothing. The raw foreground window is read here only for the owner's own "from <app>" label and
the rules editor's preview; it never leaves the machine.

Incoming ``status.updated`` events need nothing from here: the sync service stores them on the
user row, and the store's change notification refreshes :class:`~ui.people.People` and so every
list that shows names.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QTimer, QTimeZone, Signal
from PySide6.QtWidgets import QWidget

from app.client.status_publisher import PublishProgress, StatusApi, StatusPublisher
from app.core.clock import Clock, SystemClock
from app.core.wire import UserStatus
from app.features.status import (
    CalendarSource,
    CourtyardActivity,
    DocumentActivity,
    ForegroundSource,
    ForegroundWindow,
    IdleSource,
    InMemoryForeground,
    ManualStatus,
    PublishedStatus,
    StatusEngine,
    StatusSettings,
    TopicActivity,
)
from app.features.status.rules import deciding_rule
from app.features.status.wording import source_label, to_wire
from ui.status.calendar import CalendarKeeper
from ui.status.preferences import StatusPreferences, StatusPreferencesStore

log = logging.getLogger(__name__)
TICK_MS = 1000
OpenTopic = Callable[[], TopicActivity | None]


def local_zone() -> ZoneInfo:
    """The computer's time zone (manual expiry choices and meeting times are local)."""
    try:
        return ZoneInfo(QTimeZone.systemTimeZoneId().data().decode())
    except (ValueError, OSError, LookupError):
        return ZoneInfo("UTC")


@dataclass
class StatusSources:
    """What the engine may look at besides Courtyard itself; each one injectable for tests."""

    foreground: ForegroundSource | None = None
    idle: IdleSource | None = None
    calendar: CalendarSource | None = None

    @classmethod
    def of_this_desktop(cls) -> StatusSources:
        from app.features.status.platform import foreground_source, idle_source

        return cls(foreground=foreground_source(), idle=idle_source())


class StatusService(QObject):
    """Owns the engine and the publisher of one account."""

    status_did_change = Signal(object)
    """The status colleagues now see (:class:`PublishedStatus` or None), as decided locally."""
    preferences_did_change = Signal(object)
    publish_progress_did_change = Signal(object)
    calendar_did_change = Signal()
    """The user's calendar was read again, replaced, or cannot be read (see ``calendar``)."""

    def __init__(
        self,
        *,
        api: StatusApi,
        open_topic: OpenTopic,
        sources: StatusSources | None = None,
        preferences: StatusPreferencesStore | None = None,
        timing: StatusSettings | None = None,
        clock: Clock | None = None,
        zone: ZoneInfo | None = None,
        publisher: StatusPublisher | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock or SystemClock()
        self.zone = zone or local_zone()
        self.sources = sources or StatusSources()
        self._open_topic = open_topic
        self._prefs_store = preferences or StatusPreferencesStore()
        self._timing = timing or StatusSettings()
        self.prefs = self._prefs_store.load()
        self.activity = CourtyardActivity(clock=self.clock)
        self._topic: TopicActivity | None = None
        self._app_label = ""
        self.engine = StatusEngine(
            clock=self.clock,
            zone=self.zone,
            in_app=self.activity,
            foreground=self.sources.foreground,
            idle=self.sources.idle,
            calendar=self.sources.calendar,
            rules=self.prefs.rules,
            settings=self._engine_settings(self.prefs),
        )
        self.publisher = publisher or StatusPublisher(api)
        self._unsubscribe = [
            self.engine.status_did_change.connect(self._on_engine_status),
            self.publisher.progress_did_change.connect(self._on_publish_progress),
        ]
        if self.prefs.paused:
            self.engine.pause()
        self.calendar = CalendarKeeper(zone=self.zone, clock=self.clock, parent=self)
        """The calendar the user chose in the settings (unused when ``sources`` brings one)."""
        self.calendar.did_change.connect(self.calendar_did_change)
        self._started = False
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    def _engine_settings(self, prefs: StatusPreferences) -> StatusSettings:
        t = self._timing
        return StatusSettings(
            dwell=t.dwell,
            min_interval=t.min_interval,
            burst=t.burst,
            window=t.window,
            idle_minutes=prefs.idle_minutes,
            share_foreground=prefs.share_foreground,
            unmatched=prefs.unmatched,
            share_meeting_titles=t.share_meeting_titles,
        )

    # --- life -------------------------------------------------------------------------------

    def start(self, *, stored: UserStatus | None = None) -> None:
        """Begin ticking and publishing. ``stored`` is what the server last had for us (from
        the local copy): a manual status that has not expired is kept; an automatic one from a
        previous run is replaced by what is true now (nothing, until a new status settles)."""
        if stored is not None:
            self.publisher.assume_sent(to_wire(_as_published(stored)))
            expired = stored.expires_at is not None and stored.expires_at <= self.clock.now()
            if stored.source == "manual" and not expired:
                self.engine.set_manual(ManualStatus(stored.text, stored.emoji, stored.expires_at))
            elif not self.engine.paused:
                self.publisher.publish(None)
        if self.engine.paused:
            self.publisher.publish(None)
        self._started = True
        self._follow_calendar()
        self.publisher.start()
        self._timer.start()
        self.tick()

    async def aclose(self, *, flush_timeout: float = 2.0) -> None:
        """Stop; an automatic status is cleared on the way out (it stops being true when the
        app is gone), a manual one stays until it expires."""
        self._timer.stop()
        self.calendar.stop()
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe.clear()
        published = self.engine.published
        if published is not None and published.source != "manual":
            self.publisher.publish(None)
        await self.publisher.flush(flush_timeout)
        await self.publisher.aclose()

    def on_document_opened(self, name: str) -> None:
        """A document opened from Courtyard (a topic's link): "Reading: <name>" for a while."""
        self.activity.document_opened(DocumentActivity(name))

    def watch_window(self, window: QWidget) -> None:
        """Follow the main window's activation: an open topic counts only while it is active."""
        window.installEventFilter(self)
        self.activity.window_active_changed(window.isActiveWindow())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ActivationChange and isinstance(watched, QWidget):
            self.activity.window_active_changed(watched.isActiveWindow())
        elif event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def stop(self) -> None:
        """The window closed: stop ticking and publishing here (``aclose`` also clears an
        automatic status; this only makes sure nothing runs on behind a closed window)."""
        self._timer.stop()
        self.calendar.stop()
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe.clear()
        self.publisher.cancel()

    # --- ticking ----------------------------------------------------------------------------

    def tick(self) -> PublishedStatus | None:
        topic = self._open_topic()
        if topic != self._topic:
            self._topic = topic
            if topic is None:
                self.activity.topic_closed()
            else:
                self.activity.topic_opened(topic)
        return self.engine.tick()

    def _on_engine_status(self, status: PublishedStatus | None) -> None:
        self._app_label = ""
        if status is not None and status.source == "app":
            window = self.foreground_window()  # the window the engine has just read
            rule = deciding_rule(self.prefs.rules, window)
            self._app_label = rule.name if rule else (window.app_name if window else "")
        self.publisher.publish(to_wire(status))
        self.status_did_change.emit(status)

    def _on_publish_progress(self, progress: PublishProgress) -> None:
        self.publish_progress_did_change.emit(progress)

    # --- what the user controls -------------------------------------------------------------

    @property
    def published(self) -> PublishedStatus | None:
        return self.engine.published

    @property
    def paused(self) -> bool:
        return self.engine.paused

    def set_manual(self, status: ManualStatus | None) -> None:
        self.engine.set_manual(status)

    def set_paused(self, paused: bool) -> None:
        if paused == self.engine.paused:
            return
        if paused:
            self.engine.pause()
        else:
            self.engine.resume()
        self.set_preferences(self.prefs.with_(paused=paused))

    def set_preferences(self, prefs: StatusPreferences) -> None:
        self.prefs = prefs
        self._prefs_store.save(prefs)
        self.engine.rules = prefs.rules
        self.engine.settings = self._engine_settings(prefs)
        if self._started:
            self._follow_calendar()
        self.tick()
        self.preferences_did_change.emit(prefs)

    def _follow_calendar(self) -> None:
        """Read the calendar the preferences name, unless the sources bring their own (tests)."""
        if self.sources.calendar is None:
            self.engine.calendar = self.calendar.follow(self.prefs.calendar)

    # --- what the owner sees (never sent) ---------------------------------------------------

    def foreground_window(self) -> ForegroundWindow | None:
        fg = self.sources.foreground
        if fg is None or fg.unsupported_reason is not None:
            return None
        return fg.current()

    def foreground_unsupported(self) -> str | None:
        fg = self.sources.foreground
        return "this desktop is not supported" if fg is None else fg.unsupported_reason

    def preview_now(
        self, prefs: StatusPreferences, window: ForegroundWindow | None
    ) -> PublishedStatus | None:
        """What the engine would pick right now under ``prefs`` if ``window`` were in front:
        the same precedence (meeting, idle, Courtyard's topic, the window), without dwell."""
        probe = StatusEngine(
            clock=self.clock,
            zone=self.zone,
            in_app=self.activity,
            foreground=InMemoryForeground(window),
            idle=self.sources.idle,
            calendar=self.engine.calendar,
            rules=prefs.rules,
            settings=self._engine_settings(prefs),
        )
        return probe.automatic()

    def describe_source(self, now: dt.datetime | None = None) -> str:
        return source_label(
            self.engine.published,
            paused=self.engine.paused,
            zone=self.zone,
            now=now or self.clock.now(),
            app_label=self._app_label,
        )


def _as_published(stored: UserStatus) -> PublishedStatus | None:
    if stored.source == "presence":
        return None
    return PublishedStatus(stored.text, stored.emoji, stored.source, stored.expires_at)
