"""The person's own settings (kept with QSettings) under the device policy IT set.

Policy is read once at start (device policy says: restart after a change) and merged with
:func:`app.features.device_policy.apply_policy`: a forced value wins and locks its control ("Set
by your organisation"), a default only fills a gap. The one setting with an effect outside the app
today is starting at sign-in, which :meth:`Preferences.apply_auto_start` writes to the OS.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from app.features.autostart import AutoStart
from app.features.device_policy import EffectiveSettings, PolicyReading, apply_policy

log = logging.getLogger(__name__)

LOCKED_NOTE = "Set by your organisation"
AUTO_START = "auto_start"
SERVER_URL = "server_url"
_GROUP = "preferences"


class SettingLocked(Exception):
    """A change to a setting the device policy forces; the GUI never offers one."""


class Preferences(QObject):
    changed = Signal()

    def __init__(
        self,
        *,
        policy: PolicyReading,
        autostart: AutoStart,
        settings_path: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._policy = policy
        self._autostart = autostart
        self._settings = (
            QSettings(str(settings_path), QSettings.Format.IniFormat)
            if settings_path is not None
            else QSettings()
        )
        self.effective = self._merge()

    def _user_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        self._settings.beginGroup(_GROUP)
        try:
            if self._settings.contains(AUTO_START):
                values[AUTO_START] = self._settings.value(AUTO_START, type=bool)
        finally:
            self._settings.endGroup()
        return values

    def _merge(self) -> EffectiveSettings:
        return apply_policy(self._policy, self._user_values())

    def is_locked(self, setting: str) -> bool:
        return self.effective.is_locked(setting)

    def source(self, setting: str) -> str:
        """Which policy key and store set it, for a tooltip (empty when the user did)."""
        return self.effective.sources.get(setting, "")

    @property
    def auto_start(self) -> bool:
        return bool(self.effective.values.get(AUTO_START, False))

    @property
    def server_url(self) -> str | None:
        """The company server from policy (forced or a default), or None."""
        value = self.effective.values.get(SERVER_URL)
        return str(value) if value is not None else None

    def set_auto_start(self, enabled: bool) -> None:
        if self.is_locked(AUTO_START):
            raise SettingLocked(AUTO_START)
        self._settings.setValue(f"{_GROUP}/{AUTO_START}", enabled)
        self._settings.sync()
        self.effective = self._merge()
        self.changed.emit()
        self.apply_auto_start()

    def apply_auto_start(self) -> None:
        """Make the OS entry match the setting, when someone (the user or IT) has chosen one.
        Raises OSError when the OS refuses (a read-only autostart folder, a locked registry)."""
        if AUTO_START not in self.effective.values:
            return
        if self._autostart.is_enabled() != self.auto_start:
            self._autostart.set_enabled(self.auto_start)

    def apply_auto_start_at_launch(self) -> None:
        """At start the window is not up yet: a failure is logged, and Settings shows the state."""
        try:
            self.apply_auto_start()
        except OSError as exc:
            log.warning("could not make start-at-sign-in match the setting: %s", exc)
