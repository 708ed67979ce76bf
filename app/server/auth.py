"""Passwords (argon2id), device tokens (random, stored only as SHA-256) and the login limiter."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, select

from app.core.errors import RateLimited, Unauthorized
from app.server.db.schema import devices, users

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# A real hash of a random password, verified against when the username does not exist, so a
# wrong username costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return "cy_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is calling: resolved from the bearer token inside the request's own transaction."""

    user_id: int
    device_id: int
    admin: bool


_SQLITE_CALLER = (
    "SELECT devices.id, devices.user_id, users.admin FROM devices"
    " JOIN users ON users.id = devices.user_id"
    " WHERE devices.token_hash = ? AND devices.revoked_at IS NULL AND users.active IS 1"
)

# Built once: building it on every request was most of authenticate's cost (py-spy).
_PORTABLE_CALLER = (
    select(devices.c.id, devices.c.user_id, users.c.admin)
    .join(users, users.c.id == devices.c.user_id)
    .where(
        devices.c.token_hash == bindparam("hashed"),
        devices.c.revoked_at.is_(None),
        users.c.active.is_(True),
    )
)

NO_TOKEN = "Sign in first: this call needs a bearer token."
INVALID_TOKEN = "This token is not valid (signed out, revoked or deactivated)."


def authenticate(conn: Connection, hashed: str | None) -> Caller:
    """The caller behind a hashed token; revoked devices and deactivated users are 401."""
    if not hashed:
        raise Unauthorized(NO_TOKEN)
    if conn.dialect.name == "sqlite":
        # Every request runs this; on SQLite the driver call costs a tenth of building the same
        # statement with SQLAlchemy. Keep the two queries' conditions identical.
        driver = conn.connection.driver_connection
        assert driver is not None
        row = driver.execute(_SQLITE_CALLER, (hashed,)).fetchone()
    else:
        row = conn.execute(_PORTABLE_CALLER, {"hashed": hashed}).first()
    if row is None:
        raise Unauthorized(INVALID_TOKEN)
    return Caller(user_id=int(row[1]), device_id=int(row[0]), admin=bool(row[2]))


class LoginLimiter:
    """At most ``limit`` failed logins per username and per client address in ``window`` s."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def check(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            q = self._recent(key, now)
            if len(q) >= self.limit:
                retry = max(1, int(q[0] + self.window - now) + 1)
                raise RateLimited("Too many sign-in attempts; try again later.", retry_after=retry)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            self._recent(key, now).append(now)
        if len(self._failures) > 100_000:  # bound memory under a spray of usernames
            self._failures = {k: v for k, v in self._failures.items() if self._recent(k, now)}
