"""Turn "the rows are now X" into minimal model signals, so views keep selection and scroll.

Resetting a model on every sync would drop the selection, the scroll position and every cached
size hint; instead removals, insertions, reorders and changes are signalled one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractListModel, QModelIndex

T = TypeVar("T")


def replace_rows(
    model: QAbstractListModel,
    rows: list[T],
    new: Sequence[T],
    key: Callable[[T], Hashable],
    *,
    equal: Callable[[T, T], bool] | None = None,
) -> None:
    """Mutate ``rows`` (the model's backing list) into ``new``, emitting the matching signals."""
    same = equal or (lambda a, b: a == b)
    wanted = {key(r): r for r in new}
    root = QModelIndex()
    for i in range(len(rows) - 1, -1, -1):  # bottom-up, so indexes above stay valid
        if key(rows[i]) not in wanted:
            model.beginRemoveRows(root, i, i)
            del rows[i]
            model.endRemoveRows()
    have = {key(r) for r in rows}
    fresh = [r for r in new if key(r) not in have]
    if fresh:
        start = len(rows)
        model.beginInsertRows(root, start, start + len(fresh) - 1)
        rows.extend(fresh)
        model.endInsertRows()
    order = [key(r) for r in new]
    if [key(r) for r in rows] != order:
        _reorder(model, rows, new, key)
    changed = [i for i, r in enumerate(new) if not same(rows[i], r)]
    for i in changed:  # unchanged rows keep their object: caches may check rows by identity
        rows[i] = new[i]
    for i in changed:
        idx = model.index(i, 0)
        model.dataChanged.emit(idx, idx)


def _reorder(
    model: QAbstractListModel, rows: list[Any], new: Sequence[Any], key: Callable[[Any], Hashable]
) -> None:
    position = {key(r): i for i, r in enumerate(new)}
    model.layoutAboutToBeChanged.emit()
    old_persistent = model.persistentIndexList()
    moved = []
    for p in old_persistent:
        row = p.row()
        target = position[key(rows[row])] if 0 <= row < len(rows) else -1
        moved.append(model.index(target, 0) if target >= 0 else QModelIndex())
    rows[:] = list(new)
    model.changePersistentIndexList(old_persistent, moved)
    model.layoutChanged.emit()
