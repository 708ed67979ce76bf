"""Delegates of the two side lists: conversations (with unread pills) and topics."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.delegates.paint import avatar, blend, font_px, pill, secondary
from ui.models.conversations import Roles as ConvRoles
from ui.models.topics import Roles as TopicRoles
from ui.people import People
from ui.status.display import paint_status

Index = QModelIndex | QPersistentModelIndex


def _background(painter: QPainter, option: QStyleOptionViewItem, rect: QRectF) -> None:
    pal = option.palette  # type: ignore[attr-defined]
    state = option.state  # type: ignore[attr-defined]
    if state & QStyle.StateFlag.State_Selected:
        colour = pal.color(QPalette.ColorRole.Highlight)
    elif state & QStyle.StateFlag.State_MouseOver:
        colour = blend(
            pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.Text), 0.06
        )
    else:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(rect.adjusted(8, 1, -8, -1), 6, 6)
    painter.restore()


def _text_colour(option: QStyleOptionViewItem) -> tuple[QPalette, bool]:
    pal = option.palette  # type: ignore[attr-defined]
    return pal, bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]


class ConversationDelegate(QStyledItemDelegate):
    def __init__(self, people: People, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._people = people

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if index.data(ConvRoles.PeerStatus):
            return QSize(200, 46)  # a second line for the person's status
        return QSize(200, 38 if index.data(ConvRoles.IsHeader) else 34)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect = QRectF(option.rect)  # type: ignore[attr-defined]
        pal, selected = _text_colour(option)
        base_font: QFont = option.font  # type: ignore[attr-defined]
        painter.save()
        if index.data(ConvRoles.IsHeader):
            painter.setFont(font_px(base_font, 11, QFont.Weight.DemiBold))
            painter.setPen(secondary(pal))
            text_rect = rect.adjusted(18, 14, -12, 0)
            painter.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                str(index.data()).upper(),
            )
            painter.restore()
            return
        _background(painter, option, rect)
        fg = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        unread = int(index.data(ConvRoles.Unread) or 0)
        mentioned = bool(index.data(ConvRoles.Mentioned))
        kind = index.data(ConvRoles.Kind)
        icon_rect = QRectF(rect.left() + 18, rect.center().y() - 10, 20, 20)
        peer = index.data(ConvRoles.PeerId)
        if kind == "dm" and peer is not None:
            avatar(
                painter,
                icon_rect,
                self._people.initials(peer),
                self._people.colour(peer),
                base_font,
            )
        else:
            painter.setFont(font_px(base_font, 16, QFont.Weight.Medium))
            painter.setPen(fg if selected else secondary(pal))
            glyph = (
                "🔒"
                if index.data(ConvRoles.Private) and kind == "channel"
                else ("#" if kind == "channel" else "◇")
            )
            if glyph == "🔒":
                painter.setFont(font_px(base_font, 12))
            painter.drawText(icon_rect, Qt.AlignmentFlag.AlignCenter, glyph)
        right = rect.right() - 16
        if unread:
            pill_font = font_px(base_font, 11, QFont.Weight.DemiBold)
            text = str(unread) if unread < 100 else "99+"
            w = max(20.0, painter.fontMetrics().horizontalAdvance(text) + 14.0)
            pill_rect = QRectF(right - w, rect.center().y() - 9, w, 18)
            accent = pal.color(QPalette.ColorRole.Highlight)
            bg = pal.color(QPalette.ColorRole.HighlightedText) if selected else accent
            pill(
                painter,
                pill_rect,
                text,
                bg,
                accent if selected else pal.color(QPalette.ColorRole.HighlightedText),
                pill_font,
            )
            right = pill_rect.left() - 6
        if mentioned:
            m_rect = QRectF(right - 18, rect.center().y() - 9, 18, 18)
            pill(
                painter,
                m_rect,
                "@",
                pal.color(QPalette.ColorRole.Link),
                pal.color(QPalette.ColorRole.HighlightedText),
                font_px(base_font, 11, QFont.Weight.Bold),
            )
            right = m_rect.left() - 6
        name_font = font_px(base_font, 14, QFont.Weight.Bold if unread else QFont.Weight.Normal)
        painter.setFont(name_font)
        painter.setPen(
            fg if (unread or selected) else blend(fg, pal.color(QPalette.ColorRole.Window), 0.2)
        )
        text_rect = QRectF(
            icon_rect.right() + 10, rect.top(), right - icon_rect.right() - 14, rect.height()
        )
        status = str(index.data(ConvRoles.PeerStatus) or "")
        if status:  # name above, status below, both within the row's text column
            text_rect.setBottom(rect.center().y() + 1)
        name = painter.fontMetrics().elidedText(
            str(index.data()), Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignLeft
            | (Qt.AlignmentFlag.AlignBottom if status else Qt.AlignmentFlag.AlignVCenter),
            name,
        )
        if status:
            paint_status(
                painter,
                QRectF(text_rect.left(), rect.center().y() + 2, text_rect.width(), 16),
                status,
                blend(fg, pal.color(QPalette.ColorRole.Highlight), 0.25)
                if selected
                else secondary(pal),
                font_px(base_font, 12),
            )
        painter.restore()


class TopicDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if index.data(TopicRoles.IsHeader):
            return QSize(180, 36)
        return QSize(180, 50 if index.data(TopicRoles.LinkLabel) else 34)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect = QRectF(option.rect)  # type: ignore[attr-defined]
        pal, selected = _text_colour(option)
        base_font: QFont = option.font  # type: ignore[attr-defined]
        painter.save()
        if index.data(TopicRoles.IsHeader):
            painter.setFont(font_px(base_font, 11, QFont.Weight.DemiBold))
            painter.setPen(secondary(pal))
            painter.drawText(
                rect.adjusted(18, 12, -12, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                str(index.data()).upper(),
            )
            painter.restore()
            return
        _background(painter, option, rect)
        closed = bool(index.data(TopicRoles.Closed))
        fg = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        if closed and not selected:
            fg = secondary(pal)
        link = index.data(TopicRoles.LinkLabel)
        title_rect = QRectF(rect.left() + 20, rect.top() + 8, rect.width() - 40, 18)
        painter.setFont(font_px(base_font, 14))
        painter.setPen(fg)
        prefix = "✓ " if closed else ""
        title = painter.fontMetrics().elidedText(
            prefix + str(index.data()), Qt.TextElideMode.ElideRight, int(title_rect.width())
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        if link:
            painter.setFont(font_px(base_font, 12))
            painter.setPen(fg if selected else pal.color(QPalette.ColorRole.Link))
            link_rect = QRectF(title_rect.left(), title_rect.bottom() + 2, title_rect.width(), 16)
            text = painter.fontMetrics().elidedText(
                "↗ " + str(link), Qt.TextElideMode.ElideRight, int(link_rect.width())
            )
            painter.drawText(
                link_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text
            )
        painter.restore()
