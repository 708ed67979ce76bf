"""The API client over an in-process transport: URL policy, named errors, timeouts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.client.api import ApiClient, ConnectionProblem, InsecureServerUrl, check_server_url
from app.core.errors import (
    Conflict,
    CursorExpired,
    Forbidden,
    RateLimited,
    ServerError,
    Unauthorized,
)
from app.core.wire import MessageCreate


def _client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> ApiClient:
    return ApiClient("https://chat.example.com", transport=httpx.MockTransport(handler), **kw)


def _problem(status: int, code: str, **extra: Any) -> httpx.Response:
    body = {"type": "x", "title": "t", "status": status, "detail": f"d-{code}", "code": code}
    return httpx.Response(
        status,
        content=json.dumps({**body, **extra}),
        headers={"content-type": "application/problem+json", **extra.pop("headers", {})},
    )


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:9", "https://chat.example.com"],
)
def test_loopback_http_and_https_are_accepted(url: str) -> None:
    check_server_url(url)


@pytest.mark.parametrize("url", ["http://chat.example.com", "http://10.0.0.5", "ftp://x", "x"])
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(InsecureServerUrl):
        check_server_url(url)


def test_plain_http_is_allowed_only_when_asked_for() -> None:
    assert check_server_url("http://chat.example.com", allow_insecure_http=True).host


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "unauthorized", Unauthorized),
        (403, "edit_window_closed", Forbidden),
        (409, "client_msg_id_conflict", Conflict),
        (410, "cursor_expired", CursorExpired),
        (503, "unavailable", ServerError),
    ],
)
def test_problems_become_named_exceptions(status: int, code: str, cls: type[Exception]) -> None:
    async def scenario() -> None:
        api = _client(lambda _req: _problem(status, code))
        try:
            with pytest.raises(cls) as info:
                await api.snapshot()
            assert info.value.code == code
        finally:
            await api.aclose()

    asyncio.run(scenario())


def test_retry_after_header_is_carried_and_non_json_errors_still_map() -> None:
    async def scenario() -> None:
        responses = [
            httpx.Response(429, content=b"{}", headers={"Retry-After": "42"}),
            httpx.Response(502, content=b"<html>bad gateway</html>"),
        ]
        api = _client(lambda _req: responses.pop(0))
        try:
            with pytest.raises(RateLimited) as limited:
                await api.me()
            assert limited.value.retry_after == 42
            with pytest.raises(ServerError):
                await api.me()
        finally:
            await api.aclose()

    asyncio.run(scenario())


def test_network_failures_become_connection_problem() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def scenario() -> None:
        api = _client(refuse)
        try:
            with pytest.raises(ConnectionProblem):
                await api.events("e.1")
        finally:
            await api.aclose()

    asyncio.run(scenario())


def test_long_poll_read_timeout_exceeds_its_hold_and_token_is_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"events": [], "cursor": "e.3", "more": False})

    async def scenario() -> None:
        api = _client(handler, token="secret-token", poll_hold=25.0)
        try:
            batch = await api.events("e.2")
            assert batch.cursor == "e.3"
        finally:
            await api.aclose()

    asyncio.run(scenario())
    request = seen[0]
    assert request.url.params["wait"] == "25.0" and request.url.params["after"] == "e.2"
    timeouts = request.extensions["timeout"]
    assert timeouts["read"] > 25.0 + 10
    assert request.headers["Authorization"] == "Bearer secret-token"


def test_send_reports_created_or_replayed_and_quotes_emoji() -> None:
    message = {
        "id": 7,
        "conversation_id": 3,
        "sender_id": 1,
        "body": "hi",
        "created_at": "2026-01-05T09:00:00Z",
        "client_msg_id": "abc",
    }
    statuses = [201, 200, 200]
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        return httpx.Response(statuses.pop(0), json=message)

    async def scenario() -> None:
        api = _client(handler)
        try:
            req = MessageCreate(client_msg_id="abc", body="hi")
            assert (await api.send_message(3, req))[1] is True
            assert (await api.send_message(3, req))[1] is False
            await api.set_reaction(7, "👍", True)
        finally:
            await api.aclose()

    asyncio.run(scenario())
    assert paths[-1] == "/api/v1/messages/7/reactions/%F0%9F%91%8D"
