"""Fixtures for scale-out tests: a fresh PostgreSQL database and Redis prefix per test, and two
server instances sharing them.

Without PostgreSQL or Redis on this machine the tests skip and say why; with
``COURTYARD_REQUIRE_SCALE=1`` (set by CI) their absence is a failure instead.
``COURTYARD_TEST_PG`` (an admin URL to an existing database) and ``COURTYARD_TEST_REDIS`` point
elsewhere than the defaults.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.server import ServerProcess, seed

PG_ADMIN = os.environ.get("COURTYARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("COURTYARD_TEST_REDIS", "redis://127.0.0.1:6379/0")
PEOPLE = ("alice", "bob", "carol", "dave")


def _unavailable(reason: str) -> None:
    if os.environ.get("COURTYARD_REQUIRE_SCALE") == "1":
        pytest.fail(f"COURTYARD_REQUIRE_SCALE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _admin_connect() -> object:
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[scale]')")
    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        _unavailable(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")
    raise AssertionError("unreachable")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test only, dropped afterwards."""
    import psycopg

    admin = _admin_connect()
    assert isinstance(admin, psycopg.Connection)
    name = f"cy_test_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_prefix() -> str:
    """A channel prefix of this test's own, so tests sharing one Redis never hear each other."""
    try:
        import redis
    except ImportError:
        _unavailable("redis is not installed (pip install -e '.[scale]')")
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        _unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return f"cytest-{secrets.token_hex(6)}"


@dataclass
class Cluster:
    a: ServerProcess
    b: ServerProcess
    ids: dict[str, int]
    database_url: str
    redis_prefix: str


def instance(tmp: Path, name: str, database_url: str, redis_url: str, prefix: str) -> ServerProcess:
    data = tmp / name
    data.mkdir(exist_ok=True)
    return ServerProcess(
        data,
        extra_args=["--max-wait", "60"],
        env={
            "COURTYARD_DATABASE_URL": database_url,
            "COURTYARD_REDIS_URL": redis_url,
            "COURTYARD_REDIS_PREFIX": prefix,
        },
        log_path=tmp / f"{name}.log",
    )


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str, redis_prefix: str) -> Iterator[Cluster]:
    """Instances A and B on their own ports over one PostgreSQL database and one Redis."""
    ids = seed(tmp_path, PEOPLE, database_url=pg_url)
    a = instance(tmp_path, "a", pg_url, REDIS_URL, redis_prefix)
    b = instance(tmp_path, "b", pg_url, REDIS_URL, redis_prefix)
    try:
        a.start()
        b.start()
        yield Cluster(a, b, ids, pg_url, redis_prefix)
    finally:
        a.stop()
        b.stop()
