"""The status engine with a fake clock: precedence, dwell, expiry, idle, pause, rate limits, privacy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.core.clock import FakeClock
from app.features.status import (
    CourtyardActivity,
    DocumentActivity,
    ForegroundWindow,
    InMemoryCalendar,
    InMemoryForeground,
    InMemoryIdle,
    ManualStatus,
    Meeting,
    PublishedStatus,
    StatusEngine,
    StatusSettings,
    TopicActivity,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
CALC = ForegroundWindow("soffice.bin", "Q3 plan.xlsx - LibreOffice Calc")
WRITER = ForegroundWindow("soffice.bin", "Letter.odt - LibreOffice Writer")
SECRET = ForegroundWindow("firefox", "Layoff list DRAFT — Mozilla Firefox")
BUDGET = TopicActivity("Q3 budget review", "finance")
IN_BUDGET = PublishedStatus("In topic: Q3 budget review · #finance", "💬", "topic")
EDITING_CALC = PublishedStatus("Editing: Q3 plan.xlsx", "📊", "app")


class Rig:
    """An engine with every source in memory, recording everything it publishes."""

    def __init__(self, settings: StatusSettings | None = None) -> None:
        self.clock = FakeClock(START)
        self.fg = InMemoryForeground()
        self.idle = InMemoryIdle(0.0)
        self.calendar = InMemoryCalendar()
        self.app = CourtyardActivity(clock=self.clock)
        self.engine = StatusEngine(
            clock=self.clock,
            zone=BERLIN,
            in_app=self.app,
            foreground=self.fg,
            idle=self.idle,
            calendar=self.calendar,
            settings=settings or StatusSettings(share_foreground=True),
        )
        self.seen: list[PublishedStatus | None] = []
        self.times: list[float] = []
        self.engine.status_did_change.connect(self.seen.append)
        self.engine.status_did_change.connect(lambda _s: self.times.append(self.clock.monotonic()))

    def run(self, seconds: int) -> PublishedStatus | None:
        """Tick now (a source just changed) and then once a second, as the GUI timer does."""
        self.engine.tick()
        for _ in range(seconds):
            self.clock.advance(1.0)
            if self.idle.seconds:  # once the user has stopped, idle time keeps growing
                self.idle.seconds += 1.0
            self.engine.tick()
        return self.engine.published


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_a_new_status_waits_for_the_dwell_time(rig: Rig) -> None:
    rig.fg.window = CALC
    assert rig.run(19) is None and rig.seen == []
    assert rig.run(1) == EDITING_CALC
    assert rig.seen == [EDITING_CALC]


def test_flapping_between_two_windows_publishes_nothing(rig: Rig) -> None:
    for _ in range(30):
        rig.fg.window = CALC
        rig.run(10)
        rig.fg.window = WRITER
        rig.run(10)
    assert rig.seen == []


def test_rate_limit_bounds_slow_flapping() -> None:
    rig = Rig(StatusSettings(share_foreground=True, min_interval=30, burst=4, window=600))
    for _ in range(20):  # each window holds for 25 s: longer than the dwell
        rig.fg.window = CALC
        rig.run(25)
        rig.fg.window = WRITER
        rig.run(25)
    # Without limits this would publish 40 times; now never two within 30 s, 4 per 600 s.
    assert 4 <= len(rig.seen) <= 8
    gaps = [b - a for a, b in zip(rig.times, rig.times[1:], strict=False)]
    assert min(gaps) >= 30
    assert all(sum(1 for u in rig.times if t <= u < t + 600) <= 4 for t in rig.times)


def test_the_rate_limit_delays_but_does_not_drop_the_final_state() -> None:
    rig = Rig(StatusSettings(share_foreground=True, min_interval=120))
    rig.fg.window = CALC
    rig.run(20)
    rig.fg.window = WRITER
    assert rig.run(25) == EDITING_CALC  # settled, but too soon after the last publication
    assert rig.run(100) == PublishedStatus("Editing: Letter.odt", "📝", "app")


def test_going_back_to_the_published_window_cancels_the_pending_change(rig: Rig) -> None:
    rig.fg.window = CALC
    rig.run(20)
    rig.fg.window = WRITER
    rig.run(10)
    rig.fg.window = CALC
    rig.run(60)
    assert rig.seen == [EDITING_CALC]


def test_a_window_without_a_rule_never_appears_in_any_output(rig: Rig) -> None:
    busy = Rig(StatusSettings(share_foreground=True, unmatched="busy"))
    for r in (rig, busy):
        r.fg.window = CALC
        r.run(30)
        r.fg.window = SECRET
        r.run(60)
        r.engine.pause()
        r.engine.resume()
        r.run(30)
        outputs = [*r.seen, r.engine.automatic(), r.engine.published]
        assert all("Layoff" not in (s.text if s else "") for s in outputs)
    assert rig.engine.published is None
    assert busy.engine.published == PublishedStatus("Busy", "⏳", "app")


def test_foreground_sharing_is_opt_in() -> None:
    rig = Rig(StatusSettings())
    rig.fg.window = CALC
    assert rig.run(60) is None


def test_an_unsupported_foreground_source_is_ignored() -> None:
    rig = Rig()
    rig.engine = StatusEngine(
        clock=rig.clock,
        zone=BERLIN,
        foreground=InMemoryForeground(CALC, unsupported_reason="Wayland hides other windows"),
        settings=StatusSettings(share_foreground=True),
    )
    assert rig.run(60) is None


def test_in_app_topic_beats_the_foreground_document(rig: Rig) -> None:
    rig.fg.window = CALC
    rig.app.topic_opened(BUDGET)
    assert rig.run(20) == PublishedStatus("In topic: Q3 budget review · #finance", "💬", "topic")


def test_a_topic_behind_another_app_is_stale(rig: Rig) -> None:
    rig.app.topic_opened(BUDGET)
    rig.run(20)
    rig.app.window_active_changed(False)
    rig.fg.window = CALC
    assert rig.run(60) == EDITING_CALC


def test_private_topics_are_not_named(rig: Rig) -> None:
    rig.app.topic_opened(TopicActivity("Layoffs", "hr-leads", private=True))
    published = rig.run(20)
    assert published == PublishedStatus("In a private conversation", "💬", "topic")


def test_a_document_opened_from_courtyard_counts_for_a_while(rig: Rig) -> None:
    rig.app.topic_opened(BUDGET)
    rig.run(5)
    rig.app.document_opened(DocumentActivity("Supplier contract v4.docx"))
    assert rig.run(20) == PublishedStatus("Reading: Supplier contract v4.docx", "📄", "document")
    assert rig.run(15 * 60) is not None and rig.engine.published is not None
    assert rig.engine.published.source == "topic"  # the document's time is up


def test_idle_beats_stale_activity_and_activity_comes_back(rig: Rig) -> None:
    rig.app.topic_opened(BUDGET)
    rig.fg.window = CALC
    rig.run(20)
    rig.idle.seconds = 1.0  # the user stops touching the machine; Rig.run counts it up
    rig.run(10 * 60 + 25)
    assert rig.engine.published == PublishedStatus("Away", "💤", "idle")
    rig.idle.seconds = 0.0  # input resumes
    rig.run(20)  # settled, but Away was published only 26 s ago (min_interval 30 s)
    assert rig.engine.published is not None and rig.engine.published.source == "idle"
    assert rig.run(10) == IN_BUDGET


def test_a_meeting_beats_activity_and_idle(rig: Rig) -> None:
    rig.calendar.items = [
        Meeting(START + dt.timedelta(minutes=1), START + dt.timedelta(hours=1), "Salary talks")
    ]
    rig.app.topic_opened(BUDGET)
    rig.run(30)
    rig.idle.seconds = 1.0
    rig.run(60)
    meeting = PublishedStatus(
        "In a meeting until 11:00", "📅", "meeting", START + dt.timedelta(hours=1)
    )
    assert rig.engine.published == meeting  # 11:00 Berlin; the title is private by default
    rig.idle.seconds = 0.0
    rig.run(3600)
    assert rig.engine.published is not None and rig.engine.published.source == "topic"


def test_meeting_titles_only_when_chosen() -> None:
    rig = Rig(StatusSettings(share_meeting_titles=True))
    rig.calendar.items = [Meeting(START, START + dt.timedelta(minutes=30), "Design sync")]
    assert rig.run(20) == PublishedStatus(
        "In a meeting until 10:30 · Design sync", "📅", "meeting", START + dt.timedelta(minutes=30)
    )


def test_manual_wins_at_once_and_expires(rig: Rig) -> None:
    rig.fg.window = CALC
    rig.run(20)
    until = START + dt.timedelta(minutes=30)
    got = rig.engine.set_manual(ManualStatus("Lunch", "🍜", until))
    assert got == PublishedStatus("Lunch", "🍜", "manual", until)
    rig.idle.seconds = 1.0
    rig.run(60 * 11)  # idle and a meeting-free calendar do not override a manual status
    assert rig.engine.published == got
    rig.idle.seconds = 0.0
    rig.run(60 * 20)  # the manual status expired at 09:30 UTC
    assert rig.engine.published == EDITING_CALC
    assert rig.engine.manual is None


def test_after_manual_expiry_only_a_settled_status_shows(rig: Rig) -> None:
    rig.engine.set_manual(ManualStatus("Focus", until=START + dt.timedelta(seconds=30)))
    rig.run(25)
    rig.fg.window = CALC
    rig.run(10)  # manual expired at 30 s; Calc has been the candidate for 10 s only
    assert rig.engine.published is None
    assert rig.run(10) == EDITING_CALC


def test_clearing_manual_brings_back_the_automatic_status(rig: Rig) -> None:
    rig.fg.window = CALC
    rig.engine.set_manual(ManualStatus("Do not disturb"))
    rig.run(120)
    assert rig.engine.published is not None and rig.engine.published.source == "manual"
    assert rig.engine.set_manual(None) == EDITING_CALC


def test_pause_shows_presence_only_until_resumed(rig: Rig) -> None:
    rig.fg.window = CALC
    rig.run(20)
    assert rig.engine.pause() is None
    assert rig.seen[-1] is None
    rig.engine.set_manual(ManualStatus("Lunch"))
    rig.run(120)
    assert rig.engine.published is None and rig.engine.paused
    rig.engine.set_manual(None)
    assert rig.engine.resume() == EDITING_CALC


def test_nothing_to_share_means_presence_only(rig: Rig) -> None:
    assert rig.run(120) is None and rig.seen == []


def test_listeners_see_each_change_once(rig: Rig) -> None:
    rig.fg.window = CALC
    rig.run(200)
    rig.fg.window = None
    rig.run(200)
    assert rig.seen == [EDITING_CALC, None]
