"""The event log: every change writes one or more events in the same transaction as the change.

Each event has exactly one audience: a conversation (its members who joined at or before the
event), one user, or the whole organisation. The long-poll reads events visible to the caller
after a cursor; the cursor is ``"<epoch>.<seq>"`` where the epoch names this database, so a cursor
from another server (or a wiped one) is answered ``cursor_expired`` instead of silently skipping.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from app.core.errors import BadRequest, CursorExpired
from app.server.db.schema import events, members, messages, meta
from app.server.event_json import utc

BATCH_LIMIT = 500
FIRST_WINDOW: int | None = None
"""The first seq window's width (:func:`seq_windows`); None: a few batches. Tests shrink it."""
# The advisory lock key that serialises event inserts on PostgreSQL ("cyEVENTS" as an int64).
EVENT_LOCK_KEY = 0x6379_4556_454E_5453


@dataclass
class Audience:
    """Who may see an event; exactly one of the three is set."""

    conversation_id: int | None = None
    user_id: int | None = None
    org: bool = False

    def key(self) -> str:
        if self.conversation_id is not None:
            return f"c:{self.conversation_id}"
        if self.user_id is not None:
            return f"u:{self.user_id}"
        return "org"


@dataclass
class Emitted:
    """What one transaction emitted: notifier keys to wake, and the events still to insert."""

    keys: set[str] = field(default_factory=set)
    locked: bool = False  # whether this transaction holds the event lock (PostgreSQL)
    deferred: list[dict[str, Any]] = field(default_factory=list)  # see defer()


# Built once: every change runs it, and building it per call cost more than the insert itself.
_EVENT_COLUMNS = ("type", "at", "aud_conversation_id", "aud_user_id", "aud_org", "message_id")
_INSERT_EVENTS = insert(events).values(
    {column: bindparam(column) for column in (*_EVENT_COLUMNS, "payload")}
)
_INSERT_EVENT = _INSERT_EVENTS.returning(events.c.seq)
# The same insert for psycopg itself (commit_deferred); the payload goes as json.
_PG_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join((*_EVENT_COLUMNS, 'payload'))})"
    f" VALUES ({', '.join(f'%({c})s' for c in _EVENT_COLUMNS)}, %(payload)s::json)"
)
_PG_EVENT_LOCK = f"SELECT pg_advisory_xact_lock({EVENT_LOCK_KEY})"


def _row(
    type_: str, payload: dict[str, Any], audience: Audience, at: dt.datetime, message_id: int | None
) -> dict[str, Any]:
    return {
        "type": type_,
        "at": at,
        "aud_conversation_id": audience.conversation_id,
        "aud_user_id": audience.user_id,
        "aud_org": audience.org,
        "message_id": message_id,
        "payload": payload,
    }


def emit(
    conn: Connection,
    out: Emitted,
    type_: str,
    payload: dict[str, Any],
    audience: Audience,
    *,
    at: dt.datetime,
    message_id: int | None = None,
) -> int:
    """Append one event now; returns its seq. ``payload`` is the wire event without seq/at/type.

    On PostgreSQL this takes the event lock, held to the commit (module docstring): every
    statement after it keeps other writers' events waiting. Where the seq is not needed,
    :func:`defer` keeps that wait to the commit itself.
    """
    _lock(conn, out)
    _insert_deferred(conn, out)  # events deferred before this one come first
    seq = conn.execute(_INSERT_EVENT, _row(type_, payload, audience, at, message_id)).scalar_one()
    out.keys.add(audience.key())
    return int(seq)


def defer(
    out: Emitted,
    type_: str,
    payload: dict[str, Any],
    audience: Audience,
    *,
    at: dt.datetime,
    message_id: int | None = None,
) -> None:
    """Append one event at the end of the transaction, by :func:`commit_deferred`.

    On PostgreSQL the event lock is what makes commit order seq order, so no other instance's
    event can commit while it is held. Taken at an insert in the middle of a transaction, it was
    held across every later round trip, each followed by the writer thread waiting for the GIL
    behind a busy event loop: at about 100 sends a second the lock, not the database, was the
    limit (bench/RESULTS.md). Deferred, the lock, the inserts and the COMMIT go to PostgreSQL in
    one pipeline, and the lock is held only while PostgreSQL itself runs them.
    """
    out.deferred.append(_row(type_, payload, audience, at, message_id))
    out.keys.add(audience.key())


def _lock(conn: Connection, out: Emitted) -> None:
    if not out.locked and conn.dialect.name == "postgresql":
        # Commit order = seq order (see the module docstring); released at commit or rollback.
        conn.execute(select(func.pg_advisory_xact_lock(EVENT_LOCK_KEY)))
        out.locked = True


def _insert_deferred(conn: Connection, out: Emitted) -> None:
    if out.deferred:
        rows, out.deferred = out.deferred, []
        conn.execute(_INSERT_EVENTS, rows)


