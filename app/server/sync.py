"""What a client syncs with: the snapshot, and the long-poll over the event log."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Connection, bindparam, func, select

from app.core import wire
from app.core.errors import BadRequest, CursorExpired, Unauthorized
from app.server import events, queries
from app.server.auth import INVALID_TOKEN, Caller
from app.server.db.schema import events as events_table
from app.server.db.schema import members, meta, read_state
from app.server.event_json import event_fragment
from app.server.event_tail import Answer, EventTail
from app.server.service import Service

log = logging.getLogger(__name__)

SNAPSHOT_PAGE = 50


def snapshot(conn: Connection, caller: Caller, *, now: dt.datetime | None = None) -> wire.Snapshot:
    """The caller's whole state, read in one transaction together with the cursor it is valid at;
    presence as of ``now`` (the service's clock)."""
    cursor = events.encode_cursor(events.epoch(conn), events.head_seq(conn))
    convs = queries.conversations_of(conn, caller.user_id)
    ids = [c.id for c in convs]
    markers: list[wire.ReadMarker] = []
    page: list[wire.Message] = []
    has_more: dict[int, bool] = {}
    if ids:
        for cid, uid, up_to, read_at in conn.execute(
            select(
                read_state.c.conversation_id,
                read_state.c.user_id,
                read_state.c.up_to,
                read_state.c.read_at,
            )
            .where(read_state.c.conversation_id.in_(ids))
            .order_by(read_state.c.conversation_id, read_state.c.user_id)
        ):
            markers.append(
                wire.ReadMarker(conversation_id=cid, user_id=uid, up_to=up_to, read_at=read_at)
            )
    for cid in ids:
        latest = queries.message_page(conn, cid, None, SNAPSHOT_PAGE)
        page.extend(latest.messages)
        has_more[cid] = latest.has_more
    return wire.Snapshot(
        cursor=cursor,
        me=queries.load_user(conn, caller.user_id, now=now),
        users=queries.all_users(conn, now=now),
        conversations=convs,
        topics=queries.topics_in(conn, ids),
        read_markers=markers,
        messages=page,
        has_more=has_more,
        policy=queries.policy(conn),
    )


@dataclass
class _Poll:
    body: bytes | None  # the answer, when there is one
    cursor: str  # where the next read starts
    keys: list[str] | None  # what to wait on when there is nothing to answer with
    joined: dict[int, int] | None = None  # then: conversation → joined_seq, for the event tail
    user_id: int = 0  # and whose poll it is
    head: int = 0  # the database's head seq when events were left to the event tail to pick

    @property
    def device_key(self) -> str:
        assert self.keys is not None
        return self.keys[1]


def _waiting(conn: Connection, caller: Caller, cursor: str, head: int = 0) -> _Poll:
    """Nothing to answer (yet): what to wait on, and the memberships the event tail filters by."""
    if conn.dialect.name == "sqlite":  # every re-poll parks here: skip building the statement
        driver = conn.connection.driver_connection
        assert driver is not None
        rows = driver.execute(_SQLITE_MEMBERSHIPS, (caller.user_id,)).fetchall()
    else:
        rows = list(conn.execute(_MEMBERSHIPS, {"user_id": caller.user_id}))
    joined = {int(cid): int(seq) for cid, seq in rows}
    keys = [f"u:{caller.user_id}", f"d:{caller.device_id}", "org"]
    keys += [f"c:{cid}" for cid in joined]
    return _Poll(None, cursor, keys, joined, caller.user_id, head)


def _poll_once(
    conn: Connection, caller: Caller, cursor: str | None, limit: int, tail_floor: int | None = None
) -> _Poll:
    """One read: the visible events after ``cursor``, or the keys to wait on if there are none.

    With ``tail_floor`` (the event tail holds every event after it) and a cursor at or past it,
    only the token, the cursor and the memberships are read; the poll then takes its events from
    the tail, up to at least the ``head`` read here.
    """
    if tail_floor is not None:
        epoch, pruned, head = _head_row(conn)
        after = _cursor_seq(cursor, epoch, pruned, head)
        if after >= tail_floor:
            return _waiting(conn, caller, events.encode_cursor(epoch, after), head)
    if conn.dialect.name == "sqlite":
        return _poll_sqlite(conn, caller, cursor, limit)
    after = events.decode_cursor(conn, cursor)
    visible = events.visible_after(conn, caller.user_id, after, limit)
    # decode_cursor has checked a given cursor's epoch against this database's: no second read.
    epoch = cursor.rpartition(".")[0] if cursor else events.epoch(conn)
    next_cursor = events.encode_cursor(epoch, visible.next_seq)
    if not visible.rows:
        return _waiting(conn, caller, next_cursor)
    body = to_json({"events": visible.rows, "cursor": next_cursor, "more": visible.more})
    return _Poll(body, next_cursor, None)


_MEMBERSHIPS = select(members.c.conversation_id, members.c.joined_seq).where(
    members.c.user_id == bindparam("user_id")
)
_PORTABLE_HEAD = select(
    select(meta.c.value).where(meta.c.key == "epoch").scalar_subquery(),
    select(meta.c.value).where(meta.c.key == "pruned_through").scalar_subquery(),
    select(func.coalesce(func.max(events_table.c.seq), 0)).scalar_subquery(),
)


def _head_row(conn: Connection) -> tuple[str, str | None, int]:
    """(epoch, pruned_through, head seq) in one statement."""
    if conn.dialect.name == "sqlite":
        driver = conn.connection.driver_connection
        assert driver is not None
        epoch, pruned, head = driver.execute(_SQLITE_HEAD).fetchone()
    else:
        epoch, pruned, head = conn.execute(_PORTABLE_HEAD).one()
    if epoch is None:
        raise RuntimeError("database not initialised: run `courtyard-server init`")
    return str(epoch), None if pruned is None else str(pruned), int(head)


# --- the SQLite fast path --------------------------------------------------------------------
# Every long-poll answer and every re-poll runs this, so it is written against the driver: two
# statements (cursor check, events) instead of six built and compiled by SQLAlchemy per call, and
# the stored payload JSON is spliced into the answer as it is, never parsed and dumped again. It
# keeps the rules of events.decode_cursor and events.visible_after (including: a personal event
# about a message is hidden once the user left its conversation), so a change to those rules
# must be made here too; the PostgreSQL path above uses those functions themselves.

_SQLITE_MEMBERSHIPS = "SELECT conversation_id, joined_seq FROM members WHERE user_id = ?"
_SQLITE_HEAD = (
    "SELECT (SELECT value FROM meta WHERE key = 'epoch'),"
    " (SELECT value FROM meta WHERE key = 'pruned_through'),"
    " (SELECT coalesce(max(seq), 0) FROM events)"
)
_SQLITE_VISIBLE = (
    "SELECT seq, type, at, payload FROM ("
    " SELECT e.seq AS seq, e.type AS type, e.at AS at, e.payload AS payload"
    "  FROM members AS m JOIN events AS e"
    "  ON e.aud_conversation_id = m.conversation_id AND e.seq > ?1 AND e.seq <= ?4"
    "  AND e.seq >= m.joined_seq"
    "  WHERE m.user_id = ?2"
    " UNION ALL SELECT seq, type, at, payload FROM events"
    "  WHERE aud_user_id = ?2 AND seq > ?1 AND seq <= ?4"
    "  AND (message_id IS NULL OR EXISTS (SELECT 1 FROM messages AS x JOIN members AS xm"
    "   ON xm.conversation_id = x.conversation_id AND xm.user_id = ?2"
    "   WHERE x.id = events.message_id))"
    " UNION ALL SELECT seq, type, at, payload FROM events"
    "  WHERE aud_org = 1 AND seq > ?1 AND seq <= ?4"
    ") ORDER BY seq LIMIT ?3"
)


def _cursor_seq(cursor: str | None, epoch: str, pruned: str | None, head: int) -> int:
    """events.decode_cursor's rules over values already read."""
    if not cursor:
        return 0
    prefix, _, tail = cursor.rpartition(".")
    if not prefix or not (tail.isascii() and tail.isdigit()) or len(tail) > 18:
        raise BadRequest("The cursor is not one this server handed out.", code="cursor_invalid")
    seq = int(tail)
    if prefix != epoch:
        raise CursorExpired("The cursor belongs to another server database; fetch a snapshot.")
    if pruned is not None and seq < int(pruned):
        raise CursorExpired("Events after this cursor were pruned by retention; fetch a snapshot.")
    if seq > head:
        raise BadRequest("The cursor is ahead of this server.", code="cursor_invalid")
    return seq


def _poll_sqlite(conn: Connection, caller: Caller, cursor: str | None, limit: int) -> _Poll:
    driver = conn.connection.driver_connection
    assert driver is not None
    epoch, pruned, head = _head_row(conn)
    after = _cursor_seq(cursor, epoch, pruned, head)
    rows: list[tuple[int, str, str, str]] = []
    for lo, hi in events.seq_windows(after, int(head), limit):
        wanted = limit + 1 - len(rows)
        rows.extend(driver.execute(_SQLITE_VISIBLE, (lo, caller.user_id, wanted, hi)))
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    last = int(rows[-1][0]) if rows else after
    next_cursor = events.encode_cursor(epoch, last if more else max(int(head), after, last))
    if not rows:
        return _waiting(conn, caller, next_cursor)
    parts = b",".join(
        event_fragment(int(seq), type_, at, payload) for seq, type_, at, payload in rows
    )
    body = b'{"events":[%s],"cursor":"%s","more":%s}' % (
        parts,
        next_cursor.encode(),
        b"true" if more else b"false",
    )
    return _Poll(body, next_cursor, None)


async def long_poll(
    service: Service, token_hash: str | None, cursor: str | None, wait: float, limit: int
) -> bytes:
    """Events after ``cursor`` as an ``EventBatch`` in JSON; if none, wait up to ``wait`` s for some.

    Every request first reads the database, which checks the token and the cursor. The events
    themselves come from the instance's event tail (event_tail.py) when it holds the cursor's
    range and nothing in it needs the database's rules; otherwise from the database. A poll woken
    by its device (sign-out, revocation) always reads the database, so a token revoked while its
    long-poll waits gets 401 at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(max(wait, 0.0), service.max_wait)
    notifier = service.notifier
    tail = service.event_tail
    if tail.floor is None:  # the instance's first poll starts the tail, so polls can use it
        with contextlib.suppress(Exception):  # the read below meets and reports any trouble
            await tail.ensure()
    generation = notifier.generation
    poll = await _first_read(service, token_hash, cursor, limit, tail.floor)
    while True:
        if poll.keys is None:
            assert poll.body is not None
            return poll.body
        if poll.head:  # the first read left the events to the tail
            answered = await _from_tail(tail, poll, limit, head=poll.head)
            poll.head = 0
            if answered is None:
                poll = await service.read(token_hash, _poll_once, poll.cursor, limit)
                continue
            if answered.body is not None:
                return answered.body
            poll.cursor = answered.cursor
        remaining = deadline - loop.time()
        if remaining <= 0:
            return to_json({"events": [], "cursor": poll.cursor, "more": False})
        assert poll.keys is not None
        waiter = notifier.subscribe(poll.keys)
        try:
            woken = notifier.changed_since(waiter, generation) or await waiter.wait(remaining)
            # The token must be checked again after a wake-up about its device.
            use_tail = woken and not notifier.touched_since(poll.device_key, generation)
        finally:
            notifier.unsubscribe(waiter)
        if not woken:
            continue  # held for the whole wait: answer "nothing new"
        generation = notifier.generation
        answered = await _from_tail(tail, poll, limit, generation=generation) if use_tail else None
        if answered is None:
            poll = await service.read(token_hash, _poll_once, poll.cursor, limit)
        elif answered.body is not None:
            return answered.body
        else:
            poll.cursor = answered.cursor


async def _first_read(
    service: Service, token_hash: str | None, cursor: str | None, limit: int, floor: int | None
) -> _Poll:
    if floor is not None and token_hash:
        row = await service.first_reads.row(token_hash)
        poll = _first_read_poll(row, cursor, floor)
        if poll is not None:
            return poll
    return await service.read(token_hash, _poll_once, cursor, limit, floor)


def _first_read_poll(row: Any, cursor: str | None, floor: int) -> _Poll | None:
    """A poll's first read (``first_read.SQL``'s row) when the event tail can give its events:
    token, cursor, head and memberships. None if the cursor is older than the tail (then the
    full read runs)."""
    if row is None:
        raise Unauthorized(INVALID_TOKEN)
    device_id, user_id, epoch, pruned, head, memberships = row
    if epoch is None:
        raise RuntimeError("database not initialised: run `courtyard-server init`")
    after = _cursor_seq(cursor, epoch, pruned, int(head))
    if after < floor:
        return None
    joined, conversation_keys = _parse_memberships(memberships or "")
    keys = [f"u:{user_id}", f"d:{device_id}", "org", *conversation_keys]
    return _Poll(None, f"{epoch}.{after}", keys, joined, int(user_id), int(head))


@functools.lru_cache(maxsize=8192)
def _parse_memberships(text: str) -> tuple[dict[int, int], tuple[str, ...]]:
    """``"cid:joined_seq,..."`` as {conversation: joined_seq} and its notifier keys.

    Cached by the text: a user's memberships rarely change between two of their polls, and
    parsing them was a tenth of a poll's cost under load (py-spy). The dict is shared; nobody
    changes it.
    """
    joined: dict[int, int] = {}
    for pair in text.split(",") if text else ():
        cid, _, seq = pair.partition(":")
        joined[int(cid)] = int(seq)
    return joined, tuple(f"c:{cid}" for cid in joined)


async def _from_tail(
    tail: EventTail, poll: _Poll, limit: int, *, generation: int = -1, head: int = 0
) -> Answer | None:
    """The poll's answer from the event tail, once the tail has read past the wake-up at notifier
    ``generation`` and up to ``head``; None when only the database can give it."""
    if poll.joined is None:
        return None
    epoch, _, seq = poll.cursor.rpartition(".")
    try:
        await tail.ensure(generation=generation, head=head)
    except Exception:  # the database path will meet the same trouble and report it properly
        log.warning("event tail read failed; answering from the database", exc_info=True)
        return None
    answered = tail.answer(epoch, int(seq), poll.user_id, poll.joined, limit)
    return answered if isinstance(answered, Answer) else None
