"""Messaging against a real server process: send, long-poll delivery, idempotency, history."""

from __future__ import annotations

import threading
import uuid

import httpx

from tests.helpers.server import ServerProcess


def _ids(users: dict[str, httpx.Client]) -> dict[str, int]:
    return {name: c.get("/api/v1/me").json()["id"] for name, c in users.items()}


def _group(users: dict[str, httpx.Client], *names: str) -> int:
    ids = _ids(users)
    r = users[names[0]].post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "team", "members": [ids[n] for n in names[1:]]},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _send(c: httpx.Client, cid: int, body: str, cmid: str | None = None) -> httpx.Response:
    return c.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"client_msg_id": cmid or uuid.uuid4().hex, "body": body},
    )


def test_waiting_long_poll_returns_when_a_message_arrives(users: dict[str, httpx.Client]) -> None:
    cid = _group(users, "alice", "bob")
    cursor = users["bob"].get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    got: list[httpx.Response] = []
    poll = threading.Thread(
        target=lambda: got.append(
            users["bob"].get("/api/v1/events", params={"after": cursor, "wait": 30})
        )
    )
    poll.start()
    sent = _send(users["alice"], cid, "hello bob")
    assert sent.status_code == 201
    poll.join(timeout=10)
    assert not poll.is_alive(), "the long-poll did not return when the message arrived"
    events = got[0].json()["events"]
    assert [e["type"] for e in events] == ["message.created"]
    assert events[0]["message"]["body"] == "hello bob"


def test_same_client_msg_id_is_one_message(users: dict[str, httpx.Client]) -> None:
    cid = _group(users, "alice", "bob")
    first = _send(users["alice"], cid, "once", "m-1")
    again = _send(users["alice"], cid, "once", "m-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    clash = _send(users["alice"], cid, "different body", "m-1")
    assert clash.status_code == 409
    assert clash.headers["content-type"] == "application/problem+json"
    assert clash.json()["code"] == "client_msg_id_conflict"
    page = users["bob"].get(f"/api/v1/conversations/{cid}/messages").json()
    assert [m["body"] for m in page["messages"]] == ["once"]


def test_history_pages_backwards_oldest_first(users: dict[str, httpx.Client]) -> None:
    cid = _group(users, "alice", "bob")
    ids = [_send(users["alice"], cid, f"m{i}").json()["id"] for i in range(7)]
    page = users["bob"].get(f"/api/v1/conversations/{cid}/messages", params={"limit": 3}).json()
    assert [m["id"] for m in page["messages"]] == ids[4:]
    assert page["has_more"] is True
    older = (
        users["bob"]
        .get(f"/api/v1/conversations/{cid}/messages", params={"limit": 3, "before": ids[4]})
        .json()
    )
    assert [m["id"] for m in older["messages"]] == ids[1:4]
    last = (
        users["bob"]
        .get(f"/api/v1/conversations/{cid}/messages", params={"limit": 3, "before": ids[1]})
        .json()
    )
    assert ([m["id"] for m in last["messages"]], last["has_more"]) == ([ids[0]], False)


def test_receipts_and_urge(users: dict[str, httpx.Client]) -> None:
    cid = _group(users, "alice", "bob", "carol")
    ids = _ids(users)
    mid = _send(users["alice"], cid, "please read").json()["id"]
    assert (
        users["bob"].post(f"/api/v1/conversations/{cid}/read", json={"up_to": mid}).status_code
        == 200
    )
    receipts = users["alice"].get(f"/api/v1/messages/{mid}/receipts").json()
    assert [r["user_id"] for r in receipts["read"]] == [ids["bob"]]
    assert receipts["unread"] == [ids["carol"]]
    cursor = users["carol"].get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    urged = users["alice"].post(f"/api/v1/messages/{mid}/urge")
    assert urged.json()["urged"] == [ids["carol"]]
    events = users["carol"].get("/api/v1/events", params={"after": cursor, "wait": 0}).json()
    assert [(e["type"], e["message_id"]) for e in events["events"]] == [("message.urged", mid)]
    again = users["alice"].post(f"/api/v1/messages/{mid}/urge")
    assert again.status_code == 429 and int(again.headers["retry-after"]) > 0
    assert users["bob"].post(f"/api/v1/messages/{mid}/urge").json()["code"] == "not_author"


def test_logout_ends_a_waiting_long_poll(server: ServerProcess) -> None:
    with server.login("alice") as phone, server.login("alice") as laptop:
        result: list[httpx.Response] = []
        cursor = laptop.get("/api/v1/events", params={"wait": 0}).json()["cursor"]
        t = threading.Thread(
            target=lambda: result.append(
                laptop.get("/api/v1/events", params={"after": cursor, "wait": 30})
            )
        )
        t.start()
        # Revoke the laptop's token from the laptop's own session on another connection.
        with server.client(laptop.headers["Authorization"].split()[1]) as same_device:
            assert same_device.post("/api/v1/auth/logout").status_code == 204
        t.join(timeout=10)
        assert not t.is_alive(), "a revoked token's long-poll kept waiting"
        assert result[0].status_code == 401
        assert result[0].json()["code"] == "unauthorized"
        assert phone.get("/api/v1/me").status_code == 200


def test_sign_in_limits_count_the_address_a_local_proxy_forwards(server: ServerProcess) -> None:
    """Behind nginx on the same host every request comes from 127.0.0.1: the limiter must count
    the address nginx forwards, so one noisy address does not lock out everyone."""
    with server.client() as anon:

        def wrong(name: str, address: str) -> int:
            reply = anon.post(
                "/api/v1/auth/login",
                json={"username": name, "password": "wrong", "device_name": "t"},
                headers={"X-Forwarded-For": address},
            )
            return reply.status_code

        # Ten failures from one address, each for another name (the per-name limit stays clear).
        assert [wrong(f"nobody{i}", "203.0.113.7") for i in range(10)] == [401] * 10
        assert wrong("nobody10", "203.0.113.7") == 429
        assert wrong("nobody11", "198.51.100.2") == 401
