"""Keyring backends for tests: never the machine's real keyring.

``MemoryKeyring`` lives in a dict (one process); the app's smoke test uses it too, so it lives in
app.client. ``FileKeyring`` keeps entries in a JSON file the test owns, so a client running in a
child process (killed with SIGKILL and restarted) finds the same key again; it exists only for
that and is never used outside tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend

from app.client.memory_keyring import MemoryKeyring

__all__ = ["FileKeyring", "MemoryKeyring"]


class FileKeyring(KeyringBackend):
    """A keyring kept in a JSON file under the test's tmp_path (shared with child processes)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        data: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _write(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}\n{username}"] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry")
        self._write(data)
