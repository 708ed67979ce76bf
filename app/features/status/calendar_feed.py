"""The calendar the user points Courtyard at: an ICS file on this computer or an https address.

Reading never blocks the GUI: :meth:`CalendarFeed.refresh` is a coroutine. A file is looked at on
a worker thread and re-read only when it changed (every few seconds); an address is fetched with
httpx, asynchronously, with a timeout and a size cap, every few minutes. Parsing and expanding
recurring meetings (thousands of events in a real company calendar) also run on a worker thread,
and only when the text changed (an address mostly serves the same calendar again); the expanded
window of meetings is moved on every few hours even when nothing was re-read.

A failure never raises: it becomes :attr:`CalendarFeed.problem`, a sentence for the user, and no
meetings (the status must not claim a meeting it cannot know about). One exception: an address
that is briefly unreachable (a train tunnel, a server restart) keeps the last good copy for up
to :data:`KEEP_FOR` since it was last read, and :attr:`CalendarFeed.notice` says so and since
when; after that the copy is dropped as above. The location itself is the user's setting and is
never dropped because it cannot be read right now.

Meeting titles stay in memory here; what leaves the machine is only the engine's "In a meeting
until 15:00". Calendar addresses often carry a private token, so they are never logged, and
shown to the user without their query string.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from app.core.clock import Clock
from app.core.observer import Signal
from app.features.status.calendar import IcsCalendar, Meeting

log = logging.getLogger(__name__)

FILE_EVERY = 5.0
"""Seconds between looks at a calendar file (it is re-read only when it changed)."""
URL_EVERY = 300.0
"""Seconds between fetches of a calendar address."""
TIMEOUT = 15.0
MAX_BYTES = 5 * 1024 * 1024
KEEP_FOR = 30 * 60.0
"""Seconds an address's last good copy is used, since it was read, while the address fails."""
MOVE_WINDOW_EVERY = dt.timedelta(hours=6)
"""How often the expanded meetings are moved on with the clock when nothing was re-read."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")
BAD_ADDRESS = (
    "Use an address that starts with https:// (or webcal://), or choose an .ics file on this "
    "computer."
)


@dataclass(frozen=True)
class CalendarLocation:
    """Where the calendar is: ``kind`` "file" (a path) or "url" (an http(s) address)."""

    kind: Literal["file", "url"]
    where: str

    @property
    def shown(self) -> str:
        """For the user's eyes: a path as is; an address without its (often secret) query."""
        if self.kind == "file":
            return self.where
        parts = urlsplit(self.where)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"


def parse_location(text: str) -> CalendarLocation | None:
    """The user's input as a location; None when empty. Raises ValueError (a sentence for the
    user) for anything but https, webcal (fetched as https), a file path or ``file://``; plain
    http is accepted only on this computer (127.0.0.1), where nothing travels over a network."""
    text = text.strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered.startswith("webcal://"):
        text, lowered = "https://" + text[len("webcal://") :], "https://" + lowered[9:]
    if lowered.startswith("file://"):
        return CalendarLocation("file", urlsplit(text).path)
    if "://" not in text:
        return CalendarLocation("file", os.path.expanduser(text))
    parts = urlsplit(text)
    if not parts.hostname:
        raise ValueError(BAD_ADDRESS)
    if parts.scheme.lower() == "https" or (
        parts.scheme.lower() == "http" and parts.hostname in LOOPBACK
    ):
        return CalendarLocation("url", text)
    raise ValueError(BAD_ADDRESS)


class _Unreadable(Exception):
    """Why the calendar could not be read, in words for the user."""


