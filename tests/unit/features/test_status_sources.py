"""In-app activity, the manual-status expiry helpers and the minimal ICS reader."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.core.clock import FakeClock
from app.features.status import (
    CourtyardActivity,
    DocumentActivity,
    InMemoryForeground,
    ManualStatus,
    Meeting,
    TopicActivity,
    current_meeting,
    end_of_today,
    end_of_week,
    parse_ics,
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


# --- calendar ---------------------------------------------------------------------------------

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:1\r
DTSTART;TZID=Europe/Berlin:20260105T140000\r
DTEND;TZID=Europe/Berlin:20260105T150000\r
SUMMARY:Budget review\\, Q3\r
BEGIN:VALARM\r
TRIGGER:-PT15M\r
SUMMARY:alarm text is not the title\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:2\r
DTSTART:20260105T080000Z\r
DURATION:PT30M\r
SUMMARY:Stand-up with a very long title that is folded over\r
  two lines\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:3\r
DTSTART;VALUE=DATE:20260105\r
DTEND;VALUE=DATE:20260106\r
SUMMARY:Company offsite (all day)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:4\r
DTSTART:20260105T100000\r
DTEND:20260105T110000\r
STATUS:CANCELLED\r
SUMMARY:Cancelled\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:5\r
DTSTART;TZID="W. Europe Standard Time":20260105T160000\r
DTEND;TZID="W. Europe Standard Time":20260105T163000\r
SUMMARY:Windows zone\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:6\r
DTSTART:garbage\r
SUMMARY:Broken\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_ics_reads_timed_busy_events_only() -> None:
    meetings = parse_ics(ICS, default_zone=BERLIN)
    assert meetings == [
        Meeting(
            dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC),
            "Stand-up with a very long title that is folded over two lines",
        ),
        Meeting(
            dt.datetime(2026, 1, 5, 14, tzinfo=BERLIN),
            dt.datetime(2026, 1, 5, 15, tzinfo=BERLIN),
            "Budget review, Q3",
        ),
        Meeting(  # an unknown TZID is read in the default zone
            dt.datetime(2026, 1, 5, 16, tzinfo=BERLIN),
            dt.datetime(2026, 1, 5, 16, 30, tzinfo=BERLIN),
            "Windows zone",
        ),
    ]


def test_ics_garbage_does_not_raise() -> None:
    assert parse_ics("not a calendar\nBEGIN:VEVENT\nDTSTART", default_zone=BERLIN) == []
    assert parse_ics("", default_zone=BERLIN) == []


def test_the_current_meeting_is_the_one_ending_last() -> None:
    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    short = Meeting(start, start + dt.timedelta(minutes=30), "short")
    long = Meeting(start, start + dt.timedelta(hours=2), "long")
    assert current_meeting([short, long], start + dt.timedelta(minutes=10)) == long
    assert current_meeting([short], start + dt.timedelta(minutes=30)) is None
