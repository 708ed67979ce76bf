"""Read marking from what the user actually sees: the newest message visible in the message view
while its window is active, never what sync merely stored. Debounced, and only forward."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, QPoint, QTimer
from PySide6.QtWidgets import QListView, QWidget

from ui.models.messages import MessageListModel, Roles
from ui.tasks import TaskGroup

DEBOUNCE_MS = 400
MarkRead = Callable[[int, int], Coroutine[Any, Any, object]]
"""``Outbox.mark_read(conversation_id, up_to)``."""
Unread = Callable[[int], int]
"""How many messages of a conversation are still unread for me (the sidebar's count)."""


def newest_visible_id(view: QListView) -> int | None:
    """The id of the newest server-confirmed message whose row is at least partly on screen."""
    model = view.model()
    viewport = view.viewport()
    if model is None or model.rowCount() == 0 or not viewport.isVisible():
        return None
    area = viewport.rect()
    bottom = view.indexAt(QPoint(area.center().x(), area.bottom() - 1))
    row = bottom.row() if bottom.isValid() else model.rowCount() - 1
    while row >= 0:
        index = model.index(row, 0)
        if not view.visualRect(index).intersects(area):
            return None  # above the viewport: nothing confirmed is visible
        mid = index.data(Roles.Id)
        if mid is not None:
            return int(mid)
        row -= 1
    return None


class ReadTracker(QObject):
    """Watches one message view; calls ``mark_read`` once the user has seen newer messages."""

    def __init__(
        self,
        view: QListView,
        model: MessageListModel,
        *,
        window: QWidget,
        mark_read: MarkRead,
        unread: Unread,
        sidebar: QAbstractItemModel | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view, self._model, self._window = view, model, window
        self._mark_read, self._unread = mark_read, unread
        self._sidebar = sidebar
        self._sent: dict[int, int] = {}
        self._tasks = TaskGroup("read-tracker")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self.on_timer_timeout)
        self._view.verticalScrollBar().valueChanged.connect(self.schedule)
        self._model.rowsInserted.connect(self.schedule)
        self._model.modelReset.connect(self.schedule)
        self._model.dataChanged.connect(self.schedule)
        self._window.installEventFilter(self)
        if self._sidebar is not None:  # the unread count arrived after the rows did
            self._sidebar.dataChanged.connect(self.schedule)
            self._sidebar.modelReset.connect(self.schedule)
            self._sidebar.rowsInserted.connect(self.schedule)
            self._sidebar.layoutChanged.connect(self.schedule)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.WindowActivate, QEvent.Type.Show):
            self.schedule()
        return False

    def schedule(self, *_args: object) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def seen_up_to(self) -> int | None:
        """What the user sees now, or None while the window is inactive, hidden or minimised."""
        w = self._window
        if not w.isVisible() or w.isMinimized() or not w.isActiveWindow():
            return None
        return newest_visible_id(self._view)

    def on_timer_timeout(self) -> None:
        cid = self._model.conversation_id
        up_to = self.seen_up_to()
        if cid is None or up_to is None or up_to <= self._sent.get(cid, 0):
            return
        if self._unread(cid) <= 0:
            return
        self._sent[cid] = up_to
        self._tasks.spawn(self._mark_read(cid, up_to))

    def cancel(self) -> None:
        self._timer.stop()
        self._tasks.cancel_all()
