"""Conversations, their members and their topics."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from app.core import wire
from app.core.errors import Forbidden, NotFound, Unprocessable
from app.server import queries
from app.server.actions.base import Tx, dump
from app.server.auth import Caller
from app.server.db.schema import conversations, members, topics, users
from app.server.events import Audience


def _require_active_users(tx: Tx, user_ids: set[int]) -> None:
    if not user_ids:
        return
    found = {
        int(r[0])
        for r in tx.conn.execute(
            select(users.c.id).where(users.c.id.in_(user_ids), users.c.active.is_(True))
        )
    }
    missing = sorted(user_ids - found)
    if missing:
        raise NotFound(f"No such user: {missing[0]}.")


def _add_member_rows(tx: Tx, conversation_id: int, user_ids: list[int], seq: int) -> None:
    """Make ``user_ids`` members from event ``seq`` on, and wake their long-polls: a waiting poll
    listens only to the conversations its user was in when it started, so without this someone
    added (or written to in a new direct message) would hear of it only when the poll times out."""
    for user_id in user_ids:
        tx.wake(f"u:{user_id}")
    tx.conn.execute(
        insert(members),
        [
            {
                "conversation_id": conversation_id,
                "user_id": u,
                "joined_seq": seq,
                "joined_at": tx.now,
            }
            for u in user_ids
        ],
    )


def create(tx: Tx, caller: Caller, req: wire.ConversationCreate) -> tuple[wire.Conversation, bool]:
    """Create a conversation (the caller always a member); a dm that exists is returned as is."""
    wanted = set(req.members) | {caller.user_id}
    _require_active_users(tx, wanted)
    dm_key = None
    name = wire.strip_blanks(req.name or "")
    private = req.private
    if req.kind == "dm":
        if len(wanted) > 2:
            raise Unprocessable("A direct message is between two people.", code="validation_error")
        pair = sorted(wanted) if len(wanted) == 2 else [caller.user_id, caller.user_id]
        dm_key = f"{pair[0]}:{pair[1]}"
        existing = tx.conn.execute(
            select(conversations.c.id).where(conversations.c.dm_key == dm_key)
        ).scalar_one_or_none()
        if existing is not None:
            return queries.load_conversation(tx.conn, int(existing)), False
        name, private = "", True
    elif req.kind == "group":
        private = True
    elif not name:
        raise Unprocessable("A channel needs a name.", code="validation_error")
    cid = int(
        tx.conn.execute(
            insert(conversations)
            .values(
                kind=req.kind,
                name=name,
                private=private,
                dm_key=dm_key,
                created_by=caller.user_id,
                created_at=tx.now,
            )
            .returning(conversations.c.id)
        ).scalar_one()
    )
    conversation = wire.Conversation(
        id=cid,
        kind=req.kind,
        name=name,
        private=private,
        created_by=caller.user_id,
        created_at=tx.now,
        member_ids=sorted(wanted),
    )
    seq = tx.emit_now(
        "conversation.created", {"conversation": dump(conversation)}, Audience(conversation_id=cid)
    )
    _add_member_rows(tx, cid, sorted(wanted), seq)
    return conversation, True


def add_members(
    tx: Tx, caller: Caller, conversation_id: int, user_ids: list[int]
) -> wire.Conversation:
    conversation = queries.load_conversation(tx.conn, conversation_id)
    if caller.user_id not in conversation.member_ids:
        raise NotFound("No such conversation.")
    if conversation.kind == "dm":
        raise Forbidden("A direct message always has the same two people.")
    new = sorted(set(user_ids) - set(conversation.member_ids))
    _require_active_users(tx, set(new))
    if not new:
        return conversation
    conversation.member_ids = sorted(set(conversation.member_ids) | set(new))
    seq = tx.emit_now(
        "conversation.updated",
        {"conversation": dump(conversation)},
        Audience(conversation_id=conversation_id),
    )
    _add_member_rows(tx, conversation_id, new, seq)
    return conversation


def join(tx: Tx, caller: Caller, conversation_id: int) -> wire.Conversation:
    """Join a public channel; anything else looks like it does not exist, except to a member,
    for whom joining is a no-op (the creator of a group may "join" it and find it there)."""
    if queries.is_member(tx.conn, conversation_id, caller.user_id):
        return queries.load_conversation(tx.conn, conversation_id)
    row = tx.conn.execute(
        select(conversations.c.kind, conversations.c.private).where(
            conversations.c.id == conversation_id
        )
    ).first()
    if row is None or row[0] != "channel" or row[1]:
        raise NotFound("No such conversation.")
    conversation = queries.load_conversation(tx.conn, conversation_id)
    conversation.member_ids = sorted([*conversation.member_ids, caller.user_id])
    seq = tx.emit_now(
        "conversation.updated",
        {"conversation": dump(conversation)},
        Audience(conversation_id=conversation_id),
    )
    _add_member_rows(tx, conversation_id, [caller.user_id], seq)
    return conversation


def remove_member(tx: Tx, caller: Caller, conversation_id: int, user_id: int) -> None:
    conversation = queries.load_conversation(tx.conn, conversation_id)
    if caller.user_id not in conversation.member_ids:
        raise NotFound("No such conversation.")
    if user_id not in conversation.member_ids:
        raise NotFound("That person is not a member.")
    if conversation.kind == "dm":
        raise Forbidden("A direct message always has the same two people.")
    if user_id != caller.user_id and not caller.admin and caller.user_id != conversation.created_by:
        raise Forbidden("Only the creator or an admin can remove someone else.")
    tx.conn.execute(
        delete(members).where(
            members.c.conversation_id == conversation_id, members.c.user_id == user_id
        )
    )
    conversation.member_ids = [u for u in conversation.member_ids if u != user_id]
    tx.emit(
        "conversation.updated",
        {"conversation": dump(conversation)},
        Audience(conversation_id=conversation_id),
    )
    tx.emit(
        "conversation.left",
        {"conversation_id": conversation_id, "user_id": user_id},
        Audience(user_id=user_id),
    )


def create_topic(tx: Tx, caller: Caller, conversation_id: int, req: wire.TopicCreate) -> wire.Topic:
    queries.require_member(tx.conn, conversation_id, caller.user_id)
    tid = tx.conn.execute(
        insert(topics)
        .values(
            conversation_id=conversation_id,
            title=req.title,
            link_url=req.link.url if req.link else None,
            link_label=req.link.label if req.link else None,
            closed=False,
            created_by=caller.user_id,
            created_at=tx.now,
        )
        .returning(topics.c.id)
    ).scalar_one()
    topic = queries.load_topic_for(tx.conn, int(tid), caller.user_id)
    tx.emit("topic.created", {"topic": dump(topic)}, Audience(conversation_id=conversation_id))
    return topic


def patch_topic(tx: Tx, caller: Caller, topic_id: int, patch: wire.TopicPatch) -> wire.Topic:
    before = queries.load_topic_for(tx.conn, topic_id, caller.user_id)
    values: dict[str, object] = {}
    if patch.title is not None and patch.title != before.title:
        values["title"] = patch.title
    if patch.closed is not None and patch.closed != before.closed:
        values["closed"] = patch.closed
        values["closed_by"] = caller.user_id if patch.closed else None
        values["closed_at"] = tx.now if patch.closed else None
    if patch.clear_link and before.link is not None:
        values["link_url"] = values["link_label"] = None
    elif patch.link is not None and patch.link != before.link:
        values["link_url"], values["link_label"] = patch.link.url, patch.link.label
    if not values:
        return before
    tx.conn.execute(update(topics).where(topics.c.id == topic_id).values(**values))
    topic = queries.load_topic_for(tx.conn, topic_id, caller.user_id)
    tx.emit(
        "topic.updated", {"topic": dump(topic)}, Audience(conversation_id=topic.conversation_id)
    )
    return topic
