"""Organisation policy for admins, the audit log, and devices' protection reports (issue 7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Connection

from app.core import wire
from app.core.errors import Forbidden
from app.server.actions import audit, org
from app.server.actions.base import Tx
from app.server.api.deps import Svc, TokenHash
from app.server.api.problems import problems
from app.server.auth import Caller

router = APIRouter(prefix="/api/v1", tags=["admin"])


def _set_policy(tx: Tx, caller: Caller, req: wire.PolicyChange) -> wire.OrgPolicy:
    return org.set_policy(tx, req.changes(), actor_user_id=caller.user_id)


@router.put(
    "/admin/policy",
    response_model=wire.OrgPolicy,
    responses=problems(401, 403, 422),
    summary="Change organisation policy (admins): given fields change, others stay",
)
async def put_policy(req: wire.PolicyChange, service: Svc, token: TokenHash) -> wire.OrgPolicy:
    return await service.admin_write(token, _set_policy, req)


def _admin_only(caller: Caller) -> None:
    if not caller.admin:
        raise Forbidden("Only an organisation admin can do this.")


def _audit(conn: Connection, caller: Caller, before: int | None, limit: int) -> wire.AuditPage:
    _admin_only(caller)
    return audit.page(conn, before, limit)


@router.get(
    "/admin/audit",
    response_model=wire.AuditPage,
    responses=problems(401, 403, 422),
    summary="The audit log (admins), newest first; page with before=<last id>",
)
async def get_audit(
    service: Svc,
    token: TokenHash,
    before: Annotated[int | None, Query(ge=1, le=wire.MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> wire.AuditPage:
    return await service.read(token, _audit, before, limit)


def _protection(conn: Connection, caller: Caller) -> list[wire.DeviceProtection]:
    _admin_only(caller)
    return audit.protection_of_devices(conn)


@router.get(
    "/admin/devices/protection",
    response_model=list[wire.DeviceProtection],
    responses=problems(401, 403),
    summary="What each device last reported about its watermark and capture protection",
)
async def get_protection(service: Svc, token: TokenHash) -> list[wire.DeviceProtection]:
    return await service.read(token, _protection)


@router.post(
    "/me/device/protection",
    response_model=wire.DeviceProtection,
    responses=problems(401, 422),
    summary="Report whether this device shows the watermark and protects against capture",
)
async def report_protection(
    req: wire.DeviceProtectionReport, service: Svc, token: TokenHash
) -> wire.DeviceProtection:
    return await service.write(token, audit.report_protection, req)
