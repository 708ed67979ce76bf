"""Workday status: activity sources, sharing rules, manual status, calendar and the calm engine."""

from app.features.status.calendar import (
    CalendarSource,
    InMemoryCalendar,
    Meeting,
    current_meeting,
    parse_ics,
)
from app.features.status.engine import (
    PublishedStatus,
    SourceKind,
    StatusEngine,
    StatusSettings,
    describe_in_app,
)
from app.features.status.manual import ManualStatus, end_of_today, end_of_week, until_time
from app.features.status.rules import (
    BUSY,
    DEFAULT_RULES,
    Rule,
    RuleOutput,
    Unmatched,
    evaluate,
    preview,
)
from app.features.status.sources import (
    ActivitySource,
    CourtyardActivity,
    DocumentActivity,
    ForegroundSource,
    ForegroundWindow,
    IdleSource,
    InAppActivity,
    InMemoryForeground,
    InMemoryIdle,
    TopicActivity,
)

__all__ = [
    "BUSY",
    "DEFAULT_RULES",
    "ActivitySource",
    "CalendarSource",
    "CourtyardActivity",
    "DocumentActivity",
    "ForegroundSource",
    "ForegroundWindow",
    "IdleSource",
    "InAppActivity",
    "InMemoryCalendar",
    "InMemoryForeground",
    "InMemoryIdle",
    "ManualStatus",
    "Meeting",
    "PublishedStatus",
    "Rule",
    "RuleOutput",
    "SourceKind",
    "StatusEngine",
    "StatusSettings",
    "TopicActivity",
    "Unmatched",
    "current_meeting",
    "describe_in_app",
    "end_of_today",
    "end_of_week",
    "evaluate",
    "parse_ics",
    "preview",
    "until_time",
]
