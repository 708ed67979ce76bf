"""Reconnect backoff and the sync loop's reactions, with an injected clock and sleep (no waiting)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from app.client.api import ConnectionProblem
from app.client.apply import Applier
from app.client.changes import Changes
from app.client.connection import Backoff, ConnectionState
from app.client.keys import Account, KeyCustody
from app.client.store import Store
from app.client.store_errors import UserFacingStoreError
from app.client.sync import SyncService
from app.core.clock import FakeClock
from app.core.errors import CursorExpired, RateLimited, ServerError, Unauthorized
from app.core.wire import EventBatch, Snapshot
from tests.unit.client.conftest import conversation, created, message, run, snapshot


class MaxRandom:
    """An rng whose uniform() returns the top of the range: the delay equals the ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b


class MinRandom:
    def uniform(self, a: float, b: float) -> float:
        return a


def test_ceiling_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(base=0.5, cap=8.0, minimum=0.0, rng=MaxRandom())  # type: ignore[arg-type]
    assert [backoff.next_delay() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_full_jitter_stays_within_zero_and_the_ceiling() -> None:
    import random

    backoff = Backoff(base=1.0, cap=30.0, minimum=0.0, rng=random.Random(7))
    delays = []
    for n in range(200):
        ceiling = backoff.ceiling()
        delay = backoff.next_delay()
        assert 0.0 <= delay <= ceiling
        delays.append(delay)
        if n % 10 == 9:
            backoff.reset()
    assert len(set(delays)) > 150, "jitter should spread the delays"


def test_retry_after_is_a_floor_and_minimum_prevents_a_tight_loop() -> None:
    backoff = Backoff(base=0.5, cap=8.0, minimum=0.2, rng=MinRandom())  # type: ignore[arg-type]
    assert backoff.next_delay() == 0.2
    assert backoff.next_delay(retry_after=17) == 17.0


# --- the sync loop against a scripted API ---------------------------------------------------


class ScriptedApi:
    """Answers snapshot()/events() from scripts; an exhausted events script waits forever."""

    def __init__(self, snapshots: list[Any], events: list[Any]) -> None:
        self.snapshots = snapshots
        self.events_script = events
        self.snapshot_calls = 0
        self.cursors: list[str | None] = []
        self.log: list[str] = []

    async def snapshot(self) -> Snapshot:
        self.snapshot_calls += 1
        item = self.snapshots.pop(0)
        if isinstance(item, Exception):
            raise item
        assert isinstance(item, Snapshot)
        return item

    async def events(self, after: str | None, *, wait: float | None = None) -> EventBatch:
        self.cursors.append(after)
        self.log.append(f"fetch {after}")
        if not self.events_script:
            await asyncio.Event().wait()
        item = self.events_script.pop(0)
        if isinstance(item, Exception):
            raise item
        assert isinstance(item, EventBatch)
        return item


def _batch(cursor: str, *events: dict[str, Any], more: bool = False) -> EventBatch:
    return EventBatch.model_validate({"events": list(events), "cursor": cursor, "more": more})


class LoggingApplier(Applier):
    """Logs the start and end of each batch applied into the log the API also writes to."""

    def __init__(self, store: Store, log: list[str], fail_first: bool = False) -> None:
        super().__init__(store)
        self.log = log
        self.fail_first = fail_first

    async def apply_events(self, batch: EventBatch) -> Changes:
        self.log.append(f"apply {batch.cursor}")
        if self.fail_first:
            self.fail_first = False
            for _ in range(3):  # as a real commit would, let the read-ahead run meanwhile
                await asyncio.sleep(0)
            raise UserFacingStoreError("the disk is full")
        changes = await super().apply_events(batch)
        self.log.append(f"applied {batch.cursor}")
        return changes


async def _drive(
    api: ScriptedApi, store: Store, clock: FakeClock, until: Any, applier: Applier | None = None
) -> tuple[SyncService, list[ConnectionState], list[float], list[Exception]]:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)
        await asyncio.sleep(0)

    service = SyncService(
        api=api,  # type: ignore[arg-type]
        store=store,
        applier=applier,
        clock=clock,
        sleep=fake_sleep,
        backoff=Backoff(base=1.0, cap=60.0, minimum=0.0, rng=MaxRandom()),  # type: ignore[arg-type]
    )
    states: list[ConnectionState] = []
    ended: list[Exception] = []
    service.connection_did_change.connect(states.append)
    service.authorisation_did_end.connect(ended.append)
    service.start()
    for _ in range(2000):
        if await until(service, states, ended):
            break
        await asyncio.sleep(0.001)
    else:
        raise AssertionError(f"condition not reached; states={states}")
    await service.aclose()
    return service, states, sleeps, ended


def _open(keys: KeyCustody, account: Account, data_dir: Path, clock: FakeClock) -> Any:
    return Store.open(account, keys=keys, data_dir=data_dir, clock=clock)


