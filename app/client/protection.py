"""Reporting this device's watermark and capture-protection state to the server (issue 7).

IT needs to know which laptops really show the watermark and really keep the window out of
screen captures, so the app reports it at sign-in and whenever it changes. Only the newest state
matters: :meth:`ProtectionReporter.set` replaces whatever is still waiting, one request is in
flight at a time, and a report the server already has is not sent again. Offline, the newest
state waits until :meth:`nudge` (the connection is back) and then goes out.
"""

from __future__ import annotations

import asyncio
import logging

from app.client.api import ApiClient, ConnectionProblem
from app.client.tasks import stop_task
from app.core import wire
from app.core.errors import ApiError

log = logging.getLogger(__name__)


class ProtectionReporter:
    """Keeps the server's record of this device's protection equal to the newest ``set()``."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api
        self._wanted: wire.DeviceProtectionReport | None = None
        self._sent: wire.DeviceProtectionReport | None = None
        self._task: asyncio.Task[None] | None = None
        self._work = asyncio.Event()

    @property
    def wanted(self) -> wire.DeviceProtectionReport | None:
        """The newest state given to :meth:`set`."""
        return self._wanted

    @property
    def sent(self) -> wire.DeviceProtectionReport | None:
        """The newest state the server acknowledged."""
        return self._sent

    def start(self) -> None:
        """Start sending (on the running asyncio loop); states given earlier go out now."""
        if self._task is None:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name="courtyard-protection-report")

    def set(self, report: wire.DeviceProtectionReport) -> None:
        """Report ``report`` (now if online; otherwise at the next :meth:`nudge`). Safe to call
        from any callback on the loop's thread, running loop or not."""
        self._wanted = report
        self._work.set()

    def nudge(self) -> None:
        """The connection is back: send what is still waiting."""
        self._work.set()

    async def aclose(self) -> None:
        await stop_task(self._task)

    async def _run(self) -> None:
        while True:
            await self._work.wait()
            self._work.clear()
            while self._wanted is not None and self._wanted != self._sent:
                report = self._wanted
                try:
                    await self._api.report_protection(report)
                except ConnectionProblem:
                    break  # nudge() tries again once the connection is back
                except ApiError as exc:
                    log.warning("the server refused the protection report: %s", exc.code)
                    break
                self._sent = report
