"""Workday status against a real server: publish, see, clear, expire, validate, rate limit."""

from __future__ import annotations

import datetime as dt
import time

import httpx

from app.server.actions.status import BURST
from tests.helpers.server import ServerProcess
from tests.integration.presence_helpers import cursor, events_after, group, my_id, org, utc

__all__ = ["org"]  # the fixture, imported for pytest

Org = tuple[ServerProcess, dict[str, httpx.Client]]


def _status(c: httpx.Client, text: str, **extra: object) -> httpx.Response:
    return c.put("/api/v1/me/status", json={"text": text, "source": "topic", **extra})


def test_a_status_reaches_colleagues_and_clears(org: Org) -> None:
    _server, u = org
    alice, bob = u["alice"], u["bob"]
    group(alice, bob)
    aid = my_id(alice)
    since = cursor(bob)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    r = _status(alice, "In topic: Q3 budget review", emoji="💬", expires_at=later.isoformat())
    assert r.status_code == 200, r.text
    mine = r.json()["status"]
    assert (mine["text"], mine["emoji"], mine["source"]) == (
        "In topic: Q3 budget review",
        "💬",
        "topic",
    )
    assert utc(mine["expires_at"]) == later and utc(mine["updated_at"]) is not None
    # Everywhere a colleague reads people: one user, the list, the snapshot, and the stream.
    assert bob.get(f"/api/v1/users/{aid}").json()["status"] == mine
    listed = {p["id"]: p for p in bob.get("/api/v1/users").json()}
    assert listed[aid]["status"] == mine
    snap = bob.get("/api/v1/sync/snapshot").json()
    assert {p["id"]: p for p in snap["users"]}[aid]["status"] == mine
    got = events_after(bob, since, "status.updated")
    assert [(e["user_id"], e["status"]) for e in got] == [(aid, mine)]
    # A colleague who shares no conversation sees it too: statuses are the company directory's.
    assert events_after(u["carol"], since, "status.updated")[0]["status"] == mine
    # The same status again (a client's retry) is no new event.
    since = cursor(bob)
    again = _status(alice, "In topic: Q3 budget review", emoji="💬", expires_at=later.isoformat())
    assert again.status_code == 200
    assert events_after(bob, since, "status.updated") == []
    # Empty text clears.
    assert _status(alice, "").json()["status"] is None
    assert bob.get(f"/api/v1/users/{aid}").json()["status"] is None
    assert [(e["user_id"], e["status"]) for e in events_after(bob, since)] == [(aid, None)]


def test_an_expired_status_disappears_by_itself(org: Org) -> None:
    _server, u = org
    aid = my_id(u["alice"])
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)
    r = _status(u["alice"], "Until the stand-up", source="manual", expires_at=soon.isoformat())
    assert r.json()["status"]["text"] == "Until the stand-up"
    assert u["bob"].get(f"/api/v1/users/{aid}").json()["status"]["source"] == "manual"
    time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 0.3)
    assert u["bob"].get(f"/api/v1/users/{aid}").json()["status"] is None
    listed = {p["id"]: p for p in u["bob"].get("/api/v1/users").json()}
    assert listed[aid]["status"] is None
    assert u["alice"].get("/api/v1/me").json()["status"] is None


def test_bad_statuses_are_refused(org: Org) -> None:
    server, u = org
    alice = u["alice"]
    assert _status(alice, "x" * 201).status_code == 422
    assert _status(alice, "Busy", source="window-title").status_code == 422
    naive = _status(alice, "Busy", expires_at="2030-01-01T10:00:00")
    assert naive.status_code == 422 and naive.json()["code"] == "validation_error"
    assert _status(alice, "Busy", emoji="x" * 33).status_code == 422
    assert alice.put("/api/v1/me/status", json={"text": "Busy"}).status_code == 422
    assert (
        httpx.put(
            f"{server.url}/api/v1/me/status", json={"text": "", "source": "manual"}
        ).status_code
        == 401
    )


def test_status_publishes_are_rate_limited_per_user(org: Org) -> None:
    _server, u = org
    for i in range(BURST):
        assert _status(u["alice"], f"Editing: draft {i}.docx").status_code == 200
    refused = _status(u["alice"], "Editing: one too many.docx")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) in range(1, 61)
    # Per user: bob is not held back by alice's publishing.
    assert _status(u["bob"], "Reading: spec.pdf").status_code == 200
