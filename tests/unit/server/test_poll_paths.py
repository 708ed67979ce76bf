"""The long-poll's two implementations agree: the SQLite fast path in app/server/sync.py
(``_poll_sqlite``: hand-written SQL, stored payload JSON spliced into the answer) and the portable
rules in app/server/events.py (``decode_cursor``, ``visible_after``, ``encode_cursor``) that
PostgreSQL runs.

A rich history is written with the real actions into a real migrated SQLite database; then, for
every user, every cursor from 0 to the head and several limits, both paths answer in the same read
transaction and the answers (events, cursor, ``more``) or the errors must be identical. A change to
the rules in one path and not the other fails here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import tempfile
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_json
from sqlalchemy import Connection, select

from app.core import wire
from app.core.errors import ApiError, Unauthorized
from app.server import events, first_read
from app.server.actions import accounts, conversations, messages, offhours, org, receipts, status
from app.server.actions.base import Tx
from app.server.auth import Caller, authenticate, token_hash
from app.server.config import ServerConfig
from app.server.db.engine import Database
from app.server.db.schema import events as events_table
from app.server.db.schema import messages as messages_table
from app.server.event_tail import (
    FALLBACK,
    Answer,
    EventTail,
    TailEvent,
    _append_events,
    read_after,
)
from app.server.notifier import Notifier
from app.server.sync import (
    _PORTABLE_HEAD,
    _first_read_poll,
    _head_row,
    _Poll,
    _poll_once,
    _poll_sqlite,
    _waiting,
)

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
LIMITS = (1, 3, 500)


def _event_types() -> set[str]:
    """Every ``type`` the wire Event union can carry."""
    union = typing.get_args(wire.Event)[0]
    found: set[str] = set()
    for cls in typing.get_args(union):
        found.update(typing.get_args(cls.model_fields["type"].annotation))
    return found


@dataclass
class History:
    """Runs actions in their own write transactions at an injected, advancing time."""

    db: Database
    tick: int = 0
    callers: dict[str, Caller] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        # Every third action lands on a whole second: stored as "... 09:00:03.000000", which the
        # event_json.sqlite_at must write as pydantic does ("...09:00:03Z").
        micro = 0 if self.tick % 3 == 0 else (123_456 if self.tick % 3 == 1 else 100)
        return T0 + dt.timedelta(seconds=7 * self.tick, microseconds=micro)

    def run(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.tick += 1
        at = self.now()
        return self.db.write_sync(lambda conn: action(Tx(conn, at), *args, **kwargs))

    def user(self, name: str, *, admin: bool = False) -> Caller:
        user = self.run(
            accounts.create_user,
            username=name,
            password_hash="not-a-hash: nobody signs in here",
            display_name=name.title(),
            admin=admin,
        )
        caller = Caller(user_id=user.id, device_id=1000 + user.id, admin=admin)
        self.callers[name] = caller
        return caller

    def send(self, who: Caller, cid: int, body: str, **extra: Any) -> wire.Message:
        req = wire.MessageCreate(client_msg_id=f"m{self.tick}-{who.user_id}", body=body, **extra)
        message, created = self.run(messages.send, who, cid, req)
        assert created
        return message


def build_history(h: History) -> None:
    """Every event type, every message change, joins after history, leaves, rejoins, scrubbed
    deletions, urges that stay visible and urges hidden once their recipient left."""
    alice = h.user("alice", admin=True)
    bob, carol, dave, erin = (h.user(n) for n in ("bob", "carol", "dave", "erin"))
    create = conversations.create
    general = h.run(
        create,
        alice,
        wire.ConversationCreate(
            kind="channel", name="general", members=[bob.user_id, carol.user_id]
        ),
    )[0].id
    team = h.run(
        create, alice, wire.ConversationCreate(kind="group", members=[bob.user_id, dave.user_id])
    )[0].id
    dm = h.run(create, bob, wire.ConversationCreate(kind="dm", members=[carol.user_id]))[0].id
    h.run(create, erin, wire.ConversationCreate(kind="channel", name="quiet", private=True))

    m1 = h.send(alice, general, "hello @bob and @all")
    m2 = h.send(bob, general, "something urgent", urgent=True)
    h.run(conversations.join, dave, general)  # joins after m1/m2: joined_seq hides them
    topic = h.run(
        conversations.create_topic,
        alice,
        general,
        wire.TopicCreate(
            title="Plan", link=wire.TopicLink(url="https://plan.example/x", label="x")
        ),
    )
    m3 = h.send(carol, general, "in the topic", topic_id=topic.id, reply_to=m1.id)
    h.run(conversations.patch_topic, alice, topic.id, wire.TopicPatch(closed=True))
    h.run(
        conversations.patch_topic, bob, topic.id, wire.TopicPatch(title="Plan B", clear_link=True)
    )
    h.run(messages.edit, carol, m3.id, "in the topic, edited for @dave")
    h.run(messages.set_reaction, bob, m1.id, "👍", True)
    h.run(messages.set_reaction, dave, m1.id, "🎉", True)
    h.run(messages.set_reaction, bob, m1.id, "👍", False)
    h.run(messages.set_pinned, alice, m1.id, True)
    h.run(receipts.mark_read, bob, general, m2.id)
    h.run(receipts.mark_read, dave, general, m3.id)

    h.send(bob, dm, 'psst, über-secret «quotes» "and" \\backslashes\\')
    d2 = h.send(carol, dm, "hi back")
    h.run(receipts.mark_read, bob, dm, d2.id)

    g1 = h.send(alice, team, "team only")
    assert h.run(receipts.urge, alice, g1.id).urged == [bob.user_id, dave.user_id]
    h.run(conversations.remove_member, alice, team, dave.user_id)  # dave's urge is now hidden
    assert h.run(receipts.urge, bob, m2.id).urged == [alice.user_id, carol.user_id]
    h.run(conversations.remove_member, alice, general, carol.user_id)
    h.send(alice, general, "while carol is away")
    h.run(conversations.add_members, alice, general, [carol.user_id])  # a new joined_seq
    h.send(dave, general, "carol is back")

    h.run(messages.delete_message, carol, m3.id)  # scrubs message.created/updated payloads
    h.run(messages.delete_message, alice, m1.id)  # an admin, on someone else's pinned message
    h.run(messages.delete_message, alice, g1.id)  # urged: the urge events stay as they are

    h.run(status.set_status, bob, wire.StatusSet(text="In a meeting", emoji="📅", source="meeting"))
    h.run(status.set_status, bob, wire.StatusSet(text="", source="manual"))
    h.run(offhours.set_dnd, carol, h.now() + dt.timedelta(hours=1))
    h.run(
        offhours.set_schedule,
        dave,
        wire.Schedule(zone="Europe/Paris", days={"mon": ["09:00-17:00"]}, holidays=[]),
    )
    h.run(org.set_policy, {"edit_window_seconds": 3600, "watermark_enabled": True})
    h.user("frank")  # after everything: still sees every organisation event
    h.run(accounts.set_active, erin.user_id, False)
    h.run(conversations.remove_member, bob, general, bob.user_id)  # leaves by himself
    h.send(carol, general, "after bob left")  # carol is off (dnd): still a plain send
    h.send(alice, team, "last word")


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    db = ServerConfig(tmp_path, f"sqlite:///{tmp_path / 'courtyard.db'}").open_database()
    try:
        h = History(db)
        h.run(org.initialise)
        build_history(h)
        yield h
    finally:
        db.close()


# --- the two paths ---------------------------------------------------------------------------


def portable(conn: Connection, caller: Caller, cursor: str | None, limit: int) -> bytes:
    """The answer as the PostgreSQL path builds it from events.py."""
    after = events.decode_cursor(conn, cursor)
    visible = events.visible_after(conn, caller.user_id, after, limit)
    next_cursor = events.encode_cursor(events.epoch(conn), visible.next_seq)
    return to_json({"events": visible.rows, "cursor": next_cursor, "more": visible.more})


def fast(conn: Connection, caller: Caller, cursor: str | None, limit: int) -> bytes:
    """The answer of the SQLite fast path (an empty read is answered as long_poll would)."""
    poll = _poll_sqlite(conn, caller, cursor, limit)
    if poll.body is None:
        assert poll.keys is not None
        return to_json({"events": [], "cursor": poll.cursor, "more": False})
    assert poll.keys is None
    assert wire.EventBatch.model_validate_json(poll.body).cursor == poll.cursor
    return poll.body


def outcome(
    read: Callable[[Connection, Caller, str | None, int], bytes],
    conn: Connection,
    caller: Caller,
    cursor: str | None,
    limit: int,
) -> tuple[str, Any]:
    try:
        body = read(conn, caller, cursor, limit)
    except ApiError as exc:
        return "error", (type(exc).__name__, exc.code, exc.detail)
    return "ok", body


def assert_same(conn: Connection, caller: Caller, cursor: str | None, limit: int) -> Any:
    """Both paths' answers for one read; returns the parsed batch, or the error's code."""
    kind_p, got_p = outcome(portable, conn, caller, cursor, limit)
    kind_f, got_f = outcome(fast, conn, caller, cursor, limit)
    where = f"user {caller.user_id}, cursor {cursor!r}, limit {limit}"
    assert kind_f == kind_p, f"{where}: fast {got_f!r} vs portable {got_p!r}"
    if kind_p == "error":
        assert got_f == got_p, where
        return got_p[1]
    batch_p = wire.EventBatch.model_validate_json(got_p)
    batch_f = wire.EventBatch.model_validate_json(got_f)
    assert batch_f == batch_p, where
    # And as JSON values: the same keys and the same timestamp spelling, not only equal models.
    assert json.loads(got_f) == json.loads(got_p), where
    return batch_p


# The tail's statement read through SQLAlchemy: rows as PostgreSQL's driver gives them (aware
# datetimes and parsed JSON) instead of SQLite's text.
_TYPED_TAIL = (
    select(
        events_table.c.seq,
        events_table.c.type,
        events_table.c.at,
        events_table.c.aud_conversation_id,
        events_table.c.aud_user_id,
        events_table.c.aud_org,
        events_table.c.message_id,
        messages_table.c.conversation_id,
        events_table.c.payload,
    )
    .select_from(
        events_table.outerjoin(messages_table, messages_table.c.id == events_table.c.message_id)
    )
    .order_by(events_table.c.seq)
)


def tail_answers(conn: Connection, *, portable: bool) -> EventTail:
    """An event tail holding the whole log, as a server would after reading it; ``portable``:
    from rows shaped as on PostgreSQL."""
    tail = EventTail(typing.cast(Database, None), typing.cast(Notifier, None))
    tail.add(0, [])
    if portable:
        typed: list[TailEvent] = []
        tail.add(_append_events(typed, conn.execute(_TYPED_TAIL).all(), 0), typed)
    else:
        tail.add(*read_after(conn, 0))
    return tail


def assert_tail_agrees(
    conn: Connection, caller: Caller, tail: EventTail, cursor: str, limit: int, *, exact: bool
) -> bool:
    """The tail's answer, where it gives one, is the database path's; True when it gave one."""
    epoch, _, seq = cursor.rpartition(".")
    poll = _poll_sqlite(conn, caller, cursor, 1)  # only for the memberships a parked poll holds
    joined = poll.joined if poll.joined is not None else _waiting(conn, caller, cursor).joined
    assert joined is not None
    got = tail.answer(epoch, int(seq), caller.user_id, joined, limit)
    if got is FALLBACK:
        return False
    assert isinstance(got, Answer)
    want = portable(conn, caller, cursor, limit)
    body = got.body or to_json({"events": [], "cursor": got.cursor, "more": False})
    where = f"user {caller.user_id}, cursor {cursor}, limit {limit}"
    assert json.loads(body) == json.loads(want), where
    assert got.cursor == json.loads(want)["cursor"], where
    if exact and got.body is not None:  # read through the driver: the fast path's very bytes
        assert got.body == fast(conn, caller, cursor, limit), where
    return True


def head_only(conn: Connection, caller: Caller, cursor: str | None, limit: int) -> bytes:
    """The long-poll's first read with an event tail holding everything (``tail_floor=0``)."""
    poll = _poll_once(conn, caller, cursor, limit, 0)
    assert poll.keys is not None and poll.joined is not None and poll.head
    return poll.cursor.encode()


