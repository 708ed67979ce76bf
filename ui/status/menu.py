"""The own status under one's name in the sidebar, and the menu that controls it.

The chip shows exactly what colleagues see and where it comes from ("auto · from LibreOffice
Calc"). Clicking it, or one's own name, opens the menu: quick statuses, "Set a status…", clear,
pause sharing, and the rules editor.
"""

from __future__ import annotations

import html
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMenu,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.features.status import ManualStatus, PublishedStatus
from ui.status.manual_dialog import ManualStatusDialog, expiry_for
from ui.status.rules_dialog import StatusRulesDialog
from ui.status.service import StatusService
from ui.status.settings_dialog import StatusSettingsDialog

#: Quick statuses: (emoji, text, expiry choice of the "Set a status" dialog).
PRESETS = (
    ("📅", "In a meeting", "1 hour"),
    ("🍽️", "Out for lunch", "1 hour"),
    ("🎧", "Focusing", "Today"),
    ("🤒", "Out sick", "Today"),
    ("🌴", "On holiday", "This week"),
)
PAUSE = "Pause sharing my status"


def shown_text(status: PublishedStatus | None) -> str:
    if status is None:
        return "No status"
    return f"{status.emoji} {status.text}" if status.emoji else status.text


class StatusMenu(QMenu):
    """Built afresh each time it opens, so it always tells the current state."""

    def __init__(self, service: StatusService, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("statusMenu")
        self._service = service
        self._host = parent
        header = self.header = QLabel(self)
        header.setObjectName("statusMenuHeader")
        header.setTextFormat(Qt.TextFormat.RichText)
        header.setWordWrap(True)
        seen = "nothing" if service.paused else shown_text(service.published)
        problem = service.calendar.problem()
        notice = service.calendar.notice()
        header.setText(
            "<div style='font-size:11px'>COLLEAGUES SEE</div>"
            f"<div style='font-size:14px; font-weight:600; margin:3px 0'>{html.escape(seen)}</div>"
            f"<div>{html.escape(service.describe_source())}</div>"
            + (
                f"<div style='color:#c0392b; margin-top:4px'>⚠ {html.escape(problem)}</div>"
                if problem
                else ""
            )
            + (
                f"<div style='color:#9a6a00; margin-top:4px'>⚠ {html.escape(notice)}</div>"
                if notice
                else ""
            )
        )
        header.setMinimumWidth(320)
        header.setMaximumWidth(380)
        header_action = QWidgetAction(self)
        header_action.setDefaultWidget(header)
        self.addAction(header_action)
        self.addSeparator()
        for emoji, text, expiry in PRESETS:
            action = self.addAction(f"{emoji}  {text}  ·  {expiry.lower()}")
            action.triggered.connect(
                lambda _=False, e=emoji, t=text, x=expiry: self.set_preset(e, t, x)
            )
        self.set_action = self.addAction("Set a status…")
        self.set_action.triggered.connect(self.ask_manual)
        self.clear_action = self.addAction("Clear my status")
        self.clear_action.setEnabled(service.engine.manual is not None)
        self.clear_action.triggered.connect(lambda: service.set_manual(None))
        self.addSeparator()
        self.pause_action = QAction(PAUSE, self)
        self.pause_action.setCheckable(True)
        self.pause_action.setChecked(service.paused)
        self.pause_action.toggled.connect(service.set_paused)
        self.addAction(self.pause_action)
        self.rules_action = self.addAction("Status rules…")
        self.rules_action.triggered.connect(self.open_rules)
        self.settings_action = self.addAction("Away time and calendar…")
        self.settings_action.triggered.connect(self.open_settings)

    def set_preset(self, emoji: str, text: str, expiry: str) -> None:
        until = expiry_for(expiry, self._service.clock.now(), self._service.zone)
        self._service.set_manual(ManualStatus(text, emoji, until))

    def ask_manual(self) -> None:
        dialog = ManualStatusDialog(
            now=self._service.clock.now,
            zone=self._service.zone,
            current=self._service.engine.manual,
            parent=self._host.window(),
        )
        if dialog.exec() == ManualStatusDialog.DialogCode.Accepted:
            status = dialog.status()
            if status is not None:
                self._service.set_manual(status)

    def open_rules(self) -> None:
        open_rules_dialog(self._service, self._host.window())

    def open_settings(self) -> StatusSettingsDialog:
        return open_settings_dialog(self._service, self._host.window())


def open_rules_dialog(service: StatusService, parent: QWidget) -> StatusRulesDialog:
    """Non-modal, so the user can switch to another app and watch the preview follow it."""
    return _show_preferences(StatusRulesDialog(service, parent), service)


def open_settings_dialog(service: StatusService, parent: QWidget) -> StatusSettingsDialog:
    """Non-modal: the calendar line keeps telling what was read while the dialog is open."""
    return _show_preferences(StatusSettingsDialog(service, parent), service)


D = TypeVar("D", StatusRulesDialog, StatusSettingsDialog)


def _show_preferences(dialog: D, service: StatusService) -> D:
    """Show a dialog that edits a copy of the preferences; Save hands them to the service."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: service.set_preferences(dialog.preferences()))
    dialog.show()
    return dialog


class StatusChip(QFrame):
    """Two lines under the name: the status colleagues see, and where it comes from."""

    menu_requested = Signal()

    def __init__(self, service: StatusService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusChip")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Your status: click to change it, pause it or edit the rules")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Your status")
        self._service = service
        self.text = QLabel(self)
        self.text.setObjectName("statusChipText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.source = QLabel(self)
        self.source.setObjectName("statusChipSource")
        self.source.setTextFormat(Qt.TextFormat.PlainText)
        for label in (self.text, self.source):  # elided to fit: never widen the sidebar
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 6)
        layout.setSpacing(1)
        layout.addWidget(self.text)
        layout.addWidget(self.source)
        service.status_did_change.connect(self.refresh)
        service.preferences_did_change.connect(self.refresh)
        self.menu_requested.connect(self.open_menu)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        s = self._service
        status = None if s.paused else s.published
        text = "⏸ Sharing paused" if s.paused else shown_text(status)
        if status is None and not s.paused:
            text = "Set a status"
        width = max(self.width() - 20, 40)
        self.text.setText(
            self.text.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
        )
        self.text.setToolTip(text)
        self.source.setText(
            self.source.fontMetrics().elidedText(
                s.describe_source(), Qt.TextElideMode.ElideRight, width
            )
        )
        if self.property("empty") != (status is None):
            self.setProperty("empty", status is None)
            for widget in (self, self.text):  # the label's colour depends on the property
                widget.style().unpolish(widget)
                widget.style().polish(widget)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.menu_requested.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.menu_requested.emit()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refresh()

    def menu(self) -> StatusMenu:
        return StatusMenu(self._service, self)

    def open_menu(self) -> StatusMenu:
        menu = self.menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.mapToGlobal(QPoint(0, self.height())))
        return menu


class OpensStatusMenu(QObject):
    """Makes a widget (one's own name) open the status menu when clicked."""

    def __init__(self, chip: StatusChip, target: QWidget) -> None:
        super().__init__(target)
        self._chip = chip
        target.installEventFilter(self)
        target.setCursor(Qt.CursorShape.PointingHandCursor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease:
            self._chip.menu_requested.emit()
            return True
        return False
