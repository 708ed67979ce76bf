"""The caller's workday status, working hours and do-not-disturb (issues 5 and 6)."""

from __future__ import annotations

from fastapi import APIRouter

from app.core import wire
from app.server.actions import offhours, status
from app.server.api.deps import Svc, TokenHash
from app.server.api.problems import problems

router = APIRouter(prefix="/api/v1", tags=["presence"])


@router.put(
    "/me/status",
    response_model=wire.User,
    responses=problems(401, 422, 429),
    summary="Publish (or, with empty text, clear) your workday status; returns you",
)
async def put_status(req: wire.StatusSet, service: Svc, token: TokenHash) -> wire.User:
    return await service.write(token, status.set_status, req)


@router.put(
    "/me/schedule",
    response_model=wire.User,
    responses=problems(401, 422),
    summary="Set your working hours (weekday intervals, IANA zone, holidays); returns you",
)
async def put_schedule(req: wire.Schedule, service: Svc, token: TokenHash) -> wire.User:
    return await service.write(token, offhours.set_schedule, req)


@router.delete(
    "/me/schedule",
    response_model=wire.User,
    responses=problems(401),
    summary="Go back to the organisation's default working hours; returns you",
)
async def delete_schedule(service: Svc, token: TokenHash) -> wire.User:
    return await service.write(token, offhours.set_schedule, None)


@router.put(
    "/me/dnd",
    response_model=wire.User,
    responses=problems(401, 422),
    summary="Do not disturb until a time (null ends it); returns you",
)
async def put_dnd(req: wire.DndSet, service: Svc, token: TokenHash) -> wire.User:
    return await service.write(token, offhours.set_dnd, req.until)


@router.get(
    "/me/breakthrough",
    response_model=wire.MyBreakthrough,
    responses=problems(401),
    summary="Who may wake you with urgent messages while you are off (private to you)",
)
async def get_breakthrough(service: Svc, token: TokenHash) -> wire.MyBreakthrough:
    return await service.read(token, offhours.my_breakthrough)


@router.put(
    "/me/breakthrough",
    response_model=wire.MyBreakthrough,
    responses=problems(401, 404, 422),
    summary="Set who may wake you with urgent messages while you are off; returns it",
)
async def put_breakthrough(
    req: wire.Breakthrough, service: Svc, token: TokenHash
) -> wire.MyBreakthrough:
    return await service.write(token, offhours.set_breakthrough, req)