def _epoch_head(conn: Connection) -> tuple[str, int]:
    return events.epoch(conn), events.head_seq(conn)


# --- the tests -------------------------------------------------------------------------------


def test_history_covers_every_event_type(history: History) -> None:
    with history.db.read_engine.begin() as conn:
        rows = conn.execute(
            select(events_table.c.type, events_table.c.at, events_table.c.payload)
        ).all()
    assert {r.type for r in rows} == _event_types()
    changes = {r.payload["change"] for r in rows if r.type == "message.updated"}
    assert changes == {"edited", "deleted", "reaction", "pin"}
    assert any(r.at.microsecond == 0 for r in rows)
    assert any(r.at.microsecond not in (0, 123_456) for r in rows)  # trailing zeros: ".000100"
    scrubbed = [r for r in rows if "message" in r.payload and r.payload["message"]["deleted"]]
    assert any(r.type == "message.created" for r in scrubbed)


def test_fast_path_answers_as_the_portable_rules(history: History) -> None:
    seen: Counter[str] = Counter()
    types_seen: set[str] = set()
    with history.db.read_engine.begin() as conn:
        epoch, head = _epoch_head(conn)
        assert head > 40
        cursors: list[str | None] = [None, "", *(f"{epoch}.{s}" for s in range(head + 1))]
        for caller, cursor, limit in itertools.product(history.callers.values(), cursors, LIMITS):
            batch = assert_same(conn, caller, cursor, limit)
            assert isinstance(batch, wire.EventBatch)
            seen["more" if batch.more else "full" if batch.events else "empty"] += 1
            types_seen.update(e.type for e in batch.events)
            if batch.more:
                assert len(batch.events) == limit

        # The rules the comparison exercises are really in the history (checked on one path;
        # the other is equal to it by the loop above).
        full = {
            name: wire.EventBatch.model_validate_json(portable(conn, c, None, 500))
            for name, c in history.callers.items()
        }
    assert seen["more"] and seen["full"] and seen["empty"], seen
    assert types_seen == _event_types()
    urged = {n for n, b in full.items() if any(e.type == "message.urged" for e in b.events)}
    assert urged == {"alice", "bob", "carol"}  # dave's urge is hidden: he left the group
    left = {n for n, b in full.items() if any(e.type == "conversation.left" for e in b.events)}
    assert left == {"dave", "carol", "bob"}
    dave_created = [e for e in full["dave"].events if e.type == "message.created"]
    assert all(e.message.body != "something urgent" for e in dave_created)  # joined after it


