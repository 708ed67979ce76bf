"""The "While you were off" digest: what arrived during an off period, by conversation and topic.

Shown once when work starts (the controller hands out one summary per off period). Each line opens
its conversation at the first message that arrived, so catching up is a walk down the list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.features.offhours import DigestThread, OffSummary
from ui.watermark import cover

TARGET = Qt.ItemDataRole.UserRole + 1


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _span(summary: OffSummary) -> str:
    """The off period on this computer's clock, e.g. "Mon 17:00 – Tue 09:00"."""
    start, end = summary.off_since.astimezone(), summary.ended_at.astimezone()
    return f"{start:%a %H:%M} – {end:%a %H:%M}"


def _what(messages: int, urgent: int) -> str:
    text = _count(messages, "message")
    return f"{text} · {urgent} urgent" if urgent else text


class DigestDialog(QDialog):
    open_requested = Signal(int, int)
    """(conversation id, first message id) of the line the user chose."""

    def __init__(self, summary: OffSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digestDialog")
        self.setWindowTitle("While you were off")
        self.summary = summary
        title = QLabel("While you were off", self)
        title.setObjectName("dialogTitle")
        lead = summary.text().removeprefix("While you were off: ")
        self.subtitle = QLabel(
            f"{lead[:1].upper()}{lead[1:]}, not read yet.\n"
            f"Written {_span(summary)}. Choose one to open it.",
            self,
        )
        self.subtitle.setObjectName("digestSubtitle")
        self.subtitle.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("digestTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(18)
        self.tree.setUniformRowHeights(True)
        self.tree.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._fill(summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText("Done")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(4)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.accept)
        self.tree.itemActivated.connect(self.on_tree_item_activated)
        self.tree.itemClicked.connect(self.on_tree_item_activated)
        self.resize(480, self._fitting_height())
        cover(self)  # lists where messages arrived: the organisation's watermark applies

    def _fill(self, summary: OffSummary) -> None:
        by_conversation: dict[int, list[DigestThread]] = {}
        for t in summary.threads:
            by_conversation.setdefault(t.conversation_id, []).append(t)
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)
        dark = self.palette().base().color().lightness() < 128
        red = QBrush(QColor("#ff8a80" if dark else "#c62828"))
        for conversation_id, threads in by_conversation.items():
            first = min(threads, key=lambda t: t.message_ids[0]).message_ids[0]
            messages = sum(len(t.message_ids) for t in threads)
            urgent = sum(t.urgent for t in threads)
            top = QTreeWidgetItem([threads[0].conversation_name, _what(messages, urgent)])
            top.setFont(0, bold)
            top.setData(0, TARGET, (conversation_id, first))
            top.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if urgent:
                top.setForeground(1, red)
            self.tree.addTopLevelItem(top)
            for t in threads:
                if t.topic_id is None and len(threads) == 1:
                    continue  # a chat without topics: the conversation line says it all
                label = t.topic_title if t.topic_id is not None else "Outside topics"
                child = QTreeWidgetItem([label, _what(len(t.message_ids), t.urgent)])
                child.setData(0, TARGET, (conversation_id, t.message_ids[0]))
                child.setTextAlignment(
                    1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                if t.urgent:
                    child.setForeground(1, red)
                top.addChild(child)
            top.setExpanded(True)

    def _fitting_height(self) -> int:
        """Tall enough for every line without a gap under them (scrolls beyond ~12 lines)."""
        rows = sum(
            1 + self.tree.topLevelItem(i).childCount() for i in range(self.tree.topLevelItemCount())
        )
        row = max(self.tree.sizeHintForRow(0), self.fontMetrics().height() + 8)
        tree = min(max(rows, 3), 12) * row + 2 * self.tree.frameWidth() + 8
        chrome = self.sizeHint().height() - self.tree.sizeHint().height()
        return max(220, chrome + tree)

    def lines(self) -> list[str]:
        """Every line as the user reads it, top to bottom (tests, accessibility checks)."""
        out: list[str] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.append(f"{top.text(0)} — {top.text(1)}")
            out.extend(
                f"  {top.child(j).text(0)} — {top.child(j).text(1)}"
                for j in range(top.childCount())
            )
        return out

    def on_tree_item_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, TARGET)
        if target is not None:
            self.open_requested.emit(*target)
