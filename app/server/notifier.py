"""Wake-ups for waiting long-polls: "look again", never the events themselves.

The stored events stay the truth. A notifier only tells waiters whose keys (``c:<conversation>``,
``u:<user>``, ``d:<device>``, ``org``) were touched that they should re-read the database. The
in-process notifier serves one server; :class:`app.server.notifier_redis.RedisNotifier` (same
interface) serves several instances sharing one PostgreSQL database.

The race between a long-poll reading the database and subscribing is closed with a generation
counter: the poll notes ``generation`` *before* it reads, subscribes after, and re-reads if any
of its keys was notified since. Every notification follows its commit, so none can slip between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol


class Waiter:
    """One long-poll's registration; ``event`` is set when any of its keys is notified."""

    __slots__ = ("event", "keys")

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys
        self.event = asyncio.Event()


class Notifier(Protocol):
    @property
    def generation(self) -> int: ...

    def notify(self, keys: Iterable[str]) -> None:
        """Called on the event loop after a transaction that touched ``keys`` committed."""
        ...

    def subscribe(self, keys: Iterable[str]) -> Waiter: ...

    def changed_since(self, waiter: Waiter, generation: int) -> bool: ...

    def touched_since(self, key: str, generation: int) -> bool:
        """Whether ``key`` was notified after ``generation``."""
        ...

    def unsubscribe(self, waiter: Waiter) -> None: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


class LocalNotifier:
    """In-process wake-ups; every call happens on the event loop thread, so no locks."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[Waiter]] = {}
        self._touched: dict[str, int] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self, keys: Iterable[str]) -> None:
        self._generation += 1
        for key in keys:
            self._touched[key] = self._generation
            for waiter in self._waiters.get(key, ()):
                waiter.event.set()

    def subscribe(self, keys: Iterable[str]) -> Waiter:
        waiter = Waiter(frozenset(keys))
        for key in waiter.keys:
            self._waiters.setdefault(key, set()).add(waiter)
        return waiter

    def changed_since(self, waiter: Waiter, generation: int) -> bool:
        return any(self._touched.get(key, 0) > generation for key in waiter.keys)

    def touched_since(self, key: str, generation: int) -> bool:
        return self._touched.get(key, 0) > generation

    def unsubscribe(self, waiter: Waiter) -> None:
        for key in waiter.keys:
            bucket = self._waiters.get(key)
            if bucket is not None:
                bucket.discard(waiter)
                if not bucket:
                    del self._waiters[key]

    def subscribed_keys(self) -> list[str]:
        """Every key some waiter waits on (the Redis notifier's short-poll fallback wakes them)."""
        return list(self._waiters)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        for bucket in self._waiters.values():
            for waiter in bucket:
                waiter.event.set()
