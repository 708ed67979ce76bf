"""The window on first start, against a real server: it opens a conversation as soon as the first
sync lists one (the first channel, or the one remembered), and offers "New topic" only then."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.client.session import Session
from tests.gui.conftest import until
from ui.main import open_desktop
from ui.mainwindow import MainWindow

SignIn = Callable[[str], Coroutine[Any, Any, Session]]


def _first_conversation_row(window: MainWindow) -> int:
    m = window.conversations
    return next(r for r in range(m.rowCount()) if m.conversation(r) is not None)


def test_first_start_opens_the_first_channel_once_the_first_sync_lists_it(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    async def scenario() -> MainWindow:
        session = await sign_in("demo")  # a fresh local copy: nothing listed until sync
        window = open_desktop(session, settings_path=tmp_path / "window.ini").window
        qtbot.addWidget(window)
        window.show()
        assert window.conversations.rowCount() == 0
        assert not window.new_topic_button.isVisible(), "no conversation to add a topic to"
        await until(lambda: window.messages.rowCount() > 0, what="a conversation opened")
        await until(lambda: window.people.get(window.people.me_id or -1), what="the directory")
        return window

    window = arun(scenario())
    row = _first_conversation_row(window)
    first = window.conversations.conversation(row)
    assert first is not None and first.kind == "channel"
    assert window.conversation_view.currentIndex().row() == row
    assert window.messages.conversation_id == first.id
    assert window.header.title.text() == "# " + window.conversations.title(first)
    members = window.header.subtitle.text()
    assert "User " not in members, f"names, even when the directory syncs second: {members}"
    assert window.people.first_name(first.member_ids[0]) in members
    assert window.new_topic_button.isVisible()
    assert window.composer.edit.isEnabled()


def test_first_start_reopens_the_remembered_conversation_and_remembers_the_next(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    settings = tmp_path / "window.ini"

    async def scenario() -> tuple[MainWindow, int]:
        session = await sign_in("demo")
        listed = (await session.api.snapshot()).conversations
        design = next(c.id for c in listed if c.name == "design")
        finance = next(c.id for c in listed if c.name == "finance")
        remembered = QSettings(str(settings), QSettings.Format.IniFormat)
        remembered.setValue("window/last_conversation", design)  # as a previous run left it
        remembered.sync()
        window = open_desktop(session, settings_path=settings).window
        qtbot.addWidget(window)
        window.show()
        await until(lambda: window.messages.conversation_id == design, what="design reopened")
        await until(lambda: window.messages.rowCount() > 0, what="its messages")
        assert window.select_conversation(finance)
        await until(
            lambda: window.messages.rowCount() > 0 and window.messages.conversation_id == finance,
            what="finance",
        )
        return window, finance

    window, finance = arun(scenario())
    assert window.header.title.text() == "# finance"
    assert window.new_topic_button.isVisible()
    # Remembered when it opened, not only when the window closes (a crash keeps it too).
    stored = QSettings(str(settings), QSettings.Format.IniFormat)
    assert int(str(stored.value("window/last_conversation"))) == finance


def test_a_jump_made_while_another_conversation_opens_lands_on_its_message(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    """Opening a conversation and jumping elsewhere in the same moment (a search hit or a
    notification clicked while the first channel opens): the older open must not eat the jump."""

    async def scenario() -> tuple[MainWindow, int, int]:
        window = open_desktop(await sign_in("demo"), settings_path=tmp_path / "w.ini").window
        qtbot.addWidget(window)
        window.show()
        await until(lambda: window.messages.rowCount() > 0, what="the first channel")
        ids = {window.conversations.title(c): c.id for c in _conversations(window)}
        design, finance = ids["design"], ids["finance"]
        oldest = (await window.store.messages(finance, before=None, limit=50))[0]
        assert oldest.id is not None
        assert window.select_conversation(
            design if window.messages.conversation_id != design else ids["general"]
        )
        window.jump_to_message(finance, oldest.id)  # before that open got anywhere
        await until(lambda: window.message_flash.isVisible(), what="the flash on the message")
        return window, finance, oldest.id

    window, finance, message_id = arun(scenario())
    assert window.messages.conversation_id == finance
    assert window.message_flash.index.row() == window.messages.row_of_id(message_id)
    assert window.header.title.text() == "# finance"


def _conversations(window: MainWindow) -> list[Any]:
    m = window.conversations
    return [c for r in range(m.rowCount()) if (c := m.conversation(r)) is not None]
