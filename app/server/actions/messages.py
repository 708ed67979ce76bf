"""Messages: send (idempotent by client_msg_id), edit, delete, react and pin."""

from __future__ import annotations

import re

from sqlalchemy import (
    Connection,
    RowMapping,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.core import wire
from app.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from app.server import queries
from app.server.actions import offhours
from app.server.actions.base import Tx, dump
from app.server.auth import Caller
from app.server.db.schema import events, members, messages, reactions, topics, users
from app.server.events import Audience

MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)")


def _mentions(conn: Connection, conversation_id: int, body: str) -> tuple[list[int], bool]:
    names = {m.lower() for m in MENTION.findall(body)}
    mentions_all = bool(names & {"all", "everyone"})
    names -= {"all", "everyone"}
    if not names:
        return [], mentions_all
    rows = conn.execute(
        select(users.c.id)
        .join(members, members.c.user_id == users.c.id)
        .where(
            members.c.conversation_id == conversation_id, func.lower(users.c.username).in_(names)
        )
        .order_by(users.c.id)
    )
    return [int(r[0]) for r in rows], mentions_all


def _check_body(body: str, policy: wire.OrgPolicy) -> None:
    if not wire.strip_blanks(body):
        raise Unprocessable("A message needs some text.", code="validation_error")
    size = len(body.encode("utf-8"))
    if size > policy.max_body_bytes:
        raise PayloadTooLarge(
            f"The message is {size} bytes; the limit is {policy.max_body_bytes} bytes."
        )


# The send path's statements are built once: building and cache-keying a statement on every call
# cost SQLAlchemy more than the database spent running it (py-spy, bench/RESULTS.md).
_SEND_CHECK = select(
    exists().where(
        members.c.conversation_id == bindparam("cid"), members.c.user_id == bindparam("uid")
    ),
    select(messages.c.id)
    .where(messages.c.sender_id == bindparam("uid"), messages.c.client_msg_id == bindparam("key"))
    .scalar_subquery(),
    queries.POLICY_TEXT,
)
_MESSAGE_COLUMNS = (
    "conversation_id",
    "sender_id",
    "client_msg_id",
    "body",
    "topic_id",
    "reply_to",
    "urgent",
    "mentions",
    "mentions_all",
    "created_at",
    "deleted",
    "pinned",
)
_INSERT_MESSAGE = (
    insert(messages)
    .values({column: bindparam(column) for column in _MESSAGE_COLUMNS})
    .returning(messages.c.id)
)
# PostgreSQL, where several writers run at once: a concurrent retry's row makes the insert do
# nothing (no row returned) instead of failing, so no savepoint, two round trips, is needed.
_PG_INSERT_MESSAGE = (
    pg_insert(messages)
    .values({column: bindparam(column) for column in _MESSAGE_COLUMNS})
    .on_conflict_do_nothing(constraint="uq_messages_sender_client_msg_id")
    .returning(messages.c.id)
)


def _existing(tx: Tx, sender_id: int, client_msg_id: str) -> RowMapping | None:
    return (
        tx.conn.execute(
            select(messages).where(
                messages.c.sender_id == sender_id, messages.c.client_msg_id == client_msg_id
            )
        )
        .mappings()
        .first()
    )


def _answer_replay(
    tx: Tx, row: RowMapping, conversation_id: int, req: wire.MessageCreate
) -> tuple[wire.Message, bool]:
    """A retry of a send that was stored (``row``): the original, if the retry asks for the same."""
    same = (
        row["conversation_id"] == conversation_id
        and row["body"] == req.body
        and row["topic_id"] == req.topic_id
        and row["reply_to"] == req.reply_to
    )
    if not same and not row["deleted"]:
        raise Conflict(
            "This client_msg_id was already used for a different message.",
            code="client_msg_id_conflict",
        )
    return queries.messages_from_rows(tx.conn, [row])[0], False


