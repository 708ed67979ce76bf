"""Connection state as the GUI shows it, and the reconnect backoff (exponential, full jitter).

Full jitter (a uniformly random delay between 0 and the exponential ceiling) spreads the reconnects
of a whole office after a server restart instead of having them arrive in waves. ``Retry-After``
is a floor: the delay is never shorter than what the server asked for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from app.core.observer import Signal

Sleep = Callable[[float], Awaitable[None]]
ConnectionStatus = Literal["online", "connecting", "offline"]


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """``offline`` carries when the next attempt happens and why the last one failed."""

    status: ConnectionStatus
    next_retry_at: dt.datetime | None = None
    reason: str | None = None


def connection_did_change_signal() -> Signal[[ConnectionState]]:
    return Signal("connection_did_change")


class Backoff:
    """Delays for consecutive failures: ``uniform(0, min(cap, base * 2**n))``, floored by
    ``Retry-After`` (and by ``minimum`` so a tight loop is impossible)."""

    def __init__(
        self,
        *,
        base: float = 0.5,
        cap: float = 60.0,
        minimum: float = 0.05,
        rng: random.Random | None = None,
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.minimum = minimum
        self._rng = rng or random.Random()
        self.failures = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay (before Retry-After)."""
        return min(self.cap, self.base * 2.0 ** min(self.failures, 62))

    def next_delay(self, retry_after: float | None = None) -> float:
        """The delay before the next attempt; counts one more consecutive failure."""
        delay = max(self._rng.uniform(0.0, self.ceiling()), self.minimum)
        self.failures += 1
        if retry_after is not None:
            delay = max(delay, float(retry_after))
        return delay

    def reset(self) -> None:
        """A success: the next failure starts from ``base`` again."""
        self.failures = 0


async def sleep_or_wake(sleep: Sleep, delay: float, wake: asyncio.Event) -> bool:
    """Sleep ``delay`` seconds (with the injected ``sleep``) unless ``wake`` is set first.

    Returns True when woken early. Clears ``wake`` so each nudge is used once."""
    if wake.is_set():
        wake.clear()
        return True
    sleeper = asyncio.ensure_future(sleep(delay))
    waiter = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waiter):
            task.cancel()
        await asyncio.gather(sleeper, waiter, return_exceptions=True)
    woken = wake.is_set()
    wake.clear()
    return woken
