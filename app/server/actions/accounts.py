"""Users and devices: create, update, deactivate, reset passwords, sign in and revoke."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from app.core import wire
from app.core.errors import Conflict, NotFound, Unauthorized
from app.server import auth, queries
from app.server.actions.base import Tx, dump
from app.server.db.schema import devices, users
from app.server.events import Audience


def create_user(
    tx: Tx,
    *,
    username: str,
    password_hash: str,
    display_name: str = "",
    employee_id: str = "",
    title: str = "",
    department: str = "",
    manager_id: int | None = None,
    time_zone: str = "UTC",
    admin: bool = False,
) -> wire.User:
    exists = tx.conn.execute(
        select(users.c.id).where(func.lower(users.c.username) == username.lower())
    ).first()
    if exists:
        raise Conflict(f"The username {username!r} is taken.", code="already_exists")
    if manager_id is not None:
        queries.load_user(tx.conn, manager_id)
    uid = tx.conn.execute(
        insert(users)
        .values(
            username=username,
            display_name=display_name or username,
            employee_id=employee_id,
            title=title,
            department=department,
            manager_id=manager_id,
            time_zone=time_zone,
            active=True,
            admin=admin,
            password_hash=password_hash,
            created_at=tx.now,
        )
        .returning(users.c.id)
    ).scalar_one()
    user = queries.load_user(tx.conn, int(uid))
    tx.emit("user.updated", {"user": dump(user)}, Audience(org=True))
    return user


def user_by_username(tx: Tx, username: str) -> wire.User:
    row = (
        tx.conn.execute(select(users).where(func.lower(users.c.username) == username.lower()))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"No user {username!r}.")
    return queries.user_from_row(row)


def set_active(tx: Tx, user_id: int, active: bool) -> wire.User:
    queries.load_user(tx.conn, user_id)
    tx.conn.execute(update(users).where(users.c.id == user_id).values(active=active))
    if not active:
        revoke_all_devices(tx, user_id)
    user = queries.load_user(tx.conn, user_id)
    tx.emit("user.updated", {"user": dump(user)}, Audience(org=True))
    return user


def set_password(tx: Tx, user_id: int, password_hash: str, *, revoke_devices: bool) -> None:
    queries.load_user(tx.conn, user_id)
    tx.conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))
    if revoke_devices:
        revoke_all_devices(tx, user_id)


def password_hash_of(tx: Tx, username: str) -> tuple[int, str] | None:
    """The active user's id and password hash, or None (login treats both the same)."""
    row = tx.conn.execute(
        select(users.c.id, users.c.password_hash).where(
            func.lower(users.c.username) == username.lower(), users.c.active.is_(True)
        )
    ).first()
    return (int(row[0]), str(row[1])) if row else None


def create_device(tx: Tx, user_id: int, device_name: str) -> wire.LoginResponse:
    token = auth.new_token()
    device_id = tx.conn.execute(
        insert(devices)
        .values(
            user_id=user_id,
            name=device_name,
            token_hash=auth.token_hash(token),
            created_at=tx.now,
            last_seen_at=tx.now,
        )
        .returning(devices.c.id)
    ).scalar_one()
    user = queries.load_user(tx.conn, user_id)
    if not user.active:
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    return wire.LoginResponse(token=token, device_id=int(device_id), user=user)


def revoke_device(tx: Tx, device_id: int) -> None:
    row = tx.conn.execute(select(devices.c.id).where(devices.c.id == device_id)).first()
    if row is None:
        raise NotFound("No such device.")
    tx.conn.execute(
        update(devices)
        .where(devices.c.id == device_id, devices.c.revoked_at.is_(None))
        .values(revoked_at=tx.now)
    )
    tx.wake(f"d:{device_id}")


def revoke_all_devices(tx: Tx, user_id: int) -> None:
    ids = tx.conn.execute(
        select(devices.c.id).where(devices.c.user_id == user_id, devices.c.revoked_at.is_(None))
    ).all()
    for (device_id,) in ids:
        revoke_device(tx, int(device_id))


def list_devices(tx: Tx, user_id: int | None = None) -> list[dict[str, object]]:
    query = select(
        devices.c.id,
        devices.c.user_id,
        devices.c.name,
        devices.c.created_at,
        devices.c.revoked_at,
    ).order_by(devices.c.id)
    if user_id is not None:
        query = query.where(devices.c.user_id == user_id)
    return [dict(r) for r in tx.conn.execute(query).mappings()]
