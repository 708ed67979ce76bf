"""The outbox's rows: local mutations waiting for the server, kept in order across restarts.

This is only the storage half; the sender (which drains it over HTTP) lives elsewhere and calls
these through the Store. A ``send`` row is also what the GUI shows as a pending/failed message until
the server's ``message.created`` with the same ``client_msg_id`` removes it (see apply.put_message).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from app.client.changes import ChangeSet
from app.client.rows import OutboxKind
from app.client.store_errors import StoreBug

Connection = Any


def new_client_msg_id() -> str:
    return uuid.uuid4().hex


def enqueue_tx(
    conn: Connection,
    cs: ChangeSet,
    kind: OutboxKind,
    conversation_id: int,
    payload: dict[str, Any],
    client_msg_id: str,
    created_at: dt.datetime,
) -> str:
    conn.execute(
        "INSERT INTO outbox (client_msg_id, kind, conversation_id, payload, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (client_msg_id, kind, conversation_id, json.dumps(payload), created_at.isoformat()),
    )
    cs.outbox.add(client_msg_id)
    if kind == "send":
        cs.conversations.add(conversation_id)
    return client_msg_id


def _require(conn: Connection, client_msg_id: str) -> tuple[str, int]:
    row = conn.execute(
        "SELECT kind, conversation_id FROM outbox WHERE client_msg_id = ?", (client_msg_id,)
    ).fetchone()
    if row is None:
        raise StoreBug("no such outbox row")
    return str(row[0]), int(row[1])


def record_attempt_tx(conn: Connection, cs: ChangeSet, client_msg_id: str) -> int:
    """Count one more delivery attempt (network error or 5xx: retried later with the same id)."""
    _require(conn, client_msg_id)
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1 WHERE client_msg_id = ?", (client_msg_id,)
    )
    row = conn.execute(
        "SELECT attempts FROM outbox WHERE client_msg_id = ?", (client_msg_id,)
    ).fetchone()
    return int(row[0])


def mark_failed_tx(conn: Connection, cs: ChangeSet, client_msg_id: str, reason: str) -> None:
    """The server refused it (4xx): keep it, failed, with the server's reason for the user."""
    kind, cid = _require(conn, client_msg_id)
    conn.execute(
        "UPDATE outbox SET state = 'failed', error = ? WHERE client_msg_id = ?",
        (reason, client_msg_id),
    )
    cs.outbox.add(client_msg_id)
    if kind == "send":
        cs.conversations.add(cid)


def remove_tx(conn: Connection, cs: ChangeSet, client_msg_id: str) -> None:
    """Delivered (for kinds the server does not echo by client_msg_id) or discarded by the user."""
    kind, cid = _require(conn, client_msg_id)
    conn.execute("DELETE FROM outbox WHERE client_msg_id = ?", (client_msg_id,))
    cs.outbox.add(client_msg_id)
    if kind == "send":
        cs.conversations.add(cid)


def retry_tx(
    conn: Connection, cs: ChangeSet, client_msg_id: str, new_id: str, now: dt.datetime
) -> str:
    """Requeue a failed row at the end with a new id (the old id is spent on the server)."""
    row = conn.execute(
        "SELECT kind, conversation_id, payload, state FROM outbox WHERE client_msg_id = ?",
        (client_msg_id,),
    ).fetchone()
    if row is None or row[3] != "failed":
        raise StoreBug("only a failed outbox row can be retried")
    conn.execute("DELETE FROM outbox WHERE client_msg_id = ?", (client_msg_id,))
    cs.outbox.add(client_msg_id)
    return enqueue_tx(conn, cs, row[0], row[1], json.loads(row[2]), new_id, now)
