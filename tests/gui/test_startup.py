"""How the app starts, against a real server: the sign-in dialog (wrong password, unreachable
server, success), and `make run`'s demo start (progress, one sign-in without a keyring, failure)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.client.keys import Account, KeyCustody
from tests.gui.conftest import until
from tests.helpers.server import cli
from ui.main import App
from ui.signin import SignInDialog
from ui.splash import STARTING


def _dialog(qtbot: QtBot, keys: KeyCustody, tmp_path: Path, server: str) -> SignInDialog:
    dialog = SignInDialog(keys=keys, data_dir=tmp_path, server_url=server)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _type(qtbot: QtBot, dialog: SignInDialog, username: str, password: str) -> None:
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, password)


def _sign_in_button(dialog: SignInDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def quits() -> list[bool]:
    return []


@pytest.fixture
def app_state(
    tmp_path: Path, keys: KeyCustody, arun: Callable[..., Any], quits: list[bool]
) -> Iterator[App]:
    """An App as ``courtyard`` builds it, with a test keyring and settings file; quits recorded."""
    app = App(
        data_dir=tmp_path / "data",
        keys=keys,
        settings_path=tmp_path / "window.ini",
        demo_args=["--quiet-colleagues"],
        quit_app=lambda: quits.append(True),
    )
    yield app
    if app.desktop is not None:
        app.desktop.window.close()
    arun(app.aclose())


def test_a_wrong_password_says_so_and_keeps_the_username(
    qtbot: QtBot, arun: Callable[..., Any], keys: KeyCustody, demo_server: str, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, keys, tmp_path, demo_server)
    _type(qtbot, dialog, "amara", "not-her-password")

    async def scenario() -> None:
        qtbot.mouseClick(_sign_in_button(dialog), Qt.MouseButton.LeftButton)
        assert _sign_in_button(dialog).text() == "Signing in…"
        assert not _sign_in_button(dialog).isEnabled(), "one attempt at a time"
        await until(lambda: dialog.error.isVisible(), what="the error")

    arun(scenario())
    assert dialog.error.text() == "Wrong username or password."
    assert dialog.username.text() == "amara", "the username typed is kept"
    assert dialog.password.text() == "" and dialog.focusWidget() is dialog.password
    assert dialog.isVisible() and dialog.session is None
    assert _sign_in_button(dialog).isEnabled() and _sign_in_button(dialog).text() == "Sign in"


def test_an_unreachable_server_says_what_to_check(
    qtbot: QtBot, arun: Callable[..., Any], keys: KeyCustody, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, keys, tmp_path, f"http://127.0.0.1:{_closed_port()}")
    _type(qtbot, dialog, "amara", "demo")

    async def scenario() -> None:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter signs in, like the button
        await until(lambda: dialog.error.isVisible(), what="the error")

    arun(scenario())
    assert dialog.error.text() == (
        "Cannot reach the server. Check the address and your network connection."
    )
    assert (dialog.username.text(), dialog.password.text()) == ("amara", "demo")
    assert dialog.focusWidget() is dialog.server and dialog.server.hasSelectedText()
    assert dialog.isVisible() and dialog.session is None


def test_signing_in_opens_the_main_window_and_remembers_the_account(
    qtbot: QtBot, arun: Callable[..., Any], app_state: App, demo_server: str
) -> None:
    async def scenario() -> None:
        await app_state.start(demo_server)  # no account yet, a server given: the dialog
        dialog = app_state.sign_in_dialog
        assert dialog is not None and dialog.isVisible() and app_state.desktop is None
        qtbot.addWidget(dialog)
        _type(qtbot, dialog, "amara", "demo")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        await until(
            lambda: app_state.desktop is not None and app_state.desktop.window.isVisible(),
            what="the main window",
        )
        window = app_state.desktop.window  # type: ignore[union-attr]
        await until(lambda: window.me_label.text() == "Amara Okafor", what="who is signed in")
        await until(lambda: window.messages.rowCount() > 0, what="a conversation open")

    arun(scenario())
    assert app_state.sign_in_dialog is not None and not app_state.sign_in_dialog.isVisible()
    assert app_state.stored_account() == Account(demo_server, "amara")


def test_make_run_shows_progress_and_signs_in_once_without_a_keyring(
    qtbot: QtBot, arun: Callable[..., Any], app_state: App
) -> None:
    app_state.keys = KeyCustody(backend=fail.Keyring())  # a machine with no keyring at all

    async def scenario() -> None:
        starting = asyncio.ensure_future(app_state.start(None))
        await until(lambda: app_state.splash is not None and app_state.splash.isVisible())
        splash = app_state.splash
        assert splash is not None
        assert app_state.demo is not None and app_state.demo.url == "", "shown before it is up"
        assert splash.step.text() == STARTING and splash.progress.isVisible()
        await starting
        assert app_state.desktop is not None and app_state.desktop.window.isVisible()
        assert not splash.isVisible() and not splash.failed
        window = app_state.desktop.window
        await until(lambda: window.messages.rowCount() > 0, what="the first channel's messages")

    arun(scenario(), timeout=120)
    assert app_state.session is not None and app_state.session.store.key_mode == "passphrase"
    devices = cli(app_state.data_dir / "demo-server", "device", "list", "--user", "demo")
    assert devices.returncode == 0, devices.stderr
    assert len(devices.stdout.splitlines()) == 1, f"one sign-in, no sign-out: {devices.stdout}"
    assert "active" in devices.stdout


def test_make_run_says_why_the_demo_server_did_not_start_and_what_to_do(
    qtbot: QtBot, arun: Callable[..., Any], app_state: App, quits: list[bool]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        app_state.demo_args += ["--port", str(taken.getsockname()[1])]

        async def scenario() -> None:
            await app_state.start(None)

        arun(scenario(), timeout=120)
    splash = app_state.splash
    assert splash is not None
    qtbot.addWidget(splash)
    assert splash.isVisible() and splash.failed and not splash.progress.isVisible()
    assert splash.step.text() == "The demo server did not start"
    text = splash.error.text()
    assert "address already in use" in text, text
    assert "make run" in text and str(app_state.data_dir / "demo-server" / "server.log") in text
    assert app_state.desktop is None and quits == []
    qtbot.mouseClick(splash.quit_button, Qt.MouseButton.LeftButton)
    assert not splash.isVisible() and quits == [True], "Quit ends the app"
