"""The only code that turns server data into local rows (STYLE habit 4).

Each entry point runs in ONE local transaction that also stores the new cursor, so the cursor can
never run ahead of the data, and reports a :class:`~app.client.changes.Changes` that the store emits
on ``store_did_change`` after the commit. Writes are idempotent upserts keyed by server ids that only
touch rows whose values differ: applying the same batch twice leaves the same state and reports an
empty ``Changes`` the second time. Events are applied in ``seq`` order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.client.changes import Changes, ChangeSet, Urge
from app.client.queries import my_id
from app.core.wire import (
    MAX_ID,
    AvailabilityUpdated,
    Conversation,
    ConversationCreated,
    ConversationLeft,
    ConversationUpdated,
    EventBatch,
    Message,
    MessageCreated,
    MessagePage,
    MessageUpdated,
    MessageUrged,
    OrgPolicy,
    PolicyUpdated,
    ReadMarker,
    ReadMarkerMoved,
    Snapshot,
    StatusUpdated,
    Topic,
    TopicChanged,
    User,
    UserUpdated,
)

if TYPE_CHECKING:
    from app.client.store import Store

Connection = Any

_MSG_COLS = (
    "conversation_id, topic_id, sender_id, created_at, client_msg_id, body, reply_to, urgent, "
    "mentions, mentions_all, mentions_me, edited_at, deleted, reactions, pinned"
)
_MSG_INSERT = (
    f"INSERT OR IGNORE INTO messages (id, seq, {_MSG_COLS}) VALUES ({', '.join('?' * 17)})"
)
_MSG_EXISTS = "SELECT 1 FROM messages WHERE id = ?"
_MSG_ROW_PLACEHOLDERS = f"({', '.join('?' * 17)})"
_MSG_INSERT_MANY_ROWS = 500  # 17 values a row: well under SQLite's 32,766 bound variables
# ``seq`` is the event that last wrote the row (0 for snapshot/history data): an older event
# replayed after a newer one cannot move a message back to a stale state.
_MSG_UPDATE = (
    f"UPDATE messages SET seq = max(seq, ?), ({_MSG_COLS}) = ({', '.join('?' * 15)}) "
    f"WHERE id = ? AND seq <= ? AND ({_MSG_COLS}) IS NOT ({', '.join('?' * 15)})"
)


# --- row writers (each records what it really changed) --------------------------------------


def put_user(conn: Connection, cs: ChangeSet, user: User) -> None:
    cur = conn.execute(
        "INSERT INTO users (id, username, display_name, data) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET username = excluded.username, "
        "display_name = excluded.display_name, data = excluded.data "
        "WHERE users.data IS NOT excluded.data",
        (user.id, user.username, user.display_name, user.model_dump_json()),
    )
    if cur.rowcount:
        cs.users.add(user.id)


def patch_user(conn: Connection, cs: ChangeSet, user_id: int, **fields: Any) -> None:
    """Update presence fields (status, schedule, DND, availability) of a known user."""
    row = conn.execute("SELECT data FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:  # not known yet: the next snapshot or user.updated brings everything
        return
    put_user(conn, cs, User.model_validate_json(row[0]).model_copy(update=fields))


def put_conversation(conn: Connection, cs: ChangeSet, conv: Conversation) -> None:
    data = conv.model_dump_json()
    cur = conn.execute(
        "INSERT INTO conversations (id, kind, name, private, created_at, left, data) "
        "VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
        "name = excluded.name, private = excluded.private, left = 0, data = excluded.data "
        "WHERE conversations.data IS NOT excluded.data OR conversations.left != 0",
        (conv.id, conv.kind, conv.name, int(conv.private), conv.created_at.isoformat(), data),
    )
    if cur.rowcount:
        conn.execute("DELETE FROM members WHERE conversation_id = ?", (conv.id,))
        conn.executemany(
            "INSERT OR IGNORE INTO members (conversation_id, user_id) VALUES (?, ?)",
            [(conv.id, uid) for uid in conv.member_ids],
        )
        cs.conversations.add(conv.id)
        cs.receipts.add(conv.id)


def note_membership(conn: Connection, cs: ChangeSet, conv: Conversation, me: int | None) -> None:
    """Before an event's conversation is stored: if it makes me a member of a conversation I was
    not in (added, joined, re-added after leaving), the server sends me none of what was said
    before (events before a join are not mine), so record the missing history as a gap that
    opening the conversation fills from ``GET …/messages`` (wire.MAX_ID: "up to the newest")."""
    if me is None or me not in conv.member_ids:
        return
    row = conn.execute("SELECT left FROM conversations WHERE id = ?", (conv.id,)).fetchone()
    if row is not None and not row[0]:
        return  # already a member here
    newest = conn.execute(
        "SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?", (conv.id,)
    ).fetchone()[0]
    _add_gap(conn, conv.id, int(newest), MAX_ID)
    cs.joined.add(conv.id)


def leave_conversation(
    conn: Connection, cs: ChangeSet, cid: int, user_id: int, me: int | None
) -> None:
    row = conn.execute("SELECT data FROM conversations WHERE id = ?", (cid,)).fetchone()
    if row is not None:
        conv = Conversation.model_validate_json(row[0])
        if user_id in conv.member_ids:
            conv.member_ids = [u for u in conv.member_ids if u != user_id]
            conn.execute(
                "UPDATE conversations SET data = ? WHERE id = ?", (conv.model_dump_json(), cid)
            )
            cs.conversations.add(cid)
            cs.receipts.add(cid)
    conn.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (cid, user_id))
    if user_id == me:  # keep the history, read-only
        cur = conn.execute("UPDATE conversations SET left = 1 WHERE id = ? AND left = 0", (cid,))
        if cur.rowcount:
            cs.conversations.add(cid)


def put_topic(conn: Connection, cs: ChangeSet, topic: Topic) -> None:
    cur = conn.execute(
        "INSERT INTO topics (id, conversation_id, title, closed, data) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET conversation_id = excluded.conversation_id, "
        "title = excluded.title, closed = excluded.closed, data = excluded.data "
        "WHERE topics.data IS NOT excluded.data",
        (topic.id, topic.conversation_id, topic.title, int(topic.closed), topic.model_dump_json()),
    )
    if cur.rowcount:
        cs.topics.add(topic.id)


def _message_values(msg: Message, me: int | None) -> tuple[Any, ...]:
    mentions_me = (
        me is not None and msg.sender_id != me and (me in msg.mentions or msg.mentions_all)
    )
    return (
        msg.conversation_id,
        msg.topic_id,
        msg.sender_id,
        msg.created_at.isoformat(),
        msg.client_msg_id,
        "" if msg.deleted else msg.body,  # a deleted message's text does not stay on disk
        msg.reply_to,
        int(msg.urgent),
        json.dumps(msg.mentions),
        int(msg.mentions_all),
        int(mentions_me),
        msg.edited_at.isoformat() if msg.edited_at else None,
        int(msg.deleted),
        json.dumps([r.model_dump() for r in msg.reactions], ensure_ascii=False),
        int(msg.pinned),
    )


def put_message(
    conn: Connection,
    cs: ChangeSet,
    msg: Message,
    me: int | None,
    seq: int = 0,
    *,
    overwrite: bool = True,
) -> bool:
    """Insert or update a message; confirm my matching outbox send. True if it was new.

    ``seq`` is the event's seq (0 for a snapshot, which is current state as of its cursor).
    ``overwrite=False`` is for data fetched beside the event stream (a send's response, an older
    history page): it may be older than what events already applied, so it only fills in rows
    that are missing; rows already present are kept current by the events themselves."""
    values = _message_values(msg, me)
    created = bool(conn.execute(_MSG_INSERT, (msg.id, seq, *values)).rowcount > 0)
    if created:
        cs.messages_created.append(msg.id)
        cs.conversations.add(msg.conversation_id)
    elif (
        overwrite
        and conn.execute(
            _MSG_UPDATE, (seq, *values, msg.id, seq if seq else 2**62, *values)
        ).rowcount
    ):
        cs.messages_updated.add(msg.id)
        cs.conversations.add(msg.conversation_id)
    if msg.sender_id == me:
        _confirm_sent(conn, cs, msg)
    return created


def _confirm_sent(conn: Connection, cs: ChangeSet, msg: Message) -> None:
    """My message reached the server: its pending outbox send is done."""
    cur = conn.execute(
        "DELETE FROM outbox WHERE client_msg_id = ? AND kind = 'send'", (msg.client_msg_id,)
    )
    if cur.rowcount:
        cs.outbox.add(msg.client_msg_id)


def queue_new_message(
    conn: Connection, cs: ChangeSet, msg: Message, me: int | None, seq: int
) -> None:
    """``message.created``: as :func:`put_message`, but a message the store does not have yet is
    queued and written together with the new messages after it (:func:`flush_new_messages`).

    Why: each statement that writes the search index inside a transaction makes SQLite's FTS5
    flush its in-memory index to disk (a statement savepoint), so one insert per message wrote
    one tiny index segment per message and spent a third of a catch-up merging them (py-spy).
    One multi-row statement per batch flushes once.
    """
    if msg.id in cs.new_message_ids or conn.execute(_MSG_EXISTS, (msg.id,)).fetchone():
        flush_new_messages(conn, cs)
        put_message(conn, cs, msg, me, seq)
        return
    cs.new_message_rows.append((msg.id, seq, *_message_values(msg, me)))
    cs.new_message_ids.add(msg.id)
    cs.messages_created.append(msg.id)
    cs.conversations.add(msg.conversation_id)
    if msg.sender_id == me:
        _confirm_sent(conn, cs, msg)


def flush_new_messages(conn: Connection, cs: ChangeSet) -> None:
    """Write the queued new messages (and, through the trigger, their search entries)."""
    rows = cs.new_message_rows
    for start in range(0, len(rows), _MSG_INSERT_MANY_ROWS):
        chunk = rows[start : start + _MSG_INSERT_MANY_ROWS]
        values = ", ".join([_MSG_ROW_PLACEHOLDERS] * len(chunk))
        conn.execute(
            f"INSERT INTO messages (id, seq, {_MSG_COLS}) VALUES {values}",
            [value for row in chunk for value in row],
        )
    rows.clear()
    cs.new_message_ids.clear()


def put_read_marker(conn: Connection, cs: ChangeSet, marker: ReadMarker, me: int | None) -> None:
    """Read markers only move forward, so replays and reordering cannot move them back."""
    cur = conn.execute(
        "INSERT INTO read_markers (conversation_id, user_id, up_to, read_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (conversation_id, user_id) DO UPDATE SET up_to = excluded.up_to, "
        "read_at = excluded.read_at WHERE excluded.up_to > read_markers.up_to",
        (marker.conversation_id, marker.user_id, marker.up_to, marker.read_at.isoformat()),
    )
    if cur.rowcount:
        cs.receipts.add(marker.conversation_id)
        if marker.user_id == me:
            cs.conversations.add(marker.conversation_id)


def put_policy(conn: Connection, cs: ChangeSet, policy: OrgPolicy) -> None:
    cur = conn.execute(
        "INSERT INTO policy (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE "
        "SET data = excluded.data WHERE policy.data IS NOT excluded.data",
        (policy.model_dump_json(),),
    )
    cs.policy = cs.policy or bool(cur.rowcount)


def put_cursor(conn: Connection, cs: ChangeSet, cursor: str) -> None:
    conn.execute(
        "INSERT INTO sync_state (id, cursor) VALUES (1, ?) "
        "ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor",
        (cursor,),
    )
    cs.cursor = cursor


def _add_gap(conn: Connection, cid: int, after_id: int, before_id: int) -> None:
    if after_id < before_id - 1:
        conn.execute(
            "INSERT OR REPLACE INTO history_gaps (conversation_id, after_id, before_id) "
            "VALUES (?, ?, ?)",
            (cid, after_id, before_id),
        )


# --- transactional bodies (run inside Store.commit) -----------------------------------------


def _apply_event(conn: Connection, cs: ChangeSet, event: Any, me: int | None) -> None:
    if isinstance(event, MessageCreated):
        queue_new_message(conn, cs, event.message, me, event.seq)
        return
    flush_new_messages(conn, cs)  # every other event sees the messages created before it
    if isinstance(event, MessageUpdated):
        put_message(conn, cs, event.message, me, event.seq)
    elif isinstance(event, ConversationCreated):  # a new conversation: nothing said before it
        put_conversation(conn, cs, event.conversation)
    elif isinstance(event, ConversationUpdated):
        note_membership(conn, cs, event.conversation, me)
        put_conversation(conn, cs, event.conversation)
    elif isinstance(event, ConversationLeft):
        leave_conversation(conn, cs, event.conversation_id, event.user_id, me)
    elif isinstance(event, TopicChanged):
        put_topic(conn, cs, event.topic)
    elif isinstance(event, ReadMarkerMoved):
        put_read_marker(conn, cs, event.marker, me)
    elif isinstance(event, MessageUrged):
        if event.user_id == me:
            cs.urges.append(Urge(event.conversation_id, event.message_id, event.by, event.at))
    elif isinstance(event, UserUpdated):
        put_user(conn, cs, event.user)
    elif isinstance(event, PolicyUpdated):
        put_policy(conn, cs, event.policy)
    elif isinstance(event, StatusUpdated):
        patch_user(conn, cs, event.user_id, status=event.status)
    elif isinstance(event, AvailabilityUpdated):
        patch_user(
            conn,
            cs,
            event.user_id,
            schedule=event.schedule,
            dnd_until=event.dnd_until,
            availability=event.availability,
        )


# Indirection point: tests replace it to fail in the middle of a batch.
apply_event: Callable[[Connection, ChangeSet, Any, int | None], None] = _apply_event


def events_tx(conn: Connection, cs: ChangeSet, batch: EventBatch) -> None:
    me = my_id(conn)
    for event in sorted(batch.events, key=lambda e: e.seq):
        apply_event(conn, cs, event, me)
    flush_new_messages(conn, cs)
    put_cursor(conn, cs, batch.cursor)


def snapshot_tx(conn: Connection, cs: ChangeSet, snapshot: Snapshot) -> None:
    """Replace server-owned state by the snapshot's, keeping local history and the outbox."""
    me = snapshot.me.id
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('me_id', ?)", (str(me),))
    cs.snapshot = True
    for user in [snapshot.me, *snapshot.users]:
        put_user(conn, cs, user)
    present = {c.id for c in snapshot.conversations}
    for (cid,) in conn.execute("SELECT id FROM conversations WHERE left = 0").fetchall():
        if cid not in present:
            leave_conversation(conn, cs, cid, me, me)
    for conv in snapshot.conversations:
        put_conversation(conn, cs, conv)
    for topic in snapshot.topics:
        put_topic(conn, cs, topic)
    for marker in snapshot.read_markers:
        put_read_marker(conn, cs, marker, me)
    pages: dict[int, list[Message]] = {}
    for msg in snapshot.messages:
        pages.setdefault(msg.conversation_id, []).append(msg)
    for conv in snapshot.conversations:
        page = pages.get(conv.id, [])
        local_max = conn.execute(
            "SELECT max(id) FROM messages WHERE conversation_id = ?", (conv.id,)
        ).fetchone()[0]
        if not snapshot.has_more.get(conv.id, False):
            conn.execute("DELETE FROM history_gaps WHERE conversation_id = ?", (conv.id,))
        elif page:
            oldest = min(m.id for m in page)
            if local_max is None or local_max < oldest:
                _add_gap(conn, conv.id, local_max or 0, oldest)
    for msg in sorted(snapshot.messages, key=lambda m: m.id):
        put_message(conn, cs, msg, me)
    put_policy(conn, cs, snapshot.policy)
    put_cursor(conn, cs, snapshot.cursor)


