"""Plain, immutable rows the store hands to its callers (the GUI's list models, the sync loop)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from app.core.wire import Reaction

MessageState = Literal["sent", "pending", "failed"]
OutboxKind = Literal["send", "edit", "delete", "react", "read"]
OutboxState = Literal["pending", "failed"]


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One line of the conversation list."""

    id: int
    kind: str
    name: str
    private: bool
    member_ids: tuple[int, ...]
    left: bool
    unread: int
    """Messages from others, not deleted, with id above my read marker."""
    mentioned: bool
    """At least one of the unread messages mentions me (or @all)."""
    last_message_id: int | None
    last_activity: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as the GUI shows it: server-confirmed (``id`` set) or a local outbox send."""

    id: int | None
    conversation_id: int
    sender_id: int
    body: str
    created_at: dt.datetime
    client_msg_id: str
    topic_id: int | None = None
    reply_to: int | None = None
    urgent: bool = False
    mentions: tuple[int, ...] = ()
    mentions_all: bool = False
    mentions_me: bool = False
    edited_at: dt.datetime | None = None
    deleted: bool = False
    reactions: tuple[Reaction, ...] = ()
    pinned: bool = False
    state: MessageState = "sent"
    error: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One queued mutation; ``seq`` is the creation order the sender must keep."""

    seq: int
    client_msg_id: str
    kind: OutboxKind
    conversation_id: int
    payload: dict[str, Any] = field(hash=False)
    state: OutboxState
    error: str | None
    attempts: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Gap:
    """Messages of a conversation with ``after_id < id < before_id`` may exist on the server but
    not locally. ``after_id == 0`` means "older history not fetched yet" (the server said has_more).
    """

    conversation_id: int
    after_id: int
    before_id: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    message_id: int
    conversation_id: int
    topic_id: int | None
    sender_id: int
    created_at: dt.datetime
    snippet: str
    highlight: tuple[int, int] | None
    """Start and end offsets of the first match inside ``snippet``, for bolding."""
