"""The message view's model: a window of one conversation (or topic) from the local store.

Only a window is held: the newest page when a conversation opens, plus the older pages the user
scrolled to (``fetchMore``). Sync changes re-read the newest end of the window and are signalled
row by row, so scrolling, selection and the delegate's cached sizes survive a busy channel.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.client import queries
from app.client.changes import Changes
from app.client.rows import StoredMessage
from app.client.store import Store
from ui.models.diff import replace_rows
from ui.models.rows import RowsModel
from ui.people import People
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)
PAGE = 50
JUMP_NEWER = 2000
"""A jump to a search hit loads the hit's neighbourhood through to the newest message, so the
window stays joined to the newest end that sync refreshes (hits further back than this many
messages show their neighbourhood without the newest end)."""
HISTORY_PAGES_PER_FETCH = 5
FOLLOW_HELD = 4 * PAGE
"""While the reader follows the newest end, hold at most this many rows (plus one page): every
arrival makes the view lay out all rows held, so a busy channel must not grow the window without
bound. Rows trimmed from the top come back with ``fetchMore`` when the reader scrolls up."""
History = Callable[[int], Awaitable[bool]]
"""``SyncService.fetch_older``: fill one page of a conversation's oldest gap from the server."""
GROUP_GAP = dt.timedelta(minutes=5)
"""Consecutive messages of one sender closer than this share one header."""


class Roles(enum.IntEnum):
    Id = Qt.ItemDataRole.UserRole + 1
    Key = enum.auto()
    SenderId = enum.auto()
    SenderName = enum.auto()
    Created = enum.auto()
    ShowHeader = enum.auto()
    DayLabel = enum.auto()
    """Text of the day separator above this message, or None."""
    TopicTitle = enum.auto()
    """Set when the topic changes from the message above (conversation-wide view only)."""
    ReplyQuote = enum.auto()
    Edited = enum.auto()
    Deleted = enum.auto()
    Reactions = enum.auto()
    """A list of (emoji, count, mine) tuples."""
    Pinned = enum.auto()
    Urgent = enum.auto()
    MentionsMe = enum.auto()
    State = enum.auto()
    """"sent", "pending" or "failed"."""
    Error = enum.auto()
    Mine = enum.auto()
    UnreadBy = enum.auto()
    """For my messages in a group or channel: how many members have not read it yet."""
    LayoutKey = enum.auto()
    """Everything that changes a row's height; the delegate caches size hints by it."""


LAYOUT_KEY = int(Roles.LayoutKey)


def message_key(m: StoredMessage) -> Hashable:
    return (m.sender_id, m.client_msg_id)


@functools.lru_cache(maxsize=8192)
def local_day(created_at: dt.datetime) -> dt.date:
    """The reader's calendar day of a timestamp. Cached: a relayout asks for every row held, and
    converting to local time looks up the zone each time (the top cost of a relayout)."""
    return created_at.astimezone().date()


_today: tuple[float, dt.date] = (0.0, dt.date.min)


def today() -> dt.date:
    """The local date, re-read at most once a second (``date.today()`` costs a zone lookup, and a
    relayout needs it for every row)."""
    global _today
    now = time.monotonic()
    if now >= _today[0]:
        _today = (now + 1.0, dt.date.today())
    return _today[1]


def day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "Today"
    if day == today - dt.timedelta(days=1):
        return "Yesterday"
    if today - day < dt.timedelta(days=7):
        return day.strftime("%A")
    return day.strftime("%A, %d %B %Y")


