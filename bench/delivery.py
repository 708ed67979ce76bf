"""Server delivery: POST → the recipient's waiting long-poll (p50/p99), and messages/s with 100 clients.

Issue 2's target on a 2-core machine with SQLite: p50 ≤ 5 ms, p99 ≤ 25 ms, ≥ 500 messages/s.

A real ``courtyard-server`` process on 127.0.0.1 (port 0) over a throwaway data folder, seeded
in-process before it starts (users, device tokens and conversations: no argon2 per login). The
clients speak HTTP/1.1 over raw asyncio streams on keep-alive connections (``_Http`` below), so
the timings are the server's, not a client library's. Every message is checked: delivered exactly
once to each member's long-poll and never to anyone else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._cpu import process_seconds

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_P50_MS = 5.0
TARGET_P99_MS = 25.0
TARGET_RATE = 500.0


# --- a lean HTTP/1.1 client --------------------------------------------------------------------


class _Http:
    """One keep-alive HTTP/1.1 connection; one request at a time; JSON in, JSON out."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self._auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> _Http:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()

    def send(self, method: str, target: str, body: Any = None) -> None:
        """Write a request without waiting for its answer (see :meth:`answer`)."""
        assert self._writer is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\n{self._auth}"
        if body is None:
            self._writer.write(f"{head}\r\n".encode())
            return
        data = json.dumps(body, separators=(",", ":")).encode()
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        self._writer.write(head.encode() + data)

    async def answer(self) -> tuple[int, Any]:
        """Read one response: (status, parsed JSON body)."""
        assert self._reader is not None
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append(await self._reader.readexactly(size + 2))
                if size == 0:
                    break
            data = b"".join(c[:-2] for c in chunks)
        else:
            raise RuntimeError(f"unframed response: {headers}")
        return status, (json.loads(data) if data else None)

    async def request(self, method: str, target: str, body: Any = None) -> tuple[int, Any]:
        self.send(method, target, body)
        return await self.answer()


# --- the server and its seeded organisation ----------------------------------------------------


@dataclass
class Org:
    tokens: list[str]  # client i's device token (user i)
    user_ids: list[int]
    conversations: dict[int, list[int]]  # conversation id → member client indices


def _seed(data_dir: Path, clients: int, groups: list[list[int]]) -> Org:
    """Users u000…, one device each, and the conversations (client indices) — all before the run."""
    from app.core import wire
    from app.server.actions import accounts, conversations
    from app.server.auth import Caller
    from app.server.config import ServerConfig
    from app.server.service import Service
    from tests.helpers.server import seed

    names = [f"u{i:03d}" for i in range(clients)]
    ids = seed(data_dir, names)
    config = ServerConfig(data_dir, f"sqlite:///{data_dir / 'courtyard.db'}")
    service = Service(config.open_database())
    try:
        logins = [
            service.run_sync(lambda tx, n=n: accounts.create_device(tx, ids[n], "bench"))
            for n in names
        ]
        convs: dict[int, list[int]] = {}
        for members in groups:
            owner = logins[members[0]]
            caller = Caller(user_id=owner.user.id, device_id=owner.device_id, admin=False)
            req = wire.ConversationCreate(
                kind="dm" if len(members) == 2 else "group",
                members=[ids[names[m]] for m in members],
            )
            conv, _ = service.run_sync(
                lambda tx, c=caller, r=req: conversations.create(tx, c, r)  # type: ignore[misc]
            )
            convs[conv.id] = members
        return Org([x.token for x in logins], [ids[n] for n in names], convs)
    finally:
        service.db.close()


async def _head_cursor(http: _Http) -> str:
    """Drain the caller's backlog (its conversations' creation) and return the cursor after it."""
    query = "wait=0"
    while True:
        status, body = await http.request("GET", f"/api/v1/events?{query}")
        assert status == 200, (status, body)
        query = f"after={body['cursor']}&wait=0"
        if not body["more"]:
            return str(body["cursor"])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- 1. latency: one sender, one waiting recipient ---------------------------------------------


