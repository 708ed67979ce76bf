"""The message model's window while a busy channel is followed: bounded, newest end kept, and
the rows trimmed from the top come back when the reader scrolls up (real store, real model)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.modeltest import ModelTester

from app.client.apply import Applier
from app.client.keys import Account, KeyCustody
from app.client.store import Store
from app.core import wire
from tests.gui.conftest import until
from ui.models.messages import FOLLOW_HELD, PAGE, MessageListModel, Roles
from ui.people import People

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PEOPLE = [wire.User(id=i, username=f"u{i}", display_name=f"User {i}") for i in (1, 2, 3)]


def _batch(first: int, count: int) -> wire.EventBatch:
    events = [
        wire.MessageCreated(
            seq=i,
            at=T0,
            message=wire.Message(
                id=i,
                conversation_id=1,
                sender_id=2 + i % 2,
                body=f"message {i}",
                created_at=T0 + dt.timedelta(seconds=i),
                client_msg_id=f"m{i}",
            ),
        )
        for i in range(first, first + count)
    ]
    return wire.EventBatch(events=events, cursor=f"0.{first + count}", more=False)


async def _store(tmp_path: Path, keys: KeyCustody) -> tuple[Store, Applier]:
    store = await Store.open(Account("http://127.0.0.1:9", "u1"), keys=keys, data_dir=tmp_path)
    applier = Applier(store)
    channel = wire.Conversation(
        id=1,
        kind="channel",
        name="busy",
        private=False,
        created_by=1,
        created_at=T0,
        member_ids=[1, 2, 3],
    )
    await applier.apply_snapshot(
        wire.Snapshot(
            cursor="0.0",
            me=PEOPLE[0],
            users=PEOPLE[1:],
            conversations=[channel],
            topics=[],
            read_markers=[],
            messages=[],
            has_more={},
            policy=wire.OrgPolicy(),
        )
    )
    return store, applier


def _ids(model: MessageListModel) -> list[int]:
    return [model.index(r, 0).data(Roles.Id) for r in range(model.rowCount())]


def test_following_a_busy_channel_holds_a_bounded_window_and_scrolling_up_brings_it_back(
    arun: Callable[..., Any], keys: KeyCustody, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    people = People()
    people.update({u.id: u for u in PEOPLE}, 1)

    async def scenario() -> tuple[list[int], list[int], list[int]]:
        store, applier = await _store(tmp_path, keys)
        model = MessageListModel(store, people)
        tester = ModelTester(request.config)
        tester.check(model, force_py=True)
        try:
            await applier.apply_events(_batch(1, 60))
            await model.show(1)
            assert model.following and len(_ids(model)) == PAGE
            newest = 60
            for _ in range(12):  # 360 more arrive in bursts while the reader follows
                await applier.apply_events(_batch(newest + 1, 30))
                newest += 30
                await model.refresh(whole=False)
                assert len(_ids(model)) <= FOLLOW_HELD + PAGE
                assert _ids(model)[-1] == newest, "the newest message is always held"
            followed = _ids(model)
            model.following = False  # the reader scrolled up: nothing is trimmed any more
            await applier.apply_events(_batch(newest + 1, 2 * PAGE))
            await model.refresh(whole=False)
            await until(lambda: not model.loading, what="the refresh")
            reading = _ids(model)
            assert model.canFetchMore(QModelIndex()), "the trimmed rows can come back"
            model.fetchMore(QModelIndex())  # what the view does near the top
            await until(lambda: not model.loading, what="the older page")
            return followed, reading, _ids(model)
        finally:
            await until(lambda: not model.loading, what="the model's reads")
            tester._cleanup()
            await store.close()

    followed, reading, paged = arun(scenario())
    newest = followed[-1] + 2 * PAGE

    def contiguous(ids: list[int]) -> bool:
        return ids == list(range(ids[0], ids[0] + len(ids)))

    assert contiguous(followed) and len(followed) <= FOLLOW_HELD + PAGE < 420, "trimmed"
    # While the reader is up in the history nothing is trimmed (qtmodeltester may page in more).
    assert contiguous(reading) and reading[-1] == newest and reading[0] <= followed[0]
    assert contiguous(paged) and paged[0] < reading[0] and paged[-len(reading) :] == reading
