"""Search results as a list model: one row per hit, with the context the panel shows."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt

from app.client.rows import SearchHit
from ui.models.rows import RowsModel
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


class SearchResultModel(RowsModel):
    ROLES = Roles

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

    def _rows_shown(self) -> Sequence[Any]:
        return self._hits

    def _item_data(self, h: Any, _row: int, role: int) -> Any:
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
