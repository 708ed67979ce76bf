"""The screenshot watermark in the real main window, signed in to a real demo server process.

An admin changes the organisation's policy through the admin API while the window is open: the
watermark appears (the viewer's name, employee ID and date, tiled across the conversation area
at the configured opacity) and disappears again without a restart. Clicks, text selection and
scrolling still reach what is under it, dialogs that show message content carry it too, and the
device's watermark and capture-protection state reaches the server at sign-in and on change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.client.session import Session
from app.core import wire
from app.core.clock import SystemClock
from app.features.autostart import XdgAutoStart
from app.features.device_policy import PolicyReading
from app.features.offhours.notify import DigestThread, OffSummary
from app.features.watermark import Viewer, watermark_spec
from tests.gui.conftest import until
from tests.gui.test_interactions import _by_id, _open, _option, _send
from tests.gui.watermark.images import (
    argb,
    changed,
    composite,
    grid,
    layer,
    max_alpha,
    max_difference,
    most_common_colour,
    reader,
    where_alpha,
)
from ui.delegates.message import footer_rect
from ui.demo import DEMO_PASSWORD
from ui.dialogs.settings import SettingsDialog
from ui.main import open_main_window
from ui.mainwindow import MainWindow
from ui.models.messages import Roles
from ui.offhours.digest import DigestDialog
from ui.preferences import LOCKED_NOTE, Preferences
from ui.watermark.capture import LINUX_REASON
from ui.watermark.overlay import WatermarkOverlay, render_tile, text_colour, text_font
from ui.watermark.protection import ContentProtection, local_zone, platform_label
from ui.watermark.settings_row import ScreenshotPolicyView

SignIn = Callable[[str], Coroutine[Any, Any, Session]]
ADMIN = "li.wei"  # the demo organisation's admin
OPACITY = 0.12
TEMPLATE = "{display_name} · {employee_id} · {date}"
WATERMARK_ON = {
    "watermark_enabled": True,
    "watermark_opacity": OPACITY,
    "watermark_template": TEMPLATE,
    "capture_protection": True,
}
WATERMARK_OFF = {"watermark_enabled": False, "capture_protection": False}
#: What this OS can do about screen capture (Linux: nothing, and the client must say so).
CAPTURE = "unsupported" if sys.platform.startswith("linux") else "active"


class Admin:
    """The organisation's admin, talking to the server's admin API as an admin console would."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=30)

    async def sign_in(self) -> None:
        r = await self.http.post(
            "/api/v1/auth/login",
            json={"username": ADMIN, "password": DEMO_PASSWORD, "device_name": "admin"},
        )
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    async def set_policy(self, **changes: object) -> wire.OrgPolicy:
        r = await self.http.put("/api/v1/admin/policy", json=changes)
        assert r.status_code == 200, r.text
        return wire.OrgPolicy.model_validate(r.json())

    async def device_of(self, user_id: int) -> wire.DeviceProtection | None:
        """What the user's newest device last reported (each test signs in a new device)."""
        r = await self.http.get("/api/v1/admin/devices/protection")
        r.raise_for_status()
        mine = [wire.DeviceProtection.model_validate(d) for d in r.json()]
        mine = [d for d in mine if d.user_id == user_id]
        return max(mine, key=lambda d: d.device_id) if mine else None


@pytest.fixture
def admin(arun: Callable[..., Any], demo_server: str) -> Any:
    admin = Admin(demo_server)
    arun(admin.sign_in())
    yield admin
    # The server is shared by this module's tests: leave the policy as the demo has it.
    arun(admin.set_policy(**WATERMARK_OFF))
    arun(admin.http.aclose())


