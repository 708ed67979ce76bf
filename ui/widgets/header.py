"""The header above the message view: conversation title, members or topic, the topic link, and
for groups and channels a button that lists the members with their statuses."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class ConversationHeader(QFrame):
    topic_close_toggled = Signal()
    link_activated = Signal(str)
    """The topic's link was clicked (the window opens it: it also tells the workday status)."""
    members_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationHeader")
        self.title = QLabel(self)
        self.title.setObjectName("headerTitle")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("headerSubtitle")
        self.subtitle.setTextFormat(Qt.TextFormat.RichText)
        self.subtitle.linkActivated.connect(self.link_activated)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("topicCloseButton")
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.hide()
        self.members_button = QPushButton(self)
        self.members_button.setObjectName("membersButton")
        self.members_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.members_button.setToolTip("Members, with their status and working hours")
        self.members_button.hide()
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 12, 16, 12)
        layout.addLayout(text, 1)
        layout.addWidget(self.members_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.close_button.clicked.connect(self.topic_close_toggled)
        self.members_button.clicked.connect(self.members_requested)

    def show_members(self, count: int | None) -> None:
        """The members button for a group or channel of ``count`` people; None hides it (DMs)."""
        self.members_button.setVisible(count is not None)
        if count is not None:
            self.members_button.setText(f"👥 {count}")
            self.members_button.setAccessibleName(f"{count} members")

    def show_place(self, title: str, subtitle_html: str, *, topic_closed: bool | None) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle_html)
        self.subtitle.setVisible(bool(subtitle_html))
        self.close_button.setVisible(topic_closed is not None)
        if topic_closed is not None:
            self.close_button.setText("Reopen topic" if topic_closed else "Close topic")
