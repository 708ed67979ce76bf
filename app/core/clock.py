"""An injectable clock, so expiry, off-hours and rate limits are testable without waiting."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going backwards."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to; for tests and demos."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
        self._mono = 0.0

    def now(self) -> dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += dt.timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware datetime")
        delta = (when - self._now).total_seconds()
        self._now = when
        self._mono += max(delta, 0.0)


class FileClock:
    """A clock that reads "now" from a file holding one ISO 8601 instant, so a test or a demo can
    drive the time of *another process* (a server started as a subprocess) by rewriting the file.
    Only test and demo entry points build one (tests/helpers/clocked_server.py); the server's own
    command line always runs on the system clock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        when = dt.datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        if when.tzinfo is None:
            raise ValueError(f"{self.path} must hold a timezone-aware instant")
        return when.astimezone(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class SharedFakeClock(FakeClock):
    """A :class:`FakeClock` that also writes its time to ``path`` for :class:`FileClock` readers
    in other processes, so one fake time drives a client and its server alike."""

    def __init__(self, path: Path, start: dt.datetime | None = None) -> None:
        super().__init__(start)
        self.path = path
        self._publish()

    def _publish(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self.now().isoformat(), encoding="utf-8")
        tmp.replace(self.path)  # atomic: a reader never sees half a timestamp

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self._publish()

    def set(self, when: dt.datetime) -> None:
        super().set(when)
        self._publish()
