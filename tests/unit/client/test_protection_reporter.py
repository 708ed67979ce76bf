"""The device's protection report over an in-process transport: newest state wins, offline
waits for the connection, nothing is sent twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from app.client.api import ApiClient
from app.client.protection import ProtectionReporter
from app.core.wire import DeviceProtectionReport

ON = DeviceProtectionReport(watermark_shown=True, capture_protection="unsupported", platform="L")
OFF = DeviceProtectionReport(watermark_shown=False, capture_protection="off", platform="L")


class Server:
    """Answers POST /me/device/protection, or fails like a network that is down."""

    def __init__(self) -> None:
        self.online = True
        self.received: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/api/v1/me/device/protection")
        if not self.online:
            raise httpx.ConnectError("down", request=request)
        body = json.loads(request.content)
        self.received.append(body)
        return httpx.Response(
            200,
            json={**body, "device_id": 7, "user_id": 3, "reported_at": "2026-01-05T09:00:00Z"},
        )


async def _settle() -> None:
    """Let the reporter's task run to its end (the transport answers at once)."""
    for _ in range(20):
        await asyncio.sleep(0)


def _run(server: Server, scenario: Callable[[ProtectionReporter], Awaitable[None]]) -> None:
    async def main() -> None:
        api = ApiClient("https://chat.example.com", transport=httpx.MockTransport(server))
        reporter = ProtectionReporter(api)
        reporter.start()
        try:
            await scenario(reporter)
        finally:
            await reporter.aclose()
            await api.aclose()

    asyncio.run(main())


def test_a_report_is_sent_once_and_repeats_are_not() -> None:
    server = Server()

    async def scenario(reporter: ProtectionReporter) -> None:
        reporter.set(ON)
        await _settle()
        reporter.set(ON)
        reporter.nudge()
        await _settle()
        assert reporter.sent == ON

    _run(server, scenario)
    assert server.received == [ON.model_dump()]


def test_offline_the_newest_state_waits_for_the_connection() -> None:
    server = Server()

    async def scenario(reporter: ProtectionReporter) -> None:
        server.online = False
        reporter.set(ON)
        await _settle()
        reporter.set(OFF)  # changed again while offline: only this one matters
        await _settle()
        assert reporter.sent is None and reporter.wanted == OFF
        server.online = True
        reporter.nudge()  # the session calls this when the connection is back
        await _settle()
        assert reporter.sent == OFF

    _run(server, scenario)
    assert server.received == [OFF.model_dump()]


@pytest.mark.parametrize("status", [401, 422, 500])
def test_a_refused_report_is_logged_not_retried_in_a_loop(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        problem = {"type": "x", "title": "t", "status": status, "detail": "no", "code": "c"}
        return httpx.Response(
            status, json=problem, headers={"content-type": "application/problem+json"}
        )

    async def main() -> None:
        api = ApiClient("https://chat.example.com", transport=httpx.MockTransport(refuse))
        reporter = ProtectionReporter(api)
        reporter.start()
        reporter.set(ON)
        await _settle()
        assert reporter.sent is None
        await reporter.aclose()
        await api.aclose()

    asyncio.run(main())
    assert calls == [1]
    assert "refused the protection report" in caplog.text


def test_set_works_from_a_callback_while_the_loop_is_not_running() -> None:
    """Qt may deliver the window's change between two runs of the loop (tests do, and a
    slot can fire while nothing async runs): set() must not need a running loop."""
    server = Server()
    loop = asyncio.new_event_loop()
    try:

        async def begin() -> tuple[ApiClient, ProtectionReporter]:
            api = ApiClient("https://chat.example.com", transport=httpx.MockTransport(server))
            reporter = ProtectionReporter(api)
            reporter.start()
            return api, reporter

        api, reporter = loop.run_until_complete(begin())
        reporter.set(ON)  # no loop running here
        loop.run_until_complete(_settle())
        assert reporter.sent == ON
        loop.run_until_complete(reporter.aclose())
        loop.run_until_complete(api.aclose())
    finally:
        loop.close()
    assert server.received == [ON.model_dump()]
