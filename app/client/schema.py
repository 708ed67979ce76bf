"""The store's schema, versioned by ``PRAGMA user_version`` and upgraded by ordered migrations.

Rows the server owns are keyed by the server's ids (``messages.id`` is also the FTS rowid, so a
newest-first search walks the index backwards and stops at its LIMIT). Local-only state is the
outbox: a pending or failed send is an outbox row until the server's ``message.created`` (or the
send's response) confirms it, which removes the row in the same transaction that stores the message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.client.store_errors import StoreTooNew

Connection = Any  # a sqlcipher3 connection; the library ships no type information

_V1: Sequence[str] = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT NOT NULL)",
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY, username TEXT NOT NULL, display_name TEXT NOT NULL,
        data TEXT NOT NULL)""",
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
        private INTEGER NOT NULL, created_at TEXT NOT NULL,
        left INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL)""",
    """CREATE TABLE members (
        conversation_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)) WITHOUT ROWID""",
    """CREATE TABLE topics (
        id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, title TEXT NOT NULL,
        closed INTEGER NOT NULL, data TEXT NOT NULL)""",
    "CREATE INDEX topics_by_conversation ON topics (conversation_id, id)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, topic_id INTEGER,
        sender_id INTEGER NOT NULL, created_at TEXT NOT NULL, client_msg_id TEXT NOT NULL,
        body TEXT NOT NULL, reply_to INTEGER, urgent INTEGER NOT NULL DEFAULT 0,
        mentions TEXT NOT NULL DEFAULT '[]', mentions_all INTEGER NOT NULL DEFAULT 0,
        mentions_me INTEGER NOT NULL DEFAULT 0, edited_at TEXT,
        deleted INTEGER NOT NULL DEFAULT 0, reactions TEXT NOT NULL DEFAULT '[]',
        pinned INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content='messages', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
        END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TABLE read_markers (
        conversation_id INTEGER NOT NULL, user_id INTEGER NOT NULL, up_to INTEGER NOT NULL,
        read_at TEXT NOT NULL, PRIMARY KEY (conversation_id, user_id)) WITHOUT ROWID""",
    """CREATE TABLE history_gaps (
        conversation_id INTEGER NOT NULL, after_id INTEGER NOT NULL, before_id INTEGER NOT NULL,
        CHECK (after_id < before_id), PRIMARY KEY (conversation_id, before_id)) WITHOUT ROWID""",
    "CREATE TABLE policy (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, client_msg_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('send', 'edit', 'delete', 'react', 'read')),
        conversation_id INTEGER NOT NULL, payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
        error TEXT, attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)""",
)


def _run(statements: Sequence[str]) -> Callable[[Connection], None]:
    def migrate(conn: Connection) -> None:
        for sql in statements:
            conn.execute(sql)

    return migrate


# Append only: index i upgrades user_version i to i + 1. Never edit a released migration.
MIGRATIONS: Sequence[Callable[[Connection], None]] = (_run(_V1),)
LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection) -> int:
    """Bring the schema to :data:`LATEST`, one transaction per step; returns the old version."""
    start = current_version(conn)
    if start > LATEST:
        raise StoreTooNew(f"schema version {start} is newer than this build's {LATEST}")
    for version in range(start, LATEST):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return start
