"""Read state per member, receipts per message, and urge (re-notify those who have not read)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update

from app.core import wire
from app.core.errors import Conflict, Forbidden, NotFound, RateLimited
from app.server import queries
from app.server.actions import offhours
from app.server.actions.base import Tx, dump
from app.server.auth import Caller
from app.server.db.schema import messages, read_marks, read_state, urges
from app.server.events import Audience

URGE_INTERVAL = dt.timedelta(minutes=5)


def marker(conn: Connection, conversation_id: int, user_id: int) -> wire.ReadMarker | None:
    row = conn.execute(
        select(read_state.c.up_to, read_state.c.read_at).where(
            read_state.c.conversation_id == conversation_id, read_state.c.user_id == user_id
        )
    ).first()
    if row is None:
        return None
    return wire.ReadMarker(
        conversation_id=conversation_id, user_id=user_id, up_to=row[0], read_at=row[1]
    )


def mark_read(tx: Tx, caller: Caller, conversation_id: int, up_to: int) -> wire.ReadMarker:
    """Move the caller's read marker forward (never back); each advance is one event."""
    queries.require_member(tx.conn, conversation_id, caller.user_id)
    found = tx.conn.execute(
        select(messages.c.id).where(
            messages.c.id == up_to, messages.c.conversation_id == conversation_id
        )
    ).first()
    if found is None:
        raise NotFound("No such message in this conversation.")
    current = marker(tx.conn, conversation_id, caller.user_id)
    if current is not None and current.up_to >= up_to:
        return current
    values = {"up_to": up_to, "read_at": tx.now}
    if current is None:
        tx.conn.execute(
            insert(read_state).values(
                conversation_id=conversation_id, user_id=caller.user_id, **values
            )
        )
    else:
        tx.conn.execute(
            update(read_state)
            .where(
                read_state.c.conversation_id == conversation_id,
                read_state.c.user_id == caller.user_id,
            )
            .values(**values)
        )
    tx.conn.execute(
        insert(read_marks).values(conversation_id=conversation_id, user_id=caller.user_id, **values)
    )
    new = wire.ReadMarker(
        conversation_id=conversation_id, user_id=caller.user_id, up_to=up_to, read_at=tx.now
    )
    tx.emit("receipt.read", {"marker": dump(new)}, Audience(conversation_id=conversation_id))
    return new


def receipts(conn: Connection, caller: Caller, message_id: int) -> wire.Receipts:
    row = queries.message_row_for(conn, message_id, caller.user_id)
    cid, sender = row["conversation_id"], row["sender_id"]
    audience = [u for u in queries.member_ids(conn, cid) if u != sender]
    first_read = dict(
        conn.execute(
            select(read_marks.c.user_id, func.min(read_marks.c.read_at))
            .where(read_marks.c.conversation_id == cid, read_marks.c.up_to >= message_id)
            .group_by(read_marks.c.user_id)
        ).all()
    )
    read = [
        wire.ReceiptEntry(user_id=u, read_at=_utc(first_read[u]))
        for u in audience
        if u in first_read
    ]
    read.sort(key=lambda e: (e.read_at, e.user_id))
    unread = [u for u in audience if u not in first_read]
    urge_rows = conn.execute(
        select(urges.c.by_user_id, urges.c.user_ids, urges.c.at)
        .where(urges.c.message_id == message_id)
        .order_by(urges.c.id)
    ).all()
    return wire.Receipts(
        message_id=message_id,
        read=read,
        unread=unread,
        urges=[wire.UrgeRecord(by=b, user_ids=list(u), at=a) for b, u, a in urge_rows],
    )


def urge(tx: Tx, caller: Caller, message_id: int) -> wire.UrgeResult:
    row = queries.message_row_for(tx.conn, message_id, caller.user_id)
    if row["sender_id"] != caller.user_id:
        raise Forbidden("Only the sender can urge a message.", code="not_author")
    if row["deleted"]:
        raise Conflict("This message was deleted.", code="message_deleted")
    last = tx.conn.execute(
        select(func.max(urges.c.at)).where(urges.c.message_id == message_id)
    ).scalar_one_or_none()
    if last is not None and tx.now - _utc(last) < URGE_INTERVAL:
        wait = URGE_INTERVAL - (tx.now - _utc(last))
        raise RateLimited(
            "This message was urged a moment ago.", retry_after=int(wait.total_seconds()) + 1
        )
    targets = receipts(tx.conn, caller, message_id).unread
    if not targets:
        return wire.UrgeResult(message_id=message_id, urged=[])
    offhours.check_breakthrough(tx, caller.user_id, targets, message_id, "urge")
    tx.conn.execute(
        insert(urges).values(
            message_id=message_id, by_user_id=caller.user_id, user_ids=targets, at=tx.now
        )
    )
    for user_id in targets:
        tx.emit(
            "message.urged",
            {
                "conversation_id": row["conversation_id"],
                "message_id": message_id,
                "by": caller.user_id,
                "user_id": user_id,
            },
            Audience(user_id=user_id),
            message_id=message_id,
        )
    return wire.UrgeResult(message_id=message_id, urged=targets)


def _utc(value: dt.datetime | str) -> dt.datetime:
    # Aggregates (MIN/MAX) bypass the column type on SQLite and come back as text.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
