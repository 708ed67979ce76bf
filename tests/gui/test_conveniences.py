"""Desktop conveniences against a real demo server: search and jump, the quick switcher, history
paging, offline write then delivery, notifications, the tray badge and remembered window state."""

from __future__ import annotations

import socket
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.client.connection import Backoff
from app.client.keys import KeyCustody
from app.client.outbox_rows import new_client_msg_id
from app.client.session import Session
from app.core import wire
from tests.gui.conftest import until
from ui.demo import DEMO_PASSWORD, DemoServer
from ui.main import Desktop, open_desktop
from ui.mainwindow import MainWindow
from ui.models.messages import Roles as MsgRoles
from ui.widgets.search_model import Roles as HitRoles

SignIn = Callable[[str], Coroutine[Any, Any, Session]]


@pytest.fixture
def testers(request: pytest.FixtureRequest) -> Iterator[Callable[[Any], None]]:
    """``watch(model)``: qtmodeltester checks every signal of the model until the test ends."""
    made: list[tuple[ModelTester, Any]] = []

    def watch(model: Any) -> None:
        tester = ModelTester(request.config)
        tester.check(model, force_py=True)
        made.append((tester, model))

    yield watch
    for tester, model in made:
        tester.check(model, force_py=True)
        tester._cleanup()


def _desktop(qtbot: QtBot, session: Session, settings: Path) -> Desktop:
    desktop = open_desktop(session, settings_path=settings)
    qtbot.addWidget(desktop.window)
    desktop.window.show()
    return desktop


def _conv_id(window: MainWindow, title: str) -> int | None:
    m = window.conversations
    for row in range(m.rowCount()):
        conv = m.conversation(row)
        if conv is not None and m.title(conv) == title:
            return conv.id
    return None


async def _open(window: MainWindow, title: str) -> int:
    await until(lambda: _conv_id(window, title) is not None, what=f"conversation {title}")
    cid = _conv_id(window, title)
    assert cid is not None and window.select_conversation(cid)
    await until(
        lambda: window.messages.conversation_id == cid and window.messages.rowCount() > 0,
        what=f"messages of {title}",
    )
    return cid


async def _activate(window: MainWindow) -> None:
    window.activateWindow()
    await until(lambda: QApplication.activeWindow() is window, what="an active window")


def _row_visible(window: MainWindow, message_id: int) -> bool:
    row = window.messages.row_of_id(message_id)
    if row < 0:
        return False
    rect = window.message_view.visualRect(window.messages.index(row, 0))
    return rect.isValid() and window.message_view.viewport().rect().intersects(rect)


async def _search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    panel = window.search_panel
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.isVisible() and panel.edit.hasFocus()
    panel.edit.clear()
    if text.isascii():
        qtbot.keyClicks(panel.edit, text)
    else:  # CJK arrives the way an input method commits it
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(panel.edit, event)
    await until(lambda: not panel.searching and panel.results.rowCount() > 0, what="hits")


def test_search_finds_cjk_text_and_jumps_to_the_message(
    qtbot: QtBot,
    arun: Callable[..., Any],
    sign_in: SignIn,
    tmp_path: Path,
    testers: Callable[[Any], None],
) -> None:
    async def scenario() -> tuple[MainWindow, int]:
        window = _desktop(qtbot, await sign_in("demo"), tmp_path / "w.ini").window
        testers(window.search_panel.results)
        testers(window.messages)
        await _open(window, "design")
        await _activate(window)
        # 3+ characters use the trigram index; 2 CJK characters are matched without it.
        for query, expected in (
            ("欢迎使用", "大家好！欢迎使用 Courtyard。"),
            ("纪要", "会议纪要已上传"),
        ):
            await _search(qtbot, window, query)
            hits = window.search_panel.results
            first = hits.index(0, 0)
            a, b = first.data(HitRoles.Highlight)
            assert first.data(HitRoles.Snippet)[a:b] == query
            assert expected in first.data(HitRoles.Snippet)
            assert first.data(HitRoles.SenderName) and first.data(HitRoles.Time)
        assert first.data(HitRoles.ConversationTitle) == "#finance"
        message_id = first.data(HitRoles.MessageId)
        qtbot.keyClick(window.search_panel.edit, Qt.Key.Key_Return)
        assert not window.search_panel.isVisible()
        finance = _conv_id(window, "finance")
        await until(lambda: window.messages.conversation_id == finance, what="the jump")
        await until(lambda: _row_visible(window, message_id), what="the hit on screen")
        return window, message_id

    window, message_id = arun(scenario())
    assert window.header.title.text() == "# finance"
    assert window.message_flash.isVisible()
    assert window.message_flash.index.row() == window.messages.row_of_id(message_id)
    row = window.messages.row_of_id(message_id)
    assert "会议纪要" in window.messages.index(row, 0).data()
    assert window.conversation_view.currentIndex().data() == "finance"


