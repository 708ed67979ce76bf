"""Native notifications for new messages that need the user: mentions, direct messages, urgent.

:class:`Notifier` watches the store's changes and shows a notification (through the tray icon)
for each new message not from me, outside the conversation on screen, that mentions me, is a
direct message or is urgent, and that the :class:`NotificationGate` lets through; an urge always
asks the gate too. It keeps what it showed in ``shown`` (tests and a future notification centre
read it). Clicking the latest notification asks to open its message (``notification_clicked``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from app.client.changes import Changes, Urge
from app.client.rows import StoredMessage
from app.client.store import Store
from ui.people import People
from ui.tasks import TaskGroup
from ui.tray import TrayIcon

Reason = Literal["mention", "dm", "urgent", "urge"]
Rule = Callable[[StoredMessage], bool | None]
BODY_CHARS = 180


@dataclass
class NotificationGate:
    """Whether a message may notify. ``paused`` (the tray menu) silences all but urgent ones;
    ``muted`` conversations are silent too. The off-hours feature adds a rule: the first rule
    that returns True or False decides, None passes to the next."""

    paused: bool = False
    muted: set[int] = field(default_factory=set)
    rules: list[Rule] = field(default_factory=list)

    def should_notify(self, message: StoredMessage) -> bool:
        for rule in self.rules:
            verdict = rule(message)
            if verdict is not None:
                return verdict
        if message.urgent:
            return True
        return not self.paused and message.conversation_id not in self.muted


@dataclass(frozen=True, slots=True)
class Notification:
    conversation_id: int
    message_id: int
    title: str
    body: str
    reason: Reason


class Notifier(QObject):
    notification_did_show = Signal(object)
    """A :class:`Notification` was shown (or would have been, where the OS has no tray)."""
    notification_clicked = Signal(int, int)
    """(conversation_id, message_id) of the notification the user clicked."""

    def __init__(
        self,
        *,
        store: Store,
        people: People,
        gate: NotificationGate,
        shown_conversation: Callable[[], int | None],
        conversation_info: Callable[[int], tuple[str, str] | None],
        tray: TrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``conversation_info(id)`` gives (kind, title) of a listed conversation."""
        super().__init__(parent)
        self._store = store
        self._people = people
        self.gate = gate
        self._shown_conversation = shown_conversation
        self._info = conversation_info
        self._tray = tray
        self._tasks = TaskGroup("notifications")
        self._high_water: int | None = None
        self._ready: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.shown: list[Notification] = []
        self.notes: list[tuple[str, str]] = []
        """(title, body) of every note about the app shown (tests, a future notification list)."""
        self._note_click: Callable[[], None] | None = None
        if tray is not None:
            tray.icon.messageClicked.connect(self.on_tray_message_clicked)

    def start(self) -> None:
        """Remember the newest stored message: only messages after it can notify."""
        self._ready = self._tasks.spawn(self._load_high_water())

    async def _load_high_water(self) -> None:
        newest = await self._store.newest_message_id()
        self._high_water = max(self._high_water or 0, newest or 0)

    def on_store_did_change(self, changes: Changes) -> None:
        if changes.messages_created or changes.urges:
            self._tasks.spawn(self._consider(changes))

    async def _consider(self, changes: Changes) -> None:
        if self._ready is not None:
            await asyncio.shield(self._ready)
        async with self._lock:  # batches in the order they were applied
            created = list(changes.messages_created)
            floor = self._high_water or 0
            self._high_water = max([floor, *created])
            if changes.snapshot:  # history coming in with a (re)sync is not news
                created = []
            fresh = [mid for mid in created if mid > floor]
            urged = {u.message_id: u for u in changes.urges}
            messages = await self._store.messages_by_ids(sorted({*fresh, *urged}))
            for m in messages:
                reason = self._reason(m, urged.get(m.id) if m.id is not None else None)
                if reason is not None:
                    self._show(m, reason, urged.get(m.id) if m.id is not None else None)

    def _reason(self, m: StoredMessage, urge: Urge | None) -> Reason | None:
        if urge is not None:
            # The gate judges the urge: who urged (not who wrote) and when (not when written).
            urged = replace(m, urgent=True, sender_id=urge.by, created_at=urge.at or m.created_at)
            return "urge" if self.gate.should_notify(urged) else None
        me = self._people.me_id
        if m.sender_id == me or m.deleted or m.conversation_id == self._shown_conversation():
            return None
        info = self._info(m.conversation_id)
        if m.urgent:
            reason: Reason | None = "urgent"
        elif m.mentions_me or m.mentions_all:
            reason = "mention"
        elif info is not None and info[0] == "dm":
            reason = "dm"
        else:
            reason = None
        return reason if reason is not None and self.gate.should_notify(m) else None

    def _show(self, m: StoredMessage, reason: Reason, urge: Urge | None) -> None:
        assert m.id is not None
        info = self._info(m.conversation_id)
        sender = self._people.name(m.sender_id)
        if reason == "urge" and urge is not None:
            title = f"{self._people.name(urge.by)} asks you to read this"
        elif info is None or info[0] == "dm":
            title = sender
        else:
            where = ("#" if info[0] == "channel" else "") + info[1]
            title = f"{sender} in {where}"
        if reason == "urgent":
            title = "Urgent · " + title
        body = m.body if len(m.body) <= BODY_CHARS else m.body[: BODY_CHARS - 1] + "…"
        note = Notification(m.conversation_id, m.id, title, body, reason)
        self.shown.append(note)
        self._note_click = None  # the latest notification is now this message
        if self._tray is not None and self._tray.can_show_messages():
            urgent = reason in ("urgent", "urge")
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if urgent
                else QSystemTrayIcon.MessageIcon.Information
            )
            self._tray.icon.showMessage(title, body, icon, 8000)
        self.notification_did_show.emit(note)

    def show_note(self, title: str, body: str, on_click: Callable[[], None]) -> None:
        """A notification about the app rather than a message (the "while you were off"
        summary); a click on it, while it is the latest, calls ``on_click``."""
        self._note_click = on_click
        self.notes.append((title, body))
        if self._tray is not None and self._tray.can_show_messages():
            self._tray.icon.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 8000)

    def on_tray_message_clicked(self) -> None:
        """The OS reports a click on our latest notification (it does not say which one)."""
        if self._note_click is not None:
            self._note_click()
        elif self.shown:
            last = self.shown[-1]
            self.notification_clicked.emit(last.conversation_id, last.message_id)

    def stop(self) -> None:
        self._tasks.cancel_all()
