"""Access matrix: ids leak nothing, and no event about a conversation reaches a non-member.

Every endpoint whose path takes an id is read from the running server's OpenAPI document, so a new
endpoint without a row in ``REQUESTS`` fails the test instead of going unchecked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.server import ServerProcess, cli, seed

MISSING = 10**9  # an id no fixture ever reaches
PEOPLE = ("alice", "bob", "carol", "dave", "erin")

# A valid body per operation that takes one: a request that would succeed for a member.
REQUESTS: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/api/v1/users/{user_id}"): None,
    ("GET", "/api/v1/conversations/{conversation_id}"): None,
    ("POST", "/api/v1/conversations/{conversation_id}/members"): {"user_ids": ["carol"]},
    ("DELETE", "/api/v1/conversations/{conversation_id}/members/{user_id}"): None,
    ("POST", "/api/v1/conversations/{conversation_id}/join"): None,
    ("POST", "/api/v1/conversations/{conversation_id}/topics"): {"title": "leak?"},
    ("GET", "/api/v1/conversations/{conversation_id}/topics"): None,
    ("GET", "/api/v1/topics/{topic_id}"): None,
    ("PATCH", "/api/v1/topics/{topic_id}"): {"closed": True},
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): {"body": "leak?"},
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): None,
    ("GET", "/api/v1/messages/{message_id}"): None,
    ("PATCH", "/api/v1/messages/{message_id}"): {"body": "edited?"},
    ("DELETE", "/api/v1/messages/{message_id}"): None,
    ("PUT", "/api/v1/messages/{message_id}/reactions/{emoji}"): None,
    ("DELETE", "/api/v1/messages/{message_id}/reactions/{emoji}"): None,
    ("PUT", "/api/v1/messages/{message_id}/pin"): None,
    ("DELETE", "/api/v1/messages/{message_id}/pin"): None,
    ("POST", "/api/v1/conversations/{conversation_id}/read"): {"up_to": "message"},
    ("GET", "/api/v1/messages/{message_id}/receipts"): None,
    ("POST", "/api/v1/messages/{message_id}/urge"): None,
}
# People are visible to everyone in the organisation: there is no "non-member" of a user.
ORG_WIDE = {("GET", "/api/v1/users/{user_id}")}


@dataclass
class World:
    server: ServerProcess
    data: Path
    ids: dict[str, int]
    clients: dict[str, httpx.Client]
    conversation: int
    topic: int
    message: int


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ids = seed(tmp_path, PEOPLE)
    server = ServerProcess(tmp_path, extra_args=["--max-wait", "5"]).start()
    clients = {name: server.login(name) for name in PEOPLE}
    try:
        alice = clients["alice"]
        cid = alice.post(
            "/api/v1/conversations",
            json={"kind": "group", "name": "secret", "members": [ids["bob"], ids["dave"]]},
        ).json()["id"]
        tid = alice.post(f"/api/v1/conversations/{cid}/topics", json={"title": "plans"}).json()[
            "id"
        ]
        mid = alice.post(
            f"/api/v1/conversations/{cid}/messages",
            json={"client_msg_id": "secret-1", "body": "the secret", "topic_id": tid},
        ).json()["id"]
        yield World(server, tmp_path, ids, clients, cid, tid, mid)
    finally:
        for c in clients.values():
            c.close()
        server.stop()


def _id_operations(server: ServerProcess) -> set[tuple[str, str]]:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if re.search(r"\{\w+_id\}", path)
        for method in operations
    }


def _call(client: httpx.Client, w: World, op: tuple[str, str], *, real: bool) -> httpx.Response:
    method, template = op
    values = {
        "conversation_id": w.conversation if real else MISSING,
        "topic_id": w.topic if real else MISSING,
        "message_id": w.message if real else MISSING,
        # Removing a member: the real member in the real or the missing conversation.
        "user_id": MISSING if op in ORG_WIDE and not real else w.ids["bob"],
        "emoji": "ok",
    }
    path = template.format(**values)
    body = REQUESTS[op]
    if body is not None:
        body = dict(body)
        if "user_ids" in body:
            body["user_ids"] = [w.ids["carol"]]
        if "up_to" in body:
            body["up_to"] = w.message if real else MISSING
        if template.endswith("/messages") and method == "POST":
            body["client_msg_id"] = uuid.uuid4().hex
    return client.request(method, path, json=body)


def _same_answer(a: httpx.Response, b: httpx.Response, expected: int, op: object) -> None:
    assert a.status_code == b.status_code == expected, (op, a.status_code, a.text, b.text)
    assert a.headers["content-type"] == b.headers["content-type"] == "application/problem+json"
    assert a.json() == b.json(), (op, a.json(), b.json())


def _conversation_of(event: dict[str, Any]) -> int | None:
    for key in ("message", "topic", "marker"):
        if key in event:
            return int(event[key]["conversation_id"])
    if "conversation" in event:
        return int(event["conversation"]["id"])
    if "conversation_id" in event:
        return int(event["conversation_id"])
    return None


def _all_events(client: httpx.Client, cursor: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"wait": 0, **({"after": cursor} if cursor else {})}
        batch = client.get("/api/v1/events", params=params).json()
        out.extend(batch["events"])
        cursor = batch["cursor"]
        if not batch["more"]:
            return out


def test_every_id_endpoint_is_in_the_matrix(world: World) -> None:
    operations = _id_operations(world.server)
    assert operations == set(REQUESTS), (
        f"not covered: {sorted(operations - set(REQUESTS))}; "
        f"gone: {sorted(set(REQUESTS) - operations)}"
    )


def test_non_member_gets_the_same_404_as_a_missing_id(world: World) -> None:
    carol = world.clients["carol"]
    for op in sorted(_id_operations(world.server) - ORG_WIDE):
        real = _call(carol, world, op, real=True)
        missing = _call(carol, world, op, real=False)
        _same_answer(real, missing, 404, op)
    # Nothing the non-member tried changed anything.
    alice = world.clients["alice"]
    conversation = alice.get(f"/api/v1/conversations/{world.conversation}").json()
    assert world.ids["carol"] not in conversation["member_ids"]
    page = alice.get(f"/api/v1/conversations/{world.conversation}/messages").json()
    assert [(m["body"], m["reactions"], m["pinned"]) for m in page["messages"]] == [
        ("the secret", [], False)
    ]


def test_deactivated_user_and_revoked_token_get_401_for_every_id(world: World) -> None:
    # dave is a member; he is deactivated by IT while his token exists.
    done = cli(world.data, "user", "deactivate", "dave")
    assert done.returncode == 0, done.stderr
    # bob is a member too; his second device signs out, and that token is kept.
    laptop = world.server.login("bob", device="laptop")
    assert laptop.post("/api/v1/auth/logout").status_code == 204
    try:
        for who, client in (("deactivated", world.clients["dave"]), ("revoked", laptop)):
            for op in sorted(_id_operations(world.server)):
                real = _call(client, world, op, real=True)
                missing = _call(client, world, op, real=False)
                _same_answer(real, missing, 401, (who, op))
                assert real.json()["code"] == "unauthorized"
    finally:
        laptop.close()
    page = world.clients["alice"].get(f"/api/v1/conversations/{world.conversation}/messages")
    assert [m["body"] for m in page.json()["messages"]] == ["the secret"]


def _activity(w: World, tag: str) -> None:
    """Every kind of conversation event, from members only."""
    alice, bob = w.clients["alice"], w.clients["bob"]
    cid = w.conversation
    mid = alice.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"client_msg_id": f"{tag}-a", "body": f"{tag} hello"},
    ).json()["id"]
    alice.patch(f"/api/v1/messages/{mid}", json={"body": f"{tag} edited"})
    alice.put(f"/api/v1/messages/{mid}/reactions/ok")
    alice.put(f"/api/v1/messages/{mid}/pin")
    tid = alice.post(f"/api/v1/conversations/{cid}/topics", json={"title": tag}).json()["id"]
    alice.patch(f"/api/v1/topics/{tid}", json={"closed": True})
    alice.post(f"/api/v1/conversations/{cid}/read", json={"up_to": mid})
    alice.post(f"/api/v1/messages/{mid}/urge")
    alice.delete(f"/api/v1/messages/{mid}")
    if tag == "before":
        assert bob.post(f"/api/v1/conversations/{cid}/read", json={"up_to": mid}).status_code == 200


def test_no_conversation_event_reaches_a_non_member(world: World) -> None:
    cid, carol, bob = world.conversation, world.clients["carol"], world.clients["bob"]
    erin = world.clients["erin"]
    bob_cursor = bob.get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    _activity(world, "before")
    # bob is removed; erin is added later and must not see what happened before she joined.
    assert (
        world.clients["alice"]
        .delete(f"/api/v1/conversations/{cid}/members/{world.ids['bob']}")
        .status_code
        == 204
    )
    _activity(world, "after-bob")
    assert (
        world.clients["alice"]
        .post(f"/api/v1/conversations/{cid}/members", json={"user_ids": [world.ids["erin"]]})
        .status_code
        == 200
    )
    joined_cursor = erin.get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    _activity(world, "with-erin")

    leaked = [e for e in _all_events(carol) if _conversation_of(e) == cid]
    assert leaked == [], "a non-member saw events of the conversation"

    # The removed member: from his old cursor and from the start, only his own removal.
    for events in (_all_events(bob, bob_cursor), _all_events(bob)):
        about = [e for e in events if _conversation_of(e) == cid]
        assert [e["type"] for e in about] == ["conversation.left"], about

    # The late joiner sees nothing from before she joined, even from cursor 0.
    erin_events = [e for e in _all_events(erin) if _conversation_of(e) == cid]
    assert erin_events[0]["type"] == "conversation.updated"
    assert world.ids["erin"] in erin_events[0]["conversation"]["member_ids"]
    bodies = [e["message"]["body"] for e in erin_events if e["type"] == "message.created"]
    assert len(bodies) == 1, bodies  # only the message sent after she joined (since deleted)
    seqs_before_join = int(joined_cursor.rsplit(".", 1)[1])
    assert all(e["seq"] >= seqs_before_join for e in erin_events[1:]), (
        "the late joiner saw an event from before she joined"
    )
    # A waiting long-poll of the non-member is not woken with the conversation's events.
    cursor = carol.get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    _activity(world, "while-waiting")
    batch = carol.get("/api/v1/events", params={"after": cursor, "wait": 1}).json()
    assert [e for e in batch["events"] if _conversation_of(e) == cid] == []
