"""Who is who: display names, initials and avatar colours of the organisation's users."""

from __future__ import annotations

import zlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from app.core.wire import User

# Muted, distinguishable hues that keep white initials legible in both themes.
_AVATAR_HUES = (210, 160, 20, 280, 340, 190, 40, 250, 120, 0)


class People(QObject):
    """The local copy of the user directory, refreshed when the store reports user changes."""

    people_did_change = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._users: dict[int, User] = {}
        self.me_id: int | None = None

    def update(self, users: dict[int, User], me_id: int | None) -> None:
        self._users = dict(users)
        self.me_id = me_id
        self.people_did_change.emit()

    def everyone(self) -> list[User]:
        """The whole directory (deactivated people included), in id order."""
        return [self._users[k] for k in sorted(self._users)]

    def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def name(self, user_id: int) -> str:
        user = self._users.get(user_id)
        return user.display_name if user else f"User {user_id}"

    def first_name(self, user_id: int) -> str:
        return self.name(user_id).split(" ")[0]

    def initials(self, user_id: int) -> str:
        parts = [p for p in self.name(user_id).replace(".", " ").split() if p]
        if not parts:
            return "?"
        if len(parts) == 1:
            return parts[0][:2].upper()
        return (parts[0][0] + parts[-1][0]).upper()

    def colour(self, user_id: int) -> QColor:
        user = self._users.get(user_id)
        seed = user.username if user else str(user_id)
        hue = _AVATAR_HUES[zlib.crc32(seed.encode()) % len(_AVATAR_HUES)]
        return QColor.fromHsl(hue, 120, 105)