def test_quick_switcher_opens_conversations_and_people_and_esc_closes(
    qtbot: QtBot,
    arun: Callable[..., Any],
    sign_in: SignIn,
    tmp_path: Path,
    testers: Callable[[Any], None],
) -> None:
    async def scenario() -> MainWindow:
        window = _desktop(qtbot, await sign_in("demo"), tmp_path / "w.ini").window
        testers(window.switcher.model)
        await _open(window, "general")
        await _activate(window)
        switcher = window.switcher
        qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert switcher.isVisible()
        qtbot.keyClicks(switcher.edit, "engin")
        assert switcher.list.currentIndex().data().startswith("# engineering")
        qtbot.keyClick(switcher.edit, Qt.Key.Key_Return)
        assert not switcher.isVisible()
        await until(lambda: window.header.title.text() == "# engineering", what="engineering")
        await _activate(window)
        qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(switcher.edit, "jonas")  # a username finds the direct message
        assert switcher.model.rowCount() == 1
        qtbot.keyClick(switcher.edit, Qt.Key.Key_Return)
        await until(lambda: window.header.title.text() == "Jonas Berg", what="the DM")
        await _activate(window)
        qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert switcher.isVisible()
        qtbot.keyClick(switcher.edit, Qt.Key.Key_Escape)
        assert not switcher.isVisible()
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.search_panel.isVisible()
        qtbot.keyClick(window.search_panel.edit, Qt.Key.Key_Escape)
        assert not window.search_panel.isVisible()
        return window

    arun(scenario())


def test_scrolling_up_past_the_stored_history_pages_in_older_messages_from_the_server(
    qtbot: QtBot,
    arun: Callable[..., Any],
    sign_in: SignIn,
    tmp_path: Path,
    testers: Callable[[Any], None],
) -> None:
    """The snapshot stores the newest 50 messages; older ones come page by page on scrolling."""

    async def scenario() -> list[int]:
        sofia = await sign_in("sofia")
        snapshot = await sofia.api.snapshot()
        design = next(c for c in snapshot.conversations if c.name == "design")
        sent = []
        for i in range(70):
            body = f"Moodboard iteration {i:03d}"
            msg, _ = await sofia.api.send_message(
                design.id, wire.MessageCreate(client_msg_id=new_client_msg_id(), body=body)
            )
            sent.append(msg.id)
        window = _desktop(qtbot, await sign_in("demo"), tmp_path / "w.ini").window
        testers(window.messages)
        loaded: list[int | None] = []
        window.messages.window_did_load.connect(
            lambda: loaded.append(window.messages.conversation_id)
        )
        cid = await _open(window, "design")
        await until(lambda: cid in loaded, what="the newest page shown")
        assert window.messages.rowCount() == 50
        before = [window.messages.index(r, 0).data(MsgRoles.Id) for r in range(50)]
        view = window.message_view
        bar = view.verticalScrollBar()
        await until(
            lambda: _row_visible(window, before[-1]) and bar.value() == bar.maximum() > 0,
            what="the newest message shown, scrolled to the bottom",
        )
        top_id = before[0]
        bar.setValue(0)  # the user scrolls to the top
        await until(lambda: window.messages.rowCount() > 50, what="an older page")
        await until(lambda: not window.messages.loading, what="paging to finish")
        assert window.messages.row_of_id(top_id) > 0
        # The reader's place is kept: the old top row is still in the viewport, not jumped away.
        await until(lambda: _row_visible(window, top_id), what="the old top row kept in view")
        ids = [
            window.messages.index(r, 0).data(MsgRoles.Id) for r in range(window.messages.rowCount())
        ]
        return ids

    ids = arun(scenario())
    assert len(ids) == len(set(ids)), "no duplicates"
    assert ids == sorted(ids)
    assert ids[-50:] == sorted(ids)[-50:]


