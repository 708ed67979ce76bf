"""Conversations, members and topics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection, select

from app.core import wire
from app.server import queries
from app.server.actions import conversations
from app.server.api.deps import IdPath, Svc, TokenHash
from app.server.api.problems import problems
from app.server.auth import Caller
from app.server.db.schema import conversations as conversations_table

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.post(
    "/conversations",
    status_code=201,
    response_model=wire.Conversation,
    responses={
        200: {"model": wire.Conversation, "description": "The direct message already existed"},
        **problems(401, 404, 422),
    },
)
async def create_conversation(
    req: wire.ConversationCreate, response: Response, service: Svc, token: TokenHash
) -> wire.Conversation:
    conversation, created = await service.write(token, conversations.create, req)
    if not created:
        response.status_code = 200
    return conversation


def _public_channels(conn: Connection, caller: Caller) -> list[wire.Conversation]:
    mine = {c.id for c in queries.conversations_of(conn, caller.user_id)}
    ids = conn.execute(
        select(conversations_table.c.id).where(
            conversations_table.c.kind == "channel", conversations_table.c.private.is_(False)
        )
    ).scalars()
    return [queries.load_conversation(conn, int(i)) for i in ids if int(i) not in mine]


@router.get(
    "/conversations",
    response_model=list[wire.Conversation],
    responses=problems(401, 422),
    summary="The caller's conversations, or (scope=joinable) public channels to join",
)
async def list_conversations(
    service: Svc,
    token: TokenHash,
    scope: Annotated[str, Query(pattern="^(mine|joinable)$")] = "mine",
) -> list[wire.Conversation]:
    if scope == "joinable":
        return await service.read(token, _public_channels)
    return await service.read(
        token, lambda conn, caller: queries.conversations_of(conn, caller.user_id)
    )


def _visible_conversation(conn: Connection, caller: Caller, cid: int) -> wire.Conversation:
    queries.require_member(conn, cid, caller.user_id)
    return queries.load_conversation(conn, cid)


@router.get(
    "/conversations/{conversation_id}",
    response_model=wire.Conversation,
    responses=problems(401, 404, 422),
)
async def get_conversation(
    conversation_id: IdPath, service: Svc, token: TokenHash
) -> wire.Conversation:
    return await service.read(token, _visible_conversation, conversation_id)


@router.post(
    "/conversations/{conversation_id}/members",
    response_model=wire.Conversation,
    responses=problems(401, 403, 404, 422),
)
async def add_members(
    conversation_id: IdPath, req: wire.MembersChange, service: Svc, token: TokenHash
) -> wire.Conversation:
    return await service.write(token, conversations.add_members, conversation_id, req.user_ids)


@router.delete(
    "/conversations/{conversation_id}/members/{user_id}",
    status_code=204,
    responses=problems(401, 403, 404, 422),
    summary="Remove a member (yourself to leave)",
)
async def remove_member(
    conversation_id: IdPath, user_id: IdPath, service: Svc, token: TokenHash
) -> Response:
    await service.write(token, conversations.remove_member, conversation_id, user_id)
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/join",
    response_model=wire.Conversation,
    responses=problems(401, 404, 422),
    summary="Join a public channel",
)
async def join(conversation_id: IdPath, service: Svc, token: TokenHash) -> wire.Conversation:
    return await service.write(token, conversations.join, conversation_id)


@router.post(
    "/conversations/{conversation_id}/topics",
    status_code=201,
    response_model=wire.Topic,
    responses=problems(401, 404, 422),
)
async def create_topic(
    conversation_id: IdPath, req: wire.TopicCreate, service: Svc, token: TokenHash
) -> wire.Topic:
    return await service.write(token, conversations.create_topic, conversation_id, req)


def _topics(conn: Connection, caller: Caller, cid: int) -> list[wire.Topic]:
    queries.require_member(conn, cid, caller.user_id)
    return queries.topics_in(conn, [cid])


@router.get(
    "/conversations/{conversation_id}/topics",
    response_model=list[wire.Topic],
    responses=problems(401, 404, 422),
)
async def list_topics(conversation_id: IdPath, service: Svc, token: TokenHash) -> list[wire.Topic]:
    return await service.read(token, _topics, conversation_id)


@router.get("/topics/{topic_id}", response_model=wire.Topic, responses=problems(401, 404, 422))
async def get_topic(topic_id: IdPath, service: Svc, token: TokenHash) -> wire.Topic:
    return await service.read(
        token, lambda conn, caller: queries.load_topic_for(conn, topic_id, caller.user_id)
    )


@router.patch(
    "/topics/{topic_id}",
    response_model=wire.Topic,
    responses=problems(401, 404, 422),
    summary="Rename, close, reopen or (un)link a topic",
)
async def patch_topic(
    topic_id: IdPath, req: wire.TopicPatch, service: Svc, token: TokenHash
) -> wire.Topic:
    return await service.write(token, conversations.patch_topic, topic_id, req)