async def latency(
    host: str, port: int, org: Org, messages: int, warmup: int, settle: float
) -> dict[str, Any]:
    conv_id = next(c for c, m in org.conversations.items() if m == [0, 1])
    sender = await _Http(host, port, org.tokens[0]).open()
    receiver = await _Http(host, port, org.tokens[1]).open()
    cursor = await _head_cursor(receiver)
    delivery: list[float] = []
    post_rtt: list[float] = []
    seen: Counter[int] = Counter()
    sent: list[int] = []
    loop = asyncio.get_running_loop()
    for i in range(warmup + messages):
        # The recipient's long-poll goes out first and is left to park on the server.
        receiver.send("GET", f"/api/v1/events?after={cursor}&wait=30")
        got = loop.create_future()

        async def collect(fut: asyncio.Future[float]) -> None:
            nonlocal cursor
            while True:
                status, body = await receiver.answer()
                done = time.perf_counter()
                assert status == 200, (status, body)
                cursor = body["cursor"]
                created = [e for e in body["events"] if e["type"] == "message.created"]
                for event in created:
                    seen[event["message"]["id"]] += 1
                if created:
                    fut.set_result(done)
                    return
                receiver.send("GET", f"/api/v1/events?after={cursor}&wait=30")

        task = asyncio.create_task(collect(got))
        await asyncio.sleep(settle)
        t0 = time.perf_counter()
        status, msg = await sender.request(
            "POST",
            f"/api/v1/conversations/{conv_id}/messages",
            {"client_msg_id": f"lat-{i}", "body": f"latency probe {i}"},
        )
        t_post = time.perf_counter()
        assert status == 201, (status, msg)
        t_delivered = await asyncio.wait_for(got, 30)
        await task
        sent.append(msg["id"])
        if i >= warmup:
            delivery.append((t_delivered - t0) * 1000)
            post_rtt.append((t_post - t0) * 1000)
    await sender.close()
    await receiver.close()
    wrong = {m: n for m, n in seen.items() if n != 1} | {m: 0 for m in sent if m not in seen}
    return {
        "messages": messages,
        "p50_ms": statistics.median(delivery),
        "p90_ms": _pct(delivery, 90),
        "p99_ms": _pct(delivery, 99),
        "max_ms": max(delivery),
        "post_p50_ms": statistics.median(post_rtt),
        "post_p99_ms": _pct(post_rtt, 99),
        "exactly_once": not wrong and len(seen) == len(sent),
        "errors": wrong,
    }


# --- 2. throughput: 100 clients, each holding a long-poll and sending --------------------------


