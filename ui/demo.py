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
            sys.executable,
            "-m",
            "app.server.cli",
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
            env={**_env(), "PYTHONUNBUFFERED": "1"},
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


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
