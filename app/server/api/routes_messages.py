"""Messages, history, reactions, pins, read state, receipts and urge."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import ValidationError
from sqlalchemy import Connection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import wire
from app.core.errors import ApiError, ServerError
from app.server import queries
from app.server.actions import messages, receipts
from app.server.api.deps import IdPath, Svc, TokenHash
from app.server.api.problems import problem_response, problems
from app.server.auth import Caller, token_hash
from app.server.service import Service

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["messages"])
Emoji = Annotated[str, Path(min_length=1, max_length=32)]


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=201,
    response_model=wire.Message,
    responses={
        200: {"model": wire.Message, "description": "A retry: the message sent with this id"},
        **problems(401, 404, 409, 413, 422, 429),
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


# --- the send's fast lane ---------------------------------------------------------------------

_SEND_PATH = re.compile(r"/api/v1/conversations/([1-9][0-9]{0,14})/messages", re.ASCII)
_LANE_MAX_BODY = 64 * 1024  # larger bodies take FastAPI's way (and its limits)


def bearer_hash(scope: Scope) -> str | None:
    """The hashed bearer token of a request with exactly one well-formed one, else None."""
    token = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not credentials or token is not None:
                return None
            token = credentials
    return token_hash(token) if token is not None else None


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"application/json")
    return False


def send_fast_lane(app: ASGIApp, service: Service) -> ASGIApp:
    """Answer ``POST /api/v1/conversations/{id}/messages`` without FastAPI's request machinery.

    Sending is the other half of delivery; FastAPI's routing, dependencies and body handling
    cost more than the send's own transaction. Only a well-formed send takes this lane and it
    does what ``send`` above does, errors included; anything else (no bearer token, a body the
    schema rejects, an oversized body) is replayed to FastAPI, which answers as it always has.
    """

    async def lane(scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            _SEND_PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        hashed = bearer_hash(scope) if match else None
        if match is None or hashed is None or not _is_json(scope):
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > _LANE_MAX_BODY:
                break
        body = b"".join(chunks)
        req = None
        if not more:
            with contextlib.suppress(ValidationError):
                req = wire.MessageCreate.model_validate_json(body)
        if req is None:
            await app(scope, _replay(body, more, receive), send)
            return
        try:
            message_, created = await service.write(hashed, messages.send, int(match[1]), req)
        except ApiError as err:
            await problem_response(err)(scope, receive, send)
            return
        except Exception:
            log.exception("send failed")
            await problem_response(ServerError("Something went wrong on the server."))(
                scope, receive, send
            )
            return
        data = message_.model_dump_json().encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        await send(
            {"type": "http.response.start", "status": 201 if created else 200, "headers": headers}
        )
        await send({"type": "http.response.body", "body": data})

    return lane


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """A ``receive`` that hands out the already-read ``body`` first, then the rest."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return again
