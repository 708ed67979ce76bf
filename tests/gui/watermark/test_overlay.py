"""The overlay on a real widget, checked through QWidget.grab(): what is painted, where, how
faint, and that it never gets in the way of the mouse."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QPalette, QPixmap, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QTextBrowser, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.watermark.conftest import spec
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
    rgb_of,
    where_alpha,
)
from ui import theme
from ui.watermark.overlay import WatermarkOverlay, text_colour

MakeView = Callable[..., tuple[QWidget, QTextBrowser]]


def _tile(overlay: WatermarkOverlay) -> QPixmap:
    tile = overlay.tile()
    assert tile is not None
    return tile


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_the_watermark_is_present_across_the_area_at_the_configured_opacity(
    make_view: MakeView, theme_name: str
) -> None:
    container, _ = make_view(theme_name)
    base = argb(container.grab())
    overlay = WatermarkOverlay(container, spec(opacity=0.08))
    with_mark = argb(container.grab())
    dpr = with_mark.devicePixelRatio()

    # 1. The grab is exactly the window with the watermark, rendered the same way alone, on top.
    alone = layer(container.rect(), _tile(overlay), dpr)
    assert max_difference(with_mark, composite(base, alone)) <= 1

    # 2. The watermark is everywhere: each of 9 regions spread over the area has marked pixels.
    for region in grid(with_mark):
        assert changed(base, with_mark, region) > 150, region

    # 3. Its opacity, measured from the grab alone: where the text covers a pixel fully (the
    #    layer's alpha is at its maximum) over plain background B, the grab shows
    #    B + a * (C - B) for text colour C; solving for a gives the opacity actually drawn.
    bg = most_common_colour(base)  # the view's background, whatever styled it
    assert bg == rgb_of(theme.palette(theme_name).color(QPalette.ColorRole.Base))
    ink = text_colour(container, 1.0)
    full = max_alpha(alone)
    assert abs(full / 255 - 0.08) < 0.01
    base_at, with_at = reader(base), reader(with_mark)
    estimates = []
    for x, y in where_alpha(alone, full):
        if base_at(x, y)[:3] != bg:
            continue  # the browser's own text is under this pixel
        got = with_at(x, y)
        estimates.append((got[0] - bg[0]) / (ink.red() - bg[0]))
    assert len(estimates) > 500
    assert statistics.median(estimates) == pytest.approx(0.08, abs=0.01)


def test_set_spec_none_removes_it_from_the_grab(make_view: MakeView) -> None:
    container, _ = make_view()
    base = argb(container.grab())
    overlay = WatermarkOverlay(container, spec())
    assert max_difference(base, argb(container.grab())) > 0
    overlay.set_spec(None)
    assert overlay.isHidden()
    assert max_difference(base, argb(container.grab())) == 0
    overlay.set_spec(spec("changed live"))
    assert max_difference(base, argb(container.grab())) > 0


def test_clicks_reach_the_button_underneath(qtbot: QtBot) -> None:
    """The click goes through the window (QTest on the QWindow), so Qt's own hit testing
    decides who gets it; sending it to the button directly would prove nothing."""
    container = QWidget()
    qtbot.addWidget(container)
    button = QPushButton("Send", container)
    button.setGeometry(40, 40, 120, 40)
    container.resize(400, 300)
    overlay = WatermarkOverlay(container, spec())
    container.show()
    qtbot.waitExposed(container)
    centre = button.geometry().center()
    assert overlay.geometry().contains(centre) and overlay.isVisible()
    assert container.childAt(centre) is button

    with qtbot.waitSignal(button.clicked, timeout=1000):
        QTest.mouseClick(container.windowHandle(), Qt.MouseButton.LeftButton, pos=centre)

    # Control: the same click with a mouse-opaque overlay never reaches the button.
    overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
    with qtbot.assertNotEmitted(button.clicked, wait=100):
        QTest.mouseClick(container.windowHandle(), Qt.MouseButton.LeftButton, pos=centre)


def _drag_select(container: QWidget, view: QTextBrowser) -> None:
    window = container.windowHandle()
    top_left = view.viewport().mapTo(container, QPoint(8, 10))
    end = view.viewport().mapTo(container, QPoint(300, 60))
    QTest.mousePress(window, Qt.MouseButton.LeftButton, pos=top_left)
    for step in range(1, 11):
        QTest.mouseMove(window, top_left + (end - top_left) * (step / 10))
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, pos=end)


def test_text_selection_under_the_overlay_works(qtbot: QtBot, make_view: MakeView) -> None:
    container, view = make_view()
    overlay = WatermarkOverlay(container, spec())
    _drag_select(container, view)
    assert len(view.textCursor().selectedText()) > 20

    # Control: a mouse-opaque overlay swallows the same drag.
    view.moveCursor(view.textCursor().MoveOperation.Start)
    assert view.textCursor().selectedText() == ""
    overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
    _drag_select(container, view)
    assert view.textCursor().selectedText() == ""


def test_wheel_scrolling_reaches_the_view(make_view: MakeView) -> None:
    container, view = make_view(size=(500, 200))
    WatermarkOverlay(container, spec())
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    pos = QPointF(view.viewport().mapTo(container, QPoint(100, 100)))
    wheel = QWheelEvent(
        pos,
        QPointF(container.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, -240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    # Sent to the QWindow, Qt routes it by hit testing, as a real wheel event would be.
    QApplication.sendEvent(container.windowHandle(), wheel)
    assert bar.value() > 0


def test_it_follows_resizes_and_stays_above_later_siblings(
    qtbot: QtBot, make_view: MakeView
) -> None:
    container, _ = make_view()
    overlay = WatermarkOverlay(container, spec())
    assert overlay.geometry() == container.rect()
    container.resize(1200, 300)
    assert overlay.geometry() == QRect(0, 0, 1200, 300)
    later = QLabel("added after the overlay", container)
    later.show()
    siblings = [c for c in container.children() if isinstance(c, QWidget)]
    assert siblings[-1] is overlay
    # Painting covers the new size, bottom-right corner included.
    base_overlay_hidden = argb(container.grab(QRect(900, 0, 300, 300)))
    overlay.hide()
    plain = argb(container.grab(QRect(900, 0, 300, 300)))
    overlay.show()
    assert max_difference(base_overlay_hidden, plain) > 0


def test_a_sibling_that_raises_itself_stays_under_the_watermark(make_view: MakeView) -> None:
    """A floating panel (the search panel) calls raise_() when it opens, after the overlay
    exists; the overlay must end up above it again, whether the panel was there before the
    overlay or was created after it."""
    container, view = make_view()
    before = QLabel("a panel made before the overlay", container)
    before.hide()
    overlay = WatermarkOverlay(container, spec())
    after = QLabel("a panel made after the overlay", container)
    after.hide()

    def top() -> QWidget:
        return [c for c in container.children() if isinstance(c, QWidget)][-1]

    for panel in (before, after, view):
        panel.show()
        panel.raise_()
        assert top() is overlay, panel
    # Hidden, it does not fight for the top (nothing to cover).
    overlay.set_spec(None)
    before.raise_()
    assert top() is before


def test_paints_reuse_the_cached_tile(make_view: MakeView) -> None:
    container, view = make_view()
    overlay = WatermarkOverlay(container, spec())
    for _ in range(5):
        container.grab()
        view.verticalScrollBar().setValue(view.verticalScrollBar().value() + 20)
        container.repaint()
    assert overlay.tile_renders == 1
    overlay.set_spec(spec())  # an equal spec: nothing to do
    container.grab()
    assert overlay.tile_renders == 1
    overlay.set_spec(spec("someone else"))
    container.grab()
    assert overlay.tile_renders == 2


def test_a_theme_change_re_renders_the_tile_in_the_new_colour(
    make_view: MakeView, app_theme: Callable[[str], None]
) -> None:
    container, _ = make_view("light")
    overlay = WatermarkOverlay(container, spec())
    container.grab()
    app_theme("dark")  # what the app does when the system switches to dark
    container.grab()
    assert overlay.tile_renders == 2
    assert text_colour(container, 1.0) == theme.palette("dark").color(QPalette.ColorRole.Text)
    # A palette set on the host alone (no app-wide change) is followed as well.
    container.setPalette(theme.palette("light"))
    container.grab()
    assert overlay.tile_renders == 3


def test_a_device_pixel_ratio_change_re_renders_the_tile_simulated(
    make_view: MakeView, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: the overlay's devicePixelRatioF() is patched to 2 and Qt's
    DevicePixelRatioChange event is sent by hand. The real screen move is in test_dpr.py."""
    container, _ = make_view()
    overlay = WatermarkOverlay(container, spec())
    container.grab()
    assert _tile(overlay).devicePixelRatio() == 1.0
    monkeypatch.setattr(overlay, "devicePixelRatioF", lambda: 2.0)
    QApplication.sendEvent(overlay, QEvent(QEvent.Type.DevicePixelRatioChange))
    tile = _tile(overlay)
    assert overlay.tile_renders == 2
    assert tile.devicePixelRatio() == 2.0
    assert tile.deviceIndependentSize() == _tile(overlay).deviceIndependentSize()
