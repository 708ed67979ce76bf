"""A local demo server for `make run` on a machine with no account configured."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.client.keys import Account, KeyCustody
from app.client.store_errors import KeyringUnavailable
from app.client.store_files import StorePaths

log = logging.getLogger(__name__)
LISTENING = re.compile(r"courtyard-server listening on (http://\S+)")
DEMO_USER, DEMO_PASSWORD = "demo", "demo"
EMBEDDED_SERVER_ARG = "--embedded-server"
"""First argument that makes the frozen app run ``courtyard-server`` instead (packaging/launcher.py)."""
DEMO_PASSPHRASE = "courtyard-demo"
"""Only for the throwaway demo account on a machine without a keyring (its data is public)."""
START_TIMEOUT = 60.0


def server_command() -> list[str]:
    """How to run ``courtyard-server`` from this app: ``python -m`` when running from source, the
    app's own executable with :data:`EMBEDDED_SERVER_ARG` when frozen by PyInstaller."""
    if getattr(sys, "frozen", False):
        return [sys.executable, EMBEDDED_SERVER_ARG]
    return [sys.executable, "-m", "app.server.cli"]


class DemoServerFailed(Exception):
    """The demo server stopped, or did not say where it listens in time; ``log`` has its output."""

    def __init__(self, reason: str, log: Path) -> None:
        super().__init__(reason)
        self.reason = reason
        self.log = log


@dataclass
class DemoServer:
    """``courtyard-server --data DIR demo --port 0`` as a child process of the app."""

    data_dir: Path
    extra_args: list[str] = field(default_factory=list)
    preexec_fn: Callable[[], None] | None = None
    """Runs in the child before exec (POSIX): the app uses it to tie the server's life to its own."""
    proc: subprocess.Popen[str] | None = None
    url: str = ""

    @property
    def log_path(self) -> Path:
        """The server's output (it says where it listens, and why it stopped if it fails)."""
        return self.data_dir / "server.log"

    async def start(self) -> str:
        return await asyncio.to_thread(self.start_blocking)

    def start_blocking(self, timeout: float = START_TIMEOUT) -> str:
        """Start and wait for the announced address (scripts and test fixtures). Raises
        :class:`DemoServerFailed`."""
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
        # Output goes to a file, not a pipe: nobody reads a pipe once the address is known, and
        # a full one would stall the server; the file also explains a failure afterwards.
        with self.log_path.open("w", encoding="utf-8") as out:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **_frozen_child_env()},
                preexec_fn=self.preexec_fn,
            )
        self.url = self._wait_for_address(time.monotonic() + timeout, timeout)
        return self.url

    def _wait_for_address(self, deadline: float, timeout: float) -> str:
        assert self.proc is not None
        seen: list[str] = []
        with self.log_path.open(encoding="utf-8", errors="replace") as out:
            partial = ""
            while True:
                exited = self.proc.poll() is not None
                chunk = out.read()
                lines = (partial + chunk).split("\n")
                partial = lines.pop()
                for line in lines:
                    if match := LISTENING.search(line):
                        return match.group(1)
                    if line.strip():
                        seen.append(line.strip())
                if exited and not chunk:
                    if partial.strip():
                        seen.append(partial.strip())
                    reason = f"It stopped (exit code {self.proc.returncode}) before it was ready"
                    cause = _cause(seen)
                    raise DemoServerFailed(f"{reason}: {cause}" if cause else reason, self.log_path)
                if time.monotonic() > deadline:
                    self.stop()
                    raise DemoServerFailed(
                        f"It did not say where it listens within {timeout:.0f} seconds",
                        self.log_path,
                    )
                if not chunk:
                    time.sleep(0.02)

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


def _frozen_child_env() -> dict[str, str]:
    """A frozen app that runs its own executable asks PyInstaller's bootloader to start the child
    as an independent process (its own Python, its own library path), not as a sub-process of
    this one's bootstrap."""
    return {"PYINSTALLER_RESET_ENVIRONMENT": "1"} if getattr(sys, "frozen", False) else {}


def _cause(lines: list[str]) -> str:
    """The line of a server's output that says why it stopped: its last error (a log record or
    the end of a traceback), else its last word."""
    errors = [ln for ln in lines if "error" in ln.lower()]
    last = errors[-1] if errors else (lines[-1] if lines else "")
    return re.sub(r"^(ERROR|CRITICAL):\s*", "", last)


def demo_passphrase(keys: KeyCustody, account: Account, data_dir: Path) -> str | None:
    """How the demo account's local copy is keyed, decided before signing in (one sign-in, not
    sign in → fail to open the store → sign out → sign in again). Runs on a worker thread: asking
    the keyring may block. A store made earlier with the passphrase keeps using it."""
    info = StorePaths.for_account(account, data_dir).read_info()
    if info is not None and info.key_mode == "passphrase":
        return DEMO_PASSPHRASE
    try:
        keys.require_secure()
    except KeyringUnavailable:
        log.warning("no system keyring: the demo account's local copy uses a fixed passphrase")
        return DEMO_PASSPHRASE
    return None
