"""The user's workday-status choices, kept across runs: rules, foreground opt-in, pause, the
minutes before Away and the calendar (an ICS file or address, kept as typed).

Stored with QSettings under ``status/`` (the app's native settings store; an INI file in tests).
Without a settings object the choices live only in memory, which is what tests and the screenshot
tool want: they must never read or change the user's real settings.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QSettings

from app.features.status import DEFAULT_RULES, Rule, Unmatched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusPreferences:
    share_foreground: bool = False  # opt-in: nothing about other apps is used until chosen
    unmatched: Unmatched = "nothing"
    rules: tuple[Rule, ...] = field(default=DEFAULT_RULES)
    paused: bool = False
    idle_minutes: float = 10.0
    calendar: str = ""  # an .ics path or an https address; "" = no calendar

    def with_(self, **changes: Any) -> StatusPreferences:
        return replace(self, **changes)


def _bool(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return default


class StatusPreferencesStore:
    """Loads and saves :class:`StatusPreferences`; ``settings`` None keeps them in memory."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings
        self._memory = StatusPreferences()

    def load(self) -> StatusPreferences:
        s = self._settings
        if s is None:
            return self._memory
        base = StatusPreferences()
        rules = base.rules
        raw = s.value("status/rules")
        if isinstance(raw, str) and raw:
            try:
                rules = tuple(Rule.from_dict(d) for d in json.loads(raw))
            except (ValueError, TypeError) as exc:  # a hand-edited file: keep the defaults
                log.warning("ignoring stored status rules: %s", exc)
        unmatched = s.value("status/unmatched", base.unmatched)
        try:
            idle = float(str(s.value("status/idle_minutes", base.idle_minutes)))
        except ValueError:
            idle = base.idle_minutes
        return StatusPreferences(
            share_foreground=_bool(s.value("status/share_foreground"), base.share_foreground),
            unmatched="busy" if unmatched == "busy" else "nothing",
            rules=rules,
            paused=_bool(s.value("status/paused"), base.paused),
            idle_minutes=idle if idle > 0 else base.idle_minutes,
            calendar=str(s.value("status/calendar", base.calendar) or ""),
        )

    def save(self, prefs: StatusPreferences) -> None:
        s = self._settings
        if s is None:
            self._memory = prefs
            return
        s.setValue("status/share_foreground", prefs.share_foreground)
        s.setValue("status/unmatched", prefs.unmatched)
        s.setValue("status/rules", json.dumps([r.to_dict() for r in prefs.rules]))
        s.setValue("status/paused", prefs.paused)
        s.setValue("status/idle_minutes", prefs.idle_minutes)
        s.setValue("status/calendar", prefs.calendar)
        s.sync()
