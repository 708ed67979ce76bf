"""The members of the open conversation as a list model for the composer's @-completion."""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.core.wire import User


class Roles(enum.IntEnum):
    Username = Qt.ItemDataRole.UserRole + 1
    UserId = enum.auto()
    MatchText = enum.auto()
    """What the typed prefix is matched against: username and display name, lower case."""


class MemberListModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._users: list[User] = []

    def set_members(self, users: list[User]) -> None:
        self.beginResetModel()
        self._users = sorted(users, key=lambda u: u.display_name.lower())
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._users)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._users):
            return None
        u = self._users[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{u.display_name}  @{u.username}"
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

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({int(r): r.name.encode() for r in Roles})
        return names
