"""Where an account's store lives on disk, its non-secret sidecar, and how wipe removes it all.

The sidecar (``<db>.info.json``) holds only what must be known *before* the database can be
decrypted: whether to ask for a passphrase, and which keyring backend held the key, so that a
missing key can be explained as "the keyring backend changed" instead of a bare "key missing".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from app.client.keys import Account

KeyMode = Literal["keyring", "passphrase"]


def default_data_dir() -> Path:
    """The OS user-data folder for account stores (e.g. ~/.local/share/Courtyard/accounts)."""
    return platformdirs.user_data_path("Courtyard", appauthor=False) / "accounts"


@dataclass(frozen=True, slots=True)
class StoreInfo:
    key_mode: KeyMode
    keyring_backend: str | None


@dataclass(frozen=True, slots=True)
class StorePaths:
    """The database file and every file SQLite or Courtyard may keep beside it."""

    db: Path

    @classmethod
    def for_account(cls, account: Account, data_dir: Path | None = None) -> StorePaths:
        folder = data_dir if data_dir is not None else default_data_dir()
        digest = hashlib.sha256(account.keyring_user.encode()).hexdigest()[:16]
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account.username)[:32]
        return cls(folder / f"{safe}-{digest}.db")

    @property
    def wal(self) -> Path:
        return self.db.with_name(self.db.name + "-wal")

    @property
    def shm(self) -> Path:
        return self.db.with_name(self.db.name + "-shm")

    @property
    def journal(self) -> Path:
        return self.db.with_name(self.db.name + "-journal")

    @property
    def info(self) -> Path:
        return self.db.with_name(self.db.name + ".info.json")

    def all(self) -> tuple[Path, ...]:
        return (self.db, self.wal, self.shm, self.journal, self.info)

    def read_info(self) -> StoreInfo | None:
        try:
            data = json.loads(self.info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        mode = data.get("key_mode")
        if mode not in ("keyring", "passphrase"):
            return None
        backend = data.get("keyring_backend")
        return StoreInfo(mode, str(backend) if backend is not None else None)

    def write_info(self, info: StoreInfo) -> None:
        text = json.dumps({"key_mode": info.key_mode, "keyring_backend": info.keyring_backend})
        tmp = self.info.with_name(self.info.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.info)

    def remove_all(self) -> None:
        """Delete the database and its companions; missing files are fine (idempotent)."""
        for path in self.all():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
