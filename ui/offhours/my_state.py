"""My own availability under my name in the sidebar, with do-not-disturb one click away."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from app.features.offhours import Availability


class MyStateButton(QToolButton):
    dnd_requested = Signal(str)
    """ "hour", "tomorrow", "until" (choose a time) or "off"."""
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myStateButton")
        self.setAutoRaise(True)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.hour_action = QAction("Do not disturb for 1 hour", self.menu_)
        self.tomorrow_action = QAction("Do not disturb until tomorrow's start", self.menu_)
        self.until_action = QAction("Do not disturb until a time…", self.menu_)
        self.off_action = QAction("Turn do not disturb off", self.menu_)
        self.settings_action = QAction("Working hours and do not disturb…", self.menu_)
        for action in (self.hour_action, self.tomorrow_action, self.until_action, self.off_action):
            self.menu_.addAction(action)
        self.menu_.addSeparator()
        self.menu_.addAction(self.settings_action)
        self.setMenu(self.menu_)
        self.hour_action.setData("hour")
        self.tomorrow_action.setData("tomorrow")
        self.until_action.setData("until")
        self.off_action.setData("off")
        # One slot for the menu, no lambdas: a lambda holding ``self`` in a connection makes a
        # reference cycle that the garbage collector may break on a worker thread, where Qt
        # objects must never be deleted.
        self.menu_.triggered.connect(self.on_menu_triggered)
        self.show_state(Availability(off=False, until=None, reason="working"), "Working")

    def on_menu_triggered(self, action: QAction) -> None:
        if action is self.settings_action:
            self.settings_requested.emit()
        elif action.data():
            self.dnd_requested.emit(str(action.data()))

    def show_state(self, availability: Availability, text: str) -> None:
        """``text`` is :func:`own_state`'s phrase for ``availability``."""
        self.setText(("☾ " if availability.off else "● ") + text)
        self.setProperty("off", availability.off)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setToolTip("Your availability, as colleagues see it. Click to change it.")
        self.off_action.setVisible(availability.reason == "dnd")
