"""One signed-in account wired together: the composition root of the headless client.

A :class:`Session` owns the account's store, API client, sync service and outbox, and exposes the
notifications the GUI's bridge turns into Qt signals::

    session.store_did_change       Signal[[Changes]]          after every committed local change
    session.connection_did_change  Signal[[ConnectionState]]  online / connecting / offline (+ retry)
    session.signed_out_by_org      Signal[[str]]              device revoked or person deactivated:
                                                              the local copy is already wiped

Create one with :meth:`Session.sign_in` (new sign-in) or :meth:`Session.open` (stored account),
then :meth:`start`; end it with :meth:`aclose` or :meth:`sign_out`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import httpx

from app.client.api import DEFAULT_POLL_HOLD, ApiClient, ConnectionProblem
from app.client.apply import Applier
from app.client.changes import Changes
from app.client.connection import Backoff, ConnectionState, Sleep
from app.client.keys import Account, KeyCustody
from app.client.outbox import Outbox
from app.client.protection import ProtectionReporter
from app.client.store import Store
from app.client.sync import SyncService
from app.core import wire
from app.core.clock import Clock, SystemClock
from app.core.errors import ApiError
from app.core.observer import Signal

log = logging.getLogger(__name__)

SIGNED_OUT_BY_ORG = (
    "You were signed out by your organisation. The local copy of your messages on this device "
    "has been removed."
)


class NotSignedIn(Exception):
    """The account has a local copy but no device token (it was signed out): sign in again."""


class Session:
    """One account: store + api + sync + outbox. Build with :meth:`sign_in` or :meth:`open`."""

    def __init__(
        self,
        *,
        account: Account,
        store: Store,
        api: ApiClient,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        make_backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.account = account
        self.store = store
        self.api = api
        applier = Applier(store)
        self.sync = SyncService(
            api=api,
            store=store,
            applier=applier,
            clock=clock or SystemClock(),
            sleep=sleep,
            backoff=make_backoff(),
        )
        self.outbox = Outbox(
            api=api, store=store, applier=applier, sleep=sleep, backoff=make_backoff()
        )
        self.protection = ProtectionReporter(api)
        """This device's watermark and capture-protection state, reported to the server."""
        self.store_did_change: Signal[[Changes]] = store.store_did_change
        self.connection_did_change: Signal[[ConnectionState]] = self.sync.connection_did_change
        self.signed_out_by_org: Signal[[str]] = Signal("signed_out_by_org")
        self._ending: asyncio.Task[None] | None = None
        self._closed = False
        self.sync.connection_did_change.connect(self._on_sync_connection_changed)
        self.sync.authorisation_did_end.connect(self._on_authorisation_ended)
        self.outbox.authorisation_did_end.connect(self._on_authorisation_ended)

    # --- construction -----------------------------------------------------------------------

    @classmethod
    async def sign_in(
        cls,
        server_url: str,
        username: str,
        password: str,
        device_name: str,
        *,
        keys: KeyCustody,
        data_dir: Path | None = None,
        passphrase: str | None = None,
        allow_insecure_http: bool = False,
        poll_hold: float = DEFAULT_POLL_HOLD,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        make_backoff: Callable[[], Backoff] = Backoff,
    ) -> Session:
        """Sign in, open (or create) the account's encrypted store and keep the device token in
        the keyring. Raises the API's named errors (``Unauthorized`` with code
        ``invalid_credentials``, ``RateLimited``), ``ConnectionProblem``, ``InsecureServerUrl``
        and the store's user-facing errors; on a store error the new token is revoked again."""
        api = ApiClient(
            server_url,
            allow_insecure_http=allow_insecure_http,
            poll_hold=poll_hold,
            transport=transport,
        )
        try:
            answer = await api.login(username, password, device_name)
            account = Account(server_url, answer.user.username)
            try:
                store = await Store.open(
                    account, keys=keys, data_dir=data_dir, passphrase=passphrase, clock=clock
                )
                try:
                    await store.set_device_token(answer.token)
                except BaseException:
                    await store.close()
                    raise
            except BaseException:
                # Best effort: if this fails the token stays unused; IT can revoke the device.
                with contextlib.suppress(ApiError, ConnectionProblem):
                    await api.logout()
                raise
        except BaseException:
            await api.aclose()
            raise
        return cls(
            account=account,
            store=store,
            api=api,
            clock=clock,
            sleep=sleep,
            make_backoff=make_backoff,
        )

    @classmethod
    async def open(
        cls,
        account: Account,
        *,
        keys: KeyCustody,
        data_dir: Path | None = None,
        passphrase: str | None = None,
        allow_insecure_http: bool = False,
        poll_hold: float = DEFAULT_POLL_HOLD,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        make_backoff: Callable[[], Backoff] = Backoff,
    ) -> Session:
        """Open a stored account (works offline). Raises :class:`NotSignedIn` when its device
        token is gone, and the store's user-facing errors."""
        store = await Store.open(
            account, keys=keys, data_dir=data_dir, passphrase=passphrase, clock=clock
        )
        try:
            token = await store.device_token()
            if token is None:
                raise NotSignedIn(f"{account.username} is signed out on this device")
            api = ApiClient(
                account.server_url,
                token=token,
                allow_insecure_http=allow_insecure_http,
                poll_hold=poll_hold,
                transport=transport,
            )
        except BaseException:
            await store.close()
            raise
        return cls(
            account=account,
            store=store,
            api=api,
            clock=clock,
            sleep=sleep,
            make_backoff=make_backoff,
        )

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start syncing and sending (on the running asyncio loop)."""
        self.sync.start()
        self.outbox.start()
        self.protection.start()

    @property
    def ended_by_org(self) -> bool:
        return self._ending is not None

    async def wait_ended(self) -> None:
        """Wait until a sign-out by the organisation has finished wiping (if one started)."""
        if self._ending is not None:
            await asyncio.shield(self._ending)

    async def aclose(self) -> None:
        """Stop syncing and sending and close the store; queued rows wait for the next start."""
        if self._ending is not None:
            await asyncio.shield(self._ending)
            return
        if self._closed:
            return
        self._closed = True
        await self.sync.aclose()
        await self.outbox.aclose()
        await self.protection.aclose()
        await self.api.aclose()
        await self.store.close()

    async def sign_out(self, *, remove_local_data: bool) -> None:
        """Revoke this device's token (best effort when offline) and forget it locally; with
        ``remove_local_data`` also delete the database, its WAL and the keyring entry."""
        if self._ending is not None:
            await asyncio.shield(self._ending)
            return
        self._closed = True
        await self.sync.aclose()
        await self.outbox.aclose()
        await self.protection.aclose()
        try:
            await self.api.logout()
        except (ApiError, ConnectionProblem) as exc:
            log.info("server-side sign-out failed (%s); forgetting the token locally", exc)
        await self.api.aclose()
        if remove_local_data:
            await self.store.wipe()
        else:
            await self.store.set_device_token(None)
            await self.store.close()

    # --- online actions (not queued: the user waits for and sees their answer) ----------------

    async def set_pinned(self, message_id: int, pinned: bool) -> wire.Message:
        return await self.api.set_pinned(message_id, pinned)

    async def receipts(self, message_id: int) -> wire.Receipts:
        return await self.api.receipts(message_id)

    async def urge(self, message_id: int) -> wire.UrgeResult:
        return await self.api.urge(message_id)

    async def create_topic(
        self, conversation_id: int, title: str, *, link: wire.TopicLink | None = None
    ) -> wire.Topic:
        return await self.api.create_topic(
            conversation_id, wire.TopicCreate(title=title, link=link)
        )

    async def set_topic_closed(self, topic_id: int, closed: bool) -> wire.Topic:
        return await self.api.patch_topic(topic_id, wire.TopicPatch(closed=closed))

    async def set_schedule(self, schedule: wire.Schedule | None) -> wire.User:
        """My working hours (None: the organisation default); the event updates the store."""
        return await self.api.set_schedule(schedule)

    async def set_dnd(self, until: dt.datetime | None) -> wire.User:
        """Do not disturb until ``until`` (None ends it); the event updates the store."""
        return await self.api.set_dnd(until)

    async def breakthrough(self) -> wire.MyBreakthrough:
        """Who may wake me while I am off, as the server keeps it for all my devices."""
        return await self.api.breakthrough()

    async def set_breakthrough(self, req: wire.Breakthrough) -> wire.MyBreakthrough:
        return await self.api.set_breakthrough(req)

    async def open_direct_message(self, user_id: int) -> wire.Conversation:
        """The direct message with ``user_id``: created on the server the first time (it reaches
        the local store through sync, like every conversation), or the existing one."""
        return await self.api.create_conversation(
            wire.ConversationCreate(kind="dm", members=[user_id])
        )

    # --- wiring -----------------------------------------------------------------------------

    def _on_sync_connection_changed(self, state: ConnectionState) -> None:
        if state.status == "online":
            self.outbox.nudge()
            self.protection.nudge()

    def _on_authorisation_ended(self, _exc: ApiError) -> None:
        if self._ending is None and not self._closed:
            self._ending = asyncio.get_running_loop().create_task(
                self._end_by_org(), name="courtyard-signed-out-by-org"
            )

    async def _end_by_org(self) -> None:
        self._closed = True
        await self.sync.aclose()
        await self.outbox.aclose()
        await self.protection.aclose()
        await self.api.aclose()
        await self.store.wipe()
        log.warning("signed out by the organisation; local data wiped")
        self.signed_out_by_org.emit(SIGNED_OUT_BY_ORG)
