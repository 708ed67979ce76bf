"""How the own status is described to its owner, and what goes over the wire."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.features.status import DEFAULT_RULES, ForegroundWindow, PublishedStatus
from app.features.status.rules import deciding_rule
from app.features.status.wording import NOTHING, PAUSED, source_label, to_wire, until_phrase

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 in Berlin


def test_until_phrases_in_the_owners_zone() -> None:
    assert until_phrase(None, BERLIN, NOW) == "until you clear it"
    assert until_phrase(NOW.replace(hour=16), BERLIN, NOW) == "until 17:00"
    assert until_phrase(dt.datetime(2026, 1, 5, 23, 0, tzinfo=dt.UTC), BERLIN, NOW) == (
        "until midnight"
    )
    assert until_phrase(NOW + dt.timedelta(days=1), BERLIN, NOW) == "until tomorrow 10:00"
    assert until_phrase(NOW + dt.timedelta(days=3), BERLIN, NOW) == "until Thu 10:00"


def test_source_labels() -> None:
    def label(status: PublishedStatus | None, **kw: object) -> str:
        return source_label(status, paused=bool(kw.get("paused")), zone=BERLIN, now=NOW,
                            app_label=str(kw.get("app", "")))  # fmt: skip

    assert label(None) == NOTHING
    assert label(PublishedStatus("x", "", "topic"), paused=True) == PAUSED
    assert label(PublishedStatus("Lunch", "🍽", "manual", NOW.replace(hour=12))) == (
        "set by you · until 13:00"
    )
    assert label(PublishedStatus("Editing: a.xlsx", "📊", "app"), app="LibreOffice Calc") == (
        "auto · from LibreOffice Calc"
    )
    assert label(PublishedStatus("In topic: t · #c", "💬", "topic")) == (
        "auto · from the topic open in Courtyard"
    )


def test_to_wire_carries_only_the_published_text() -> None:
    assert to_wire(None) is None
    body = to_wire(PublishedStatus("In a meeting until 15:00", "📅", "meeting", NOW))
    assert body is not None
    assert (body.text, body.emoji, body.source, body.expires_at) == (
        "In a meeting until 15:00",
        "📅",
        "meeting",
        NOW,
    )


def test_the_deciding_rule_names_the_app_or_nothing() -> None:
    calc = ForegroundWindow("libreoffice", "Q3 plan.xlsx - LibreOffice Calc", "libreoffice-calc")
    rule = deciding_rule(DEFAULT_RULES, calc)
    assert rule is not None and rule.name == "LibreOffice Calc"
    assert deciding_rule(DEFAULT_RULES, ForegroundWindow("someapp", "Secret", "someapp")) is None
    assert deciding_rule(DEFAULT_RULES, None) is None
