"""Fixtures: a real server process over a seeded database, and signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import ServerProcess, seed

PEOPLE = ("alice", "bob", "carol", "dave")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    seed(tmp_path, PEOPLE)
    proc = ServerProcess(tmp_path, extra_args=["--max-wait", "60"]).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def users(server: ServerProcess) -> Iterator[dict[str, httpx.Client]]:
    clients = {name: server.login(name) for name in PEOPLE}
    try:
        yield clients
    finally:
        for c in clients.values():
            c.close()
