"""The real main window against a real demo server: conversations, topics, messages, sending."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.client.session import Session
from tests.gui.conftest import until
from ui.main import open_main_window
from ui.mainwindow import MainWindow
from ui.models.conversations import Roles as ConvRoles
from ui.models.messages import Roles as MsgRoles

SignIn = Callable[[str], Coroutine[Any, Any, Session]]


async def _window(qtbot: QtBot, sign_in: SignIn, username: str) -> MainWindow:
    window = open_main_window(await sign_in(username))
    qtbot.addWidget(window)
    window.show()
    return window


def _names(window: MainWindow) -> list[str]:
    m = window.conversations
    return [str(m.index(r, 0).data()) for r in range(m.rowCount())]


def _bodies(window: MainWindow) -> list[str]:
    m = window.messages
    return [str(m.index(r, 0).data()) for r in range(m.rowCount())]


async def _open(window: MainWindow, name: str) -> None:
    await until(lambda: name in _names(window), what=f"conversation {name}")
    assert window.select_conversation(
        window.conversations.conversation(_names(window).index(name)).id
    )  # type: ignore[union-attr]
    await until(lambda: window.messages.rowCount() > 0, what="messages of " + name)


def test_window_lists_the_demo_conversations_grouped(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    async def scenario() -> MainWindow:
        window = await _window(qtbot, sign_in, "demo")
        await until(lambda: "finance" in _names(window), what="the snapshot")
        await until(lambda: window.connection_label.property("state") == "online", what="online")
        return window

    window = arun(scenario())
    names = _names(window)
    headers = [
        n for r, n in enumerate(names) if window.conversations.index(r, 0).data(ConvRoles.IsHeader)
    ]
    assert headers[0] == "Channels" and names[0] == "Channels"
    for channel in ("general", "finance", "engineering", "design"):
        assert channel in names
    assert window.me_label.text() == "Dana Demo"


def test_selecting_a_channel_shows_its_topics_and_messages(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    async def scenario() -> MainWindow:
        window = await _window(qtbot, sign_in, "demo")
        await _open(window, "finance")
        await until(lambda: window.topics.rowCount() > 3, what="finance topics")
        assert window.header.title.text() == "# finance"
        topics = [str(window.topics.index(r, 0).data()) for r in range(window.topics.rowCount())]
        assert topics[0] == "All messages"
        assert "Q3 budget review" in topics
        everything = _bodies(window)
        topic = next(
            t
            for r in range(window.topics.rowCount())
            if (t := window.topics.topic(r)) and t.title == "Q3 budget review"
        )
        assert window.select_topic(topic.id)
        await until(
            lambda: window.messages.topic_id == topic.id and window.messages.rowCount() > 0,
            what="topic messages",
        )
        assert set(_bodies(window)) <= set(everything) or len(everything) >= 50
        return window

    window = arun(scenario())
    assert window.header.title.text() == "Q3 budget review"
    assert "Q3 budget.xlsx" in window.header.subtitle.text()
    assert window.header.close_button.isVisible()


def test_enter_sends_and_the_message_appears_in_a_second_clients_window(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    text = "Release notes are ready for review"

    def shown(window: MainWindow) -> bool:
        m = window.messages
        return any(
            m.index(r, 0).data() == text and m.index(r, 0).data(MsgRoles.State) == "sent"
            for r in range(m.rowCount())
        )

    async def scenario() -> tuple[MainWindow, MainWindow]:
        sender = await _window(qtbot, sign_in, "demo")
        reader = await _window(qtbot, sign_in, "amara")
        await _open(sender, "engineering")
        await _open(reader, "engineering")
        edit = sender.composer.edit
        qtbot.keyClicks(edit, "Release notes")
        qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        assert edit.toPlainText() == "Release notes\n", "Shift+Enter is a new line"
        edit.setPlainText(text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert edit.toPlainText() == "", "Enter sends"
        await until(lambda: shown(sender), what="the sender's copy confirmed")
        await until(lambda: shown(reader), what="the message in the second client's window")
        return sender, reader

    sender, reader = arun(scenario())
    mine = next(
        r for r in range(sender.messages.rowCount()) if sender.messages.index(r, 0).data() == text
    )
    assert sender.messages.index(mine, 0).data(MsgRoles.Mine) is True
    theirs = reader.messages.row_of_id(sender.messages.index(mine, 0).data(MsgRoles.Id))
    assert reader.messages.index(theirs, 0).data(MsgRoles.SenderName) == "Dana Demo"
    assert reader.messages.index(theirs, 0).data(MsgRoles.Mine) is False


def test_drafts_are_kept_per_conversation(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    async def scenario() -> MainWindow:
        window = await _window(qtbot, sign_in, "demo")
        await _open(window, "general")
        window.composer.edit.setPlainText("half a thought")
        await _open(window, "design")
        assert window.composer.edit.toPlainText() == ""
        await _open(window, "general")
        return window

    window = arun(scenario())
    assert window.composer.edit.toPlainText() == "half a thought"


def test_every_list_model_passes_the_model_tester_while_sync_fills_it(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, request: pytest.FixtureRequest
) -> None:
    """The testers watch each model from empty through the snapshot, opening a channel and a topic, so every insert, removal, reorder and change signal is checked as it happens."""
    testers: list[ModelTester] = []

    async def scenario() -> MainWindow:
        window = await _window(qtbot, sign_in, "demo")
        for model in (window.conversations, window.topics, window.messages):
            tester = ModelTester(request.config)
            tester.check(model, force_py=True)
            testers.append(tester)
        await _open(window, "finance")
        await until(lambda: window.topics.rowCount() > 0, what="topics")
        topic = next(t for r in range(window.topics.rowCount()) if (t := window.topics.topic(r)))
        assert window.select_topic(topic.id)
        await until(lambda: window.messages.topic_id == topic.id, what="the topic view")
        return window

    window = arun(scenario())
    for model, tester in zip(
        (window.conversations, window.topics, window.messages), testers, strict=True
    ):
        tester.check(model, force_py=True)
        tester._cleanup()
