"""Sign-in and sign-out, and who am I."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from app.core import wire
from app.core.errors import Unauthorized
from app.server import auth, queries
from app.server.actions import accounts
from app.server.actions.base import Tx
from app.server.api.deps import Svc, TokenHash
from app.server.api.problems import problems
from app.server.auth import Caller

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/login",
    response_model=wire.LoginResponse,
    responses=problems(401, 422, 429),
    summary="Sign in a device; returns its bearer token",
)
async def login(req: wire.LoginRequest, request: Request, service: Svc) -> wire.LoginResponse:
    address = request.client.host if request.client else "unknown"
    keys = (f"user:{req.username.lower()}", f"addr:{address}")
    service.limiter.check(*keys)
    found = await service.system_write(lambda tx: accounts.password_hash_of(tx, req.username))
    # argon2 is deliberately slow: verify off the event loop, and off the writer thread.
    ok = await asyncio.to_thread(auth.verify_password, found[1] if found else None, req.password)
    if not ok or found is None:
        service.limiter.failed(*keys)
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    user_id = found[0]
    return await service.system_write(accounts.create_device, user_id, req.device_name)


def _revoke_own(tx: Tx, caller: Caller) -> None:
    accounts.revoke_device(tx, caller.device_id)


@router.post(
    "/auth/logout",
    status_code=204,
    responses=problems(401),
    summary="Revoke the calling device's token",
)
async def logout(service: Svc, token: TokenHash) -> Response:
    await service.write(token, _revoke_own)
    return Response(status_code=204)


@router.get("/me", response_model=wire.User, responses=problems(401))
async def me(service: Svc, token: TokenHash) -> wire.User:
    now = service.clock.now()
    return await service.read(
        token, lambda conn, caller: queries.load_user(conn, caller.user_id, now=now)
    )
