"""The event tail's refresh: polls woken together share one read, a poll that goes away does not
take the read with it, and a failed read reaches every waiting poll (``EventTail.ensure``).

The database here is a stand-in that counts reads and lets the test decide when each one ends;
what the tail answers from real rows is tests/unit/server/test_poll_paths.py's subject.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.server.event_tail import EventTail
from app.server.notifier import LocalNotifier
from tests.helpers.loop import settle


class _Reads:
    """A database whose reads end when the test says so."""

    is_sqlite = False

    def __init__(self) -> None:
        self.started = 0
        self.pending: list[asyncio.Future[tuple[int]]] = []

    async def fetch_one(self, _sql: Any, _params: Any) -> tuple[int]:
        """A new tail's first read: the head seq."""
        self.started += 1
        future: asyncio.Future[tuple[int]] = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        return await future


def test_polls_woken_together_share_one_read() -> None:
    async def scenario() -> None:
        db = _Reads()
        tail = EventTail(db, LocalNotifier())  # type: ignore[arg-type]
        polls = [asyncio.ensure_future(tail.ensure(head=7)) for _ in range(10)]
        await settle()
        assert db.started == 1
        db.pending[0].set_result((7,))
        await asyncio.gather(*polls)
        assert (tail.floor, tail.head, db.started) == (7, 7, 1)

    asyncio.run(scenario())


def test_a_poll_that_goes_away_leaves_the_read_to_the_others() -> None:
    async def scenario() -> None:
        db = _Reads()
        tail = EventTail(db, LocalNotifier())  # type: ignore[arg-type]
        leaving = asyncio.ensure_future(tail.ensure())
        staying = asyncio.ensure_future(tail.ensure())
        await settle()
        leaving.cancel()
        await settle()
        assert leaving.cancelled() and not staying.done()
        db.pending[0].set_result((3,))
        await staying
        assert (tail.head, db.started) == (3, 1)

    asyncio.run(scenario())


def test_a_failed_read_reaches_every_waiting_poll_and_the_next_poll_reads_again() -> None:
    async def scenario() -> None:
        db = _Reads()
        tail = EventTail(db, LocalNotifier())  # type: ignore[arg-type]
        polls = [asyncio.ensure_future(tail.ensure()) for _ in range(3)]
        await settle()
        db.pending[0].set_exception(OSError("database gone"))
        for poll in polls:
            with pytest.raises(OSError, match="database gone"):
                await poll
        again = asyncio.ensure_future(tail.ensure())
        await settle()
        assert db.started == 2
        db.pending[1].set_result((5,))
        await again
        assert tail.head == 5

    asyncio.run(scenario())
