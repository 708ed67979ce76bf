"""A pure client-side reducer: snapshot + events -> state, comparable with a later snapshot.

It knows every event type of :mod:`app.core.wire` (a test pins that), and nothing about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core import wire

HANDLED = {
    "message.created",
    "message.updated",
    "conversation.created",
    "conversation.updated",
    "conversation.left",
    "topic.created",
    "topic.updated",
    "receipt.read",
    "message.urged",
    "user.updated",
    "policy.updated",
    "status.updated",
    "availability.updated",
}


@dataclass
class State:
    me: dict[str, Any]
    users: dict[int, dict[str, Any]]
    conversations: dict[int, dict[str, Any]]
    topics: dict[int, dict[str, Any]]
    markers: dict[tuple[int, int], dict[str, Any]]
    messages: dict[int, dict[str, Any]]
    policy: dict[str, Any]
    urged: list[dict[str, Any]] = field(default_factory=list)  # notifications, not state
    joined: set[int] = field(default_factory=set)  # conversations learned of mid-stream

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> State:
        return cls(
            me=snap["me"],
            users={u["id"]: u for u in snap["users"]},
            conversations={c["id"]: c for c in snap["conversations"]},
            topics={t["id"]: t for t in snap["topics"]},
            markers={(m["conversation_id"], m["user_id"]): m for m in snap["read_markers"]},
            messages={m["id"]: m for m in snap["messages"]},
            policy=snap["policy"],
        )

    def comparable(self) -> dict[str, Any]:
        return {
            "me": self.me,
            "users": self.users,
            "conversations": self.conversations,
            "topics": self.topics,
            "markers": self.markers,
            "messages": self.messages,
            "policy": self.policy,
        }

    def _drop(self, cid: int) -> None:
        self.conversations.pop(cid, None)
        self.joined.discard(cid)
        self.topics = {k: t for k, t in self.topics.items() if t["conversation_id"] != cid}
        self.messages = {k: m for k, m in self.messages.items() if m["conversation_id"] != cid}
        self.markers = {k: m for k, m in self.markers.items() if k[0] != cid}

    def _user_fields(self, user_id: int, **fields: Any) -> None:
        if user_id in self.users:
            self.users[user_id] = {**self.users[user_id], **fields}
        if user_id == self.me["id"]:
            self.me = {**self.me, **fields}

    def apply(self, event: dict[str, Any]) -> None:
        wire.EventBatch.model_validate({"events": [event], "cursor": "x", "more": False})
        kind = event["type"]
        if kind in ("message.created", "message.updated"):
            self.messages[event["message"]["id"]] = event["message"]
        elif kind in ("conversation.created", "conversation.updated"):
            conv = event["conversation"]
            if conv["id"] not in self.conversations and kind == "conversation.updated":
                self.joined.add(conv["id"])
            self.conversations[conv["id"]] = conv
        elif kind == "conversation.left":
            if event["user_id"] == self.me["id"]:
                self._drop(event["conversation_id"])
        elif kind in ("topic.created", "topic.updated"):
            self.topics[event["topic"]["id"]] = event["topic"]
        elif kind == "receipt.read":
            marker = event["marker"]
            self.markers[(marker["conversation_id"], marker["user_id"])] = marker
        elif kind == "message.urged":
            self.urged.append(event)
        elif kind == "user.updated":
            self.users[event["user"]["id"]] = event["user"]
            if event["user"]["id"] == self.me["id"]:
                self.me = event["user"]
        elif kind == "policy.updated":
            self.policy = event["policy"]
        elif kind == "status.updated":
            self._user_fields(event["user_id"], status=event["status"])
        elif kind == "availability.updated":
            self._user_fields(
                event["user_id"],
                schedule=event["schedule"],
                dnd_until=event["dnd_until"],
                availability=event["availability"],
            )
        else:
            raise AssertionError(f"the reducer does not know {kind!r}")