def send(
    tx: Tx, caller: Caller, conversation_id: int, req: wire.MessageCreate
) -> tuple[wire.Message, bool]:
    """Store a message and its event; a retry with the same client_msg_id returns the original."""
    member, existing_id, policy_text = tx.conn.execute(
        _SEND_CHECK, {"cid": conversation_id, "uid": caller.user_id, "key": req.client_msg_id}
    ).one()
    if not member:
        raise NotFound("No such conversation.")
    if existing_id is not None:
        row = _existing(tx, caller.user_id, req.client_msg_id)
        assert row is not None  # found by _SEND_CHECK in this same transaction
        return _answer_replay(tx, row, conversation_id, req)
    _check_body(req.body, queries.policy_from_text(policy_text))
    if req.topic_id is not None:
        topic = tx.conn.execute(
            select(topics.c.closed).where(
                topics.c.id == req.topic_id, topics.c.conversation_id == conversation_id
            )
        ).first()
        if topic is None:
            raise NotFound("No such topic in this conversation.")
        if topic[0]:
            raise Conflict("This topic is closed; reopen it to write in it.", code="topic_closed")
    if req.reply_to is not None:
        target = tx.conn.execute(
            select(messages.c.id).where(
                messages.c.id == req.reply_to, messages.c.conversation_id == conversation_id
            )
        ).first()
        if target is None:
            raise NotFound("The message replied to is not in this conversation.")
    mention_ids, mentions_all = _mentions(tx.conn, conversation_id, req.body)
    values = {
        "conversation_id": conversation_id,
        "sender_id": caller.user_id,
        "client_msg_id": req.client_msg_id,
        "body": req.body,
        "topic_id": req.topic_id,
        "reply_to": req.reply_to,
        "urgent": req.urgent,
        "mentions": mention_ids,
        "mentions_all": mentions_all,
        "created_at": tx.now,
        "deleted": False,
        "pinned": False,
    }
    if tx.conn.dialect.name == "sqlite":
        # One writer at a time, and the duplicate check above ran in this transaction: no
        # concurrent retry can slip in between, so no savepoint is needed around the insert.
        mid = tx.conn.execute(_INSERT_MESSAGE, values).scalar_one()
    else:
        mid = tx.conn.execute(_PG_INSERT_MESSAGE, values).scalar_one_or_none()
        if mid is None:
            # A concurrent retry on another writer (PostgreSQL) won the race: answer as a replay.
            row = _existing(tx, caller.user_id, req.client_msg_id)
            assert row is not None  # ON CONFLICT waited for it to commit; this statement sees it
            return _answer_replay(tx, row, conversation_id, req)
    message = wire.Message(
        id=int(mid),
        conversation_id=conversation_id,
        sender_id=caller.user_id,
        body=req.body,
        created_at=tx.now,
        client_msg_id=req.client_msg_id,
        topic_id=req.topic_id,
        reply_to=req.reply_to,
        urgent=req.urgent,
        mentions=mention_ids,
        mentions_all=mentions_all,
    )
    if req.urgent:  # respect people who are off: limited per sender, and recorded
        offhours.check_breakthrough(
            tx, caller.user_id, queries.member_ids(tx.conn, conversation_id), message.id, "urgent"
        )
    tx.emit(
        "message.created",
        {"message": dump(message)},
        Audience(conversation_id=conversation_id),
        message_id=message.id,
    )
    return message, True


def _own_in_window(tx: Tx, caller: Caller, row: RowMapping, *, moderator_ok: bool) -> None:
    if row["sender_id"] != caller.user_id:
        if moderator_ok and caller.admin:
            return
        raise Forbidden("Only the sender can change this message.", code="not_author")
    window = queries.policy(tx.conn).edit_window_seconds
    if (tx.now - row["created_at"]).total_seconds() > window:
        raise Forbidden(
            f"Messages can be changed for {window // 60} minutes after sending.",
            code="edit_window_closed",
        )


def _changed(tx: Tx, message_id: int, change: str) -> wire.Message:
    message = queries.load_message(tx.conn, message_id)
    tx.emit(
        "message.updated",
        {"change": change, "message": dump(message)},
        Audience(conversation_id=message.conversation_id),
        message_id=message_id,
    )
    return message


def _live_row(tx: Tx, caller: Caller, message_id: int) -> RowMapping:
    row = queries.message_row_for(tx.conn, message_id, caller.user_id)
    if row["deleted"]:
        raise Conflict("This message was deleted.", code="message_deleted")
    return row


def edit(tx: Tx, caller: Caller, message_id: int, body: str) -> wire.Message:
    row = _live_row(tx, caller, message_id)
    _own_in_window(tx, caller, row, moderator_ok=False)
    _check_body(body, queries.policy(tx.conn))
    if body == row["body"]:
        return queries.messages_from_rows(tx.conn, [row])[0]
    mention_ids, mentions_all = _mentions(tx.conn, row["conversation_id"], body)
    tx.conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(body=body, mentions=mention_ids, mentions_all=mentions_all, edited_at=tx.now)
    )
    return _changed(tx, message_id, "edited")


def delete_message(tx: Tx, caller: Caller, message_id: int) -> wire.Message:
    """Delete for everyone: the body leaves the database and every stored event that carried it."""
    row = _live_row(tx, caller, message_id)
    _own_in_window(tx, caller, row, moderator_ok=True)
    tx.conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(body="", mentions=[], mentions_all=False, deleted=True, pinned=False)
    )
    tx.conn.execute(delete(reactions).where(reactions.c.message_id == message_id))
    tombstone = dump(queries.load_message(tx.conn, message_id))
    for seq, payload in tx.conn.execute(
        select(events.c.seq, events.c.payload).where(events.c.message_id == message_id)
    ).all():
        if "message" not in payload:  # an urge names the message; it carries no copy of it
            continue
        tx.conn.execute(
            update(events)
            .where(events.c.seq == seq)
            .values(payload={**payload, "message": tombstone})
        )
    return _changed(tx, message_id, "deleted")


def set_reaction(tx: Tx, caller: Caller, message_id: int, emoji: str, on: bool) -> wire.Message:
    row = _live_row(tx, caller, message_id)
    key = (
        (reactions.c.message_id == message_id)
        & (reactions.c.user_id == caller.user_id)
        & (reactions.c.emoji == emoji)
    )
    present = tx.conn.execute(select(reactions.c.emoji).where(key)).first() is not None
    if present == on:
        return queries.messages_from_rows(tx.conn, [row])[0]
    if on:
        tx.conn.execute(
            insert(reactions).values(
                message_id=message_id, user_id=caller.user_id, emoji=emoji, created_at=tx.now
            )
        )
    else:
        tx.conn.execute(delete(reactions).where(key))
    return _changed(tx, message_id, "reaction")


def set_pinned(tx: Tx, caller: Caller, message_id: int, pinned: bool) -> wire.Message:
    row = _live_row(tx, caller, message_id)
    if row["pinned"] == pinned:
        return queries.messages_from_rows(tx.conn, [row])[0]
    tx.conn.execute(update(messages).where(messages.c.id == message_id).values(pinned=pinned))
    return _changed(tx, message_id, "pin")