def test_cursor_errors_match(history: History) -> None:
    alice = history.callers["alice"]
    with history.db.read_engine.begin() as conn:
        epoch, head = _epoch_head(conn)
        other = "0" * len(epoch) if epoch != "0" * len(epoch) else "1" * len(epoch)
        cases = {
            f"{other}.0": "cursor_expired",
            f"{other}.{head}": "cursor_expired",
            f"{epoch}.{head + 1}": "cursor_invalid",
            f"{epoch}.{10**17}": "cursor_invalid",
            f"{epoch}.{'9' * 19}": "cursor_invalid",
            "garbage": "cursor_invalid",
            "5": "cursor_invalid",
            ".5": "cursor_invalid",
            f"{epoch}.": "cursor_invalid",
            f"{epoch}.-1": "cursor_invalid",
            f"{epoch}.1x": "cursor_invalid",
            # Other scripts' digits (str.isdigit and int() accept them): never handed out.
            f"{epoch}.\u0663": "cursor_invalid",
        }
        for cursor, code in cases.items():
            for limit in LIMITS:
                assert assert_same(conn, alice, cursor, limit) == code, cursor
                # The long-poll's first read when the event tail holds the range: same errors.
                assert outcome(head_only, conn, alice, cursor, limit)[1][1] == code, cursor

    through = head // 2
    history.run(org.prune_events, through)
    with history.db.read_engine.begin() as conn:
        for caller in history.callers.values():
            for seq in range(head + 2):
                for limit in (1, 500):
                    got = assert_same(conn, caller, f"{epoch}.{seq}", limit)
                    if seq < through:
                        assert got == "cursor_expired"
                    elif seq > head:
                        assert got == "cursor_invalid"
                    else:
                        assert isinstance(got, wire.EventBatch)
            assert isinstance(assert_same(conn, caller, None, 500), wire.EventBatch)


