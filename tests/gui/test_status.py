"""Workday status end to end in the real window: what one person opens, a colleague sees.

Two real main windows (two people, two encrypted stores) against a real demo server process.
Timing is shortened (dwell 1 s) so the tests are quick; the engine's own tests cover the default
timings with an injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from pytestqt.qtbot import QtBot

from app.client.session import Session
from app.features.status import InMemoryIdle, StatusSettings
from tests.gui.conftest import until
from ui.main import open_main_window
from ui.mainwindow import MainWindow
from ui.status.service import StatusSources

SignIn = Callable[[str], Coroutine[Any, Any, Session]]
FAST = StatusSettings(dwell=1.0, min_interval=1.0)


async def _window(
    qtbot: QtBot, sign_in: SignIn, username: str, *, timing: StatusSettings = FAST
) -> MainWindow:
    window = open_main_window(
        await sign_in(username),
        status_sources=StatusSources(idle=InMemoryIdle(0.0)),
        status_timing=timing,
    )
    qtbot.addWidget(window)
    window.show()
    await until(lambda: window.people.me_id is not None, what=f"{username}'s snapshot")
    return window


def _names(window: MainWindow) -> list[str]:
    m = window.conversations
    return [str(m.index(r, 0).data()) for r in range(m.rowCount())]


async def _open_topic(window: MainWindow, conversation: str, topic: str) -> None:
    await until(lambda: conversation in _names(window), what=f"conversation {conversation}")
    assert window.select_conversation_named(conversation)
    titles = window.topics

    def row() -> int:
        return next((r for r in range(titles.rowCount()) if titles.index(r, 0).data() == topic), -1)

    await until(lambda: row() >= 0, what=f"topic {topic}")
    window.topic_view.setCurrentIndex(titles.index(row(), 0))


def _status_of(window: MainWindow, user_id: int) -> str | None:
    user = window.people.get(user_id)
    return user.status.text if user is not None and user.status is not None else None


def test_opening_a_topic_changes_the_status_a_colleague_sees(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    expected = "In topic: Q3 budget review · #finance"

    async def scenario() -> None:
        li = await _window(qtbot, sign_in, "li.wei")
        dana = await _window(qtbot, sign_in, "demo")
        dana.activateWindow()
        await until(dana.isActiveWindow, what="Dana's window to be active")
        dana_id = dana.people.me_id
        assert dana_id is not None
        assert _status_of(li, dana_id) is None

        await _open_topic(dana, "finance", "Q3 budget review")
        await until(lambda: _status_of(li, dana_id) == expected, what="Li to see Dana's topic")
        seen = li.people.get(dana_id)
        assert seen is not None and seen.status is not None
        assert (seen.status.source, seen.status.emoji) == ("topic", "💬")
        # Dana sees exactly what Li sees, and where it comes from.
        assert dana.status is not None and dana.status.published is not None
        assert dana.status.published.text == expected
        assert dana.status.describe_source() == "auto · from the topic open in Courtyard"

        # Back to "All messages": no topic is open, so the status goes away again.
        dana.select_topic(None)
        await until(lambda: _status_of(li, dana_id) is None, what="Dana's status to clear")

    arun(scenario())
