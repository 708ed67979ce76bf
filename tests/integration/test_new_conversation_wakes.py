"""A waiting long-poll hears at once of a conversation its user was just made a member of.

A poll waits on the conversations its user was in when it started; being written to in a new
direct message, or added to a group, must wake it too (not only its hold timing out)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

HOLD = 30  # the poll's own limit; the wake-up must come long before it


def _me(c: httpx.Client) -> int:
    return int(c.get("/api/v1/me").json()["id"])


def _poll_while(bob: httpx.Client, act: Callable[[], None]) -> tuple[list[str], float]:
    cursor = bob.get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    got: list[httpx.Response] = []
    poll = threading.Thread(
        target=lambda: got.append(bob.get("/api/v1/events", params={"after": cursor, "wait": HOLD}))
    )
    poll.start()
    time.sleep(1.0)  # the poll is waiting (on the conversations Bob is in now)
    started = time.monotonic()
    act()
    poll.join(timeout=HOLD + 10)
    assert got, "the long-poll never answered"
    return [e["type"] for e in got[0].json()["events"]], time.monotonic() - started


def test_a_new_direct_message_wakes_the_other_persons_long_poll(
    users: dict[str, httpx.Client],
) -> None:
    alice, bob = users["alice"], users["bob"]

    def start_dm() -> None:
        r = alice.post("/api/v1/conversations", json={"kind": "dm", "members": [_me(bob)]})
        assert r.status_code == 201, r.text

    types, waited = _poll_while(bob, start_dm)
    assert types == ["conversation.created"]
    assert waited < 10, f"woken after {waited:.1f} s, not by the new conversation"


def test_being_added_to_a_group_wakes_the_long_poll(users: dict[str, httpx.Client]) -> None:
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    r = alice.post(
        "/api/v1/conversations", json={"kind": "group", "name": "t", "members": [_me(carol)]}
    )
    assert r.status_code == 201, r.text
    group = r.json()["id"]

    def add_bob() -> None:
        added = alice.post(f"/api/v1/conversations/{group}/members", json={"user_ids": [_me(bob)]})
        assert added.status_code in (200, 201), added.text

    types, waited = _poll_while(bob, add_bob)
    assert "conversation.created" in types or "conversation.updated" in types, types
    assert waited < 10, f"woken after {waited:.1f} s, not by being added"
