"""Redis failing: instances fall back to short polling (delivery within about a second), log it
once, and return to push delivery when Redis comes back. The database stays the truth."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.helpers.server import seed
from tests.integration.scale.conftest import PEOPLE, REDIS_URL, instance
from tests.integration.scale.streams import Stream, group, send

pytestmark = pytest.mark.scale


class CuttableProxy:
    """A TCP forwarder to Redis on 127.0.0.1 whose link the test can cut and restore."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _delivery_time(sender: object, stream: Stream, cid: int, body: str) -> float:
    start = time.monotonic()
    r = send(sender, cid, body)  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    mid = r.json()["id"]

    def arrived(evs: list[dict[str, object]]) -> bool:
        return any(e["type"] == "message.created" and e["message"]["id"] == mid for e in evs)  # type: ignore[index]

    assert stream.wait_for(arrived, timeout=10), f"{body!r} never arrived"
    t = next(t for t, e in stream.events if arrived([e]))
    return t - start


def test_redis_outage_falls_back_to_short_polling_and_recovers(
    tmp_path: Path, pg_url: str, redis_prefix: str
) -> None:
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    proxy = CuttableProxy(host, int(port))
    via_proxy = f"redis://127.0.0.1:{proxy.port}/0"
    ids = seed(tmp_path, PEOPLE, database_url=pg_url)
    a = instance(tmp_path, "a", pg_url, via_proxy, redis_prefix)
    b = instance(tmp_path, "b", pg_url, via_proxy, redis_prefix)
    try:
        a.start()
        b.start()
        alice, bob = a.login("alice"), b.login("bob")
        with alice, bob:
            cid = group(alice, [ids["bob"]])
            with Stream(alice, wait=8) as on_a, Stream(bob, wait=8) as on_b:
                time.sleep(1.0)  # both instances have heard their first heartbeat
                assert _delivery_time(alice, on_b, cid, "pushed") < 0.5
                proxy.cut()
                time.sleep(3.0)  # past the heartbeat timeout: both instances are degraded
                outage = [
                    _delivery_time(alice, on_b, cid, f"a->b during outage {i}") for i in range(3)
                ] + [_delivery_time(bob, on_a, cid, f"b->a during outage {i}") for i in range(3)]
                # Short polling: within about one 1 s interval (plus a read), never an 8 s hold.
                assert max(outage) < 1.6, outage
                proxy.restore()
                time.sleep(3.0)  # reconnected, heartbeats heard again
                after = [_delivery_time(alice, on_b, cid, f"after {i}") for i in range(3)]
                assert max(after) < 0.5, after
                for stream in (on_a, on_b):
                    seqs = [e["seq"] for _, e in stream.events]
                    assert seqs == sorted(set(seqs))
        for log in (tmp_path / "a.log", tmp_path / "b.log"):
            text = log.read_text()
            assert text.count("Redis wake-ups unavailable") == 1, text
            assert text.count("Redis wake-ups restored") == 1, text
    finally:
        a.stop()
        b.stop()
        proxy.close()


def test_an_instance_that_cannot_reach_redis_still_delivers(
    tmp_path: Path, pg_url: str, redis_prefix: str
) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connection refused
    ids = seed(tmp_path, PEOPLE, database_url=pg_url)
    a = instance(tmp_path, "a", pg_url, f"redis://127.0.0.1:{dead_port}/0", redis_prefix)
    b = instance(tmp_path, "b", pg_url, REDIS_URL, redis_prefix)
    try:
        a.start()
        b.start()
        bob, alice = a.login("bob"), b.login("alice")
        with alice, bob:
            cid = group(alice, [ids["bob"]])
            with Stream(bob, wait=8) as on_a:
                waits = [_delivery_time(alice, on_a, cid, f"to a {i}") for i in range(3)]
                assert max(waits) < 1.6, waits
        assert (tmp_path / "a.log").read_text().count("Redis wake-ups unavailable") == 1
    finally:
        a.stop()
        b.stop()
