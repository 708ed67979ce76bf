"""Where the server keeps its data, which database and which notifier it uses; environment over
defaults.

``COURTYARD_DATA`` (or ``--data``) is the data folder; ``COURTYARD_DATABASE_URL`` selects the
database (default: embedded SQLite in the data folder; ``postgresql+psycopg://…`` for several
instances); ``COURTYARD_REDIS_URL`` selects Redis pub/sub wake-ups between instances (default:
in-process), with ``COURTYARD_REDIS_PREFIX`` naming the channel (several deployments or tests
can share one Redis).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.server.db import migrate
from app.server.db.engine import Database, sqlite_url
from app.server.notifier import LocalNotifier, Notifier


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    database_url: str
    redis_url: str | None = None
    redis_prefix: str = "courtyard"

    @classmethod
    def load(cls, data_dir: str | None) -> ServerConfig:
        chosen = data_dir or os.environ.get("COURTYARD_DATA")
        path = Path(chosen) if chosen else platformdirs.user_data_path("courtyard-server")
        url = os.environ.get("COURTYARD_DATABASE_URL") or sqlite_url(path)
        return cls(
            path,
            url,
            os.environ.get("COURTYARD_REDIS_URL") or None,
            os.environ.get("COURTYARD_REDIS_PREFIX") or "courtyard",
        )

    def open_database(self) -> Database:
        """Open (creating the folder if needed) and migrate to the newest schema."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(self.database_url)
        migrate.upgrade(db.write_engine)
        return db

    def make_notifier(self) -> Notifier:
        """In-process wake-ups by default; Redis pub/sub when ``COURTYARD_REDIS_URL`` is set."""
        if self.redis_url is None:
            return LocalNotifier()
        from app.server.notifier_redis import RedisNotifier  # redis is an optional dependency

        return RedisNotifier(self.redis_url, prefix=self.redis_prefix)
