"""Watermark GUI tests: plain widgets on the offscreen platform, no server needed.

The themes are applied as widget palettes (never app-wide), so these tests leave the shared
QApplication exactly as they found it for the main-window tests.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QTextBrowser, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.features.watermark import WatermarkSpec
from ui import theme

TEXT = " ".join(f"Line {n}: the quarterly numbers stay inside the deal team." for n in range(40))


def spec(text: str = "Li Wei · E-10442 · 2026-01-05", opacity: float = 0.08) -> WatermarkSpec:
    return WatermarkSpec(
        text=text,
        opacity=opacity,
        angle=-30.0,
        spacing=(360, 220),
        refresh_at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
    )


@pytest.fixture
def app_theme(qapp: QApplication) -> Iterator[Callable[[str], None]]:
    """Applies a theme the way the app does (palette and stylesheet on the QApplication) and
    puts the application back as it was afterwards, for the tests that share it."""
    saved = (qapp.style().name(), QPalette(qapp.palette()), qapp.styleSheet())
    saved_property = qapp.property("courtyardTheme")

    def apply(name: str) -> None:
        theme.apply(qapp, name)

    yield apply
    style, palette, sheet = saved
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    if qapp.style().name() != style:
        qapp.setStyle(style)
    qapp.setProperty("courtyardTheme", saved_property)


@pytest.fixture
def make_view(
    qtbot: QtBot, app_theme: Callable[[str], None]
) -> Callable[..., tuple[QWidget, QTextBrowser]]:
    """A container with a QTextBrowser full of text, on the given theme, shown."""

    def make(
        theme_name: str = "light", size: tuple[int, int] = (900, 600)
    ) -> tuple[QWidget, QTextBrowser]:
        app_theme(theme_name)
        container = QWidget()
        container.setAutoFillBackground(True)
        layout = QVBoxLayout(container)
        layout.setContentsMargins(0, 0, 0, 0)
        view = QTextBrowser(container)
        view.setFrameShape(QTextBrowser.Shape.NoFrame)
        view.setPlainText(TEXT)
        layout.addWidget(view)
        qtbot.addWidget(container)
        container.resize(*size)
        container.show()
        qtbot.waitExposed(container)
        return container, view

    return make
