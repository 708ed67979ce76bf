"""The part every Courtyard list model shares: rows from a Python list, roles from an enum.

A subclass says which list it shows (``_rows_shown``), which rows are section headers (shown,
never selectable), what a row says for a role (``_item_data``) and, for lookups, each row's key
(``_row_key``). Row counting, flags, the bounds check, ``roleNames`` and the key → row index live
here once, so every model answers Qt (and qtmodeltester) the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractListModel):
    ROLES: ClassVar[type[enum.IntEnum]]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_index: dict[Hashable, int] | None = None
        # Lookups run in the paint path (a reply's quote finds its parent row), so they use an
        # index instead of a scan. Every change a model makes to its rows is announced by one of
        # these signals; connected first, the index is dropped before any view or tester reacts,
        # and rebuilt once on the next lookup.
        for signal in (
            self.modelReset,
            self.rowsInserted,
            self.rowsRemoved,
            self.rowsMoved,
            self.layoutChanged,
            self.dataChanged,
        ):
            signal.connect(self._forget_row_index)

    def _rows_shown(self) -> Sequence[Any]:
        raise NotImplementedError

    def _is_header(self, item: Any) -> bool:
        return False

    def _item_data(self, item: Any, row: int, role: int) -> Any:
        raise NotImplementedError

    def _row_key(self, item: Any) -> Hashable | None:
        """The key :meth:`row_of_key` finds ``item`` by; None for rows that are never looked up."""
        return None

    def _forget_row_index(self, *_args: object) -> None:
        self._row_index = None

    def row_of_key(self, key: Hashable) -> int:
        """The row whose :meth:`_row_key` is ``key`` (the last one, if several), or -1. O(1)."""
        rows = self._rows_shown()
        if self._row_index is None:
            self._row_index = {
                k: i for i, item in enumerate(rows) if (k := self._row_key(item)) is not None
            }
        row = self._row_index.get(key, -1)
        if row >= 0 and (row >= len(rows) or self._row_key(rows[row]) != key):
            # The rows changed without a signal (a bug elsewhere): answer right, slowly, once.
            self._row_index = None
            return self.row_of_key(key)
        return row

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
