"""Opening a SQLCipher connection safely: key first, verify, then (only then) anything that writes.

The open is split in two so that every refusal (wrong key, changed keyring backend, locked) happens
before a single byte of the file could change: :func:`connect_and_verify` only reads;
:func:`configure` switches to WAL, takes the single-process lock and may write the header.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlcipher3

from app.client.store_errors import DiskFull, StoreLocked, WrongKey

Connection = Any  # sqlcipher3 ships no type information
P = ParamSpec("P")
T = TypeVar("T")

BUSY_TIMEOUT_S = 0.25


def raw_key_literal(key: bytes) -> str:
    """``PRAGMA key`` operand for a 32-byte raw key: no KDF on each start."""
    return f"\"x'{key.hex()}'\""


def passphrase_literal(passphrase: str) -> str:
    """``PRAGMA key`` operand for a passphrase: SQLCipher's own KDF (PBKDF2) derives the key."""
    if not passphrase:
        raise ValueError("empty passphrase")
    return "'" + passphrase.replace("'", "''") + "'"


def map_error(exc: BaseException) -> BaseException:
    """Turn a SQLite error a user must see into its named error; anything else stays a bug."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    if not name:
        return exc
    if name.startswith("SQLITE_FULL"):
        return DiskFull(str(exc))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreLocked(str(exc))
    if name.startswith("SQLITE_NOTADB"):
        return WrongKey(str(exc))
    return exc


def connect_and_verify(path: Path, key_literal: str) -> Connection:
    """Connect, give the key as the very first statement, and prove it decrypts the file.

    Reads only. Raises WrongKey (not decryptable / not a database) or StoreLocked.
    """
    conn = sqlcipher3.connect(
        str(path), isolation_level=None, check_same_thread=True, timeout=BUSY_TIMEOUT_S
    )
    try:
        conn.execute(f"PRAGMA key = {key_literal}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        mapped = map_error(exc)
        if isinstance(mapped, StoreLocked):
            raise mapped from exc
        raise WrongKey(str(exc)) from exc
    return conn


def read_meta(conn: Connection, key: str) -> str | None:
    """A meta row, or None (also when the schema is not created yet)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if exists is None:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def configure(conn: Connection) -> None:
    """WAL, one process at a time (exclusive locking), temp data never on disk in the clear."""
    try:
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreLocked(f"could not switch to WAL (journal mode {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Take the exclusive lock now, so a second process fails at open, not at its first write.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
    except sqlcipher3.DatabaseError as exc:
        raise map_error(exc) from exc


def transaction(
    conn: Connection, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run ``fn(conn, ...)`` in one write transaction: all of it commits, or none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args, **kwargs)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlcipher3.DatabaseError):
                conn.execute("ROLLBACK")
        raise
    return result
