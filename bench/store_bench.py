"""Store benchmark: open time, 100k-message apply, FTS search latency over 1M stored messages.

Run: ``make bench`` does not include it (slow); ``python -m bench store -- [--search-rows N]``
Uses a throwaway directory and an in-memory keyring (never the machine's real keyring).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import keyring

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.client.apply import Applier
from app.client.keys import Account, KeyCustody
from app.client.store import Store
from app.core.wire import Conversation, EventBatch, Message, OrgPolicy, Snapshot, User
from tests.helpers.memory_keyring import MemoryKeyring

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
WORDS = [
    "budget",
    "review",
    "supplier",
    "contract",
    "release",
    "ticket",
    "deploy",
    "meeting",
    "approval",
    "invoice",
    "design",
    "roadmap",
    "customer",
    "feedback",
    "quarterly",
    "report",
    "hiring",
    "onboarding",
    "security",
    "audit",
    "server",
    "预算",
    "合同",
    "会议",
    "审批",
    "发布",
    "客户",
    "季度",
    "报告",
    "安全",
    "服务器",
    "设计",
    "招聘",
    "予算",
    "契約",
    "会議",
    "承認",
    "リリース",
    "顧客",
    "四半期",
    "報告",
    "セキュリティ",
    "サーバー",
    "設計",
    "採用",
]
QUERIES = [
    "budget",
    "supplier contract",
    "deploy",
    "quarterly report",
    "客户 季度",
    "服务器",
    "セキュリティ",
    "四半期",
    "onboarding",
    "invoice approval",
    "zebra-unmatched",
]
SHORT_QUERIES = ["预算", "会議", "合同"]


def body(rng: random.Random, mid: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))) + f" #{mid}"


def snapshot(conversations: int) -> Snapshot:
    convs = [
        Conversation(
            id=c,
            kind="channel",
            name=f"channel {c}",
            private=False,
            created_by=1,
            created_at=T0,
            member_ids=[1, 2, 3, 4],
        )
        for c in range(1, conversations + 1)
    ]
    users = [User(id=u, username=f"u{u}", display_name=f"User {u}") for u in (2, 3, 4)]
    return Snapshot(
        cursor="0",
        me=User(id=1, username="me", display_name="Me"),
        users=users,
        conversations=convs,
        topics=[],
        read_markers=[],
        messages=[],
        has_more={},
        policy=OrgPolicy(),
    )


def batches(total: int, per_batch: int, conversations: int, rng: random.Random) -> list[EventBatch]:
    out = []
    for start in range(1, total + 1, per_batch):
        events: list[Any] = []
        for mid in range(start, min(start + per_batch, total + 1)):
            msg = Message(
                id=mid,
                conversation_id=1 + mid % conversations,
                sender_id=1 + mid % 4,
                body=body(rng, mid),
                created_at=T0 + dt.timedelta(seconds=mid),
                client_msg_id=f"c{mid}",
                mentions=[1] if mid % 97 == 0 else [],
            )
            events.append({"type": "message.created", "seq": mid, "at": T0, "message": msg})
        out.append(
            EventBatch.model_validate({"events": events, "cursor": str(start), "more": True})
        )
    return out


async def measure_open(account: Account, keys: KeyCustody, folder: Path, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        store = await Store.open(account, keys=keys, data_dir=folder)
        times.append(time.perf_counter() - t)
        await store.close()
    return statistics.median(times)


async def bench_apply(folder: Path, total: int, per_batch: int) -> dict[str, float]:
    keys = KeyCustody(backend=MemoryKeyring())
    account = Account("https://bench.invalid", "apply")
    rng = random.Random(1)
    prepared = batches(total, per_batch, 50, rng)  # parsing is the network layer's cost
    store = await Store.open(account, keys=keys, data_dir=folder)
    applier = Applier(store)
    await applier.apply_snapshot(snapshot(50))
    t = time.perf_counter()
    for b in prepared:
        await applier.apply_events(b)
    elapsed = time.perf_counter() - t
    await store.close()
    return {"apply_s": elapsed, "open_s": await measure_open(account, keys, folder)}


def _bulk_insert(conn: Any, first: int, count: int, conversations: int) -> None:
    rng = random.Random(first)
    rows = [
        (
            mid,
            1 + mid % conversations,
            1 + mid % 4,
            (T0 + dt.timedelta(seconds=mid)).isoformat(),
            f"c{mid}",
            body(rng, mid),
        )
        for mid in range(first, first + count)
    ]
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO messages (id, conversation_id, sender_id, created_at, client_msg_id, body) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")


async def bench_search(folder: Path, total: int) -> dict[str, float]:
    keys = KeyCustody(backend=MemoryKeyring())
    account = Account("https://bench.invalid", "search")
    store = await Store.open(account, keys=keys, data_dir=folder)
    await Applier(store).apply_snapshot(snapshot(50))
    t = time.perf_counter()
    chunk = 50_000
    for first in range(1, total + 1, chunk):
        await store.call(_bulk_insert, first, min(chunk, total + 1 - first), 50)
    await store.call(
        lambda c: c.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
    )
    await store.call(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())
    build = time.perf_counter() - t
    await store.close()
    size = sum(p.stat().st_size for p in store.paths.all() if p.exists())
    open_s = await measure_open(account, keys, folder)
    store = await Store.open(account, keys=keys, data_dir=folder)
    for q in QUERIES:  # warm the page cache once, as a running app would be
        await store.search(q)
    lat, short_lat, hits = [], [], []
    for _ in range(10):
        for q in QUERIES:
            t = time.perf_counter()
            found = await store.search(q, limit=50)
            lat.append(time.perf_counter() - t)
            hits.append(len(found))
            assert [h.message_id for h in found] == sorted(
                (h.message_id for h in found), reverse=True
            )
        for q in SHORT_QUERIES:
            t = time.perf_counter()
            await store.search(q, limit=50)
            short_lat.append(time.perf_counter() - t)
    await store.close()
    lat.sort()
    return {
        "build_s": build,
        "db_mb": size / 1e6,
        "open_1m_s": open_s,
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        "short_p50_ms": 1000 * statistics.median(short_lat),
        "mean_hits": statistics.mean(hits),
        "queries": len(lat),
    }


DEFAULT = False  # builds a 1,000,000-message store (about two minutes): run it by name


def run(argv: list[str]) -> int:
    """``python -m bench store``: apply, open and search timings of the encrypted store."""
    parser = argparse.ArgumentParser(prog="python -m bench store", description=__doc__)
    parser.add_argument("--apply-messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--search-rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    keyring.set_keyring(MemoryKeyring())  # belt and braces: nothing reaches a real keyring
    with tempfile.TemporaryDirectory(prefix="courtyard-bench-") as tmp:
        a = asyncio.run(bench_apply(Path(tmp) / "a", args.apply_messages, args.batch))
        s = asyncio.run(bench_search(Path(tmp) / "s", args.search_rows))
    lines = [
        f"Courtyard store benchmark — {dt.date.today().isoformat()}, {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
        f"apply_events: {args.apply_messages:,} messages in batches of {args.batch} "
        f"(one transaction each, cursor included): {a['apply_s']:.2f} s  (target <= 15 s)",
        f"store open (median of 7, {args.apply_messages:,}-message store): "
        f"{1000 * a['open_s']:.1f} ms  (target <= 100 ms)",
        f"store open (median of 7, {args.search_rows:,}-message store): {1000 * s['open_1m_s']:.1f} ms",
        f"FTS search over {args.search_rows:,} messages, newest first, limit 50, "
        f"{s['queries']} queries of 3+ chars: p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms "
        f"(target p50 <= 20 ms); mean hits {s['mean_hits']:.1f}",
        f"2-character CJK queries (instr scan, newest first, limit 50): p50 {s['short_p50_ms']:.1f} ms",
        f"1M-row build (bulk insert 50k per transaction + FTS optimize): {s['build_s']:.1f} s, "
        f"database size {s['db_mb']:.0f} MB",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
