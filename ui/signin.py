"""The sign-in dialog: server URL, username, password, and errors a person can act on."""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.client.api import ConnectionProblem, InsecureServerUrl
from app.client.keys import KeyCustody
from app.client.session import Session
from app.client.store_errors import KeyringUnavailable, UserFacingStoreError
from app.core.errors import ApiError, RateLimited, Unauthorized
from ui.dialogs.settings import policy_note
from ui.tasks import TaskGroup


def explain(exc: BaseException) -> str:
    """What a person should read for a failed sign-in (never a stack trace)."""
    if isinstance(exc, Unauthorized):
        return "Wrong username or password."
    if isinstance(exc, RateLimited):
        return "Too many attempts. Wait a minute and try again."
    if isinstance(exc, InsecureServerUrl):
        return f"That server address is not allowed: {exc}"
    if isinstance(exc, ConnectionProblem):
        cause = str(exc)
        if "certificate" in cause.lower() or "ssl" in cause.lower():
            return "The server's certificate is not trusted. Ask IT to check the server address."
        return "Cannot reach the server. Check the address and your network connection."
    if isinstance(exc, KeyringUnavailable):
        return (
            "No system keyring is available to protect your local messages. "
            "Unlock or install your desktop's keyring (Secret Service, Keychain, Credential Manager)."
        )
    if isinstance(exc, UserFacingStoreError):
        return f"Your local message store could not be opened: {exc}"
    if isinstance(exc, ApiError):
        return f"The server refused the sign-in: {exc}"
    return f"Sign-in failed: {type(exc).__name__}"


SignIn = Callable[[str, str, str], Awaitable[Session]]


class SignInDialog(QDialog):
    """Emits :attr:`session_did_open` with the new session; stays open on errors."""

    session_did_open = Signal(object)

    def __init__(
        self,
        *,
        keys: KeyCustody,
        data_dir: Path | None = None,
        server_url: str = "",
        lock_server_url: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to Courtyard")
        self._keys = keys
        self._data_dir = data_dir
        self._tasks = TaskGroup("sign-in")
        self.session: Session | None = None
        title = QLabel("Sign in to Courtyard", self)
        title.setObjectName("dialogTitle")
        self.server = QLineEdit(server_url, self)
        self.server.setObjectName("serverField")
        self.server.setPlaceholderText("https://chat.example.com")
        self.server.setReadOnly(lock_server_url)
        self.username = QLineEdit(self)
        self.username.setObjectName("usernameField")
        self.password = QLineEdit(self)
        self.password.setObjectName("passwordField")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Server", self.server)
        if lock_server_url:
            self.server.setEnabled(False)
            form.addRow("", policy_note(self, "ServerUrl with LockServerUrl"))
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(14)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def on_buttons_accepted(self) -> None:
        if self._tasks.busy:
            return
        fields = (self.server.text().strip(), self.username.text().strip(), self.password.text())
        if not all(fields):
            self.show_error("Enter the server address, your username and your password.")
            return
        self._set_busy(True)
        self._tasks.spawn(self._sign_in(*fields))

    async def _sign_in(self, server: str, username: str, password: str) -> None:
        try:
            session = await Session.sign_in(
                server,
                username,
                password,
                platform.node() or "desktop",
                keys=self._keys,
                data_dir=self._data_dir,
            )
        except (ApiError, ConnectionProblem, InsecureServerUrl, UserFacingStoreError) as exc:
            self.show_error(explain(exc))
            self._focus_what_to_fix(exc)
            return
        except asyncio.CancelledError:
            raise
        finally:
            self._set_busy(False)
        self.session = session
        self.session_did_open.emit(session)
        self.accept()

    def _focus_what_to_fix(self, exc: BaseException) -> None:
        """Put the cursor where the fix is typed; what the person typed elsewhere stays."""
        if isinstance(exc, Unauthorized):
            self.password.clear()
            self.password.setFocus()
        elif (
            isinstance(exc, ConnectionProblem | InsecureServerUrl) and not self.server.isReadOnly()
        ):
            self.server.selectAll()
            self.server.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _set_busy(self, busy: bool) -> None:
        for field in (self.username, self.password):
            field.setReadOnly(busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Signing in…" if busy else "Sign in"
        )
