"""Alembic environment: runs migrations on the connection handed in by app.server.db.migrate."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import text

from app.server.db.schema import UtcDateTime, metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render the UTC decorator as its storage type, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


MIGRATION_LOCK_KEY = 0x6379_4D49_4752_4154  # "cyMIGRAT"

connection = context.config.attributes.get("connection")
if connection is None:  # only `alembic revision --autogenerate` during development gets here
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite://"
    connection = create_engine(url).connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=_render_item,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several instances may start at once against one database: one migrates, the others
        # wait here and then find nothing to do. Released when the migration commits.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.run_migrations()