# --- random histories ------------------------------------------------------------------------

_USERS = ("u0", "u1", "u2", "u3")
_op = st.one_of(
    st.tuples(st.just("send"), st.integers(0, 3), st.integers(0, 1), st.booleans()),
    st.tuples(st.just("leave"), st.integers(0, 3), st.integers(0, 1)),
    st.tuples(st.just("add"), st.integers(0, 3), st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("join"), st.integers(0, 3)),
    st.tuples(st.just("read"), st.integers(0, 3), st.integers(0, 1), st.integers(0, 30)),
    st.tuples(st.just("urge"), st.integers(0, 30)),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("edit"), st.integers(0, 30)),
    st.tuples(st.just("react"), st.integers(0, 3), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 3), st.booleans()),
)


def _apply(h: History, convs: list[int], sent: list[wire.Message], op: tuple[Any, ...]) -> None:
    who = [h.callers[n] for n in _USERS]
    kind, *args = op

    def msg(i: int) -> int:
        return sent[i % len(sent)].id if sent else 1

    match kind:
        case "send":
            sent.append(h.send(who[args[0]], convs[args[1]], f"note {len(sent)}", urgent=args[2]))
        case "leave":
            h.run(conversations.remove_member, who[args[0]], convs[args[1]], who[args[0]].user_id)
        case "add":
            h.run(conversations.add_members, who[args[0]], convs[args[1]], [who[args[2]].user_id])
        case "join":
            h.run(conversations.join, who[args[0]], convs[0])
        case "read":
            h.run(receipts.mark_read, who[args[0]], convs[args[1]], msg(args[2]))
        case "urge":
            if sent:
                m = sent[args[0] % len(sent)]
                sender = next(c for c in who if c.user_id == m.sender_id)
                h.run(receipts.urge, sender, m.id)
        case "delete":
            h.run(messages.delete_message, who[0], msg(args[0]))  # u0 is an admin
        case "edit":
            m = sent[args[0] % len(sent)] if sent else None
            if m is not None:
                sender = next(c for c in who if c.user_id == m.sender_id)
                h.run(messages.edit, sender, m.id, f"edited at {h.tick}")
        case "react":
            h.run(messages.set_reaction, who[args[0]], msg(args[1]), "👀", args[2])
        case "status":
            text = f"busy {h.tick}" if args[1] else ""
            h.run(status.set_status, who[args[0]], wire.StatusSet(text=text, source="manual"))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(ops=st.lists(_op, min_size=1, max_size=20))
