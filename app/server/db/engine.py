"""Engines and the thread discipline: one thread hop per transaction, never one per statement.

Actions are plain functions over a SQLAlchemy ``Connection``. :meth:`Database.write` runs one
inside one transaction (on PostgreSQL on a writer thread); :meth:`Database.read` runs one on a
reader pool inside one read transaction that sees a single consistent snapshot. A long-poll that
waits holds no thread.

On SQLite the loop thread itself touches the database in two ways, because under 2,000
long-polling users every thread hop was a GIL hand-off that waited behind the busy loop (py-spy
showed the worker threads mostly waiting to get the GIL back, and each hop cost more than the
statements it carried):

- :meth:`Database.read_one` (a single indexed statement, tens of microseconds) runs on a
  connection that never waits for a lock (``busy_timeout`` 0; a WAL reader is not blocked by the
  writer). If SQLite ever answers busy, the same read goes to the reader pool instead.
- :meth:`Database.write` runs the action's statements on the loop, on a connection with
  ``busy_timeout`` 0, and only the COMMIT (the fsync, ``synchronous=FULL``) on a commit thread:
  one hop per transaction instead of one GIL hand-off per statement, and writes never wait for a
  lock on the loop. If the write lock is held elsewhere (the admin command line), the write runs
  on the writer thread instead, which waits for it. An API action is a handful of indexed
  statements; bulk work (pruning, imports) belongs to the command line, not to the loop.

SQLite (the embedded default) has exactly one writer at a time (the group commit in
``service.py`` queues the server's own writes), and ``BEGIN IMMEDIATE`` makes that explicit.
PostgreSQL (``postgresql+psycopg://``) gets several
writer threads over a psycopg 3 connection pool; readers run ``REPEATABLE READ`` so every
statement of one read sees the same snapshot, as a SQLite WAL read transaction does. The hot
single-statement reads (:meth:`Database.fetch_one`, :meth:`Database.fetch_all`: the polls' first
reads and the event tail) run on asynchronous psycopg connections awaited on the loop, for the
same reason as SQLite's reads on the loop: no thread hop. Writes run
``READ COMMITTED``; a write that PostgreSQL aborts as a deadlock or serialization failure (the
event lock in :mod:`app.server.events` can take part in a deadlock) is retried from the start,
which is safe because an action is a plain function of its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, TypeVarTuple

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

P = ParamSpec("P")
T = TypeVar("T")
Ts = TypeVarTuple("Ts")

log = logging.getLogger(__name__)

READER_THREADS = 4
# PostgreSQL: threads per server instance; connections: writers, readers, and as many again for
# single-statement reads off the loop (read_one, made only when needed), and up to four more
# for those on the loop (fetch_one). Two instances use at most 2 * (8 + 8 + 8 + 4) = 56
# connections, under PostgreSQL's default max_connections of 100.
PG_WRITER_THREADS = 8
PG_READER_THREADS = 8
# SQLSTATEs after which the whole transaction may simply run again.
_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_ATTEMPTS = 5


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'courtyard.db'}"


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


def _postgres_engine(url: str, *, writer: bool, pool_size: int, single: bool = False) -> Engine:
    if url.startswith("postgres://"):  # the libpq spelling; SQLAlchemy needs the driver named
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if single:  # one statement, its own snapshot; a dropped connection is retried instead
        return create_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            pool_recycle=1800,
            isolation_level="AUTOCOMMIT",
            connect_args={"application_name": "courtyard-server"},
        )
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=not writer,  # writes retry on a lost connection instead (write_sync)
        pool_recycle=1800,
        isolation_level="READ COMMITTED" if writer else "REPEATABLE READ",
        connect_args={"application_name": "courtyard-server"},
    )


def _sqlite_engine(url: str, *, writer: bool, pool_size: int, busy_ms: int = 30_000) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" hook below: pysqlite's own would not
        # start a transaction for SELECTs, and snapshots need one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged message survives power loss; fsync costs ~0.2 ms here (measured).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so an admin CLI writing at the same time
        # waits on busy_timeout instead of failing half-way with SQLITE_BUSY.
        # Straight to the driver: through exec_driver_sql this statement cost as much as a
        # long-poll's own query (SQLAlchemy's execution context per call; measured with py-spy).
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute(begin)

    return engine


def _fetch_one(driver: Any, dialect: str, sql: Mapping[str, str], params: tuple[Any, ...]) -> Any:
    return driver.execute(sql[dialect], params).fetchone()


def _fetch_all(driver: Any, dialect: str, sql: Mapping[str, str], params: tuple[Any, ...]) -> Any:
    return driver.execute(sql[dialect], params).fetchall()


class _LockNotFree(Exception):
    """SQLite's write lock was held elsewhere (another process) when a loop write began."""


