"""The server's collaborators wired together, and the one way a request touches the database.

``Service.write(token, action, ...)`` resolves the caller from the token and runs the action in the
same transaction (``Database.write`` decides where: on SQLite the statements run on the loop and
the COMMIT on a thread, on PostgreSQL all on a writer thread). After the commit it wakes the
long-polls the action's events concern.

On SQLite (one writer) concurrent writes are group-committed: the writes that queued while the
writer was busy run next as one transaction, each inside its own SAVEPOINT, with one COMMIT and so
one fsync for all of them. Each action stays atomic (a failing one rolls back to its savepoint and
only its caller sees the error) and nobody is answered before the COMMIT that made them durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from app.core.clock import Clock, SystemClock
from app.core.errors import Forbidden
from app.server import auth
from app.server.actions.base import Tx
from app.server.auth import Caller, LoginLimiter
from app.server.db.engine import Database
from app.server.event_tail import EventTail
from app.server.first_read import FirstReads
from app.server.notifier import LocalNotifier, Notifier

P = ParamSpec("P")
T = TypeVar("T")

# A bound on one group commit, so the first write of a burst is not held back by hundreds.
GROUP_LIMIT = 64

_Work = Callable[[Connection], tuple[Any, Tx]]
_Outcome = tuple[bool, Any]  # (committed, (result, tx)) or (False, the exception)


def _run_group(conn: Connection, group: list[_Work]) -> list[_Outcome]:
    """Run each write under its own savepoint in the caller's transaction.

    The savepoints are issued to the SQLite driver directly: SQLAlchemy's ``begin_nested`` cost
    more than the rest of a send's statements together, and group commit only runs on SQLite.
    An action's own ``begin_nested`` still works inside (SQLite savepoints nest by name).
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    outcomes: list[_Outcome] = []
    for work in group:
        driver.execute("SAVEPOINT cy_group")
        try:
            value = work(conn)
        except Exception as exc:  # the caller's error to raise: its own writes are undone
            driver.execute("ROLLBACK TO cy_group")
            driver.execute("RELEASE cy_group")
            outcomes.append((False, exc))
        else:
            driver.execute("RELEASE cy_group")
            outcomes.append((True, value))
    return outcomes


class _GroupCommit:
    """Queues writes on the event loop and commits them in groups, one group at a time."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self._queue: list[tuple[_Work, asyncio.Future[Any]]] = []
        self._busy = False
        self._task: asyncio.Task[None] | None = None  # held so the loop cannot drop it

    async def submit(self, work: _Work) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if not self._busy:
            self._busy = True
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[:GROUP_LIMIT], self._queue[GROUP_LIMIT:]
                await self._commit(batch)
        finally:
            self._busy = False

    async def _commit(self, batch: list[tuple[_Work, asyncio.Future[Any]]]) -> None:
        db = self._service.db
        try:
            if len(batch) == 1:  # alone: no savepoint; an error rolls the transaction back
                work = batch[0][0]
                outcomes: list[_Outcome] = []
                try:
                    outcomes.append((True, await db.write(work)))
                except Exception as exc:
                    outcomes.append((False, exc))
            else:
                outcomes = await db.write(_run_group, [w for w, _ in batch])
        except BaseException as exc:  # the COMMIT failed: nothing in the group is durable
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        # Wake long-polls even for a caller that went away: its write is committed all the same.
        keys: set[str] = set()
        for ok, value in outcomes:
            if ok:
                keys |= value[1].emitted.keys
        if keys:
            self._service.notifier.notify(keys)
        for (ok, value), (_, future) in zip(outcomes, batch, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value[0])
            else:
                future.set_exception(value)


@dataclass
class Service:
    db: Database
    notifier: Notifier = field(default_factory=LocalNotifier)
    clock: Clock = field(default_factory=SystemClock)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    max_wait: float = 60.0
    announce: Callable[[set[str]], None] | None = None
    """For the command line: tells running server instances whom a change concerns (Redis)."""
    _group: _GroupCommit | None = field(default=None, init=False, repr=False)
    _tail: EventTail | None = field(default=None, init=False, repr=False)
    _first_reads: FirstReads | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.db.is_sqlite:
            self._group = _GroupCommit(self)

    @property
    def event_tail(self) -> EventTail:
        """The newest events, shared by this instance's woken long-polls (made on first use)."""
        if self._tail is None:
            self._tail = EventTail(self.db, self.notifier)
        return self._tail

    @property
    def first_reads(self) -> FirstReads:
        """The long-polls' first reads (made on first use)."""
        if self._first_reads is None:
            self._first_reads = FirstReads(self.db)
        return self._first_reads

    def _in_tx(
        self, conn: Connection, action: Callable[..., T], *args: Any, **kwargs: Any
    ) -> tuple[T, Tx]:
        """``action(tx, *args)`` in the transaction of ``conn``, with the events it emitted.

        On PostgreSQL its events, the event lock and the COMMIT go in one round trip at its end
        (events.defer); SQLite has one writer and no event lock, so they are inserted as emitted.
        """
        tx = Tx(conn, self.clock.now(), defer_events=not self.db.is_sqlite)
        result = action(tx, *args, **kwargs)
        tx.finish()
        return result, tx

    async def _commit(self, work: Callable[[Connection], tuple[T, Tx]]) -> T:
        """Run ``work`` in a write transaction; after its commit, wake whom its events concern."""
        if self._group is not None:
            result: T = await self._group.submit(work)
            return result
        result, tx = await self.db.write(work)
        if tx.emitted.keys:
            self.notifier.notify(tx.emitted.keys)
        return result

    async def write(
        self,
        token_hash: str | None,
        action: Callable[Concatenate[Tx, Caller, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``action(tx, caller, ...)`` as the token's caller, in one write transaction."""

        def run(conn: Connection) -> tuple[T, Tx]:
            caller = auth.authenticate(conn, token_hash)
            return self._in_tx(conn, action, caller, *args, **kwargs)

        return await self._commit(run)

    async def admin_write(
        self,
        token_hash: str | None,
        action: Callable[Concatenate[Tx, Caller, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        def checked(tx: Tx, caller: Caller, /, *a: P.args, **k: P.kwargs) -> T:
            if not caller.admin:
                raise Forbidden("Only an organisation admin can do this.")
            return action(tx, caller, *a, **k)

        return await self.write(token_hash, checked, *args, **kwargs)

    async def system_write(
        self, action: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """An action on no one's behalf (sign-in, the demo's colleagues)."""

        def run(conn: Connection) -> tuple[T, Tx]:
            return self._in_tx(conn, action, *args, **kwargs)

        return await self._commit(run)

    async def read(
        self,
        token_hash: str | None,
        query: Callable[Concatenate[Connection, Caller, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``query(conn, caller, ...)`` in one read transaction (a consistent snapshot)."""

        def run(conn: Connection) -> T:
            return query(conn, auth.authenticate(conn, token_hash), *args, **kwargs)

        return await self.db.read(run)

    def run_sync(
        self, action: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """For the admin command line: the same actions, synchronously, without a caller."""

        def run(conn: Connection) -> tuple[T, Tx]:
            tx = Tx(conn, self.clock.now())
            return action(tx, *args, **kwargs), tx

        result, tx = self.db.write_sync(run)
        if tx.emitted.keys and self.announce is not None:
            self.announce(tx.emitted.keys)
        return result
