"""Who is in a group or channel, each with their workday status and whether they are off now.

Opened from the conversation header's members button. It follows the conversation (members
joining or leaving), the directory (status events) and the clock (people going off work, a status
expiring): each refresh rebuilds the short list from the local copy, without asking the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import wire
from app.core.offhours.availability import Availability
from app.features.offhours.directory import AvailabilityBook, zone_of_user
from app.features.offhours.phrasing import when_phrase
from ui.delegates.member import MemberDelegate, MemberRoles
from ui.people import People
from ui.status.display import status_line

if TYPE_CHECKING:  # the window imports this module
    from ui.mainwindow import MainWindow

REFRESH_MS = 30_000
"""Availability and expiry follow the clock; half a minute is close enough for a list."""
_OFF = {
    "dnd": "Do not disturb",
    "holiday": "On holiday",
    "weekend": "Off work",
    "off_hours": "Off work",
}


class Availabilities(Protocol):
    """Who is off (the off-hours controller): a book for now, and the organisation's default."""

    default_schedule: wire.Schedule | None

    def book(self) -> AvailabilityBook: ...


def off_note(
    user: wire.User,
    availability: Availability,
    zone_default: wire.Schedule | None,
    now: dt.datetime,
) -> str:
    """ "☾ Off work until 09:00 tomorrow (their time)", or "" while they are at work."""
    if not availability.off:
        return ""
    lead = "☾ " + _OFF.get(availability.reason, "Off work")
    if availability.until is None:
        return lead
    zone = zone_of_user(user, zone_default)
    return f"{lead} until {when_phrase(availability.until, zone, now)} (their time)"


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    name: str
    title: str
    status: str
    off: str

    @property
    def text(self) -> str:
        """The row as plain text (accessibility, tooltip): name and title, then the rest."""
        head = "  ·  ".join(p for p in (self.name, self.title) if p)
        return f"{head}\n" + ("  ·  ".join(p for p in (self.status, self.off) if p) or "No status")


def member_row(user: wire.User, book: AvailabilityBook | None, me_id: int | None) -> MemberRow:
    off = off_note(user, book.of(user), book.default, book.now) if book is not None else ""
    if not user.active:
        off = "No longer in the organisation"
    return MemberRow(
        user_id=user.id,
        name=user.display_name + (" (you)" if user.id == me_id else ""),
        title=user.title,
        status=status_line(user, book.now if book else None),
        off=off,
    )


class MembersDialog(QDialog):
    def __init__(
        self,
        *,
        title: str,
        members: Callable[[], Sequence[int] | None],
        people: People,
        availabilities: Availabilities | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("membersDialog")
        self._title, self._members = title, members
        self._people, self._availabilities = people, availabilities
        self.heading = QLabel(self)
        self.heading.setObjectName("dialogTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("membersList")
        self.list.setItemDelegate(MemberDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        people.people_did_change.connect(self.refresh_soon)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(100)
        self._soon.timeout.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.resize(440, 480)
        self.refresh()

    def rows(self) -> list[MemberRow]:
        """One row per member, me first, then by name; what the list shows."""
        ids = self._members()
        book = self._availabilities.book() if self._availabilities is not None else None
        users = [u for m in ids or () if (u := self._people.get(m)) is not None]
        users.sort(key=lambda u: (u.id != self._people.me_id, u.display_name.lower()))
        return [member_row(u, book, self._people.me_id) for u in users]

    def refresh_soon(self, *_args: object) -> None:
        """Many changes in a burst (a busy channel's messages reload the list) refresh once."""
        self._soon.start()

    def refresh(self, *_args: object) -> None:
        ids = self._members()
        if ids is None:  # the conversation is gone (left, or removed from it)
            self.heading.setText(f"You are no longer in {self._title}.")
            self.list.clear()
            return
        self.setWindowTitle(f"Members of {self._title}")
        self.heading.setText(f"{len(ids)} member{'' if len(ids) == 1 else 's'} of {self._title}")
        rows = self.rows()
        self.list.clear()
        for row in rows:
            item = QListWidgetItem(row.text)
            item.setToolTip(row.text)
            for role, value in (
                (Qt.ItemDataRole.UserRole, row.user_id),
                (MemberRoles.Name, row.name),
                (MemberRoles.Title, row.title),
                (MemberRoles.Status, row.status),
                (MemberRoles.Off, row.off),
                (MemberRoles.Initials, self._people.initials(row.user_id)),
                (MemberRoles.Colour, self._people.colour(row.user_id)),
            ):
                item.setData(role, value)
            self.list.addItem(item)


def open_members(window: MainWindow, conversation_id: int) -> MembersDialog:
    """The members of one of the window's conversations, in a dialog that stays current."""
    model = window.conversations

    def members() -> Sequence[int] | None:
        conv = model.conversation(model.row_of(conversation_id))
        return None if conv is None or conv.left else conv.member_ids

    conv = model.conversation(model.row_of(conversation_id))
    title = ("#" if conv and conv.kind == "channel" else "") + (model.title(conv) if conv else "")
    offhours = getattr(window, "offhours", None)
    dialog = MembersDialog(
        title=title,
        members=members,
        people=window.people,
        availabilities=offhours.controller if offhours is not None else None,
        parent=window,
    )
    for signal in (model.dataChanged, model.rowsInserted, model.rowsRemoved, model.modelReset):
        signal.connect(dialog.refresh_soon)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
