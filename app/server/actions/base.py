"""The transaction context every action receives: connection, time, and the events it emitted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from app.core import wire
from app.server import events
from app.server.events import Audience, Emitted


@dataclass
class Tx:
    conn: Connection
    now: dt.datetime
    emitted: Emitted = field(default_factory=Emitted)
    defer_events: bool = False
    """Events wait for :meth:`finish` (the server's PostgreSQL writes; see events.defer)."""

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        audience: Audience,
        *,
        message_id: int | None = None,
    ) -> None:
        """Record an event of this transaction (inserted now, or by :meth:`finish`)."""
        if self.defer_events:
            events.defer(
                self.emitted, event_type, payload, audience, at=self.now, message_id=message_id
            )
        else:
            self.emit_now(event_type, payload, audience, message_id=message_id)

    def emit_now(
        self,
        event_type: str,
        payload: dict[str, Any],
        audience: Audience,
        *,
        message_id: int | None = None,
    ) -> int:
        """Insert an event now and return its seq, for an action that stores it (a member's
        ``joined_seq``). On PostgreSQL this holds the event lock for the rest of the transaction."""
        return events.emit(
            self.conn,
            self.emitted,
            event_type,
            payload,
            audience,
            at=self.now,
            message_id=message_id,
        )

    def finish(self) -> None:
        """Insert the deferred events; on PostgreSQL this also commits (events.commit_deferred)."""
        if self.defer_events:
            events.commit_deferred(self.conn, self.emitted)

    def wake(self, key: str) -> None:
        """Wake waiters on ``key`` without an event (a revoked device's long-poll)."""
        self.emitted.keys.add(key)


def dump(model: wire.Model) -> dict[str, Any]:
    return model.model_dump(mode="json")
