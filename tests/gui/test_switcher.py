"""The quick switcher starts a direct message with someone never written to (real server)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.client.session import Session
from tests.gui.conftest import until
from ui.dialogs.switcher import Roles as SwitcherRoles
from ui.main import open_desktop
from ui.mainwindow import MainWindow

SignIn = Callable[[str], Coroutine[Any, Any, Session]]


def _dm_with(window: MainWindow, user_id: int) -> int | None:
    m = window.conversations
    for row in range(m.rowCount()):
        conv = m.conversation(row)
        if conv is not None and conv.kind == "dm" and user_id in conv.member_ids:
            return conv.id
    return None


def test_the_switcher_lists_everyone_and_starts_a_direct_message(
    qtbot: QtBot,
    arun: Callable[..., Any],
    sign_in: SignIn,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    text = "Hi Sofia, do you have the onboarding mockups?"

    async def scenario() -> list[str]:
        window = open_desktop(await sign_in("demo"), settings_path=tmp_path / "w.ini").window
        qtbot.addWidget(window)
        window.show()
        tester = ModelTester(request.config)
        tester.check(window.switcher.model, force_py=True)
        await until(lambda: window.messages.rowCount() > 0, what="the first conversation")
        await until(lambda: window.people.everyone(), what="the directory")
        sofia = next(u for u in window.people.everyone() if u.username == "sofia")
        assert _dm_with(window, sofia.id) is None, "never written to"
        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window, what="an active window")
        qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        switcher = window.switcher
        qtbot.keyClicks(switcher.edit, "designer")  # her title finds her too
        first = switcher.list.currentIndex()
        assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "Sofia Martins"
        assert first.data(SwitcherRoles.Kind) == "person"
        assert "New direct message" in first.data()
        qtbot.keyClick(switcher.edit, Qt.Key.Key_Return)
        assert not switcher.isVisible()
        await until(lambda: _dm_with(window, sofia.id) is not None, what="the new DM synced")
        dm = _dm_with(window, sofia.id)
        assert dm is not None
        await until(lambda: window.messages.conversation_id == dm, what="the new DM opened")
        assert window.header.title.text() == "Sofia Martins"
        window.composer.edit.setPlainText(text)
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
        other = await sign_in("sofia")  # she receives it in the new conversation
        for _ in range(100):
            page = await other.api.history(dm)
            if any(m.body == text and m.sender_id == window.people.me_id for m in page.messages):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the message never reached Sofia")
        # An existing DM is listed as a conversation, never again as a person to start one with.
        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window, what="an active window")
        qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert switcher.isVisible()
        qtbot.keyClicks(switcher.edit, "sofia")
        kinds = [
            switcher.model.index(r, 0).data(SwitcherRoles.Kind)
            for r in range(switcher.model.rowCount())
        ]
        qtbot.keyClick(switcher.edit, Qt.Key.Key_Escape)
        tester.check(window.switcher.model, force_py=True)
        tester._cleanup()
        return kinds

    kinds = arun(scenario())
    assert kinds == ["dm"], kinds
