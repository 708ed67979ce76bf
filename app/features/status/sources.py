"""What the user is doing, behind small interfaces: in-app activity, foreground window, idle time.

Per-OS adapters (Win32, macOS, X11) implement :class:`ForegroundSource` elsewhere; the in-memory
sources here serve tests and demos, and :class:`CourtyardActivity` is the real in-app source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from app.core.clock import Clock

T_co = TypeVar("T_co", covariant=True)

#: A document opened from Courtyard counts as the current activity for this long (seconds).
DOCUMENT_TTL = 15 * 60.0


@dataclass(frozen=True)
class ForegroundWindow:
    """The focused window of another desktop app; raw data that never leaves the machine.

    ``app_id`` is what the OS identifies the app by (process name such as ``EXCEL.EXE``, a macOS
    bundle id, an X11 ``WM_CLASS``); ``app_name`` is its human name, when known.
    """

    app_id: str
    title: str
    app_name: str = ""


@dataclass(frozen=True)
class TopicActivity:
    """The topic open in Courtyard; ``private`` conversations are never named to others."""

    title: str
    conversation_name: str
    private: bool = False


@dataclass(frozen=True)
class DocumentActivity:
    """A document (a topic's link or an attachment) opened from Courtyard."""

    name: str
    verb: Literal["Reading", "Editing"] = "Reading"


InAppActivity = TopicActivity | DocumentActivity


class ActivitySource(Protocol[T_co]):
    """One thing the status can come from; ``current`` is cheap and called on every tick."""

    def current(self) -> T_co | None: ...


class ForegroundSource(ActivitySource[ForegroundWindow], Protocol):
    """A per-OS foreground-window reader; ``unsupported_reason`` says why it cannot work here
    (e.g. "Wayland does not let apps see other windows"), or is None when it works."""

    @property
    def unsupported_reason(self) -> str | None: ...


class IdleSource(Protocol):
    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard or mouse input; None when unknown."""
        ...


class InMemoryForeground:
    """A foreground source driven by hand (tests, demos, unsupported platforms)."""

    def __init__(
        self, window: ForegroundWindow | None = None, *, unsupported_reason: str | None = None
    ) -> None:
        self.window = window
        self._unsupported_reason = unsupported_reason

    @property
    def unsupported_reason(self) -> str | None:
        return self._unsupported_reason

    def current(self) -> ForegroundWindow | None:
        return None if self._unsupported_reason else self.window


class InMemoryIdle:
    def __init__(self, seconds: float | None = 0.0) -> None:
        self.seconds = seconds

    def idle_seconds(self) -> float | None:
        return self.seconds


class CourtyardActivity:
    """The in-app source: the UI reports what is open, this decides what is still current.

    The open topic counts only while Courtyard's window is active (a topic left open behind
    another app is stale). A document opened from Courtyard counts for ``document_ttl`` seconds,
    wherever focus is, since it is being read in another app. The more recent of the two wins.
    """

    def __init__(self, *, clock: Clock, document_ttl: float = DOCUMENT_TTL) -> None:
        self._clock = clock
        self._ttl = document_ttl
        self._topic: TopicActivity | None = None
        self._topic_at = 0.0
        self._document: DocumentActivity | None = None
        self._document_at = 0.0
        self._window_active = True

    def topic_opened(self, topic: TopicActivity) -> None:
        self._topic, self._topic_at = topic, self._clock.monotonic()

    def topic_closed(self) -> None:
        self._topic = None

    def document_opened(self, document: DocumentActivity) -> None:
        self._document, self._document_at = document, self._clock.monotonic()

    def window_active_changed(self, active: bool) -> None:
        if active and not self._window_active and self._topic is not None:
            self._topic_at = self._clock.monotonic()  # coming back to the topic is fresh activity
        self._window_active = active

    def current(self) -> InAppActivity | None:
        now = self._clock.monotonic()
        document = (
            self._document if self._document and now - self._document_at < self._ttl else None
        )
        topic = self._topic if self._window_active else None
        if document and topic:
            return document if self._document_at >= self._topic_at else topic
        return document or topic
