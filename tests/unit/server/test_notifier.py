"""The in-process notifier's waiters: woken, timed out, cancelled — and nothing left behind."""

from __future__ import annotations

import asyncio

import pytest

from app.server.notifier import LocalNotifier


def test_notify_before_wait_answers_at_once() -> None:
    async def scenario() -> tuple[bool, bool]:
        notifier = LocalNotifier()
        before = notifier.generation
        waiter = notifier.subscribe({"c:1"})
        notifier.notify({"c:1"})
        return notifier.changed_since(waiter, before), await waiter.wait(60)

    assert asyncio.run(scenario()) == (True, True)


def test_wait_ends_when_a_key_is_notified_and_not_for_other_keys() -> None:
    async def scenario() -> tuple[bool, bool]:
        notifier = LocalNotifier()
        other = notifier.subscribe({"c:2"})
        waiter = notifier.subscribe({"c:1", "u:7"})
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, notifier.notify, {"u:7"})
        woken = await waiter.wait(60)
        return woken, other.woken

    assert asyncio.run(scenario()) == (True, False)


def test_wait_times_out_unwoken() -> None:
    async def scenario() -> tuple[bool, float]:
        waiter = LocalNotifier().subscribe({"c:1"})
        loop = asyncio.get_running_loop()
        start = loop.time()
        return await waiter.wait(0.05), loop.time() - start

    woken, waited = asyncio.run(scenario())
    assert not woken
    assert waited >= 0.04


def test_a_cancelled_wait_is_cancelled_and_a_later_wake_is_harmless() -> None:
    async def scenario() -> None:
        notifier = LocalNotifier()
        waiter = notifier.subscribe({"c:1"})
        task = asyncio.create_task(waiter.wait(60))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        notifier.unsubscribe(waiter)
        notifier.notify({"c:1"})  # nobody waits any more: no error, no stray callback
        assert notifier.subscribed_keys() == []

    asyncio.run(scenario())


def test_close_wakes_every_waiter() -> None:
    async def scenario() -> list[bool]:
        notifier = LocalNotifier()
        waiters = [notifier.subscribe({f"c:{i}"}) for i in range(3)]
        waits = [asyncio.create_task(w.wait(60)) for w in waiters]
        await asyncio.sleep(0)
        await notifier.aclose()
        return list(await asyncio.gather(*waits))

    assert asyncio.run(scenario()) == [True, True, True]
