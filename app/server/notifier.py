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
    """One long-poll's registration: :meth:`wake` when any of its keys is notified.

    A bare future and a timer instead of ``asyncio.wait_for(event.wait())``: with 2,000 polls
    answered a second, the task that ``wait_for`` creates per hold showed up in profiles.
    """

    __slots__ = ("_future", "keys", "woken")

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys
        self.woken = False
        self._future: asyncio.Future[None] | None = None

    def wake(self) -> None:
        if self.woken:
            return
        self.woken = True
        if self._future is not None and not self._future.done():
            self._future.set_result(None)

    async def wait(self, seconds: float) -> bool:
        """Until woken or ``seconds`` have passed; whether it was woken."""
        if self.woken:
            return True
        loop = asyncio.get_running_loop()
        future = self._future = loop.create_future()
        timer = loop.call_later(seconds, _expire, future)
        try:
            await future
        finally:
            timer.cancel()
            self._future = None
        return self.woken


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


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
                waiter.wake()

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
                waiter.wake()
