"""Durability: kill -9 the server while 5 clients send 2,000 messages, restart, lose nothing.

Each client behaves like the app's outbox: it retries a send on a connection error with the same
client_msg_id until it gets an answer, and keeps a long-poll cursor that it saves as it applies
events. After the crash and restart (same data folder, same port), every acknowledged message is
stored exactly once, and every client's stream, resumed from its saved cursor, holds each message
exactly once in the server's order.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.server import ServerProcess, seed

CLIENTS = 5
PER_CLIENT = 400
KILL_AFTER = 700  # acknowledged sends before the crash: well inside the run


@dataclass
class Sender:
    name: str
    token: str
    url: str
    conversation: int
    cursor: str
    acked: dict[str, int] = field(default_factory=dict)  # client_msg_id -> message id
    seen: list[dict[str, Any]] = field(default_factory=list)  # message.created, as applied
    retries: int = 0
    error: BaseException | None = None

    def _request(self, client: httpx.Client, method: str, path: str, **kw: Any) -> httpx.Response:
        deadline = time.monotonic() + 60
        while True:
            try:
                return client.request(method, path, **kw)
            except httpx.TransportError:
                # The server is down (or died mid-request): retry exactly the same request.
                if time.monotonic() > deadline:
                    raise
                self.retries += 1
                time.sleep(0.05)

    def poll(self, client: httpx.Client) -> None:
        """Apply everything after the saved cursor, then save the new cursor."""
        while True:
            r = self._request(
                client, "GET", "/api/v1/events", params={"after": self.cursor, "wait": 0}
            )
            assert r.status_code == 200, r.text
            batch = r.json()
            self.seen.extend(e for e in batch["events"] if e["type"] == "message.created")
            self.cursor = batch["cursor"]
            if not batch["more"]:
                return

    def run(self, acked_total: list[int], lock: threading.Lock) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with httpx.Client(base_url=self.url, headers=headers, timeout=10) as client:
                for n in range(PER_CLIENT):
                    cmid = f"{self.name}-{n}"
                    r = self._request(
                        client,
                        "POST",
                        f"/api/v1/conversations/{self.conversation}/messages",
                        json={"client_msg_id": cmid, "body": f"{self.name} says {n}"},
                    )
                    assert r.status_code in (200, 201), r.text
                    self.acked[cmid] = int(r.json()["id"])
                    with lock:
                        acked_total[0] += 1
                    if n % 40 == 0:
                        self.poll(client)
        except BaseException as err:  # reported by the test thread
            self.error = err


def _history(client: httpx.Client, cid: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    before: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"before": before} if before else {})}
        page = client.get(f"/api/v1/conversations/{cid}/messages", params=params).json()
        out[:0] = page["messages"]
        if not page["has_more"]:
            return out
        before = page["messages"][0]["id"]


@pytest.mark.slow
def test_kill_9_while_five_clients_send_loses_nothing(tmp_path: Path) -> None:
    names = [f"user{i}" for i in range(CLIENTS)]
    ids = seed(tmp_path, names)
    server = ServerProcess(tmp_path, extra_args=["--max-wait", "5"]).start()
    logged_in = [server.login(n) for n in names]
    try:
        cid = (
            logged_in[0]
            .post(
                "/api/v1/conversations",
                json={"kind": "group", "name": "load", "members": list(ids.values())},
            )
            .json()["id"]
        )
        senders = [
            Sender(
                name,
                c.headers["Authorization"].split()[1],
                server.url,
                cid,
                c.get("/api/v1/events", params={"wait": 0}).json()["cursor"],
            )
            for name, c in zip(names, logged_in, strict=True)
        ]
    finally:
        for c in logged_in:
            c.close()

    acked_total, lock = [0], threading.Lock()
    threads = [threading.Thread(target=s.run, args=(acked_total, lock)) for s in senders]
    started = time.monotonic()
    for t in threads:
        t.start()
    try:
        while acked_total[0] < KILL_AFTER and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        assert any(t.is_alive() for t in threads), "the clients finished before the crash"
        server.kill9()
        acked_at_crash = acked_total[0]
        time.sleep(0.5)
        server.start()  # same data folder, same port
        for t in threads:
            t.join(timeout=120)
        elapsed = time.monotonic() - started
        for s in senders:
            assert s.error is None, f"{s.name}: {s.error!r}"
        assert acked_at_crash < CLIENTS * PER_CLIENT
        assert sum(s.retries for s in senders) > 0, "no client noticed the crash"

        with server.login(names[0]) as reader:
            history = _history(reader, cid)
            fresh = Sender("fresh", "", server.url, cid, "")
            fresh.poll(reader)
        by_key = Counter((m["sender_id"], m["client_msg_id"]) for m in history)
        assert max(by_key.values()) == 1, "a retried send was stored twice"
        stored = {m["client_msg_id"]: m["id"] for m in history}
        acked = {k: v for s in senders for k, v in s.acked.items()}
        assert len(acked) == CLIENTS * PER_CLIENT
        assert stored == acked, "an acknowledged message is missing or has another id"
        order = [m["id"] for m in history]
        assert order == sorted(order)
        # A brand-new client reading the whole log sees each message exactly once, in order.
        assert [e["message"]["id"] for e in fresh.seen] == order
        assert [e["seq"] for e in fresh.seen] == sorted(e["seq"] for e in fresh.seen)

        # Every client resumes from the cursor it saved and ends with exactly the same stream.
        with httpx.Client(base_url=server.url, timeout=10) as anon:
            for s in senders:
                anon.headers["Authorization"] = f"Bearer {s.token}"
                s.poll(anon)
                assert [e["message"]["id"] for e in s.seen] == order, s.name
        assert elapsed < 90, f"the run took {elapsed:.0f} s"
    finally:
        server.stop()
