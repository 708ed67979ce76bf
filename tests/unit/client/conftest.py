"""Fixtures for the client store tests: an in-memory keyring, tmp paths, wire-object factories."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.client.keys import Account, KeyCustody
from app.client.memory_keyring import MemoryKeyring, temporary_keyring
from app.core.wire import (
    Conversation,
    EventBatch,
    Message,
    OrgPolicy,
    ReadMarker,
    Snapshot,
    User,
)

T = TypeVar("T")
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


class OtherMemoryKeyring(MemoryKeyring):
    """A second, distinguishable backend, to simulate "the keyring backend changed"."""


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with temporary_keyring() as backend:
        yield backend


@pytest.fixture
def keys(memory_keyring: MemoryKeyring) -> KeyCustody:
    return KeyCustody()  # follows keyring.get_keyring(), i.e. the memory backend


@pytest.fixture
def account() -> Account:
    return Account("https://chat.example.com/", "li.wei")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "accounts"


# --- wire factories -----------------------------------------------------------------------

ME, ANNA, BOB = 1, 2, 3


def user(uid: int, name: str = "") -> User:
    name = name or f"user{uid}"
    return User(id=uid, username=name, display_name=name.title())


def conversation(
    cid: int, members: tuple[int, ...] = (ME, ANNA, BOB), name: str = ""
) -> Conversation:
    return Conversation(
        id=cid,
        kind="channel",
        name=name or f"conv{cid}",
        private=False,
        created_by=ME,
        created_at=T0,
        member_ids=list(members),
    )


def message(mid: int, cid: int = 10, sender: int = ANNA, body: str = "", **kw: Any) -> Message:
    return Message(
        id=mid,
        conversation_id=cid,
        sender_id=sender,
        body=body or f"message number {mid}",
        created_at=T0 + dt.timedelta(seconds=mid),
        client_msg_id=kw.pop("client_msg_id", f"c{mid}"),
        **kw,
    )


def created(seq: int, msg: Message) -> dict[str, Any]:
    return {"type": "message.created", "seq": seq, "at": T0, "message": msg}


def marker(cid: int, uid: int, up_to: int) -> ReadMarker:
    return ReadMarker(conversation_id=cid, user_id=uid, up_to=up_to, read_at=T0)


def batch(events: list[dict[str, Any]], cursor: str) -> EventBatch:
    return EventBatch.model_validate({"events": events, "cursor": cursor, "more": False})


def snapshot(
    *,
    cursor: str = "100",
    conversations: list[Conversation] | None = None,
    messages: list[Message] | None = None,
    markers: list[ReadMarker] | None = None,
    has_more: dict[int, bool] | None = None,
) -> Snapshot:
    return Snapshot(
        cursor=cursor,
        me=user(ME, "li.wei"),
        users=[user(ANNA, "anna"), user(BOB, "bob")],
        conversations=conversations if conversations is not None else [conversation(10)],
        topics=[],
        read_markers=markers or [],
        messages=messages or [],
        has_more=has_more or {},
        policy=OrgPolicy(),
    )
