"""Engines and the thread discipline: one thread hop per transaction, never one per statement.

Actions are plain functions over a SQLAlchemy ``Connection``. :meth:`Database.write` runs one on
the single writer thread inside one transaction; :meth:`Database.read` runs one on a small reader
pool inside one read transaction (a consistent snapshot under SQLite WAL). The asyncio loop never
touches the database itself, and a long-poll that waits holds no thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

P = ParamSpec("P")
T = TypeVar("T")

READER_THREADS = 4


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'courtyard.db'}"


def _make_engine(url: str, *, writer: bool, pool_size: int) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=pool_size, max_overflow=2, pool_pre_ping=True)
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"check_same_thread": False, "timeout": 30},
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
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so an admin CLI writing at the same time
        # waits on busy_timeout instead of failing half-way with SQLITE_BUSY.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


class Database:
    """The server's database: a writer thread, a reader pool and their engines."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.write_engine = _make_engine(url, writer=True, pool_size=1 if self.is_sqlite else 4)
        self.read_engine = (
            _make_engine(url, writer=False, pool_size=READER_THREADS)
            if self.is_sqlite
            else self.write_engine
        )
        writer_threads = 1 if self.is_sqlite else 4
        self._writer = ThreadPoolExecutor(writer_threads, thread_name_prefix="db-writer")
        self._readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="db-reader")

    # --- synchronous: the CLI, tests and migrations -----------------------------------------

    def write_sync(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        with self.write_engine.begin() as conn:
            return fn(conn, *args, **kwargs)

    def read_sync(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        with self.read_engine.begin() as conn:
            return fn(conn, *args, **kwargs)

    # --- asynchronous: the API ---------------------------------------------------------------

    async def write(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        call = functools.partial(self.write_sync, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    async def read(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        call = functools.partial(self.read_sync, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._readers, call)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
