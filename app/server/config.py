"""Where the server keeps its data and which database it uses; environment over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.server.db import migrate
from app.server.db.engine import Database, sqlite_url


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    database_url: str
    redis_url: str | None = None

    @classmethod
    def load(cls, data_dir: str | None) -> ServerConfig:
        chosen = data_dir or os.environ.get("COURTYARD_DATA")
        path = Path(chosen) if chosen else platformdirs.user_data_path("courtyard-server")
        url = os.environ.get("COURTYARD_DATABASE_URL") or sqlite_url(path)
        return cls(path, url, os.environ.get("COURTYARD_REDIS_URL") or None)

    def open_database(self) -> Database:
        """Open (creating the folder if needed) and migrate to the newest schema."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(self.database_url)
        migrate.upgrade(db.write_engine)
        return db
