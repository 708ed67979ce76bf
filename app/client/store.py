"""The encrypted local store of one account: open safely, run every query on one worker thread.

Usage (all methods are coroutines; nothing here blocks the asyncio loop)::

    store = await Store.open(account, keys=KeyCustody())      # or passphrase="..." (explicit)
    applier = Applier(store)                                  # app.client.apply
    changes = await applier.apply_events(batch)               # also emitted on store_did_change
    rows = await store.conversations()
    await store.close()                                       # or: await store.wipe()

Extension point for other client modules: ``await store.call(fn, *args)`` runs ``fn(conn, *args)``
on the worker (reads), ``await store.commit(fn, *args)`` runs ``fn(conn, changeset, *args)`` in one
transaction and emits the resulting Changes. SQLite errors a user must see come out as the named
errors of :mod:`app.client.store_errors`; anything else is a bug and propagates unchanged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlcipher3

from app.client import outbox_rows, queries
from app.client.changes import Changes, ChangeSet, store_did_change_signal
from app.client.db import (
    Connection,
    configure,
    connect_and_verify,
    map_error,
    passphrase_literal,
    raw_key_literal,
    read_meta,
    transaction,
)
from app.client.keys import Account, KeyCustody, is_secure
from app.client.rows import ConversationRow, Gap, OutboxItem, OutboxKind, SearchHit, StoredMessage
from app.client.schema import migrate
from app.client.search import search
from app.client.store_errors import (
    KeyMissing,
    KeyringBackendChanged,
    PassphraseRequired,
    StoreBug,
)
from app.client.store_files import KeyMode, StoreInfo, StorePaths
from app.client.worker import SerialWorker
from app.core.clock import Clock, SystemClock
from app.core.wire import OrgPolicy, Topic, User

P = ParamSpec("P")
T = TypeVar("T")


def _open_sync(
    paths: StorePaths, account: Account, keys: KeyCustody, passphrase: str | None
) -> tuple[Connection, KeyMode]:
    """Runs on the worker. Every refusal happens before anything could write to the file."""
    info = paths.read_info()
    exists = paths.db.exists()
    current: str | None = None
    mode: KeyMode
    if passphrase is not None:
        literal, mode = passphrase_literal(passphrase), "passphrase"
    else:
        if exists and info is not None and info.key_mode == "passphrase":
            raise PassphraseRequired()
        keys.require_secure()
        current = keys.identity()
        found = keys.load(account)
        if found is None and exists:
            recorded = info.keyring_backend if info is not None else None
            if recorded is not None and recorded != current:
                raise KeyringBackendChanged(recorded=recorded, current=current)
            raise KeyMissing()
        if found is None:
            found = keys.create(account)
        literal, mode = raw_key_literal(found.db_key), "keyring"
    if not exists:
        paths.db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for orphan in (paths.wal, paths.shm, paths.journal):  # companions of no database
            orphan.unlink(missing_ok=True)
    conn = connect_and_verify(paths.db, literal)
    try:
        recorded = read_meta(conn, "keyring_backend")
        if exists and mode == "keyring" and recorded and recorded != current:
            raise KeyringBackendChanged(recorded=recorded, current=current or "")
        configure(conn)
        migrate(conn)
        if read_meta(conn, "key_mode") is None:
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("key_mode", mode), ("keyring_backend", current or "")],
            )
            paths.write_info(StoreInfo(mode, current))
            if os.name == "posix":
                paths.db.chmod(0o600)
    except BaseException:
        conn.close()
        raise
    return conn, mode


def _wipe_sync(paths: StorePaths, account: Account, keys: KeyCustody) -> None:
    paths.remove_all()
    if is_secure(keys.backend):
        keys.delete(account)


async def wipe_account(account: Account, *, keys: KeyCustody, data_dir: Path | None = None) -> None:
    """Remove an account's local data and keyring entry without opening it (device revoked,
    or the store cannot be opened). The store must not be open in this process."""
    await asyncio.to_thread(_wipe_sync, StorePaths.for_account(account, data_dir), account, keys)


class Store:
    """One account's open SQLCipher database; create with :meth:`open`."""

    def __init__(
        self,
        *,
        worker: SerialWorker,
        conn: Connection,
        paths: StorePaths,
        account: Account,
        keys: KeyCustody,
        key_mode: KeyMode,
        clock: Clock,
    ) -> None:
        self._worker = worker
        self._conn: Connection | None = conn
        self.paths = paths
        self.account = account
        self.key_mode = key_mode
        self._keys = keys
        self._clock = clock
        self.store_did_change = store_did_change_signal()

    @classmethod
    async def open(
        cls,
        account: Account,
        *,
        keys: KeyCustody,
        data_dir: Path | None = None,
        passphrase: str | None = None,
        clock: Clock | None = None,
    ) -> Store:
        """Open (or create) the account's store. ``passphrase`` selects passphrase mode; only
        pass it when the user chose it. Raises the user-facing errors of ``store_errors``."""
        paths = StorePaths.for_account(account, data_dir)
        worker = SerialWorker()
        try:
            conn, mode = await worker.run(_open_sync, paths, account, keys, passphrase)
        except BaseException:
            await asyncio.to_thread(worker.shutdown)
            raise
        return cls(
            worker=worker,
            conn=conn,
            paths=paths,
            account=account,
            keys=keys,
            key_mode=mode,
            clock=clock or SystemClock(),
        )

    # --- running work on the worker ------------------------------------------------------------

    def _guard(self, fn: Callable[Concatenate[Connection, P], T]) -> Callable[P, T]:
        def job(*args: P.args, **kwargs: P.kwargs) -> T:
            if self._conn is None:
                raise StoreBug("the store is closed")
            try:
                return fn(self._conn, *args, **kwargs)
            except sqlcipher3.DatabaseError as exc:
                mapped = map_error(exc)
                if mapped is exc:
                    raise
                raise mapped from exc

        return job

    async def call(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(conn, ...)`` on the worker thread (reads, or writes managing their own tx)."""
        return await self._worker.run(self._guard(fn), *args, **kwargs)

    async def commit_result(
        self,
        fn: Callable[Concatenate[Connection, ChangeSet, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> tuple[T, Changes]:
        """Run ``fn(conn, changeset, ...)`` in one transaction; emit and return its Changes."""

        def tx(conn: Connection) -> tuple[T, Changes]:
            cs = ChangeSet()
            result = transaction(conn, fn, cs, *args, **kwargs)
            return result, cs.freeze()

        result, changes = await self.call(tx)
        if changes:
            self.store_did_change.emit(changes)
        return result, changes

    async def commit(
        self,
        fn: Callable[Concatenate[Connection, ChangeSet, P], object],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Changes:
        return (await self.commit_result(fn, *args, **kwargs))[1]

    @property
    def closed(self) -> bool:
        return self._conn is None

    async def close(self) -> None:
        """Checkpoint and close the database, then stop the worker. Idempotent."""
        if self._worker.closed:
            return

        def shut() -> None:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                conn.close()

        await self._worker.run(shut)
        await asyncio.to_thread(self._worker.shutdown)

    async def wipe(self) -> None:
        """Sign-out with "remove local data" or device revoked: close, delete the database, its
        WAL/SHM/journal and sidecar, and the keyring entry."""
        await self.close()
        await asyncio.to_thread(_wipe_sync, self.paths, self.account, self._keys)

    # --- secrets ------------------------------------------------------------------------------

    async def device_token(self) -> str | None:
        if self.key_mode == "passphrase":  # no keyring: the token lives in the encrypted file
            return await self.call(read_meta, "device_token")
        found = await self._worker.run(self._keys.load, self.account)
        return found.device_token if found else None

    async def set_device_token(self, token: str | None) -> None:
        if self.key_mode == "keyring":
            await self._worker.run(self._keys.save_device_token, self.account, token)
            return

        def put(conn: Connection) -> None:
            if token is None:
                conn.execute("DELETE FROM meta WHERE key = 'device_token'")
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('device_token', ?)", (token,)
                )

        await self.call(put)

    # --- reads --------------------------------------------------------------------------------

    async def cursor(self) -> str | None:
        """The sync cursor stored with the data it covers (None before the first snapshot)."""
        return await self.call(queries.cursor)

    async def my_id(self) -> int | None:
        return await self.call(queries.my_id)

    async def conversations(self) -> list[ConversationRow]:
        return await self.call(queries.conversation_list)

    async def topics(self, conversation_id: int) -> list[Topic]:
        return await self.call(queries.topics, conversation_id)

    async def messages(
        self, conversation_id: int, *, before: int | None = None, limit: int = 50
    ) -> list[StoredMessage]:
        """Newest ``limit`` (plus pending sends) or ``limit`` older than ``before``; ascending."""
        return await self.call(queries.message_window, conversation_id, before=before, limit=limit)

    async def messages_around(
        self, conversation_id: int, message_id: int, *, older: int = 25, newer: int = 50
    ) -> list[StoredMessage]:
        """A window around one message (search → jump); see :func:`queries.message_window_from`."""
        return await self.call(
            queries.message_window_from, conversation_id, message_id, older=older, newer=newer
        )

    async def messages_by_ids(self, message_ids: Sequence[int]) -> list[StoredMessage]:
        return await self.call(queries.messages_by_ids, list(message_ids))

    async def unread_from_others(self, since: dt.datetime) -> list[StoredMessage]:
        return await self.call(queries.unread_from_others, since)

    async def setting(self, key: str) -> str | None:
        """A small per-account value kept with the account's data (e.g. which off period was
        summarised), so it follows the account, not the machine's settings file."""
        return await self.call(read_meta, f"setting:{key}")

    async def set_setting(self, key: str, value: str) -> None:
        def put(conn: Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"setting:{key}", value)
            )

        await self.call(put)

    async def newest_message_id(self) -> int | None:
        return await self.call(queries.newest_message_id)

    async def receipt_counts(
        self, conversation_id: int, message_ids: Sequence[int]
    ) -> dict[int, int]:
        return await self.call(queries.receipt_counts, conversation_id, list(message_ids))

    async def outbox(self) -> list[OutboxItem]:
        return await self.call(queries.outbox_items)

    async def gaps(self, conversation_id: int) -> list[Gap]:
        return await self.call(queries.gaps, conversation_id)

    async def users(self) -> dict[int, User]:
        return await self.call(queries.users)

    async def policy(self) -> OrgPolicy:
        return await self.call(queries.policy)

    async def search(
        self, query: str, *, conversation_id: int | None = None, limit: int = 50
    ) -> list[SearchHit]:
        return await self.call(search, query, conversation_id=conversation_id, limit=limit)

    # --- outbox writes (local state; the sender drains them) ---------------------------------

    async def enqueue(
        self,
        kind: OutboxKind,
        conversation_id: int,
        payload: dict[str, Any],
        *,
        client_msg_id: str | None = None,
    ) -> str:
        """Queue a mutation; returns its client_msg_id (generated unless given)."""
        cmid = client_msg_id or outbox_rows.new_client_msg_id()
        now = self._clock.now()
        result, _ = await self.commit_result(
            outbox_rows.enqueue_tx, kind, conversation_id, payload, cmid, now
        )
        return result

    async def outbox_attempted(self, client_msg_id: str) -> int:
        """Record a failed delivery attempt to retry later with the same id; returns the count."""
        return (await self.commit_result(outbox_rows.record_attempt_tx, client_msg_id))[0]

    async def outbox_failed(self, client_msg_id: str, reason: str) -> Changes:
        return await self.commit(outbox_rows.mark_failed_tx, client_msg_id, reason)

    async def outbox_done(self, client_msg_id: str) -> Changes:
        """Remove a delivered row (edits, reactions, reads) or one the user discarded."""
        return await self.commit(outbox_rows.remove_tx, client_msg_id)

    async def outbox_retry(self, client_msg_id: str) -> str:
        """Requeue a failed row at the end under a new client_msg_id; returns the new id."""
        new_id = outbox_rows.new_client_msg_id()
        now: dt.datetime = self._clock.now()
        result, _ = await self.commit_result(outbox_rows.retry_tx, client_msg_id, new_id, now)
        return result
