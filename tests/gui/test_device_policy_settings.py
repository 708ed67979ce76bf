"""Device policy in the window: locked settings are disabled with "Set by your organisation",
AutoStart is applied to the OS entry, and a locked server wins over the stored account's."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.client.session import Session
from app.features.autostart import XdgAutoStart
from app.features.device_policy import PolicyReading
from tests.gui.conftest import until
from ui.dialogs.settings import SettingsDialog
from ui.main import App, open_desktop
from ui.preferences import AUTO_START, LOCKED_NOTE, SERVER_URL, Preferences
from ui.signin import SignInDialog

SignIn = Callable[[str], Coroutine[Any, Any, Session]]
POLICY_FILE = "/etc/courtyard/policy.json"
COMPANY = "https://chat.example.com"


def policy(**values: str | bool) -> PolicyReading:
    return PolicyReading(values, {name: POLICY_FILE for name in values})


def preferences(tmp_path: Path, reading: PolicyReading) -> tuple[Preferences, XdgAutoStart]:
    entry = XdgAutoStart(config_home=tmp_path / "config", command=["courtyard"])
    prefs = Preferences(policy=reading, autostart=entry, settings_path=tmp_path / "settings.ini")
    return prefs, entry


def test_forced_auto_start_is_written_and_shown_locked(qtbot: QtBot, tmp_path: Path) -> None:
    prefs, entry = preferences(tmp_path, policy(AutoStart=True))
    prefs.apply_auto_start_at_launch()
    assert entry.is_enabled()

    dialog = SettingsDialog(prefs, server_url="https://mine.example.com")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.auto_start.isChecked() and not dialog.auto_start.isEnabled()
    note = dialog.notes[AUTO_START]
    assert note.text() == LOCKED_NOTE and note.isVisible()
    assert note.toolTip() == f"AutoStart from {POLICY_FILE}"
    assert dialog.server.isEnabled() and SERVER_URL not in dialog.notes


def test_auto_start_forced_off_removes_the_users_own_entry(tmp_path: Path) -> None:
    prefs, entry = preferences(tmp_path, policy(AutoStart=False))
    entry.set_enabled(True)  # the user had turned it on before IT set the policy
    prefs.apply_auto_start_at_launch()
    assert not entry.is_enabled()
    assert prefs.is_locked(AUTO_START) and prefs.auto_start is False


def test_without_policy_the_user_turns_auto_start_on_and_it_is_remembered(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prefs, entry = preferences(tmp_path, PolicyReading())
    prefs.apply_auto_start_at_launch()
    assert not entry.is_enabled(), "nobody chose yet: nothing is written"
    dialog = SettingsDialog(prefs, server_url=COMPANY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.auto_start.isEnabled() and not dialog.notes
    dialog.auto_start.click()
    assert entry.is_enabled()
    assert preferences(tmp_path, PolicyReading())[0].auto_start is True  # kept in settings.ini
    dialog.auto_start.click()
    assert not entry.is_enabled()
    assert not dialog.error.isVisible()


def test_a_refused_autostart_change_is_explained(qtbot: QtBot, tmp_path: Path) -> None:
    prefs, entry = preferences(tmp_path, PolicyReading())
    (tmp_path / "config").write_text("a file where the folder should be", encoding="utf-8")
    dialog = SettingsDialog(prefs, server_url=COMPANY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.auto_start.click()
    assert dialog.error.isVisible()
    assert "could not add itself" in dialog.error.text()
    assert "tries again at its next start" in dialog.error.text()
    assert not entry.is_enabled()


def test_locked_server_is_disabled_with_the_note(qtbot: QtBot, tmp_path: Path) -> None:
    prefs, _ = preferences(tmp_path, policy(ServerUrl=COMPANY, LockServerUrl=True))
    dialog = SettingsDialog(prefs, server_url=COMPANY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.server.isEnabled()
    assert dialog.notes[SERVER_URL].text() == LOCKED_NOTE
    assert dialog.auto_start.isEnabled()


def _sign_in_dialog() -> SignInDialog:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, SignInDialog)]
    assert len(found) == 1
    return found[0]


def test_a_locked_server_wins_over_the_stored_account_and_locks_sign_in(
    arun: Callable[..., Any], tmp_path: Path
) -> None:
    prefs, _ = preferences(tmp_path, policy(ServerUrl=COMPANY, LockServerUrl=True))
    app = App(tmp_path / "data", preferences=prefs)
    (tmp_path / "data").mkdir()
    app.account_file.write_text(
        json.dumps({"server_url": "https://old.example.com", "username": "dana"}), "utf-8"
    )
    arun(app.start("https://cli.example.com"))
    dialog = _sign_in_dialog()
    try:
        assert dialog.isVisible()
        assert dialog.server.text() == COMPANY
        assert dialog.server.isReadOnly() and not dialog.server.isEnabled()
        notes = [label.text() for label in dialog.findChildren(QLabel, "policyNote")]
        assert notes == [LOCKED_NOTE]
    finally:
        dialog.rejected.disconnect()  # closing it must not quit the test's application
        dialog.close()
        dialog.deleteLater()


def test_a_preset_server_is_only_a_default(arun: Callable[..., Any], tmp_path: Path) -> None:
    prefs, _ = preferences(tmp_path, policy(ServerUrl=COMPANY))
    app = App(tmp_path / "data", preferences=prefs)
    arun(app.start(None))  # no account, no --server: the company server, not the demo
    dialog = _sign_in_dialog()
    try:
        assert dialog.server.text() == COMPANY
        assert dialog.server.isEnabled() and not dialog.server.isReadOnly()
        assert dialog.findChildren(QLabel, "policyNote") == []
    finally:
        dialog.rejected.disconnect()
        dialog.close()
        dialog.deleteLater()


# The offscreen platform cannot raise windows (xcb can); this marker replaces conftest's one.
@pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)", r"This plugin does not support propagateSizeHints"
)
def test_settings_open_from_the_tray_menu(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    prefs, _ = preferences(tmp_path, policy(AutoStart=True))

    async def scenario() -> Any:
        session = await sign_in("demo")
        desktop = open_desktop(session, settings_path=tmp_path / "w.ini", preferences=prefs)
        qtbot.addWidget(desktop.window)
        desktop.window.show()
        action = next(a for a in desktop.tray.menu.actions() if a.objectName() == "settingsAction")
        assert [a.text() for a in desktop.tray.menu.actions()][-1] == "Quit"
        action.trigger()
        await until(lambda: desktop.window.findChild(SettingsDialog) is not None, what="Settings")
        return desktop.window.findChild(SettingsDialog)

    dialog = arun(scenario())
    assert dialog.isVisible()
    assert dialog.server.text().startswith("http://127.0.0.1:")  # the account's own server
    assert not dialog.auto_start.isEnabled()
