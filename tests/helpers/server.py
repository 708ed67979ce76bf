"""A real `courtyard-server` process on 127.0.0.1, for integration tests.

The server runs as a subprocess on port 0 (it announces the port it bound), over a data folder
the test owns. People are seeded through the server's own database layer and actions before the
process starts, so tests need not pay for a CLI process per user.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LISTENING = re.compile(r"courtyard-server listening on (http://\S+)")


def seed(
    data_dir: Path,
    usernames: Iterable[str],
    password: str = "pw",
    *,
    database_url: str | None = None,
    display_names: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Create the database (migrated) and the given users; returns username → id.

    ``database_url`` seeds another database (PostgreSQL) instead of SQLite in ``data_dir``;
    ``display_names`` names people (default: the username, title-cased).
    """
    from app.server import auth
    from app.server.actions import accounts, org
    from app.server.config import ServerConfig
    from app.server.service import Service

    config = ServerConfig(data_dir, database_url or f"sqlite:///{data_dir / 'courtyard.db'}")
    service = Service(config.open_database())
    try:
        service.run_sync(org.initialise)
        hashed = auth.hash_password(password)
        ids = {}
        for name in usernames:
            ids[name] = service.run_sync(
                lambda tx, n=name: accounts.create_user(
                    tx,
                    username=n,
                    password_hash=hashed,
                    display_name=(display_names or {}).get(n, n.title()),
                )
            ).id
        return ids
    finally:
        service.db.close()


@dataclass
class ServerProcess:
    data_dir: Path
    extra_args: list[str] = field(default_factory=list)
    # Extra environment (COURTYARD_DATABASE_URL, COURTYARD_REDIS_URL, ...) over the test's own.
    env: dict[str, str] = field(default_factory=dict)
    # Where the server's stderr (its log) goes; discarded when None.
    log_path: Path | None = None
    # The entry point run with ``python -m``; tests.helpers.clocked_server runs it on a fake clock.
    module: str = "app.server.cli"
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    port: int = 0

    def start(self, timeout: float = 30.0) -> ServerProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        cmd = [
            sys.executable,
            "-m",
            self.module,
            "--data",
            str(self.data_dir),
            "run",
            "--port",
            str(self.port),
            *self.extra_args,
        ]
        with contextlib.ExitStack() as stack:
            # The child keeps its own copy of the descriptor; ours closes after the spawn.
            stderr = stack.enter_context(open(self.log_path, "a")) if self.log_path else None
            self.proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=stderr or subprocess.DEVNULL,
                text=True,
                env=env,
            )
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited with {self.proc.wait()} before listening")
            match = LISTENING.search(line)
            if match:
                self.url = match.group(1)
                self.port = int(self.url.rsplit(":", 1)[1])
                return self
        raise RuntimeError("server did not announce its address in time")

    def kill9(self) -> None:
        """Kill the process without letting it clean up (a crash, a power cut of the process)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()  # start() may run again on the same object

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def client(self, token: str | None = None, timeout: float = 90.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def login(self, username: str, password: str = "pw", device: str = "test") -> httpx.Client:
        with self.client() as anon:
            r = anon.post(
                "/api/v1/auth/login",
                json={"username": username, "password": password, "device_name": device},
            )
            r.raise_for_status()
        return self.client(r.json()["token"])


def cli(
    data_dir: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the admin command line as IT would (``env``: extra environment, e.g. a database URL)."""
    return subprocess.run(
        [sys.executable, "-m", "app.server.cli", "--data", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env} if env else None,
    )
