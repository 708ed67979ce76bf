"""SQLite's one-statement reads run on the event loop, and fall back to a reader thread when the
database is busy instead of holding the loop (``Database.read_one``)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.server.db.engine import Database


def _count(driver: Any, dialect: str, table: str) -> tuple[str, int]:
    return dialect, int(driver.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'inline.db'}")

    def create(conn: Any) -> None:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))

    db.write_sync(create)
    return db


def test_a_read_runs_on_the_loop_thread(tmp_path: Path) -> None:
    db = _database(tmp_path)
    seen: list[str] = []

    def where(driver: Any, dialect: str) -> str:
        seen.append(threading.current_thread().name)
        return dialect

    async def scenario() -> str:
        return await db.read_one(where)

    try:
        assert asyncio.run(scenario()) == "sqlite"
        assert seen == [threading.main_thread().name]
    finally:
        db.close()


def test_a_busy_database_sends_the_read_to_a_reader_thread(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = _database(tmp_path)
    db.write_engine.dispose()  # close the set-up connection: the locker needs the file alone
    # An exclusive-locking connection that wrote keeps every other connection out, WAL or not.
    locker = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("INSERT INTO t VALUES (2)")

    async def scenario() -> tuple[str, int]:
        # The loop's connection meets the lock as it opens (its first read); the reader thread's
        # connection waits on busy_timeout until the locker lets go.
        asyncio.get_running_loop().call_later(0.3, locker.close)
        return await db.read_one(_count, "t")

    try:
        with caplog.at_level(logging.DEBUG, logger="app.server.db.engine"):
            assert asyncio.run(scenario()) == ("sqlite", 2)
        assert "using a reader thread" in caplog.text
    finally:
        db.close()
