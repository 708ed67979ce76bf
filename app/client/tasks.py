"""Stopping a service's long-running task the same careful way everywhere."""

from __future__ import annotations

import asyncio
from typing import Any


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` and wait for it to end.

    A cancellation aimed at the caller itself still propagates; an exception the task ended with
    was already logged by the task, and closing must not fail because of it.
    """
    current = asyncio.current_task()
    if task is None or task is current:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if current is not None and current.cancelling():
            raise
    except Exception:
        return
