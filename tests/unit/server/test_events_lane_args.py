"""Which long-polls the fast lane takes (``routes_sync._fast_events_args``): the plain ones; every
other query goes to FastAPI, which stays the reference for errors and odd spellings."""

from __future__ import annotations

import pytest

from app.server.api.routes_sync import _fast_events_args
from app.server.auth import token_hash
from app.server.events import BATCH_LIMIT


def _scope(query: bytes, *, token: str | None = "tok") -> dict[str, object]:
    headers = [(b"host", b"x")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/events",
        "query_string": query,
        "headers": headers,
    }


def test_a_plain_poll_takes_the_lane_with_its_arguments() -> None:
    assert _fast_events_args(_scope(b"after=1f.42&wait=20&limit=5")) == (
        token_hash("tok"),
        "1f.42",
        20.0,
        5,
    )
    assert _fast_events_args(_scope(b"")) == (token_hash("tok"), None, 25.0, BATCH_LIMIT)
    assert _fast_events_args(_scope(b"wait=0.5")) == (token_hash("tok"), None, 0.5, BATCH_LIMIT)


@pytest.mark.parametrize(
    "query",
    [
        b"after=1f.42&after=1f.43",  # repeated
        b"after=1f%2E42",  # escaped: FastAPI decodes it
        b"after=",  # blank
        b"after",  # no value at all
        b"wait=61",
        b"limit=0",
        b"limit=%d" % (BATCH_LIMIT + 1),
        b"since=3",  # unknown
        b"after=1f.42&&wait=1",  # an empty part
        b"wait=1&",
    ],
)
def test_anything_unusual_goes_to_fastapi(query: bytes) -> None:
    assert _fast_events_args(_scope(query)) is None


def test_a_poll_without_a_bearer_token_goes_to_fastapi() -> None:
    assert _fast_events_args(_scope(b"wait=1", token=None)) is None
