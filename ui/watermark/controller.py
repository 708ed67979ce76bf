"""One watermark for the whole app: the current spec, the overlays showing it, and its refresh.

The main window hands every widget that shows message content to ``attach()``; when the
organisation policy changes (snapshot or event) it calls ``set_policy()`` and every overlay
follows at once. Templates with a date or time are re-rendered when the text changes.
"""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.core.clock import Clock
from app.core.wire import OrgPolicy
from app.features.watermark import Viewer, WatermarkSpec, watermark_spec
from ui.watermark.overlay import WatermarkOverlay

#: Longest single wait for a refresh: a laptop that slept through midnight corrects the date
#: within this long of waking, whatever the timer did while the machine was asleep.
MAX_WAIT_MS = 60_000


class WatermarkController(QObject):
    """Holds the policy and viewer, derives the spec, and keeps every attached overlay on it."""

    spec_did_change = Signal(object)  # WatermarkSpec | None

    def __init__(
        self,
        *,
        viewer: Viewer,
        clock: Clock,
        zone: ZoneInfo,
        policy: OrgPolicy | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._viewer = viewer
        self._clock = clock
        self._zone = zone
        self._policy = policy or OrgPolicy()
        self._spec: WatermarkSpec | None = None
        self._overlays: dict[int, WatermarkOverlay] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.on_refresh_timer_timeout)
        self._recompute()

    @property
    def spec(self) -> WatermarkSpec | None:
        return self._spec

    @property
    def policy(self) -> OrgPolicy:
        return self._policy

    def overlays(self) -> list[WatermarkOverlay]:
        return list(self._overlays.values())

    def refresh_interval_ms(self) -> int | None:
        """The pending refresh timer's interval, or None when the text never changes."""
        return self._timer.interval() if self._timer.isActive() else None

    def attach(self, widget: QWidget) -> WatermarkOverlay:
        """Cover ``widget`` with an overlay that follows this controller; it goes away with the
        widget. Attaching the same widget twice returns its existing overlay."""
        for overlay in self._overlays.values():
            if overlay.parentWidget() is widget:
                return overlay
        overlay = WatermarkOverlay(widget, self._spec)
        key = id(overlay)
        self._overlays[key] = overlay
        overlay.destroyed.connect(lambda _obj=None, key=key: self._overlays.pop(key, None))
        return overlay

    def detach(self, widget: QWidget) -> None:
        for key, overlay in list(self._overlays.items()):
            if overlay.parentWidget() is widget:
                del self._overlays[key]
                widget.removeEventFilter(overlay)
                overlay.hide()
                overlay.deleteLater()

    def set_policy(self, policy: OrgPolicy) -> None:
        """Apply the organisation's policy live (from the snapshot or a policy event)."""
        self._policy = policy
        self._recompute()

    def set_viewer(self, viewer: Viewer) -> None:
        self._viewer = viewer
        self._recompute()

    def on_refresh_timer_timeout(self) -> None:
        self._recompute()

    def _recompute(self) -> None:
        spec = watermark_spec(self._policy, self._viewer, clock=self._clock, zone=self._zone)
        self._schedule(spec)
        if spec == self._spec:
            return
        self._spec = spec
        for overlay in self._overlays.values():
            overlay.set_spec(spec)
        self.spec_did_change.emit(spec)

    def _schedule(self, spec: WatermarkSpec | None) -> None:
        self._timer.stop()
        if spec is None or spec.refresh_at is None:
            return
        wait = (spec.refresh_at - self._clock.now()).total_seconds() * 1000
        self._timer.start(max(0, min(MAX_WAIT_MS, math.ceil(wait))))
