"""The message composer: Enter sends, Shift+Enter starts a new line, drafts kept per place."""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPlainTextEdit, QPushButton, QWidget


class ComposerEdit(QPlainTextEdit):
    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(400, self._height())

    def _height(self) -> int:
        lines = max(1, min(8, self.document().size().height()))
        return int(lines * self.fontMetrics().lineSpacing() + 22)


class Composer(QFrame):
    """Emits :attr:`message_submitted` with the text; the window decides where it goes."""

    message_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setTabChangesFocus(True)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self._drafts: dict[Hashable, str] = {}
        self._place: Hashable | None = None
        self._connect_signals()
        self.on_edit_text_changed()

    def _connect_signals(self) -> None:
        self.edit.submitted.connect(self.on_edit_submitted)
        self.send_button.clicked.connect(self.on_edit_submitted)
        self.edit.textChanged.connect(self.on_edit_text_changed)

    def switch_to(self, place: Hashable | None, placeholder: str) -> None:
        """Keep the current text as the draft of the old place; restore the new place's draft."""
        if self._place is not None:
            text = self.edit.toPlainText()
            if text.strip():
                self._drafts[self._place] = text
            else:
                self._drafts.pop(self._place, None)
        self._place = place
        self.edit.setPlainText(self._drafts.get(place, "") if place is not None else "")
        self.edit.setPlaceholderText(placeholder)
        self.setEnabled(place is not None)

    def draft(self, place: Hashable) -> str | None:
        return self._drafts.get(place)

    def on_edit_submitted(self) -> None:
        text = self.edit.toPlainText().strip()
        if not text or self._place is None:
            return
        self.edit.clear()
        self._drafts.pop(self._place, None)
        self.message_submitted.emit(text)

    def on_edit_text_changed(self) -> None:
        self.send_button.setEnabled(bool(self.edit.toPlainText().strip()))
        self.edit.setFixedHeight(self.edit._height())
