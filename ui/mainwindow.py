"""The main window: conversations on the left, topics in the middle, messages on the right."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QPersistentModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.client.changes import Changes
from app.client.outbox import Outbox
from app.client.rows import ConversationRow
from app.client.store import Store
from app.core.wire import Topic
from ui.actions import MessageActions, Remote
from ui.bridge import Bridge
from ui.delegates.message import MessageDelegate
from ui.delegates.sidebar import ConversationDelegate, TopicDelegate
from ui.dialogs.members import MembersDialog, open_members
from ui.dialogs.switcher import QuickSwitcher
from ui.direct_messages import DirectMessages
from ui.models.conversations import ConversationListModel
from ui.models.messages import History, MessageListModel
from ui.models.topics import TopicListModel
from ui.offhours.banner import OffHoursBanner
from ui.offhours.my_state import MyStateButton
from ui.people import People
from ui.read_tracker import ReadTracker
from ui.status.display import status_line
from ui.tasks import TaskGroup
from ui.widgets.composer import Composer, Submission
from ui.widgets.connection_indicator import ConnectionIndicator
from ui.widgets.header import ConversationHeader
from ui.widgets.message_view import MessageView
from ui.widgets.search_flash import MessageFlash
from ui.widgets.search_panel import SearchPanel
from ui.widgets.urge_banner import UrgeBanner

if TYPE_CHECKING:
    from ui.offhours.attach import OffHoursScreens
    from ui.status.service import StatusService


def _list(name: str, parent: QWidget) -> QListView:
    view = QListView(parent)
    view.setObjectName(name)
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setMouseTracking(True)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    return view


class MainWindow(QMainWindow):
    offhours: OffHoursScreens
    """Off-hours screens and controller (set by ui.main.open_main_window)."""
    document_opened = Signal(str)
    """A document was opened from Courtyard (the open topic's link), by its name."""

    def __init__(
        self,
        *,
        store: Store,
        outbox: Outbox,
        bridge: Bridge,
        people: People,
        org_name: str = "Courtyard",
        remote: Remote | None = None,
        history: History | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Courtyard")
        self.store = store
        self.outbox = outbox
        self.bridge = bridge
        self.people = people
        self.remote = remote
        self._tasks = TaskGroup("mainwindow")
        self.conversations = ConversationListModel(store, people, self)
        self.topics = TopicListModel(store, self)
        self.messages = MessageListModel(store, people, self, history=history)
        self._current: ConversationRow | None = None
        self._topic: Topic | None = None
        self._jump: tuple[int, int] | None = None
        self.restore_conversation_id: int | None = None
        """The conversation opened first (the one open when the app last closed), once listed."""
        self._open_when_listed: int | None = None
        self.status: StatusService | None = None
        """The own workday status (set by ``ui.status.wiring.attach_status``)."""
        self.members_dialog: MembersDialog | None = None
        self._build(org_name)
        self._connect_signals()
        self.resize(1280, 800)

    # --- construction -----------------------------------------------------------------------

    def _build(self, org_name: str) -> None:
        sidebar = QFrame(self)
        sidebar.setObjectName("sidebar")
        self.org_label = QLabel(org_name, sidebar)
        self.org_label.setObjectName("orgLabel")
        self.me_label = QLabel(sidebar)
        self.me_label.setObjectName("meLabel")
        self.connection_label = ConnectionIndicator(sidebar)
        self.my_state_button = MyStateButton(sidebar)
        self.conversation_view = _list("conversationList", sidebar)
        self.conversation_view.setModel(self.conversations)
        self.conversation_view.setItemDelegate(
            ConversationDelegate(self.people, self.conversation_view)
        )
        top = self._sidebar_top = QVBoxLayout()
        top.setContentsMargins(18, 16, 18, 8)
        top.setSpacing(2)
        top.addWidget(self.org_label)
        status = QHBoxLayout()
        status.addWidget(self.me_label, 1)
        status.addWidget(self.connection_label)
        top.addLayout(status)
        top.addWidget(self.my_state_button, 0, Qt.AlignmentFlag.AlignLeft)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addLayout(top)
        side.addWidget(self.conversation_view, 1)

        topic_pane = QFrame(self)
        topic_pane.setObjectName("topicPane")
        self.topic_pane_title = QLabel("Topics", topic_pane)
        self.topic_pane_title.setObjectName("paneTitle")
        self.topic_view = _list("topicList", topic_pane)
        self.topic_view.setModel(self.topics)
        self.topic_view.setItemDelegate(TopicDelegate(self.topic_view))
        tl = QVBoxLayout(topic_pane)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addWidget(self.topic_pane_title)
        self.new_topic_button = QPushButton("+ New topic", topic_pane)
        self.new_topic_button.setObjectName("newTopicButton")
        self.new_topic_button.setFlat(True)
        self.new_topic_button.hide()  # until there is a conversation to add a topic to
        tl.addWidget(self.new_topic_button)
        tl.addWidget(self.topic_view, 1)

        message_pane = QFrame(self)
        message_pane.setObjectName("messagePane")
        self.message_pane = message_pane
        self.header = ConversationHeader(message_pane)
        self.message_view = MessageView(message_pane)
        self.message_delegate = MessageDelegate(self.people, self.message_view)
        self.message_view.setItemDelegate(self.message_delegate)
        self.message_view.setModel(self.messages)
        self.composer = Composer(message_pane)
        self.offhours_banner = OffHoursBanner(message_pane)
        self.urge_banner = UrgeBanner(message_pane)
        self.message_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.message_actions = MessageActions(
            view=self.message_view,
            model=self.messages,
            composer=self.composer,
            outbox=self.outbox,
            store=self.store,
            people=self.people,
            remote=self.remote,
            window=self,
        )
        self.read_tracker = ReadTracker(
            self.message_view,
            self.messages,
            window=self,
            mark_read=self.outbox.mark_read,
            unread=self._unread_of,
            sidebar=self.conversations,
            parent=self,
        )
        self.message_flash = MessageFlash(self.message_view)
        self.search_panel = SearchPanel(
            store=self.store, people=self.people, title_of=self._title_of, host=message_pane
        )
        self.switcher = QuickSwitcher(
            conversations=self.conversations, people=self.people, parent=self
        )
        self.direct_messages = DirectMessages(self.remote, self)
        ml = QVBoxLayout(message_pane)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.setSpacing(0)
        ml.addWidget(self.header)
        ml.addWidget(self.urge_banner)
        ml.addWidget(self.message_view, 1)
        composer_box = QVBoxLayout()
        composer_box.setContentsMargins(16, 8, 16, 16)
        composer_box.setSpacing(8)
        composer_box.addWidget(self.offhours_banner)
        composer_box.addWidget(self.composer)
        ml.addLayout(composer_box)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setHandleWidth(1)
        for pane in (sidebar, topic_pane, message_pane):
            self.splitter.addWidget(pane)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([260, 250, 770])
        self.splitter.setCollapsible(2, False)
        self.setCentralWidget(self.splitter)
        self.composer.switch_to(None, "Choose a conversation")
        self.header.show_place("Welcome", "Opening your conversations…", topic_closed=None)

    def _connect_signals(self) -> None:
        self.bridge.store_did_change.connect(self.on_store_did_change)
        self.bridge.connection_state_did_change.connect(self.connection_label.show_state)
        self.people.people_did_change.connect(self.on_people_did_change)
        self.conversation_view.selectionModel().selectionChanged.connect(
            self.on_conversation_view_selection_changed
        )
        self.topic_view.selectionModel().selectionChanged.connect(
            self.on_topic_view_selection_changed
        )
        self.conversations.rowsInserted.connect(self.on_conversations_rows_inserted)
        self.messages.window_did_load.connect(self.on_messages_window_did_load)
        self.messages.message_did_focus.connect(self.on_messages_message_did_focus)
        self.search_panel.hit_activated.connect(self.jump_to_message)
        self.switcher.conversation_chosen.connect(self.select_conversation)
        self.switcher.person_chosen.connect(self.direct_messages.open_with)
        self.direct_messages.conversation_ready.connect(self.open_when_listed)
        self.direct_messages.did_fail.connect(self.message_actions.tell)
        self.composer.message_submitted.connect(self.on_composer_message_submitted)
        self.message_delegate.retry_requested.connect(self.on_message_delegate_retry_requested)
        self.header.topic_close_toggled.connect(self.on_header_topic_close_toggled)
        self.header.link_activated.connect(self.on_header_link_activated)
        self.header.members_requested.connect(self.on_header_members_requested)
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        """How a link is opened: by the desktop (tests record it instead)."""
        self.message_view.customContextMenuRequested.connect(
            self.message_actions.on_view_context_menu
        )
        self.message_delegate.receipts_requested.connect(self.message_actions.show_receipts)
        self.message_delegate.reaction_toggled.connect(
            self.message_actions.on_delegate_reaction_toggled
        )
        self.composer.edit_last_requested.connect(self.message_actions.edit_last)
        self.message_actions.topic_did_change.connect(self.on_message_actions_topic_did_change)
        self.new_topic_button.clicked.connect(self.on_new_topic_button_clicked)
        self.urge_banner.show_requested.connect(self.on_urge_banner_show_requested)
        self.bridge.store_did_change.connect(self.message_actions.on_store_did_change)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.on_escape_activated)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search_panel.open)
        QShortcut(QKeySequence("Ctrl+K"), self, activated=self.switcher.open_switcher)

    # --- loading ----------------------------------------------------------------------------

    async def load(self) -> None:
        """Read everything the window shows from the store (first show, or after a snapshot)."""
        users = await self.store.users()
        self.people.update(users, await self.store.my_id())
        await self.conversations.reload()  # selects one as its rows come in (first start: later)
        if self._current is None and self.conversations.rowCount() == 0:
            self.header.show_place(
                "Welcome", "Getting your conversations from the server…", topic_closed=None
            )

    def show_own_status(self, widget: QWidget) -> None:
        """Put the own-status control under the user's name at the top of the sidebar."""
        self._sidebar_top.addWidget(widget)

    @property
    def open_place(self) -> tuple[ConversationRow | None, Topic | None]:
        """The conversation and topic the reader has open (the workday status follows it)."""
        return self._current, self._topic

    def select_first_conversation(self) -> None:
        for row in range(self.conversations.rowCount()):
            if self.conversations.conversation(row) is not None:
                self.conversation_view.setCurrentIndex(self.conversations.index(row, 0))
                return

    def on_conversations_rows_inserted(self, *_args: object) -> None:
        """Open a conversation as soon as there is one: on first start the list fills only when
        the first sync arrives, and a conversation just created appears only once synced."""
        wanted, restore = self._open_when_listed, self.restore_conversation_id
        if wanted is not None and self.select_conversation(wanted):
            self._open_when_listed = None
        elif self._current is None and not (restore and self.select_conversation(restore)):
            self.select_first_conversation()

    def open_when_listed(self, conversation_id: int) -> None:
        """Select a conversation now, or as soon as sync lists it (one just created)."""
        listed = self.select_conversation(conversation_id)
        self._open_when_listed = None if listed else conversation_id

    def select_conversation(self, conversation_id: int) -> bool:
        row = self.conversations.row_of(conversation_id)
        if row >= 0:
            self.conversation_view.setCurrentIndex(self.conversations.index(row, 0))
        return row >= 0

    def jump_to_message(self, conversation_id: int, message_id: int) -> None:
        """Open a conversation (all topics) scrolled to one message, and flash it."""
        if self.conversations.row_of(conversation_id) < 0:
            return
        self._jump = (conversation_id, message_id)
        if self._current is not None and self._current.id == conversation_id:
            self._topic = None
            self.topic_view.setCurrentIndex(self.topics.index(self.topics.row_of(None), 0))
            self._update_header()
            self._update_composer()
            self._tasks.spawn(self._open_conversation(conversation_id))
        else:
            self.select_conversation(conversation_id)

    def _title_of(self, conversation_id: int) -> str:
        conv = self.conversations.conversation(self.conversations.row_of(conversation_id))
        if conv is None:
            return "a conversation you left"
        return ("#" if conv.kind == "channel" else "") + self.conversations.title(conv)

    def select_conversation_named(self, name: str) -> bool:
        for row in range(self.conversations.rowCount()):
            conv = self.conversations.conversation(row)
            if conv is not None and self.conversations.title(conv) == name:
                self.conversation_view.setCurrentIndex(self.conversations.index(row, 0))
                return True
        return False

    def select_topic(self, topic_id: int | None) -> bool:
        row = self.topics.row_of(topic_id)
        if row >= 0:
            self.topic_view.setCurrentIndex(self.topics.index(row, 0))
        return row >= 0

    # --- slots ------------------------------------------------------------------------------

    def on_store_did_change(self, changes: Changes) -> None:
        if changes.users or changes.snapshot:
            self._tasks.spawn(self._reload_people())
        self.conversations.on_store_changed(changes)
        self.topics.on_store_changed(changes)
        self.messages.on_store_changed(changes)
        for urge in changes.urges:
            self.urge_banner.show_urge(
                self.people.name(urge.by),
                self._name_of(urge.conversation_id),
                urge.conversation_id,
                urge.message_id,
            )

    async def _reload_people(self) -> None:
        self.people.update(await self.store.users(), await self.store.my_id())

    def on_people_did_change(self) -> None:
        me = self.people.me_id
        self.me_label.setText(self.people.name(me) if me is not None else "")
        self.message_delegate.clear_cache()
        if self._current is not None:  # on first start the directory may arrive second
            self._update_topic_pane_title()
            self._update_header()
            self._update_composer_members()

    def on_conversation_view_selection_changed(
        self, selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        rows = [i.row() for i in selected.indexes()]
        conv = self.conversations.conversation(rows[0]) if rows else None
        if conv is None or (self._current is not None and conv.id == self._current.id):
            return
        self._current, self._topic = conv, None
        self.new_topic_button.show()
        self._update_topic_pane_title()
        self._update_header()
        self._update_composer()
        self._tasks.spawn(self._open_conversation(conv.id))

    async def _open_conversation(self, conversation_id: int) -> None:
        await self.topics.show(conversation_id)
        if self._current is None or self._current.id != conversation_id:
            return  # another conversation was chosen meanwhile: its own task shows it (and jumps)
        if self._topic is None:
            self.topic_view.setCurrentIndex(self.topics.index(self.topics.row_of(None), 0))
        jump, self._jump = self._jump, None
        if jump is not None and jump[0] == conversation_id:
            await self.messages.show_around(*jump)
        else:
            await self.messages.show(conversation_id, None)

    def on_topic_view_selection_changed(
        self, selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        rows = [i.row() for i in selected.indexes()]
        if not rows or self._current is None:
            return
        topic = self.topics.topic(rows[0])
        # "All messages" while it is already shown, or being opened by _open_conversation (which
        # loads it itself: a second load would scroll the reader back to the bottom).
        if (topic and self._topic and topic.id == self._topic.id) or (
            topic is None and self._topic is None
        ):
            return
        self._topic = topic
        self._update_header()
        self._update_composer()
        self._tasks.spawn(self.messages.show(self._current.id, topic.id if topic else None))

    def on_messages_window_did_load(self) -> None:
        self.message_view.scroll_to_newest()

    def on_messages_message_did_focus(self, row: int) -> None:
        if row < 0:
            return
        target = QPersistentModelIndex(self.messages.index(row, 0))

        def centre() -> None:  # again once the view has laid the new rows out
            if target.isValid():
                self.message_view.scrollTo(
                    self.messages.index(target.row(), 0),
                    QAbstractItemView.ScrollHint.PositionAtCenter,
                )

        centre()
        QTimer.singleShot(0, centre)
        self.message_flash.flash(row)

    def on_composer_message_submitted(self, sub: Submission) -> None:
        if self._current is None:
            return
        cid = self._current.id
        if sub.edit_of is not None:
            self._tasks.spawn(self.outbox.edit(cid, sub.edit_of, sub.text))
            return
        topic_id = self._topic.id if self._topic is not None else None
        self.message_view.scroll_to_newest()
        self._tasks.spawn(
            self.outbox.send(
                cid, sub.text, topic_id=topic_id, reply_to=sub.reply_to, urgent=sub.urgent
            )
        )

    def on_message_delegate_retry_requested(self, key: str) -> None:
        _sender, _, cmid = key.partition(":")
        self._tasks.spawn(self.outbox.resend(cmid))

    def on_header_link_activated(self, url: str) -> None:
        """The open topic's link: the desktop opens it, and it is now what I am reading."""
        self.open_url(QUrl(url))
        topic = self._topic
        if topic is not None and topic.link is not None and topic.link.url == url:
            self.document_opened.emit(topic.link.label or QUrl(url).fileName() or url)

    def on_header_members_requested(self) -> None:
        if self._current is not None:
            self.members_dialog = open_members(self, self._current.id)

    def on_header_topic_close_toggled(self) -> None:
        if self._topic is not None:
            self.message_actions.set_topic_closed(self._topic.id, not self._topic.closed)

    def on_new_topic_button_clicked(self) -> None:
        if self._current is not None:
            self.message_actions.ask_new_topic(self._current.id, self._name_of(self._current.id))

    def on_message_actions_topic_did_change(self, topic: Topic) -> None:
        if self._topic is not None and self._topic.id == topic.id:
            self._topic = topic
            self._update_header()

    def on_urge_banner_show_requested(self, conversation_id: int, _message_id: int) -> None:
        self.select_conversation(conversation_id)

    def _name_of(self, conversation_id: int) -> str:
        conv = self.conversations.conversation(self.conversations.row_of(conversation_id))
        if conv is None:
            return "a conversation"
        return ("#" if conv.kind == "channel" else "") + self.conversations.title(conv)

    def _unread_of(self, conversation_id: int) -> int:
        conv = self.conversations.conversation(self.conversations.row_of(conversation_id))
        return conv.unread if conv is not None else 0

    def on_escape_activated(self) -> None:
        if self.search_panel.isVisible():
            self.search_panel.close_panel()
        self.composer.edit.setFocus()

    # --- presentation -----------------------------------------------------------------------

    def _update_topic_pane_title(self) -> None:
        conv = self._current
        if conv is not None:
            title = self.conversations.title(conv)
            self.topic_pane_title.setText(("# " if conv.kind == "channel" else "") + title)

    def _update_header(self) -> None:
        conv = self._current
        if conv is None:
            return
        title = self.conversations.title(conv)
        if conv.kind == "channel":
            title = "# " + title
        self.header.show_members(None if conv.kind == "dm" else len(conv.member_ids))
        if self._topic is not None:
            t = self._topic
            parts = [f"in {html.escape(title)}"]
            if t.link is not None:
                label = html.escape(t.link.label or t.link.url)
                parts.append(f'<a href="{html.escape(t.link.url, quote=True)}">{label}</a>')
            if t.closed:
                parts.append("closed")
            self.header.show_place(t.title, " · ".join(parts), topic_closed=t.closed)
            return
        if conv.kind == "dm":
            peer = next((m for m in conv.member_ids if m != self.people.me_id), self.people.me_id)
            user = self.people.get(peer) if peer is not None else None
            about = (status_line(user), user.title, user.department) if user else ()
            sub = " · ".join(p for p in about if p)
        else:
            names = ", ".join(self.people.first_name(m) for m in conv.member_ids[:6])
            more = len(conv.member_ids) - 6
            sub = f"{len(conv.member_ids)} members · {names}" + (
                f" and {more} more" if more > 0 else ""
            )
        self.header.show_place(title, html.escape(sub), topic_closed=None)

    def _update_composer(self) -> None:
        conv = self._current
        if conv is None:
            self.composer.switch_to(None, "Choose a conversation")
            return
        title = self.conversations.title(conv)
        where = ("#" if conv.kind == "channel" else "") + title
        if self._topic is not None:
            where += f" › {self._topic.title}"
        self.composer.switch_to(
            (conv.id, self._topic.id if self._topic else None), f"Message {where}"
        )
        self._update_composer_members()

    def _update_composer_members(self) -> None:
        """Who @-completion offers (the people of the open conversation, without me)."""
        if self._current is None:
            return
        ids = [m for m in self._current.member_ids if m != self.people.me_id]
        self.composer.set_members([u for m in ids if (u := self.people.get(m)) is not None])

    def closeEvent(self, event: QCloseEvent) -> None:
        self._tasks.cancel_all()
        self.message_actions.cancel()
        self.direct_messages.cancel()
        self.read_tracker.cancel()
        self.bridge.detach()
        super().closeEvent(event)