def test_random_histories_agree(ops: list[tuple[Any, ...]]) -> None:
    """Membership churn (leave, re-add, join), urges, reads and deletions in random order."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = ServerConfig(folder, f"sqlite:///{folder / 'courtyard.db'}").open_database()
        try:
            h = History(db)
            h.run(org.initialise)
            for name in _USERS:
                h.user(name, admin=name == "u0")
            ids = [h.callers[n].user_id for n in _USERS]
            convs = [
                h.run(
                    conversations.create,
                    h.callers["u0"],
                    wire.ConversationCreate(kind="channel", name="open", members=ids[1:3]),
                )[0].id,
                h.run(
                    conversations.create,
                    h.callers["u1"],
                    wire.ConversationCreate(kind="group", members=ids[2:]),
                )[0].id,
            ]
            sent: list[wire.Message] = []
            for op in ops:
                with contextlib.suppress(ApiError):
                    _apply(h, convs, sent, op)
            with db.read_engine.begin() as conn:
                epoch, head = _epoch_head(conn)
                for caller in h.callers.values():
                    tails = [tail_answers(conn, portable=p) for p in (False, True)]
                    for seq in range(head + 1):
                        for limit in (2, 500):
                            assert_same(conn, caller, f"{epoch}.{seq}", limit)
                            for tail, exact in zip(tails, (True, False), strict=True):
                                at = f"{epoch}.{seq}"
                                assert_tail_agrees(conn, caller, tail, at, limit, exact=exact)
        finally:
            db.close()


@pytest.mark.parametrize("first_window", [1, 2, 7])
def test_narrow_windows_answer_as_one_wide_read(
    history: History, monkeypatch: pytest.MonkeyPatch, first_window: int
) -> None:
    """Reading window by window (events.seq_windows) gives the answer a single read over the
    whole log gives, on both paths, including ``more`` and the cursor of an empty read."""
    with history.db.read_engine.begin() as conn:
        epoch, head = _epoch_head(conn)
        cursors: list[str | None] = [None, *(f"{epoch}.{s}" for s in range(0, head + 1, 3))]
        for caller, cursor, limit in itertools.product(history.callers.values(), cursors, LIMITS):
            monkeypatch.setattr(events, "FIRST_WINDOW", 10**9)
            wide = portable(conn, caller, cursor, limit)
            monkeypatch.setattr(events, "FIRST_WINDOW", first_window)
            assert next(events.seq_windows(0, head, limit)) == (0, first_window)
            assert portable(conn, caller, cursor, limit) == wide
            assert json.loads(fast(conn, caller, cursor, limit)) == json.loads(wide)


@pytest.mark.parametrize("portable_read", [False, True], ids=["sqlite-driver", "portable"])
def test_event_tail_answers_as_the_database(history: History, portable_read: bool) -> None:
    """A woken poll answered from the event tail gets what a database read would give it, for
    every user, cursor and limit the tail takes on; ranges holding a change of membership (and
    cursors older than the tail) are sent back to the database."""
    answered = declined = 0
    with history.db.read_engine.begin() as conn:
        epoch, head = _epoch_head(conn)
        for caller in history.callers.values():
            tail = tail_answers(conn, portable=portable_read)
            for seq, limit in itertools.product(range(head + 1), LIMITS):
                at = f"{epoch}.{seq}"
                if assert_tail_agrees(conn, caller, tail, at, limit, exact=not portable_read):
                    answered += 1
                else:
                    declined += 1
    assert answered > 50 and declined > 50, (answered, declined)


def test_event_tail_declines_cursors_it_does_not_hold(history: History) -> None:
    alice = history.callers["alice"]
    with history.db.read_engine.begin() as conn:
        epoch, head = _epoch_head(conn)
        tail = EventTail(typing.cast(Database, None), typing.cast(Notifier, None))
        tail.add(head - 3, [])  # a tail that started three events before the head
        tail.add(*read_after(conn, head - 3))
        assert tail.answer(epoch, head - 4, alice.user_id, {}, 500) is FALLBACK
        assert isinstance(tail.answer(epoch, head, alice.user_id, {}, 500), Answer)


def test_event_tail_keeps_its_newest_events_within_capacity(history: History) -> None:
    with history.db.read_engine.begin() as conn:
        _epoch, head = _epoch_head(conn)
        tail = EventTail(typing.cast(Database, None), typing.cast(Notifier, None), capacity=10)
        tail.add(0, [])
        tail.add(*read_after(conn, 0))
    assert tail.head == head
    assert tail.floor is not None and 0 < tail.floor < head
    assert len(tail._events) <= 10 and tail._seqs[0] == tail.floor + 1


def test_head_row_is_one_statement_on_both_paths(history: History) -> None:
    """The first read's (epoch, pruned_through, head): the SQLite driver's statement and the
    portable one PostgreSQL runs give the same row, before and after a prune."""
    for _ in range(2):
        with history.db.read_engine.begin() as conn:
            epoch, pruned, head = conn.execute(_PORTABLE_HEAD).one()
            assert (
                _head_row(conn) == (epoch, pruned, head) == (*_epoch_head(conn)[:1], pruned, head)
            )
            assert head == _epoch_head(conn)[1]
        history.run(org.prune_events, head // 2)
    assert pruned == str(head // 2)


def _first_read(db: Database, hashed: str, cursor: str | None, floor: int) -> _Poll | None:
    return _first_read_poll(db.fetch_one_sync(first_read.SQL, (hashed,)), cursor, floor)


def test_one_statement_first_read_matches_the_transaction(history: History) -> None:
    """The long-poll's one-statement first read (token, cursor, head, memberships) gives what
    authenticate + the head read + the memberships give, and refuses the same tokens."""
    tokens: dict[str, str] = {}
    for name, caller in history.callers.items():
        with contextlib.suppress(Unauthorized):  # the history deactivated someone
            tokens[name] = history.run(accounts.create_device, caller.user_id, "laptop").token
    assert {"alice", "bob", "carol"} <= set(tokens)
    with history.db.read_engine.begin() as conn:
        epoch, head = _epoch_head(conn)
    for name, token in tokens.items():
        hashed = token_hash(token)
        for seq in (0, head // 2, head):
            cursor = f"{epoch}.{seq}"
            one = _first_read(history.db, hashed, cursor, 0)
            with history.db.read_engine.begin() as conn:
                caller = authenticate(conn, hashed)
                many = _poll_once(conn, caller, cursor, 500, 0)
            assert one is not None, name
            assert (one.cursor, one.keys, one.joined, one.user_id, one.head) == (
                many.cursor,
                many.keys,
                many.joined,
                many.user_id,
                many.head,
            ), name
        # Older than the tail: the full read must run.
        assert _first_read(history.db, hashed, f"{epoch}.0", 1) is None
    bob = history.callers["bob"]
    history.run(accounts.revoke_all_devices, bob.user_id)
    history.run(accounts.set_active, history.callers["carol"].user_id, False)
    for name in ("bob", "carol"):
        with pytest.raises(Unauthorized):
            _first_read(history.db, token_hash(tokens[name]), None, 0)
    assert _first_read(history.db, token_hash(tokens["alice"]), None, 0)
