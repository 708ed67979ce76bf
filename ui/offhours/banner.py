"""The calm note above the composer: the people I am writing to are off, and what "urgent" does.

It says it before I send ("Li Wei is off work until 09:00 tomorrow (their time) — they will be
notified then"), offers "Send as urgent" one click away, and, when the server refuses an urgent
send because my hourly allowance towards people who are off is used up, says so in the server's
words with "Send without urgency" (the refused message stays in the conversation, marked failed).
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

Mood = Literal["hint", "refused"]


class OffHoursBanner(QFrame):
    send_urgent_requested = Signal()
    send_plain_requested = Signal()
    """Send the refused urgent message again, without urgency."""
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offHoursBanner")
        self.icon = QLabel("☾", self)
        self.icon.setObjectName("offHoursIcon")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel(self)
        self.label.setObjectName("offHoursText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.urgent_button = QPushButton("⚑ Send as urgent", self)
        self.urgent_button.setObjectName("offHoursUrgent")
        self.urgent_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.urgent_button.setToolTip(
            "Sends what you wrote flagged urgent: it notifies them now, "
            "if they let urgent messages through"
        )
        self.plain_button = QPushButton("Send without urgency", self)
        self.plain_button.setObjectName("offHoursPlain")
        self.plain_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("offHoursClose")
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.urgent_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.plain_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.mood: Mood | None = None
        self.urgent_button.clicked.connect(self.send_urgent_requested)
        self.plain_button.clicked.connect(self.send_plain_requested)
        self.close_button.clicked.connect(self.dismissed)
        self.hide()

    @property
    def text(self) -> str:
        """What the banner says now ("" while hidden)."""
        return "" if self.isHidden() else self.label.text()

    def show_hint(self, text: str) -> None:
        """Someone I write to is off (``text`` says who and until when); "" hides the banner."""
        if not text:
            self.clear()
            return
        self._show("hint", "☾", _escape(text))
        self.urgent_button.show()
        self.plain_button.hide()
        self.close_button.hide()

    def show_refused(self, detail: str) -> None:
        """The server refused an urgent send; ``detail`` is its problem+json explanation."""
        self._show("refused", "⚑", f"<b>Not sent as urgent.</b> {_escape(detail)}")
        self.urgent_button.hide()
        self.plain_button.show()
        self.close_button.show()

    def clear(self) -> None:
        self.mood = None
        self.label.clear()
        self.hide()

    def _show(self, mood: Mood, icon: str, text: str) -> None:
        self.mood = mood
        self.icon.setText(icon)
        self.label.setText(text)
        self.setProperty("mood", mood)
        self.style().unpolish(self)
        self.style().polish(self)
        for child in (self.icon, self.label):
            child.style().unpolish(child)
            child.style().polish(child)
        self.show()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
