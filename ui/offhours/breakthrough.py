"""Who may wake me while I am off: kept on the server with my off-hours, for all my devices.

The rule decides what my own machines do, so a second laptop must behave like the first: the
server keeps it (``GET``/``PUT /api/v1/me/breakthrough``, private to me). This object holds the
value the notification gate reads synchronously, a copy in the account's store (offline and at
start, before the server answers) and a ``pending`` mark for a change the server has not taken
yet, which is sent again when the connection comes back.

Earlier versions kept the rule per machine in QSettings (``offhours/breakthrough`` and
``offhours/breakthrough_people``). On the first sync those values move to the server if the server
has none yet (the server's wins otherwise), and the machine's keys are removed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Protocol

from PySide6.QtCore import QObject, QSettings, Signal

from app.client.store import Store
from app.core import wire
from app.features.offhours import BreakthroughRule

log = logging.getLogger(__name__)

CACHE_KEY = "offhours.breakthrough"
LEGACY_RULE_KEY = "offhours/breakthrough"
LEGACY_PEOPLE_KEY = "offhours/breakthrough_people"
RULES: tuple[BreakthroughRule, ...] = ("anyone", "manager_and_list", "never")


class BreakthroughRemote(Protocol):
    async def breakthrough(self) -> wire.MyBreakthrough: ...
    async def set_breakthrough(self, req: wire.Breakthrough) -> wire.MyBreakthrough: ...


def _legacy(settings: QSettings | None) -> wire.Breakthrough | None:
    """The rule this machine kept before it moved to the server, if any."""
    if settings is None or not settings.contains(LEGACY_RULE_KEY):
        return None
    rule = str(settings.value(LEGACY_RULE_KEY, "anyone"))
    raw = str(settings.value(LEGACY_PEOPLE_KEY, "") or "")
    people = sorted({int(p) for p in raw.split(",") if p.strip().isdigit() and int(p) > 0})
    return wire.Breakthrough(rule=rule if rule in RULES else "anyone", people=people)  # type: ignore[arg-type]


class BreakthroughSetting(QObject):
    save_failed = Signal(str)
    """A change could not reach the server (it stays on this device and is sent again later)."""

    def __init__(
        self,
        store: Store,
        remote: BreakthroughRemote | None,
        settings: QSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._remote = remote
        self._settings = settings
        self.value = wire.Breakthrough()
        self.pending = False
        """The server has not taken :attr:`value` yet."""
        self._lock = asyncio.Lock()
        self._loaded = False

    @property
    def rule(self) -> BreakthroughRule:
        return self.value.rule

    @property
    def people(self) -> frozenset[int]:
        return frozenset(self.value.people)

    async def load(self) -> None:
        """The copy in the store, else this machine's legacy value (to be moved), else defaults.
        Once; :meth:`sync` and :meth:`change` wait for it."""
        async with self._lock:
            if not self._loaded:
                await self._load()
                self._loaded = True

    async def _load(self) -> None:
        raw = await self._store.setting(CACHE_KEY)
        if self._loaded:
            return  # a choice made meanwhile (choose) wins over what was kept
        if raw:
            try:
                data = json.loads(raw)
                self.pending = bool(data.pop("pending", False))
                self.value = wire.Breakthrough.model_validate(data)
                return
            except ValueError:
                log.warning("ignoring an unreadable cached breakthrough rule")
        legacy = _legacy(self._settings)
        if legacy is not None:
            self.value, self.pending = legacy, True

    async def _keep(self) -> None:
        data = {**self.value.model_dump(mode="json"), "pending": self.pending}
        await self._store.set_setting(CACHE_KEY, json.dumps(data))

    def choose(self, value: wire.Breakthrough) -> None:
        """My choice on this device: in force at once (the gate reads :attr:`value`); then kept
        and sent to the server by :meth:`save`, which the caller runs as a task."""
        self._forget_legacy()  # a choice made now supersedes this machine's old one
        self.value, self.pending, self._loaded = value, True, True

    async def save(self) -> None:
        await self._keep()
        await self.sync()

    async def sync(self) -> None:
        """Agree with the server: send a pending change (or the legacy value the first time, if
        the server has none), else adopt the server's. Quiet when offline: tried again later."""
        if self._remote is None:
            return
        await self.load()
        async with self._lock:
            try:
                if self.pending:
                    server = await self._remote.breakthrough()
                    if server.updated_at is not None and self._is_legacy_only():
                        self.value = wire.Breakthrough(rule=server.rule, people=server.people)
                    else:
                        await self._remote.set_breakthrough(self.value)
                else:
                    server = await self._remote.breakthrough()
                    self.value = wire.Breakthrough(rule=server.rule, people=server.people)
            except Exception as exc:  # offline, server trouble: keep ours and say so
                reason = getattr(exc, "detail", "") or type(exc).__name__
                log.info("breakthrough rule not synced (%s)", type(exc).__name__)
                if self.pending:
                    self.save_failed.emit(
                        f"Saved on this computer only ({reason}); it is sent to the server "
                        "for your other devices when you are back online."
                    )
                return
            self.pending = False
            await self._keep()
            self._forget_legacy()

    def _is_legacy_only(self) -> bool:
        """The pending value is this machine's old QSettings one, never chosen since."""
        return self._settings is not None and self._settings.contains(LEGACY_RULE_KEY)

    def _forget_legacy(self) -> None:
        if self._settings is not None and self._settings.contains(LEGACY_RULE_KEY):
            self._settings.remove(LEGACY_RULE_KEY)
            self._settings.remove(LEGACY_PEOPLE_KEY)
            self._settings.sync()