def test_a_message_written_offline_is_delivered_when_the_server_returns(
    qtbot: QtBot, arun: Callable[..., Any], keys: KeyCustody, tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--quiet-colleagues", "--port", str(port)]
    server = DemoServer(tmp_path / "server", extra_args=args)
    url = server.start_blocking()
    sessions: list[Session] = []
    text = "Written on the train without network"

    def state(window: MainWindow) -> str | None:
        m = window.messages
        for r in range(m.rowCount()):
            if m.index(r, 0).data() == text:
                return str(m.index(r, 0).data(MsgRoles.State))
        return None

    async def open_as(username: str) -> MainWindow:
        session = await Session.sign_in(
            url,
            username,
            DEMO_PASSWORD,
            "pytest",
            keys=keys,
            data_dir=tmp_path / username,
            make_backoff=lambda: Backoff(base=0.2, cap=1.0),
        )
        sessions.append(session)
        window = _desktop(qtbot, session, tmp_path / f"{username}.ini").window
        await _open(window, "general")
        return window

    async def scenario() -> MainWindow:
        writer, reader = await open_as("demo"), await open_as("amara")
        await until(lambda: writer.connection_label.state.status == "online", what="online")
        server.stop()
        await until(lambda: writer.connection_label.state.status == "offline", what="offline")
        assert writer.connection_label.text().startswith("● Offline")
        writer.composer.edit.setPlainText(text)
        qtbot.keyClick(writer.composer.edit, Qt.Key.Key_Return)
        await until(lambda: state(writer) == "pending", what="the pending message")
        await until(lambda: "retrying in" in writer.connection_label.text(), what="a countdown")
        restarted = DemoServer(tmp_path / "server", extra_args=args)
        try:
            assert restarted.start_blocking() == url
            await until(lambda: state(writer) == "sent", within=30, what="delivery")
            await until(lambda: state(reader) == "sent", within=30, what="the reader's copy")
        finally:
            for session in sessions:
                await session.aclose()
            restarted.stop()
        return reader

    try:
        reader = arun(scenario(), timeout=90)
    finally:
        server.stop()
    m = reader.messages
    rows = [r for r in range(m.rowCount()) if m.index(r, 0).data() == text]
    assert len(rows) == 1, "delivered exactly once"
    assert m.index(rows[0], 0).data(MsgRoles.SenderName) == "Dana Demo"


# Clicking a notification raises the window; the offscreen platform says it cannot (xcb can).
# (One qt_log_ignore marker wins, so it repeats conftest's offscreen pattern.)
@pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    r"This plugin does not support propagateSizeHints",
)
def test_notifications_for_other_conversations_only_and_the_tray_badge(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    async def scenario() -> tuple[Desktop, int]:
        desktop = _desktop(qtbot, await sign_in("demo"), tmp_path / "w.ini")
        window = desktop.window
        general = await _open(window, "general")
        await until(lambda: window.connection_label.state.status == "online", what="online")
        await until(
            lambda: desktop.tray.badge_count == window.conversations.total_unread() > 0,
            what="the badge",
        )
        dm = _conv_id(window, "Jonas Berg")
        assert dm is not None
        jonas = await sign_in("jonas")
        unread = window.conversations.total_unread()
        await jonas.api.send_message(
            general,
            wire.MessageCreate(client_msg_id=new_client_msg_id(), body="@demo the shown one"),
        )
        await jonas.api.send_message(
            dm, wire.MessageCreate(client_msg_id=new_client_msg_id(), body="Got a minute?")
        )
        await until(lambda: len(desktop.notifier.shown) >= 1, what="a notification")
        await until(
            lambda: any(
                window.messages.index(r, 0).data() == "@demo the shown one"
                for r in range(window.messages.rowCount())
            ),
            what="the message in the open conversation",
        )
        await until(lambda: window.conversations.total_unread() > unread, what="the unread count")
        await until(
            lambda: desktop.tray.badge_count == window.conversations.total_unread(),
            what="the badge to follow",
        )
        desktop.tray.icon.messageClicked.emit()  # the OS reports a click on the notification
        await until(lambda: window.messages.conversation_id == dm, what="the DM opened")
        return desktop, dm

    desktop, dm = arun(scenario())
    shown = desktop.notifier.shown
    assert len(shown) == 1, "the mention in the open conversation does not notify"
    assert (shown[0].conversation_id, shown[0].reason) == (dm, "dm")
    assert shown[0].title == "Jonas Berg" and shown[0].body == "Got a minute?"
    assert desktop.window.header.title.text() == "Jonas Berg"


def test_the_notification_gate_pause_and_mute_hooks(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    async def scenario() -> Desktop:
        desktop = _desktop(qtbot, await sign_in("demo"), tmp_path / "w.ini")
        await _open(desktop.window, "general")
        return desktop

    desktop = arun(scenario())
    gate = desktop.gate
    m = desktop.window.messages.message(0)
    assert m is not None
    assert gate.should_notify(m)
    desktop.tray.pause_action.trigger()
    assert gate.paused and not gate.should_notify(m)
    assert gate.should_notify(replace(m, urgent=True)), "urgent breaks through a pause"
    desktop.tray.pause_action.trigger()
    gate.muted.add(m.conversation_id)
    assert not gate.should_notify(m)
    gate.rules.append(lambda _msg: True)  # the off-hours feature's hook decides first
    assert gate.should_notify(m)


def test_window_state_is_restored_when_the_window_is_created_again(
    qtbot: QtBot,
    qapp: QApplication,
    arun: Callable[..., Any],
    keys: KeyCustody,
    sign_in: SignIn,
    tmp_path: Path,
) -> None:
    settings = tmp_path / "window.ini"
    # Closing the only window would quit the app (and stop the loop under this test).
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    request_restore = quit_on_close

    def _close(have: list[int], want: list[int]) -> bool:
        # Within a few pixels: the window may lay out once more between saving its state and
        # the read above (seen: 4 px per pane under load); the default layout is 30+ px away.
        return len(have) == len(want) and all(
            abs(h - w) <= 10 for h, w in zip(have, want, strict=True)
        )

    async def first() -> tuple[Session, list[int], int]:
        session = await sign_in("priya")
        window = _desktop(qtbot, session, settings).window
        window.resize(777, 555)  # within the offscreen screen (800×600)
        window.splitter.setSizes([230, 170, 375])
        await _open(window, "general")
        titles = [
            window.conversations.title(c)
            for r in range(window.conversations.rowCount())
            if (c := window.conversations.conversation(r)) is not None
        ]
        chosen = await _open(window, titles[-1])  # not the one a new window would pick first
        sizes = window.splitter.sizes()
        assert sizes[1] < 200, "not the default layout"
        window.close()
        await session.aclose()
        return session, sizes, chosen

    try:
        old, sizes, chosen = arun(first())
    except BaseException:
        qapp.setQuitOnLastWindowClosed(request_restore)
        raise

    async def second() -> MainWindow:
        session = await Session.open(old.account, keys=keys, data_dir=tmp_path / "priya")
        try:
            window = _desktop(qtbot, session, settings).window
            await until(lambda: window.messages.conversation_id is not None, what="a conversation")
            await until(lambda: _close(window.splitter.sizes(), sizes), what="the splitter sizes")
            return window
        finally:
            window.close()
            await session.aclose()

    try:
        window = arun(second())
    finally:
        qapp.setQuitOnLastWindowClosed(request_restore)
    assert (window.width(), window.height()) == (777, 555)
    assert _close(window.splitter.sizes(), sizes), (window.splitter.sizes(), sizes)
    assert window.messages.conversation_id == chosen
