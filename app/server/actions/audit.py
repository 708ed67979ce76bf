"""The audit log (policy changes, device protection reports) and per-device protection state.

The log is append-only and written in the same transaction as the change it records. A device
reports its watermark and capture-protection state at every start; only a first report and a
change are logged, so the log says when protection started or stopped, not how often apps start.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.core import wire
from app.server.actions.base import Tx
from app.server.auth import Caller
from app.server.db.schema import audit_log, device_protection

_STATE = ("watermark_shown", "capture_protection", "platform")


def record(
    tx: Tx,
    action: wire.AuditAction,
    details: dict[str, Any],
    *,
    actor_user_id: int | None = None,
    device_id: int | None = None,
) -> None:
    tx.conn.execute(
        insert(audit_log).values(
            at=tx.now,
            action=action,
            actor_user_id=actor_user_id,
            device_id=device_id,
            details=details,
        )
    )


def report_protection(
    tx: Tx, caller: Caller, req: wire.DeviceProtectionReport
) -> wire.DeviceProtection:
    """Store what the calling device reports; audit the first report and every change."""
    row = tx.conn.execute(
        select(device_protection).where(device_protection.c.device_id == caller.device_id)
    ).first()
    new = req.model_dump()
    values = {**new, "user_id": caller.user_id, "reported_at": tx.now}
    if row is None:
        tx.conn.execute(insert(device_protection).values(device_id=caller.device_id, **values))
        old = None
    else:
        tx.conn.execute(
            update(device_protection)
            .where(device_protection.c.device_id == caller.device_id)
            .values(**values)
        )
        old = {k: getattr(row, k) for k in _STATE}
    if old != new:
        record(
            tx,
            "device.protection",
            {"old": old, "new": new},
            actor_user_id=caller.user_id,
            device_id=caller.device_id,
        )
    return wire.DeviceProtection(device_id=caller.device_id, **values)


def page(conn: Connection, before: int | None, limit: int) -> wire.AuditPage:
    """Newest first, ``limit`` entries with ids below ``before``."""
    query = select(audit_log)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit + 1)).all()
    return wire.AuditPage(
        entries=[
            wire.AuditEntry(
                id=r.id,
                at=r.at,
                action=r.action,
                actor_user_id=r.actor_user_id,
                device_id=r.device_id,
                details=r.details,
            )
            for r in rows[:limit]
        ],
        has_more=len(rows) > limit,
    )


def protection_of_devices(conn: Connection) -> list[wire.DeviceProtection]:
    rows = conn.execute(select(device_protection).order_by(device_protection.c.device_id))
    return [wire.DeviceProtection.model_validate(r._asdict()) for r in rows]
