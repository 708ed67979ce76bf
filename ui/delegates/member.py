"""Paints one member of a group or channel: avatar, name and title, their status, and if they
are off, until when (the list in ``ui.dialogs.members``)."""

from __future__ import annotations

import enum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.delegates.paint import avatar, blend, font_px, is_dark, secondary

Index = QModelIndex | QPersistentModelIndex
AVATAR, PAD, LINE = 34, 10, 18


class MemberRoles(enum.IntEnum):
    Name = Qt.ItemDataRole.UserRole + 1
    Title = enum.auto()
    Status = enum.auto()
    Off = enum.auto()
    Initials = enum.auto()
    Colour = enum.auto()


class MemberDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        lines = 2 + bool(index.data(MemberRoles.Off))
        return QSize(320, max(AVATAR, lines * LINE) + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        rect = QRectF(option.rect)  # type: ignore[attr-defined]
        pal: QPalette = option.palette  # type: ignore[attr-defined]
        base: QFont = option.font  # type: ignore[attr-defined]
        if option.state & QStyle.StateFlag.State_MouseOver:  # type: ignore[attr-defined]
            painter.fillRect(
                rect,
                blend(pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text), 0.04),
            )
        av = QRectF(rect.left() + PAD, rect.top() + PAD, AVATAR, AVATAR)
        avatar(
            painter, av, str(index.data(MemberRoles.Initials)), index.data(MemberRoles.Colour), base
        )
        x = av.right() + PAD
        width = rect.right() - PAD - x
        y = rect.top() + PAD
        name_font = font_px(base, 14, QFont.Weight.DemiBold)
        painter.setFont(name_font)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        name = str(index.data(MemberRoles.Name))
        shown = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(width))
        painter.drawText(QRectF(x, y, width, LINE), Qt.AlignmentFlag.AlignVCenter, shown)
        after = x + painter.fontMetrics().horizontalAdvance(shown) + 8
        muted = secondary(pal)
        small = font_px(base, 12)
        title = str(index.data(MemberRoles.Title) or "")
        if title and after < rect.right() - PAD - 24:
            self._line(
                painter, QRectF(after, y, rect.right() - PAD - after, LINE), title, muted, small
            )
        status = str(index.data(MemberRoles.Status) or "")
        self._line(
            painter,
            QRectF(x, y + LINE, width, LINE),
            status or "No status shared",
            pal.color(QPalette.ColorRole.Text) if status else muted,
            small,
        )
        off = str(index.data(MemberRoles.Off) or "")
        if off:
            tint = QColor("#e0b252") if is_dark(pal) else QColor("#9a6a00")
            self._line(painter, QRectF(x, y + 2 * LINE, width, LINE), off, tint, small)
        painter.restore()

    @staticmethod
    def _line(painter: QPainter, rect: QRectF, text: str, colour: QColor, font: QFont) -> None:
        painter.setFont(font)
        painter.setPen(colour)
        shown = painter.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, int(rect.width())
        )
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
