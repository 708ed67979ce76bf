"""Paints one search hit: where and who on the first line, the snippet with the match in bold."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.delegates.paint import blend, font_px, secondary
from ui.widgets.search_model import Roles

Index = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = 56


def snippet_html(snippet: str, highlight: tuple[int, int] | None, mark: str) -> str:
    if highlight is None:
        return html.escape(snippet)
    a, b = highlight
    return (
        html.escape(snippet[:a])
        + f'<b style="background-color:{mark}">{html.escape(snippet[a:b])}</b>'
        + html.escape(snippet[b:])
    )


class SearchHitDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(300, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect = QRectF(option.rect)
        pal: QPalette = option.palette
        base_font: QFont = option.font
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(
                blend(
                    pal.color(QPalette.ColorRole.Base),
                    pal.color(QPalette.ColorRole.Highlight),
                    0.18,
                )
            )
            painter.drawRoundedRect(rect.adjusted(4, 1, -4, -1), 6, 6)
        meta = " · ".join(
            str(index.data(r) or "")
            for r in (Roles.ConversationTitle, Roles.SenderName, Roles.Time)
        )
        painter.setFont(font_px(base_font, 11))
        painter.setPen(secondary(pal))
        painter.drawText(
            rect.adjusted(14, 6, -14, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            meta,
        )
        doc = QTextDocument()
        doc.setDefaultFont(font_px(base_font, 13))
        doc.setDocumentMargin(0)
        mark = blend(pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Link), 0.3)
        text = snippet_html(
            str(index.data(Roles.Snippet) or ""), index.data(Roles.Highlight), mark.name()
        )
        colour = pal.color(QPalette.ColorRole.Text).name()
        doc.setHtml(f'<span style="color:{colour}">{text}</span>')
        doc.setTextWidth(rect.width() - 28)
        painter.translate(rect.left() + 14, rect.top() + 24)
        painter.setClipRect(QRectF(0, 0, rect.width() - 28, ROW_HEIGHT - 28))
        doc.drawContents(painter)
        painter.restore()
