"""Ctrl+K: the quick switcher. Type part of a channel, group or person's name; Enter opens it.

Candidates come from the conversation list model (most recent activity first), then everyone in
the organisation not yet written to (choosing one starts a direct message); a person is found by
display name, username, title or department. Matches whose name starts with the query rank first,
then those where a word starts with it, then the rest.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QFrame, QLineEdit, QListView, QVBoxLayout, QWidget

from app.core.wire import User
from ui.models.conversations import ConversationListModel
from ui.models.rows import RowsModel
from ui.people import People
from ui.status.display import status_line

KIND_LABELS = {"channel": "Channel", "group": "Group", "dm": "Direct message"}
NEW_DM = "New direct message"


class Roles(enum.IntEnum):
    ConversationId = Qt.ItemDataRole.UserRole + 1
    """None for a person not yet written to."""
    Kind = enum.auto()
    """"channel", "group", "dm", or "person" (choosing it starts a direct message)."""
    Subtitle = enum.auto()
    UserId = enum.auto()
    """The person of a "person" candidate."""


@dataclass(frozen=True, slots=True)
class Candidate:
    conversation_id: int | None
    kind: str
    title: str
    subtitle: str
    haystack: str
    user_id: int | None = None


def rank(c: Candidate, query: str) -> int | None:
    """0 = name starts with the query, 1 = a word starts with it, 2 = contains it; None = no."""
    terms = query.lower().split()
    if not all(t in c.haystack for t in terms):
        return None
    title = c.title.lower()
    if title.startswith(query.lower().strip()):
        return 0
    if any(w.startswith(terms[0]) for w in title.replace("#", " ").split()):
        return 1
    return 2


class SwitcherModel(RowsModel):
    ROLES = Roles

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[Candidate] = []
        self._shown: list[Candidate] = []

    def set_candidates(self, candidates: list[Candidate], query: str = "") -> None:
        self._all = candidates
        self.filter(query)

    def filter(self, query: str) -> None:
        ranked = [(r, i, c) for i, c in enumerate(self._all) if (r := rank(c, query)) is not None]
        self.beginResetModel()
        self._shown = [c for _, _, c in sorted(ranked, key=lambda t: (t[0], t[1]))]
        self.endResetModel()

    def candidate(self, row: int) -> Candidate | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def _rows_shown(self) -> Sequence[Any]:
        return self._shown

    def _item_data(self, c: Any, _row: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            prefix = "# " if c.kind == "channel" else ""
            return f"{prefix}{c.title}  —  {c.subtitle}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return c.title
        match role:
            case Roles.ConversationId:
                return c.conversation_id
            case Roles.Kind:
                return c.kind
            case Roles.Subtitle:
                return c.subtitle
            case Roles.UserId:
                return c.user_id
        return None


def _person_words(user: User) -> list[str]:
    return [user.display_name, user.username, user.title, user.department]


def candidates(conversations: ConversationListModel, people: People) -> list[Candidate]:
    found = []
    written_to: set[int] = set()
    for row in range(conversations.rowCount()):
        conv = conversations.conversation(row)
        if conv is None or conv.left:
            continue
        title = conversations.title(conv)
        subtitle = KIND_LABELS.get(conv.kind, conv.kind)
        words = [title]
        if conv.kind == "dm":
            peer = next((m for m in conv.member_ids if m != people.me_id), people.me_id)
            user = people.get(peer) if peer is not None else None
            if user is not None:
                written_to.add(user.id)
                words += _person_words(user)[1:]
                subtitle = " · ".join(p for p in (subtitle, user.title, status_line(user)) if p)
        else:
            subtitle = f"{subtitle} · {len(conv.member_ids)} members"
        found.append(Candidate(conv.id, conv.kind, title, subtitle, " ".join(words).lower()))
    for user in people.everyone():
        if user.active and user.id != people.me_id and user.id not in written_to:
            subtitle = " · ".join(p for p in (NEW_DM, user.title, status_line(user)) if p)
            haystack = " ".join(_person_words(user)).lower()
            found.append(Candidate(None, "person", user.display_name, subtitle, haystack, user.id))
    return found


class QuickSwitcher(QDialog):
    conversation_chosen = Signal(int)
    person_chosen = Signal(int)
    """Someone with no direct message yet: the window starts one."""

    def __init__(
        self, *, conversations: ConversationListModel, people: People, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("quickSwitcher")
        self.setWindowTitle("Go to a conversation")
        self._conversations = conversations
        self._people = people
        self.model = SwitcherModel(self)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("switcherEdit")
        self.edit.setPlaceholderText("Channel, group or person")
        self.list = QListView(self)
        self.list.setObjectName("switcherList")
        self.list.setModel(self.model)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.edit)
        layout.addWidget(self.list, 1)
        self.resize(460, 360)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.edit.textChanged.connect(self.on_edit_text_changed)
        self.edit.installEventFilter(self)
        self.list.clicked.connect(self.on_list_clicked)

    def open_switcher(self) -> None:
        """Show with fresh candidates (non-modal to the event loop: the GUI thread never waits)."""
        self.edit.clear()
        self.model.set_candidates(candidates(self._conversations, self._people))
        self._select_first()
        self.open()
        self.edit.setFocus()

    def on_edit_text_changed(self, text: str) -> None:
        self.model.filter(text)
        self._select_first()

    def _select_first(self) -> None:
        if self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                n = self.model.rowCount()
                if n:
                    step = 1 if key == Qt.Key.Key_Down else -1
                    row = min(max(self.list.currentIndex().row() + step, 0), n - 1)
                    self.list.setCurrentIndex(self.model.index(row, 0))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose(self.list.currentIndex())
                return True
        return False

    def on_list_clicked(self, index: QModelIndex) -> None:
        self.choose(index)

    def choose(self, index: QModelIndex) -> None:
        c = self.model.candidate(index.row()) if index.isValid() else None
        if c is None:
            return
        self.accept()
        if c.conversation_id is not None:
            self.conversation_chosen.emit(c.conversation_id)
        elif c.user_id is not None:
            self.person_chosen.emit(c.user_id)
