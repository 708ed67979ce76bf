"""Paints one message: day separator, topic marker, sender header, reply quote, body, reactions
and the pending/failed/unread footer. Heights are cached by the model's LayoutKey and width, so a
long conversation scrolls without re-measuring rich text on every paint."""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from ui.delegates.paint import avatar, blend, font_px, is_dark, pill, secondary
from ui.models.messages import Roles
from ui.people import People
from ui.status.display import status_line, visible_status

Index = QModelIndex | QPersistentModelIndex

LEFT, RIGHT, AVATAR, GAP = 20, 28, 36, 12
TEXT_X = LEFT + AVATAR + GAP
DAY_H, TOPIC_H, HEADER_H, QUOTE_H, REACT_H, FOOTER_H = 40, 26, 22, 22, 30, 18
URL = re.compile(r"https?://[^\s<>\"']+")
MENTION = re.compile(r"(?<![\w@])@[\w.\-]*\w")


def body_html(text: str, link_colour: str, mention_bg: str) -> str:
    """Escape, linkify URLs and highlight @mentions; newlines become line breaks."""
    out: list[str] = []
    pos = 0
    for m in URL.finditer(text):
        out.append(_mentions(text[pos : m.start()], mention_bg))
        url = html.escape(m.group(0), quote=True)
        out.append(f'<a href="{url}" style="color:{link_colour}; text-decoration:none">{url}</a>')
        pos = m.end()
    out.append(_mentions(text[pos:], mention_bg))
    return "".join(out).replace("\n", "<br>")


def _mentions(text: str, bg: str) -> str:
    escaped = html.escape(text)
    return MENTION.sub(
        lambda m: f'<span style="background:{bg}; font-weight:600">{m.group(0)}</span>', escaped
    )


@dataclass(slots=True)
class _Layout:
    day: QRectF | None
    topic: QRectF | None
    header: QRectF | None
    quote: QRectF | None
    body: QRectF
    reactions: QRectF | None
    footer: QRectF | None
    height: int


