"""The topics of one conversation: an "all messages" row, then open topics, then closed ones."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt

from app.client.changes import Changes
from app.client.store import Store
from app.core.wire import Topic
from ui.models.diff import replace_rows
from ui.models.rows import RowsModel
from ui.tasks import TaskGroup


class Roles(enum.IntEnum):
    Id = Qt.ItemDataRole.UserRole + 1
    """The topic id; None on the "all messages" row and on headers."""
    IsHeader = enum.auto()
    Closed = enum.auto()
    LinkUrl = enum.auto()
    LinkLabel = enum.auto()


@dataclass(frozen=True, slots=True)
class Section:
    title: str


@dataclass(frozen=True, slots=True)
class AllMessages:
    title: str = "All messages"


Item = Topic | Section | AllMessages


def _key(item: Item) -> tuple[str, object]:
    if isinstance(item, Topic):
        return ("t", item.id)
    return ("s", item.title)


class TopicListModel(RowsModel):
    ROLES = Roles

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._items: list[Item] = []
        self.conversation_id: int | None = None
        self._tasks = TaskGroup("topics.reload")

    async def show(self, conversation_id: int | None) -> None:
        """Switch to another conversation's topics (None: show nothing)."""
        self.conversation_id = conversation_id
        await self.reload()

    async def reload(self) -> None:
        cid = self.conversation_id
        topics = [] if cid is None else await self._store.topics(cid)
        if cid != self.conversation_id:  # the user moved on while we were reading
            return
        items: list[Item] = []
        if cid is not None:
            items.append(AllMessages())
        open_ = [t for t in topics if not t.closed]
        closed = [t for t in topics if t.closed]
        if open_:
            items += [Section("Open topics"), *open_]
        if closed:
            items += [Section("Closed"), *closed]
        replace_rows(self, self._items, items, _key)

    def on_store_changed(self, changes: Changes) -> None:
        if self.conversation_id is not None and (changes.topics or changes.snapshot):
            self._tasks.spawn(self.reload())

    def topic(self, row: int) -> Topic | None:
        item = self._items[row] if 0 <= row < len(self._items) else None
        return item if isinstance(item, Topic) else None

    def row_of(self, topic_id: int | None) -> int:
        """The row of a topic, or of "All messages" for None."""
        return self.row_of_key(("t", topic_id))

    def _row_key(self, item: Any) -> Hashable | None:
        if isinstance(item, Topic):
            return ("t", item.id)
        return ("t", None) if isinstance(item, AllMessages) else None

    def title_of(self, topic_id: int | None) -> str | None:
        row = self.row_of(topic_id) if topic_id is not None else -1
        topic = self.topic(row)
        return topic.title if topic else None

    # --- QAbstractListModel -----------------------------------------------------------------

    def _rows_shown(self) -> Sequence[Any]:
        return self._items

    def _is_header(self, item: Any) -> bool:
        return isinstance(item, Section)

    def _item_data(self, item: Any, _row: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Roles.IsHeader:
            return isinstance(item, Section)
        if not isinstance(item, Topic):
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.link.url if item.link else None
        if role == Roles.Id:
            return item.id
        if role == Roles.Closed:
            return item.closed
        if role == Roles.LinkUrl:
            return item.link.url if item.link else None
        if role == Roles.LinkLabel:
            return (item.link.label or item.link.url) if item.link else None
        return None
