"""The message composer: Enter sends, Shift+Enter starts a new line, drafts kept per place;
reply and edit modes (a strip above the text, Esc cancels), an urgent toggle, @-completion."""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.wire import User
from ui.widgets.composer_members import MemberListModel, Roles

Mode = Literal["reply", "edit"]
MENTION_AT_CURSOR = re.compile(r"(?<![\w@])@([\w.\-]*)$")


@dataclass(frozen=True, slots=True)
class Submission:
    """What the user sent: a new message (maybe a reply, maybe urgent) or an edit."""

    text: str
    reply_to: int | None = None
    edit_of: int | None = None
    urgent: bool = False


class ComposerEdit(QPlainTextEdit):
    submitted = Signal()
    edit_last_requested = Signal()
    """Up in an empty composer: edit my last message."""
    cancel_requested = Signal()
    typed = Signal()
    """A key changed the text or moved the cursor (not a programmatic change)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.completer: QCompleter | None = None
        self.in_mode = False

    def _popup_open(self) -> bool:
        return self.completer is not None and self.completer.popup().isVisible()

    def event(self, event: QEvent) -> bool:
        # Let Esc reach keyPressEvent (instead of the window's shortcut) while it has a meaning here.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and (self.in_mode or self._popup_open())
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._popup_open() and key in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Tab,
            Qt.Key.Key_Escape,
        ):
            event.ignore()  # the completer's popup handles these
            return
        if key == Qt.Key.Key_Escape and self.in_mode:
            self.cancel_requested.emit()
            return
        no_mods = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Up and no_mods and not self.toPlainText():
            self.edit_last_requested.emit()
            return
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)
        self.typed.emit()

    def sizeHint(self) -> QSize:
        return QSize(400, self._height())

    def _height(self) -> int:
        lines = max(1, min(8, self.document().size().height()))
        return int(lines * self.fontMetrics().lineSpacing() + 22)


class Composer(QFrame):
    """Emits :attr:`message_submitted` with a :class:`Submission`; the window decides where it
    goes. The window puts it into reply or edit mode with :meth:`start_reply`/:meth:`start_edit`."""

    message_submitted = Signal(object)
    edit_last_requested = Signal()
    place_did_change = Signal(object)
    """The composer now writes to another place (the new :attr:`place`, None for nowhere)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.strip = QFrame(self)
        self.strip.setObjectName("composerStrip")
        self.strip_label = QLabel(self.strip)
        self.strip_label.setObjectName("composerStripLabel")
        self.strip_cancel = QToolButton(self.strip)
        self.strip_cancel.setText("✕")
        self.strip_cancel.setToolTip("Cancel (Esc)")
        self.strip_cancel.setAutoRaise(True)
        sl = QHBoxLayout(self.strip)
        sl.setContentsMargins(4, 2, 0, 2)
        sl.addWidget(self.strip_label, 1)
        sl.addWidget(self.strip_cancel)
        self.strip.hide()
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setTabChangesFocus(True)
        self.urgent_button = QToolButton(self)
        self.urgent_button.setObjectName("urgentButton")
        self.urgent_button.setText("⚑")
        self.urgent_button.setCheckable(True)
        self.urgent_button.setAutoRaise(True)
        self.urgent_button.setStyleSheet("#urgentButton:checked { color: #d93025; }")
        self.urgent_button.setToolTip(
            "Urgent: reaches the recipients even when they are muted or off hours"
        )
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.members = MemberListModel(self)
        self.completer = QCompleter(self.members, self)
        self.completer.setCompletionRole(Roles.MatchText)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setWidget(self.edit)
        self.edit.completer = self.completer
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.edit, 1)
        row.addWidget(self.urgent_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.strip)
        layout.addLayout(row)
        self._drafts: dict[Hashable, str] = {}
        self._place: Hashable | None = None
        self.mode: Mode | None = None
        self.mode_message_id: int | None = None
        self._stashed = ""
        self._connect_signals()
        self.on_edit_text_changed()

    def _connect_signals(self) -> None:
        self.edit.submitted.connect(self.on_edit_submitted)
        self.edit.edit_last_requested.connect(self.edit_last_requested)
        self.edit.cancel_requested.connect(self.cancel_mode)
        self.send_button.clicked.connect(self.on_edit_submitted)
        self.strip_cancel.clicked.connect(self.cancel_mode)
        self.edit.textChanged.connect(self.on_edit_text_changed)
        self.edit.typed.connect(self.on_edit_typed)
        self.completer.activated[QModelIndex].connect(self.on_completer_activated)

    # --- places and drafts ------------------------------------------------------------------

    def switch_to(self, place: Hashable | None, placeholder: str) -> None:
        """Keep the current text as the draft of the old place; restore the new place's draft."""
        self.cancel_mode()
        if self._place is not None:
            text = self.edit.toPlainText()
            if text.strip():
                self._drafts[self._place] = text
            else:
                self._drafts.pop(self._place, None)
        self._place = place
        self.edit.setPlainText(self._drafts.get(place, "") if place is not None else "")
        self.edit.setPlaceholderText(placeholder)
        self.urgent_button.setChecked(False)
        self.setEnabled(place is not None)
        self.place_did_change.emit(place)

    @property
    def place(self) -> Hashable | None:
        return self._place

    def draft(self, place: Hashable) -> str | None:
        return self._drafts.get(place)

    def set_members(self, users: list[User]) -> None:
        self.members.set_members(users)

    # --- reply and edit modes ---------------------------------------------------------------

    def start_reply(self, message_id: int, quote: str) -> None:
        self.cancel_mode()
        self._enter("reply", message_id, f"↩ Replying to {quote}")
        self.edit.setFocus()

    def start_edit(self, message_id: int, text: str) -> None:
        self.cancel_mode()
        self._stashed = self.edit.toPlainText()
        self._enter("edit", message_id, "✎ Editing your message · Enter saves, Esc cancels")
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)
        self.edit.setFocus()

    def _enter(self, mode: Mode, message_id: int, label: str) -> None:
        self.mode, self.mode_message_id = mode, message_id
        self.edit.in_mode = True
        self.strip_label.setText(label)
        self.strip.setProperty("mode", mode)
        self.strip.show()
        self.urgent_button.setEnabled(mode != "edit")

    def cancel_mode(self) -> None:
        if self.mode is None:
            return
        if self.mode == "edit":
            self.edit.setPlainText(self._stashed)
            self._stashed = ""
        self.mode, self.mode_message_id = None, None
        self.edit.in_mode = False
        self.strip.hide()
        self.urgent_button.setEnabled(True)

    # --- slots ------------------------------------------------------------------------------

    def on_edit_submitted(self) -> None:
        text = self.edit.toPlainText().strip()
        if not text or self._place is None:
            return
        if self.mode == "edit" and self.mode_message_id is not None:
            sub = Submission(text, edit_of=self.mode_message_id)
            self.cancel_mode()  # restores the draft the edit interrupted
        else:
            reply = self.mode_message_id if self.mode == "reply" else None
            sub = Submission(text, reply_to=reply, urgent=self.urgent_button.isChecked())
            self.cancel_mode()
            self.edit.clear()
            self._drafts.pop(self._place, None)
            self.urgent_button.setChecked(False)
        self.message_submitted.emit(sub)

    def on_edit_text_changed(self) -> None:
        self.send_button.setEnabled(bool(self.edit.toPlainText().strip()))
        self.edit.setFixedHeight(self.edit._height())

    def _mention_prefix(self) -> str | None:
        cursor = self.edit.textCursor()
        before = cursor.block().text()[: cursor.positionInBlock()]
        m = MENTION_AT_CURSOR.search(before)
        return m.group(1) if m else None

    def on_edit_typed(self) -> None:
        self._update_completion()

    def _update_completion(self) -> None:
        prefix = self._mention_prefix()
        popup = self.completer.popup()
        if prefix is None:
            popup.hide()
            return
        self.completer.setCompletionPrefix(prefix.lower())
        if self.completer.completionCount() == 0:
            popup.hide()
            return
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        rect = self.edit.cursorRect()
        rect.setWidth(max(260, popup.sizeHintForColumn(0) + 24))
        self.completer.complete(rect)

    def on_completer_activated(self, index: QModelIndex) -> None:
        username = index.data(Roles.Username)
        prefix = self._mention_prefix()
        if not username or prefix is None:
            return
        cursor = self.edit.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(prefix) + 1
        )
        cursor.insertText(f"@{username} ")
        self.edit.setTextCursor(cursor)
        self.completer.popup().hide()
