"""Messages, history, reactions, pins, read state, receipts and urge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Connection

from app.core import wire
from app.server import queries
from app.server.actions import messages, receipts
from app.server.api.deps import IdPath, Svc, TokenHash
from app.server.api.problems import problems
from app.server.auth import Caller

router = APIRouter(prefix="/api/v1", tags=["messages"])
Emoji = Annotated[str, Path(min_length=1, max_length=32)]


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=201,
    response_model=wire.Message,
    responses={
        200: {"model": wire.Message, "description": "A retry: the message sent with this id"},
        **problems(401, 404, 409, 413, 422),
    },
    summary="Send a message (idempotent by client_msg_id)",
)
async def send(
    conversation_id: IdPath,
    req: wire.MessageCreate,
    service: Svc,
    token: TokenHash,
) -> Response:
    message, created = await service.write(token, messages.send, conversation_id, req)
    # Serialised here, once: returning the model would have FastAPI validate it all over again
    # against response_model before dumping it (a measurable share of a send's time).
    return Response(
        message.model_dump_json().encode(),
        status_code=201 if created else 200,
        media_type="application/json",
    )


def _page(
    conn: Connection, caller: Caller, cid: int, before: int | None, limit: int
) -> wire.MessagePage:
    queries.require_member(conn, cid, caller.user_id)
    return queries.message_page(conn, cid, before, limit)


@router.get(
    "/conversations/{conversation_id}/messages",
    response_model=wire.MessagePage,
    responses=problems(401, 404, 422),
    summary="History, paging backwards: oldest first within the page",
)
async def history(
    conversation_id: IdPath,
    service: Svc,
    token: TokenHash,
    before: Annotated[int | None, Query(ge=1, le=wire.MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> wire.MessagePage:
    return await service.read(token, _page, conversation_id, before, limit)


def _message(conn: Connection, caller: Caller, mid: int) -> wire.Message:
    row = queries.message_row_for(conn, mid, caller.user_id)
    return queries.messages_from_rows(conn, [row])[0]


@router.get(
    "/messages/{message_id}", response_model=wire.Message, responses=problems(401, 404, 422)
)
async def get_message(message_id: IdPath, service: Svc, token: TokenHash) -> wire.Message:
    return await service.read(token, _message, message_id)


@router.patch(
    "/messages/{message_id}",
    response_model=wire.Message,
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Edit your message within the organisation's edit window",
)
async def edit(
    message_id: IdPath, req: wire.MessageEdit, service: Svc, token: TokenHash
) -> wire.Message:
    return await service.write(token, messages.edit, message_id, req.body)


@router.delete(
    "/messages/{message_id}",
    response_model=wire.Message,
    responses=problems(401, 403, 404, 409, 422),
    summary="Delete for everyone (your own within the edit window; admins any)",
)
async def delete(message_id: IdPath, service: Svc, token: TokenHash) -> wire.Message:
    return await service.write(token, messages.delete_message, message_id)


@router.put(
    "/messages/{message_id}/reactions/{emoji}",
    response_model=wire.Message,
    responses=problems(401, 404, 409, 422),
)
async def react(message_id: IdPath, emoji: Emoji, service: Svc, token: TokenHash) -> wire.Message:
    return await service.write(token, messages.set_reaction, message_id, emoji, True)


@router.delete(
    "/messages/{message_id}/reactions/{emoji}",
    response_model=wire.Message,
    responses=problems(401, 404, 409, 422),
)
async def unreact(message_id: IdPath, emoji: Emoji, service: Svc, token: TokenHash) -> wire.Message:
    return await service.write(token, messages.set_reaction, message_id, emoji, False)


@router.put(
    "/messages/{message_id}/pin",
    response_model=wire.Message,
    responses=problems(401, 404, 409, 422),
)
async def pin(message_id: IdPath, service: Svc, token: TokenHash) -> wire.Message:
    return await service.write(token, messages.set_pinned, message_id, True)


@router.delete(
    "/messages/{message_id}/pin",
    response_model=wire.Message,
    responses=problems(401, 404, 409, 422),
)
async def unpin(message_id: IdPath, service: Svc, token: TokenHash) -> wire.Message:
    return await service.write(token, messages.set_pinned, message_id, False)


@router.post(
    "/conversations/{conversation_id}/read",
    response_model=wire.ReadMarker,
    responses=problems(401, 404, 422),
    summary="Mark messages up to and including up_to as read",
)
async def mark_read(
    conversation_id: IdPath, req: wire.ReadRequest, service: Svc, token: TokenHash
) -> wire.ReadMarker:
    return await service.write(token, receipts.mark_read, conversation_id, req.up_to)


@router.get(
    "/messages/{message_id}/receipts",
    response_model=wire.Receipts,
    responses=problems(401, 404, 422),
    summary="Who has read a message and when, who has not, and its urges",
)
async def get_receipts(message_id: IdPath, service: Svc, token: TokenHash) -> wire.Receipts:
    return await service.read(token, receipts.receipts, message_id)


@router.post(
    "/messages/{message_id}/urge",
    response_model=wire.UrgeResult,
    responses=problems(401, 403, 404, 409, 422, 429),
    summary="Send an urgent notification to the members who have not read your message",
)
async def urge(message_id: IdPath, service: Svc, token: TokenHash) -> wire.UrgeResult:
    return await service.write(token, receipts.urge, message_id)
