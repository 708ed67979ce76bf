"""A banner above the messages: someone urged me to read one of their messages."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class UrgeBanner(QFrame):
    show_requested = Signal(int, int)
    """Conversation id and message id the user wants to see."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("urgeBanner")
        self.label = QLabel(self)
        self.label.setObjectName("urgeBannerLabel")
        self.show_button = QPushButton("Show", self)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 12, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.show_button)
        layout.addWidget(self.close_button)
        self.setStyleSheet(
            "#urgeBanner { background: #fde2e1; border-bottom: 1px solid #f5a3a0; }"
            " #urgeBannerLabel { color: #8a1c17; font-weight: 600; }"
        )
        self._target: tuple[int, int] | None = None
        self.show_button.clicked.connect(self.on_show_button_clicked)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def show_urge(self, who: str, where: str, conversation_id: int, message_id: int) -> None:
        self.label.setText(f"⚑ {who} urged you to read a message in {where}")
        self._target = (conversation_id, message_id)
        self.show()

    @property
    def target(self) -> tuple[int, int] | None:
        return self._target if self.isVisible() else None

    def on_show_button_clicked(self) -> None:
        if self._target is not None:
            self.show_requested.emit(*self._target)
        self.hide()
