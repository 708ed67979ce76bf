"""Wake-ups across server instances through Redis pub/sub; still only "look again".

Each instance keeps a :class:`LocalNotifier` for its own waiters. ``notify`` wakes local waiters
at once and queues the keys for publication on one channel (``<prefix>:wake``); a listener task
feeds every other instance's keys into the local notifier. A wake-up therefore reaches a waiter
whether the commit happened here or elsewhere, and the generation race described in
:mod:`app.server.notifier` stays closed: a remote key is notified locally (and bumps the
generation) only after its commit, so a long-poll that read before it arrived re-reads.

Redis is never the truth. A lost or late message costs a waiter at most one hold: when its hold
ends, the long-poll re-reads the database anyway. To notice Redis failing quietly, the listener
publishes a heartbeat on the same channel and expects to hear it back; when the connection fails
or heartbeats stop, the instance is *degraded*: it logs that once and wakes all its waiters every
``fallback_interval`` seconds (short polling: each re-reads the database), so delivery continues
within about one interval. When heartbeats come back it logs the recovery, wakes every waiter once
(messages published during the outage are gone) and returns to pure push.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.server.notifier import LocalNotifier, Waiter

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 0.5
# No heartbeat heard for this long: Redis is down or not delivering.
HEARTBEAT_TIMEOUT = 2.0


class RedisNotifier:
    """The :class:`~app.server.notifier.Notifier` interface over Redis pub/sub."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "courtyard",
        fallback_interval: float = 1.0,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
    ) -> None:
        self.url = url
        self.channel = f"{prefix}:wake"
        self.fallback_interval = fallback_interval
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.instance = secrets.token_hex(8)
        self._local = LocalNotifier()
        self._pending: set[str] = set()
        self._has_pending = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_heartbeat = 0.0
        self._degraded = True  # until the first heartbeat comes back
        self._announced_degraded = False
        self._closing = False

    # --- the Notifier interface ----------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._local.generation

    @property
    def degraded(self) -> bool:
        """True while wake-ups from other instances may be missed (short polling is on)."""
        return self._degraded

    def notify(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        self._local.notify(keys)
        self._pending.update(keys)
        self._has_pending.set()

    def subscribe(self, keys: Iterable[str]) -> Waiter:
        return self._local.subscribe(keys)

    def changed_since(self, waiter: Waiter, generation: int) -> bool:
        return self._local.changed_since(waiter, generation)

    def touched_since(self, key: str, generation: int) -> bool:
        return self._local.touched_since(key, generation)

    def unsubscribe(self, waiter: Waiter) -> None:
        self._local.unsubscribe(waiter)

    async def start(self) -> None:
        self._last_heartbeat = time.monotonic()
        self._tasks = [
            asyncio.create_task(self._listen(), name="redis-notifier-listen"),
            asyncio.create_task(self._publish(), name="redis-notifier-publish"),
            asyncio.create_task(self._watch(), name="redis-notifier-watch"),
        ]

    async def aclose(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._local.aclose()

    # --- background tasks ----------------------------------------------------------------------

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self.url, socket_connect_timeout=1.0, socket_timeout=2.0, health_check_interval=0
        )

    async def _listen(self) -> None:
        """Subscribe, and feed other instances' keys into the local notifier; reconnect forever."""
        while True:
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                while True:
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg is not None:
                        self._on_message(msg["data"])
            except (RedisError, OSError) as exc:
                self._mark_degraded(f"{exc.__class__.__name__}: {exc}")
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(self.fallback_interval)

    def _on_message(self, data: Any) -> None:
        try:
            body = json.loads(data)
            sender, keys = str(body["from"]), body.get("keys", [])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed message on %s", self.channel)
            return
        if sender == self.instance:
            if body.get("heartbeat"):
                self._heard_heartbeat()
            return  # our own wake-ups were delivered locally already
        if keys:
            self._local.notify(str(k) for k in keys)

    async def _publish(self) -> None:
        """Publish queued keys (coalesced) and a heartbeat every ``heartbeat_interval``."""
        client = self._client()
        try:
            next_beat = 0.0
            while True:
                timeout = max(0.0, next_beat - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._has_pending.wait(), timeout=timeout)
                self._has_pending.clear()
                keys, self._pending = self._pending, set()
                body: dict[str, Any] = {"from": self.instance, "keys": sorted(keys)}
                if time.monotonic() >= next_beat:
                    body["heartbeat"] = True
                    next_beat = time.monotonic() + self.heartbeat_interval
                elif not keys:
                    continue
                try:
                    await client.publish(self.channel, json.dumps(body))
                except (RedisError, OSError) as exc:
                    # Dropped on purpose: the other instances are short-polling meanwhile.
                    self._mark_degraded(f"{exc.__class__.__name__}: {exc}")
                    await asyncio.sleep(min(self.heartbeat_interval, 0.2))
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _watch(self) -> None:
        """Notice silence, and short-poll while degraded: wake every local waiter each interval."""
        while True:
            await asyncio.sleep(min(self.fallback_interval, self.heartbeat_interval))
            if time.monotonic() - self._last_heartbeat > self.heartbeat_timeout:
                self._mark_degraded("no heartbeat heard back")
            if self._degraded:
                self._wake_everyone()
                await asyncio.sleep(max(0.0, self.fallback_interval - self.heartbeat_interval))

    # --- state ---------------------------------------------------------------------------------

    def _heard_heartbeat(self) -> None:
        self._last_heartbeat = time.monotonic()
        if self._degraded:
            self._degraded = False
            if self._announced_degraded:
                log.warning("Redis wake-ups restored on %s; back to push delivery", self.channel)
                self._announced_degraded = False
            # Anything published while we were deaf is lost: everyone looks again once.
            self._wake_everyone()

    def _mark_degraded(self, reason: str) -> None:
        if self._closing:
            return
        self._degraded = True
        if not self._announced_degraded:
            self._announced_degraded = True
            log.warning(
                "Redis wake-ups unavailable (%s); long-polls fall back to re-reading every %.1f s",
                reason,
                self.fallback_interval,
            )

    def _wake_everyone(self) -> None:
        keys = self._local.subscribed_keys()
        if keys:
            self._local.notify(keys)


def announce(url: str, prefix: str, keys: Iterable[str]) -> None:
    """Publish one wake-up from a process that is not a server (the admin command line).

    A device revoked or a policy changed from the command line then reaches every instance's
    waiting long-polls at once instead of when their hold ends. Best effort, like every wake-up:
    if Redis is unreachable the instances still see the change at their next read.
    """
    import redis

    body = json.dumps({"from": f"cli-{secrets.token_hex(4)}", "keys": sorted(keys)})
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.publish(f"{prefix}:wake", body)
        finally:
            client.close()
    except (RedisError, OSError) as exc:
        log.warning(
            "could not tell running servers about the change (%s); they see it at their next read",
            exc.__class__.__name__,
        )
