"""Two server processes over one PostgreSQL database and one Redis: clients on either instance
see each other's changes at once, gap-free and exactly once, even under concurrent writers,
revocation and a killed instance."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import cli
from tests.integration.scale.conftest import REDIS_URL, Cluster
from tests.integration.scale.streams import Stream, assert_ordered_once, group, head, send

pytestmark = pytest.mark.scale


def test_messages_receipts_and_statuses_cross_instances(cluster: Cluster) -> None:
    alice, bob = cluster.a.login("alice"), cluster.b.login("bob")
    with alice, bob:
        cid = group(alice, [cluster.ids["bob"]])
        with Stream(alice) as on_a, Stream(bob) as on_b:
            latencies = []
            for i in range(5):
                sender, reader = (alice, on_b) if i % 2 == 0 else (bob, on_a)
                sent_at = time.monotonic()
                r = send(sender, cid, f"hello {i}")
                assert r.status_code == 201, r.text
                mid = r.json()["id"]
                assert reader.wait_for(
                    lambda evs, mid=mid: any(
                        e["type"] == "message.created" and e["message"]["id"] == mid for e in evs
                    ),
                    timeout=5,
                )
                arrived = next(
                    t
                    for t, e in reader.events
                    if e["type"] == "message.created" and e["message"]["id"] == mid
                )
                latencies.append(arrived - sent_at)
            # Bob (on B) reads everything; Alice (on A) hears the receipt.
            r = bob.post(f"/api/v1/conversations/{cid}/read", json={"up_to": mid})
            assert r.status_code in (200, 201), r.text
            assert on_a.wait_for(lambda evs: any(e["type"] == "receipt.read" for e in evs), 5)
            # Alice (on A) sets her workday status; Bob (on B) sees it, and then its clearing.
            for text in ("Editing: Q3 plan", ""):
                r = alice.put("/api/v1/me/status", json={"text": text, "source": "manual"})
                assert r.status_code == 200, r.text
                want = {"text": text} if text else None
                assert on_b.wait_for(
                    lambda evs, want=want: any(
                        e["type"] == "status.updated"
                        and e["user_id"] == cluster.ids["alice"]
                        and (e["status"] and {"text": e["status"]["text"]}) == want
                        for e in evs
                    ),
                    timeout=5,
                ), text
            for stream in (on_a, on_b):
                evs = [e for _, e in stream.events]
                assert_ordered_once(evs)
                assert len([e for e in evs if e["type"] == "message.created"]) == 5
        # Pushed through Redis, not found by a timed-out hold or the 1 s fallback.
        assert max(latencies) < 0.5, latencies


def test_concurrent_writers_on_both_instances_never_skip_an_event(cluster: Cluster) -> None:
    writers = ["alice", "bob", "carol", "dave"]
    per_writer, threads_per_writer = 30, 2
    clients = {
        (name, side): (cluster.a if side == "a" else cluster.b).login(name, device=f"w-{side}")
        for name in writers
        for side in ("a", "b")
    }
    readers = [cluster.a.login("bob", device="ra"), cluster.b.login("carol", device="rb")]
    try:
        cid = group(clients["alice", "a"], [cluster.ids[n] for n in writers[1:]])
        expected: set[int] = set()
        lock = threading.Lock()

        def write(name: str, side: str, k: int) -> None:
            for i in range(per_writer):
                r = send(clients[name, side], cid, f"{name}-{side}-{k}-{i}")
                assert r.status_code == 201, r.text
                with lock:
                    expected.add(r.json()["id"])

        streams = [Stream(c) for c in readers]
        for s in streams:
            s.__enter__()
        try:
            jobs = [
                (name, side, k)
                for name in writers
                for side in ("a", "b")
                for k in range(threads_per_writer // 2 or 1)
            ]
            with ThreadPoolExecutor(len(jobs)) as pool:
                for f in [pool.submit(write, *j) for j in jobs]:
                    f.result()
            total = len(jobs) * per_writer
            assert len(expected) == total
            for s in streams:
                assert s.wait_for(
                    lambda evs: len([e for e in evs if e["type"] == "message.created"]) >= total,
                    timeout=20,
                ), "a reader missed messages"
        finally:
            for s in streams:
                s.__exit__()
        for s in streams:
            evs = [e for _, e in s.events]
            assert_ordered_once(evs)
            got = [e["message"]["id"] for e in evs if e["type"] == "message.created"]
            assert sorted(got) == sorted(expected)
            assert len(got) == len(set(got))
            assert set(s.statuses) == {200}
    finally:
        for c in [*clients.values(), *readers]:
            c.close()


def test_token_revoked_on_a_fails_at_once_on_b(cluster: Cluster) -> None:
    on_a = cluster.a.login("bob", device="laptop")
    token = on_a.headers["Authorization"]
    on_b = cluster.b.client()
    on_b.headers["Authorization"] = token
    with on_a, on_b:
        cursor = head(on_b)
        result: list[tuple[float, int]] = []
        poll = threading.Thread(
            target=lambda: result.append(
                (
                    time.monotonic(),
                    on_b.get("/api/v1/events", params={"after": cursor, "wait": 30}).status_code,
                )
            )
        )
        poll.start()
        time.sleep(0.5)  # the long-poll is now waiting on B
        revoked_at = time.monotonic()
        assert on_a.post("/api/v1/auth/logout").status_code == 204
        poll.join(timeout=5)
        assert not poll.is_alive(), "the waiting long-poll on B was not ended by the revoke on A"
        ended, status = result[0]
        assert status == 401
        assert ended - revoked_at < 2.0
        assert on_b.get("/api/v1/me").status_code == 401


def test_deactivation_from_the_command_line_ends_waiting_long_polls_on_every_instance(
    cluster: Cluster, tmp_path: Path
) -> None:
    on_a, on_b = cluster.a.login("bob", device="desk"), cluster.b.login("bob", device="laptop")
    with on_a, on_b:
        results: list[tuple[float, int]] = []

        def wait_on(client: httpx.Client) -> None:
            cursor = head(client)
            r = client.get("/api/v1/events", params={"after": cursor, "wait": 30})
            results.append((time.monotonic(), r.status_code))

        polls = [threading.Thread(target=wait_on, args=(c,)) for c in (on_a, on_b)]
        for poll in polls:
            poll.start()
        time.sleep(1.0)  # both long-polls are now waiting
        env = {
            "COURTYARD_DATABASE_URL": cluster.database_url,
            "COURTYARD_REDIS_URL": REDIS_URL,
            "COURTYARD_REDIS_PREFIX": cluster.redis_prefix,
        }
        done = cli(tmp_path / "admin", "user", "deactivate", "bob", env=env)
        finished_at = time.monotonic()
        assert done.returncode == 0, done.stderr
        for poll in polls:
            poll.join(timeout=5)
        assert not any(p.is_alive() for p in polls), "a waiting long-poll outlived the deactivation"
        assert sorted(status for _, status in results) == [401, 401]
        assert max(at for at, _ in results) - finished_at < 2.0


def test_killing_an_instance_mid_load_loses_nothing_acknowledged(cluster: Cluster) -> None:
    senders = {
        "a": [cluster.a.login(n, device="ka") for n in ("alice", "bob")],
        "b": [cluster.b.login(n, device="kb") for n in ("carol", "dave")],
    }
    reader = cluster.b.login("alice", device="reader")
    acked: set[int] = set()
    lock = threading.Lock()
    stop = threading.Event()
    try:
        cid = group(
            senders["a"][0], [cluster.ids[n] for n in ("bob", "carol", "dave")], name="load"
        )
        cursor = head(reader)

        def pump(client: httpx.Client, tag: str) -> None:
            i = 0
            while not stop.is_set():
                try:
                    r = send(client, cid, f"{tag}-{i}")
                except httpx.HTTPError:
                    return  # the instance died with this request in flight: not acknowledged
                if r.status_code == 201:
                    with lock:
                        acked.add(r.json()["id"])
                i += 1

        threads = [
            threading.Thread(target=pump, args=(c, f"{side}{n}"))
            for side, cs in senders.items()
            for n, c in enumerate(cs)
        ]
        for t in threads:
            t.start()
        time.sleep(1.5)
        cluster.a.kill9()
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=20)
        assert len(acked) > 20
        seen: list[dict[str, object]] = []
        more = True
        while more:
            body = reader.get("/api/v1/events", params={"after": cursor, "wait": 0}).json()
            seen.extend(body["events"])
            cursor, more = body["cursor"], body["more"]
        assert_ordered_once(seen)  # type: ignore[arg-type]
        got = [e["message"]["id"] for e in seen if e["type"] == "message.created"]  # type: ignore[index]
        assert acked <= set(got), f"{len(acked - set(got))} acknowledged messages were lost"
        assert len(got) == len(set(got))
    finally:
        stop.set()
        for c in [*senders["a"], *senders["b"], reader]:
            c.close()