class MessageDelegate(QStyledItemDelegate):
    retry_requested = Signal(str)
    """The Key of a failed message the user clicked to send again."""
    receipts_requested = Signal(int)
    """The id of my message whose "N unread" footer the user clicked."""
    reaction_toggled = Signal(int, str, bool)
    """Message id, emoji, and whether my reaction should now be on (a chip was clicked)."""

    def __init__(self, people: People, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._people = people
        self._sizes: OrderedDict[tuple[object, int], int] = OrderedDict()
        self._docs: OrderedDict[tuple[object, int, bool], QTextDocument] = OrderedDict()

    def clear_cache(self) -> None:
        self._sizes.clear()
        self._docs.clear()

    # --- measuring --------------------------------------------------------------------------

    def _document(self, index: Index, width: int, option: QStyleOptionViewItem) -> QTextDocument:
        pal: QPalette = option.palette  # type: ignore[attr-defined]
        dark = is_dark(pal)
        key = (index.data(Roles.LayoutKey), width, dark)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font_px(option.font, 14))  # type: ignore[attr-defined]
        text = str(index.data() or "")
        if index.data(Roles.Deleted):
            doc.setHtml(f'<i style="color:{secondary(pal).name()}">{html.escape(text)}</i>')
        else:
            mention_bg = "#4a3f1c" if dark else "#fff1c2"
            doc.setHtml(body_html(text, pal.color(QPalette.ColorRole.Link).name(), mention_bg))
        doc.setTextWidth(width)
        self._docs[key] = doc
        if len(self._docs) > 400:
            self._docs.popitem(last=False)
        return doc

    def _layout(self, option: QStyleOptionViewItem, index: Index) -> _Layout:
        rect = option.rect  # type: ignore[attr-defined]
        width = max(120, rect.width() - TEXT_X - RIGHT)
        y = float(rect.top())
        day = topic = header = quote = reactions = footer = None
        if index.data(Roles.DayLabel):
            day = QRectF(rect.left(), y, rect.width(), DAY_H)
            y += DAY_H
        if index.data(Roles.TopicTitle):
            topic = QRectF(TEXT_X, y + 6, width, TOPIC_H - 6)
            y += TOPIC_H
        show_header = bool(index.data(Roles.ShowHeader))
        y += 10 if show_header else 2
        if show_header:
            header = QRectF(TEXT_X, y, width, HEADER_H)
            y += HEADER_H
        if index.data(Roles.ReplyQuote):
            quote = QRectF(TEXT_X, y + 2, width, QUOTE_H - 4)
            y += QUOTE_H
        doc = self._document(index, width, option)
        body_h = max(20.0, doc.size().height())
        body = QRectF(TEXT_X, y, width, body_h)
        y += body_h
        if index.data(Roles.Reactions):
            reactions = QRectF(TEXT_X, y + 4, width, REACT_H - 6)
            y += REACT_H
        if self._footer_text(index):
            footer = QRectF(TEXT_X, y + 2, width, FOOTER_H - 2)
            y += FOOTER_H
        y += 2
        return _Layout(day, topic, header, quote, body, reactions, footer, round(y - rect.top()))

    def _footer_text(self, index: Index) -> str | None:
        state = index.data(Roles.State)
        if state == "pending":
            return "Sending…"
        if state == "failed":
            return "Not sent · click to retry"
        unread = index.data(Roles.UnreadBy)
        if unread is None:
            return None
        return "Read by everyone" if unread == 0 else f"{unread} unread"

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        widget = option.widget  # type: ignore[attr-defined]
        width = widget.viewport().width() if widget is not None else option.rect.width()  # type: ignore[attr-defined]
        key = (index.data(Roles.LayoutKey), width)
        height = self._sizes.get(key)
        if height is None:
            opt = QStyleOptionViewItem(option)
            opt.rect = QRect(0, 0, width, 0)  # type: ignore[attr-defined]
            height = self._layout(opt, index).height
            self._sizes[key] = height
            if len(self._sizes) > 5000:
                self._sizes.popitem(last=False)
        return QSize(width, height)

    # --- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        lay = self._layout(option, index)
        pal: QPalette = option.palette  # type: ignore[attr-defined]
        base_font: QFont = option.font  # type: ignore[attr-defined]
        rect = option.rect  # type: ignore[attr-defined]
        text_c, muted = pal.color(QPalette.ColorRole.Text), secondary(pal)
        painter.save()
        top = rect.top() + (DAY_H if lay.day else 0) + (TOPIC_H if lay.topic else 0)
        msg_rect = QRectF(rect.left(), top, rect.width(), rect.bottom() - top + 1)
        if index.data(Roles.Urgent) or index.data(Roles.MentionsMe):
            tint = (  # urgent outranks a mention: it is the one that must not be missed
                QPalette.ColorRole.BrightText
                if index.data(Roles.Urgent)
                else QPalette.ColorRole.Link
            )
            colour = pal.color(tint)
            painter.fillRect(msg_rect, blend(pal.color(QPalette.ColorRole.Base), colour, 0.08))
            painter.fillRect(QRectF(msg_rect.left(), msg_rect.top(), 3, msg_rect.height()), colour)
        elif option.state & QStyle.StateFlag.State_MouseOver:  # type: ignore[attr-defined]
            painter.fillRect(msg_rect, blend(pal.color(QPalette.ColorRole.Base), text_c, 0.03))
        if lay.day:
            self._paint_day(painter, lay.day, str(index.data(Roles.DayLabel)), pal, base_font)
        if lay.topic:
            painter.setFont(font_px(base_font, 12, QFont.Weight.DemiBold))
            painter.setPen(pal.color(QPalette.ColorRole.Link))
            painter.drawText(
                lay.topic,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                "▸ " + str(index.data(Roles.TopicTitle)),
            )
        if lay.header:
            sender = int(index.data(Roles.SenderId))
            av = QRectF(LEFT, lay.header.top() + 2, AVATAR, AVATAR)
            avatar(
                painter, av, self._people.initials(sender), self._people.colour(sender), base_font
            )
            name_font = font_px(base_font, 14, QFont.Weight.Bold)
            painter.setFont(name_font)
            painter.setPen(text_c)
            name = str(index.data(Roles.SenderName))
            painter.drawText(
                lay.header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
            )
            x = lay.header.left() + QFontMetrics(name_font).horizontalAdvance(name) + 8
            shared = visible_status(self._people.get(sender))
            if shared is not None and shared.emoji:  # the whole status is the header's tooltip
                painter.drawText(
                    QRectF(x, lay.header.top(), lay.header.right() - x, lay.header.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    shared.emoji,
                )
                x += QFontMetrics(name_font).horizontalAdvance(shared.emoji) + 8
            painter.setFont(font_px(base_font, 12))
            painter.setPen(muted)
            stamp = index.data(Roles.Created).astimezone().strftime("%H:%M")
            extras = [stamp]
            if index.data(Roles.Edited):
                extras.append("edited")
            if index.data(Roles.Pinned):
                extras.append("📌 pinned")
            if index.data(Roles.Urgent):
                extras.append("urgent")
            painter.drawText(
                QRectF(x, lay.header.top(), lay.header.right() - x, lay.header.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                " · ".join(extras),
            )
        if lay.quote:
            painter.fillRect(
                QRectF(lay.quote.left(), lay.quote.top(), 3, lay.quote.height()),
                blend(muted, pal.color(QPalette.ColorRole.Base), 0.3),
            )
            painter.setFont(font_px(base_font, 12))
            painter.setPen(muted)
            q = lay.quote.adjusted(10, 0, 0, 0)
            text = painter.fontMetrics().elidedText(
                str(index.data(Roles.ReplyQuote)), Qt.TextElideMode.ElideRight, int(q.width())
            )
            painter.drawText(q, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        doc = self._document(index, int(lay.body.width()), option)
        painter.save()
        painter.translate(lay.body.topLeft())
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(
            QPalette.ColorRole.Text, muted if index.data(Roles.State) == "pending" else text_c
        )
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
        if lay.reactions:
            self._paint_reactions(
                painter, lay.reactions, index.data(Roles.Reactions), pal, base_font
            )
        if lay.footer:
            failed = index.data(Roles.State) == "failed"
            painter.setFont(
                font_px(base_font, 11, QFont.Weight.DemiBold if failed else QFont.Weight.Normal)
            )
            clickable = bool(index.data(Roles.UnreadBy))  # "N unread" opens the receipts
            painter.setPen(
                pal.color(QPalette.ColorRole.BrightText)
                if failed
                else pal.color(QPalette.ColorRole.Link)
                if clickable
                else muted
            )
            painter.drawText(
                lay.footer,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                str(self._footer_text(index)),
            )
        painter.restore()

    def _paint_day(
        self, painter: QPainter, rect: QRectF, label: str, pal: QPalette, font: QFont
    ) -> None:
        f = font_px(font, 12, QFont.Weight.DemiBold)
        painter.setFont(f)
        w = QFontMetrics(f).horizontalAdvance(label) + 24
        mid = rect.center().y() + 4
        line = blend(pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text), 0.12)
        painter.setPen(line)
        painter.drawLine(QPointF(LEFT, mid), QPointF(rect.right() - RIGHT, mid))
        chip = QRectF(rect.center().x() - w / 2, mid - 12, w, 24)
        painter.setPen(line)
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.drawRoundedRect(chip, 12, 12)
        painter.setPen(secondary(pal))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_reactions(
        self,
        painter: QPainter,
        rect: QRectF,
        reactions: list[tuple[str, int, bool]],
        pal: QPalette,
        font: QFont,
    ) -> None:
        f = font_px(font, 12)
        base = pal.color(QPalette.ColorRole.Base)
        for (emoji, count, mine), chip in zip(
            reactions, _chip_rects(rect, reactions, f), strict=True
        ):
            text = f"{emoji} {count}"
            accent = pal.color(QPalette.ColorRole.Highlight)
            bg = (
                blend(base, accent, 0.18)
                if mine
                else blend(base, pal.color(QPalette.ColorRole.Text), 0.07)
            )
            pill(painter, chip, text, bg, pal.color(QPalette.ColorRole.Text), f)

    # --- interaction ------------------------------------------------------------------------

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        """Over the sender's name: their name and the status they share now."""
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            lay = self._layout(option, index)
            if lay.header and lay.header.contains(QPointF(event.pos())):
                sender = int(index.data(Roles.SenderId))
                status = status_line(self._people.get(sender))
                if status:
                    QToolTip.showText(event.globalPos(), f"{self._people.name(sender)} · {status}")
                    return True
        return super().helpEvent(event, view, option, index)

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        if event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent):
            return False
        lay = self._layout(option, index)
        pos = event.position()
        if lay.footer and index.data(Roles.State) == "failed" and lay.footer.contains(pos):
            self.retry_requested.emit(str(index.data(Roles.Key)))
            return True
        mid = index.data(Roles.Id)
        if mid is None or index.data(Roles.Deleted):
            pass
        elif lay.footer and index.data(Roles.UnreadBy) is not None and lay.footer.contains(pos):
            self.receipts_requested.emit(int(mid))
            return True
        elif lay.reactions and lay.reactions.contains(pos):
            reactions = index.data(Roles.Reactions)
            f = font_px(option.font, 12)  # type: ignore[attr-defined]
            for (emoji, _count, mine), chip in zip(
                reactions, _chip_rects(lay.reactions, reactions, f), strict=True
            ):
                if chip.contains(pos):
                    self.reaction_toggled.emit(int(mid), emoji, not mine)
                    return True
        if lay.body.contains(pos):
            doc = self._document(index, int(lay.body.width()), option)
            anchor = doc.documentLayout().anchorAt(pos - lay.body.topLeft())
            if anchor:
                QDesktopServices.openUrl(QUrl(anchor))
                return True
        return False


def _chip_rects(rect: QRectF, reactions: list[tuple[str, int, bool]], font: QFont) -> list[QRectF]:
    """Where each reaction chip is drawn (and so where a click toggles it)."""
    fm = QFontMetrics(font)
    x, out = rect.left(), []
    for emoji, count, _mine in reactions:
        w = fm.horizontalAdvance(f"{emoji} {count}") + 18
        out.append(QRectF(x, rect.top(), w, rect.height()))
        x += w + 6
    return out


def chip_rect(
    option: QStyleOptionViewItem, index: Index, delegate: MessageDelegate, n: int
) -> QRectF:
    """The n-th reaction chip of a row, in view coordinates (for tests and accessibility)."""
    lay = delegate._layout(option, index)
    assert lay.reactions is not None
    reactions = index.data(Roles.Reactions)
    return _chip_rects(lay.reactions, reactions, font_px(option.font, 12))[n]  # type: ignore[attr-defined]


def footer_rect(option: QStyleOptionViewItem, index: Index, delegate: MessageDelegate) -> QRectF:
    lay = delegate._layout(option, index)
    assert lay.footer is not None
    return lay.footer
