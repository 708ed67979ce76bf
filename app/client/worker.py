"""One serial worker thread owns the SQLCipher connection, so the asyncio loop never waits on it.

Every call hops to the worker once (one hop per transaction, never per statement). A cancelled
awaiter does not cancel work that has already started: the transaction finishes or rolls back on
the worker, and the result is dropped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from app.client.store_errors import StoreBug

P = ParamSpec("P")
T = TypeVar("T")


class SerialWorker:
    """A single dedicated thread running submitted callables strictly in order."""

    def __init__(self, name: str = "courtyard-store") -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=name
        )
        self._closed = False
        self._thread: threading.Thread | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def on_worker(self) -> bool:
        """True when called from the worker thread itself."""
        return threading.current_thread() is self._thread

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on the worker and await its result without blocking the loop."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def run_blocking(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on the worker and wait (for scripts and shutdown paths, not the GUI loop)."""
        return self.submit(fn, *args, **kwargs).result()

    def submit(
        self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        if self._closed:
            raise StoreBug("the store worker is closed")

        def job() -> T:
            self._thread = threading.current_thread()
            return fn(*args, **kwargs)

        return self._executor.submit(job)

    def shutdown(self) -> None:
        """Finish queued work and stop the thread (blocking; idempotent)."""
        self._closed = True
        self._executor.shutdown(wait=True)
