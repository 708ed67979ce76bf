"""PostgreSQL itself: the migrations, and the event lock that keeps commit order = seq order."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, text

from app.core import wire
from app.server import events, first_read
from app.server.actions import accounts, conversations, org
from app.server.actions import messages as messages_actions
from app.server.actions.base import Tx
from app.server.auth import Caller, token_hash
from app.server.config import ServerConfig
from app.server.db import migrate
from app.server.db.engine import Database
from app.server.db.schema import messages, metadata
from app.server.events import Audience, Emitted
from app.server.first_read import FirstReads

pytestmark = pytest.mark.scale


def test_migrations_build_the_schema_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    # Three instances starting at once (Alembic is per process, as servers are): the migration
    # lock lets one create the tables while the others wait and then find nothing to do.
    script = "import sys; from app.server.config import ServerConfig; from pathlib import Path;"
    script += " ServerConfig(Path(sys.argv[1]), sys.argv[2]).open_database().close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path / str(i)), pg_url])
        for i in range(3)
    ]
    codes = [p.wait(timeout=60) for p in procs]
    assert codes == [0, 0, 0]
    dbs = [Database(pg_url)]
    try:
        db = dbs[0]
        tables = set(inspect(db.write_engine).get_table_names())
        assert set(metadata.tables) <= tables
        with db.write_engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            seq_type = conn.execute(
                text(
                    "SELECT data_type FROM information_schema.columns"
                    " WHERE table_name = 'events' AND column_name = 'seq'"
                )
            ).scalar_one()
        assert version == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
        assert seq_type == "bigint"
        # The server's own start-up path works on the migrated database.
        config = ServerConfig(tmp_path, pg_url)
        again = config.open_database()
        try:
            assert again.write_sync(lambda c: org.initialise(Tx(c, dt.datetime.now(dt.UTC))))
        finally:
            again.close()
    finally:
        for db in dbs:
            db.close()


def test_instances_starting_together_on_a_fresh_database_agree_on_one_epoch(
    pg_url: str, tmp_path: Path
) -> None:
    # Four instances' start-up (each its own engine and connections, as separate processes
    # would have) initialising the organisation at the same moment, five times over: without the
    # initialise lock all read "no epoch" and all but one fail on the duplicate key.
    dbs = [ServerConfig(tmp_path, pg_url).open_database() for _ in range(4)]
    try:
        for _ in range(5):
            with dbs[0].write_engine.begin() as conn:
                conn.execute(text("DELETE FROM meta WHERE key IN ('epoch', 'policy')"))
            barrier = threading.Barrier(len(dbs))
            results: list[object] = []

            def start(db: Database, barrier: threading.Barrier, results: list[object]) -> None:
                barrier.wait()
                try:
                    results.append(db.write_sync(lambda c: org.initialise(Tx(c, _now()))))
                except Exception as exc:  # reported below, with the others' outcomes
                    results.append(exc)

            threads = [threading.Thread(target=start, args=(db, barrier, results)) for db in dbs]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert sorted(map(repr, results)) == ["False", "False", "False", "True"], results
            with dbs[0].write_engine.connect() as conn:
                keys = conn.execute(text("SELECT key FROM meta WHERE key IN ('epoch', 'policy')"))
                assert sorted(r[0] for r in keys) == ["epoch", "policy"]
    finally:
        for db in dbs:
            db.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_later_seq_never_commits_before_an_earlier_one(pg_url: str, tmp_path: Path) -> None:
    db = ServerConfig(tmp_path, pg_url).open_database()
    try:
        db.write_sync(lambda c: org.initialise(Tx(c, dt.datetime.now(dt.UTC))))
        now = dt.datetime.now(dt.UTC)
        first = db.write_engine.connect()
        tx1 = first.begin()
        seq1 = events.emit(first, Emitted(), "test.one", {}, Audience(org=True), at=now)
        result: dict[str, float | int] = {}

        def second_writer() -> None:
            with db.write_engine.begin() as conn:
                result["seq"] = events.emit(
                    conn, Emitted(), "test.two", {}, Audience(org=True), at=now
                )
            result["done"] = time.monotonic()

        t = threading.Thread(target=second_writer)
        t.start()
        time.sleep(0.5)
        assert "seq" not in result, "a second event insert ran while the first was in flight"
        # A reader meanwhile sees neither event, and the head stays below both.
        assert db.read_sync(events.head_seq) < seq1
        released = time.monotonic()
        tx1.commit()
        first.close()
        t.join(timeout=10)
        assert result["done"] >= released
        assert int(result["seq"]) > seq1
        got = db.read_sync(lambda c: [r[0] for r in c.execute(select(events.events.c.seq))])
        assert got[-2:] == [seq1, result["seq"]]
    finally:
        db.close()


def test_deferred_events_wait_for_the_event_lock_and_commit_after_it(
    pg_url: str, tmp_path: Path
) -> None:
    # An API write's events go in at its COMMIT, in one pipeline with the event lock
    # (events.commit_deferred): that pipeline must still wait for a writer holding the lock.
    db = ServerConfig(tmp_path, pg_url).open_database()
    try:
        db.write_sync(lambda c: org.initialise(Tx(c, _now())))
        first = db.write_engine.connect()
        tx1 = first.begin()
        seq1 = events.emit(first, Emitted(), "test.one", {}, Audience(org=True), at=_now())
        result: dict[str, float] = {}

        def deferred_writer() -> None:
            with db.write_engine.begin() as conn:
                tx = Tx(conn, _now(), defer_events=True)
                tx.emit("test.two", {"n": 2}, Audience(org=True))
                tx.emit("test.three", {"n": 3}, Audience(org=True))
                tx.finish()
            result["done"] = time.monotonic()

        t = threading.Thread(target=deferred_writer)
        t.start()
        time.sleep(0.5)
        assert "done" not in result, "deferred events committed while the lock was held"
        released = time.monotonic()
        tx1.commit()
        first.close()
        t.join(timeout=10)
        assert result["done"] >= released
        rows = db.read_sync(
            lambda c: c.execute(
                select(events.events.c.seq, events.events.c.type, events.events.c.payload)
                .where(events.events.c.seq >= seq1)
                .order_by(events.events.c.seq)
            ).all()
        )
        assert [(r.type, r.payload) for r in rows] == [
            ("test.one", {}),
            ("test.two", {"n": 2}),
            ("test.three", {"n": 3}),
        ]
    finally:
        db.close()


def test_a_send_retried_at_once_on_another_writer_is_answered_as_a_replay(
    pg_url: str, tmp_path: Path
) -> None:
    # Two writers store the same client_msg_id at once (a client retrying on another instance):
    # the second waits for the first, then answers with its message; one message is stored.
    db = ServerConfig(tmp_path, pg_url).open_database()
    try:
        db.write_sync(lambda c: org.initialise(Tx(c, _now())))
        alice, bob = (
            db.write_sync(
                lambda c, n=n: accounts.create_user(Tx(c, _now()), username=n, password_hash="x")
            )
            for n in ("alice", "bob")
        )
        caller = Caller(user_id=alice.id, device_id=0, admin=False)
        group = wire.ConversationCreate(kind="group", name="pair", members=[bob.id])
        conv, _ = db.write_sync(lambda c: conversations.create(Tx(c, _now()), caller, group))
        req = wire.MessageCreate(client_msg_id="retry-1", body="hello")

        first = db.write_engine.connect()
        tx1 = first.begin()
        original, created = messages_actions.send(Tx(first, _now()), caller, conv.id, req)
        assert created
        result: dict[str, object] = {}

        def retry() -> None:
            def run(conn: Connection) -> tuple[wire.Message, bool]:
                tx = Tx(conn, _now(), defer_events=True)
                answer = messages_actions.send(tx, caller, conv.id, req)
                tx.finish()
                return answer

            result["answer"] = db.write_sync(run)

        t = threading.Thread(target=retry)
        t.start()
        time.sleep(0.5)
        assert "answer" not in result, "the retry did not wait for the first insert"
        tx1.commit()
        first.close()
        t.join(timeout=10)
        assert result["answer"] == (original, False)
        stored = db.read_sync(
            lambda c: c.execute(
                select(func.count()).where(messages.c.client_msg_id == "retry-1")
            ).scalar_one()
        )
        assert stored == 1
    finally:
        db.close()


def test_batched_first_reads_give_what_the_single_read_gives(pg_url: str, tmp_path: Path) -> None:
    # The polls' first reads go to PostgreSQL in batches (first_read.FirstReads) on an
    # asynchronous connection: each token's row must be the one-token statement's row, and a
    # revoked or deactivated token must find none.
    db = ServerConfig(tmp_path, pg_url).open_database()
    try:
        db.write_sync(lambda c: org.initialise(Tx(c, _now())))
        people = [
            db.write_sync(
                lambda c, n=n: accounts.create_user(Tx(c, _now()), username=n, password_hash="x")
            )
            for n in ("alice", "bob", "carol", "dave")
        ]
        caller = Caller(user_id=people[0].id, device_id=0, admin=False)
        group = wire.ConversationCreate(kind="group", name="g", members=[people[1].id])
        db.write_sync(lambda c: conversations.create(Tx(c, _now()), caller, group))
        tokens = {
            p.username: db.write_sync(
                lambda c, p=p: accounts.create_device(Tx(c, _now()), p.id, "laptop")
            ).token
            for p in people
        }
        bob_device = db.write_sync(
            lambda c: accounts.create_device(Tx(c, _now()), people[1].id, "phone")
        )
        db.write_sync(lambda c: accounts.revoke_device(Tx(c, _now()), bob_device.device_id))
        db.write_sync(lambda c: accounts.set_active(Tx(c, _now()), people[3].id, False))
        hashes = [token_hash(t) for t in [*tokens.values(), bob_device.token, "f" * 64]]
        expected = [db.fetch_one_sync(first_read.SQL, (h,)) for h in hashes]
        assert sum(row is not None for row in expected) == 3  # alice, bob's laptop, carol

        async def batched() -> list[object]:
            await db.start()
            try:
                reads = FirstReads(db)
                return list(await asyncio.gather(*(reads.row(h) for h in hashes)))
            finally:
                await db.aclose()

        got = asyncio.run(batched())
        assert [None if r is None else tuple(r) for r in got] == [
            None if r is None else tuple(r) for r in expected
        ]
    finally:
        db.close()


def test_reads_and_writes_on_connections_postgresql_dropped_run_again_on_fresh_ones(
    pg_url: str, tmp_path: Path
) -> None:
    # Writes are not preceded by a ping, nor are the reads on the loop: pooled connections that
    # PostgreSQL dropped (a restart, an idle timeout) fail at the first statement, which then
    # runs again on a fresh connection.
    import psycopg

    db = ServerConfig(tmp_path, pg_url).open_database()
    name = pg_url.rsplit("/", 1)[1]

    def drop_connections() -> None:
        with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()
        assert dropped is not None and dropped[0] >= 1

    def create(username: str) -> None:
        db.write_sync(
            lambda c: accounts.create_user(Tx(c, _now()), username=username, password_hash="x")
        )

    count = {"sqlite": "", "postgresql": "SELECT count(*) FROM users"}

    async def read_across_a_drop() -> tuple[int, int]:
        await db.start()
        try:
            before = await db.fetch_one(count, ())
            drop_connections()
            after = await db.fetch_one(count, ())
            return before[0], after[0]
        finally:
            await db.aclose()

    try:
        db.write_sync(lambda c: org.initialise(Tx(c, _now())))
        create("a")
        drop_connections()
        create("b")
        assert asyncio.run(read_across_a_drop()) == (2, 2)
    finally:
        db.close()


def test_an_event_inserted_at_once_keeps_its_place_among_deferred_ones(
    pg_url: str, tmp_path: Path
) -> None:
    # An action that needs an event's seq (a member's joined_seq) inserts it at once; events the
    # transaction deferred before it go in first, those after it at the commit.
    db = ServerConfig(tmp_path, pg_url).open_database()
    try:
        db.write_sync(lambda c: org.initialise(Tx(c, _now())))

        def action(conn: Connection) -> int:
            tx = Tx(conn, _now(), defer_events=True)
            tx.emit("test.first", {}, Audience(org=True))
            seq = tx.emit_now("test.second", {}, Audience(org=True))
            tx.emit("test.third", {}, Audience(org=True))
            tx.finish()
            return seq

        second = db.write_sync(action)
        rows = db.read_sync(
            lambda c: c.execute(
                select(events.events.c.seq, events.events.c.type)
                .where(events.events.c.type.like("test.%"))
                .order_by(events.events.c.seq)
            ).all()
        )
        assert [r.type for r in rows] == ["test.first", "test.second", "test.third"]
        assert rows[1].seq == second
    finally:
        db.close()
