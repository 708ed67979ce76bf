"""The client process killed (SIGKILL) in the middle of applying a large backlog, then restarted."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from app.client.keys import KeyCustody
from app.client.session import Session
from app.core import wire
from tests.helpers.memory_keyring import FileKeyring
from tests.helpers.server import ServerProcess
from tests.integration.client.conftest import (
    POLL_HOLD,
    all_server_messages,
    fast_backoff,
    group_with,
    other_user,
    sign_in,
    wait_for,
    wait_online,
)

BACKLOG = 3000
BATCH = 500  # the server's event batch limit: every committed apply holds exactly this many
REPO = Path(__file__).resolve().parents[3]


def _write_backlog(data_dir: Path, cid: int, sender_id: int) -> None:
    """Write the backlog straight through the server's actions (the server is stopped)."""
    from app.server.actions import messages
    from app.server.auth import Caller
    from app.server.config import ServerConfig
    from app.server.service import Service

    service = Service(
        ServerConfig(data_dir, f"sqlite:///{data_dir / 'courtyard.db'}").open_database()
    )
    try:

        def write(tx: object) -> None:
            caller = Caller(sender_id, 0, False)
            for i in range(BACKLOG):
                req = wire.MessageCreate(client_msg_id=f"backlog-{i}", body=f"backlog {i:04d}")
                messages.send(tx, caller, cid, req)  # type: ignore[arg-type]

        service.run_sync(write)
    finally:
        service.db.close()


def test_client_killed_while_applying_a_backlog_recovers_without_loss_or_doubles(
    server: ServerProcess, tmp_path: Path
) -> None:
    keyring_file = tmp_path / "keyring.json"
    data_dir = tmp_path / "alice"

    def keys() -> KeyCustody:
        return KeyCustody(backend=FileKeyring(keyring_file))

    async def before_crash() -> tuple[int, int, object]:
        alice = await sign_in(server, "alice", data_dir, keys=keys())
        bob = await other_user(server, "bob")
        try:
            alice.start()
            await wait_online(alice)
            cid = await group_with(bob, (await alice.api.me()).id)
            bob_id = (await bob.me()).id

            async def known() -> bool:
                return any(c.id == cid for c in await alice.store.conversations())

            await wait_for(known, what="the group")
            return cid, bob_id, alice.account
        finally:
            await alice.aclose()
            await bob.aclose()

    cid, bob_id, account = asyncio.run(before_crash())
    server.stop()
    _write_backlog(server.data_dir, cid, bob_id)
    server.start()

    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.client.backlog_client",
            str(keyring_file),
            str(data_dir),
            server.url,
            "alice",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the first batch is committed
        assert line.startswith("applied"), line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()

    async def after_crash() -> None:
        session = await Session.open(
            account,  # type: ignore[arg-type]
            keys=keys(),
            data_dir=data_dir,
            poll_hold=POLL_HOLD,
            make_backoff=fast_backoff,
        )
        bob = await other_user(server, "bob")
        try:
            check = await session.store.call(
                lambda c: c.execute("PRAGMA integrity_check").fetchone()
            )
            assert check[0] == "ok"
            survived = len(await session.store.messages(cid, limit=BACKLOG + 10))
            assert survived % BATCH == 0 and survived > 0, "a batch was applied only in part"

            session.start()
            expected = [m.id for m in await all_server_messages(bob, cid)]
            assert len(expected) == BACKLOG

            async def caught_up() -> bool:
                local = await session.store.messages(cid, limit=BACKLOG + 10)
                return len(local) >= BACKLOG

            await wait_for(caught_up, 60, "the restarted client to catch up")
            local = await session.store.messages(cid, limit=BACKLOG + 10)
            assert [m.id for m in local] == expected  # none missing, none doubled, in order
            assert [m.body for m in local] == [f"backlog {i:04d}" for i in range(BACKLOG)]
            cursor = await session.store.cursor()
            assert (await session.api.events(cursor, wait=0)).events == []
        finally:
            await session.aclose()
            await bob.aclose()

    asyncio.run(after_crash())
