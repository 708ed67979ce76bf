"""The watermark colour is faint but visible on both themes: the WCAG contrast ratio between the
plain background and the background with the watermark drawn on it stays in a narrow band, and
is about the same on light and dark."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.features.watermark import DEFAULT_OPACITY, OPACITY_RANGE
from ui import theme
from ui.watermark.overlay import text_colour


def _luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _over(ink: QColor, background: QColor) -> QColor:
    a = ink.alphaF()
    return QColor.fromRgbF(
        *(
            a * i + (1 - a) * b
            for i, b in zip(
                (ink.redF(), ink.greenF(), ink.blueF()),
                (background.redF(), background.greenF(), background.blueF()),
                strict=True,
            )
        )
    )


def _ratio(qtbot: QtBot, theme_name: str, opacity: float) -> float:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setPalette(theme.palette(theme_name))
    background = widget.palette().color(QPalette.ColorRole.Base)
    return _contrast(_over(text_colour(widget, opacity), background), background)


def test_default_opacity_is_visible_but_faint_on_light_and_dark(qtbot: QtBot) -> None:
    light = _ratio(qtbot, "light", DEFAULT_OPACITY)
    dark = _ratio(qtbot, "dark", DEFAULT_OPACITY)
    faint_but_visible = (1.08, 1.5)  # body text needs 4.5; a watermark should be far below that
    for ratio in (light, dark):
        assert faint_but_visible[0] < ratio < faint_but_visible[1]
    assert abs((light - 1) - (dark - 1)) < 0.5 * max(light - 1, dark - 1)


def test_even_the_faintest_allowed_opacity_changes_the_pixels_and_the_strongest_stays_below_text(
    qtbot: QtBot,
) -> None:
    for name in ("light", "dark"):
        assert _ratio(qtbot, name, OPACITY_RANGE[0]) > 1.02
        assert _ratio(qtbot, name, OPACITY_RANGE[1]) < 3.0
