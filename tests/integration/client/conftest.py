"""Fixtures for client-core tests against a real server: keyrings, fast backoff, helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.client.api import ApiClient
from app.client.connection import Backoff
from app.client.keys import KeyCustody
from app.client.session import Session
from app.core import wire
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.server import ServerProcess

POLL_HOLD = 2.0  # short holds so an out-of-process revoke is noticed quickly


def fast_backoff() -> Backoff:
    return Backoff(base=0.05, cap=0.5, minimum=0.02)


def memory_keys() -> KeyCustody:
    return KeyCustody(backend=MemoryKeyring())


async def sign_in(
    server: ServerProcess,
    username: str,
    data_dir: Path,
    *,
    keys: KeyCustody | None = None,
    device: str = "laptop",
) -> Session:
    return await Session.sign_in(
        server.url,
        username,
        "pw",
        device,
        keys=keys or memory_keys(),
        data_dir=data_dir,
        poll_hold=POLL_HOLD,
        make_backoff=fast_backoff,
    )


async def wait_for(
    condition: Callable[[], Awaitable[bool]], within: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_online(session: Session, within: float = 30.0) -> None:
    async def online() -> bool:
        return session.sync.state.status == "online"

    await wait_for(online, within, "online")


async def other_user(server: ServerProcess, username: str) -> ApiClient:
    api = ApiClient(server.url)
    await api.login(username, "pw", "other")
    return api


async def group_with(creator: ApiClient, *member_ids: int) -> int:
    conv = await creator.create_conversation(
        wire.ConversationCreate(kind="group", name="team", members=list(member_ids))
    )
    return conv.id


async def all_server_messages(api: ApiClient, cid: int) -> list[wire.Message]:
    """The whole history of a conversation as the server has it, oldest first."""
    out: list[wire.Message] = []
    before: int | None = None
    while True:
        page = await api.history(cid, before=before, limit=200)
        out[:0] = page.messages
        if not page.has_more or not page.messages:
            return out
        before = page.messages[0].id
