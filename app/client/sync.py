"""The sync service: one long-poll task that keeps the store equal to the server.

First start (no stored cursor): snapshot → ``apply_snapshot``. Then long-poll from the stored
cursor; each answer is applied by ``apply_events`` in one local transaction together with its
cursor, so a crash at any point resumes from data and cursor that agree. ``cursor_expired`` (410)
or a cursor the server does not know → a new snapshot (local history is kept). 401 → the device
was revoked or the person deactivated: the loop stops and ``authorisation_did_end`` fires (the
session wipes the local copy). Everything else that fails is retried with backoff.

History older than what is stored is fetched on demand, one page per call, guided by the store's
gap records (:meth:`SyncService.fetch_older`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from app.client.api import ApiClient, ConnectionProblem
from app.client.apply import Applier
from app.client.connection import (
    Backoff,
    ConnectionState,
    Sleep,
    connection_did_change_signal,
    sleep_or_wake,
)
from app.client.store import Store
from app.client.store_errors import UserFacingStoreError
from app.client.tasks import stop_task
from app.core import wire
from app.core.clock import Clock, SystemClock
from app.core.errors import (
    ApiError,
    BadRequest,
    CursorExpired,
    RateLimited,
    Unauthorized,
)
from app.core.observer import Signal

log = logging.getLogger(__name__)


class SyncService:
    """Owns the long-poll task; ``start()`` it once, ``aclose()`` it to stop (idempotent)."""

    def __init__(
        self,
        *,
        api: ApiClient,
        store: Store,
        applier: Applier | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self._api = api
        self._store = store
        self._applier = applier or Applier(store)
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._backoff = backoff or Backoff()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._state = ConnectionState("offline")
        self.connection_did_change = connection_did_change_signal()
        """Emitted with a :class:`ConnectionState` whenever the state changes."""
        self.authorisation_did_end: Signal[[ApiError]] = Signal("authorisation_did_end")
        """Emitted once when the server answers 401: the device token is no longer valid."""
        self.snapshots_applied = 0
        """How many snapshots this service applied (first start, cursor expiry); for tests/UI."""
        self.caught_up = False
        """True once everything the server had when this service started is in the store (a
        batch without more behind it was applied): until then the store may still lack the
        night's messages, so e.g. the "while you were off" summary waits for it."""

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("SyncService.start() called twice")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="courtyard-sync")

    def reconnect_now(self) -> None:
        """Skip the rest of the current backoff wait (e.g. the OS reports the network is back)."""
        self._wake.set()

    async def aclose(self) -> None:
        await stop_task(self._task)

    # --- the loop ---------------------------------------------------------------------------

    def _set_state(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.connection_did_change.emit(state)

    async def _run(self) -> None:
        self._set_state(ConnectionState("connecting"))
        need_snapshot = await self._store.cursor() is None
        ahead = _ReadAhead(self._api)
        try:
            while True:
                try:
                    if need_snapshot:
                        await ahead.drop()
                        snapshot = await self._api.snapshot()
                        await self._applier.apply_snapshot(snapshot)
                        self.snapshots_applied += 1
                        need_snapshot = False
                        self._went_online()
                    cursor = await self._store.cursor()
                    # Until caught up, ask without holding: a quiet night must not delay
                    # "caught up" by a whole long-poll.
                    batch = await ahead.take(cursor, wait=None if self.caught_up else 0)
                    self._went_online()
                    if batch.more:  # a backlog: fetch the next batch while this one is applied
                        await ahead.start(batch.cursor)
                    if batch.events or batch.cursor != cursor:
                        changes = await self._applier.apply_events(batch)
                        if changes.joined:
                            await self._backfill_topics(changes.joined)
                    if not batch.more:
                        self.caught_up = True
                except Unauthorized as exc:
                    log.warning("the server ended this device's authorisation (%s)", exc.code)
                    self._set_state(ConnectionState("offline", reason="signed_out"))
                    self.authorisation_did_end.emit(exc)
                    return
                except CursorExpired:
                    log.info("cursor expired; fetching a new snapshot")
                    need_snapshot = True
                except BadRequest as exc:
                    if exc.code != "cursor_invalid":
                        await self._retry_later(exc)
                    need_snapshot = True  # a cursor this server never issued: start from its state
                except (ConnectionProblem, ApiError, UserFacingStoreError) as exc:
                    await ahead.drop()
                    await self._retry_later(exc)
        finally:
            await ahead.drop()

    async def _backfill_topics(self, conversation_ids: frozenset[int]) -> None:
        """A conversation I just joined: its topics from before the join (events after it come
        as usual). Best effort: if this fails, the messages still show, under "no topic" until
        the next snapshot; the loop is not held up."""
        for cid in sorted(conversation_ids):
            try:
                await self._applier.apply_topics(await self._api.topics(cid))
            except (ConnectionProblem, ApiError, UserFacingStoreError) as exc:
                reason = exc.code if isinstance(exc, ApiError) else type(exc).__name__
                log.info("could not fetch the topics of a joined conversation (%s)", reason)

    def _went_online(self) -> None:
        self._backoff.reset()
        self._set_state(ConnectionState("online"))

    async def _retry_later(self, exc: Exception) -> None:
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        delay = self._backoff.next_delay(retry_after)
        reason = exc.code if isinstance(exc, ApiError) else type(exc).__name__
        log.info("sync failed (%s); retrying in %.1f s", reason, delay)
        when = self._clock.now() + dt.timedelta(seconds=delay)
        self._set_state(ConnectionState("offline", next_retry_at=when, reason=reason))
        await sleep_or_wake(self._sleep, delay, self._wake)
        self._set_state(ConnectionState("connecting"))

    # --- history ----------------------------------------------------------------------------

    async def fetch_older(self, conversation_id: int, *, limit: int = 50) -> bool:
        """Fill the newest known gap of a conversation's history with one page from the server.

        Returns True while older history may still be missing locally (call again to go on).
        Raises the API's named errors and :class:`ConnectionProblem` to the caller (the GUI's
        "load more" shows them); nothing is retried here.
        """
        gaps = await self._store.gaps(conversation_id)
        if not gaps:
            return False
        gap = gaps[0]
        page = await self._api.history(conversation_id, before=gap.before_id, limit=limit)
        await self._applier.apply_history_page(conversation_id, gap.before_id, page)
        return bool(await self._store.gaps(conversation_id))


class _ReadAhead:
    """At most one long-poll fetched ahead of the store while a backlog is being applied.

    Catching up is a loop of fetch (server and network) then apply (the store's thread); running
    the next fetch during the current apply roughly halves the time of a long catch-up. The
    prefetch is only used if it starts exactly at the cursor the store holds when it is taken:
    after a failed apply, a snapshot or anything else that moved the cursor, it is thrown away
    and the read is made again, so the store's cursor stays the single source of truth.
    """

    def __init__(self, api: ApiClient) -> None:
        self._api = api
        self._task: asyncio.Task[wire.EventBatch] | None = None
        self._cursor: str | None = None

    async def start(self, cursor: str) -> None:
        await self.drop()
        self._cursor = cursor
        self._task = asyncio.get_running_loop().create_task(
            self._api.events(cursor), name="courtyard-sync-read-ahead"
        )

    async def take(self, cursor: str | None, *, wait: float | None = None) -> wire.EventBatch:
        task, self._task = self._task, None
        if task is not None and self._cursor == cursor:
            return await task
        await stop_task(task)
        return await self._api.events(cursor, wait=wait)

    async def drop(self) -> None:
        """Forget the read-ahead; a failure it ended with is not the caller's (it was unused)."""
        task, self._task = self._task, None
        await stop_task(task)
