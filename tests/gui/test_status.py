"""Workday status end to end in the real window: what one person opens, a colleague sees.

Two real main windows (two people, two encrypted stores) against a real demo server process.
Timing is shortened (dwell 1 s) so the tests are quick; the engine's own tests cover the default
timings with an injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.client.session import Session
from app.features.status import ForegroundWindow, InMemoryForeground, InMemoryIdle, StatusSettings
from tests.gui.conftest import until
from ui.main import open_desktop, open_main_window
from ui.mainwindow import MainWindow
from ui.models.conversations import Roles as ConvRoles
from ui.status.menu import StatusChip, open_rules_dialog
from ui.status.preferences import StatusPreferencesStore
from ui.status.rules_dialog import NAME, TEMPLATE, TITLE
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


async def stop_status(*windows: MainWindow) -> None:
    """End each window's status service inside the loop, as the app does on quit, so that no
    request is still in flight when the test ends."""
    for window in windows:
        if window.status is not None:
            await window.status.aclose(flush_timeout=5)


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


def _dm_row(window: MainWindow, peer: int) -> int:
    m = window.conversations
    return next(r for r in range(m.rowCount()) if m.index(r, 0).data(ConvRoles.PeerId) == peer)


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
        # Li sees it next to Dana's name in the sidebar and in the header of their DM.
        dm = _dm_row(li, dana_id)
        assert li.conversations.index(dm, 0).data(ConvRoles.PeerStatus) == f"💬 {expected}"
        li.conversation_view.setCurrentIndex(li.conversations.index(dm, 0))
        await until(lambda: li.header.title.text() == "Dana Demo", what="the DM header")
        assert li.header.subtitle.text().startswith(f"💬 {expected} · Product manager")

        # Back to "All messages": no topic is open, so the status goes away again.
        dana.select_topic(None)
        await until(lambda: _status_of(li, dana_id) is None, what="Dana's status to clear")
        assert li.conversations.index(dm, 0).data(ConvRoles.PeerStatus) == ""
        assert li.header.subtitle.text() == "Product manager · Product"
        await stop_status(li, dana)

    arun(scenario())


def test_opening_a_topics_document_makes_the_status_reading_it(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    url = "https://docs.example.com/finance/q3-budget.xlsx"  # the demo topic's link

    async def scenario() -> None:
        li = await _window(qtbot, sign_in, "li.wei")
        dana = await _window(qtbot, sign_in, "demo")
        opened: list[str] = []
        dana.open_url = lambda u: opened.append(u.toString()) is None  # no browser in a test
        dana.activateWindow()
        await until(dana.isActiveWindow, what="Dana's window to be active")
        dana_id = dana.people.me_id
        assert dana_id is not None

        await _open_topic(dana, "finance", "Q3 budget review")
        await until(
            lambda: _status_of(li, dana_id) == "In topic: Q3 budget review · #finance",
            what="the topic first",
        )
        assert f'href="{url}"' in dana.header.subtitle.text()
        dana.header.subtitle.linkActivated.emit(url)  # the link in the topic's header, clicked
        assert opened == [url]
        await until(
            lambda: _status_of(li, dana_id) == "Reading: Q3 budget.xlsx",
            what="Li to see the document Dana opened",
        )
        seen = li.people.get(dana_id)
        assert seen is not None and seen.status is not None
        assert (seen.status.source, seen.status.emoji) == ("document", "📄")
        await stop_status(li, dana)

    arun(scenario())


def test_the_status_menu_sets_a_manual_status_clears_it_and_pauses_from_the_tray(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    async def scenario() -> None:
        li = await _window(qtbot, sign_in, "li.wei")
        desktop = open_desktop(await sign_in("kenji"), settings_path=tmp_path / "kenji.ini")
        kenji = desktop.window
        qtbot.addWidget(kenji)
        kenji.show()
        await until(lambda: kenji.people.me_id is not None, what="Kenji's snapshot")
        kid = kenji.people.me_id
        assert kid is not None and kenji.status is not None
        chip = kenji.findChild(StatusChip)
        assert chip is not None and chip.text.text() == "Set a status"

        menu = chip.menu()
        lunch = next(a for a in menu.actions() if "Out for lunch" in a.text())
        lunch.trigger()
        await until(lambda: _status_of(li, kid) == "Out for lunch", what="Li to see lunch")
        seen = li.people.get(kid)
        assert seen is not None and seen.status is not None
        assert seen.status.source == "manual" and seen.status.expires_at is not None
        assert 55 * 60 < (seen.status.expires_at - kenji.status.clock.now()).total_seconds() <= 3600
        assert chip.text.text() == "🍽️ Out for lunch"
        assert chip.source.text().startswith("set by you · until ")

        # Pausing from the tray hides it from colleagues; the status menu shows it paused.
        desktop.tray.status_pause_action.trigger()
        await until(lambda: _status_of(li, kid) is None, what="the pause to reach Li")
        assert chip.text.text() == "⏸ Sharing paused"
        assert chip.menu().pause_action.isChecked()
        # ... and is remembered: the stored preference says paused.
        assert StatusPreferencesStore(desktop.window_state.settings).load().paused
        # Resuming from the menu brings the manual status back; "Clear" removes it.
        chip.menu().pause_action.trigger()
        assert not desktop.tray.status_pause_action.isChecked()
        await until(lambda: _status_of(li, kid) == "Out for lunch", what="the status to return")
        clear = chip.menu().clear_action
        assert clear.isEnabled()
        clear.trigger()
        await until(lambda: _status_of(li, kid) is None, what="the cleared status")
        assert not chip.menu().clear_action.isEnabled()
        await stop_status(li, kenji)

    arun(scenario())


CALC = ForegroundWindow("libreoffice", "Q3 plan.xlsx - LibreOffice Calc", "libreoffice-calc")


def test_the_rules_editor_previews_live_and_saves_only_valid_rules(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    async def scenario() -> None:
        window = open_main_window(
            await sign_in("sofia"),
            status_sources=StatusSources(foreground=InMemoryForeground(CALC), idle=InMemoryIdle()),
            status_timing=FAST,
        )
        qtbot.addWidget(window)
        window.show()
        await until(lambda: window.people.me_id is not None, what="Sofia's snapshot")
        service = window.status
        assert service is not None and not service.prefs.share_foreground
        dialog = open_rules_dialog(service, window)
        qtbot.addWidget(dialog)
        assert dialog.result_label.text() == "📊 Editing: Q3 plan.xlsx   (rule “LibreOffice Calc”)"
        assert "With what you have open in Courtyard: nothing shared" in dialog.now_label.text()

        # Editing the template changes the preview at once.
        row = next(
            r for r in range(dialog.table.rowCount()) if dialog._cell(r, NAME) == "LibreOffice Calc"
        )
        dialog.table.item(row, TEMPLATE).setText("Crunching {doc}")
        assert dialog.result_label.text().startswith("📊 Crunching Q3 plan.xlsx")
        # A window no rule knows shows nothing, or "Busy" when chosen.
        dialog.try_app.setText("someapp")
        dialog.try_title.setText("Secret salary plan")
        assert dialog.result_label.text().startswith("Nothing")
        dialog.busy.setChecked(True)
        assert dialog.result_label.text().startswith("⏳ Busy")
        dialog.nothing.setChecked(True)
        dialog.try_app.clear()
        dialog.try_title.clear()
        # A broken pattern blocks saving and says which row.
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        dialog.table.item(row, TITLE).setText("(unclosed")
        assert not save.isEnabled() and f"Row {row + 1}" in dialog.error.text()
        dialog.table.item(row, TITLE).setText(r"^(?P<doc>.+?)\s+-\s+LibreOffice Calc$")
        assert save.isEnabled()
        dialog.share.setChecked(True)
        save.click()
        assert service.prefs.share_foreground
        assert any(r.template == "Crunching {doc}" for r in service.prefs.rules)
        await until(
            lambda: (
                service.published is not None and service.published.text == "Crunching Q3 plan.xlsx"
            ),
            what="the saved rule to drive the status",
        )
        assert service.describe_source() == "auto · from LibreOffice Calc"
        await stop_status(window)

    arun(scenario())
