"""The typed wire format shared by the reference server and the desktop client.

Every request body, response and event is a pydantic model here; the server validates with them and
the client parses with them, so both sides agree by construction. Names in this module are part of
the public protocol (docs/protocol.md): rename nothing without a protocol version bump.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from app.core.offhours.schedule import WorkSchedule

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
    # Presence (issues 5 and 6), as of the moment the payload was made:
    status: UserStatus | None = None
    availability: UserAvailability | None = None
    # The person's own working hours; None means the organisation's ``default_schedule`` in
    # ``time_zone`` (app.core.offhours.schedule.effective_schedule), or none at all.
    schedule: Schedule | None = None
    dnd_until: dt.datetime | None = None


class LoginResponse(Model):
    token: str
    device_id: int
    user: User


# --- workday status and off-hours -----------------------------------------------------------

StatusSource = Literal["manual", "meeting", "topic", "document", "app", "idle", "presence"]
STATUS_TEXT_MAX = 200


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float):  # pydantic would read a number as Unix time
        raise ValueError("an instant is an RFC 3339 date-time string with its offset")
    return value


# Instants a client sends: an RFC 3339 string with its offset, as the schema says.
Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


class StatusSet(Model):
    """``PUT /api/v1/me/status``: what others see; an empty (or blank) ``text`` clears it.

    Only a sharing rule's output is ever sent here, never a raw window title. An ``expires_at``
    already past stores a status nobody sees.
    """

    text: Annotated[
        str, StringConstraints(max_length=STATUS_TEXT_MAX), AfterValidator(strip_blanks)
    ]
    emoji: Annotated[str, StringConstraints(max_length=32)] = ""
    source: StatusSource
    expires_at: Instant | None = None


class UserStatus(Model):
    text: str
    emoji: str = ""
    source: StatusSource
    expires_at: dt.datetime | None = None
    updated_at: dt.datetime


AvailabilityReason = Literal["working", "off_hours", "weekend", "holiday", "dnd"]


class UserAvailability(Model):
    """``off`` and why at the payload's time; ``until`` is when that flips (None: not in sight).

    Time moves on without events: clients recompute it from ``schedule`` and ``dnd_until`` with
    app.core.offhours.availability.availability, the same function the server runs.
    """

    off: bool
    until: dt.datetime | None = None
    reason: AvailabilityReason


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HHMM = "([01][0-9]|2[0-3]):[0-5][0-9]"
IntervalText = Annotated[str, StringConstraints(pattern=f"^{_HHMM}-{_HHMM}$")]


def _zone_names(schema: dict[str, Any]) -> None:
    # Listed in the schema (when it is generated, not at import), so a schema-valid zone is one
    # the server knows: the IANA names of its time zone database.
    schema["enum"] = sorted(available_timezones())


ZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), Field(json_schema_extra=_zone_names)
]


class Schedule(Model):
    """Working hours: per weekday "HH:MM-HH:MM" intervals (an end at or before the start runs
    past midnight), an IANA ``zone`` and holiday dates; WorkSchedule.to_dict's form."""

    zone: ZoneName
    days: dict[Weekday, Annotated[list[IntervalText], Field(max_length=12)]] = {}
    holidays: Annotated[
        list[Annotated[dt.date, BeforeValidator(_not_a_number)]], Field(max_length=1000)
    ] = []

    @model_validator(mode="after")
    def _valid(self) -> Schedule:
        self.to_schedule()  # ValueError (unknown zone, bad interval) → a validation error
        return self

    def to_schedule(self) -> WorkSchedule:
        return WorkSchedule.from_dict(self.model_dump(mode="json"))

    @classmethod
    def of(cls, schedule: WorkSchedule) -> Schedule:
        return cls.model_validate(schedule.to_dict())


class DndSet(Model):
    """``PUT /api/v1/me/dnd``: do not disturb until an instant; null (or a past instant) ends it."""

    until: Instant | None


BreakthroughRule = Literal["anyone", "manager_and_list", "never"]


