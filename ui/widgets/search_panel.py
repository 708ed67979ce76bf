"""Ctrl+F: a search panel over the local encrypted copy, floating at the top of the message pane.

Typing searches (debounced) with ``Store.search``, which reads only the local database, so it
works offline. Up/Down choose a hit, Enter or a click jumps to it (``hit_activated``), Esc closes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from app.client.rows import SearchHit
from app.client.store import Store
from ui.people import People
from ui.tasks import TaskGroup
from ui.widgets.search_delegate import SearchHitDelegate
from ui.widgets.search_model import SearchResultModel

DEBOUNCE_MS = 150
LIMIT = 50
WIDTH, MARGIN = 520, 16


class SearchPanel(QFrame):
    hit_activated = Signal(int, int)
    """(conversation_id, message_id) of the hit the user chose."""

    def __init__(
        self, *, store: Store, people: People, title_of: Callable[[int], str], host: QWidget
    ) -> None:
        super().__init__(host)
        self.setObjectName("searchPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._store = store
        self._host = host
        self._tasks = TaskGroup("search")
        self._generation = 0
        self.results = SearchResultModel(
            people, title_of, self, today=lambda: dt.datetime.now().astimezone().date()
        )
        self.edit = QLineEdit(self)
        self.edit.setObjectName("searchEdit")
        self.edit.setPlaceholderText("Search messages on this device")
        self.edit.setClearButtonEnabled(True)
        self.list = QListView(self)
        self.list.setObjectName("searchResults")
        self.list.setModel(self.results)
        self.list.setItemDelegate(SearchHitDelegate(self.list))
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status = QLabel(self)
        self.status.setObjectName("searchStatus")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.edit)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._connect_signals()
        self.hide()

    def _connect_signals(self) -> None:
        self.edit.textChanged.connect(self.on_edit_text_changed)
        self.edit.installEventFilter(self)
        self._host.installEventFilter(self)
        self._debounce.timeout.connect(self.on_debounce_timeout)
        self.list.clicked.connect(self.on_list_clicked)

    # --- showing ----------------------------------------------------------------------------

    def open(self) -> None:
        self._place()
        self.show()
        self.raise_()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_panel(self) -> None:
        self.hide()

    def _place(self) -> None:
        width = min(WIDTH, max(200, self._host.width() - 2 * MARGIN))
        height = min(460, max(160, self._host.height() - 140))
        self.setGeometry(self._host.width() - width - MARGIN, 64, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Qt can still call the filter while the panel is being torn down, after Python has
        # cleared its attributes: then there is nothing left to follow.
        if "_host" not in self.__dict__:
            return False
        if watched is self._host and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        elif watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._on_key(event)
        return False

    def _on_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close_panel()
            return True
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self._move(1 if key == Qt.Key.Key_Down else -1)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._debounce.isActive():  # Enter right after typing: search now, then jump
                self._debounce.stop()
                self._tasks.spawn(self._search(self.edit.text(), then_activate=True))
            else:
                self.activate(self.list.currentIndex())
            return True
        return False

    def _move(self, step: int) -> None:
        n = self.results.rowCount()
        if n == 0:
            return
        row = min(max(self.list.currentIndex().row() + step, 0), n - 1)
        self.list.setCurrentIndex(self.results.index(row, 0))

    # --- searching --------------------------------------------------------------------------

    def on_edit_text_changed(self, _text: str) -> None:
        self._debounce.start()

    def on_debounce_timeout(self) -> None:
        self._tasks.spawn(self._search(self.edit.text()))

    async def _search(self, text: str, *, then_activate: bool = False) -> None:
        self._generation += 1
        mine = self._generation
        hits: list[SearchHit] = []
        if text.strip():
            hits = await self._store.search(text, limit=LIMIT)
        if mine != self._generation:  # a newer query started meanwhile
            return
        self.results.set_hits(hits)
        if hits:
            self.list.setCurrentIndex(self.results.index(0, 0))
            self.status.setText(f"{len(hits)}{'+' if len(hits) >= LIMIT else ''} found")
        else:
            self.status.setText("No messages found" if text.strip() else "")
        if then_activate:
            self.activate(self.list.currentIndex())

    @property
    def searching(self) -> bool:
        return self._tasks.busy or self._debounce.isActive()

    # --- choosing ---------------------------------------------------------------------------

    def on_list_clicked(self, index: QModelIndex) -> None:
        self.activate(index)

    def activate(self, index: QModelIndex) -> None:
        hit = self.results.hit(index.row()) if index.isValid() else None
        if hit is None:
            return
        self.close_panel()
        self.hit_activated.emit(hit.conversation_id, hit.message_id)
