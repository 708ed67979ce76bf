"""The apply step: one transaction with the cursor, idempotent, reporting exactly what changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from app.client import apply as apply_module
from app.client.apply import Applier
from app.client.changes import Changes
from app.client.keys import Account, KeyCustody
from app.client.rows import Gap
from app.client.store import Store
from app.core.wire import MessagePage, Reaction

from .conftest import (
    ANNA,
    BOB,
    ME,
    T0,
    batch,
    conversation,
    created,
    marker,
    message,
    run,
    snapshot,
)


@asynccontextmanager
async def opened(keys: KeyCustody, account: Account, data_dir: Path) -> AsyncIterator[Store]:
    store = await Store.open(account, keys=keys, data_dir=data_dir)
    try:
        yield store
    finally:
        await store.close()


async def dump(store: Store) -> list[Any]:
    def all_rows(conn: Any) -> list[Any]:
        tables = ["users", "conversations", "members", "topics", "messages", "read_markers"]
        tables += ["history_gaps", "policy", "outbox", "sync_state", "meta"]
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]

    return await store.call(all_rows)


def events_1() -> list[dict[str, Any]]:
    edited = message(2, body="edited body", edited_at=T0)
    return [
        created(101, message(1)),
        created(102, message(2)),
        {"type": "message.updated", "seq": 103, "at": T0, "change": "edited", "message": edited},
        {"type": "receipt.read", "seq": 104, "at": T0, "marker": marker(10, BOB, 1)},
        {
            "type": "user.updated",
            "seq": 105,
            "at": T0,
            "user": {"id": BOB, "username": "bob", "display_name": "Bob B."},
        },
    ]


def test_same_batch_twice_changes_nothing(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            await applier.apply_snapshot(snapshot())
            first = await applier.apply_events(batch(events_1(), "105"))
            assert first.messages_created == (1, 2)
            assert first.receipts == {10} and first.users == {BOB}
            state = await dump(store)
            second = await applier.apply_events(batch(events_1(), "105"))
            assert not second  # nothing changed
            assert await dump(store) == state
            bodies = [m.body for m in await store.messages(10)]
            assert bodies == ["message number 1", "edited body"]

    run(scenario())


def test_failure_mid_batch_applies_nothing(
    keys: KeyCustody, account: Account, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = apply_module.apply_event
    seen: list[int] = []

    def flaky(conn: Any, cs: Any, event: Any, me: int | None) -> None:
        seen.append(event.seq)
        if event.seq == 104:
            raise RuntimeError("simulated crash in the middle of a batch")
        real(conn, cs, event, me)

    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            await Applier(store).apply_snapshot(snapshot())
            before = await dump(store)
            emitted: list[Changes] = []
            store.store_did_change.connect(emitted.append)
            monkeypatch.setattr(apply_module, "apply_event", flaky)
            with pytest.raises(RuntimeError):
                await Applier(store).apply_events(batch(events_1(), "105"))
            assert seen == [101, 102, 103, 104]  # three events were written, then rolled back
            assert await dump(store) == before
            assert await store.cursor() == "100"
            assert emitted == []
            monkeypatch.setattr(apply_module, "apply_event", real)
            await Applier(store).apply_events(batch(events_1(), "105"))
            assert await store.cursor() == "105"
            assert len(emitted) == 1

    run(scenario())


def test_unread_mentions_and_receipts(keys: KeyCustody, account: Account, data_dir: Path) -> None:
    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            await applier.apply_snapshot(snapshot(markers=[marker(10, ME, 1)]))
            await applier.apply_events(
                batch(
                    [
                        created(1, message(1)),
                        created(2, message(2, sender=ME)),
                        created(3, message(3, sender=BOB)),
                        created(4, message(4, mentions=[ME])),
                        {"type": "receipt.read", "seq": 5, "at": T0, "marker": marker(10, ANNA, 3)},
                    ],
                    "5",
                )
            )
            (row,) = await store.conversations()
            assert (row.unread, row.mentioned, row.last_message_id) == (2, True, 4)
            # my message 2: Anna read up to 3, Bob never: one unread; others' messages not counted
            assert await store.receipt_counts(10, [1, 2, 3, 4]) == {2: 1}
            changes = await applier.apply_events(
                batch(
                    [
                        {"type": "receipt.read", "seq": 6, "at": T0, "marker": marker(10, ME, 4)},
                        {"type": "receipt.read", "seq": 7, "at": T0, "marker": marker(10, BOB, 2)},
                        # an older marker never moves a read marker back
                        {"type": "receipt.read", "seq": 8, "at": T0, "marker": marker(10, ANNA, 1)},
                    ],
                    "8",
                )
            )
            assert changes.conversations == {10} and changes.receipts == {10}
            (row,) = await store.conversations()
            assert (row.unread, row.mentioned) == (0, False)
            assert await store.receipt_counts(10, [2]) == {2: 0}

    run(scenario())


def test_outbox_send_is_confirmed_by_message_created(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            await applier.apply_snapshot(snapshot())
            first = await store.enqueue("send", 10, {"body": "hello"}, client_msg_id="cm-1")
            second = await store.enqueue("send", 10, {"body": "second"})
            await store.enqueue("read", 10, {"up_to": 1})
            assert [i.client_msg_id for i in await store.outbox()][:2] == [first, second]
            window = await store.messages(10)
            assert [(m.body, m.state) for m in window] == [
                ("hello", "pending"),
                ("second", "pending"),
            ]
            await store.outbox_failed(second, "body too long")
            changes = await applier.apply_events(
                batch([created(1, message(7, sender=ME, body="hello", client_msg_id="cm-1"))], "1")
            )
            assert changes.outbox == {"cm-1"} and changes.messages_created == (7,)
            window = await store.messages(10)
            assert [(m.id, m.state, m.error) for m in window] == [
                (7, "sent", None),
                (None, "failed", "body too long"),
            ]
            retried = await store.outbox_retry(second)
            assert retried != second
            assert [(i.kind, i.state) for i in await store.outbox()] == [
                ("read", "pending"),
                ("send", "pending"),
            ]
            assert await store.outbox_attempted(retried) == 1

    run(scenario())


def test_snapshot_after_cursor_expired_keeps_history_and_tracks_gaps(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            first_page = [message(i) for i in range(50, 60)]
            await applier.apply_snapshot(snapshot(messages=first_page, has_more={10: True}))
            assert await store.gaps(10) == [Gap(10, 0, 50)]
            # later: cursor expired, a fresh snapshot whose page does not reach local history
            later = [message(i) for i in range(200, 210)]
            changes = await applier.apply_snapshot(
                snapshot(cursor="900", messages=later, has_more={10: True})
            )
            assert changes.snapshot and changes.cursor == "900"
            assert await store.gaps(10) == [Gap(10, 59, 200), Gap(10, 0, 50)]
            window = await store.messages(10, limit=100)
            assert [m.id for m in window] == [*range(50, 60), *range(200, 210)]
            # fill the newer gap with one page that reaches local history
            page = MessagePage(messages=[message(i) for i in range(150, 200)], has_more=True)
            await applier.apply_history_page(10, 200, page)
            assert await store.gaps(10) == [Gap(10, 59, 150), Gap(10, 0, 50)]
            page = MessagePage(messages=[message(i) for i in range(59, 150)], has_more=True)
            await applier.apply_history_page(10, 150, page)
            assert await store.gaps(10) == [Gap(10, 0, 50)]
            page = MessagePage(messages=[message(i) for i in range(1, 50)], has_more=False)
            await applier.apply_history_page(10, 50, page)
            assert await store.gaps(10) == []
            older = await store.messages(10, before=5, limit=10)
            assert [m.id for m in older] == [1, 2, 3, 4]

    run(scenario())


def test_snapshot_marks_conversations_i_left(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            convs = [conversation(10), conversation(11)]
            await applier.apply_snapshot(snapshot(conversations=convs, messages=[message(1, 11)]))
            await applier.apply_snapshot(snapshot(conversations=[conversation(10)]))
            rows = {r.id: r for r in await store.conversations()}
            assert rows[11].left and not rows[10].left
            assert [m.id for m in await store.messages(11)] == [1]  # history kept, read-only
            left = {
                "type": "conversation.left",
                "seq": 1,
                "at": T0,
                "conversation_id": 10,
                "user_id": BOB,
            }
            changes = await applier.apply_events(batch([left], "101"))
            assert changes.conversations == {10}
            rows = {r.id: r for r in await store.conversations()}
            assert rows[10].member_ids == (ME, ANNA) and not rows[10].left

    run(scenario())


def test_signal_reports_urges_policy_and_topics(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    topic = {
        "id": 5,
        "conversation_id": 10,
        "title": "Q3 budget",
        "closed": False,
        "created_by": ANNA,
        "created_at": T0,
    }
    events = [
        {"type": "topic.created", "seq": 1, "at": T0, "topic": topic},
        {"type": "topic.updated", "seq": 2, "at": T0, "topic": {**topic, "closed": True}},
        {
            "type": "message.urged",
            "seq": 3,
            "at": T0,
            "conversation_id": 10,
            "message_id": 9,
            "by": ANNA,
            "user_id": ME,
        },
        {
            "type": "message.urged",
            "seq": 4,
            "at": T0,
            "conversation_id": 10,
            "message_id": 9,
            "by": ANNA,
            "user_id": BOB,
        },
        {"type": "policy.updated", "seq": 5, "at": T0, "policy": {"watermark_enabled": True}},
    ]

    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            got: list[Changes] = []
            store.store_did_change.connect(got.append)
            await Applier(store).apply_snapshot(snapshot())
            await Applier(store).apply_events(batch(events, "5"))
            changes = got[-1]
            assert changes.topics == {5} and changes.policy
            assert [(u.message_id, u.by) for u in changes.urges] == [(9, ANNA)]
            assert [t.closed for t in await store.topics(10)] == [True]
            assert (await store.policy()).watermark_enabled

    run(scenario())


def test_a_late_send_response_or_history_page_never_undoes_newer_events(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    """The HTTP answer to my send (or an older page) can arrive after events that changed the
    message since; it must not put the older state back."""

    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            await applier.apply_snapshot(snapshot())
            sent = message(7, sender=ME, body="my words")
            reacted = sent.model_copy(
                update={"reactions": [Reaction(emoji="👍", user_ids=[ANNA])], "body": "my words!"}
            )
            await applier.apply_events(
                batch(
                    [
                        created(201, sent),
                        {
                            "type": "message.updated",
                            "seq": 202,
                            "at": T0,
                            "change": "edited",
                            "message": reacted,
                        },
                    ],
                    "202",
                )
            )
            late = await applier.apply_sent(sent)
            assert not late.messages_updated
            stale_page = MessagePage(messages=[sent], has_more=False)
            await applier.apply_history_page(10, 8, stale_page)
            rows = await store.messages(10)
            mine = next(r for r in rows if r.id == 7)
            assert mine.body == "my words!"

    run(scenario())


def test_new_messages_written_together_keep_the_per_event_rules(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    """message.created events are queued and written in one statement (one search-index flush);
    the result must be what applying them one by one gives: an edit right after a create in the
    same batch, a create repeated in the batch, a create for a message already stored (a newer
    edit is not undone), my own message confirming its outbox row, and a search index that is
    consistent and finds the latest text only."""

    async def scenario() -> None:
        async with opened(keys, account, data_dir) as store:
            applier = Applier(store)
            await applier.apply_snapshot(snapshot(messages=[message(1, body="kept as stored")]))
            await store.enqueue("send", 10, {"body": "my own words"}, client_msg_id="mine-7")
            events = [
                created(101, message(5, body="first draft")),
                {
                    "type": "message.updated",
                    "seq": 102,
                    "at": T0,
                    "change": "edited",
                    "message": message(5, body="final wording", edited_at=T0),
                },
                created(103, message(6, body="sixth")),
                created(104, message(6, body="sixth")),  # a repeat inside the batch
                created(105, message(1, body="stale copy of one")),  # already stored
                created(106, message(7, sender=ME, body="my own words", client_msg_id="mine-7")),
                created(107, message(8, body="eighth")),
            ]
            changes = await applier.apply_events(batch(events, "107"))
            assert changes.messages_created == (5, 6, 7, 8)
            assert "mine-7" in changes.outbox
            bodies = {m.id: m.body for m in await store.messages(10)}
            assert bodies == {
                1: "stale copy of one",  # seq 105 is newer than the snapshot's copy (seq 0)
                5: "final wording",
                6: "sixth",
                7: "my own words",
                8: "eighth",
            }
            assert [h.message_id for h in await store.search("final wording")] == [5]
            assert await store.search("first draft") == []
            assert [h.message_id for h in await store.search("eighth")] == [8]
            assert await store.outbox() == []
            ok = await store.call(
                lambda c: (
                    c.execute(
                        "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"
                    ).rowcount
                )
            )
            assert ok is not None  # raises "database disk image is malformed" when inconsistent
            # The same batch again: nothing changes (idempotent, as one by one).
            assert not await applier.apply_events(batch(events, "107"))

    run(scenario())
