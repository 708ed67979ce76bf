"""The snapshot and the long-poll event stream."""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core import wire
from app.core.errors import ApiError, ServerError
from app.server import sync
from app.server.api.deps import Svc, TokenHash
from app.server.api.problems import problem_response, problems
from app.server.api.routes_messages import bearer_hash
from app.server.events import BATCH_LIMIT
from app.server.service import Service

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["sync"])


@router.get(
    "/events",
    response_model=wire.EventBatch,
    responses=problems(400, 401, 410, 422),
    summary="Events after a cursor; held open up to `wait` seconds when there are none",
)
async def get_events(
    service: Svc,
    token: TokenHash,
    after: Annotated[
        str | None, Query(max_length=64, pattern=r"^([0-9a-f]+\.[0-9]{1,18})?$")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=60)] = 25,
    limit: Annotated[int, Query(ge=1, le=BATCH_LIMIT)] = BATCH_LIMIT,
) -> Response:
    # Already JSON: the stored events go out as they are (see sync._batch_json).
    body = await sync.long_poll(service, token, after, wait, limit)
    return Response(body, media_type="application/json")


@router.get("/sync/snapshot", response_model=wire.Snapshot, responses=problems(401))
async def get_snapshot(service: Svc, token: TokenHash) -> wire.Snapshot:
    return await service.read(token, sync.snapshot, now=service.clock.now())


# --- the long-poll's fast lane ------------------------------------------------------------------

_EVENTS_PATH = "/api/v1/events"
_CURSOR = re.compile(r"[0-9a-f]+\.[0-9]{1,18}", re.ASCII)
_WAIT = re.compile(r"[0-9]{1,2}(\.[0-9]{1,6})?", re.ASCII)
_LIMIT = re.compile(r"[0-9]{1,4}", re.ASCII)
_JSON_HEADERS = [(b"content-type", b"application/json")]


def _fast_events_args(scope: Scope) -> tuple[str, str | None, float, int] | None:
    """(token hash, after, wait, limit) for a plain, valid long-poll; None sends it to FastAPI."""
    if scope["method"] != "GET" or scope["path"] != _EVENTS_PATH:
        return None
    hashed = bearer_hash(scope)
    if hashed is None:
        return None
    after: str | None = None
    wait, limit = 25.0, BATCH_LIMIT
    query: bytes = scope["query_string"]
    # Split by hand: the values this lane accepts never need percent-decoding, and anything
    # else (an escape, a repeated or unknown key) goes to FastAPI. parse_qsl cost more.
    parts = query.decode("latin-1").split("&") if query else []
    seen: set[str] = set()
    for part in parts:
        key, _, value = part.partition("=")
        if key in seen:
            return None
        seen.add(key)
        if key == "after" and len(value) <= 64 and _CURSOR.fullmatch(value):
            after = value
        elif key == "wait" and _WAIT.fullmatch(value) and float(value) <= 60:
            wait = float(value)
        elif key == "limit" and _LIMIT.fullmatch(value) and 1 <= int(value) <= BATCH_LIMIT:
            limit = int(value)
        else:
            return None
    return hashed, after, wait, limit


def events_fast_lane(app: ASGIApp, service: Service) -> ASGIApp:
    """Answer ``GET /api/v1/events`` without FastAPI's per-request machinery.

    The long-poll is most of the server's traffic (every delivery is one answer and one re-poll)
    and FastAPI's routing, dependency and middleware layers cost more than the poll's own reads.
    Only a well-formed poll takes this lane, and it does exactly what ``get_events`` above does,
    errors included (problem+json); anything unusual (a bad parameter, no bearer token, another
    method) goes to FastAPI, which stays the reference and the OpenAPI description.
    """

    async def lane(scope: Scope, receive: Receive, send: Send) -> None:
        args = _fast_events_args(scope) if scope["type"] == "http" else None
        if args is None:
            await app(scope, receive, send)
            return
        try:
            body = await sync.long_poll(service, *args)
        except ApiError as err:
            await problem_response(err)(scope, receive, send)
            return
        except Exception:
            log.exception("long-poll failed")
            await problem_response(ServerError("Something went wrong on the server."))(
                scope, receive, send
            )
            return
        headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return lane
