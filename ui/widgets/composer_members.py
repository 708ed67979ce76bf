"""The members of the open conversation as a list model for the composer's @-completion."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt

from app.core.wire import User
from ui.models.rows import RowsModel
from ui.status.display import status_line


class Roles(enum.IntEnum):
    Username = Qt.ItemDataRole.UserRole + 1
    UserId = enum.auto()
    MatchText = enum.auto()
    """What the typed prefix is matched against: username and display name, lower case."""


class MemberListModel(RowsModel):
    ROLES = Roles

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._users: list[User] = []

    def set_members(self, users: list[User]) -> None:
        self.beginResetModel()
        self._users = sorted(users, key=lambda u: u.display_name.lower())
        self.endResetModel()

    def _rows_shown(self) -> Sequence[Any]:
        return self._users

    def _item_data(self, u: Any, _row: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            status = status_line(u)
            return f"{u.display_name}  @{u.username}" + (f"  ·  {status}" if status else "")
        if role == Qt.ItemDataRole.EditRole:
            return u.username
        match role:
            case Roles.Username:
                return u.username
            case Roles.UserId:
                return u.id
            case Roles.MatchText:
                return f"{u.username} {u.display_name}".lower()
        return None
