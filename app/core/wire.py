"""The typed wire format shared by the reference server and the desktop client.

Every request body, response and event is a pydantic model here; the server validates with them and
the client parses with them, so both sides agree by construction. Names in this module are part of
the public protocol (docs/protocol.md): rename nothing without a protocol version bump.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints

# The largest id a client may send: 2**53 - 1 is exact in a double, so JSON tools that compare
# numbers as floats (JavaScript, JSON Schema validators) agree with the server on the bound.
MAX_ID = 2**53 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Input flags are JSON booleans only: 0/1 or "yes" are schema violations, not true/false.
Flag = Annotated[bool, Strict()]

# Patterns spell out their classes: ``\w`` and ``\s`` mean different things in pydantic's
# (Unicode) and JSON Schema's (ECMA-262) regex dialects, and both sides must agree.
_BLANKS = (
    "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NON_BLANK = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"


def strip_blanks(value: str) -> str:
    """Strip exactly the characters :data:`NON_BLANK` calls blank."""
    return value.strip(_BLANKS)


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=NON_BLANK),
    AfterValidator(strip_blanks),
]
Username = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
]
ClientMsgId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
]
Body = Annotated[str, StringConstraints(min_length=1, pattern=NON_BLANK)]
ConversationKind = Literal["channel", "group", "dm"]


class Model(BaseModel):
    """Base of every wire model: unknown fields are errors on input, timestamps are UTC."""

    model_config = ConfigDict(extra="forbid", frozen=False)


# --- auth and people ------------------------------------------------------------------------


class LoginRequest(Model):
    username: Username
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "desktop"


class User(Model):
    id: int
    username: str
    display_name: str
    employee_id: str = ""
    title: str = ""
    department: str = ""
    manager_id: int | None = None
    time_zone: str = "UTC"
    active: bool = True
    admin: bool = False


class LoginResponse(Model):
    token: str
    device_id: int
    user: User


# --- conversations and topics ---------------------------------------------------------------


class ConversationCreate(Model):
    """A channel needs a name; a group's is optional; a dm has none."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"kind": {"const": "channel"}}},
            "then": {
                "required": ["name"],
                "properties": {"name": {"type": "string", "pattern": NON_BLANK}},
            },
        }
    )

    kind: ConversationKind
    name: Annotated[str, StringConstraints(max_length=200), AfterValidator(strip_blanks)] | None = (
        None
    )
    private: Flag = False
    members: Annotated[list[Id], Field(max_length=10_000)] = []


class Conversation(Model):
    id: int
    kind: ConversationKind
    name: str
    private: bool
    created_by: int
    created_at: dt.datetime
    member_ids: list[int]


class MembersChange(Model):
    user_ids: Annotated[list[Id], Field(min_length=1, max_length=10_000)]


class TopicLink(Model):
    url: Annotated[
        str, StringConstraints(min_length=1, max_length=2048, pattern=r"^https?://[!-~]+$")
    ]
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class TopicCreate(Model):
    title: Name
    link: TopicLink | None = None


class TopicPatch(Model):
    """Rename, close, reopen or (un)link a topic; omitted fields stay as they are."""

    title: Name | None = None
    closed: Flag | None = None
    link: TopicLink | None = None
    clear_link: Flag = False


class Topic(Model):
    id: int
    conversation_id: int
    title: str
    link: TopicLink | None = None
    closed: bool
    closed_by: int | None = None
    closed_at: dt.datetime | None = None
    created_by: int
    created_at: dt.datetime


# --- messages -------------------------------------------------------------------------------


class MessageCreate(Model):
    client_msg_id: ClientMsgId
    body: Body
    topic_id: Id | None = None
    reply_to: Id | None = None
    urgent: Flag = False


class MessageEdit(Model):
    body: Body


class Reaction(Model):
    emoji: str
    user_ids: list[int]