async def _window(qtbot: QtBot, sign_in: SignIn) -> tuple[MainWindow, Session]:
    session = await sign_in("demo")
    window = open_main_window(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, session


def _protection(window: MainWindow) -> ContentProtection:
    found = window.findChild(ContentProtection)
    assert isinstance(found, ContentProtection)
    return found


def _overlay(widget: QWidget) -> WatermarkOverlay:
    found = [
        c for c in widget.children() if isinstance(c, WatermarkOverlay) and c.parent() is widget
    ]
    assert len(found) == 1, found
    return found[0]


def _pane_image(window: MainWindow) -> QImage:
    """The conversation area as the screen shows it, from a grab of the whole main window."""
    whole = argb(window.grab())
    dpr = whole.devicePixelRatio()
    pane = window.message_pane
    top_left = pane.mapTo(window, QPoint(0, 0))
    cut = QRect(
        round(top_left.x() * dpr),
        round(top_left.y() * dpr),
        round(pane.width() * dpr),
        round(pane.height() * dpr),
    )
    image = whole.copy(cut)
    image.setDevicePixelRatio(dpr)
    return image


async def _settled_pane(window: MainWindow) -> QImage:
    """A grab of the conversation area once two grabs in a row are identical (read markers,
    layout and scrolling have finished)."""
    previous = _pane_image(window)
    for _ in range(50):
        await asyncio.sleep(0.2)  # Qt runs meanwhile: repaints, layouts, the sync
        current = _pane_image(window)
        if max_difference(previous, current) == 0:
            return current
        previous = current
    raise AssertionError("the conversation area never stopped changing")


def _settings(window: MainWindow, tmp_path: Path) -> SettingsDialog:
    entry = XdgAutoStart(config_home=tmp_path / "config", command=["courtyard"])
    prefs = Preferences(
        policy=PolicyReading({}, {}), autostart=entry, settings_path=tmp_path / "settings.ini"
    )
    dialog = SettingsDialog(prefs, server_url="http://127.0.0.1", parent=window)
    dialog.show()
    return dialog


def _shown(dialog: SettingsDialog) -> tuple[bool, bool, bool]:
    """What the settings say: watermark on, capture protection asked for, and "not possible"."""
    row = dialog.findChild(ScreenshotPolicyView)
    assert isinstance(row, ScreenshotPolicyView)
    assert not row.watermark_box.isEnabled() and not row.capture_box.isEnabled()
    assert row.note.text() == LOCKED_NOTE and row.note.isVisible()
    return (
        row.watermark_box.isChecked(),
        row.capture_box.isChecked(),
        row.capture_note.isVisible(),
    )


def test_the_policy_turns_the_watermark_on_and_off_in_the_open_window(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, admin: Admin, tmp_path: Path
) -> None:
    async def scenario() -> None:
        window, session = await _window(qtbot, sign_in)
        await _open(window, "engineering")
        me = await session.api.me()
        protection = _protection(window)
        overlay = _overlay(window.message_pane)

        # Signed in with the policy off: no watermark, and the server is told so.
        await until(lambda: session.protection.sent is not None, what="the sign-in report")
        stored = await admin.device_of(me.id)
        assert stored is not None and stored.platform == platform_label()
        assert (stored.watermark_shown, stored.capture_protection) == (False, "off")
        assert overlay.isHidden()
        base = await _settled_pane(window)
        # The settings show the organisation's choice, which the person cannot change.
        settings = _settings(window, tmp_path)
        assert _shown(settings) == (False, False, False)
        settings.hide()

        # The admin turns it on: the open window follows, no restart.
        policy = await admin.set_policy(**WATERMARK_ON)
        await until(lambda: overlay.isVisible(), what="the watermark to appear")
        expected = watermark_spec(
            policy,
            Viewer(me.display_name, me.username, me.employee_id),
            clock=SystemClock(),
            zone=local_zone(),
        )
        assert expected is not None
        today = dt.datetime.now().astimezone().date().isoformat()
        assert expected.text == f"Dana Demo · {me.employee_id} · {today}" and me.employee_id
        assert overlay.spec == expected
        marked = await _settled_pane(window)

        # 1. The grab is exactly the conversation area with the watermark, rendered the same
        #    way on its own (the expected text, tile and colour), laid on top.
        dpr = marked.devicePixelRatio()
        pane = window.message_pane
        tile = render_tile(expected, text_colour(pane, OPACITY), text_font(overlay), dpr)
        alone = layer(QRect(QPoint(0, 0), pane.size()), tile, dpr)
        assert max_difference(marked, composite(base, alone)) <= 1

        # 2. Across the whole conversation area: every ninth of it has watermarked pixels.
        for region in grid(marked):
            assert changed(base, marked, region) > 150, region

        # 3. At the configured opacity: the layer's alpha, and the opacity measured back from
        #    the grab where the text fully covers plain background B (grab = B + a * (ink - B)).
        full = max_alpha(alone)
        assert abs(full / 255 - OPACITY) < 0.01
        bg = most_common_colour(base)
        ink = text_colour(pane, 1.0)
        assert abs(ink.green() - bg[1]) > 100
        base_at, marked_at = reader(base), reader(marked)
        estimates = [
            (marked_at(x, y)[1] - bg[1]) / (ink.green() - bg[1])
            for x, y in where_alpha(alone, full)
            if base_at(x, y)[:3] == bg
        ]
        assert len(estimates) > 500
        assert statistics.median(estimates) == pytest.approx(OPACITY, abs=0.01)

        # The device reported the change, and the server stored it.
        assert protection.capture.enabled
        if CAPTURE == "unsupported":
            assert protection.capture.state.reason == LINUX_REASON
        settings.show()
        assert _shown(settings) == (True, True, CAPTURE == "unsupported")
        settings.hide()
        await until(
            lambda: session.protection.sent is not None and session.protection.sent.watermark_shown,
            what="the report of the watermark",
        )
        stored = await admin.device_of(me.id)
        assert stored is not None
        assert (stored.watermark_shown, stored.capture_protection) == (True, CAPTURE)

        # The admin turns it off: gone from the open window, pixel for pixel.
        await admin.set_policy(**WATERMARK_OFF)
        await until(lambda: overlay.isHidden(), what="the watermark to go")
        assert max_difference(base, await _settled_pane(window)) == 0
        settings.show()
        assert _shown(settings) == (False, False, False)
        settings.close()
        await until(
            lambda: (
                session.protection.sent is not None and not session.protection.sent.watermark_shown
            ),
            what="the report of no watermark",
        )
        stored = await admin.device_of(me.id)
        assert stored is not None
        assert (stored.watermark_shown, stored.capture_protection) == (False, "off")

    arun(scenario(), timeout=120)


def _mouse(window: MainWindow, kind: QEvent.Type, pos: QPoint, held: bool) -> None:
    """A mouse event given to the QWindow, so Qt's own hit testing decides which widget gets
    it, as for a real mouse. (QTest's QWindow functions would process events from inside the
    running asyncio task; sendEvent does not.)"""
    left = Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind,
        QPointF(pos),
        QPointF(window.mapToGlobal(pos)),
        Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left,
        left if held else Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window.windowHandle(), event)


