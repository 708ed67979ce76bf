"""The key → row index every list model shares: always the row a scan would find, in O(1)."""

from __future__ import annotations

import enum
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from ui.models.diff import replace_rows
from ui.models.rows import RowsModel


class Roles(enum.IntEnum):
    Id = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    id: int | None
    """None while a message is pending; it gets its id when the server confirms it."""


class Rows(RowsModel):
    ROLES = Roles

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.key_reads = 0

    def _rows_shown(self) -> Sequence[Any]:
        return self.rows

    def _item_data(self, item: Any, _row: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return item.key
        return item.id if role == Roles.Id else None

    def _row_key(self, item: Any) -> Hashable | None:
        self.key_reads += 1
        return item.id  # type: ignore[no-any-return]

    def prepend(self, rows: list[Row]) -> None:  # how fetchMore adds an older page
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        self.rows[0:0] = rows
        self.endInsertRows()


def scan(rows: list[Row], wanted: int) -> int:
    return max((i for i, r in enumerate(rows) if r.id == wanted), default=-1)


@pytest.mark.parametrize("seed", range(8))
def test_lookups_follow_every_kind_of_change(seed: int, request: pytest.FixtureRequest) -> None:
    rnd = random.Random(seed)
    model = Rows()
    tester = ModelTester(request.config)
    tester.check(model, force_py=True)
    next_id = 1
    for _step in range(60):
        current = list(model.rows)
        action = rnd.choice(["append", "remove", "shuffle", "confirm", "prepend", "reset"])
        if action == "append":  # new messages, some still pending
            for _ in range(rnd.randint(1, 5)):
                pending = rnd.random() < 0.3
                current.append(Row(f"k{next_id}", None if pending else next_id))
                next_id += 1
            replace_rows(model, model.rows, current, lambda r: r.key)
        elif action == "remove" and current:
            del current[rnd.randrange(len(current))]
            replace_rows(model, model.rows, current, lambda r: r.key)
        elif action == "shuffle":
            rnd.shuffle(current)
            replace_rows(model, model.rows, current, lambda r: r.key)
        elif action == "confirm":  # a pending row gets its id: a change, not an insert
            current = [
                Row(r.key, next_id + i) if r.id is None else r for i, r in enumerate(current)
            ]
            next_id += len(current)
            replace_rows(model, model.rows, current, lambda r: r.key)
        elif action == "prepend":
            model.prepend([Row(f"old{next_id}", -next_id)])
            next_id += 1
        else:
            model.beginResetModel()
            model.rows = current[: len(current) // 2]
            model.endResetModel()
        ids = {r.id for r in model.rows if r.id is not None} | {next_id + 1, -10_000}
        for wanted in ids:
            assert model.row_of_key(wanted) == scan(model.rows, wanted), (action, wanted)
    tester._cleanup()


def test_repeated_lookups_do_not_scan_the_rows() -> None:
    model = Rows()
    replace_rows(model, model.rows, [Row(f"k{i}", i) for i in range(2000)], lambda r: r.key)
    assert model.row_of_key(1234) == 1234  # builds the index once
    model.key_reads = 0
    for i in range(1000):
        assert model.row_of_key(i) == i
        assert model.row_of_key(-i - 1) == -1  # a reply whose parent is not in the window
    assert model.key_reads <= 1000, "one check of the found row per lookup, never a scan"