class ReactionRequest(Model):
    emoji: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Message(Model):
    id: int
    conversation_id: int
    sender_id: int
    body: str
    created_at: dt.datetime
    client_msg_id: str
    topic_id: int | None = None
    reply_to: int | None = None
    urgent: bool = False
    mentions: list[int] = []
    mentions_all: bool = False
    edited_at: dt.datetime | None = None
    deleted: bool = False
    reactions: list[Reaction] = []
    pinned: bool = False


class MessagePage(Model):
    messages: list[Message]
    has_more: bool


# --- read state, receipts and urge ----------------------------------------------------------


class ReadRequest(Model):
    up_to: Id


class ReadMarker(Model):
    conversation_id: int
    user_id: int
    up_to: int
    read_at: dt.datetime


class ReceiptEntry(Model):
    user_id: int
    read_at: dt.datetime


class UrgeRecord(Model):
    by: int
    user_ids: list[int]
    at: dt.datetime


class Receipts(Model):
    message_id: int
    read: list[ReceiptEntry]
    unread: list[int]
    urges: list[UrgeRecord]


class UrgeResult(Model):
    message_id: int
    urged: list[int]


# --- organisation policy --------------------------------------------------------------------


class OrgPolicy(Model):
    """Set by the organisation's admins; delivered in the snapshot and as ``policy.updated``."""

    edit_window_seconds: int = 24 * 3600
    max_body_bytes: int = 16 * 1024
    retention_days: int | None = None
    watermark_enabled: bool = False
    watermark_template: str = "{display_name} · {employee_id} · {date}"
    watermark_opacity: float = 0.08
    watermark_angle: float = -30.0
    watermark_density: float = 1.0
    capture_protection: bool = False


# --- events ---------------------------------------------------------------------------------


class EventBase(Model):
    seq: int
    at: dt.datetime


class MessageCreated(EventBase):
    type: Literal["message.created"] = "message.created"
    message: Message


class MessageUpdated(EventBase):
    """An edit, a deletion, a reaction or a pin: the message's whole new state."""

    type: Literal["message.updated"] = "message.updated"
    change: Literal["edited", "deleted", "reaction", "pin"]
    message: Message


class ConversationCreated(EventBase):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: Conversation


class ConversationUpdated(EventBase):
    """Name, privacy or membership changed; ``conversation`` is its whole new state."""

    type: Literal["conversation.updated"] = "conversation.updated"
    conversation: Conversation


class ConversationLeft(EventBase):
    """Sent to a user removed from a conversation: drop it (or keep it read-only) locally."""

    type: Literal["conversation.left"] = "conversation.left"
    conversation_id: int
    user_id: int


class TopicChanged(EventBase):
    type: Literal["topic.created", "topic.updated"]
    topic: Topic


class ReadMarkerMoved(EventBase):
    type: Literal["receipt.read"] = "receipt.read"
    marker: ReadMarker


class MessageUrged(EventBase):
    """To one member who has not read ``message_id``: an urgent notification."""

    type: Literal["message.urged"] = "message.urged"
    conversation_id: int
    message_id: int
    by: int
    user_id: int


class UserUpdated(EventBase):
    type: Literal["user.updated"] = "user.updated"
    user: User


class PolicyUpdated(EventBase):
    type: Literal["policy.updated"] = "policy.updated"
    policy: OrgPolicy


Event = Annotated[
    MessageCreated
    | MessageUpdated
    | ConversationCreated
    | ConversationUpdated
    | ConversationLeft
    | TopicChanged
    | ReadMarkerMoved
    | MessageUrged
    | UserUpdated
    | PolicyUpdated,
    Field(discriminator="type"),
]


class EventBatch(Model):
    """One long-poll answer: events after the caller's cursor, the new cursor, and whether more wait."""

    events: list[Event]
    cursor: str
    more: bool


class Snapshot(Model):
    """The caller's whole current state, valid at ``cursor`` (long-poll from there)."""

    cursor: str
    me: User
    users: list[User]
    conversations: list[Conversation]
    topics: list[Topic]
    read_markers: list[ReadMarker]
    messages: list[Message]
    has_more: dict[int, bool]
    policy: OrgPolicy


class Problem(Model):
    """RFC 9457 problem details, as every error is answered."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
