"""Read-only queries the GUI and the sync loop need; plain functions over a connection.

They run on the store's worker thread (``Store`` wraps each in an async method) and return
immutable rows, never live cursors, so nothing the GUI holds can touch SQLite from its thread.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, cast

from app.client.rows import ConversationRow, Gap, OutboxItem, OutboxKind, StoredMessage
from app.core.wire import Conversation, OrgPolicy, Reaction, Topic, User

Connection = Any

MESSAGE_COLUMNS = (
    "id, conversation_id, sender_id, body, created_at, client_msg_id, topic_id, reply_to, urgent, "
    "mentions, mentions_all, mentions_me, edited_at, deleted, reactions, pinned"
)


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def my_id(conn: Connection) -> int | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'me_id'").fetchone()
    return None if row is None else int(row[0])


def cursor(conn: Connection) -> str | None:
    row = conn.execute("SELECT cursor FROM sync_state WHERE id = 1").fetchone()
    return None if row is None else str(row[0])


def message_from_row(row: Sequence[Any]) -> StoredMessage:
    return StoredMessage(
        id=row[0],
        conversation_id=row[1],
        sender_id=row[2],
        body=row[3],
        created_at=parse_time(row[4]),
        client_msg_id=row[5],
        topic_id=row[6],
        reply_to=row[7],
        urgent=bool(row[8]),
        mentions=tuple(json.loads(row[9])),
        mentions_all=bool(row[10]),
        mentions_me=bool(row[11]),
        edited_at=parse_time(row[12]) if row[12] else None,
        deleted=bool(row[13]),
        reactions=tuple(Reaction.model_validate(r) for r in json.loads(row[14])),
        pinned=bool(row[15]),
    )


def conversation_list(conn: Connection) -> list[ConversationRow]:
    """All conversations, most recent activity first, with unread counts and mention flags."""
    me = my_id(conn) or 0
    rows = conn.execute(
        """
        SELECT c.id, c.kind, c.name, c.private, c.left, c.data, c.created_at,
          (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id
             AND m.id > coalesce(r.up_to, 0) AND m.sender_id != :me AND m.deleted = 0),
          EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
             AND m.id > coalesce(r.up_to, 0) AND m.sender_id != :me AND m.deleted = 0
             AND m.mentions_me = 1),
          (SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id)
        FROM conversations c
        LEFT JOIN read_markers r ON r.conversation_id = c.id AND r.user_id = :me
        """,
        {"me": me},
    ).fetchall()
    result = []
    for cid, kind, name, private, left, data, created, unread, mentioned, last_id in rows:
        activity = created
        if last_id is not None:
            activity = conn.execute(
                "SELECT created_at FROM messages WHERE id = ?", (last_id,)
            ).fetchone()[0]
        members = tuple(Conversation.model_validate_json(data).member_ids)
        result.append(
            ConversationRow(
                id=cid,
                kind=kind,
                name=name,
                private=bool(private),
                member_ids=members,
                left=bool(left),
                unread=unread,
                mentioned=bool(mentioned),
                last_message_id=last_id,
                last_activity=parse_time(activity),
            )
        )
    result.sort(key=lambda c: (c.last_activity, c.id), reverse=True)
    return result


def topics(conn: Connection, conversation_id: int) -> list[Topic]:
    """Topics of a conversation, open ones first, then by id."""
    rows = conn.execute(
        "SELECT data FROM topics WHERE conversation_id = ? ORDER BY closed, id",
        (conversation_id,),
    ).fetchall()
    return [Topic.model_validate_json(r[0]) for r in rows]


def message_window(
    conn: Connection, conversation_id: int, *, before: int | None = None, limit: int = 50
) -> list[StoredMessage]:
    """Up to ``limit`` stored messages older than ``before`` (or the newest), in ascending order.

    The newest window (``before is None``) also ends with this conversation's outbox sends, shown
    as pending or failed, in the order they were written.
    """
    if before is None:
        sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?"
        params: tuple[int, ...] = (conversation_id, limit)
    else:
        sql = (
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id < ? "
            "ORDER BY id DESC LIMIT ?"
        )
        params = (conversation_id, before, limit)
    window = [message_from_row(r) for r in reversed(conn.execute(sql, params).fetchall())]
    if before is None:
        me = my_id(conn) or 0
        for item in outbox_items(conn, conversation_id=conversation_id, kind="send"):
            window.append(pending_message(item, me))
    return window


def pending_message(item: OutboxItem, sender_id: int) -> StoredMessage:
    p = item.payload
    return StoredMessage(
        id=None,
        conversation_id=item.conversation_id,
        sender_id=sender_id,
        body=str(p.get("body", "")),
        created_at=item.created_at,
        client_msg_id=item.client_msg_id,
        topic_id=p.get("topic_id"),
        reply_to=p.get("reply_to"),
        urgent=bool(p.get("urgent", False)),
        state=item.state,
        error=item.error,
    )


def receipt_counts(
    conn: Connection, conversation_id: int, message_ids: Sequence[int]
) -> dict[int, int]:
    """For each of *my* messages among ``message_ids``: how many members have not read it yet
    (their read marker is below the message id), the sender excluded."""
    me = my_id(conn)
    if me is None or not message_ids:
        return {}
    marks = ",".join("?" * len(message_ids))
    rows = conn.execute(
        f"""
        SELECT m.id, (SELECT count(*) FROM members mb
            LEFT JOIN read_markers r
              ON r.conversation_id = mb.conversation_id AND r.user_id = mb.user_id
            WHERE mb.conversation_id = m.conversation_id AND mb.user_id != m.sender_id
              AND coalesce(r.up_to, 0) < m.id)
        FROM messages m
        WHERE m.conversation_id = ? AND m.sender_id = ? AND m.id IN ({marks})
        """,
        (conversation_id, me, *message_ids),
    ).fetchall()
    return {int(mid): int(n) for mid, n in rows}


def outbox_items(
    conn: Connection, *, conversation_id: int | None = None, kind: OutboxKind | None = None
) -> list[OutboxItem]:
    """Outbox rows in creation order (the order the sender must keep)."""
    sql = (
        "SELECT seq, client_msg_id, kind, conversation_id, payload, state, error, attempts, "
        "created_at FROM outbox WHERE (:cid IS NULL OR conversation_id = :cid) "
        "AND (:kind IS NULL OR kind = :kind) ORDER BY seq"
    )
    rows = conn.execute(sql, {"cid": conversation_id, "kind": kind}).fetchall()
    return [
        OutboxItem(
            seq=r[0],
            client_msg_id=r[1],
            kind=cast(OutboxKind, r[2]),
            conversation_id=r[3],
            payload=json.loads(r[4]),
            state=r[5],
            error=r[6],
            attempts=r[7],
            created_at=parse_time(r[8]),
        )
        for r in rows
    ]


def gaps(conn: Connection, conversation_id: int) -> list[Gap]:
    """Known holes in a conversation's local history, newest first (fetch ``before=before_id``)."""
    rows = conn.execute(
        "SELECT after_id, before_id FROM history_gaps WHERE conversation_id = ? "
        "ORDER BY before_id DESC",
        (conversation_id,),
    ).fetchall()
    return [Gap(conversation_id, a, b) for a, b in rows]