class MessageListModel(RowsModel):
    window_did_load = Signal()
    """The newest page of a newly shown conversation is in (the view scrolls to the bottom)."""
    message_did_focus = Signal(int)
    """A jump (:meth:`show_around`) loaded the window around a message; the argument is its row."""

    ROLES = Roles

    def __init__(
        self,
        store: Store,
        people: People,
        parent: QObject | None = None,
        *,
        page: int = PAGE,
        history: History | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._history = history
        self._people = people
        self._page = page
        self._rows: list[StoredMessage] = []
        self._unread_by: dict[int, int] = {}
        self._topic_titles: dict[int, str] = {}
        self._has_older = False
        self._fetching = False
        self._refreshing = False
        self._refresh_again: str | None = None
        self.conversation_id: int | None = None
        self.topic_id: int | None = None
        self.following = True
        self._layout_keys: dict[Hashable, tuple[StoredMessage, tuple[object, ...], Any]] = {}
        people.people_did_change.connect(self._forget_layout_keys)  # names in reply quotes
        """The reader is at the newest end (the view says so); older rows may then be trimmed."""
        self._tasks = TaskGroup("messages")

    # --- what is shown ----------------------------------------------------------------------

    async def show(self, conversation_id: int | None, topic_id: int | None = None) -> None:
        self.conversation_id, self.topic_id = conversation_id, topic_id
        self._tasks.cancel_all()
        self._refreshing, self._refresh_again = False, None
        self.beginResetModel()
        self._rows, self._unread_by, self._has_older = [], {}, False
        self.endResetModel()
        if conversation_id is None:
            return
        await self._load_topic_titles()
        rows = await self._read(before=None, limit=self._page)
        if (conversation_id, topic_id) != (self.conversation_id, self.topic_id):
            return
        self._has_older = sum(
            1 for r in rows if r.id is not None
        ) >= self._page or await self._server_has_older(rows)
        if (conversation_id, topic_id) != (self.conversation_id, self.topic_id):
            return
        # A refresh may have filled the window meanwhile: merge instead of inserting blindly.
        replace_rows(self, self._rows, rows, message_key)
        await self._load_receipts()
        self.window_did_load.emit()

    async def show_around(self, conversation_id: int, message_id: int) -> None:
        """Show a whole conversation from a little before ``message_id`` to the newest message."""
        self.conversation_id, self.topic_id = conversation_id, None
        self._tasks.cancel_all()
        self._refreshing, self._refresh_again = False, None
        self.beginResetModel()
        self._rows, self._unread_by, self._has_older = [], {}, False
        self.endResetModel()
        await self._load_topic_titles()
        older = self._page // 2
        rows = await self._store.messages_around(
            conversation_id, message_id, older=older, newer=JUMP_NEWER
        )
        if (conversation_id, None) != (self.conversation_id, self.topic_id):
            return
        self._has_older = sum(1 for r in rows if r.id is not None and r.id < message_id) >= older
        replace_rows(self, self._rows, rows, message_key)
        await self._load_receipts()
        self.message_did_focus.emit(self.row_of_id(message_id))

    async def _read(self, *, before: int | None, limit: int) -> list[StoredMessage]:
        cid = self.conversation_id
        assert cid is not None
        if self.topic_id is None:
            return await self._store.messages(cid, before=before, limit=limit)
        return await self._store.call(
            queries.topic_message_window, cid, self.topic_id, before=before, limit=limit
        )

    async def _load_topic_titles(self) -> None:
        if self.conversation_id is None:
            return
        topics = await self._store.topics(self.conversation_id)
        self._topic_titles = {t.id: t.title for t in topics}

    async def _load_receipts(self) -> None:
        cid = self.conversation_id
        ids = [m.id for m in self._rows if m.id is not None and m.sender_id == self._people.me_id]
        if cid is None or not ids:
            return
        counts = await self._store.receipt_counts(cid, ids)
        if cid != self.conversation_id:
            return
        changed = {
            k
            for k in counts.keys() | self._unread_by.keys()
            if counts.get(k) != self._unread_by.get(k)
        }
        self._unread_by = counts
        for i, m in enumerate(self._rows):
            if m.id in changed:
                self.dataChanged.emit(self.index(i, 0), self.index(i, 0))

    async def refresh(self, *, whole: bool = True) -> None:
        """Re-read the newest end of the window (new, edited, sent or failed messages).

        ``whole=False`` (only new messages arrived) reads just the newest page when it joins the
        rows held, instead of the whole window: a busy channel stays cheap to follow."""
        cid, tid = self.conversation_id, self.topic_id
        if cid is None:
            return
        held = [m.id for m in self._rows if m.id is not None]
        limit = max(self._page, len(held) + self._page) if whole else self._page
        rows = await self._read(before=None, limit=limit)
        if (cid, tid) != (self.conversation_id, self.topic_id):
            return
        held = [m.id for m in self._rows if m.id is not None]  # an older page may have come in
        read = [r.id for r in rows if r.id is not None]
        if not whole and held and len(read) >= limit and read[0] > held[-1]:
            await self.refresh(whole=True)  # more arrived than one page: no hole in the window
            return
        if held and self._has_older:  # keep the window's older edge where the user left it
            rows = [r for r in rows if r.id is None or r.id >= held[0]]
        if held and read and len(read) >= limit:  # keep held rows older than what was re-read
            rows = [m for m in self._rows if m.id is not None and m.id < read[0]] + rows
        old_len = len(self._rows)
        replace_rows(self, self._rows, rows, message_key)
        if old_len and len(self._rows) > old_len:  # grouping of the old last row may change
            idx = self.index(old_len - 1, 0)
            self.dataChanged.emit(idx, idx)
        self._trim_while_following()
        await self._load_receipts()

    def _trim_while_following(self) -> None:
        excess = len(self._rows) - FOLLOW_HELD
        if not self.following or excess < self._page:
            return
        self.beginRemoveRows(QModelIndex(), 0, excess - 1)
        del self._rows[:excess]
        self.endRemoveRows()
        self._has_older = True
        idx = self.index(0, 0)  # the new first row shows its header and day again
        self.dataChanged.emit(idx, idx)

    def on_store_changed(self, changes: Changes) -> None:
        if self.conversation_id is None:
            return
        if changes.topics or changes.snapshot:
            self._tasks.spawn(self._load_topic_titles())
        whole = bool(changes.snapshot or changes.messages_updated)
        if (
            whole
            or changes.messages_created
            or changes.outbox
            or self.conversation_id in changes.conversations
        ):
            self._request_refresh(whole=whole)
        elif self.conversation_id in changes.receipts:
            self._tasks.spawn(self._load_receipts())

    def _request_refresh(self, *, whole: bool) -> None:
        """One refresh at a time; changes arriving meanwhile fold into one more afterwards."""
        if self._refreshing:
            self._refresh_again = self._refresh_again or ("whole" if whole else "newest")
            return
        self._refreshing = True
        self._tasks.spawn(self._refresh_loop(whole))

    async def _refresh_loop(self, whole: bool) -> None:
        try:
            while True:
                await self.refresh(whole=whole)
                if self._refresh_again is None:
                    return
                whole, self._refresh_again = self._refresh_again == "whole", None
        finally:
            self._refreshing = False
            self._refresh_again = None

    # --- older pages ------------------------------------------------------------------------

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._has_older and not self._fetching

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self._tasks.spawn(self._fetch_older())

    async def _fetch_older(self) -> None:
        cid, tid = self.conversation_id, self.topic_id
        try:
            oldest = next((m.id for m in self._rows if m.id is not None), None)
            if oldest is None:
                self._has_older = False
                return
            rows = await self._read_older(oldest)
            if (cid, tid) != (self.conversation_id, self.topic_id):
                return
            self._has_older = len(rows) >= self._page or await self._server_has_older(rows)
            if rows:
                self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
                self._rows[0:0] = rows
                self.endInsertRows()
                idx = self.index(len(rows), 0)  # the old first row may lose its header
                self.dataChanged.emit(idx, idx)
        finally:
            self._fetching = False

    async def _read_older(self, oldest: int) -> list[StoredMessage]:
        """The page before ``oldest``; fills holes from the server first when the local copy has
        them there (each ``history`` call stores one more page of the oldest known gap)."""
        cid = self.conversation_id
        assert cid is not None
        rows = await self._read(before=oldest, limit=self._page)
        for _ in range(HISTORY_PAGES_PER_FETCH):
            if self._history is None or not await self._gap_below(oldest, rows):
                break
            try:
                more = await self._history(cid)
            except Exception as exc:  # offline or refused: show what is stored, retry next scroll
                log.info("older history not fetched (%s)", type(exc).__name__)
                break
            if cid != self.conversation_id:
                break
            rows = await self._read(before=oldest, limit=self._page)
            if not more:
                break
        return rows

    async def _gap_below(self, oldest: int, rows: list[StoredMessage]) -> bool:
        """Whether the server may hold messages between the page read and ``oldest``."""
        cid = self.conversation_id
        assert cid is not None
        low = (rows[0].id or 0) if len(rows) >= self._page else 0
        return any(g.after_id < oldest and g.before_id > low for g in await self._store.gaps(cid))

    async def _server_has_older(self, rows: list[StoredMessage]) -> bool:
        if self._history is None or self.conversation_id is None:
            return False
        oldest = rows[0].id if rows and rows[0].id is not None else None
        gaps = await self._store.gaps(self.conversation_id)
        return any(oldest is None or g.after_id < oldest for g in gaps)

    @property
    def loading(self) -> bool:
        return self._tasks.busy

    # --- lookups ----------------------------------------------------------------------------

    def message(self, row: int) -> StoredMessage | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_id(self, message_id: int) -> int:
        return self.row_of_key(message_id)

    def _row_key(self, item: Any) -> Hashable | None:
        return item.id  # type: ignore[no-any-return]  # None while still in the outbox

    def newest_id(self) -> int | None:
        return next((m.id for m in reversed(self._rows) if m.id is not None), None)

    # --- presentation -----------------------------------------------------------------------

    def _day_label(self, row: int) -> str | None:
        m = self._rows[row]
        day = local_day(m.created_at)
        if row > 0 and local_day(self._rows[row - 1].created_at) == day:
            return None
        return day_label(day, dt.datetime.now().astimezone().date())

    def _topic_title(self, row: int) -> str | None:
        if self.topic_id is not None:
            return None
        tid = self._rows[row].topic_id
        if tid is None or (row > 0 and self._rows[row - 1].topic_id == tid):
            return None
        return self._topic_titles.get(tid)

    def _show_header(self, row: int) -> bool:
        if row == 0:
            return True
        m, prev = self._rows[row], self._rows[row - 1]
        return (
            prev.sender_id != m.sender_id
            or m.created_at - prev.created_at > GROUP_GAP
            or self._day_label(row) is not None
            or self._topic_title(row) is not None
            or m.reply_to is not None
        )

    def _reply_quote(self, m: StoredMessage) -> str | None:
        if m.reply_to is None:
            return None
        row = self.row_of_id(m.reply_to)
        if row < 0:
            return "Reply to an earlier message"
        parent = self._rows[row]
        text = "This message was deleted" if parent.deleted else parent.body
        return f"{self._people.name(parent.sender_id)}: {text.splitlines()[0] if text else ''}"

    def _reactions(self, m: StoredMessage) -> list[tuple[str, int, bool]]:
        me = self._people.me_id
        return [(r.emoji, len(r.user_ids), me in r.user_ids) for r in m.reactions if r.user_ids]

    def _rows_shown(self) -> Sequence[Any]:
        return self._rows

    def _item_data(self, m: Any, row: int, role: int) -> Any:
        if role == LAYOUT_KEY:  # first: the view asks it of every row at each relayout
            return self._layout_key(m, row)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return "This message was deleted" if m.deleted else m.body
        if role == Qt.ItemDataRole.ToolTipRole:
            return m.created_at.astimezone().strftime("%A, %d %B %Y %H:%M")
        match role:
            case Roles.Id:
                return m.id
            case Roles.Key:
                return f"{m.sender_id}:{m.client_msg_id}"
            case Roles.SenderId:
                return m.sender_id
            case Roles.SenderName:
                return self._people.name(m.sender_id)
            case Roles.Created:
                return m.created_at
            case Roles.ShowHeader:
                return self._show_header(row)
            case Roles.DayLabel:
                return self._day_label(row)
            case Roles.TopicTitle:
                return self._topic_title(row)
            case Roles.ReplyQuote:
                return self._reply_quote(m)
            case Roles.Edited:
                return m.edited_at is not None and not m.deleted
            case Roles.Deleted:
                return m.deleted
            case Roles.Reactions:
                return self._reactions(m)
            case Roles.Pinned:
                return m.pinned
            case Roles.Urgent:
                return m.urgent
            case Roles.MentionsMe:
                return m.mentions_me
            case Roles.State:
                return m.state
            case Roles.Error:
                return m.error
            case Roles.Mine:
                return m.sender_id == self._people.me_id
            case Roles.UnreadBy:
                return self._unread_by.get(m.id) if m.id is not None else None
        return None

    def _layout_key(self, m: StoredMessage, row: int) -> tuple[object, ...]:
        """Everything that changes a row's height. The view asks for it for every row held each
        time rows arrive, so it is kept per message and recomputed only when what it depends on
        changed: the row itself, the row above, the replied-to row, topic titles, the unread
        footer, the day (for "Today") or the directory (for names)."""
        prev = self._rows[row - 1] if row > 0 else None
        parent_row = self.row_of_id(m.reply_to) if m.reply_to is not None else -1
        parent = self._rows[parent_row] if parent_row >= 0 else None
        unread = m.id is not None and m.id in self._unread_by
        day = today()
        cached = self._layout_keys.get(message_key(m))
        # Rows and dicts by identity: they are replaced when they change, never changed in place.
        if cached is not None:
            was, (c_prev, c_parent, c_titles, c_unread, c_day), key = cached
            if (
                was is m
                and c_prev is prev
                and c_parent is parent
                and c_titles is self._topic_titles
                and c_unread == unread
                and c_day == day
            ):
                return key
        context = (prev, parent, self._topic_titles, unread, day)
        key = (
            f"{m.sender_id}:{m.client_msg_id}",
            m.body,
            m.deleted,
            m.edited_at is not None,
            tuple(self._reactions(m)),
            m.state,
            self._show_header(row),
            self._day_label(row),
            self._topic_title(row),
            self._reply_quote(m),
            unread,
        )
        if len(self._layout_keys) > 4 * len(self._rows) + 100:  # rows long gone
            self._layout_keys.clear()
        self._layout_keys[message_key(m)] = (m, context, key)
        return key

    def _forget_layout_keys(self) -> None:
        self._layout_keys.clear()
