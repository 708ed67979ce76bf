"""The sender: drains the store's outbox to the server strictly in the order it was written.

Every local mutation (send, edit, delete, reaction, read marker) is first an outbox row in the
encrypted store, so it survives a restart and shows as pending. The sender delivers rows one at a
time, oldest first:

- success → the row is removed (a send also stores the server's message in the same transaction);
- network failure, 5xx or 429 → the row stays, the attempt is counted, and the *same* row (same
  ``client_msg_id``) is tried again after a backoff; nothing behind it overtakes it;
- any other 4xx, and the 429 ``offhours_urgent_limit`` (an urgent send to people who are off,
  beyond the sender's hourly allowance: waiting up to an hour would hold up every later row) →
  the row is marked failed with the server's reason and ``delivery_refused`` fires; a user's
  resend creates a new row with a new ``client_msg_id`` (:meth:`Outbox.resend`);
- 401 → the sender stops and ``authorisation_did_end`` fires (the session wipes the account).

It wakes when something is enqueued and when the sync service reports the connection is back
(:meth:`Outbox.nudge`). Sends wait for the first snapshot, which tells the store who "me" is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeGuard

from app.client.api import ApiClient, ConnectionProblem
from app.client.apply import Applier
from app.client.changes import ChangeSet
from app.client.connection import Backoff, Sleep, sleep_or_wake
from app.client.rows import OutboxItem
from app.client.store import Store
from app.client.store_errors import UserFacingStoreError
from app.client.tasks import stop_task
from app.core import wire
from app.core.errors import ApiError, Conflict, RateLimited, ServerError, Unauthorized
from app.core.observer import Signal

log = logging.getLogger(__name__)

_RETRIABLE = (ConnectionProblem, ServerError, RateLimited, UserFacingStoreError)


class Outbox:
    """Queue local mutations (methods return the row's ``client_msg_id``) and deliver them."""

    def __init__(
        self,
        *,
        api: ApiClient,
        store: Store,
        applier: Applier | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self._api = api
        self._store = store
        self._applier = applier or Applier(store)
        self._sleep = sleep
        self._backoff = backoff or Backoff()
        self._work = asyncio.Event()
        self._online = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.authorisation_did_end: Signal[[ApiError]] = Signal("authorisation_did_end")
        self.delivery_refused: Signal[[OutboxItem, ApiError]] = Signal("delivery_refused")
        """The server refused a row for good (it is marked failed): the GUI explains why."""
        self.delivered = 0
        """Rows delivered by this instance (for tests and diagnostics)."""

    # --- queueing ---------------------------------------------------------------------------

    async def send(
        self,
        conversation_id: int,
        body: str,
        *,
        topic_id: int | None = None,
        reply_to: int | None = None,
        urgent: bool = False,
    ) -> str:
        payload: dict[str, Any] = {"body": body, "urgent": urgent}
        if topic_id is not None:
            payload["topic_id"] = topic_id
        if reply_to is not None:
            payload["reply_to"] = reply_to
        return await self._enqueue("send", conversation_id, payload)

    async def edit(self, conversation_id: int, message_id: int, body: str) -> str:
        return await self._enqueue(
            "edit", conversation_id, {"message_id": message_id, "body": body}
        )

    async def delete(self, conversation_id: int, message_id: int) -> str:
        return await self._enqueue("delete", conversation_id, {"message_id": message_id})

    async def react(self, conversation_id: int, message_id: int, emoji: str, on: bool) -> str:
        payload = {"message_id": message_id, "emoji": emoji, "on": on}
        return await self._enqueue("react", conversation_id, payload)

    async def mark_read(self, conversation_id: int, up_to: int) -> str:
        return await self._enqueue("read", conversation_id, {"up_to": up_to})

    async def resend(self, client_msg_id: str) -> str:
        """Queue a failed row again, at the end, under a new ``client_msg_id``."""
        new_id = await self._store.outbox_retry(client_msg_id)
        self._work.set()
        return new_id

    async def discard(self, client_msg_id: str) -> None:
        """Drop a failed row the user gave up on."""
        await self._store.outbox_done(client_msg_id)

    async def _enqueue(self, kind: Any, conversation_id: int, payload: dict[str, Any]) -> str:
        cmid = await self._store.enqueue(kind, conversation_id, payload)
        self._work.set()
        return cmid

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("Outbox.start() called twice")
        self._work.set()  # rows left from an earlier run
        self._task = asyncio.get_running_loop().create_task(self._run(), name="courtyard-outbox")

    def nudge(self) -> None:
        """The connection is back: end any backoff wait and try at once."""
        self._online.set()
        self._work.set()

    async def aclose(self) -> None:
        await stop_task(self._task)

    # --- draining ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._work.wait()
            self._work.clear()
            if not await self._drain():
                return

    async def _drain(self) -> bool:
        """Deliver pending rows in order until none is left; False once authorisation ended."""
        while True:
            if await self._store.my_id() is None:
                return True  # no snapshot yet; the sync service's "online" nudges us again
            pending = [i for i in await self._store.outbox() if i.state == "pending"]
            if not pending:
                return True
            for item in pending:
                try:
                    await self._deliver(item)
                except Unauthorized as exc:
                    log.warning("outbox stopped: authorisation ended (%s)", exc.code)
                    self.authorisation_did_end.emit(exc)
                    return False
                except _RETRIABLE as exc:
                    if _refusal(exc):
                        await self._refuse(item, exc)
                        continue
                    await self._store.outbox_attempted(item.client_msg_id)
                    retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
                    delay = self._backoff.next_delay(retry_after)
                    log.info("outbox delivery failed (%s); retry in %.1f s", _why(exc), delay)
                    await sleep_or_wake(self._sleep, delay, self._online)
                    break  # start again from the oldest pending row
                except ApiError as exc:
                    await self._refuse(item, exc)
                else:
                    self._backoff.reset()
                    self.delivered += 1

    async def _refuse(self, item: OutboxItem, exc: ApiError) -> None:
        log.info("outbox row refused by the server (%s)", exc.code)
        await self._store.outbox_failed(item.client_msg_id, exc.detail)
        self.delivery_refused.emit(item, exc)

    async def _deliver(self, item: OutboxItem) -> None:
        p, cid = item.payload, item.conversation_id
        if item.kind == "send":
            req = wire.MessageCreate(client_msg_id=item.client_msg_id, **p)
            message, _created = await self._api.send_message(cid, req)
            changes = await self._applier.apply_sent(message)
            if item.client_msg_id not in changes.outbox:
                # Already confirmed by the event stream (then the row is gone) or not recognised
                # as mine; either way the row must not be sent again.
                await self._remove_if_present(item.client_msg_id)
            return
        try:
            if item.kind == "edit":
                await self._api.edit_message(int(p["message_id"]), str(p["body"]))
            elif item.kind == "delete":
                await self._api.delete_message(int(p["message_id"]))
            elif item.kind == "react":
                await self._api.set_reaction(int(p["message_id"]), str(p["emoji"]), bool(p["on"]))
            elif item.kind == "read":
                await self._api.mark_read(cid, int(p["up_to"]))
        except Conflict as exc:
            # A delete retried after its first attempt succeeded (answer lost): already done.
            if not (item.kind == "delete" and exc.code == "message_deleted"):
                raise
        # The resulting state arrives through the event stream, the only writer of server rows.
        await self._store.outbox_done(item.client_msg_id)

    async def _remove_if_present(self, client_msg_id: str) -> None:
        await self._store.commit(_drop_tx, client_msg_id)


def _refusal(exc: Exception) -> TypeGuard[RateLimited]:
    """A 429 that waiting would not cure soon: the urgent allowance towards people who are off."""
    return isinstance(exc, RateLimited) and exc.code == "offhours_urgent_limit"


def _drop_tx(conn: Any, cs: ChangeSet, client_msg_id: str) -> None:
    """Remove a delivered row if it is still there (one transaction, so no race with sync)."""
    if conn.execute("DELETE FROM outbox WHERE client_msg_id = ?", (client_msg_id,)).rowcount:
        cs.outbox.add(client_msg_id)


def _why(exc: Exception) -> str:
    return exc.code if isinstance(exc, ApiError) else type(exc).__name__
