"""Replay equals snapshot: snapshot(t0) + every event after it == snapshot(t1), per user."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import httpx

from app.core import wire
from tests.helpers.reducer import HANDLED, State
from tests.helpers.server import ServerProcess, cli, seed

PEOPLE = ("alice", "bob", "carol", "dave", "erin")


def test_reducer_knows_every_event_type() -> None:
    declared: set[str] = set()
    for model in typing.get_args(typing.get_args(wire.Event)[0]):
        declared |= set(typing.get_args(model.model_fields["type"].annotation))
    assert declared == HANDLED


def _events_after(client: httpx.Client, cursor: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        batch = client.get("/api/v1/events", params={"after": cursor, "wait": 0}).json()
        out.extend(batch["events"])
        cursor = batch["cursor"]
        if not batch["more"]:
            return out


def _script(c: dict[str, httpx.Client], ids: dict[str, int], data: Path) -> None:
    alice, bob, carol, dave = c["alice"], c["bob"], c["carol"], c["dave"]
    n = iter(range(1000))

    def send(who: httpx.Client, cid: int, body: str, **extra: Any) -> int:
        r = who.post(
            f"/api/v1/conversations/{cid}/messages",
            json={"client_msg_id": f"r{next(n)}", "body": body, **extra},
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    group = alice.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "g", "members": [ids["bob"], ids["carol"]]},
    ).json()["id"]
    channel = alice.post(
        "/api/v1/conversations", json={"kind": "channel", "name": "news", "members": []}
    ).json()["id"]
    assert bob.post(f"/api/v1/conversations/{channel}/join").status_code == 200
    topic = alice.post(
        f"/api/v1/conversations/{group}/topics",
        json={"title": "launch", "link": {"url": "https://x.test/1", "label": "ticket"}},
    ).json()["id"]
    m1 = send(alice, group, "hello @bob", topic_id=topic)
    m2 = send(bob, group, "hi", reply_to=m1)
    m3 = send(carol, group, "@all look", urgent=True)
    send(alice, channel, "news!")
    assert alice.patch(f"/api/v1/messages/{m1}", json={"body": "hello @carol"}).is_success
    assert bob.put(f"/api/v1/messages/{m1}/reactions/ok").is_success
    assert carol.put(f"/api/v1/messages/{m1}/reactions/ok").is_success
    assert carol.delete(f"/api/v1/messages/{m1}/reactions/ok").is_success
    assert alice.put(f"/api/v1/messages/{m2}/pin").is_success
    assert carol.delete(f"/api/v1/messages/{m3}").is_success
    assert bob.patch(f"/api/v1/topics/{topic}", json={"closed": True}).is_success
    assert alice.patch(f"/api/v1/topics/{topic}", json={"closed": False}).is_success
    assert alice.patch(f"/api/v1/topics/{topic}", json={"title": "launch v2"}).is_success
    assert bob.post(f"/api/v1/conversations/{group}/read", json={"up_to": m2}).is_success
    assert alice.post(f"/api/v1/messages/{m2}/urge").status_code == 403  # not alice's
    assert bob.post(f"/api/v1/messages/{m2}/urge").is_success
    assert alice.post(
        f"/api/v1/conversations/{group}/members", json={"user_ids": [ids["dave"]]}
    ).is_success
    m4 = send(dave, group, "thanks for adding me")
    assert alice.delete(f"/api/v1/conversations/{group}/members/{ids['carol']}").is_success
    assert dave.post(f"/api/v1/conversations/{group}/read", json={"up_to": m4}).is_success
    t2 = dave.post(f"/api/v1/conversations/{group}/topics", json={"title": "later"}).json()["id"]
    assert dave.patch(f"/api/v1/topics/{t2}", json={"closed": True}).is_success
    assert cli(data, "user", "deactivate", "erin").returncode == 0
    assert cli(data, "policy", "set", "edit_window_seconds=600").returncode == 0
    dm = carol.post("/api/v1/conversations", json={"kind": "dm", "members": [ids["dave"]]})
    send(carol, dm.json()["id"], "psst")
    # Presence: a status set and cleared, one kept; working hours (round the clock, so that
    # availability cannot change between the events and the snapshot) and a DND.
    status = {"text": "In topic: launch v2", "emoji": "", "source": "topic"}
    assert alice.put("/api/v1/me/status", json=status).is_success
    assert bob.put("/api/v1/me/status", json={**status, "source": "manual"}).is_success
    assert bob.put("/api/v1/me/status", json={"text": "", "source": "manual"}).is_success
    all_day = {d: ["00:00-00:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert carol.put("/api/v1/me/schedule", json={"zone": "Asia/Tokyo", "days": all_day}).is_success
    assert dave.put("/api/v1/me/dnd", json={"until": "2099-01-01T00:00:00Z"}).is_success


def test_snapshot_plus_events_equals_a_later_snapshot(tmp_path: Path) -> None:
    ids = seed(tmp_path, PEOPLE)
    server = ServerProcess(tmp_path, extra_args=["--max-wait", "2"]).start()
    clients = {name: server.login(name) for name in PEOPLE}
    try:
        # Some history before t0, so the snapshot at t0 is not empty.
        early = (
            clients["alice"]
            .post(
                "/api/v1/conversations",
                json={"kind": "group", "name": "early", "members": [ids["bob"], ids["carol"]]},
            )
            .json()["id"]
        )
        clients["bob"].post(
            f"/api/v1/conversations/{early}/messages", json={"client_msg_id": "e", "body": "e"}
        )
        readers = ("alice", "bob", "carol", "dave")
        t0 = {name: clients[name].get("/api/v1/sync/snapshot").json() for name in readers}
        _script(clients, ids, tmp_path)
        for name in readers:
            client = clients[name]
            state = State.from_snapshot(t0[name])
            for event in _events_after(client, t0[name]["cursor"]):
                state.apply(event)
            t1 = client.get("/api/v1/sync/snapshot").json()
            assert not any(t1["has_more"].values()), "the script outgrew one snapshot page"
            expected = State.from_snapshot(t1)
            # A conversation joined mid-stream: what happened in it before the join never
            # reaches the joiner's stream, so a client fetches its topics and history (as the
            # app does on opening it). Others' read markers from before the join are not
            # fetchable, so they are left out of the comparison on both sides.
            for cid in state.joined:
                for t in client.get(f"/api/v1/conversations/{cid}/topics").json():
                    state.topics[t["id"]] = t
                page = client.get(f"/api/v1/conversations/{cid}/messages").json()
                for m in page["messages"]:
                    state.messages[m["id"]] = m
                for s in (state, expected):
                    s.markers = {
                        k: v
                        for k, v in s.markers.items()
                        if k[0] != cid or v["read_at"] >= _joined_at(client, cid)
                    }
            assert state.comparable() == expected.comparable(), name
            assert t1["cursor"] == client.get("/api/v1/events", params={"wait": 0}).json()["cursor"]
        assert "dave" in readers and clients["dave"].get("/api/v1/me").status_code == 200
    finally:
        for c in clients.values():
            c.close()
        server.stop()


def _joined_at(client: httpx.Client, cid: int) -> str:
    """When the caller was added: the ``at`` of the first event it saw for the conversation."""
    events = _events_after(client, "")
    for e in events:
        conv = e.get("conversation")
        if conv and conv["id"] == cid:
            return str(e["at"])
    raise AssertionError(f"no membership event for {cid}")
