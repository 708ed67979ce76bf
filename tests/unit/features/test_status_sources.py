"""In-app activity and the manual-status expiry helpers (the calendar: test_status_calendar.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.core.clock import FakeClock
from app.features.status import (
    CourtyardActivity,
    DocumentActivity,
    InMemoryForeground,
    ManualStatus,
    TopicActivity,
    end_of_today,
    end_of_week,
    until_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
TOPIC = TopicActivity("Q3 budget review", "finance")
DOC = DocumentActivity("Supplier contract v4.docx")


def test_the_open_topic_counts_while_courtyard_is_active() -> None:
    source = CourtyardActivity(clock=FakeClock())
    assert source.current() is None
    source.topic_opened(TOPIC)
    assert source.current() == TOPIC
    source.window_active_changed(False)
    assert source.current() is None
    source.window_active_changed(True)
    assert source.current() == TOPIC
    source.topic_closed()
    assert source.current() is None


def test_the_more_recent_of_topic_and_document_wins_and_documents_time_out() -> None:
    clock = FakeClock()
    source = CourtyardActivity(clock=clock, document_ttl=600)
    source.topic_opened(TOPIC)
    clock.advance(5)
    source.document_opened(DOC)
    assert source.current() == DOC
    source.window_active_changed(False)  # reading it in Word
    clock.advance(300)
    assert source.current() == DOC
    source.window_active_changed(True)  # back in Courtyard: the topic is fresher
    assert source.current() == TOPIC
    source.window_active_changed(False)
    clock.advance(300)
    assert source.current() is None


def test_an_unsupported_foreground_source_says_why_and_reports_nothing() -> None:
    source = InMemoryForeground(unsupported_reason="Wayland does not let apps see other windows")
    assert source.unsupported_reason and source.current() is None


# --- manual status expiry -------------------------------------------------------------------


def test_until_a_time_is_today_or_tomorrow() -> None:
    morning = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)  # 09:00 Berlin
    assert until_time(morning, BERLIN, dt.time(17)) == dt.datetime(2026, 1, 5, 17, tzinfo=BERLIN)
    evening = dt.datetime(2026, 1, 5, 18, 0, tzinfo=dt.UTC)  # 19:00 Berlin
    assert until_time(evening, BERLIN, dt.time(17)) == dt.datetime(2026, 1, 6, 17, tzinfo=BERLIN)


def test_today_and_this_week_end_at_local_midnight() -> None:
    wednesday = dt.datetime(2026, 3, 25, 23, 30, tzinfo=dt.UTC)  # Thursday 00:30 in Berlin
    assert end_of_today(wednesday, BERLIN) == dt.datetime(2026, 3, 27, 0, 0, tzinfo=BERLIN)
    # The week ends after the DST switch (Sunday 29 March): Monday 00:00 CEST.
    assert end_of_week(wednesday, BERLIN) == dt.datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)
    assert end_of_week(wednesday, BERLIN).utcoffset() is not None


def test_manual_status_expiry() -> None:
    until = dt.datetime(2026, 1, 5, 17, tzinfo=BERLIN)
    status = ManualStatus("Lunch", "🍜", until)
    assert not status.expired(until - dt.timedelta(seconds=1))
    assert status.expired(until)
    assert not ManualStatus("Forever").expired(until)
