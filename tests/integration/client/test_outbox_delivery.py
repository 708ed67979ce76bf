"""The outbox against a real server: offline writing, and a server killed mid-drain."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.client.keys import KeyCustody
from app.client.session import Session
from tests.helpers.server import ServerProcess
from tests.integration.client.conftest import (
    POLL_HOLD,
    all_server_messages,
    fast_backoff,
    group_with,
    memory_keys,
    other_user,
    sign_in,
    wait_for,
    wait_online,
)


async def _alice_in_group(
    server: ServerProcess, tmp_path: Path, keys: KeyCustody | None = None
) -> tuple[Session, int]:
    alice = await sign_in(server, "alice", tmp_path / "alice", keys=keys)
    alice.start()
    await wait_online(alice)
    bob = await other_user(server, "bob")
    try:
        cid = await group_with(bob, (await alice.api.me()).id)
    finally:
        await bob.aclose()

    async def known() -> bool:
        return any(c.id == cid for c in await alice.store.conversations())

    await wait_for(known, what="the new group to reach alice")
    return alice, cid


async def _drained(session: Session) -> bool:
    return not await session.store.outbox()


def test_written_offline_then_back_online_all_arrive_once_in_order(
    server: ServerProcess, tmp_path: Path
) -> None:
    async def scenario() -> None:
        alice, cid = await _alice_in_group(server, tmp_path)
        try:
            await asyncio.to_thread(server.kill9)
            await asyncio.to_thread(server.stop)  # reap the pipes of the dead process

            async def offline() -> bool:
                return alice.sync.state.status == "offline"

            await wait_for(offline, what="offline")
            assert alice.sync.state.next_retry_at is not None
            bodies = [f"offline note {i:03d}" for i in range(100)]
            for body in bodies:
                await alice.outbox.send(cid, body)
            shown = await alice.store.messages(cid, limit=200)
            assert [m.state for m in shown] == ["pending"] * 100
            assert [m.body for m in shown] == bodies

            await asyncio.sleep(0.5)  # a few failed attempts while the server is gone
            assert {i.client_msg_id for i in await alice.store.outbox()} == {
                m.client_msg_id for m in shown
            }, "retries must keep the original client_msg_id"
            await asyncio.to_thread(server.start)
            await wait_for(lambda: _drained(alice), 60, "the outbox to drain")

            bob = await other_user(server, "bob")
            try:
                on_server = await all_server_messages(bob, cid)
            finally:
                await bob.aclose()
            assert [m.body for m in on_server] == bodies
            assert [m.client_msg_id for m in on_server] == [m.client_msg_id for m in shown]

            async def local_caught_up() -> bool:
                local = await alice.store.messages(cid, limit=200)
                return [m.id for m in local] == [m.id for m in on_server]

            await wait_for(local_caught_up, what="alice's store to hold the sent messages")
            assert all(m.state == "sent" for m in await alice.store.messages(cid, limit=200))
        finally:
            await alice.aclose()

    asyncio.run(scenario())


@pytest.mark.slow
def test_server_killed_mid_drain_of_1000_loses_and_duplicates_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    async def scenario() -> None:
        keys = memory_keys()
        alice, cid = await _alice_in_group(server, tmp_path, keys)
        await alice.aclose()  # queue everything first, then start the app again
        alice = await Session.open(
            alice.account,
            keys=keys,
            data_dir=tmp_path / "alice",
            poll_hold=POLL_HOLD,
            make_backoff=fast_backoff,
        )
        try:
            bodies = [f"bulk {i:04d}" for i in range(1000)]
            for body in bodies:
                await alice.outbox.send(cid, body)
            alice.start()

            async def part_sent() -> bool:
                return len(await alice.store.outbox()) <= 700

            await wait_for(part_sent, 60, "a third of the outbox to be sent")
            await asyncio.to_thread(server.kill9)
            left_at_kill = len(await alice.store.outbox())
            assert 0 < left_at_kill < 1000
            await asyncio.to_thread(server.stop)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(server.start)
            await wait_for(lambda: _drained(alice), 90, "the outbox to drain after the restart")

            bob = await other_user(server, "bob")
            try:
                on_server = await all_server_messages(bob, cid)
            finally:
                await bob.aclose()
            assert [m.body for m in on_server] == bodies  # nothing lost, doubled or reordered
            assert len({m.client_msg_id for m in on_server}) == 1000

            async def local_equal() -> bool:
                local = await alice.store.messages(cid, limit=2000)
                return [m.id for m in local] == [m.id for m in on_server]

            await wait_for(local_equal, 30, "alice's store to match the server")
        finally:
            await alice.aclose()

    asyncio.run(scenario())
