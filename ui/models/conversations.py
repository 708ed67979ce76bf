"""The conversation list: channels, groups and direct messages, each under a section header."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt

from app.client.changes import Changes
from app.client.rows import ConversationRow
from app.client.store import Store
from ui.models.diff import replace_rows
from ui.models.rows import RowsModel
from ui.people import People
from ui.status.display import status_line
from ui.tasks import TaskGroup

SECTIONS = (("channel", "Channels"), ("group", "Groups"), ("dm", "Direct messages"))


class Roles(enum.IntEnum):
    Id = Qt.ItemDataRole.UserRole + 1
    Kind = enum.auto()
    IsHeader = enum.auto()
    Unread = enum.auto()
    Mentioned = enum.auto()
    Private = enum.auto()
    PeerId = enum.auto()
    """In a direct message, the other person's user id (for the avatar)."""
    PeerStatus = enum.auto()
    """In a direct message, the other person's workday status line ("" when none)."""


@dataclass(frozen=True, slots=True)
class Header:
    kind: str
    title: str


Item = Header | ConversationRow


def _key(item: Item) -> tuple[str, object]:
    return ("h", item.kind) if isinstance(item, Header) else ("c", item.id)


class ConversationListModel(RowsModel):
    """Rows come from ``Store.conversations()``; only a change to conversations reloads them."""

    ROLES = Roles

    def __init__(self, store: Store, people: People, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._people = people
        self._items: list[Item] = []
        self._tasks = TaskGroup("conversations.reload")
        self._reloading = False
        self._reload_again = False
        people.people_did_change.connect(self.on_people_changed)

    # --- loading ----------------------------------------------------------------------------

    async def reload(self) -> None:
        rows = [r for r in await self._store.conversations() if not r.left]
        replace_rows(self, self._items, self._arrange(rows), _key)

    def _arrange(self, rows: list[ConversationRow]) -> list[Item]:
        items: list[Item] = []
        for kind, title in SECTIONS:
            members = [r for r in rows if r.kind == kind]
            if kind != "dm":  # channels and groups alphabetically; DMs by recent activity
                members.sort(key=lambda r: self._title(r).casefold())
            if members:
                items.append(Header(kind, title))
                items.extend(members)
        return items

    def on_store_changed(self, changes: Changes) -> None:
        if (
            changes.snapshot
            or changes.conversations
            or changes.receipts
            or changes.messages_created
        ):
            self._request_reload()

    def _request_reload(self) -> None:
        """One reload at a time; a busy channel's batches arriving meanwhile fold into one more."""
        if self._reloading:
            self._reload_again = True
            return
        self._reloading = True
        self._tasks.spawn(self._reload_loop())

    async def _reload_loop(self) -> None:
        try:
            while True:
                self._reload_again = False
                await self.reload()
                if not self._reload_again:
                    return
        finally:
            self._reloading = False

    def on_people_changed(self) -> None:
        if self._items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._items) - 1, 0))

    # --- lookups ----------------------------------------------------------------------------

    def row_of(self, conversation_id: int) -> int:
        return self.row_of_key(conversation_id)

    def _row_key(self, item: Any) -> Hashable | None:
        return item.id if isinstance(item, ConversationRow) else None

    def conversation(self, row: int) -> ConversationRow | None:
        item = self._items[row] if 0 <= row < len(self._items) else None
        return item if isinstance(item, ConversationRow) else None

    def total_unread(self) -> int:
        return sum(i.unread for i in self._items if isinstance(i, ConversationRow))

    def _peer(self, row: ConversationRow) -> int | None:
        if row.kind != "dm":
            return None
        others = [m for m in row.member_ids if m != self._people.me_id]
        return others[0] if others else self._people.me_id

    def _title(self, row: ConversationRow) -> str:
        peer = self._peer(row)
        if peer is not None:
            return self._people.name(peer)
        if row.kind == "group" and not row.name:
            return ", ".join(self._people.first_name(m) for m in row.member_ids)
        return row.name

    def title(self, row: ConversationRow) -> str:
        return self._title(row)

    # --- QAbstractListModel -----------------------------------------------------------------

    def _rows_shown(self) -> Sequence[Any]:
        return self._items

    def _is_header(self, item: Any) -> bool:
        return isinstance(item, Header)

    def _item_data(self, item: Any, _row: int, role: int) -> Any:
        if isinstance(item, Header):
            if role == Qt.ItemDataRole.DisplayRole:
                return item.title
            if role == Roles.IsHeader:
                return True
            if role == Roles.Kind:
                return item.kind
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._title(item)
        peer = self._peer(item)
        if role == Roles.PeerStatus:
            return status_line(self._people.get(peer)) if peer is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if peer is not None:
                status = status_line(self._people.get(peer))
                return f"{self._title(item)} · {status}" if status else self._title(item)
            return f"{self._title(item)} · {len(item.member_ids)} members"
        return {
            Roles.Id: item.id,
            Roles.Kind: item.kind,
            Roles.IsHeader: False,
            Roles.Unread: item.unread,
            Roles.Mentioned: item.mentioned,
            Roles.Private: item.private,
            Roles.PeerId: peer,
        }.get(role)  # type: ignore[call-overload]
