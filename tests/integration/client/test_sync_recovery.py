"""Sync against a real server: cursor expiry, history gaps, revocation, two devices in step."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from app.client.api import ApiClient
from app.client.keys import SERVICE, KeyCustody
from app.client.outbox_rows import new_client_msg_id
from app.client.session import SIGNED_OUT_BY_ORG, Session
from app.core import wire
from tests.helpers.memory_keyring import MemoryKeyring
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


async def _send_many(api: ApiClient, cid: int, bodies: list[str]) -> list[wire.Message]:
    out = []
    for body in bodies:
        req = wire.MessageCreate(client_msg_id=new_client_msg_id(), body=body)
        out.append((await api.send_message(cid, req))[0])
    return out


def _cli(server: ServerProcess, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app.server.cli", "--data", str(server.data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_cursor_expired_takes_a_snapshot_keeps_history_and_fills_the_gap(
    server: ServerProcess, tmp_path: Path
) -> None:
    async def scenario() -> None:
        keys = memory_keys()
        alice = await sign_in(server, "alice", tmp_path / "alice", keys=keys)
        bob = await other_user(server, "bob")
        try:
            alice.start()
            await wait_online(alice)
            cid = await group_with(bob, (await alice.api.me()).id)
            early = await _send_many(bob, cid, [f"early {i}" for i in range(3)])

            async def has_early() -> bool:
                return len(await alice.store.messages(cid)) == 3

            await wait_for(has_early, what="the early messages")
            await alice.aclose()  # the app is closed for a long weekend ...
            late = await _send_many(bob, cid, [f"late {i:02d}" for i in range(70)])
            head = (await bob.events(None, wait=0)).cursor.rpartition(".")[2]
            _cli(server, "events", "prune", "--before-seq", head)  # ... and retention pruned

            alice = await Session.open(
                alice.account,
                keys=keys,
                data_dir=tmp_path / "alice",
                poll_hold=POLL_HOLD,
                make_backoff=fast_backoff,
            )
            alice.start()

            async def snapshotted() -> bool:
                return alice.sync.snapshots_applied == 1 and alice.sync.state.status == "online"

            await wait_for(snapshotted, what="the snapshot after cursor_expired")
            local = [m.id for m in await alice.store.messages(cid, limit=500)]
            assert local[:3] == [m.id for m in early]  # local history kept
            assert local[3:] == [m.id for m in late[-50:]]  # the snapshot's latest page
            gaps = await alice.store.gaps(cid)
            assert [(g.after_id, g.before_id) for g in gaps] == [(early[-1].id, late[-50].id)]

            while await alice.sync.fetch_older(cid, limit=15):
                pass
            local = [m.id for m in await alice.store.messages(cid, limit=500)]
            assert local == [m.id for m in await all_server_messages(bob, cid)]
            assert await alice.store.gaps(cid) == []
        finally:
            await alice.aclose()
            await bob.aclose()

    asyncio.run(scenario())


def test_someone_added_later_gets_what_was_said_before_and_its_topics(
    server: ServerProcess, tmp_path: Path
) -> None:
    async def scenario() -> None:
        alice = await sign_in(server, "alice", tmp_path / "alice")
        bob = await other_user(server, "bob")
        try:
            alice.start()
            await wait_online(alice)
            alice_id = (await alice.api.me()).id
            carol_id = next(u.id for u in (await bob.snapshot()).users if u.username == "carol")
            cid = await group_with(bob, carol_id)
            topic = await bob.create_topic(cid, wire.TopicCreate(title="Q3 plan"))
            said = await _send_many(bob, cid, [f"before {i:02d}" for i in range(60)])
            req = wire.MessageCreate(client_msg_id=new_client_msg_id(), body="in the topic")
            said.append(
                (await bob.send_message(cid, req.model_copy(update={"topic_id": topic.id})))[0]
            )
            await bob.add_members(cid, [alice_id])

            async def joined() -> bool:
                return [t.id for t in await alice.store.topics(cid)] == [topic.id]

            await wait_for(joined, what="the joined conversation and its topic")
            assert await alice.store.messages(cid) == []  # events before the join are not hers
            assert await alice.store.gaps(cid)  # ... but the history is there to fetch
            while await alice.sync.fetch_older(cid, limit=25):
                pass
            local = [m.id for m in await alice.store.messages(cid, limit=500)]
            assert local == [m.id for m in said]
            after = await _send_many(bob, cid, ["welcome, alice"])

            async def has_after() -> bool:
                ids = [m.id for m in await alice.store.messages(cid, limit=500)]
                return ids[-1:] == [after[0].id]

            await wait_for(has_after, what="the message after the join")
            assert await alice.store.gaps(cid) == []
        finally:
            await alice.aclose()
            await bob.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize("how", ["device revoke", "user deactivate"])
def test_signed_out_by_the_organisation_wipes_the_local_copy(
    server: ServerProcess, tmp_path: Path, how: str
) -> None:
    async def scenario() -> None:
        backend = MemoryKeyring()
        alice = await sign_in(server, "alice", tmp_path / "alice", keys=KeyCustody(backend=backend))
        ended: list[str] = []
        alice.signed_out_by_org.connect(ended.append)
        alice.start()
        await wait_online(alice)
        paths = alice.store.paths
        assert paths.db.exists() and backend.entries
        if how == "device revoke":
            listing = await asyncio.to_thread(_cli, server, "device", "list", "--user", "alice")
            device_id = listing.split()[0]
            await asyncio.to_thread(_cli, server, "device", "revoke", device_id)
        else:
            await asyncio.to_thread(_cli, server, "user", "deactivate", "alice")

        async def wiped() -> bool:
            return bool(ended)

        await wait_for(wiped, 15, "the sign-out by the organisation")
        await alice.wait_ended()
        assert ended == [SIGNED_OUT_BY_ORG]
        assert not any(p.exists() for p in paths.all())
        assert not [k for k in backend.entries if k[0] == SERVICE]
        await alice.aclose()  # harmless after the wipe

    asyncio.run(scenario())


def test_two_devices_of_one_person_end_in_the_same_state(
    server: ServerProcess, tmp_path: Path
) -> None:
    async def scenario() -> None:
        laptop = await sign_in(server, "alice", tmp_path / "laptop", device="laptop")
        phone = await sign_in(server, "alice", tmp_path / "phone", device="phone")
        bob = await other_user(server, "bob")
        try:
            laptop.start()
            phone.start()
            await wait_online(laptop)
            await wait_online(phone)
            cid = await group_with(bob, (await laptop.api.me()).id)
            from_bob = await _send_many(bob, cid, [f"bob {i}" for i in range(4)])
            mine = [await laptop.outbox.send(cid, f"alice {i}") for i in range(3)]

            async def mine_confirmed() -> bool:
                stored = await phone.store.messages(cid)
                return {m.client_msg_id for m in stored if m.id} >= set(mine)

            await wait_for(mine_confirmed, what="alice's messages on her phone")
            by_cmid = {m.client_msg_id: m.id for m in await phone.store.messages(cid)}
            first, second, _third = (by_cmid[c] for c in mine)
            assert first is not None and second is not None
            # Each device changes something; the other must follow.
            await laptop.outbox.edit(cid, first, "alice 0 (edited on the laptop)")
            await phone.outbox.delete(cid, second)
            await phone.outbox.react(cid, from_bob[0].id, "👍", True)
            await laptop.outbox.mark_read(cid, from_bob[2].id)

            async def same_state() -> bool:
                if await laptop.store.outbox() or await phone.store.outbox():
                    return False
                a = await laptop.store.messages(cid), await laptop.store.conversations()
                b = await phone.store.messages(cid), await phone.store.conversations()
                return a == b and a[1][0].unread == 1

            await wait_for(same_state, what="both devices to agree")
            msgs = {m.id: m for m in await phone.store.messages(cid)}
            assert msgs[first].body == "alice 0 (edited on the laptop)"
            assert msgs[first].edited_at is not None
            assert msgs[second].deleted and msgs[second].body == ""
            assert [r.emoji for r in msgs[from_bob[0].id].reactions] == ["👍"]
            ids = [m.id for m in from_bob] + [first, second]
            assert await laptop.store.receipt_counts(cid, ids) == await phone.store.receipt_counts(
                cid, ids
            )
        finally:
            await laptop.aclose()
            await phone.aclose()
            await bob.aclose()

    asyncio.run(scenario())
