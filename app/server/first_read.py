"""A long-poll's first read: its token, the cursor's context and its memberships in one statement.

Every poll, and every re-poll after an answer, starts with this read, so at 2,000 long-polling
users it is the statement the server runs most. It is one statement outside a transaction (one
statement sees one snapshot): one driver call on SQLite, on the loop.

On PostgreSQL the reads of polls that arrive together go to the database as one statement for
all their tokens (:class:`FirstReads`): each read on its own took a pooled connection and a round
trip, and under load the polls queued for connections while the loop spent more time handing
them out than PostgreSQL spent answering (py-spy, bench/RESULTS.md). One batch is in flight at a
time; the polls arriving meanwhile form the next, so a batch grows with the load and a poll waits
at most for the batch before its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from app.server.db.engine import Database
from app.server.settle import settle

# The token's conditions are auth.authenticate's (test_poll_paths checks them).
_SELECT = (
    "SELECT d.id, d.user_id,"
    " (SELECT value FROM meta WHERE key = 'epoch'),"
    " (SELECT value FROM meta WHERE key = 'pruned_through'),"
    " (SELECT coalesce(max(seq), 0) FROM events),"
)
SQL = {
    "sqlite": _SELECT + " (SELECT group_concat(conversation_id || ':' || joined_seq) FROM members"
    "  WHERE user_id = d.user_id)"
    " FROM devices AS d JOIN users AS u ON u.id = d.user_id"
    " WHERE d.token_hash = ? AND d.revoked_at IS NULL AND u.active IS 1",
    "postgresql": _SELECT + " string_agg(m.conversation_id || ':' || m.joined_seq, ',')"
    "  FILTER (WHERE m.conversation_id IS NOT NULL)"
    " FROM devices AS d JOIN users AS u ON u.id = d.user_id"
    " LEFT JOIN members AS m ON m.user_id = d.user_id"
    " WHERE d.token_hash = %s AND d.revoked_at IS NULL AND u.active"
    " GROUP BY d.id, d.user_id",
}
"""Row: device id, user id, epoch, pruned_through, head seq, ``"cid:joined_seq,..."``."""

# The same for many tokens at once, each row led by its token.
_BATCH_SQL = {
    "postgresql": "SELECT d.token_hash, "
    + SQL["postgresql"]
    .removeprefix("SELECT ")
    .replace("d.token_hash = %s", "d.token_hash = ANY(%s)")
    .replace("GROUP BY d.id", "GROUP BY d.token_hash, d.id")
}
BATCH_LIMIT = 1000
"""Tokens in one statement at most; the rest wait for the next."""


class FirstReads:
    """The first reads of one server instance's polls (batched on PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: dict[str, list[asyncio.Future[Any]]] = {}
        self._task: asyncio.Task[None] | None = None  # the batch in flight, held for the loop

    async def row(self, token_hash: str) -> Any:
        """:data:`SQL`'s row for ``token_hash`` (None: no such valid token)."""
        if self._db.is_sqlite:
            return await self._db.fetch_one(SQL, (token_hash,))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.setdefault(token_hash, []).append(future)
        if self._task is None:
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                tokens = list(self._pending)[:BATCH_LIMIT]
                batch = {token: self._pending.pop(token) for token in tokens}
                try:
                    rows = await self._db.fetch_all(_BATCH_SQL, (tokens,))
                except BaseException as exc:  # every poll of this batch gets the error
                    for futures in batch.values():
                        for future in futures:
                            settle(future, error=exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                found = {row[0]: tuple(row[1:]) for row in rows}
                for token, futures in batch.items():
                    for future in futures:
                        settle(future, found.get(token))
        finally:
            self._task = None
