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
from app.features.offhours.catchup import OffPeriod, due_period, last_off_period
from app.features.offhours.notify import (
    BreakthroughPolicy,
    BreakthroughRule,
    DigestThread,
    MissedMessage,
    OffSummary,
    may_break_through,
    notification_decision,
    summarise,
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
    "OffPeriod",
    "OffSummary",
    "Reason",
    "WorkSchedule",
    "availability",
    "default_schedule",
    "describe_availability",
    "dnd_for",
    "dnd_until",
    "dnd_until_next_workday",
    "due_period",
    "group_hint",
    "last_off_period",
    "may_break_through",
    "notification_decision",
    "own_state",
    "send_hint",
    "summarise",
    "when_phrase",
]
