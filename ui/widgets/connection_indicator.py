"""The sidebar's connection indicator: Online, Connecting…, or Offline · retrying in N s."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from app.client.connection import ConnectionState

Now = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def describe(state: ConnectionState, now: dt.datetime) -> str:
    """The indicator's text for ``state`` at ``now``."""
    if state.status == "online":
        return "● Online"
    if state.status == "connecting":
        return "● Connecting…"
    if state.next_retry_at is None:
        return "● Offline"
    seconds = max(0, math.ceil((state.next_retry_at - now).total_seconds()))
    return f"● Offline · retrying in {seconds} s" if seconds else "● Offline · retrying…"


class ConnectionIndicator(QLabel):
    """Shows the sync service's :class:`ConnectionState`; counts the retry delay down each second.

    The ``state`` property ("online", "connecting", "offline") drives the stylesheet's colour.
    """

    def __init__(self, parent: QWidget | None = None, *, now: Now = _utc_now) -> None:
        super().__init__(parent)
        self.setObjectName("connectionLabel")
        self._now = now
        self._state = ConnectionState("offline")
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.on_tick_timeout)
        self.show_state(self._state)

    @property
    def state(self) -> ConnectionState:
        return self._state

    def show_state(self, state: ConnectionState) -> None:
        self._state = state
        self.setProperty("state", state.status)
        self.style().unpolish(self)
        self.style().polish(self)
        self._render()
        if state.status == "offline" and state.next_retry_at is not None:
            self._tick.start()
        else:
            self._tick.stop()

    def on_tick_timeout(self) -> None:
        self._render()

    def _render(self) -> None:
        self.setText(describe(self._state, self._now()))
        reason = self._state.reason
        self.setToolTip(f"Last attempt failed: {reason}" if reason else "")
