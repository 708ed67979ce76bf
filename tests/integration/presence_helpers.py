"""Shared set-up for the presence, off-hours and policy API tests: a server with an admin.

With ``COURTYARD_PRESENCE_PG`` set to a PostgreSQL URL of an empty database
(``postgresql+psycopg://…``), the same tests run against PostgreSQL instead of SQLite (one test at
a time: the database is shared, so run them with ``-p no:xdist``).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.server import ServerProcess, seed

PEOPLE = ("alice", "bob", "carol")
PG = os.environ.get("COURTYARD_PRESENCE_PG")


def database_url(data_dir: Path) -> str:
    return PG or f"sqlite:///{data_dir / 'courtyard.db'}"


def add_user(data_dir: Path, username: str, *, admin: bool = False, time_zone: str = "UTC") -> None:
    """Add one person to a seeded database (before the server starts)."""
    from app.server import auth
    from app.server.actions import accounts
    from app.server.config import ServerConfig
    from app.server.service import Service

    config = ServerConfig(data_dir, database_url(data_dir))
    service = Service(config.open_database())
    try:
        hashed = auth.hash_password("pw")
        service.run_sync(
            lambda tx: accounts.create_user(
                tx, username=username, password_hash=hashed, admin=admin, time_zone=time_zone
            )
        )
    finally:
        service.db.close()


@pytest.fixture
def org(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServerProcess, dict[str, httpx.Client]]]:
    """A running server with alice, bob, carol (UTC), kenji (Asia/Tokyo) and the admin root."""
    if PG:
        _empty_database(PG)
        monkeypatch.setenv("COURTYARD_DATABASE_URL", PG)  # for the command line too
    seed(tmp_path, PEOPLE, database_url=PG)
    add_user(tmp_path, "root", admin=True)
    add_user(tmp_path, "kenji", time_zone="Asia/Tokyo")
    server = ServerProcess(tmp_path).start()
    clients = {name: server.login(name) for name in (*PEOPLE, "kenji", "root")}
    try:
        yield server, clients
    finally:
        for c in clients.values():
            c.close()
        server.stop()


def _empty_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def query(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` from the server's database (SQLite or PostgreSQL), read beside it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url(data_dir))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def my_id(c: httpx.Client) -> int:
    return int(c.get("/api/v1/me").json()["id"])


def cursor(c: httpx.Client) -> str:
    return str(c.get("/api/v1/events", params={"wait": 0}).json()["cursor"])


def events_after(c: httpx.Client, after: str, *types: str) -> list[dict[str, Any]]:
    batch = c.get("/api/v1/events", params={"after": after, "wait": 0}).json()
    return [e for e in batch["events"] if not types or e["type"] in types]


def group(owner: httpx.Client, *others: httpx.Client) -> int:
    r = owner.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": "team", "members": [my_id(o) for o in others]},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def send(c: httpx.Client, cid: int, body: str, *, urgent: bool = False) -> httpx.Response:
    return c.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"client_msg_id": uuid.uuid4().hex, "body": body, "urgent": urgent},
    )


def utc(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
