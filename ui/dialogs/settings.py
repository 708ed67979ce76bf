"""Settings: the server this account uses and starting at sign-in, each locked when IT set it.

A setting the device policy forces is shown with its value, disabled, with "Set by your
organisation" under it and, in the tooltip, the policy key and where it came from; so a person
sees why they cannot change it and IT can see which store won.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from ui.preferences import AUTO_START, LOCKED_NOTE, SERVER_URL, Preferences
from ui.watermark.settings_row import screenshot_policy_row


def policy_note(parent: QWidget, source: str) -> QLabel:
    note = QLabel(LOCKED_NOTE, parent)
    note.setObjectName("policyNote")
    note.setToolTip(source)
    return note


class SettingsDialog(QDialog):
    def __init__(
        self, preferences: Preferences, *, server_url: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Courtyard Settings")
        self._preferences = preferences
        title = QLabel("Settings", self)
        title.setObjectName("dialogTitle")

        self.server = QLineEdit(server_url, self)
        self.server.setObjectName("serverField")
        self.server.setReadOnly(True)
        self.server.setToolTip("To use another server, sign out and sign in there.")
        self.auto_start = QCheckBox("Start Courtyard when I sign in to the computer", self)
        self.auto_start.setObjectName("autoStartBox")
        self.auto_start.setChecked(preferences.auto_start)
        self.error = QLabel(self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.hide()
        self.notes: dict[str, QLabel] = {}

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Server", self._with_note(self.server, SERVER_URL))
        form.addRow("Start-up", self._with_note(self.auto_start, AUTO_START))
        screenshots = screenshot_policy_row(self)  # the organisation's watermark policy
        if screenshots is not None:
            form.addRow("Screenshots", screenshots)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(14)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.auto_start.toggled.connect(self.on_auto_start_toggled)

    def _with_note(self, control: QWidget, setting: str) -> QWidget:
        """The control, disabled with the note under it when the policy locks `setting`."""
        if not self._preferences.is_locked(setting):
            return control
        control.setEnabled(False)
        control.setToolTip(f"Set by your organisation ({self._preferences.source(setting)})")
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(control)
        note = policy_note(box, self._preferences.source(setting))
        column.addWidget(note)
        self.notes[setting] = note
        return box

    def on_auto_start_toggled(self, enabled: bool) -> None:
        try:
            self._preferences.set_auto_start(enabled)
        except OSError as exc:
            self.error.setText(
                f"Courtyard could not {'add itself to' if enabled else 'remove itself from'} the "
                f"programs that start when you sign in ({exc}). Your choice is saved; Courtyard "
                "tries again at its next start."
            )
            self.error.show()
        else:
            self.error.hide()


def add_settings_entry(
    window: QWidget, menu: QMenu, preferences: Preferences, *, server_url: str
) -> QAction:
    """Add "Settings…" to the tray menu (above Quit) and Ctrl+, to the window; both open one dialog."""

    def open_settings() -> None:
        dialog = window.findChild(SettingsDialog)
        if dialog is None:
            dialog = SettingsDialog(preferences, server_url=server_url, parent=window)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    action = QAction("Settings…", menu)
    action.setObjectName("settingsAction")
    action.triggered.connect(open_settings)
    actions = menu.actions()
    menu.insertAction(actions[-2] if len(actions) >= 2 else None, action)  # before the separator
    shortcut = QShortcut(QKeySequence("Ctrl+,"), window)
    shortcut.activated.connect(open_settings)
    return action
