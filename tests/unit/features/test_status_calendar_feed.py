"""The calendar feed: a real ICS file on disk and a real HTTP server on 127.0.0.1.

No transport is mocked: the address variant talks to a ``http.server`` thread, so timeouts,
status codes and a server that has gone away are the real ones httpx sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.core.clock import FakeClock
from app.features.status import InMemoryIdle, StatusEngine, StatusSettings
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
