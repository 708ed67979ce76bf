"""One stored event as it goes out in a long-poll answer, built the same way by every read path.

The database path of each dialect and the in-memory tail (event_tail.py) splice these fragments
into ``{"events": [...], "cursor": ..., "more": ...}``, so their answers are byte for byte alike.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic_core import to_json


def sqlite_at(stored: str) -> str:
    """SQLAlchemy's stored UTC text ("2026-01-05 09:00:00.000000") as pydantic writes it."""
    text = stored.replace(" ", "T", 1)
    if text.endswith(".000000"):
        text = text[:-7]
    return text + "Z"


def utc(value: Any) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (rows of a UNION lose the column's type)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def event_fragment(seq: int, type_: str, at: Any, payload: Any) -> bytes:
    """The event's JSON object. ``at`` and ``payload`` as a row holds them: text straight from
    the SQLite driver (spliced, never parsed), or a datetime and a dict through SQLAlchemy."""
    if isinstance(payload, str):
        head = f'{{"seq":{seq},"type":{json.dumps(type_)},"at":"{sqlite_at(at)}"'
        rest = payload.strip()
        return (head + ("}" if rest == "{}" else "," + rest[1:])).encode()
    return to_json({"seq": seq, "type": type_, "at": utc(at), **payload})
