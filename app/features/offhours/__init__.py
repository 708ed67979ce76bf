"""Off-hours: working hours, manual DND, availability, and what happens to notifications while off."""

from app.core.offhours.availability import (
    HORIZON_DAYS,
    Availability,
    Dnd,
    Reason,
    availability,
    dnd_for,
    dnd_until,
    dnd_until_next_workday,
)
from app.core.offhours.schedule import Interval, WorkSchedule, default_schedule
from app.features.offhours.notify import (
    BreakthroughPolicy,
    BreakthroughRule,
    DigestThread,
    MissedMessage,
    OffSummary,
    WhileOffCollector,
    may_break_through,
    notification_decision,
)
from app.features.offhours.phrasing import (
    describe_availability,
    group_hint,
    own_state,
    send_hint,
    when_phrase,
)

__all__ = [
    "HORIZON_DAYS",
    "Availability",
    "BreakthroughPolicy",
    "BreakthroughRule",
    "DigestThread",
    "Dnd",
    "Interval",
    "MissedMessage",
    "OffSummary",
    "Reason",
    "WhileOffCollector",
    "WorkSchedule",
    "availability",
    "default_schedule",
    "describe_availability",
    "dnd_for",
    "dnd_until",
    "dnd_until_next_workday",
    "group_hint",
    "may_break_through",
    "notification_decision",
    "own_state",
    "send_hint",
    "when_phrase",
]
