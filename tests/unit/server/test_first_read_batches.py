"""On PostgreSQL the polls' first reads go to the database in batches (app/server/first_read.py).

The database here is an in-process stand-in that records each batch and answers when the test
says so; the statement itself is checked against PostgreSQL in tests/integration/scale.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.server.first_read import FirstReads
from tests.helpers.loop import settle


class _Batches:
    """Stands in for Database.fetch_all: each call waits until the test answers it."""

    is_sqlite = False

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.answers: list[asyncio.Future[list[Any]]] = []

    async def fetch_all(self, _sql: object, params: tuple[list[str]]) -> list[Any]:
        self.calls.append(list(params[0]))
        answer: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self.answers.append(answer)
        return await answer

    def answer(self, index: int, valid: set[str]) -> None:
        rows = [(token, 1, 2, "e", None, 9, "") for token in self.calls[index] if token in valid]
        self.answers[index].set_result(rows)


def _reads(db: _Batches) -> FirstReads:
    return FirstReads(db)  # type: ignore[arg-type]  # the stand-in has what FirstReads uses


def test_polls_arriving_together_share_one_statement() -> None:
    async def main() -> None:
        db = _Batches()
        reads = _reads(db)
        polls = [asyncio.ensure_future(reads.row(t)) for t in ("a", "b", "a", "gone")]
        await settle()
        assert db.calls == [["a", "b", "gone"]]  # one statement; a token asked twice once
        db.answer(0, {"a", "b"})
        rows = await asyncio.gather(*polls)
        assert [r and r[0] for r in rows] == [1, 1, 1, None]  # no row: the token is not valid

    asyncio.run(main())


def test_polls_arriving_during_a_batch_form_the_next() -> None:
    async def main() -> None:
        db = _Batches()
        reads = _reads(db)
        first = asyncio.ensure_future(reads.row("a"))
        await settle()
        later = [asyncio.ensure_future(reads.row(t)) for t in ("b", "c")]
        await settle()
        assert db.calls == [["a"]]  # one batch in flight at a time
        db.answer(0, {"a"})
        await settle()
        assert db.calls == [["a"], ["b", "c"]]
        db.answer(1, {"b", "c"})
        assert (await first) is not None
        assert all(await asyncio.gather(*later))

    asyncio.run(main())


def test_a_failed_batch_fails_its_polls_and_the_next_batch_still_runs() -> None:
    async def main() -> None:
        db = _Batches()
        reads = _reads(db)
        doomed = asyncio.ensure_future(reads.row("a"))
        await settle()
        survivor = asyncio.ensure_future(reads.row("b"))
        await settle()
        db.answers[0].set_exception(ConnectionError("database went away"))
        with pytest.raises(ConnectionError):
            await doomed
        await settle()
        db.answer(1, {"b"})
        assert (await survivor) is not None

    asyncio.run(main())


def test_a_poll_that_goes_away_leaves_the_batch_to_the_others() -> None:
    async def main() -> None:
        db = _Batches()
        reads = _reads(db)
        leaving = asyncio.ensure_future(reads.row("a"))
        staying = asyncio.ensure_future(reads.row("b"))
        await settle()
        leaving.cancel()
        await settle()
        db.answer(0, {"a", "b"})
        assert (await staying) is not None
        assert leaving.cancelled()

    asyncio.run(main())
