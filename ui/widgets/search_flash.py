"""A brief highlight over the message a search jump landed on (fades out by itself)."""

from __future__ import annotations

from PySide6.QtCore import QPersistentModelIndex, Qt, QTimer, QVariantAnimation
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QWidget

FLASH_MS = 1800


class MessageFlash(QWidget):
    """Lies over the view's viewport, follows its row while visible, ignores the mouse."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view.viewport())
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._view = view
        self._index = QPersistentModelIndex()
        self._alpha = 0.0
        self._fade = QVariantAnimation(self)
        self._fade.setStartValue(0.35)
        self._fade.setEndValue(0.0)
        self._fade.setDuration(FLASH_MS)
        self._fade.valueChanged.connect(self.on_fade_value_changed)
        self._fade.finished.connect(self.on_fade_finished)
        self._follow = QTimer(self)
        self._follow.setInterval(30)
        self._follow.timeout.connect(self._place)
        self.hide()

    @property
    def index(self) -> QPersistentModelIndex:
        return self._index

    def flash(self, row: int) -> None:
        model = self._view.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        self._index = QPersistentModelIndex(model.index(row, 0))
        self._place()
        self.show()
        self.raise_()
        self._follow.start()
        self._fade.stop()
        self._fade.start()

    def _place(self) -> None:
        if not self._index.isValid():
            self.on_fade_finished()
            return
        self.setGeometry(self._view.visualRect(self._view.model().index(self._index.row(), 0)))

    def on_fade_value_changed(self, value: object) -> None:
        self._alpha = float(value)  # type: ignore[arg-type]
        self.update()

    def on_fade_finished(self) -> None:
        self._follow.stop()
        self.hide()

    def paintEvent(self, _event: QPaintEvent) -> None:
        colour = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        colour.setAlphaF(max(0.0, min(1.0, self._alpha)))
        painter = QPainter(self)
        painter.fillRect(self.rect(), colour)
