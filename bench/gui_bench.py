"""Desktop app: cold start, memory with a 100,000-message conversation, open time, UI stalls.

Each measurement runs the real window (offscreen platform) in a fresh child process:
- cold start: process start → main window shown with its conversations listed, for an account
  already signed in to a local demo server (the everyday start);
- memory and open time: a client store seeded directly through ``Applier.apply_events`` with one
  channel of 100,000 messages (faster than the server's actions + paging), opened offline; time
  from selecting the channel to its newest page shown, then resident memory (VmRSS);
- stall: the window shows a channel of the demo server while another user posts 1,000 messages in
  10 s over HTTP from a separate process; a 5 ms QTimer heartbeat records the longest gap.
Targets: start ≤ 1.5 s, memory ≤ 200 MB, open ≤ 200 ms, longest stall ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT = False
PASSPHRASE = "bench-passphrase"
MESSAGES = 100_000


def _child(kind: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", f"import bench.gui_bench as b; b.child({kind!r}, {args!r})"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed: {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["process_started"] = started
    return result


# --- children (each a whole app process) ------------------------------------------------------


def child(kind: str, args: tuple[str, ...]) -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from ui import theme

    app = QApplication(sys.argv[:1])
    theme.apply(app, "light")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    fn = {"cold": _cold, "open": _open_big, "stall": _stall}[kind]
    result = loop.run_until_complete(fn(*args))
    print(json.dumps(result), flush=True)
    os._exit(0)  # measured; skip the orderly teardown of sessions and servers


async def _window(url: str, username: str, data_dir: str) -> Any:
    from app.client.keys import Account, KeyCustody
    from app.client.session import Session
    from ui.main import open_main_window

    session = await Session.open(
        Account(url, username),
        keys=KeyCustody(),
        data_dir=Path(data_dir),
        passphrase=PASSPHRASE,
        allow_insecure_http=True,
    )
    window = open_main_window(session)
    window.show()
    return window


async def _until(predicate: Any, within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("bench condition not reached")
        await asyncio.sleep(0.002)


async def _cold(url: str, username: str, data_dir: str) -> dict[str, Any]:
    window = await _window(url, username, data_dir)
    await _until(lambda: window.isVisible() and window.conversations.rowCount() > 0)
    return {"ready": time.time()}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _open_big(url: str, username: str, data_dir: str) -> dict[str, Any]:
    window = await _window(url, username, data_dir)
    await _until(lambda: window.conversations.rowCount() > 0)
    loaded: list[float] = []
    window.messages.window_did_load.connect(lambda: loaded.append(time.perf_counter()))
    conv = next(
        c
        for r in range(window.conversations.rowCount())
        if (c := window.conversations.conversation(r)) is not None and c.name == "big"
    )
    t0 = time.perf_counter()
    window.select_conversation(conv.id)
    await _until(lambda: bool(loaded))
    open_ms = (loaded[0] - t0) * 1000
    for _ in range(5):  # the user scrolls up a few pages
        window.message_view.verticalScrollBar().setValue(0)
        await asyncio.sleep(0.2)
    return {"open_ms": open_ms, "rss_mb": _rss_mb(), "rows": window.messages.rowCount()}


async def _stall(url: str, username: str, data_dir: str, sender_dir: str) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    window = await _window(url, username, data_dir)
    await _until(lambda: window.select_conversation_named("general"))
    await _until(lambda: window.messages.rowCount() > 0)
    await asyncio.sleep(1.0)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(beat)
    sender = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        f"import bench.gui_bench as b; b.send_messages({url!r}, {sender_dir!r})",
    )
    last[0] = time.perf_counter()
    timer.start()
    store = window.store
    cid = window.messages.conversation_id
    start = time.perf_counter()

    async def arrived() -> int:
        return int(
            await store.call(
                lambda c: c.execute(
                    "SELECT count(*) FROM messages WHERE conversation_id = ? AND body LIKE 'load %'",
                    (cid,),
                ).fetchone()[0]
            )
        )

    for _ in range(480):  # up to 2 minutes
        if await arrived() >= 1000:
            break
        await asyncio.sleep(0.25)
    await asyncio.sleep(0.5)
    timer.stop()
    await sender.wait()
    gaps.sort()
    return {
        "max_gap_ms": gaps[-1] * 1000,
        "p99_gap_ms": gaps[int(len(gaps) * 0.99)] * 1000,
        "beats": len(gaps),
        "arrived": await arrived(),
        "seconds": time.perf_counter() - start,
        "rows_shown": window.messages.rowCount(),
    }


def send_messages(url: str, data_dir: str) -> None:
    """Another person posts 1,000 messages to #general, evenly over 10 s (own process)."""
    import httpx

    with httpx.Client(base_url=url, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/login",
            json={"username": "amara", "password": "demo", "device_name": "bench"},
        ).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        snapshot = http.get("/api/v1/sync/snapshot").json()
        general = next(c["id"] for c in snapshot["conversations"] if c["name"] == "general")
        t0 = time.perf_counter()
        for i in range(1000):
            delay = t0 + i * 0.01 - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            http.post(
                f"/api/v1/conversations/{general}/messages",
                json={"client_msg_id": f"bench{i:05d}{os.getpid()}", "body": f"load {i}"},
            ).raise_for_status()


