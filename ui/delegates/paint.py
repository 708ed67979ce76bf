"""Small painting helpers shared by the delegates: avatars, pills, secondary colours."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette


def secondary(palette: QPalette) -> QColor:
    """Text colour for timestamps and metadata: the text colour, faded toward the background."""
    text, base = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
    return blend(text, base, 0.45)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def avatar(painter: QPainter, rect: QRectF, initials: str, colour: QColor, font: QFont) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(rect, rect.width() * 0.3, rect.height() * 0.3)
    f = QFont(font)
    f.setPixelSize(max(9, round(rect.height() * 0.4)))
    f.setWeight(QFont.Weight.DemiBold)
    painter.setFont(f)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, initials)
    painter.restore()


def pill(painter: QPainter, rect: QRectF, text: str, bg: QColor, fg: QColor, font: QFont) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setFont(font)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


def font_px(base: QFont, px: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    f = QFont(base)
    f.setPixelSize(px)
    f.setWeight(weight)
    return f
