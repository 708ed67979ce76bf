"""The snapshot and the long-poll event stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.core import wire
from app.server import sync
from app.server.api.deps import Svc, TokenHash
from app.server.api.problems import problems
from app.server.events import BATCH_LIMIT

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
    return await service.read(token, sync.snapshot)
