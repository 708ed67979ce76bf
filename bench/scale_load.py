"""Scale load: N users long-polling across server instances, sending at a set rate; delivery p50/p99, exactly-once check.

``python -m bench scale_load -- --backend sqlite`` (one instance, embedded SQLite) or
``--backend postgres`` (two instances over one PostgreSQL database and Redis wake-ups; needs the
services of the ``scale`` tests). Loopback only, bounded in time. Users, their devices and groups
are seeded directly in the database (2,000 argon2 sign-ins would measure argon2, not delivery).
Every user holds one long-poll on its own keep-alive connection; sends are Poisson at ``--rate``
from random users. Latency is from the start of the send request to the moment a member's
long-poll answer carrying the message is read; every member (the sender too) must receive each
acknowledged message exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._cpu import machine_busy_seconds, process_seconds

DEFAULT = False
LISTENING = re.compile(r"courtyard-server listening on http://([\d.]+):(\d+)")
PG_ADMIN = os.environ.get("COURTYARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("COURTYARD_TEST_REDIS", "redis://127.0.0.1:6379/0")


# --- a minimal HTTP/1.1 keep-alive client (httpx costs more CPU than the servers under test) ---


class Conn:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.auth}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            status = int(status_line.split()[1])
            length = 0
            while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            payload = await self.reader.readexactly(length) if length else b""
        except Exception:
            self.close()
            raise
        return status, json.loads(payload) if payload else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = self.reader = None


# --- the world ---------------------------------------------------------------------------


@dataclass
class User:
    id: int
    token: str
    port: int = 0
    group: int = 0
    got: dict[str, int] = field(default_factory=dict)  # body → times received


@dataclass
class Stats:
    sent: dict[str, tuple[float, int]] = field(default_factory=dict)  # body → (t0, group)
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)  # the sender's POST round trips
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def seed(url: str, data_dir: Path, users: int, group_size: int) -> tuple[list[User], list[int]]:
    import datetime as dt

    from app.core import wire
    from app.server import auth
    from app.server.actions import accounts, conversations, org
    from app.server.actions.base import Tx
    from app.server.auth import Caller
    from app.server.config import ServerConfig

    db = ServerConfig(data_dir, url).open_database()
    hashed = auth.hash_password(secrets.token_hex(8))
    now = dt.datetime.now(dt.UTC)

    def people(conn: Any) -> list[User]:
        org.initialise(Tx(conn, now))
        out = []
        for i in range(users):
            u = accounts.create_user(Tx(conn, now), username=f"u{i:05d}", password_hash=hashed)
            login = accounts.create_device(Tx(conn, now), u.id, "bench")
            out.append(User(u.id, login.token))
        return out

    try:
        world = db.write_sync(people)
        groups = []
        for g in range(0, users, group_size):
            members = world[g : g + group_size]
            owner = members[0]
            req = wire.ConversationCreate(
                kind="group", name=f"g{g}", members=[m.id for m in members[1:]]
            )
            conv, _ = db.write_sync(
                lambda c, o=owner, r=req: conversations.create(
                    Tx(c, now), Caller(o.id, 0, False), r
                )
            )
            for m in members:
                m.group = len(groups)
            groups.append(conv.id)
        return world, groups
    finally:
        db.close()


def start_server(data_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.server.cli", "--data", str(data_dir), "run", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if m := LISTENING.search(line):
            return proc, int(m.group(2))
    raise RuntimeError("server did not start")


# --- the load ----------------------------------------------------------------------------


async def poller(
    user: User, stats: Stats, ready: asyncio.Event, counter: list[int], stop: asyncio.Event
) -> None:
    conn = Conn(user.port, user.token)
    # Catch up first, as a client that has synced does before it waits: the seeded history
    # (2,000 users, the groups) is setup, not part of the measured load.
    status, body = await conn.request("GET", "/api/v1/events?wait=0")
    while body["more"]:
        status, body = await conn.request("GET", f"/api/v1/events?after={body['cursor']}&wait=0")
    cursor = body["cursor"]
    counter[0] -= 1
    if counter[0] == 0:
        ready.set()
    while not stop.is_set():
        try:
            status, body = await conn.request("GET", f"/api/v1/events?after={cursor}&wait=20")
        except (OSError, asyncio.IncompleteReadError) as exc:
            stats.error(f"poll {exc.__class__.__name__}")
            await asyncio.sleep(0.5)
            continue
        now = time.monotonic()
        if status != 200:
            stats.error(f"poll {status}")
            await asyncio.sleep(0.5)
            continue
        cursor = body["cursor"]
        for e in body["events"]:
            if e["type"] != "message.created":
                continue
            text = e["message"]["body"]
            user.got[text] = user.got.get(text, 0) + 1
            sent = stats.sent.get(text)
            if sent is not None and user.got[text] == 1:
                stats.latencies.append(now - sent[0])
    conn.close()


async def sender(pool: asyncio.Queue[Conn], user: User, cid: int, stats: Stats) -> None:
    conn = await pool.get()
    text = f"bench {secrets.token_hex(8)}"
    t0 = time.monotonic()
    stats.sent[text] = (t0, user.group)  # before the request: a fast delivery must find it
    try:
        conn.auth = f"Authorization: Bearer {user.token}\r\n"
        status, _ = await conn.request(
            "POST",
            f"/api/v1/conversations/{cid}/messages",
            {"client_msg_id": secrets.token_hex(8), "body": text},
        )
        if status != 201:
            stats.error(f"send {status}")
            del stats.sent[text]
        else:
            stats.acks.append(time.monotonic() - t0)
    except (OSError, asyncio.IncompleteReadError) as exc:
        stats.error(f"send {exc.__class__.__name__}")
        del stats.sent[text]
    finally:
        pool.put_nowait(conn)


async def load(
    world: list[User],
    groups: list[int],
    ports: list[int],
    server_pids: list[int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    stats = Stats()
    stop = asyncio.Event()
    ready = asyncio.Event()
    counter = [len(world)]
    for i, u in enumerate(world):
        u.port = ports[i % len(ports)]
    polls = []
    for i in range(0, len(world), 200):  # ramp up: no thundering connect storm
        polls += [
            asyncio.create_task(poller(u, stats, ready, counter, stop)) for u in world[i : i + 200]
        ]
        await asyncio.sleep(0.05)
    await asyncio.wait_for(ready.wait(), timeout=600)  # setup; slow on a busy machine
    await asyncio.sleep(1.0)  # every poll is now held
    print("caught up; the measured load starts", file=sys.stderr, flush=True)  # for profilers
    pools: dict[int, asyncio.Queue[Conn]] = {}
    for p in ports:
        pools[p] = asyncio.Queue()
        for _ in range(args.send_connections):
            pools[p].put_nowait(Conn(p, ""))
    rng = random.Random(7)
    sends = []
    cpu0 = _cpu_snapshot(server_pids)
    t_start = time.monotonic()
    next_at = t_start
    while (now := time.monotonic()) < t_start + args.duration:
        if now < next_at:
            await asyncio.sleep(next_at - now)
        u = rng.choice(world)
        sends.append(asyncio.create_task(sender(pools[u.port], u, groups[u.group], stats)))
        next_at += rng.expovariate(args.rate)
    await asyncio.gather(*sends)
    elapsed = time.monotonic() - t_start
    cpu = {k: (v - cpu0[k]) / elapsed for k, v in _cpu_snapshot(server_pids).items()}
    # Drain: wait until every member has every acknowledged message, or give up.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(u.got.get(t) for t, (_, g) in stats.sent.items() for u in world if u.group == g):
            break
        await asyncio.sleep(0.2)
    stop.set()
    for t in polls:
        t.cancel()
    await asyncio.gather(*polls, return_exceptions=True)
    lost = dup = 0
    by_group: dict[int, list[User]] = {}
    for u in world:
        by_group.setdefault(u.group, []).append(u)
    for text, (_, g) in stats.sent.items():
        for u in by_group[g]:
            n = u.got.get(text, 0)
            lost += n == 0
            dup += n > 1
    lat = sorted(stats.latencies)
    return {
        "messages": len(stats.sent),
        "msg_per_s": len(stats.sent) / elapsed,
        "deliveries": len(lat),
        "p50_ms": _quantile(lat, 50) * 1000,
        "p99_ms": _quantile(lat, 99) * 1000,
        "max_ms": (lat[-1] if lat else 0.0) * 1000,
        "ack_p50_ms": _quantile(stats.acks, 50) * 1000,
        "ack_p99_ms": _quantile(stats.acks, 99) * 1000,
        "errors": stats.errors,
        "error_kinds": stats.error_kinds,
        "lost": lost,
        "duplicated": dup,
        "cores": cpu,
    }


def _quantile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100)[pct - 1] if len(values) > 1 else 0.0


def _cpu_snapshot(server_pids: list[int]) -> dict[str, float]:
    """CPU seconds so far of the servers, this load generator and the whole machine."""
    servers = sum(process_seconds(pid) for pid in server_pids)
    here = process_seconds(os.getpid())
    return {"servers": servers, "generator": here, "machine": machine_busy_seconds()}


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench scale_load", description=__doc__)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--group-size", type=int, default=10)
    p.add_argument("--rate", type=float, default=200.0, help="messages per second, all users")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of sending")
    p.add_argument("--send-connections", type=int, default=32, help="per instance")
    p.add_argument("--out", type=Path, default=None, help="append the results to this file")
    args = p.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.users * 3 + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the servers inherit it
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = one_backend(backend, args)
        cores = result["cores"]
        line = (
            f"{backend:8} instances={result['instances']} users={args.users} "
            f"group={args.group_size} rate={args.rate:.0f}/s duration={args.duration:.0f}s: "
            f"{result['messages']} msgs ({result['msg_per_s']:.1f}/s), "
            f"{result['deliveries']} deliveries, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms "
            f"(sender's POST p50 {result['ack_p50_ms']:.1f} ms, p99 {result['ack_p99_ms']:.1f} ms), "
            f"errors {result['errors']} {result['error_kinds'] or ''}, "
            f"lost {result['lost']}, duplicated {result['duplicated']}; "
            f"cores busy {cores['machine']:.2f} of {os.cpu_count()}: servers "
            f"{cores['servers']:.2f}, load generator {cores['generator']:.2f}, rest "
            f"{cores['machine'] - cores['servers'] - cores['generator']:.2f}; server CPU "
            f"{cores['servers'] / result['msg_per_s'] * 1000:.2f} ms/message"
        )
        print(line, flush=True)
        if args.out:
            with args.out.open("a") as f:
                f.write(line + "\n")
    return 0


def one_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cy-scale-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        if backend == "sqlite":
            url, env, instances = f"sqlite:///{root / 'courtyard.db'}", {}, 1
        else:
            import psycopg

            name = f"cy_bench_{secrets.token_hex(4)}"
            admin = psycopg.connect(PG_ADMIN, autocommit=True)
            admin.execute(f'CREATE DATABASE "{name}"')
            stack.callback(admin.close)
            stack.callback(admin.execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            url = f"{base}/{name}"
            env = {
                "COURTYARD_DATABASE_URL": url,
                "COURTYARD_REDIS_URL": REDIS_URL,
                "COURTYARD_REDIS_PREFIX": f"cybench-{secrets.token_hex(4)}",
            }
            instances = 2
        world, groups = seed(url, root, args.users, args.group_size)
        ports, pids = [], []
        for i in range(instances):
            proc, port = start_server(root if backend == "sqlite" else root / f"i{i}", env)
            stack.callback(proc.wait, 10)
            stack.callback(proc.terminate)
            ports.append(port)
            pids.append(proc.pid)
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
            runner = asyncio.run
        result = runner(load(world, groups, ports, pids, args))
        result["instances"] = instances
        return result
