"""The calendar feed: a real ICS file on disk and a real HTTP server on 127.0.0.1.

No transport is mocked: the address variant talks to a ``http.server`` thread, so timeouts,
status codes and a server that has gone away are the real ones httpx sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.core.clock import FakeClock
from app.features.status import InMemoryIdle, StatusEngine, StatusSettings, calendar_feed
from app.features.status.calendar_feed import CalendarFeed, CalendarLocation, parse_location
from tests.helpers.calendar_server import CalendarServer, serving_calendars

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)  # 14:30 in Berlin


def _ics(*events: tuple[str, str, str]) -> str:
    body = "".join(
        "BEGIN:VEVENT\r\n"
        f"DTSTART;TZID=Europe/Berlin:{start}\r\nDTEND;TZID=Europe/Berlin:{end}\r\n"
        f"SUMMARY:{title}\r\nEND:VEVENT\r\n"
        for start, end, title in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n"


BUDGET = _ics(("20260310T140000", "20260310T150000", "Budget cuts with HR"))


def _engine(feed: CalendarFeed, clock: FakeClock) -> StatusEngine:
    return StatusEngine(
        clock=clock,
        zone=BERLIN,
        idle=InMemoryIdle(0.0),
        calendar=feed,
        settings=StatusSettings(dwell=0.0, min_interval=0.0),
    )


# --- locations ---------------------------------------------------------------------------------


def test_locations_accept_files_https_and_webcal_and_refuse_plain_http_elsewhere() -> None:
    assert parse_location("  ") is None
    assert parse_location("/home/li/work.ics") == CalendarLocation("file", "/home/li/work.ics")
    assert parse_location("file:///tmp/a.ics") == CalendarLocation("file", "/tmp/a.ics")
    assert parse_location("https://cal.example.com/x.ics") == CalendarLocation(
        "url", "https://cal.example.com/x.ics"
    )
    assert parse_location("webcal://cal.example.com/x.ics") == CalendarLocation(
        "url", "https://cal.example.com/x.ics"
    )
    assert parse_location("http://127.0.0.1:8000/x.ics") is not None
    for bad in ("http://cal.example.com/x.ics", "ftp://example.com/x.ics", "https://"):
        with pytest.raises(ValueError, match="https://"):
            parse_location(bad)


def test_an_address_is_shown_without_its_secret_token() -> None:
    where = CalendarLocation("url", "https://cal.example.com/private/basic.ics?token=s3cret")
    assert where.shown == "https://cal.example.com/private/basic.ics"


# --- a file ------------------------------------------------------------------------------------


def _file_feed(tmp_path: Path) -> tuple[Path, FakeClock, CalendarFeed]:
    """A real .ics file holding the budget meeting, and a feed that reads it at ``NOW``."""
    path = tmp_path / "work.ics"
    path.write_text(BUDGET, encoding="utf-8")
    clock = FakeClock(NOW)
    return path, clock, CalendarFeed(CalendarLocation("file", str(path)), zone=BERLIN, clock=clock)


def test_a_calendar_file_makes_the_status_a_meeting_without_its_title(tmp_path: Path) -> None:
    _path, clock, feed = _file_feed(tmp_path)
    asyncio.run(feed.refresh())
    assert feed.problem is None and feed.checked_at == NOW
    assert [m.title for m in feed.meetings()] == ["Budget cuts with HR"]
    engine = _engine(feed, clock)
    status = engine.tick()
    assert status is not None
    assert (status.text, status.source) == ("In a meeting until 15:00", "meeting")
    assert "Budget" not in status.text  # titles stay on this computer by default

    clock.advance(31 * 60)  # 15:01: the meeting is over
    assert engine.tick() is None


def test_a_changed_file_is_read_again_and_an_unchanged_one_is_not(tmp_path: Path) -> None:
    path, clock, feed = _file_feed(tmp_path)
    changes: list[None] = []
    feed.did_change.connect(lambda: changes.append(None))
    asyncio.run(feed.refresh())
    clock.advance(5)
    asyncio.run(feed.refresh())
    assert len(changes) == 1 and feed.checked_at == NOW  # not re-read

    path.write_text(_ics(("20260310T143000", "20260310T161500", "Longer one")), encoding="utf-8")
    asyncio.run(feed.refresh())
    assert len(changes) == 2
    status = _engine(feed, clock).tick()
    assert status is not None and status.text == "In a meeting until 16:15"


def test_a_missing_or_wrong_file_says_so_and_shows_no_meeting(tmp_path: Path) -> None:
    path, clock, feed = _file_feed(tmp_path)
    asyncio.run(feed.refresh())
    path.unlink()
    asyncio.run(feed.refresh())
    assert feed.meetings() == []
    assert feed.problem == (
        f"Couldn't read the calendar file {path} (it does not exist) — check the file; "
        "your status will not show meetings until it can be read."
    )
    assert _engine(feed, clock).tick() is None

    path.write_text("<html>not a calendar</html>", encoding="utf-8")
    asyncio.run(feed.refresh())
    assert feed.problem is not None and "(it is not an ICS calendar)" in feed.problem

    path.write_text(BUDGET, encoding="utf-8")  # fixed: meetings come back
    asyncio.run(feed.refresh())
    assert feed.problem is None and len(feed.meetings()) == 1


# --- an address, served for real on 127.0.0.1 ---------------------------------------------------


@pytest.fixture
def calendar_server() -> Iterator[CalendarServer]:
    with serving_calendars({"/team.ics": BUDGET.encode()}) as server:
        yield server


def test_a_calendar_address_is_fetched_and_its_meeting_becomes_the_status(
    calendar_server: CalendarServer,
) -> None:
    clock = FakeClock(NOW)
    location = parse_location(f"{calendar_server.base}/team.ics?token=abc")
    assert location is not None
    feed = CalendarFeed(location, zone=BERLIN, clock=clock)
    asyncio.run(feed.refresh())
    assert calendar_server.requests == ["/team.ics?token=abc"]
    assert feed.problem is None
    status = _engine(feed, clock).tick()
    assert status is not None and status.text == "In a meeting until 15:00"


def test_a_wrong_address_or_a_server_gone_away_says_so_and_keeps_running(
    calendar_server: CalendarServer,
) -> None:
    clock = FakeClock(NOW)
    feed = CalendarFeed(
        CalendarLocation("url", f"{calendar_server.base}/missing.ics?token=abc"),
        zone=BERLIN,
        clock=clock,
    )
    asyncio.run(feed.refresh())
    assert feed.problem == (
        f"Couldn't read the calendar at {calendar_server.base}/missing.ics (the server answered 404)"
        " — check the address; your status will not show meetings until it can be read."
    )
    assert "abc" not in feed.problem

    with socket.socket() as s:  # a port on which nobody listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = CalendarFeed(
        CalendarLocation("url", f"http://127.0.0.1:{port}/team.ics"), zone=BERLIN, clock=clock
    )
    asyncio.run(gone.refresh())
    assert gone.problem is not None and "(the server cannot be reached)" in gone.problem
    assert gone.meetings() == []


def test_a_server_that_never_answers_times_out_without_blocking_the_loop() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        feed = CalendarFeed(
            CalendarLocation("url", f"http://127.0.0.1:{port}/team.ics"),
            zone=BERLIN,
            clock=FakeClock(NOW),
            timeout=0.3,
        )
        ticks = 0

        async def ticking() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        async def scenario() -> None:
            ticker = asyncio.create_task(ticking())
            await feed.refresh()
            ticker.cancel()

        asyncio.run(scenario())
    assert feed.problem is not None and "(no answer within 0.3 s)" in feed.problem
    assert ticks >= 5  # the loop kept running while the fetch waited


# --- an address briefly unreachable: the older copy, for a while --------------------------------


def _kept_notice(where: str, reason: str, read: str, until: str) -> str:
    return (
        f"Couldn't read the calendar at {where} ({reason}), so an older copy read at {read} is "
        f"used until {until}; after that your status will not show meetings until the address "
        "can be read again."
    )


def test_an_address_failing_for_a_while_keeps_its_older_copy_for_half_an_hour(
    calendar_server: CalendarServer,
) -> None:
    clock = FakeClock(dt.datetime(2026, 3, 10, 13, 5, tzinfo=dt.UTC))  # 14:05 Berlin
    where = f"{calendar_server.base}/team.ics"
    feed = CalendarFeed(CalendarLocation("url", where + "?token=abc"), zone=BERLIN, clock=clock)
    engine = _engine(feed, clock)
    changes: list[None] = []
    feed.did_change.connect(lambda: changes.append(None))
    asyncio.run(feed.refresh())
    assert feed.notice is None and feed.problem is None and len(changes) == 1

    calendar_server.failing = 503  # the server has a bad quarter of an hour
    clock.advance(15 * 60)  # 14:20
    asyncio.run(feed.refresh())
    assert feed.problem is None
    assert feed.notice == _kept_notice(where, "the server answered 503", "14:05", "14:35")
    assert "abc" not in feed.notice
    assert len(changes) == 2
    status = engine.tick()
    assert status is not None and status.text == "In a meeting until 15:00"

    clock.advance(10 * 60)  # 14:30: failing again changes nothing
    asyncio.run(feed.refresh())
    assert len(changes) == 2 and len(feed.meetings()) == 1

    clock.advance(5 * 60)  # 14:35: the copy is 30 minutes old; gone even before the next read
    assert feed.meetings() == []
    assert engine.tick() is None
    asyncio.run(feed.refresh())
    assert feed.notice is None
    assert feed.problem == (
        f"Couldn't read the calendar at {where} (the server answered 503) — check the address; "
        "your status will not show meetings until it can be read."
    )
    assert len(changes) == 3

    calendar_server.failing = None  # back: meetings are back, and the notices gone
    asyncio.run(feed.refresh())
    assert feed.problem is None and feed.notice is None and len(feed.meetings()) == 1
    assert feed.checked_at == clock.now()


def test_a_server_gone_away_keeps_the_older_copy_and_a_good_read_renews_it() -> None:
    clock = FakeClock(dt.datetime(2026, 3, 10, 12, 50, tzinfo=dt.UTC))  # 13:50 Berlin
    with serving_calendars({"/team.ics": BUDGET.encode()}) as server:
        where = f"{server.base}/team.ics"
        feed = CalendarFeed(CalendarLocation("url", where), zone=BERLIN, clock=clock)
        asyncio.run(feed.refresh())
        clock.advance(20 * 60)  # 14:10: read again, fine: the copy's half hour starts anew
        asyncio.run(feed.refresh())
    # The server is shut down: its port refuses connections for real.
    clock.advance(25 * 60)  # 14:35, 45 minutes after the first read, 25 after the last
    asyncio.run(feed.refresh())
    assert feed.notice == _kept_notice(where, "the server cannot be reached", "14:10", "14:40")
    status = _engine(feed, clock).tick()
    assert status is not None and status.text == "In a meeting until 15:00"

    clock.advance(5 * 60)
    asyncio.run(feed.refresh())
    assert feed.notice is None and feed.meetings() == []
    assert feed.problem is not None and "(the server cannot be reached)" in feed.problem


def test_a_file_that_cannot_be_read_keeps_no_older_copy(tmp_path: Path) -> None:
    path, clock, feed = _file_feed(tmp_path)
    asyncio.run(feed.refresh())
    path.unlink()
    clock.advance(60)
    asyncio.run(feed.refresh())  # a file is not "briefly unreachable": it was moved or deleted
    assert feed.notice is None and feed.problem is not None and feed.meetings() == []


# --- recurring meetings, and a large calendar off the loop ---------------------------------------


def _weekly(uid: str, first: str, rules: str = "RRULE:FREQ=WEEKLY") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;TZID=Europe/Berlin:{first}\r\n"
        f"DURATION:PT30M\r\n{rules}\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\n"
    )


def test_the_expanded_window_moves_on_with_the_clock_without_reading_the_file_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "work.ics"
    ics = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{_weekly('stand-up', '20260105T093000')}END:VCALENDAR\r\n"
    path.write_text(ics, encoding="utf-8")
    clock = FakeClock(dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC))  # Monday 09:00 Berlin
    feed = CalendarFeed(CalendarLocation("file", str(path)), zone=BERLIN, clock=clock)
    engine = _engine(feed, clock)
    asyncio.run(feed.refresh())
    clock.advance(35 * 60)
    assert engine.tick() is not None  # 09:35: this week's stand-up
    for _ in range(7 * 4):  # a week of looks at the unchanged file, every 6 hours
        clock.advance(6 * 3600)
        asyncio.run(feed.refresh())
    assert feed.checked_at == dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)  # never re-read
    status = engine.tick()  # next Monday 09:35: next week's one, from the moved window
    assert clock.now() == dt.datetime(2026, 3, 16, 8, 35, tzinfo=dt.UTC)
    assert status is not None and status.text == "In a meeting until 10:00"


def large_calendar(events: int = 2000, recurring: int = 200) -> str:
    """A realistic big export: a year of single meetings plus weekly series with exceptions."""
    parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Big//EN\r\n"]
    first = dt.datetime(2025, 6, 2, 8, 0)
    for i in range(events - recurring):
        start = first + dt.timedelta(days=i % 365, hours=i % 9, minutes=15 * (i % 4))
        parts.append(
            f"BEGIN:VEVENT\r\nUID:single-{i}@example.com\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\nDTEND;TZID=Europe/Berlin:"
            f"{start + dt.timedelta(minutes=45):%Y%m%dT%H%M%S}\r\n"
            f"SUMMARY:Single meeting {i}\r\nLOCATION:Room {i % 40}\r\n"
            "DESCRIPTION:Agenda: the usual\\, and whatever comes up.\r\nEND:VEVENT\r\n"
        )
    for i in range(recurring):
        start = first + dt.timedelta(days=i % 5, hours=i % 8, minutes=30 * (i % 2))
        skipped = start + dt.timedelta(weeks=3)
        parts.append(
            _weekly(
                f"series-{i}",
                f"{start:%Y%m%dT%H%M%S}",
                "RRULE:FREQ=WEEKLY;INTERVAL=1\r\n"
                f"EXDATE;TZID=Europe/Berlin:{skipped:%Y%m%dT%H%M%S}",
            )
        )
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts)


def test_a_large_calendar_is_parsed_on_a_worker_thread_and_only_when_it_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[int] = []
    real_read = calendar_feed._read

    def spy(*args: Any) -> Any:  # the real reader, noting the thread it runs on
        threads.append(threading.get_ident())
        return real_read(*args)

    monkeypatch.setattr(calendar_feed, "_read", spy)
    clock = FakeClock(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))

    async def scenario(feed: CalendarFeed) -> int:
        await feed.refresh()
        clock.advance(300)
        await feed.refresh()  # the same calendar fetched again five minutes later
        return threading.get_ident()

    with serving_calendars({"/big.ics": large_calendar().encode()}) as server:
        feed = CalendarFeed(
            CalendarLocation("url", f"{server.base}/big.ics"), zone=BERLIN, clock=clock
        )
        loop_thread = asyncio.run(scenario(feed))
        assert len(server.requests) == 2
    assert feed.problem is None and feed.series == 2000 and feed.checked_at == clock.now()
    assert len(threads) == 1 and threads[0] != loop_thread
    # Today's and tomorrow's occurrences of the weekly series are there, 40 weeks after they began.
    days = {dt.date(2026, 3, 10), dt.date(2026, 3, 11)}  # Tuesday and Wednesday
    series = {
        m.title
        for m in feed.meetings()
        if m.title.startswith("series-") and m.start.astimezone(BERLIN).date() in days
    }
    assert len(series) == 80  # the 200 series are spread over the five weekdays
