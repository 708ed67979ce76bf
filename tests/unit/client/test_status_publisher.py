"""The status publisher alone: coalescing, spacing, backoff on 429 and network errors.

The API is an in-process fake that records requests and fails on demand; sleeping advances a
virtual clock instead of waiting, so the spacing and backoff delays are exact.
"""

from __future__ import annotations

import asyncio
import random

from app.client.api import ConnectionProblem
from app.client.connection import Backoff
from app.client.status_publisher import CLEAR, StatusPublisher
from app.core import wire
from app.core.errors import RateLimited, Unauthorized, Unprocessable
from tests.helpers.loop import settle
from tests.unit.client.conftest import run


def _status(text: str) -> wire.StatusSet:
    return wire.StatusSet(text=text, emoji="💬", source="topic")


class FakeApi:
    def __init__(self) -> None:
        self.sent: list[tuple[float, str]] = []
        self.failures: list[Exception] = []
        self.clock = 0.0
        self.gate: asyncio.Event | None = None
        self.sleep_gate: asyncio.Event | None = None
        self.sleeps: list[float] = []
        self.attempts = 0

    async def set_status(self, req: wire.StatusSet) -> wire.User:
        if self.gate is not None:
            await self.gate.wait()
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((self.clock, req.text))
        return wire.User(id=1, username="u", display_name="U")

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.sleep_gate is not None:
            await self.sleep_gate.wait()
        self.clock += seconds
        await asyncio.sleep(0)


def _publisher(api: FakeApi, **kw: object) -> StatusPublisher:
    backoff = Backoff(base=2.0, cap=60.0, rng=random.Random(1))
    return StatusPublisher(api, sleep=api.sleep, backoff=backoff, monotonic=lambda: api.clock, **kw)  # type: ignore[arg-type]


def test_a_burst_while_a_request_is_in_flight_costs_one_more_request() -> None:
    async def scenario() -> None:
        api = FakeApi()
        api.gate = asyncio.Event()
        pub = _publisher(api)
        pub.start()
        pub.publish(_status("one"))
        await settle()
        for text in ("two", "three", "four"):
            pub.publish(_status(text))
        api.gate.set()
        await settle()
        assert [t for _, t in api.sent] == ["one", "four"]
        assert api.sent[1][0] - api.sent[0][0] >= 2.0  # spaced by min_gap
        pub.publish(_status("four"))  # what the server has already: nothing is sent
        await settle()
        assert len(api.sent) == 2
        await pub.aclose()

    run(scenario())


def test_rate_limited_waits_at_least_retry_after_then_sends_the_latest_wish() -> None:
    async def scenario() -> None:
        api = FakeApi()
        api.failures = [RateLimited("slow down", retry_after=40)]
        pub = _publisher(api)
        progress = []
        pub.progress_did_change.connect(progress.append)
        pub.start()
        pub.publish(_status("first"))
        await settle()
        assert any(p.state == "waiting" and (p.retry_in or 0) >= 40 for p in progress)
        assert [t for _, t in api.sent] == ["first"] and api.sent[0][0] >= 40
        await pub.aclose()

    run(scenario())


def test_network_errors_back_off_exponentially_and_coalesce() -> None:
    async def scenario() -> None:
        api = FakeApi()
        api.failures = [ConnectionProblem("down")] * 3
        api.sleep_gate = asyncio.Event()
        pub = _publisher(api)
        pub.start()
        pub.publish(_status("a"))
        await settle()
        assert pub.progress.state == "waiting" and pub.progress.reason == "offline"
        pub.publish(_status("b"))  # while backing off: only the latest wish counts
        pub.publish(None)
        api.sleep_gate.set()
        await settle()
        # Three failed attempts, then one request carrying the latest wish (cleared).
        assert [t for _, t in api.sent] == [""]
        assert api.attempts == 4
        assert api.clock >= 3 * 2.0  # never faster than one attempt per min_gap
        assert pub.sent == CLEAR
        await pub.aclose()

    run(scenario())


def test_a_refused_status_is_dropped_and_unauthorized_stops() -> None:
    async def scenario() -> None:
        api = FakeApi()
        api.failures = [Unprocessable("too long")]
        pub = _publisher(api)
        pub.start()
        pub.publish(_status("x"))
        await settle()
        assert api.sent == [] and pub.progress.state == "failed"
        api.failures = [Unauthorized("gone")]
        pub.publish(_status("y"))
        await settle()
        pub.publish(_status("z"))
        await settle()
        assert api.sent == []  # stopped for good: the session ends on 401
        await pub.aclose()

    run(scenario())
