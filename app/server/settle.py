"""Answering callers who await one shared piece of work (a read many polls wait for).

The work runs once, in a task nobody awaits; each caller awaits a future of its own, so a caller
that goes away cancels only its own future. When the work ends, every future still waited on gets
its result, or its error, or is cancelled if the work itself was cancelled (shutdown).
"""

from __future__ import annotations

import asyncio
from typing import Any


def settle(
    future: asyncio.Future[Any], result: Any = None, error: BaseException | None = None
) -> None:
    """Answer one waiting caller: ``result``, or raise ``error`` in it."""
    if future.done():  # that caller went away
        return
    if error is None:
        future.set_result(result)
    elif isinstance(error, Exception):
        future.set_exception(error)
    else:  # the shared work itself was cancelled
        future.cancel()
