"""Publishes the workday status to the server calmly: latest wins, one request at a time.

The status engine decides *what* colleagues see; this decides *when* it is sent:

- **coalescing** — :meth:`StatusPublisher.publish` only records the wish; one task sends the most
  recent wish, so a burst of changes while a request is in flight (or while waiting) costs one
  request, and a wish equal to what the server already has costs none;
- **spacing** — two requests are at least ``min_gap`` seconds apart, whatever asks for them;
- **backoff** — a network failure, 5xx or 429 waits (exponential, full jitter, never shorter than
  the server's ``Retry-After``), then sends whatever the wish is *by then*;
- any other 4xx drops that wish (it would fail the same way again) and is reported; 401 is left
  to the sync service, which ends the session.

Only :class:`~app.core.wire.StatusSet` values pass through here, i.e. a rule's output or the
user's own words; the publisher never sees a window title. Status text is not logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from app.client.api import ConnectionProblem
from app.client.connection import Backoff, Sleep
from app.client.tasks import stop_task
from app.core import wire
from app.core.errors import ApiError, RateLimited, ServerError, Unauthorized
from app.core.observer import Signal

log = logging.getLogger(__name__)

#: A cleared status, as sent to the server.
CLEAR = wire.StatusSet(text="", source="presence")
_RETRIABLE = (ConnectionProblem, ServerError, RateLimited)

PublishState = Literal["idle", "sending", "waiting", "failed"]


class StatusApi(Protocol):
    async def set_status(self, req: wire.StatusSet) -> wire.User: ...


@dataclass(frozen=True)
class PublishProgress:
    """Where publishing stands: ``waiting`` carries the seconds until the next attempt and why,
    ``failed`` the server's reason for refusing the last wish."""

    state: PublishState
    retry_in: float | None = None
    reason: str | None = None


class StatusPublisher:
    """Start with :meth:`start` on the running loop; end with :meth:`aclose`."""

    def __init__(
        self,
        api: StatusApi,
        *,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
        min_gap: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._sleep = sleep
        self._backoff = backoff or Backoff(base=2.0, cap=300.0)
        self._min_gap = min_gap
        self._monotonic = monotonic
        self._wish: wire.StatusSet | None = None
        self._sent: wire.StatusSet | None = None
        self._last_attempt: float | None = None
        self._work = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.sent_count = 0
        self.progress_did_change: Signal[[PublishProgress]] = Signal("progress_did_change")
        self.progress = PublishProgress("idle")

    @property
    def sent(self) -> wire.StatusSet | None:
        """What the server last accepted from us (None before the first success)."""
        return self._sent

    def assume_sent(self, status: wire.StatusSet | None) -> None:
        """What the server already has (from the stored snapshot), so an equal wish costs nothing."""
        self._sent = status

    def publish(self, status: wire.StatusSet | None) -> None:
        """Make ``status`` (None: cleared) what colleagues see, as soon as calmly possible."""
        self._wish = status if status is not None and status.text else CLEAR
        self._work.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="status-publish")

    async def aclose(self) -> None:
        await stop_task(self._task)
        self._task = None

    def cancel(self) -> None:
        """Stop sending without waiting (from a synchronous close); pending wishes are dropped."""
        if self._task is not None:
            self._task.cancel()

    async def flush(self, within: float) -> bool:
        """Send the current wish now if one is pending (for sign-out or quit); True when the
        server has it. Never raises: a failure here only means colleagues keep the old status."""
        wish = self._wish
        if wish is None or wish == self._sent:
            return True
        await self.aclose()
        try:
            await asyncio.wait_for(self._api.set_status(wish), within)
        except (TimeoutError, ApiError, ConnectionProblem) as exc:
            log.info("status not published before closing (%s)", type(exc).__name__)
            return False
        self._sent = wish
        return True

    # --- the sending task -------------------------------------------------------------------

    def _report(self, progress: PublishProgress) -> None:
        if progress != self.progress:
            self.progress = progress
            self.progress_did_change.emit(progress)

    async def _run(self) -> None:
        while True:
            await self._work.wait()
            self._work.clear()
            wish = self._wish
            if wish is None or wish == self._sent:
                continue
            if self._last_attempt is not None:
                gap = self._min_gap - (self._monotonic() - self._last_attempt)
                if gap > 0:
                    await self._sleep(gap)
                    self._work.set()  # look again: the wish may have changed while we waited
                    continue
            if not await self._attempt(wish):
                return

    async def _attempt(self, wish: wire.StatusSet) -> bool:
        """One request; False when the session's authorisation ended (stop for good)."""
        self._last_attempt = self._monotonic()
        self._report(PublishProgress("sending"))
        try:
            await self._api.set_status(wish)
        except Unauthorized:
            self._report(PublishProgress("failed", reason="You are signed out."))
            return False
        except _RETRIABLE as exc:
            retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
            delay = self._backoff.next_delay(retry_after)
            log.info("status not published (%s); retry in %.1f s", type(exc).__name__, delay)
            reason = "busy server" if isinstance(exc, RateLimited | ServerError) else "offline"
            self._report(PublishProgress("waiting", retry_in=delay, reason=reason))
            await self._sleep(delay)
            self._work.set()  # then send whatever the wish is by now
            return True
        except ApiError as exc:
            log.warning("status refused by the server (%s)", exc.code)
            if self._wish == wish:
                self._wish = None
            self._report(PublishProgress("failed", reason=exc.detail or exc.title))
            return True
        self._backoff.reset()
        self._sent = wish
        self.sent_count += 1
        self._report(PublishProgress("idle"))
        if self._wish != wish:
            self._work.set()
        return True
