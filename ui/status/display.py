"""Other people's statuses where names are shown: the text, and how a list row paints it.

A status past its ``expires_at`` is not shown even before the server's next word about it (the
server drops expired statuses when read, and sends no event at expiry).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter

from app.core.wire import User, UserStatus


def visible_status(user: User | None, now: dt.datetime | None = None) -> UserStatus | None:
    if user is None or user.status is None or not user.status.text:
        return None
    expires = user.status.expires_at
    if expires is not None and expires <= (now or dt.datetime.now(dt.UTC)):
        return None
    return user.status


def status_line(user: User | None, now: dt.datetime | None = None) -> str:
    """ "📊 Editing: Q3 plan.xlsx", or "" when the person shares nothing."""
    status = visible_status(user, now)
    if status is None:
        return ""
    return f"{status.emoji} {status.text}" if status.emoji else status.text


def paint_status(painter: QPainter, rect: QRectF, text: str, colour: QColor, font: QFont) -> None:
    """The status after a name in a list row: smaller, secondary, elided to the room left."""
    if not text or rect.width() < 24:
        return
    painter.save()
    painter.setFont(font)
    painter.setPen(colour)
    shown = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()))
    painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
    painter.restore()