def history_tx(
    conn: Connection, cs: ChangeSet, conversation_id: int, before_id: int, page: MessagePage
) -> None:
    """Store an older page fetched with ``before=before_id`` and shrink the gap it fills."""
    me = my_id(conn)
    for msg in page.messages:
        put_message(conn, cs, msg, me, overwrite=False)
    row = conn.execute(
        "SELECT after_id, before_id FROM history_gaps WHERE conversation_id = ? "
        "AND after_id < ? AND before_id >= ? ORDER BY before_id LIMIT 1",
        (conversation_id, before_id, before_id),
    ).fetchone()
    if row is None:
        return
    after_id, gap_before = row
    conn.execute(
        "DELETE FROM history_gaps WHERE conversation_id = ? AND before_id = ?",
        (conversation_id, gap_before),
    )
    ids = [m.id for m in page.messages if m.conversation_id == conversation_id]
    if page.has_more:
        _add_gap(conn, conversation_id, after_id, min([*ids, before_id]))
    cs.conversations.add(conversation_id)


def topics_tx(conn: Connection, cs: ChangeSet, topics: list[Topic]) -> None:
    for topic in topics:
        put_topic(conn, cs, topic)


def sent_tx(conn: Connection, cs: ChangeSet, message: Message) -> None:
    put_message(conn, cs, message, my_id(conn), overwrite=False)


# --- the async face ---------------------------------------------------------------------------


class Applier:
    """Applies server data to a :class:`~app.client.store.Store`; each call is one transaction.

    The store emits the resulting :class:`Changes` on ``store.store_did_change`` after commit.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    async def apply_snapshot(self, snapshot: Snapshot) -> Changes:
        """First start, or after ``cursor_expired``: local history and the outbox are kept."""
        return await self._store.commit(snapshot_tx, snapshot)

    async def apply_events(self, batch: EventBatch) -> Changes:
        """One long-poll answer: its events and its cursor, together or not at all."""
        return await self._store.commit(events_tx, batch)

    async def apply_history_page(
        self, conversation_id: int, before_id: int, page: MessagePage
    ) -> Changes:
        """An older page (``GET .../messages?before=before_id``); updates the gap it fills."""
        return await self._store.commit(history_tx, conversation_id, before_id, page)

    async def apply_topics(self, topics: list[Topic]) -> Changes:
        """Topics fetched beside the event stream (after a join); later events update them."""
        return await self._store.commit(topics_tx, topics)

    async def apply_sent(self, message: Message) -> Changes:
        """The server's answer to an outbox send: store the message, confirm its outbox row."""
        return await self._store.commit(sent_tx, message)