class CalendarFeed:
    """A :class:`~app.features.status.calendar.CalendarSource` kept current by :meth:`run`."""

    def __init__(
        self,
        location: CalendarLocation,
        *,
        zone: ZoneInfo,
        clock: Clock,
        every: float | None = None,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        keep_for: float = KEEP_FOR,
    ) -> None:
        self.location = location
        self._zone, self._clock = zone, clock
        self.every = (
            every if every is not None else (FILE_EVERY if location.kind == "file" else URL_EVERY)
        )
        self._timeout, self._max_bytes = timeout, max_bytes
        self.keep_for = dt.timedelta(seconds=keep_for)
        self._calendar: IcsCalendar | None = None  # the last good copy, parsed
        self._meetings: list[Meeting] = []  # its meetings around _expanded_at
        self._expanded_at: dt.datetime | None = None
        self._digest: bytes | None = None  # of the text the kept copy was parsed from
        self._stamp: tuple[int, int] | None = None  # a file's (mtime_ns, size) when last read
        self.problem: str | None = None
        """Why the calendar cannot be read now and shows no meetings (for the user), or None."""
        self.notice: str | None = None
        """Why an older copy is used for now (for the user), or None."""
        self.checked_at: dt.datetime | None = None
        """When it was last read successfully."""
        self.did_change = Signal[[]]("calendar_did_change")

    @property
    def series(self) -> int:
        """How many meetings the calendar defines (a recurring series counts once)."""
        return self._calendar.series if self._calendar is not None else 0

    def meetings(self) -> Sequence[Meeting]:
        if self.notice is not None and not self._copy_still_good(self._clock.now()):
            return []  # the older copy ran out before the next attempt could say so
        return self._meetings

    async def run(self) -> None:
        """Refresh now and then every :attr:`every` seconds (sooner when an older copy runs out),
        until cancelled."""
        while True:
            await self.refresh()
            wait = self.every
            if self.notice is not None and self.checked_at is not None:
                left = (self.checked_at + self.keep_for - self._clock.now()).total_seconds()
                wait = max(1.0, min(wait, left))
            await asyncio.sleep(wait)

    async def refresh(self) -> None:
        """Read the calendar again (a file only if it changed); never raises."""
        try:
            text = await (self._read_file() if self.location.kind == "file" else self._fetch())
        except _Unreadable as exc:
            self._fail(str(exc))
            return
        if text is None:  # a file that has not changed since it was read
            if await self._move_window():
                self.did_change.emit()
            return
        if "BEGIN:VCALENDAR" not in text[:4096].upper():
            self._fail("it is not an ICS calendar")
            return
        digest = hashlib.sha256(text.encode("utf-8", errors="replace")).digest()
        if digest == self._digest and self._calendar is not None:
            await self._move_window()  # the same calendar fetched again: no need to parse it
        else:
            now = self._clock.now()
            try:
                calendar, meetings = await asyncio.to_thread(_read, text, self._zone, now)
            except ValueError:
                self._fail("it is not a readable ICS calendar")
                return
            self._calendar, self._meetings, self._expanded_at = calendar, meetings, now
            self._digest = digest
        self.problem, self.notice, self.checked_at = None, None, self._clock.now()
        self.did_change.emit()

    async def _move_window(self) -> bool:
        """Expand the kept calendar around the present again once the window has aged; whether
        it did."""
        now = self._clock.now()
        calendar = self._calendar
        if calendar is None or self._expanded_at is None:
            return False
        if now - self._expanded_at < MOVE_WINDOW_EVERY:
            return False
        self._meetings = await asyncio.to_thread(calendar.meetings_around, now)
        self._expanded_at = now
        return True

    def _copy_still_good(self, now: dt.datetime) -> bool:
        return self.checked_at is not None and now - self.checked_at < self.keep_for

    def _fail(self, reason: str) -> None:
        where = self.location.shown
        now = self._clock.now()
        self._stamp = None
        if (
            self.location.kind == "url"
            and self._calendar is not None
            and self.checked_at is not None
            and self._copy_still_good(now)
        ):
            read = self.checked_at.astimezone(self._zone)
            until = (self.checked_at + self.keep_for).astimezone(self._zone)
            notice = (
                f"Couldn't read the calendar at {where} ({reason}), so an older copy read at "
                f"{read:%H:%M} is used until {until:%H:%M}; after that your status will not "
                "show meetings until the address can be read again."
            )
            if notice != self.notice:
                self.notice = notice
                log.warning("calendar (url) unreadable, using the older copy: %s", reason)
                self.did_change.emit()
            return
        if self.location.kind == "file":
            problem = f"Couldn't read the calendar file {where} ({reason}) — check the file"
        else:
            problem = f"Couldn't read the calendar at {where} ({reason}) — check the address"
        problem += "; your status will not show meetings until it can be read."
        changed = problem != self.problem or bool(self._meetings) or self.notice is not None
        self._calendar, self._meetings, self._expanded_at, self._digest = None, [], None, None
        self.problem, self.notice = problem, None
        if changed:
            log.warning("calendar (%s) unreadable: %s", self.location.kind, reason)
            self.did_change.emit()

    async def _read_file(self) -> str | None:
        path = Path(self.location.where)

        def read() -> tuple[tuple[int, int], bytes | None]:
            try:
                st = path.stat()
                stamp = (st.st_mtime_ns, st.st_size)
                if stamp == self._stamp:
                    return stamp, None
                if st.st_size > self._max_bytes:
                    raise _Unreadable(f"it is larger than {self._max_bytes // 1024 // 1024} MB")
                return stamp, path.read_bytes()
            except FileNotFoundError:
                raise _Unreadable("it does not exist") from None
            except IsADirectoryError:
                raise _Unreadable("it is a folder, not a file") from None
            except PermissionError:
                raise _Unreadable("no permission to read it") from None
            except OSError as exc:
                raise _Unreadable(exc.strerror or "it cannot be opened") from None

        stamp, data = await asyncio.to_thread(read)
        if data is None:
            return None
        self._stamp = stamp
        return data.decode("utf-8", errors="replace")

    async def _fetch(self) -> str:
        # A client per fetch (minutes apart): nothing stays open to be closed when it is cancelled.
        try:
            async with (
                httpx.AsyncClient(
                    timeout=httpx.Timeout(self._timeout), follow_redirects=True
                ) as client,
                client.stream("GET", self.location.where) as response,
            ):
                if response.status_code != 200:
                    raise _Unreadable(f"the server answered {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise _Unreadable(f"it is larger than {self._max_bytes // 1024 // 1024} MB")
                return body.decode(response.encoding or "utf-8", errors="replace")
        except httpx.TimeoutException:
            raise _Unreadable(f"no answer within {self._timeout:g} s") from None
        except httpx.HTTPError:
            raise _Unreadable("the server cannot be reached") from None


def _read(text: str, zone: ZoneInfo, now: dt.datetime) -> tuple[IcsCalendar, list[Meeting]]:
    """Parse and expand, on a worker thread: CPU work that would stall the GUI for a big file."""
    calendar = IcsCalendar.from_text(text, default_zone=zone)
    return calendar, calendar.meetings_around(now)
