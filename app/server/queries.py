"""Reads shared by actions and routers: rows in, wire models out, membership checked on the way.

A conversation, message or topic that the caller is not a member of is reported exactly as one
that does not exist (``not_found``), so ids leak nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, RowMapping, Table, and_, select

from app.core import wire
from app.core.errors import NotFound
from app.server import presence
from app.server.db.schema import (
    conversations,
    members,
    messages,
    meta,
    reactions,
    topics,
    users,
)

DELETED_BODY = ""


def user_from_row(row: RowMapping) -> wire.User:
    return wire.User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        employee_id=row["employee_id"],
        title=row["title"],
        department=row["department"],
        manager_id=row["manager_id"],
        time_zone=row["time_zone"],
        active=row["active"],
        admin=row["admin"],
    )


def load_user(conn: Connection, user_id: int, *, now: dt.datetime | None = None) -> wire.User:
    """The user with presence (status, availability) as of ``now`` (default: the system clock)."""
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    if row is None:
        raise NotFound("No such user.")
    return _with_presence(conn, [user_from_row(row)], now)[0]


def all_users(conn: Connection, *, now: dt.datetime | None = None) -> list[wire.User]:
    rows = conn.execute(select(users).order_by(users.c.id)).mappings().all()
    return _with_presence(conn, [user_from_row(r) for r in rows], now)


def _with_presence(
    conn: Connection, people: list[wire.User], now: dt.datetime | None
) -> list[wire.User]:
    return presence.decorate(
        conn,
        people,
        default=policy(conn).default_schedule,
        now=now or dt.datetime.now(dt.UTC),
    )


def is_member(conn: Connection, conversation_id: int, user_id: int) -> bool:
    row = conn.execute(
        select(members.c.user_id).where(
            members.c.conversation_id == conversation_id, members.c.user_id == user_id
        )
    ).first()
    return row is not None


def require_member(conn: Connection, conversation_id: int, user_id: int) -> None:
    if not is_member(conn, conversation_id, user_id):
        raise NotFound("No such conversation.")


def member_ids(conn: Connection, conversation_id: int) -> list[int]:
    rows = conn.execute(
        select(members.c.user_id)
        .where(members.c.conversation_id == conversation_id)
        .order_by(members.c.user_id)
    )
    return [int(r[0]) for r in rows]


def conversation_from_row(row: RowMapping, member_list: list[int]) -> wire.Conversation:
    return wire.Conversation(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        private=row["private"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        member_ids=member_list,
    )


def load_conversation(conn: Connection, conversation_id: int) -> wire.Conversation:
    row = (
        conn.execute(select(conversations).where(conversations.c.id == conversation_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such conversation.")
    return conversation_from_row(row, member_ids(conn, conversation_id))


def conversations_of(conn: Connection, user_id: int) -> list[wire.Conversation]:
    rows = (
        conn.execute(
            select(conversations)
            .join(members, members.c.conversation_id == conversations.c.id)
            .where(members.c.user_id == user_id)
            .order_by(conversations.c.id)
        )
        .mappings()
        .all()
    )
    ids = [r["id"] for r in rows]
    by_conv: dict[int, list[int]] = defaultdict(list)
    if ids:
        for cid, uid in conn.execute(
            select(members.c.conversation_id, members.c.user_id)
            .where(members.c.conversation_id.in_(ids))
            .order_by(members.c.user_id)
        ):
            by_conv[int(cid)].append(int(uid))
    return [conversation_from_row(r, by_conv[r["id"]]) for r in rows]


def topic_from_row(row: RowMapping) -> wire.Topic:
    link = None
    if row["link_url"]:
        link = wire.TopicLink(url=row["link_url"], label=row["link_label"] or "")
    return wire.Topic(
        id=row["id"],
        conversation_id=row["conversation_id"],
        title=row["title"],
        link=link,
        closed=row["closed"],
        closed_by=row["closed_by"],
        closed_at=row["closed_at"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _row_if_member(
    conn: Connection, table: Table, row_id: int, user_id: int, what: str
) -> RowMapping:
    """A row of a table that belongs to a conversation, if ``user_id`` is a member of that
    conversation; otherwise not_found, exactly as for an id that does not exist."""
    row = (
        conn.execute(
            select(table)
            .join(
                members,
                and_(
                    members.c.conversation_id == table.c.conversation_id,
                    members.c.user_id == user_id,
                ),
            )
            .where(table.c.id == row_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


def load_topic_for(conn: Connection, topic_id: int, user_id: int) -> wire.Topic:
    return topic_from_row(_row_if_member(conn, topics, topic_id, user_id, "topic"))


def topics_in(conn: Connection, conversation_ids: Iterable[int]) -> list[wire.Topic]:
    ids = list(conversation_ids)
    if not ids:
        return []
    rows = conn.execute(
        select(topics).where(topics.c.conversation_id.in_(ids)).order_by(topics.c.id)
    ).mappings()
    return [topic_from_row(r) for r in rows]


def messages_from_rows(conn: Connection, rows: list[RowMapping]) -> list[wire.Message]:
    """Wire messages for rows of the messages table, with their reactions in one query."""
    ids = [r["id"] for r in rows]
    by_message: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if ids:
        for mid, uid, emoji in conn.execute(
            select(reactions.c.message_id, reactions.c.user_id, reactions.c.emoji)
            .where(reactions.c.message_id.in_(ids))
            .order_by(reactions.c.created_at, reactions.c.user_id)
        ):
            by_message[int(mid)][str(emoji)].append(int(uid))
    out = []
    for r in rows:
        out.append(
            wire.Message(
                id=r["id"],
                conversation_id=r["conversation_id"],
                sender_id=r["sender_id"],
                body=DELETED_BODY if r["deleted"] else r["body"],
                created_at=r["created_at"],
                client_msg_id=r["client_msg_id"],
                topic_id=r["topic_id"],
                reply_to=r["reply_to"],
                urgent=r["urgent"],
                mentions=[] if r["deleted"] else list(r["mentions"] or []),
                mentions_all=False if r["deleted"] else r["mentions_all"],
                edited_at=r["edited_at"],
                deleted=r["deleted"],
                reactions=[
                    wire.Reaction(emoji=e, user_ids=u) for e, u in by_message[r["id"]].items()
                ],
                pinned=r["pinned"],
            )
        )
    return out


def load_message(conn: Connection, message_id: int) -> wire.Message:
    row = conn.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    if row is None:
        raise NotFound("No such message.")
    return messages_from_rows(conn, [row])[0]


def message_row_for(conn: Connection, message_id: int, user_id: int) -> RowMapping:
    """The message row if ``user_id`` is a member of its conversation, else not_found."""
    return _row_if_member(conn, messages, message_id, user_id, "message")


def message_page(
    conn: Connection, conversation_id: int, before: int | None, limit: int
) -> wire.MessagePage:
    query = select(messages).where(messages.c.conversation_id == conversation_id)
    if before is not None:
        query = query.where(messages.c.id < before)
    rows = list(conn.execute(query.order_by(messages.c.id.desc()).limit(limit + 1)).mappings())
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return wire.MessagePage(messages=messages_from_rows(conn, rows), has_more=has_more)


POLICY_TEXT = select(meta.c.value).where(meta.c.key == "policy").scalar_subquery()
"""The stored policy's JSON text, as a subquery other reads can carry along (built once)."""


def policy(conn: Connection) -> wire.OrgPolicy:
    """The organisation's policy; shared and cached by its stored text, so treat it as read-only."""
    return policy_from_text(conn.execute(select(POLICY_TEXT)).scalar_one_or_none())


@functools.lru_cache(maxsize=4)
def policy_from_text(text: str | None) -> wire.OrgPolicy:
    """Every send reads the policy; parsing and validating it again each time would cost more
    than the send's own database work. The text is read every time, so a change made by another
    process (the admin CLI) is seen at once."""
    return wire.OrgPolicy.model_validate(json.loads(text)) if text else wire.OrgPolicy()