def test_failures_back_off_exponentially_and_report_offline_with_next_retry(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        store = await _open(keys, account, data_dir, clock)
        api = ScriptedApi(
            [ConnectionProblem("down"), ServerError("502"), snapshot(cursor="e.1")],
            [RateLimited("slow down", retry_after=20), _batch("e.2", created(2, message(5)))],
        )
        start = clock.now()

        async def online_with_message(*_: Any) -> bool:
            return bool(await store.messages(10))

        _, states, sleeps, _ = await _drive(api, store, clock, online_with_message)
        # 1 s, 2 s, then the snapshot succeeded (reset), and Retry-After (20 s) beats the 1 s ceiling
        assert sleeps == [1.0, 2.0, 20.0]
        offline = [s for s in states if s.status == "offline"]
        assert [s.next_retry_at for s in offline] == [
            start + dt.timedelta(seconds=1),
            start + dt.timedelta(seconds=3),
            start + dt.timedelta(seconds=23),
        ]
        assert [s.reason for s in offline] == [
            "ConnectionProblem",
            "internal_error",
            "rate_limited",
        ]
        assert states[0].status == "connecting" and states[-1].status == "online"
        assert [m.id for m in await store.messages(10)] == [5]
        assert await store.cursor() == "e.2"
        await store.close()

    run(scenario())


def test_cursor_expired_fetches_a_new_snapshot_and_keeps_history(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        store = await _open(keys, account, data_dir, clock)
        first = snapshot(cursor="e.1", messages=[message(1)])
        later = snapshot(cursor="e.9", messages=[message(90)], has_more={10: True})
        api = ScriptedApi([first, later], [CursorExpired("pruned")])

        async def two_snapshots(service: SyncService, *_: Any) -> bool:
            return service.snapshots_applied == 2 and len(api.cursors) == 2

        _, _, sleeps, _ = await _drive(api, store, clock, two_snapshots)
        assert sleeps == []  # 410 is not a failure to back off from
        assert api.cursors == ["e.1", "e.9"]
        assert [m.id for m in await store.messages(10)] == [1, 90]  # local history kept
        assert [(g.after_id, g.before_id) for g in await store.gaps(10)] == [(1, 90)]
        await store.close()

    run(scenario())


def test_unauthorized_stops_the_loop_and_reports_it(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        store = await _open(keys, account, data_dir, clock)
        api = ScriptedApi([snapshot(cursor="e.1")], [Unauthorized("revoked")])

        async def ended(service: SyncService, states: Any, ended: list[Exception]) -> bool:
            return bool(ended) and not service.running

        _, states, sleeps, errors = await _drive(api, store, clock, ended)
        assert isinstance(errors[0], Unauthorized) and sleeps == []
        assert states[-1] == ConnectionState("offline", reason="signed_out")
        await store.close()

    run(scenario())


def test_an_empty_long_poll_answer_writes_nothing(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        store = await _open(keys, account, data_dir, clock)
        api = ScriptedApi([snapshot(cursor="e.1", conversations=[conversation(10)])], [])
        api.events_script = [_batch("e.1"), _batch("e.1")]
        changes: list[object] = []
        store.store_did_change.connect(changes.append)

        async def polled_three_times(*_: Any) -> bool:
            return len(api.cursors) == 3

        await _drive(api, store, clock, polled_three_times)
        assert len(changes) == 1  # the snapshot only
        await store.close()

    run(scenario())


def test_a_backlog_is_fetched_ahead_while_the_previous_batch_is_applied(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        store = await _open(keys, account, data_dir, clock)
        api = ScriptedApi(
            [snapshot(cursor="e.1")],
            [
                _batch("e.2", created(2, message(5)), more=True),
                _batch("e.3", created(3, message(6)), more=True),
                _batch("e.4", created(4, message(7))),
            ],
        )
        applier = LoggingApplier(store, api.log)

        async def caught_up(*_: Any) -> bool:
            return await store.cursor() == "e.4" and len(api.cursors) == 4

        await _drive(api, store, clock, caught_up, applier)
        assert api.cursors == ["e.1", "e.2", "e.3", "e.4"]  # each read exactly once
        # The read after a batch that said "more" went out before that batch was applied...
        assert api.log.index("fetch e.2") < api.log.index("applied e.2")
        assert api.log.index("fetch e.3") < api.log.index("applied e.3")
        # ...but the read after the last batch of the backlog (a long-poll) waited for it.
        assert api.log.index("applied e.4") < api.log.index("fetch e.4")
        assert [m.id for m in await store.messages(10)] == [5, 6, 7]
        await store.close()

    run(scenario())


def test_a_read_ahead_is_dropped_when_its_batch_fails_to_apply(
    keys: KeyCustody, account: Account, data_dir: Path
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        store = await _open(keys, account, data_dir, clock)
        first = _batch("e.2", created(2, message(5)), more=True)
        api = ScriptedApi(
            [snapshot(cursor="e.1")],
            [first, _batch("e.3", created(3, message(6))), first, _batch("e.3")],
        )
        applier = LoggingApplier(store, api.log, fail_first=True)

        async def caught_up(*_: Any) -> bool:
            return await store.cursor() == "e.3"

        _, _, sleeps, _ = await _drive(api, store, clock, caught_up, applier)
        # The failed apply left the store at e.1: the read-ahead from e.2 was thrown away and the
        # batch after e.1 read again; message 6 (only in the discarded read-ahead) never arrived.
        assert api.cursors[:4] == ["e.1", "e.2", "e.1", "e.2"]
        assert sleeps == [1.0]
        assert [m.id for m in await store.messages(10)] == [5]
        await store.close()

    run(scenario())
