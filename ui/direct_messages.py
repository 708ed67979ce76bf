"""Starting a direct message with anyone in the organisation, even someone never written to.

The server creates the conversation (or answers with the one that exists); it then reaches the
local store through sync like every other conversation, so the window opens it once it is listed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.client.api import ConnectionProblem
from app.core.errors import ApiError
from ui.actions import Remote
from ui.dialogs.receipts import explain
from ui.tasks import TaskGroup


class DirectMessages(QObject):
    conversation_ready = Signal(int)
    """The direct message exists on the server (its id); the window opens it once synced."""
    did_fail = Signal(str, str)
    """A title and a sentence for the user (offline, refused)."""

    def __init__(self, remote: Remote | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._remote = remote
        self._tasks = TaskGroup("direct-messages")

    def open_with(self, user_id: int) -> None:
        if self._remote is not None:
            self._tasks.spawn(self._open_with(user_id))

    async def _open_with(self, user_id: int) -> None:
        assert self._remote is not None
        try:
            conversation = await self._remote.open_direct_message(user_id)
        except (ApiError, ConnectionProblem) as exc:
            self.did_fail.emit("New direct message", explain(exc))
            return
        self.conversation_ready.emit(conversation.id)

    def cancel(self) -> None:
        self._tasks.cancel_all()
