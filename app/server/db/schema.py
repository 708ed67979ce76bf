"""Table definitions (SQLAlchemy Core), portable between SQLite and PostgreSQL.

Timestamps are stored as timezone-aware UTC; ids are integers so history pages by id.
The Alembic migrations in app/server/migrations create exactly these tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on both databases (SQLite would hand back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# BigInteger on PostgreSQL, but INTEGER PRIMARY KEY (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("employee_id", String(64), nullable=False, default=""),
    Column("title", String(200), nullable=False, default=""),
    Column("department", String(200), nullable=False, default=""),
    Column("manager_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("time_zone", String(64), nullable=False, default="UTC"),
    Column("active", Boolean, nullable=False, default=True),
    Column("admin", Boolean, nullable=False, default=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("private", Boolean, nullable=False),
    # "lo:hi" user ids of a direct message, so there is exactly one dm per pair.
    Column("dm_key", String(64), nullable=True, unique=True),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("conversation_id", BigId, ForeignKey("conversations.id"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    # The first event seq this member may see: no event from before joining reaches them.
    Column("joined_seq", BigInteger, nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    Index("ix_members_user", "user_id", "conversation_id"),
)

topics = Table(
    "topics",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("conversation_id", BigId, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("link_url", String(2048), nullable=True),
    Column("link_label", String(200), nullable=True),
    Column("closed", Boolean, nullable=False, default=False),
    Column("closed_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("conversation_id", BigId, ForeignKey("conversations.id"), nullable=False),
    Column("sender_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("client_msg_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("topic_id", BigId, ForeignKey("topics.id"), nullable=True),
    Column("reply_to", BigId, ForeignKey("messages.id"), nullable=True),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("mentions", JSON, nullable=False),
    Column("mentions_all", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("edited_at", UtcDateTime(), nullable=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("pinned", Boolean, nullable=False, default=False),
    UniqueConstraint("sender_id", "client_msg_id", name="uq_messages_sender_client_msg_id"),
    Index("ix_messages_conversation", "conversation_id", "id"),
    sqlite_autoincrement=True,  # ids are never reused, even after deletions
)

reactions = Table(
    "reactions",
    metadata,
    Column("message_id", BigId, ForeignKey("messages.id"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    Column("emoji", String(32), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Current read position of each member; `read_marks` keeps every advance so that a receipt
# can say *when* a person read a given message.
read_state = Table(
    "read_state",
    metadata,
    Column("conversation_id", BigId, ForeignKey("conversations.id"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    Column("up_to", BigInteger, nullable=False),
    Column("read_at", UtcDateTime(), nullable=False),
)

read_marks = Table(
    "read_marks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("conversation_id", BigId, ForeignKey("conversations.id"), nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("up_to", BigInteger, nullable=False),
    Column("read_at", UtcDateTime(), nullable=False),
    Index("ix_read_marks_lookup", "conversation_id", "up_to", "user_id"),
)

urges = Table(
    "urges",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", BigId, ForeignKey("messages.id"), nullable=False, index=True),
    Column("by_user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("user_ids", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

# The event log: the truth the long-poll reads. Exactly one audience column is set.
events = Table(
    "events",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("aud_conversation_id", BigId, nullable=True),
    Column("aud_user_id", BigId, nullable=True),
    Column("aud_org", Boolean, nullable=False, default=False),
    # The message an event carries, so deleting it can scrub its body from history.
    Column("message_id", BigId, nullable=True),
    Column("payload", JSON, nullable=False),
    Index("ix_events_conversation", "aud_conversation_id", "seq"),
    Index("ix_events_user", "aud_user_id", "seq"),
    Index("ix_events_message", "message_id"),
    sqlite_autoincrement=True,  # a pruned seq is never handed out again
)


# --- presence, off-hours and audit (revision 0002) ---------------------------------------------

# One row per person who ever published a status; empty text = no status. The token bucket
# (tokens, refilled since rl_at) limits publishes per user across server instances.
user_status = Table(
    "user_status",
    metadata,
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    Column("text", String(200), nullable=False),
    Column("emoji", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("rl_tokens", Float, nullable=False),
    Column("rl_at", UtcDateTime(), nullable=False),
)

# A person's own working hours (WorkSchedule.to_dict; NULL: the organisation default) and DND.
user_offhours = Table(
    "user_offhours",
    metadata,
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    Column("schedule", JSON, nullable=True),
    Column("dnd_until", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Private to the user: {"rule", "people", "updated_at"} (wire.MyBreakthrough); never in
    # user payloads or events.
    Column("breakthrough", JSON, nullable=True),
)

# Every urgent notification (an urgent send or an urge) that reached someone who was off.
breakthroughs = Table(
    "breakthroughs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sender_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("recipient_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("message_id", BigId, ForeignKey("messages.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_breakthroughs_sender_at", "sender_id", "at"),
)

# What each device last reported about its watermark and capture protection.
device_protection = Table(
    "device_protection",
    metadata,
    Column("device_id", BigId, ForeignKey("devices.id"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("watermark_shown", Boolean, nullable=False),
    Column("capture_protection", String(16), nullable=False),
    Column("platform", String(64), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
)

# Policy changes and protection reports: who, when, old → new. Append-only.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor_user_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("device_id", BigId, nullable=True),
    Column("details", JSON, nullable=False),
    sqlite_autoincrement=True,  # an audit id is never reused
)