def _click(window: MainWindow, pos: QPoint) -> None:
    _mouse(window, QEvent.Type.MouseButtonPress, pos, held=True)
    _mouse(window, QEvent.Type.MouseButtonRelease, pos, held=False)


def _drag(window: MainWindow, start: QPoint, end: QPoint) -> None:
    _mouse(window, QEvent.Type.MouseButtonPress, start, held=True)
    for step in range(1, 11):
        _mouse(window, QEvent.Type.MouseMove, start + (end - start) * (step / 10), held=True)
    _mouse(window, QEvent.Type.MouseButtonRelease, end, held=False)


def test_clicks_selection_and_scrolling_work_under_the_watermark(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, admin: Admin
) -> None:
    async def scenario() -> None:
        # On before sign-in: the window has it from its first sync (the snapshot).
        await admin.set_policy(**WATERMARK_ON)
        window, session = await _window(qtbot, sign_in)
        overlay = _overlay(window.message_pane)
        await until(lambda: overlay.isVisible(), what="the watermark from the snapshot")
        await _open(window, "engineering")
        mid = await _send(qtbot, window, "Numbers for the board, watermarked")

        # Click: "N unread" under my message, clicked through the window where the watermark
        # lies over it, opens the receipts dialog, which is watermarked too.
        await until(lambda: _by_id(window, mid, Roles.UnreadBy), what="the unread count")
        row = window.messages.row_of_id(mid)
        opt = _option(window, row)
        footer = footer_rect(opt, window.messages.index(row, 0), window.message_delegate)
        at = QPoint(int(footer.left()) + 8, int(footer.center().y()))
        pos = window.message_view.viewport().mapTo(window, at)
        assert overlay.geometry().contains(overlay.parentWidget().mapFrom(window, pos))
        _click(window, pos)
        await until(lambda: window.message_actions.receipts_dialog is not None, what="receipts")
        dialog = window.message_actions.receipts_dialog
        assert dialog is not None
        dialog_overlay = _overlay(dialog)
        assert dialog_overlay.isVisible() and dialog_overlay.spec == overlay.spec
        assert dialog_overlay.geometry() == dialog.rect()
        dialog.close()

        # The "while you were off" digest lists where messages arrived: covered the same way.
        now = dt.datetime.now(dt.UTC)
        thread = DigestThread(
            window.messages.conversation_id or 0, "engineering", None, "", (mid,), 0
        )
        digest = DigestDialog(OffSummary(now - dt.timedelta(hours=9), now, (thread,)), window)
        digest.show()
        digest_overlay = _overlay(digest)
        assert digest_overlay.isVisible() and digest_overlay.spec == overlay.spec
        assert digest_overlay.geometry() == digest.rect()
        digest.close()

        # Text selection: a drag over the composer's text, under the watermark, selects it.
        edit = window.composer.edit
        edit.setPlainText("Draft: the discount ladder stays inside the deal team")
        start = edit.viewport().mapTo(window, QPoint(4, 10))
        end = edit.viewport().mapTo(window, QPoint(edit.viewport().width() - 4, 10))
        _drag(window, start, end)
        assert len(edit.textCursor().selectedText()) > 20
        # Control: were the watermark not transparent for the mouse, the drag would not reach.
        cursor = edit.textCursor()
        cursor.clearSelection()
        edit.setTextCursor(cursor)
        overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        _drag(window, start, end)
        assert edit.textCursor().selectedText() == ""
        overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

        # Scrolling: the wheel over the messages, under the watermark, scrolls them.
        bar = window.message_view.verticalScrollBar()
        await until(lambda: bar.maximum() > 0, what="a scrollable conversation")
        before = bar.value()
        where = QPointF(window.message_view.viewport().mapTo(window, QPoint(200, 200)))
        wheel = QWheelEvent(
            where,
            QPointF(window.mapToGlobal(where.toPoint())),
            QPoint(0, 0),
            QPoint(0, 240),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(window.windowHandle(), wheel)
        assert bar.value() < before

        await until(
            lambda: session.protection.sent is not None and session.protection.sent.watermark_shown,
            what="the report of the watermark",
        )
        me = await session.api.me()
        stored = await admin.device_of(me.id)
        assert stored is not None and stored.watermark_shown

    arun(scenario(), timeout=120)
