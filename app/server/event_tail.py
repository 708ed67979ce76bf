"""The newest committed events, held in memory once per server instance, to answer woken long-polls.

A message to a group of ten wakes ten long-polls. Each used to re-read the database for "what is
new for me" — ten authenticated read transactions finding the same one event — and then its
client re-polled, another read each. Most of a server's database work under load was these
identical reads. Now one read of "every event after the last one seen" (:meth:`EventTail.ensure`)
serves all the polls it woke, each filtering the shared rows by its own memberships, and the JSON
of each event is built once.

What keeps this exact (tests/unit/server/test_poll_paths.py compares it with the database path
for every user, cursor and limit):

- Events are read in seq order after the last seq read. On SQLite one writer commits at a time;
  on PostgreSQL every event insert holds an advisory lock to its commit (events.EVENT_LOCK_KEY),
  so commit order is seq order and a later read never finds an earlier seq.
- A poll uses the tail only after reading the database in this request (token, cursor, head),
  with the memberships (and their ``joined_seq``) that read returned. If anything between its cursor and
  the tail's head could change what it may see, or whether its token is still good — a
  membership or conversation change, a user or policy change, a device wake-up — it is sent back
  to the database (:data:`FALLBACK`), as is a cursor older than what the tail holds.
- A poll never answers from the tail without a read that started after it was woken (or that
  reached the head its own database read saw), so an event whose wake-up it received is always
  in the rows it filters.

Every request still reads the database first (token, cursor and head), and the tail is read up
to that head before the poll parks, so a lost wake-up (Redis) still costs at most one hold.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection

from app.server.db.engine import Database
from app.server.event_json import event_fragment
from app.server.notifier import Notifier
from app.server.settle import settle

# Event types that change neither who may see what nor whether a token is valid. Any other type
# in a poll's range sends it to the database, which applies every rule.
MEMBERSHIP_NEUTRAL: Final = frozenset(
    {
        "message.created",
        "message.updated",
        "message.urged",
        "receipt.read",
        "topic.created",
        "topic.updated",
        "status.updated",
        "availability.updated",
    }
)
CAPACITY = 20_000
"""Events held; past it only the newest half is kept (at 2,000 events/s, five seconds or more)."""
READ_PAGE = 2_000


class _Fallback:
    def __repr__(self) -> str:
        return "FALLBACK"


FALLBACK: Final = _Fallback()
"""The tail cannot answer this poll exactly: read the database."""


@dataclass(frozen=True, slots=True)
class TailEvent:
    seq: int
    conversation_id: int | None  # audience: a conversation's members
    user_id: int | None  # audience: one user
    org: bool  # audience: everyone
    about_message: bool  # a personal event about a message (shown only to its members)
    message_conversation_id: int | None  # that message's conversation (None: it is gone)
    neutral: bool  # type in MEMBERSHIP_NEUTRAL
    json: bytes  # the event as it goes out


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes | None  # None: nothing visible yet
    cursor: str  # the cursor to continue from


_SQLITE_TAIL = (
    "SELECT e.seq, e.type, e.at, e.aud_conversation_id, e.aud_user_id, e.aud_org,"
    " e.message_id, m.conversation_id, e.payload"
    " FROM events AS e LEFT JOIN messages AS m ON m.id = e.message_id"
    " WHERE e.seq > ? ORDER BY e.seq LIMIT ?"
)
# The same statements for Database.fetch_all/fetch_one (PostgreSQL: on the loop).
_TAIL_SQL = {"sqlite": _SQLITE_TAIL, "postgresql": _SQLITE_TAIL.replace("?", "%s")}
_SQLITE_HEAD = "SELECT coalesce(max(seq), 0) FROM events"
_HEAD_SQL = {"sqlite": _SQLITE_HEAD, "postgresql": _SQLITE_HEAD}


def read_after(conn: Connection, after: int | None) -> tuple[int, list[TailEvent]]:
    """``(head, events after `after`)`` on SQLite; with ``after`` None only the head (a new
    tail's start). PostgreSQL's tail reads on the loop (:func:`read_after_async`)."""
    return read_after_sqlite(conn.connection.driver_connection, "sqlite", after)


def read_after_sqlite(
    driver: Any, _dialect: str, after: int | None, max_pages: int | None = None
) -> tuple[int, list[TailEvent]]:
    """:func:`read_after` on a SQLite DB-API connection, outside a transaction: events are
    appended in seq order by one writer, so each page's own snapshot is as good as one for all.
    ``max_pages`` bounds the work when it runs on the loop (:meth:`Database.read_one`)."""
    if after is None:
        return int(driver.execute(_SQLITE_HEAD).fetchone()[0]), []
    return _pages(
        lambda last: driver.execute(_SQLITE_TAIL, (last, READ_PAGE)).fetchall(), after, max_pages
    )


async def read_after_async(db: Database, after: int | None) -> tuple[int, list[TailEvent]]:
    """:func:`read_after` through :meth:`Database.fetch_all`: on PostgreSQL on the loop, one
    statement per page, each outside a transaction. Sound because every event insert holds the
    event lock to its commit (module docstring): a later page never finds an earlier seq."""
    if after is None:
        row = await db.fetch_one(_HEAD_SQL, ())
        return int(row[0]), []
    out: list[TailEvent] = []
    last = after
    while True:
        rows = await db.fetch_all(_TAIL_SQL, (last, READ_PAGE))
        last = _append_events(out, rows, last)
        if len(rows) < READ_PAGE:
            return last, out


def _pages(
    page: Callable[[int], Any], after: int, max_pages: int | None = None
) -> tuple[int, list[TailEvent]]:
    out: list[TailEvent] = []
    last = after
    pages = 0
    while max_pages is None or pages < max_pages:
        pages += 1
        rows = page(last)
        last = _append_events(out, rows, last)
        if len(rows) < READ_PAGE:
            break
    return last, out


def _append_events(out: list[TailEvent], rows: Any, last: int) -> int:
    """Append the tail statement's ``rows`` to ``out``; returns the last seq read."""
    for seq, type_, at, conv, user, org, message_id, msg_conv, payload in rows:
        out.append(
            TailEvent(
                seq=int(seq),
                conversation_id=conv,
                user_id=user,
                org=bool(org),
                about_message=message_id is not None,
                message_conversation_id=msg_conv,
                neutral=type_ in MEMBERSHIP_NEUTRAL,
                json=event_fragment(int(seq), type_, at, payload),
            )
        )
    return out[-1].seq if rows else last


class EventTail:
    """One instance's window of the newest events, refreshed on demand by woken polls."""

    def __init__(self, db: Database, notifier: Notifier, capacity: int = CAPACITY) -> None:
        self._db = db
        self._notifier = notifier
        self._capacity = capacity
        self._events: list[TailEvent] = []
        self._seqs: list[int] = []
        self.floor: int | None = None  # events after this seq (up to head) are all held
        self.head = 0
        self._read_generation = -1  # notifier generation seen before the last completed read
        self._inflight: asyncio.Future[None] | None = None
        self._waiting: list[asyncio.Future[None]] = []  # callers of ensure() for _inflight

    async def ensure(self, *, generation: int = -1, head: int = 0) -> None:
        """Return once a read that started at notifier generation >= ``generation`` completed and
        every event up to seq ``head`` is held. Concurrent callers share one read."""
        while self._read_generation < generation or self.floor is None or self.head < head:
            # Each caller waits on a future of its own, so a poll that goes away cancels only
            # that (``asyncio.shield`` per caller did the same at twice the cost, py-spy).
            done = asyncio.get_running_loop().create_future()
            self._waiting.append(done)
            if self._inflight is None:
                self._inflight = asyncio.ensure_future(self._refresh())
            await done

    async def _refresh(self) -> None:
        generation = self._notifier.generation
        try:
            after = self.head if self.floor is not None else None
            if self._db.is_sqlite:  # one page on the loop when it can (Database.read_one)
                head, new = await self._db.read_one(read_after_sqlite, after, 1)
                if len(new) == READ_PAGE:  # a backlog: the rest on a reader thread
                    head, rest = await self._db.read(read_after, head)
                    new += rest
            else:
                head, new = await read_after_async(self._db, after)
            self.add(head, new)
            self._read_generation = max(self._read_generation, generation)
        except BaseException as exc:
            self._release(exc)  # the waiting callers raise it: nobody awaits this task itself
            if not isinstance(exc, Exception):
                raise
        else:
            self._release(None)
        finally:
            self._inflight = None

    def _release(self, error: BaseException | None) -> None:
        """Answer everyone who waited on this read: return, or raise its error."""
        waiting, self._waiting = self._waiting, []
        for done in waiting:
            settle(done, error=error)

    def add(self, head: int, new: list[TailEvent]) -> None:
        """Append what a read found (``read_after``'s result)."""
        if self.floor is None:
            self.floor = self.head = head
        for event in new:
            if event.seq > self.head:
                self._events.append(event)
                self._seqs.append(event.seq)
        self.head = max(self.head, head)
        if len(self._events) > self._capacity:
            cut = len(self._events) - self._capacity // 2  # keep the newest half
            self.floor = self._seqs[cut - 1]
            del self._events[:cut], self._seqs[:cut]

    def answer(
        self, epoch: str, after: int, user_id: int, joined: Mapping[int, int], limit: int
    ) -> Answer | _Fallback:
        """What the database path would answer ``user_id`` (a member of ``joined``: conversation →
        joined_seq) for events after ``after``, as of this tail's head."""
        if self.floor is None or after < self.floor:
            return FALLBACK
        start = bisect.bisect_right(self._seqs, after)
        picked: list[bytes] = []
        more = False
        last = after
        for event in self._events[start:]:
            if not event.neutral:
                return FALLBACK
            if more:
                continue  # keep checking the rest of the range for changes of membership
            if event.conversation_id is not None:
                joined_seq = joined.get(event.conversation_id)
                visible = joined_seq is not None and event.seq >= joined_seq
            elif event.user_id is not None:
                visible = event.user_id == user_id and (
                    not event.about_message or event.message_conversation_id in joined
                )
            else:
                visible = event.org
            if visible:
                if len(picked) == limit:
                    more = True
                else:
                    picked.append(event.json)
                    last = event.seq
        if not picked:
            return Answer(None, f"{epoch}.{max(self.head, after)}")
        cursor = f"{epoch}.{last if more else max(self.head, after)}"
        body = b'{"events":[%s],"cursor":"%s","more":%s}' % (
            b",".join(picked),
            cursor.encode(),
            b"true" if more else b"false",
        )
        return Answer(body, cursor)
