"""SQLite writes run on the event loop and only their COMMIT on a thread (``Database.write``):
what a write leaves behind when it works, fails, meets another writer or loses its caller."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from app.server.db.engine import Database


def _database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'loop.db'}")
    db.write_sync(lambda conn: conn.execute(text("CREATE TABLE t (x INTEGER)")))
    return db


def _rows(tmp_path: Path) -> list[int]:
    """What another connection sees: only what was committed."""
    with sqlite3.connect(tmp_path / "loop.db") as other:
        return [int(x) for (x,) in other.execute("SELECT x FROM t ORDER BY x")]


def _insert(conn: Connection, x: int) -> str:
    conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": x})
    return threading.current_thread().name


def test_a_write_runs_on_the_loop_thread_and_is_committed(tmp_path: Path) -> None:
    db = _database(tmp_path)
    try:
        assert asyncio.run(db.write(_insert, 1)) == threading.main_thread().name
        assert _rows(tmp_path) == [1]
    finally:
        db.close()


def test_a_failing_write_leaves_nothing_and_the_next_one_works(tmp_path: Path) -> None:
    db = _database(tmp_path)

    def half_then_fail(conn: Connection) -> None:
        _insert(conn, 1)
        raise ValueError("the action's own error")

    async def scenario() -> None:
        with pytest.raises(ValueError, match="the action's own error"):
            await db.write(half_then_fail)
        await db.write(_insert, 2)

    try:
        asyncio.run(scenario())
        assert _rows(tmp_path) == [2]
    finally:
        db.close()


def test_a_write_lock_held_elsewhere_sends_the_write_to_the_writer_thread(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The admin command line writing from another process must not stall the loop: the write
    waits for the lock on the writer thread instead, and then lands."""
    db = _database(tmp_path)
    other = sqlite3.connect(tmp_path / "loop.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")

    async def scenario() -> str:
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        return await db.write(_insert, 2)

    try:
        with caplog.at_level(logging.DEBUG, logger="app.server.db.engine"):
            assert asyncio.run(scenario()).startswith("db-writer")
        assert "using the writer thread" in caplog.text
        assert _rows(tmp_path) == [1, 2]
    finally:
        other.close()
        db.close()


def test_a_caller_cancelled_during_the_commit_leaves_it_to_finish(tmp_path: Path) -> None:
    """The COMMIT goes on without its caller; the next write waits for it, not over it."""
    db = _database(tmp_path)

    async def scenario() -> None:
        first = asyncio.ensure_future(db.write(_insert, 1))
        await asyncio.sleep(0)  # the first write ran and its COMMIT is on the commit thread
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        await db.write(_insert, 2)

    try:
        asyncio.run(scenario())
        assert _rows(tmp_path) == [1, 2]
    finally:
        db.close()