def users(conn: Connection) -> dict[int, User]:
    rows = conn.execute("SELECT data FROM users").fetchall()
    found = (User.model_validate_json(r[0]) for r in rows)
    return {u.id: u for u in found}


def policy(conn: Connection) -> OrgPolicy:
    row = conn.execute("SELECT data FROM policy WHERE id = 1").fetchone()
    return OrgPolicy() if row is None else OrgPolicy.model_validate_json(row[0])


def topic_message_window(
    conn: Connection,
    conversation_id: int,
    topic_id: int,
    *,
    before: int | None = None,
    limit: int = 50,
) -> list[StoredMessage]:
    """Like :func:`message_window`, restricted to one topic (the GUI's topic view); ascending.

    The newest window also ends with this topic's pending or failed outbox sends.
    """
    sql = (
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND topic_id = ? "
        "AND id < ? ORDER BY id DESC LIMIT ?"
    )
    params = (conversation_id, topic_id, before if before is not None else 2**62, limit)
    window = [message_from_row(r) for r in reversed(conn.execute(sql, params).fetchall())]
    if before is None:
        me = my_id(conn) or 0
        for item in outbox_items(conn, conversation_id=conversation_id, kind="send"):
            if item.payload.get("topic_id") == topic_id:
                window.append(pending_message(item, me))
    return window


def message_window_from(
    conn: Connection, conversation_id: int, message_id: int, *, older: int = 25, newer: int = 50
) -> list[StoredMessage]:
    """A window around ``message_id`` (a search hit to jump to), ascending: up to ``older``
    messages before it, the message itself and up to ``newer`` after it.

    When the window reaches the newest stored message it also ends with the conversation's
    outbox sends, like :func:`message_window`, so a caller asking for enough ``newer`` rows gets
    a window that joins the newest end.
    """
    head = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id < ? "
        "ORDER BY id DESC LIMIT ?",
        (conversation_id, message_id, older),
    ).fetchall()
    tail = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id >= ? "
        "ORDER BY id LIMIT ?",
        (conversation_id, message_id, newer + 2),
    ).fetchall()
    reached_newest = len(tail) <= newer + 1
    window = [message_from_row(r) for r in [*reversed(head), *tail[: newer + 1]]]
    if reached_newest:
        me = my_id(conn) or 0
        for item in outbox_items(conn, conversation_id=conversation_id, kind="send"):
            window.append(pending_message(item, me))
    return window


def messages_by_ids(conn: Connection, message_ids: Sequence[int]) -> list[StoredMessage]:
    """The stored messages among ``message_ids`` (e.g. the ids a sync batch created), by id."""
    if not message_ids:
        return []
    marks = ",".join("?" * len(message_ids))
    rows = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({marks}) ORDER BY id",
        tuple(message_ids),
    ).fetchall()
    return [message_from_row(r) for r in rows]


def unread_from_others(conn: Connection, since: dt.datetime) -> list[StoredMessage]:
    """Messages from others I have not read yet (past my read marker, not deleted), created at
    or after ``since``, oldest first: what a "while you were off" summary is made of."""
    me = my_id(conn) or 0
    rows = conn.execute(
        f"""
        SELECT {", ".join("m." + c.strip() for c in MESSAGE_COLUMNS.split(","))}
        FROM messages m
        LEFT JOIN read_markers r ON r.conversation_id = m.conversation_id AND r.user_id = :me
        WHERE m.id > coalesce(r.up_to, 0) AND m.sender_id != :me AND m.deleted = 0
        ORDER BY m.id
        """,
        {"me": me},
    ).fetchall()
    # created_at is ISO text with an offset: compared as instants here, not as strings.
    found = (message_from_row(r) for r in rows)
    return [m for m in found if m.created_at >= since]


def newest_message_id(conn: Connection) -> int | None:
    """The highest stored message id of any conversation (a notification high-water mark)."""
    row = conn.execute("SELECT max(id) FROM messages").fetchone()
    return None if row is None or row[0] is None else int(row[0])
