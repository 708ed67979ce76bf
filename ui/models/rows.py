"""The part every Courtyard list model shares: rows from a Python list, roles from an enum.

A subclass says which list it shows (``_rows_shown``), which rows are section headers (shown,
never selectable), and what a row says for a role (``_item_data``). Row counting, flags, the
bounds check and ``roleNames`` live here once, so every model answers Qt (and qtmodeltester)
the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractListModel):
    ROLES: ClassVar[type[enum.IntEnum]]

    def _rows_shown(self) -> Sequence[Any]:
        raise NotImplementedError

    def _is_header(self, item: Any) -> bool:
        return False

    def _item_data(self, item: Any, row: int, role: int) -> Any:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows_shown())

    def flags(self, index: Index) -> Qt.ItemFlag:
        rows = self._rows_shown()
        if not index.isValid() or not 0 <= index.row() < len(rows):
            return Qt.ItemFlag.NoItemFlags
        if self._is_header(rows[index.row()]):
            return Qt.ItemFlag.ItemIsEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        rows = self._rows_shown()
        if not index.isValid() or not 0 <= index.row() < len(rows):
            return None
        return self._item_data(rows[index.row()], index.row(), role)

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({int(r): r.name.encode() for r in self.ROLES})
        return names