class Breakthrough(Model):
    """``PUT /api/v1/me/breakthrough``: who may wake me with urgent messages and urges while I am
    off (``people`` besides my manager, under ``manager_and_list``). Private: only my devices
    read it, so every machine I use decides the same."""

    rule: BreakthroughRule = "anyone"
    people: list[Id] = Field(default_factory=list, max_length=1000)


class MyBreakthrough(Breakthrough):
    """``GET``/``PUT /api/v1/me/breakthrough``'s answer; ``updated_at`` None means never set
    (the defaults above apply, and a device may move a rule it kept locally to the server)."""

    updated_at: dt.datetime | None = None


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
    # Working hours of everyone without their own, in each person's time zone (None: nobody is
    # off by schedule), and how many urgent notifications (urgent sends, urges) one sender may
    # push to people who are off per hour.
    default_schedule: Schedule | None = None
    urgent_offhours_per_hour: int = 20


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):  # pydantic would read true/false as 1/0
        raise ValueError("a number is expected, not true or false")
    return value


_NO_BOOL = BeforeValidator(_not_a_bool)


class PolicyChange(Model):
    """``PUT /api/v1/admin/policy``: the fields given replace the current ones, others stay.

    ``null`` clears a setting that may be empty (``retention_days``, ``default_schedule``) and
    leaves any other unchanged.
    """

    edit_window_seconds: Annotated[int, Field(ge=0, le=10 * 365 * 86400), _NO_BOOL] | None = None
    max_body_bytes: Annotated[int, Field(ge=1, le=1024 * 1024), _NO_BOOL] | None = None
    retention_days: Annotated[int, Field(ge=1, le=100 * 366), _NO_BOOL] | None = None
    watermark_enabled: Flag | None = None
    watermark_template: Annotated[str, StringConstraints(max_length=500)] | None = None
    watermark_opacity: Annotated[float, Field(ge=0.0, le=1.0), _NO_BOOL] | None = None
    watermark_angle: Annotated[float, Field(ge=-90.0, le=90.0), _NO_BOOL] | None = None
    watermark_density: Annotated[float, Field(gt=0.0, le=10.0), _NO_BOOL] | None = None
    capture_protection: Flag | None = None
    default_schedule: Schedule | None = None
    urgent_offhours_per_hour: Annotated[int, Field(ge=0, le=10_000), _NO_BOOL] | None = None

    def changes(self) -> dict[str, Any]:
        nullable = {"retention_days", "default_schedule"}
        given = self.model_dump(mode="json", exclude_unset=True)
        return {k: v for k, v in given.items() if v is not None or k in nullable}


# --- audit and device protection (issue 7) --------------------------------------------------

CaptureProtection = Literal["active", "unsupported", "off"]


class DeviceProtectionReport(Model):
    """``POST /api/v1/me/device/protection``: what the calling device really does now."""

    watermark_shown: Flag
    capture_protection: CaptureProtection
    platform: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class DeviceProtection(Model):
    device_id: int
    user_id: int
    watermark_shown: bool
    capture_protection: CaptureProtection
    platform: str
    reported_at: dt.datetime


AuditAction = Literal["policy.updated", "device.protection"]


class AuditEntry(Model):
    """Who did what, when: ``details`` holds ``old`` and ``new`` (policy: only changed keys)."""

    id: int
    at: dt.datetime
    action: AuditAction
    actor_user_id: int | None = None  # None: the server's command line
    device_id: int | None = None
    details: dict[str, Any]


class AuditPage(Model):
    """Newest first; ask for the next page with ``before`` = the last entry's id."""

    entries: list[AuditEntry]
    has_more: bool


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


class StatusUpdated(EventBase):
    """A person's workday status changed or was cleared (``status`` None); to the organisation."""

    type: Literal["status.updated"] = "status.updated"
    user_id: int
    status: UserStatus | None = None


class AvailabilityUpdated(EventBase):
    """A person changed their working hours or DND; ``availability`` is as of ``at``."""

    type: Literal["availability.updated"] = "availability.updated"
    user_id: int
    schedule: Schedule | None = None
    dnd_until: dt.datetime | None = None
    availability: UserAvailability


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
    | PolicyUpdated
    | StatusUpdated
    | AvailabilityUpdated,
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
