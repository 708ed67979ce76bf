"""The organisation's people and policy."""

from __future__ import annotations

from fastapi import APIRouter

from app.core import wire
from app.server import queries
from app.server.api.deps import IdPath, Svc, TokenHash
from app.server.api.problems import problems

router = APIRouter(prefix="/api/v1", tags=["people"])


@router.get("/users", response_model=list[wire.User], responses=problems(401))
async def list_users(service: Svc, token: TokenHash) -> list[wire.User]:
    now = service.clock.now()
    return await service.read(token, lambda conn, _caller: queries.all_users(conn, now=now))


@router.get("/users/{user_id}", response_model=wire.User, responses=problems(401, 404, 422))
async def get_user(user_id: IdPath, service: Svc, token: TokenHash) -> wire.User:
    now = service.clock.now()
    return await service.read(
        token, lambda conn, _caller: queries.load_user(conn, user_id, now=now)
    )


@router.get("/policy", response_model=wire.OrgPolicy, responses=problems(401))
async def get_policy(service: Svc, token: TokenHash) -> wire.OrgPolicy:
    return await service.read(token, lambda conn, _caller: queries.policy(conn))
