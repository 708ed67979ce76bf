"""Who has read one of my messages (with when) and who has not, with an "Urge" button."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.client.api import ConnectionProblem
from app.core import wire
from app.core.errors import ApiError, RateLimited
from ui.people import People
from ui.status.display import status_line
from ui.tasks import TaskGroup
from ui.watermark import cover


class ReceiptsSource(Protocol):
    async def receipts(self, message_id: int) -> wire.Receipts: ...
    async def urge(self, message_id: int) -> wire.UrgeResult: ...


def explain(exc: Exception) -> str:
    """A sentence for the user; never the message's content."""
    if isinstance(exc, RateLimited):
        return (
            "This message was urged a moment ago. You can urge again in "
            f"{max(1, exc.retry_after or 1)} s."
        )
    if isinstance(exc, ConnectionProblem):
        return "The server cannot be reached right now. Try again when you are back online."
    if isinstance(exc, ApiError):
        return exc.detail or "The server refused this."
    return "Something went wrong."


class ReceiptsDialog(QDialog):
    def __init__(
        self,
        message_id: int,
        *,
        source: ReceiptsSource,
        people: People,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("receiptsDialog")
        self.setWindowTitle("Read receipts")
        self.message_id = message_id
        self._source, self._people = source, people
        self._tasks = TaskGroup("receipts")
        self.receipts: wire.Receipts | None = None
        self.confirm: QMessageBox | None = None
        self.read_title = QLabel("Read", self)
        self.read_list = QListWidget(self)
        self.unread_title = QLabel("Not read yet", self)
        self.unread_list = QListWidget(self)
        self.status = QLabel("Loading…", self)
        self.status.setObjectName("receiptsStatus")
        self.status.setWordWrap(True)
        self.urge_button = QPushButton("Urge…", self)
        self.urge_button.setObjectName("urgeButton")
        self.urge_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.urge_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.read_title, self.read_list, self.unread_title, self.unread_list):
            layout.addWidget(w)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.urge_button.clicked.connect(self.on_urge_button_clicked)
        self.resize(360, 440)
        cover(self)
        self.reload()

    def reload(self) -> None:
        self._tasks.spawn(self._load())

    async def _load(self) -> None:
        try:
            r = await self._source.receipts(self.message_id)
        except (ApiError, ConnectionProblem) as exc:
            self.status.setText(explain(exc))
            return
        self.receipts = r
        self.read_list.clear()
        for e in r.read:
            stamp = e.read_at.astimezone().strftime("%d %b %H:%M")
            self.read_list.addItem(self._who(e.user_id, stamp))
        self.unread_list.clear()
        for u in r.unread:
            self.unread_list.addItem(self._who(u))
        self.read_title.setText(f"Read ({len(r.read)})")
        self.unread_title.setText(f"Not read yet ({len(r.unread)})")
        self.urge_button.setEnabled(bool(r.unread))
        if r.urges:
            last = r.urges[-1].at.astimezone().strftime("%H:%M")
            self.status.setText(f"Urged {len(r.urges)}× · last at {last}")
        else:
            self.status.setText("" if r.unread else "Everyone has read it.")

    def _who(self, user_id: int, *extra: str) -> str:
        """ "Li Wei  ·  12 Mar 10:02  ·  💬 In topic: …": the name, then the status they share."""
        status = status_line(self._people.get(user_id))
        return "  ·  ".join(p for p in (self._people.name(user_id), *extra, status) if p)

    def on_urge_button_clicked(self) -> None:
        n = len(self.receipts.unread) if self.receipts else 0
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Urge",
            f"Send an urgent notification to the {n} "
            f"{'person' if n == 1 else 'people'} who have not read this message?\n"
            "It reaches them even when they have muted the conversation.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Urge")
        box.finished.connect(self.on_confirm_finished)
        self.confirm = box
        box.open()  # never exec(): the GUI thread does not wait

    def on_confirm_finished(self, result: int) -> None:
        box, self.confirm = self.confirm, None
        if box is not None:
            box.deleteLater()
        if result == QMessageBox.StandardButton.Yes:
            self.urge_button.setEnabled(False)
            self.status.setText("Urging…")
            self._tasks.spawn(self._urge())

    async def _urge(self) -> None:
        try:
            result = await self._source.urge(self.message_id)
        except (ApiError, ConnectionProblem) as exc:
            self.status.setText(explain(exc))
            self.urge_button.setEnabled(bool(self.receipts and self.receipts.unread))
            return
        n = len(result.urged)
        await self._load()
        self.status.setText(
            f"Urged {n} {'person' if n == 1 else 'people'}." if n else "Everyone has read it."
        )

    def done(self, result: int) -> None:
        self._tasks.cancel_all()
        super().done(result)
