"""The server's collaborators wired together, and the one way a request touches the database.

``Service.write(token, action, ...)`` resolves the caller from the token and runs the action in the
same transaction on the writer thread: one thread hop per request. After the commit it wakes the
long-polls the action's events concern.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from app.core.clock import Clock, SystemClock
from app.core.errors import Forbidden
from app.server import auth
from app.server.actions.base import Tx
from app.server.auth import Caller, LoginLimiter
from app.server.db.engine import Database
from app.server.notifier import LocalNotifier, Notifier

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Service:
    db: Database
    notifier: Notifier = field(default_factory=LocalNotifier)
    clock: Clock = field(default_factory=SystemClock)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    max_wait: float = 60.0

    async def write(
        self,
        token_hash: str | None,
        action: Callable[Concatenate[Tx, Caller, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``action(tx, caller, ...)`` as the token's caller, in one write transaction."""

        def run(conn: Connection) -> tuple[T, Tx]:
            caller = auth.authenticate(conn, token_hash)
            tx = Tx(conn, self.clock.now())
            return action(tx, caller, *args, **kwargs), tx

        result, tx = await self.db.write(run)
        if tx.emitted.keys:
            self.notifier.notify(tx.emitted.keys)
        return result

    async def admin_write(
        self,
        token_hash: str | None,
        action: Callable[Concatenate[Tx, Caller, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        def checked(tx: Tx, caller: Caller, /, *a: P.args, **k: P.kwargs) -> T:
            if not caller.admin:
                raise Forbidden("Only an organisation admin can do this.")
            return action(tx, caller, *a, **k)

        return await self.write(token_hash, checked, *args, **kwargs)

    async def system_write(
        self, action: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """An action on no one's behalf (sign-in, the demo's colleagues)."""

        def run(conn: Connection) -> tuple[T, Tx]:
            tx = Tx(conn, self.clock.now())
            return action(tx, *args, **kwargs), tx

        result, tx = await self.db.write(run)
        if tx.emitted.keys:
            self.notifier.notify(tx.emitted.keys)
        return result

    async def read(
        self,
        token_hash: str | None,
        query: Callable[Concatenate[Connection, Caller, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``query(conn, caller, ...)`` in one read transaction (a consistent snapshot)."""

        def run(conn: Connection) -> T:
            return query(conn, auth.authenticate(conn, token_hash), *args, **kwargs)

        return await self.db.read(run)

    def run_sync(
        self, action: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """For the admin command line: the same actions, synchronously, without a caller."""

        def run(conn: Connection) -> T:
            return action(Tx(conn, self.clock.now()), *args, **kwargs)

        return self.db.write_sync(run)