def commit_deferred(conn: Connection, out: Emitted) -> None:
    """Insert the deferred events and COMMIT the transaction, in one round trip on PostgreSQL.

    The caller's own commit afterwards finds no transaction open and does nothing. On SQLite
    (one writer; no event lock) the events are inserted and the caller commits as usual.
    """
    if conn.dialect.name != "postgresql":
        _insert_deferred(conn, out)
        return
    rows, out.deferred = out.deferred, []
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.pipeline():
        if rows and not out.locked:
            driver.execute(_PG_EVENT_LOCK)
            out.locked = True
        if rows:
            with driver.cursor() as cur:
                cur.executemany(
                    _PG_INSERT_EVENT, [{**r, "payload": json.dumps(r["payload"])} for r in rows]
                )
        driver.commit()


# --- cursors ---------------------------------------------------------------------------------


def epoch(conn: Connection) -> str:
    value = conn.execute(select(meta.c.value).where(meta.c.key == "epoch")).scalar_one_or_none()
    if value is None:
        raise RuntimeError("database not initialised: run `courtyard-server init`")
    return str(value)


def encode_cursor(epoch_: str, seq: int) -> str:
    return f"{epoch_}.{seq}"


def decode_cursor(conn: Connection, cursor: str | None) -> int:
    """The seq a cursor stands for; 0 for none. Raises for a foreign or pruned cursor."""
    if not cursor:
        return 0
    head, _, tail = cursor.rpartition(".")
    if not head or not (tail.isascii() and tail.isdigit()) or len(tail) > 18:
        raise BadRequest("The cursor is not one this server handed out.", code="cursor_invalid")
    seq = int(tail)
    if head != epoch(conn):
        raise CursorExpired("The cursor belongs to another server database; fetch a snapshot.")
    pruned = conn.execute(
        select(meta.c.value).where(meta.c.key == "pruned_through")
    ).scalar_one_or_none()
    if pruned is not None and seq < int(pruned):
        raise CursorExpired("Events after this cursor were pruned by retention; fetch a snapshot.")
    if seq > head_seq(conn):
        raise BadRequest("The cursor is ahead of this server.", code="cursor_invalid")
    return seq


def head_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Visible:
    rows: list[dict[str, Any]]
    next_seq: int
    more: bool


def seq_windows(after: int, head: int, limit: int) -> Iterator[tuple[int, int]]:
    """Seq ranges ``(lo, hi]`` that cover ``(after, head]`` in order, each four times wider.

    A read takes the first ``limit`` visible events window by window instead of asking for every
    visible event after the cursor at once: with a long backlog (a client catching up on 100,000
    messages) the unbounded form collects and sorts the whole backlog to keep 500 of it. The
    first window is a few batches wide, so a client that sees most of the log fills its batch in
    one window; one that sees little of it reaches the head in a handful of growing windows.
    """
    width = FIRST_WINDOW or max(4 * limit, 256)
    lo = after
    while lo < head:
        hi = min(head, lo + width)
        yield lo, hi
        lo = hi
        width *= 4


def visible_after(conn: Connection, user_id: int, after: int, limit: int = BATCH_LIMIT) -> Visible:
    """Events the user may see with seq > after, oldest first, at most ``limit``.

    Three index range scans joined by UNION ALL (audiences are exclusive, so no duplicates), run
    over growing seq windows (:func:`seq_windows`) until ``limit`` + 1 are found or the head is
    reached. When nothing is visible, the cursor still moves to the head so the next scan starts
    late; that is sound because the read runs in one snapshot in which no seq below the head can
    still commit (module docstring).
    """
    cols = (events.c.seq, events.c.type, events.c.at, events.c.payload)
    head = head_seq(conn)
    lo, hi = bindparam("lo", type_=BigInteger), bindparam("hi", type_=BigInteger)
    in_window = and_(events.c.seq > lo, events.c.seq <= hi)
    by_conversation = (
        select(*cols)
        .select_from(
            events.join(
                members,
                and_(
                    members.c.conversation_id == events.c.aud_conversation_id,
                    members.c.user_id == user_id,
                ),
            )
        )
        .where(in_window, events.c.seq >= members.c.joined_seq)
    )
    # A personal event about a message (an urge) is shown only while the user is still a member
    # of the message's conversation: a removed member never hears of it again.
    still_member = exists().where(
        messages.c.id == events.c.message_id,
        members.c.conversation_id == messages.c.conversation_id,
        members.c.user_id == user_id,
    )
    by_user = select(*cols).where(
        events.c.aud_user_id == user_id,
        in_window,
        or_(events.c.message_id.is_(None), still_member),
    )
    by_org = select(*cols).where(events.c.aud_org == literal(True), in_window)
    merged = union_all(by_conversation, by_user, by_org).subquery()
    query = select(merged).order_by(merged.c.seq).limit(bindparam("n", type_=BigInteger))
    rows: list[Any] = []
    for window_lo, window_hi in seq_windows(after, head, limit):
        wanted = limit + 1 - len(rows)
        rows.extend(conn.execute(query, {"lo": window_lo, "hi": window_hi, "n": wanted}).mappings())
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    last = int(rows[-1]["seq"]) if rows else after
    next_seq = last if more else max(head, after, last)
    out = [
        {"seq": int(r["seq"]), "type": r["type"], "at": utc(r["at"]), **r["payload"]} for r in rows
    ]
    return Visible(out, next_seq, more)
