"""Idempotent send under concurrency: one client_msg_id sent 10 times at once is one message."""

from __future__ import annotations

import asyncio

import httpx

from tests.helpers.server import ServerProcess


async def _send_ten_at_once(url: str, token: str, cid: int, cmid: str) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}
    # Ten connections, so the requests really race on the server instead of queueing on one.
    clients = [httpx.AsyncClient(base_url=url, headers=headers, timeout=30) for _ in range(10)]
    try:
        start = asyncio.Event()

        async def one(client: httpx.AsyncClient) -> httpx.Response:
            await start.wait()
            return await client.post(
                f"/api/v1/conversations/{cid}/messages",
                json={"client_msg_id": cmid, "body": "exactly once"},
            )

        tasks = [asyncio.create_task(one(c)) for c in clients]
        await asyncio.sleep(0.05)
        start.set()
        return await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def test_ten_concurrent_sends_with_one_client_msg_id_are_one_message(
    server: ServerProcess, users: dict[str, httpx.Client]
) -> None:
    bob_id = users["bob"].get("/api/v1/me").json()["id"]
    cid = users["alice"].post("/api/v1/conversations", json={"kind": "dm", "members": [bob_id]})
    cid_value = int(cid.json()["id"])
    token = users["alice"].headers["Authorization"].split()[1]
    before = users["bob"].get("/api/v1/events", params={"wait": 0}).json()["cursor"]
    for round_ in range(3):
        responses = asyncio.run(_send_ten_at_once(server.url, token, cid_value, f"race-{round_}"))
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) == 1 and statuses.count(200) == 9, statuses
        assert len({r.json()["id"] for r in responses}) == 1
    page = users["bob"].get(f"/api/v1/conversations/{cid_value}/messages").json()
    assert [m["client_msg_id"] for m in page["messages"]] == ["race-0", "race-1", "race-2"]
    events = users["bob"].get("/api/v1/events", params={"after": before, "wait": 0}).json()
    created = [e for e in events["events"] if e["type"] == "message.created"]
    assert len(created) == 3, "a replayed send must not emit a second message.created"
