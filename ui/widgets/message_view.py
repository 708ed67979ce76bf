"""The message list view: sticks to the bottom while new messages arrive, loads older pages when
the user scrolls near the top, and keeps the visible message in place when they are prepended."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

NEAR_TOP_PX = 300


class MessageView(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageView")
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMouseTracking(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.verticalScrollBar().setSingleStep(24)
        self._stick_to_bottom = True
        self._from_bottom: int | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self.on_scrollbar_value_changed)
        bar.rangeChanged.connect(self.on_scrollbar_range_changed)

    def setModel(self, model: object) -> None:
        super().setModel(model)  # type: ignore[arg-type]
        m = self.model()
        m.rowsAboutToBeInserted.connect(self.on_model_rows_about_to_be_inserted)
        m.modelReset.connect(self.on_model_reset)

    def verticalScrollbarValueChanged(self, value: int) -> None:
        """Qt fetches more when the bar hits the *bottom*; history here grows at the top."""

    def _follow(self, newest: bool) -> None:
        self._stick_to_bottom = newest
        model = self.model()
        if hasattr(model, "following"):  # the message model trims old rows only while we follow
            model.following = newest

    def on_model_reset(self) -> None:
        self._follow(True)
        self._from_bottom = None

    def on_model_rows_about_to_be_inserted(
        self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int
    ) -> None:
        if first == 0 and self.model().rowCount() > 0:  # older page: keep the reader's place
            bar = self.verticalScrollBar()
            self._from_bottom = bar.maximum() - bar.value()

    def on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        bar = self.verticalScrollBar()
        if self._stick_to_bottom:
            bar.setValue(maximum)
        elif self._from_bottom is not None:
            bar.setValue(maximum - self._from_bottom)
        self._from_bottom = None

    def on_scrollbar_value_changed(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._follow(value >= bar.maximum() - 4)
        model = self.model()
        if value < NEAR_TOP_PX and model is not None and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())

    def scroll_to_newest(self) -> None:
        self._follow(True)
        self.scrollToBottom()
