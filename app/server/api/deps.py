"""Request dependencies: the bearer token (hashed at once) and the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core import wire
from app.server.auth import token_hash
from app.server.service import Service

_bearer = HTTPBearer(auto_error=False, description="A device token from /api/v1/auth/login")


# Both dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a
# worker thread, two thread hops per request for a hash and an attribute read.
async def _token_hash(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    # The raw token goes no further than this line: everything downstream sees its hash.
    return token_hash(credentials.credentials) if credentials else None


async def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


TokenHash = Annotated[str | None, Depends(_token_hash)]
Svc = Annotated[Service, Depends(_service)]
IdPath = Annotated[int, Path(ge=1, le=wire.MAX_ID)]