def _retryable(exc: Exception) -> bool:
    """Whether PostgreSQL aborted the transaction so that it may simply run again. ``exc`` is
    SQLAlchemy's wrapper, or the driver's own error from a statement sent to it directly."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) in _RETRYABLE


class Database:
    """The server's database: writer thread(s), a reader pool and their engines."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            writers, readers = 1, READER_THREADS
            self.write_engine = _sqlite_engine(url, writer=True, pool_size=writers)
            self.read_engine = _sqlite_engine(url, writer=False, pool_size=readers)
            self.single_engine = self.read_engine
            # Used only on the loop thread, one call at a time: one connection is enough.
            self.inline_engine: Engine | None = _sqlite_engine(
                url, writer=False, pool_size=1, busy_ms=0
            )
            self.loop_write_engine: Engine | None = _sqlite_engine(
                url, writer=True, pool_size=1, busy_ms=0
            )
        elif is_postgres_url(url):
            writers, readers = PG_WRITER_THREADS, PG_READER_THREADS
            self.write_engine = _postgres_engine(url, writer=True, pool_size=writers)
            self.read_engine = _postgres_engine(url, writer=False, pool_size=readers)
            self.single_engine = _postgres_engine(url, writer=False, pool_size=readers, single=True)
            self.inline_engine = None  # a network round trip: never on the loop thread
            self.loop_write_engine = None
        else:
            raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")
        self._writer = ThreadPoolExecutor(writers, thread_name_prefix="db-writer")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="db-reader")
        self._inline: PoolProxiedConnection | None = None
        # SQLite: writes run on the loop thread (see the module doc); only their COMMIT runs on
        # a thread, a thread of its own so it never queues behind a write waiting for the lock.
        self._loop_writer: Connection | None = None
        self._loop_writing = False
        self._committing: asyncio.Future[None] | None = None
        self._commit_thread = ThreadPoolExecutor(1, thread_name_prefix="db-commit")
        # PostgreSQL: asynchronous connections for single-statement reads on the loop (start()).
        self._async_pool: Any = None

    @property
    def display_url(self) -> str:
        """The URL without a password, for logs and messages."""
        return self.write_engine.url.render_as_string(hide_password=True)

    # --- synchronous: the CLI, tests and migrations -----------------------------------------

    def write_sync(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        driver_error = self.write_engine.dialect.loaded_dbapi.Error
        for attempt in range(1, _ATTEMPTS + 1):
            ran = False
            try:
                with self.write_engine.begin() as conn:
                    result = fn(conn, *args, **kwargs)
                    ran = True
                return result
            except (DBAPIError, driver_error) as exc:
                # A connection lost before the commit was asked for took the transaction with
                # it: run it again on a fresh one (this replaces a ping before every write). Lost
                # at the COMMIT, the outcome is unknown and the error goes to the caller.
                lost = not ran and getattr(exc, "connection_invalidated", False)
                if attempt == _ATTEMPTS or not (_retryable(exc) or lost):
                    raise
                cause = getattr(exc, "orig", exc)
                log.info("retrying a write transaction after %s", cause.__class__.__name__)
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    def read_sync(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        with self.read_engine.begin() as conn:
            return fn(conn, *args, **kwargs)

    def read_one_sync(self, fn: Callable[[Any, str, *Ts], T], *args: *Ts) -> T:
        """``fn(driver_connection, dialect_name, *args)`` runs exactly one read statement on the
        DB-API connection, outside a transaction (a single statement sees one snapshot): on
        PostgreSQL one round trip instead of a pool pre-ping, BEGIN, the statement and COMMIT; on
        SQLite no BEGIN and COMMIT. It runs once more on a fresh connection if the pooled one
        turned out to be dead."""
        dead = self.single_engine.dialect.loaded_dbapi.OperationalError
        dialect = self.single_engine.dialect.name
        for attempt in (1, 2):
            with self.single_engine.connect() as conn:
                try:
                    return fn(conn.connection.driver_connection, dialect, *args)
                except dead as exc:
                    # Called on the driver, so SQLAlchemy did not see it: drop the connection.
                    conn.invalidate()
                    if attempt == 2:
                        raise
                    log.info("retrying a read on a fresh connection after %s", type(exc).__name__)
        raise AssertionError("unreachable")

    def fetch_one_sync(self, sql: Mapping[str, str], params: tuple[Any, ...]) -> Any:
        """:meth:`fetch_one`, synchronously (through :meth:`read_one_sync`)."""
        return self.read_one_sync(_fetch_one, sql, params)

    # --- asynchronous: the API ---------------------------------------------------------------

    async def write(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self.loop_write_engine is not None and not self._loop_writing:
            self._loop_writing = True
            try:
                return await self._write_on_loop(fn, *args, **kwargs)
            except _LockNotFree as exc:
                log.debug("write on the loop gave %s; using the writer thread", exc.__cause__)
            finally:
                self._loop_writing = False
        call = functools.partial(self.write_sync, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    async def _write_on_loop(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """SQLite: ``fn`` on the loop thread, its COMMIT (the fsync) on the commit thread.

        Raises :class:`_LockNotFree` when the write lock was not free at once (the admin command
        line is writing): the caller then takes the writer thread, which waits for it.
        """
        assert self.loop_write_engine is not None
        loop = asyncio.get_running_loop()
        committing = self._committing
        if committing is not None and not committing.done():  # a cancelled caller's COMMIT
            with contextlib.suppress(Exception):
                await asyncio.shield(committing)
        try:
            if self._loop_writer is None:
                self._loop_writer = self.loop_write_engine.connect()
            conn = self._loop_writer
            if conn.in_transaction():  # left by a COMMIT that failed after its caller left
                conn.rollback()
            trans = conn.begin()
        except (DBAPIError, self.loop_write_engine.dialect.loaded_dbapi.OperationalError) as exc:
            raise _LockNotFree from exc
        try:
            result = fn(conn, *args, **kwargs)
        except BaseException:
            trans.rollback()
            raise
        committing = self._committing = loop.run_in_executor(self._commit_thread, trans.commit)
        try:
            # Shielded: a caller that goes away must not leave the connection mid-COMMIT; the
            # next write waits for it instead.
            await asyncio.shield(committing)
        except asyncio.CancelledError:
            raise
        except BaseException:
            conn.rollback()  # nothing of this transaction is durable
            raise
        return result

    async def read(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        call = functools.partial(self.read_sync, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._readers, call)

    async def read_one(self, fn: Callable[[Any, str, *Ts], T], *args: *Ts) -> T:
        """:meth:`read_one_sync` off the loop; on SQLite first tried on the loop (module doc)."""
        if self.inline_engine is not None:
            try:
                if self._inline is None:
                    # Held for the server's life: a pool checkout per call cost more than the read.
                    self._inline = self.inline_engine.raw_connection()
                return fn(self._inline.driver_connection, "sqlite", *args)
            except (DBAPIError, self.inline_engine.dialect.loaded_dbapi.OperationalError) as exc:
                # Busy (also while connecting), or a real fault that the reader thread's
                # connection will meet and report as well.
                log.debug("inline read gave %s; using a reader thread", exc)
        call = functools.partial(self.read_one_sync, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._readers, call)

    async def fetch_one(self, sql: Mapping[str, str], params: tuple[Any, ...]) -> Any:
        """The first row (or None) of one read statement, ``sql`` by dialect name, run outside a
        transaction (one statement sees one snapshot).

        SQLite: on the loop as :meth:`read_one`. PostgreSQL, once :meth:`start` ran: on an
        asynchronous connection, awaited on the loop. Through a reader thread this read was two
        GIL hand-offs, and submitting it and collecting its future cost the loop more than the
        statement cost PostgreSQL (py-spy, bench/RESULTS.md). A connection found dead is
        replaced and the read runs once more.
        """
        if self._async_pool is None:
            return await self.read_one(_fetch_one, sql, params)
        return await self._fetch_async(sql["postgresql"], params, one=True)

    async def fetch_all(self, sql: Mapping[str, str], params: tuple[Any, ...]) -> list[Any]:
        """Every row of one read statement, as :meth:`fetch_one`."""
        if self._async_pool is None:
            rows: list[Any] = await self.read_one(_fetch_all, sql, params)
            return rows
        rows = await self._fetch_async(sql["postgresql"], params, one=False)
        return rows

    async def _fetch_async(self, sql: str, params: tuple[Any, ...], *, one: bool) -> Any:
        import psycopg

        for attempt in (1, 2):
            try:
                async with self._async_pool.connection() as conn:
                    cursor = await conn.execute(sql, params)
                    return await (cursor.fetchone() if one else cursor.fetchall())
            except psycopg.OperationalError as exc:
                if attempt == 2:
                    raise
                log.info("retrying a read on a fresh connection after %s", type(exc).__name__)
                await self._async_pool.check()  # replace the others PostgreSQL dropped too
        raise AssertionError("unreachable")

    async def start(self) -> None:
        """Open what needs the running loop: on PostgreSQL the pool of asynchronous connections
        :meth:`fetch_one` uses (made in the background; a read waits at most 5 s for one)."""
        if self.is_sqlite or self._async_pool is not None:
            return
        from psycopg_pool import AsyncConnectionPool

        url = self.single_engine.url.set(drivername="postgresql")
        self._async_pool = AsyncConnectionPool(
            url.render_as_string(hide_password=False),
            min_size=2,
            max_size=4,  # mostly one: the polls' first reads go in batches (first_read.py)
            timeout=5.0,
            kwargs={"autocommit": True, "application_name": "courtyard-server"},
            open=False,
            name="courtyard-reads",
        )
        await self._async_pool.open()

    async def aclose(self) -> None:
        """Close what :meth:`start` opened."""
        pool, self._async_pool = self._async_pool, None
        if pool is not None:
            await pool.close()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._commit_thread.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        if self._loop_writer is not None:
            self._loop_writer.close()
        self.write_engine.dispose()
        self.read_engine.dispose()
        self.single_engine.dispose()
        if self.loop_write_engine is not None:
            self.loop_write_engine.dispose()
        if self._inline is not None:
            self._inline.close()
        if self.inline_engine is not None:
            self.inline_engine.dispose()
