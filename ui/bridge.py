"""Core notifications → Qt signals (qutebrowser's message bridge idea).

app/ notifies through plain-Python :class:`app.core.observer.Signal` callbacks; widgets and models
only ever connect to the Qt signals here. The store emits on the asyncio loop, which qasync runs on
the Qt main thread, so re-emitting directly is thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.client.changes import Changes
from app.client.connection import ConnectionState
from app.client.rows import OutboxItem
from app.core.errors import ApiError
from app.core.observer import Signal as CoreSignal


class Bridge(QObject):
    """One per signed-in account; owns the subscriptions to that account's core objects."""

    store_did_change = Signal(object)
    """A committed :class:`~app.client.changes.Changes` (never empty)."""
    connection_did_change = Signal(str)
    """The session's connection state, e.g. "online", "connecting", "offline"."""
    connection_state_did_change = Signal(object)
    """The whole :class:`ConnectionState` (with the next retry time) for the indicator."""
    delivery_refused = Signal(object, object)
    """The outbox's row (:class:`OutboxItem`) the server refused for good, and its ApiError."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: list[Callable[[], None]] = []

    def watch_store(self, signal: CoreSignal[[Changes]]) -> None:
        self._unsubscribe.append(signal.connect(self.store_did_change.emit))

    def watch_connection(self, signal: CoreSignal[[ConnectionState]]) -> None:
        self._unsubscribe.append(signal.connect(self._on_connection))

    def watch_refusals(self, signal: CoreSignal[[OutboxItem, ApiError]]) -> None:
        self._unsubscribe.append(signal.connect(self.delivery_refused.emit))

    def _on_connection(self, state: ConnectionState) -> None:
        self.connection_did_change.emit(state.status)
        self.connection_state_did_change.emit(state)

    def detach(self) -> None:
        """Stop listening (before the store closes, so no late emit reaches dead widgets)."""
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe.clear()
