"""Light and dark themes that follow the system colour scheme (QStyleHints.colorScheme).

A theme is a QPalette (the delegates paint from it) plus a stylesheet from resources/themes/.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES_DIR = Path(__file__).resolve().parent.parent / "resources" / "themes"

_COLOURS = {
    "light": {
        "Window": "#f4f5f7",
        "WindowText": "#1d2129",
        "Base": "#ffffff",
        "AlternateBase": "#f7f8fa",
        "Text": "#1d2129",
        "Button": "#ffffff",
        "ButtonText": "#1d2129",
        "Highlight": "#2f6fde",
        "HighlightedText": "#ffffff",
        "Link": "#2f6fde",
        "BrightText": "#d93a3a",
        "PlaceholderText": "#8a919c",
        "ToolTipBase": "#1d2129",
        "ToolTipText": "#ffffff",
        "Mid": "#d9dce1",
        "Dark": "#b8bcc4",
        "Light": "#ffffff",
        "Midlight": "#eceef1",
    },
    "dark": {
        "Window": "#1b1d22",
        "WindowText": "#e3e5e8",
        "Base": "#24272d",
        "AlternateBase": "#2a2d33",
        "Text": "#e3e5e8",
        "Button": "#2c3037",
        "ButtonText": "#e3e5e8",
        "Highlight": "#3d7bf0",
        "HighlightedText": "#ffffff",
        "Link": "#6ea2ff",
        "BrightText": "#ff6b6b",
        "PlaceholderText": "#7d838d",
        "ToolTipBase": "#e3e5e8",
        "ToolTipText": "#1b1d22",
        "Mid": "#3a3e46",
        "Dark": "#14161a",
        "Light": "#3a3e46",
        "Midlight": "#30343b",
    },
}


def palette(name: str) -> QPalette:
    pal = QPalette()
    for role, colour in _COLOURS[name].items():
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    disabled = QColor(_COLOURS[name]["PlaceholderText"])
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def system_scheme() -> str:
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def apply(app: QApplication, name: str) -> None:
    app.setStyle("Fusion")  # the same metrics everywhere; the palette and QSS do the rest
    app.setPalette(palette(name))
    app.setStyleSheet((THEMES_DIR / f"{name}.qss").read_text(encoding="utf-8"))
    app.setProperty("courtyardTheme", name)


class ThemeFollower(QObject):
    """Re-applies the theme when the system switches between light and dark (unless forced)."""

    def __init__(self, app: QApplication, forced: str | None = None) -> None:
        super().__init__(app)
        self._app = app
        self._forced = forced
        apply(app, forced or system_scheme())
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            self.on_style_hints_color_scheme_changed
        )

    def on_style_hints_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._forced is None:
            apply(self._app, system_scheme())
