"""Search results as a list model: one row per hit, with the context the panel shows."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.client.rows import SearchHit
from ui.people import People


class Roles(enum.IntEnum):
    MessageId = Qt.ItemDataRole.UserRole + 1
    ConversationId = enum.auto()
    ConversationTitle = enum.auto()
    SenderName = enum.auto()
    Time = enum.auto()
    """The hit's time as shown: "14:05" today, "Mon 14:05" this week, else the date."""
    Snippet = enum.auto()
    Highlight = enum.auto()
    """(start, end) of the match inside Snippet, or None."""


def when(hit: SearchHit, today: Any) -> str:
    local = hit.created_at.astimezone()
    if local.date() == today:
        return local.strftime("%H:%M")
    if (today - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%d %b %Y")


class SearchResultModel(QAbstractListModel):
    def __init__(
        self,
        people: People,
        title_of: Callable[[int], str],
        parent: QObject | None = None,
        *,
        today: Callable[[], Any],
    ) -> None:
        super().__init__(parent)
        self._people = people
        self._title_of = title_of
        self._today = today
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        h = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Roles.Snippet):
            return h.snippet
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._people.name(h.sender_id)} in {self._title_of(h.conversation_id)}"
        match role:
            case Roles.MessageId:
                return h.message_id
            case Roles.ConversationId:
                return h.conversation_id
            case Roles.ConversationTitle:
                return self._title_of(h.conversation_id)
            case Roles.SenderName:
                return self._people.name(h.sender_id)
            case Roles.Time:
                return when(h, self._today())
            case Roles.Highlight:
                return h.highlight
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({int(r): r.name.encode() for r in Roles})
        return names
