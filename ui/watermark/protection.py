"""Content protection for one signed-in window: watermark, capture protection, and the report.

A :class:`ContentProtection` lives as a child of the main window. It keeps the watermark
(:class:`~ui.watermark.controller.WatermarkController`) and the OS capture protection
(:class:`~ui.watermark.capture.CaptureGuard`) on the organisation's policy as stored locally
(from the snapshot, then ``policy.updated`` events, so an admin's change reaches open windows
without a restart), renders the template for the signed-in person, and hands the device's state
(watermark shown, capture protection active/unsupported/off) to ``report`` whenever it changes.

Any widget that shows message content joins with one line, wherever it is built::

    cover(self)            # in a dialog or panel whose parent chain leads to the main window

``cover`` finds the window's ContentProtection through the widget's parents (a dialog's parent
is the main window), so new views need no plumbing.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QEvent, QObject, QTimer, QTimeZone, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from app.client.changes import Changes
from app.client.store import Store
from app.core import wire
from app.core.clock import Clock, SystemClock
from app.features.watermark import Viewer
from ui.people import People
from ui.tasks import TaskGroup
from ui.watermark.capture import CaptureGuard
from ui.watermark.controller import WatermarkController
from ui.watermark.overlay import WatermarkOverlay

Report = Callable[[wire.DeviceProtectionReport], None]
#: Longest platform description the server accepts.
PLATFORM_MAX = 64


def local_zone() -> ZoneInfo:
    """The zone of the clock on this screen (Qt knows its IANA name on every OS); UTC when the
    system reports a zone the tz database does not have."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def platform_label() -> str:
    """What IT sees for this device, e.g. "Linux 6.8.0 (xcb)" or "Windows 10 (windows)"."""
    label = f"{platform.system() or 'unknown'} {platform.release()}".strip()
    qpa = QGuiApplication.platformName()
    return (f"{label} ({qpa})" if qpa else label)[:PLATFORM_MAX]


class ContentProtection(QObject):
    """The watermark and capture protection of one main window and its dialogs."""

    report_did_change = Signal(object)
    """The :class:`~app.core.wire.DeviceProtectionReport` just handed to ``report``."""

    def __init__(
        self,
        *,
        store: Store,
        people: People,
        username: str,
        report: Report,
        clock: Clock | None = None,
        zone: ZoneInfo | None = None,
        guard: CaptureGuard | None = None,
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("contentProtection")
        self._store = store
        self._people = people
        self._report = report
        self._device_name = platform.node()
        self._tasks = TaskGroup("content-protection")
        self._policy_known = False
        self._last_report: wire.DeviceProtectionReport | None = None
        self.watermark = WatermarkController(
            viewer=Viewer(username, username, device_name=self._device_name),
            clock=clock or SystemClock(),
            zone=zone or local_zone(),
            parent=self,
        )
        self.capture = guard or CaptureGuard()
        self.capture.setParent(self)
        # A policy change moves the watermark and capture protection together: report once.
        self._report_timer = QTimer(self)
        self._report_timer.setSingleShot(True)
        self._report_timer.setInterval(0)
        self._report_timer.timeout.connect(self.on_report_timer_timeout)
        self.watermark.spec_did_change.connect(self.on_state_did_change)
        self.capture.state_did_change.connect(self.on_state_did_change)
        people.people_did_change.connect(self.on_people_did_change)
        parent.installEventFilter(self)  # its Close ends our pending work

    # --- use --------------------------------------------------------------------------------

    def cover(self, widget: QWidget) -> WatermarkOverlay:
        """Watermark ``widget`` and protect its window from capture, as the policy says."""
        overlay = self.watermark.attach(widget)
        self.capture.add_window(widget)
        self.on_state_did_change()
        return overlay

    def start(self) -> None:
        """Read the stored policy (the last one synced; offline works) and apply it."""
        self._tasks.spawn(self.reload_policy())

    async def reload_policy(self) -> None:
        self.apply_policy(await self._store.policy())

    def apply_policy(self, policy: wire.OrgPolicy) -> None:
        self._policy_known = True
        self.watermark.set_policy(policy)
        self.capture.set_enabled(policy.capture_protection)
        self.on_state_did_change()

    def current_report(self) -> wire.DeviceProtectionReport | None:
        """What this device does now, or None while it is not known yet."""
        state = self.capture.state
        if not self._policy_known or (self.capture.enabled and state.pending):
            return None
        if not self.capture.enabled:
            capture: wire.CaptureProtection = "off"
        else:
            capture = "active" if state.active else "unsupported"
        shown = self.watermark.spec is not None and bool(self.watermark.overlays())
        return wire.DeviceProtectionReport(
            watermark_shown=shown, capture_protection=capture, platform=platform_label()
        )

    # --- slots ------------------------------------------------------------------------------

    def on_store_did_change(self, changes: Changes) -> None:
        if changes.policy or changes.snapshot:
            self._tasks.spawn(self.reload_policy())

    def on_people_did_change(self) -> None:
        me = self._people.get(self._people.me_id) if self._people.me_id is not None else None
        if me is not None:
            self.watermark.set_viewer(
                Viewer(me.display_name, me.username, me.employee_id, self._device_name)
            )

    def on_state_did_change(self, *_args: object) -> None:
        self._report_timer.start()

    def on_report_timer_timeout(self) -> None:
        report = self.current_report()
        if report is None or report == self._last_report:
            return
        self._last_report = report
        self._report(report)
        self.report_did_change.emit(report)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Close:
            self._tasks.cancel_all()
            self._report_timer.stop()
        return False


def protection_for(widget: QWidget) -> ContentProtection | None:
    """The ContentProtection of the window ``widget`` belongs to (through its parents)."""
    current: QWidget | None = widget
    while current is not None:
        for child in current.children():
            if isinstance(child, ContentProtection):
                return child
        current = current.parentWidget()
    return None


def cover(widget: QWidget) -> WatermarkOverlay | None:
    """Watermark ``widget`` for the session of the window it belongs to: the one line every view
    of message content adds. None when it belongs to no signed-in window (a widget on its own in
    a test); give dialogs the main window as parent so they are covered."""
    protection = protection_for(widget)
    return protection.cover(widget) if protection is not None else None
