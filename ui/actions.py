"""What the user can do to a message or a topic: the message context menu (reply, edit, delete,
react, pin, copy, receipts), Up-to-edit, reaction chips, and the topic close/reopen/new actions.

The window hands in its collaborators; every server call runs as a task on the qasync loop and
every question to the user is a non-blocking box (``open()``, never ``exec()``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Protocol

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QListView, QMenu, QMessageBox, QWidget, QWidgetAction

from app.client.api import ConnectionProblem
from app.client.changes import Changes
from app.client.outbox import Outbox
from app.client.rows import StoredMessage
from app.client.store import Store
from app.core import wire
from app.core.errors import ApiError
from ui.dialogs.new_topic import NewTopicDialog
from ui.dialogs.receipts import ReceiptsDialog, explain
from ui.models.messages import MessageListModel
from ui.people import People
from ui.tasks import TaskGroup
from ui.widgets.composer import Composer
from ui.widgets.emoji import EmojiPicker

REFUSABLE = {"edit": "Not edited", "delete": "Not deleted", "react": "Reaction not saved"}


class Remote(Protocol):
    """The online calls of :class:`app.client.session.Session` the actions need."""

    async def set_pinned(self, message_id: int, pinned: bool) -> wire.Message: ...
    async def receipts(self, message_id: int) -> wire.Receipts: ...
    async def urge(self, message_id: int) -> wire.UrgeResult: ...
    async def create_topic(
        self, conversation_id: int, title: str, *, link: wire.TopicLink | None = None
    ) -> wire.Topic: ...
    async def set_topic_closed(self, topic_id: int, closed: bool) -> wire.Topic: ...
    async def open_direct_message(self, user_id: int) -> wire.Conversation: ...


def edit_window_left(created_at: dt.datetime, policy: wire.OrgPolicy, now: dt.datetime) -> bool:
    return (now - created_at).total_seconds() < policy.edit_window_seconds


def _window_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        h = seconds // 3600
        return f"{h} hour{'s' if h != 1 else ''}"
    m = max(1, seconds // 60)
    return f"{m} minute{'s' if m != 1 else ''}"


class MessageActions(QObject):
    topic_did_change = Signal(object)
    """A topic the user created, closed or reopened (the server's answer)."""

    def __init__(
        self,
        *,
        view: QListView,
        model: MessageListModel,
        composer: Composer,
        outbox: Outbox,
        store: Store,
        people: People,
        remote: Remote | None,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._view, self._model, self._composer = view, model, composer
        self._outbox, self._store, self._people = outbox, store, people
        self._remote, self._window = remote, window
        self._tasks = TaskGroup("message-actions")
        self.menu: QMenu | None = None
        self.box: QMessageBox | None = None
        """The question or notice currently open (tests answer it)."""
        self.receipts_dialog: ReceiptsDialog | None = None
        self.topic_dialog: NewTopicDialog | None = None

    # --- the context menu -------------------------------------------------------------------

    def on_view_context_menu(self, pos: QPoint) -> None:
        index = self._view.indexAt(pos)
        m = self._model.message(index.row()) if index.isValid() else None
        if m is None:
            return
        menu = self.build_menu(m)
        self.menu = menu
        menu.popup(self._view.viewport().mapToGlobal(pos))

    def build_menu(self, m: StoredMessage) -> QMenu:
        menu = QMenu(self._view)
        menu.setObjectName("messageMenu")
        mine = m.sender_id == self._people.me_id
        live = m.id is not None and not m.deleted
        if live:
            picker = EmojiPicker(menu)
            holder = QWidgetAction(menu)
            holder.setDefaultWidget(picker)
            menu.addAction(holder)
            picker.picked.connect(lambda e, msg=m: (menu.close(), self.toggle_reaction(msg, e)))
            menu.addSeparator()
            menu.addAction("Reply", lambda msg=m: self.reply(msg)).setObjectName("reply")
            if mine:
                menu.addAction("Edit", lambda msg=m: self.edit(msg)).setObjectName("edit")
            pin = "Unpin" if m.pinned else "Pin"
            menu.addAction(pin, lambda msg=m: self.set_pinned(msg, not msg.pinned)).setObjectName(
                "pin"
            )
        if not m.deleted:
            menu.addAction("Copy text", lambda msg=m: self.copy(msg)).setObjectName("copy")
        if live and mine:
            menu.addAction("Read receipts…", lambda mid=m.id: self.show_receipts(mid))
            menu.addSeparator()
            menu.addAction("Delete…", lambda msg=m: self.ask_delete(msg)).setObjectName("delete")
        return menu

    # --- the operations ---------------------------------------------------------------------

    def reply(self, m: StoredMessage) -> None:
        if m.id is None:
            return
        first = m.body.splitlines()[0] if m.body else ""
        self._composer.start_reply(m.id, f"{self._people.name(m.sender_id)}: {first}")

    def edit(self, m: StoredMessage) -> None:
        self._tasks.spawn(self._edit(m))

    async def _edit(self, m: StoredMessage) -> None:
        if m.id is None or m.deleted:
            return
        policy = await self._store.policy()
        if not edit_window_left(m.created_at, policy, dt.datetime.now(dt.UTC)):
            self.tell(
                "Cannot edit",
                "Messages can only be edited within "
                f"{_window_text(policy.edit_window_seconds)} of sending; this one is older.",
            )
            return
        self._composer.start_edit(m.id, m.body)

    def edit_last(self) -> None:
        """Up in an empty composer: edit my newest message in the view."""
        me = self._people.me_id
        for row in range(self._model.rowCount() - 1, -1, -1):
            m = self._model.message(row)
            if m is not None and m.sender_id == me and m.id is not None and not m.deleted:
                self.edit(m)
                return

    def ask_delete(self, m: StoredMessage) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete message",
            "Delete this message for everyone? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self._window,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result, msg=m: self._on_delete_answered(result, msg))
        self._open(box)

    def _on_delete_answered(self, result: int, m: StoredMessage) -> None:
        self._close_box()
        if result == QMessageBox.StandardButton.Yes and m.id is not None:
            self._tasks.spawn(self._outbox.delete(m.conversation_id, m.id))

    def toggle_reaction(self, m: StoredMessage, emoji: str) -> None:
        if m.id is None:
            return
        me = self._people.me_id
        on = not any(r.emoji == emoji and me in r.user_ids for r in m.reactions)
        self._tasks.spawn(self._outbox.react(m.conversation_id, m.id, emoji, on))

    def on_delegate_reaction_toggled(self, message_id: int, emoji: str, on: bool) -> None:
        cid = self._model.conversation_id
        if cid is not None:
            self._tasks.spawn(self._outbox.react(cid, message_id, emoji, on))

    def set_pinned(self, m: StoredMessage, pinned: bool) -> None:
        if m.id is not None and self._remote is not None:
            self._tasks.spawn(self._call(self._remote.set_pinned(m.id, pinned), "Pin"))

    def copy(self, m: StoredMessage) -> None:
        QGuiApplication.clipboard().setText(m.body)

    def show_receipts(self, message_id: int) -> None:
        if self._remote is None:
            return
        if self.receipts_dialog is not None:
            self.receipts_dialog.close()
        dialog = ReceiptsDialog(
            message_id, source=self._remote, people=self._people, parent=self._window
        )
        dialog.finished.connect(dialog.deleteLater)
        self.receipts_dialog = dialog
        dialog.open()

    # --- topics -----------------------------------------------------------------------------

    def set_topic_closed(self, topic_id: int, closed: bool) -> None:
        if self._remote is not None:
            verb = "Close topic" if closed else "Reopen topic"
            self._tasks.spawn(
                self._call(self._remote.set_topic_closed(topic_id, closed), verb, topic=True)
            )

    def ask_new_topic(self, conversation_id: int, where: str) -> None:
        if self._remote is None:
            return
        dialog = NewTopicDialog(where, self._window)
        dialog.accepted.connect(lambda: self._create_topic(conversation_id, dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.topic_dialog = dialog
        dialog.open()

    def _create_topic(self, conversation_id: int, dialog: NewTopicDialog) -> None:
        assert self._remote is not None
        title, link = dialog.values()
        self._tasks.spawn(
            self._call(
                self._remote.create_topic(conversation_id, title, link=link),
                "New topic",
                topic=True,
            )
        )

    # --- refused changes --------------------------------------------------------------------

    def on_store_did_change(self, changes: Changes) -> None:
        if changes.outbox:
            self._tasks.spawn(self._report_refused())

    async def _report_refused(self) -> None:
        """An edit, deletion or reaction the server refused (e.g. past the edit window) fails
        quietly in the outbox; say why once and drop it (a failed send stays, with retry)."""
        for item in await self._store.outbox():
            if item.state == "failed" and item.kind in REFUSABLE:
                await self._outbox.discard(item.client_msg_id)
                self.tell(REFUSABLE[item.kind], item.error or "The server refused this change.")

    # --- helpers ----------------------------------------------------------------------------

    async def _call(self, call: Awaitable[object], what: str, *, topic: bool = False) -> None:
        try:
            result = await call
        except (ApiError, ConnectionProblem) as exc:
            self.tell(what, explain(exc))
            return
        if topic:
            self.topic_did_change.emit(result)

    def tell(self, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self._window
        )
        box.finished.connect(lambda _r: self._close_box())
        self._open(box)

    def _open(self, box: QMessageBox) -> None:
        self._close_box()
        self.box = box
        box.open()

    def _close_box(self) -> None:
        box, self.box = self.box, None
        if box is not None:
            box.deleteLater()

    def cancel(self) -> None:
        self._tasks.cancel_all()
