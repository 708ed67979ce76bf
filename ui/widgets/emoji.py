"""A small picker of common reactions: one row of emoji buttons (used inside the message menu)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

COMMON_REACTIONS = ("👍", "❤️", "😂", "🎉", "👀", "✅", "🙏", "😮")


class EmojiPicker(QFrame):
    picked = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, emojis: tuple[str, ...] = COMMON_REACTIONS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emojiPicker")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for emoji in emojis:
            button = QToolButton(self)
            button.setText(emoji)
            button.setAutoRaise(True)
            button.setToolTip(f"React with {emoji}")
            button.clicked.connect(lambda _=False, e=emoji: self.picked.emit(e))
            layout.addWidget(button)
            self.buttons[emoji] = button
