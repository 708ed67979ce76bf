"""The tray icon: the app icon with the unread count drawn on it, and its menu.

Open shows the window, "Pause notifications" toggles the notification gate (the off-hours
feature will drive the same hook), "Pause sharing my status" pauses the workday status (colleagues
then see only presence), Quit ends the app. Where the platform has no tray (the
offscreen test platform, some Linux desktops) the icon is kept but never shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

ICON_PATH = Path(__file__).resolve().parent.parent / "resources" / "icons" / "courtyard.svg"
ICON_SIZE = 64


def badge_icon(base: QIcon, count: int) -> QIcon:
    """``base`` with a red badge showing ``count`` (99+ above 99) in its top-right corner."""
    pixmap = base.pixmap(ICON_SIZE, ICON_SIZE)
    if pixmap.isNull():
        pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
        pixmap.fill(QColor("#2f6fde"))
    if count <= 0:
        return QIcon(pixmap)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    text = str(count) if count < 100 else "99+"
    size = ICON_SIZE * 0.56
    rect = QRectF(ICON_SIZE - size - 1, 1, size, size)
    if len(text) > 1:
        rect.setLeft(ICON_SIZE - size * (0.75 + 0.3 * len(text)) - 1)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#d93a3a"))
    painter.drawRoundedRect(rect, size / 2, size / 2)
    font = QFont()
    font.setPixelSize(round(size * 0.62))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)


class TrayIcon(QObject):
    open_requested = Signal()
    quit_requested = Signal()
    pause_toggled = Signal(bool)
    status_pause_toggled = Signal(bool)

    def __init__(self, parent: QWidget, *, icon_path: Path = ICON_PATH) -> None:
        """``parent`` (the main window) owns the icon and its menu: both go when it goes."""
        super().__init__(parent)
        self._base = QIcon(str(icon_path))
        self.badge_count = 0
        self.icon = QSystemTrayIcon(badge_icon(self._base, 0), self)
        self.icon.setToolTip("Courtyard")
        self.menu = QMenu(parent)
        self.open_action = QAction("Open Courtyard", self.menu)
        self.pause_action = QAction("Pause notifications", self.menu)
        self.pause_action.setCheckable(True)
        self.status_pause_action = QAction("Pause sharing my status", self.menu)
        self.status_pause_action.setCheckable(True)
        self.quit_action = QAction("Quit", self.menu)
        for action in (self.open_action, self.pause_action, self.status_pause_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self._connect_signals()
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    def _connect_signals(self) -> None:
        self.open_action.triggered.connect(self.open_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.pause_action.toggled.connect(self.pause_toggled)
        self.status_pause_action.toggled.connect(self.status_pause_toggled)
        self.icon.activated.connect(self.on_icon_activated)

    def on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_requested.emit()

    def set_unread(self, count: int) -> None:
        if count == self.badge_count:
            return
        self.badge_count = count
        self.icon.setIcon(badge_icon(self._base, count))
        self.icon.setToolTip(f"Courtyard · {count} unread" if count else "Courtyard")

    def set_status_paused(self, paused: bool) -> None:
        """Reflect a pause set elsewhere (the status menu) without echoing it back."""
        self.status_pause_action.blockSignals(True)
        self.status_pause_action.setChecked(paused)
        self.status_pause_action.blockSignals(False)

    def can_show_messages(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()