def layout(clients: int) -> list[list[int]]:
    """Client 0–1 share a DM (the latency pair); the rest: DMs, and groups of 4 for 40 of them."""
    groups: list[list[int]] = []
    i = 0
    group_clients = min(40, clients // 5 * 2 // 4 * 4)
    while i < clients - group_clients - 1:
        groups.append([i, i + 1])
        i += 2
    while i + 4 <= clients:
        groups.append([i, i + 1, i + 2, i + 3])
        i += 4
    return groups


@dataclass
class _Client:
    index: int
    token: str
    convs: list[int]
    received: Counter[int] = field(default_factory=Counter)
    recv_at: dict[int, float] = field(default_factory=dict)
    sent: dict[int, float] = field(default_factory=dict)  # message id → send start
    convo_of: dict[int, int] = field(default_factory=dict)
    failures: int = 0


async def throughput(
    host: str, port: int, org: Org, duration: float, drain: float
) -> dict[str, Any]:
    membership: dict[int, list[int]] = {}
    for cid, members in org.conversations.items():
        for m in members:
            membership.setdefault(m, []).append(cid)
    clients = [_Client(i, tok, membership.get(i, [])) for i, tok in enumerate(org.tokens)]
    polls = [await _Http(host, port, c.token).open() for c in clients]
    sends = [await _Http(host, port, c.token).open() for c in clients]
    cursors = [await _head_cursor(p) for p in polls]
    loop = asyncio.get_running_loop()
    stop_sending = asyncio.Event()
    stop_polling = asyncio.Event()

    async def poller(c: _Client, http: _Http, cursor: str) -> None:
        while not stop_polling.is_set():
            http.send("GET", f"/api/v1/events?after={cursor}&wait=20")
            status, body = await http.answer()
            now = time.perf_counter()
            if status != 200:
                c.failures += 1
                continue
            cursor = body["cursor"]
            for event in body["events"]:
                if event["type"] == "message.created":
                    mid = event["message"]["id"]
                    c.received[mid] += 1
                    c.recv_at.setdefault(mid, now)

    async def sender(c: _Client, http: _Http) -> None:
        n = 0
        while not stop_sending.is_set() and c.convs:
            cid = c.convs[n % len(c.convs)]
            t0 = time.perf_counter()
            status, msg = await http.request(
                "POST",
                f"/api/v1/conversations/{cid}/messages",
                {"client_msg_id": f"tp-{c.index}-{n}", "body": f"hello from {c.index}: {n}"},
            )
            if status == 201:
                c.sent[msg["id"]] = t0
                c.convo_of[msg["id"]] = cid
            else:
                c.failures += 1
            n += 1

    poll_tasks = [
        asyncio.create_task(poller(c, h, cur))
        for c, h, cur in zip(clients, polls, cursors, strict=True)
    ]
    await asyncio.sleep(0.5)  # every long-poll parked
    started = loop.time()
    send_tasks = [asyncio.create_task(sender(c, h)) for c, h in zip(clients, sends, strict=True)]
    await asyncio.sleep(duration)
    stop_sending.set()
    await asyncio.gather(*send_tasks)
    elapsed = loop.time() - started
    total = sum(len(c.sent) for c in clients)
    expected: dict[int, list[int]] = {}  # message id → clients that must receive it
    for c in clients:
        for mid, cid in c.convo_of.items():
            expected[mid] = org.conversations[cid]
    drain_deadline = loop.time() + drain
    while loop.time() < drain_deadline:
        if all(clients[m].received[mid] >= 1 for mid, ms in expected.items() for m in ms):
            break
        await asyncio.sleep(0.05)
    stop_polling.set()
    await asyncio.gather(*poll_tasks)
    for h in polls + sends:
        await h.close()
    missing = duplicated = stray = 0
    lat: list[float] = []
    for mid, ms in expected.items():
        sender_c = next(c for c in clients if mid in c.sent)
        for m in ms:
            n = clients[m].received[mid]
            missing += n == 0
            duplicated += n > 1
            if n and m != sender_c.index:
                lat.append((clients[m].recv_at[mid] - sender_c.sent[mid]) * 1000)
    for c in clients:
        stray += sum(1 for mid in c.received if c.index not in expected.get(mid, [c.index]))
        stray += sum(1 for mid in c.received if mid not in expected)
    return {
        "clients": len(clients),
        "conversations": len(org.conversations),
        "seconds": elapsed,
        "messages": total,
        "rate": total / elapsed,
        "deliveries": sum(len(ms) for ms in expected.values()),
        "missing": missing,
        "duplicated": duplicated,
        "stray": stray,
        "failures": sum(c.failures for c in clients),
        "loaded_p50_ms": statistics.median(lat) if lat else float("nan"),
        "loaded_p99_ms": _pct(lat, 99) if lat else float("nan"),
    }


# --- entry point -------------------------------------------------------------------------------


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return None
    return uvloop.new_event_loop


def _run(coro: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(coro)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench delivery", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000, help="timed latency probes")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--settle-ms", type=float, default=3.0, help="let the long-poll park")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0, help="throughput run time")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    from tests.helpers.server import ServerProcess

    groups = layout(args.clients)
    with tempfile.TemporaryDirectory(prefix="courtyard-bench-") as tmp:
        data = Path(tmp)
        t = time.perf_counter()
        org = _seed(data, args.clients, groups)
        print(
            f"seeded {args.clients} users, {len(groups)} conversations in {time.perf_counter() - t:.1f} s"
        )
        server = ServerProcess(data).start()
        try:
            host, port = "127.0.0.1", server.port
            lat = _run(latency(host, port, org, args.messages, args.warmup, args.settle_ms / 1000))
            print(
                f"latency over {lat['messages']} messages: p50 {lat['p50_ms']:.2f} ms, "
                f"p90 {lat['p90_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, max {lat['max_ms']:.2f} ms "
                f"(sender's POST round trip p50 {lat['post_p50_ms']:.2f} ms, "
                f"p99 {lat['post_p99_ms']:.2f} ms); exactly once: {lat['exactly_once']}"
            )
            ok = (
                lat["exactly_once"]
                and lat["p50_ms"] <= TARGET_P50_MS
                and lat["p99_ms"] <= TARGET_P99_MS
            )
            if not args.skip_throughput:
                assert server.proc is not None
                cpu0 = process_seconds(server.proc.pid)
                tp = _run(throughput(host, port, org, args.seconds, drain=15.0))
                cpu = process_seconds(server.proc.pid) - cpu0
                print(
                    f"throughput: {tp['messages']} messages in {tp['seconds']:.1f} s = "
                    f"{tp['rate']:.0f} messages/s from {tp['clients']} clients in "
                    f"{tp['conversations']} conversations; {tp['deliveries']} deliveries, "
                    f"missing {tp['missing']}, duplicated {tp['duplicated']}, stray {tp['stray']}, "
                    f"failed requests {tp['failures']}; delivery under load p50 "
                    f"{tp['loaded_p50_ms']:.1f} ms, p99 {tp['loaded_p99_ms']:.1f} ms; "
                    f"server CPU {cpu:.1f} s = {cpu / max(tp['messages'], 1) * 1000:.2f} ms/message"
                )
                correct = not (tp["missing"] or tp["duplicated"] or tp["stray"] or tp["failures"])
                ok = ok and correct and tp["rate"] >= TARGET_RATE
        finally:
            server.stop()
    load = os.getloadavg()
    print(
        f"targets: p50 ≤ {TARGET_P50_MS} ms, p99 ≤ {TARGET_P99_MS} ms, ≥ {TARGET_RATE:.0f} messages/s "
        f"→ {'met' if ok else 'NOT met'} (load average {load[0]:.2f}, Python {platform.python_version()})"
    )
    return 0 if ok else 1
