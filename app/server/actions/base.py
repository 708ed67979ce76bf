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

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        audience: Audience,
        *,
        message_id: int | None = None,
    ) -> int:
        return events.emit(
            self.conn,
            self.emitted,
            event_type,
            payload,
            audience,
            at=self.now,
            message_id=message_id,
        )

    def wake(self, key: str) -> None:
        """Wake waiters on ``key`` without an event (a revoked device's long-poll)."""
        self.emitted.keys.add(key)


def dump(model: wire.Model) -> dict[str, Any]:
    return model.model_dump(mode="json")