# --- set-up in the parent -----------------------------------------------------------------------


async def _sign_in(url: str, username: str, data_dir: Path) -> None:
    from app.client.keys import KeyCustody
    from app.client.session import Session

    session = await Session.sign_in(
        url,
        username,
        "demo",
        "bench",
        keys=KeyCustody(),
        data_dir=data_dir,
        passphrase=PASSPHRASE,
        allow_insecure_http=True,
    )
    session.start()
    for _ in range(1200):  # the first snapshot, up to a minute
        if await session.store.cursor() is not None:
            break
        await asyncio.sleep(0.05)
    await session.aclose()


async def _seed_big(data_dir: Path, messages: int) -> float:
    """A store for an offline account with one channel of ``messages`` messages."""
    from app.client.apply import Applier
    from app.client.keys import Account, KeyCustody
    from app.client.store import Store
    from app.core import wire

    started = time.perf_counter()
    account = Account("http://127.0.0.1:9", "bench")
    store = await Store.open(account, keys=KeyCustody(), data_dir=data_dir, passphrase=PASSPHRASE)
    applier = Applier(store)
    now = dt.datetime.now(dt.UTC)
    people = [wire.User(id=i, username=f"user{i}", display_name=f"User {i}") for i in range(1, 21)]
    conv = wire.Conversation(
        id=1,
        kind="channel",
        name="big",
        private=False,
        created_by=1,
        created_at=now - dt.timedelta(days=400),
        member_ids=[p.id for p in people],
    )
    await applier.apply_snapshot(
        wire.Snapshot(
            cursor="0.0",
            me=people[0],
            users=people[1:],
            conversations=[conv],
            topics=[],
            read_markers=[],
            messages=[],
            has_more={},
            policy=wire.OrgPolicy(),
        )
    )
    step = dt.timedelta(days=400) / messages
    batch = 5000
    for start in range(0, messages, batch):
        events = [
            wire.MessageCreated(
                seq=i + 1,
                at=now,
                message=wire.Message(
                    id=i + 1,
                    conversation_id=1,
                    sender_id=(i % 20) + 1,
                    body=f"Message {i}: quarterly numbers, launch notes and 会议纪要 {i % 97}",
                    created_at=now - dt.timedelta(days=400) + step * i,
                    client_msg_id=f"seed{i}",
                ),
            )
            for i in range(start, min(start + batch, messages))
        ]
        await applier.apply_events(
            wire.EventBatch(events=events, cursor=f"0.{start + len(events)}", more=False)
        )
    await store.set_device_token("offline-bench")
    await store.close()
    return time.perf_counter() - started


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench gui", description=__doc__)
    p.add_argument("--messages", type=int, default=MESSAGES)
    p.add_argument("--starts", type=int, default=3, help="cold starts to take the median of")
    args = p.parse_args(argv)
    from ui.demo import DemoServer

    print(f"machine: {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="courtyard-gui-bench-") as tmp:
        root = Path(tmp)
        server = DemoServer(root / "server", extra_args=["--quiet-colleagues"])
        url = server.start_blocking()
        try:
            asyncio.run(_sign_in(url, "demo", root / "demo"))
            starts = []
            for _ in range(args.starts):
                r = _child("cold", url, "demo", str(root / "demo"))
                starts.append(r["ready"] - r["process_started"])
            starts.sort()
            start_s = starts[len(starts) // 2]
            print(f"cold start to a usable window: {start_s:.2f} s (runs {starts})", flush=True)
            seeded = asyncio.run(_seed_big(root / "big", args.messages))
            print(
                f"seeded {args.messages} messages with apply_events in {seeded:.1f} s", flush=True
            )
            big = _child("open", "http://127.0.0.1:9", "bench", str(root / "big"))
            print(
                f"open the {args.messages}-message channel: {big['open_ms']:.0f} ms; "
                f"resident memory {big['rss_mb']:.0f} MB with {big['rows']} rows held",
                flush=True,
            )
            stall = _child("stall", url, "demo", str(root / "demo"), str(root / "sender"))
            print(
                f"1,000 messages in {stall['seconds']:.1f} s ({stall['arrived']} stored): "
                f"longest UI stall {stall['max_gap_ms']:.1f} ms, p99 gap "
                f"{stall['p99_gap_ms']:.1f} ms over {stall['beats']} heartbeats",
                flush=True,
            )
        finally:
            server.stop()
    print(f"machine after: {_load()}", flush=True)
    return 0
