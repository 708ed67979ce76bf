"""The controller: one policy, any number of overlays, live changes and the date/time refresh."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.core.clock import FakeClock
from app.core.wire import OrgPolicy
from app.features.watermark import Viewer
from ui.watermark.controller import MAX_WAIT_MS, WatermarkController

ZONE = ZoneInfo("Europe/Berlin")
VIEWER = Viewer("Li Wei", "liwei", employee_id="E-10442")
ON = OrgPolicy(watermark_enabled=True)


def _widgets(qtbot: QtBot, n: int) -> list[QWidget]:
    widgets = []
    for _ in range(n):
        w = QWidget()
        w.resize(300, 200)
        qtbot.addWidget(w)
        w.show()
        widgets.append(w)
    return widgets


def test_policy_changes_reach_every_attached_overlay(qtbot: QtBot) -> None:
    controller = WatermarkController(viewer=VIEWER, clock=FakeClock(), zone=ZONE)
    conversation, search, preview = _widgets(qtbot, 3)
    overlays = [controller.attach(w) for w in (conversation, search, preview)]
    assert controller.attach(search) is overlays[1]
    assert all(o.spec is None and o.isHidden() for o in overlays)

    with qtbot.waitSignal(controller.spec_did_change) as signal:
        controller.set_policy(ON)
    assert signal.args[0].text == "Li Wei · E-10442 · 2026-01-05"
    assert all(o.spec == controller.spec and o.isVisible() for o in overlays)

    controller.set_policy(ON.model_copy(update={"watermark_opacity": 0.2}))
    assert all(o.spec is not None and o.spec.opacity == 0.2 for o in overlays)

    controller.set_policy(OrgPolicy(watermark_enabled=False))
    assert all(o.spec is None and o.isHidden() for o in overlays)

    controller.set_policy(ON)
    (receipts,) = _widgets(qtbot, 1)
    late = controller.attach(receipts)
    assert late.spec == controller.spec and late.isVisible()


def test_an_overlay_goes_away_with_its_widget(qtbot: QtBot) -> None:
    controller = WatermarkController(viewer=VIEWER, clock=FakeClock(), zone=ZONE, policy=ON)
    dialog = QWidget()
    controller.attach(dialog)
    assert len(controller.overlays()) == 1
    with qtbot.waitSignal(dialog.destroyed):
        dialog.deleteLater()
    assert controller.overlays() == []
    controller.set_policy(OrgPolicy(watermark_enabled=False))  # nothing dangling to touch


def test_detach_removes_the_overlay(qtbot: QtBot) -> None:
    controller = WatermarkController(viewer=VIEWER, clock=FakeClock(), zone=ZONE, policy=ON)
    (widget,) = _widgets(qtbot, 1)
    overlay = controller.attach(widget)
    controller.detach(widget)
    assert controller.overlays() == [] and overlay.isHidden()


def test_a_time_template_refreshes_at_the_next_minute(qtbot: QtBot) -> None:
    """Real QTimer, fake clock: the clock is moved past the minute before the timer fires."""
    clock = FakeClock(dt.datetime(2026, 1, 5, 8, 59, 59, 900_000, tzinfo=dt.UTC))
    policy = OrgPolicy(watermark_enabled=True, watermark_template="{username} {time}")
    controller = WatermarkController(viewer=VIEWER, clock=clock, zone=ZONE, policy=policy)
    (widget,) = _widgets(qtbot, 1)
    overlay = controller.attach(widget)
    assert controller.spec is not None and controller.spec.text == "liwei 09:59"
    interval = controller.refresh_interval_ms()
    assert interval is not None and interval <= 100
    clock.advance(1)
    with qtbot.waitSignal(controller.spec_did_change, timeout=2000):
        pass
    assert overlay.spec is not None and overlay.spec.text == "liwei 10:00"
    assert controller.refresh_interval_ms() == 59_100  # from 10:00:00.9 to 10:01 local


def test_a_date_template_waits_at_most_a_minute_per_check(qtbot: QtBot) -> None:
    """Midnight is hours away; the timer still checks every minute, so a laptop that slept
    through midnight shows the new date within a minute of waking."""
    controller = WatermarkController(viewer=VIEWER, clock=FakeClock(), zone=ZONE, policy=ON)
    assert controller.refresh_interval_ms() == MAX_WAIT_MS
    controller.set_policy(ON.model_copy(update={"watermark_template": "{display_name}"}))
    assert controller.refresh_interval_ms() is None
