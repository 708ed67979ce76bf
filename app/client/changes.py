"""What one apply changed, so each screen refreshes only what it shows (Anki's OpChanges idea)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.core.observer import Signal


@dataclass(frozen=True, slots=True)
class Urge:
    """Someone urged me to read ``message_id``: the GUI shows an urgent notification."""

    conversation_id: int
    message_id: int
    by: int
    at: dt.datetime | None = None
    """When it was urged (the message itself may be old)."""


@dataclass(frozen=True, slots=True)
class Changes:
    """Ids touched by one committed apply. Empty when nothing changed (e.g. a replayed batch)."""

    conversations: frozenset[int] = frozenset()
    """Conversations whose row in the list changed: metadata, members, last message, unread."""
    topics: frozenset[int] = frozenset()
    messages_created: tuple[int, ...] = ()
    """New message ids, in the order applied (for notifications)."""
    messages_updated: frozenset[int] = frozenset()
    """Edited, deleted, reacted or pinned message ids."""
    receipts: frozenset[int] = frozenset()
    """Conversations where someone's read marker moved (receipt counts and unread may change)."""
    users: frozenset[int] = frozenset()
    policy: bool = False
    outbox: frozenset[str] = frozenset()
    """client_msg_ids of outbox rows added, confirmed (removed) or failed."""
    urges: tuple[Urge, ...] = ()
    snapshot: bool = False
    """A whole snapshot was applied: views should reload everything they show."""
    cursor: str | None = None
    joined: frozenset[int] = frozenset()
    """Conversations I became a member of through an event (added, joined, re-added): what was
    said before is fetched on demand (a history gap), their topics by the sync service."""

    def __bool__(self) -> bool:
        return bool(
            self.conversations
            or self.topics
            or self.messages_created
            or self.messages_updated
            or self.receipts
            or self.users
            or self.policy
            or self.outbox
            or self.urges
            or self.snapshot
            or self.joined
        )


@dataclass(slots=True)
class ChangeSet:
    """The mutable collector an apply fills while its transaction runs; frozen on commit."""

    conversations: set[int] = field(default_factory=set)
    topics: set[int] = field(default_factory=set)
    messages_created: list[int] = field(default_factory=list)
    messages_updated: set[int] = field(default_factory=set)
    receipts: set[int] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    policy: bool = False
    outbox: set[str] = field(default_factory=set)
    urges: list[Urge] = field(default_factory=list)
    snapshot: bool = False
    cursor: str | None = None
    joined: set[int] = field(default_factory=set)
    new_message_rows: list[tuple[Any, ...]] = field(default_factory=list)
    """Rows of messages new to the store, queued by apply.queue_new_message and written together
    by apply.flush_new_messages before anything else touches messages (not part of Changes)."""
    new_message_ids: set[int] = field(default_factory=set)

    def freeze(self) -> Changes:
        created = tuple(dict.fromkeys(self.messages_created))
        return Changes(
            conversations=frozenset(self.conversations),
            topics=frozenset(self.topics),
            messages_created=created,
            messages_updated=frozenset(self.messages_updated - set(created)),
            receipts=frozenset(self.receipts),
            users=frozenset(self.users),
            policy=self.policy,
            outbox=frozenset(self.outbox),
            urges=tuple(self.urges),
            snapshot=self.snapshot,
            cursor=self.cursor,
            joined=frozenset(self.joined),
        )


def store_did_change_signal() -> Signal[[Changes]]:
    """A fresh ``store_did_change`` signal; emitted on the asyncio loop after each commit."""
    return Signal("store_did_change")
