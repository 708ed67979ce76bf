"""A local demo server for `make run` on a machine with no account configured."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LISTENING = re.compile(r"courtyard-server listening on (http://\S+)")
DEMO_USER, DEMO_PASSWORD = "demo", "demo"
EMBEDDED_SERVER_ARG = "--embedded-server"
"""First argument that makes the frozen app run ``courtyard-server`` instead (packaging/launcher.py)."""


def server_command() -> list[str]:
    """How to run ``courtyard-server`` from this app: ``python -m`` when running from source, the
    app's own executable with :data:`EMBEDDED_SERVER_ARG` when frozen by PyInstaller."""
    if getattr(sys, "frozen", False):
        return [sys.executable, EMBEDDED_SERVER_ARG]
    return [sys.executable, "-m", "app.server.cli"]


@dataclass
class DemoServer:
    """``courtyard-server --data DIR demo --port 0`` as a child process of the app."""

    data_dir: Path
    extra_args: list[str] = field(default_factory=list)
    preexec_fn: Callable[[], None] | None = None
    """Runs in the child before exec (POSIX): the app uses it to tie the server's life to its own."""
    proc: subprocess.Popen[str] | None = None
    url: str = ""

    async def start(self) -> str:
        async with asyncio.timeout(60):
            return await asyncio.to_thread(self.start_blocking)

    def start_blocking(self) -> str:
        """Start and wait for the announced address (scripts and test fixtures)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            *server_command(),
            "--data",
            str(self.data_dir),
            "demo",
            "--port",
            "0",
            *self.extra_args,
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**_env(), "PYTHONUNBUFFERED": "1", **_frozen_child_env()},
            preexec_fn=self.preexec_fn,
        )
        self.url = self._read_address()
        return self.url

    def _read_address(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            match = LISTENING.search(line)
            if match:
                return match.group(1)
        raise RuntimeError(f"the demo server exited with {self.proc.wait()} before listening")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _frozen_child_env() -> dict[str, str]:
    """A frozen app that runs its own executable asks PyInstaller's bootloader to start the child
    as an independent process (its own Python, its own library path), not as a sub-process of
    this one's bootstrap."""
    return {"PYINSTALLER_RESET_ENVIRONMENT": "1"} if getattr(sys, "frozen", False) else {}


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
