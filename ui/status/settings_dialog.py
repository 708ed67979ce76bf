"""Status settings: after how many idle minutes one is Away, and the calendar meetings come from.

Save hands the choices to the service, which applies them at once (the engine's idle threshold,
a new calendar feed) and keeps them. The calendar line below the address says, live, what was
read, what is wrong, or that an older copy is used for now, in words; a calendar that cannot be
read never loses the setting.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.features.status.calendar_feed import parse_location
from ui.status.preferences import StatusPreferences
from ui.status.service import StatusService

IDLE_RANGE = (1, 240)
"""Minutes without keyboard or mouse input before one shows as Away."""


class StatusSettingsDialog(QDialog):
    def __init__(self, service: StatusService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusSettingsDialog")
        self.setWindowTitle("Status settings")
        self._service = service
        self._prefs = service.prefs

        away_box = QGroupBox("Away", self)
        self.idle = QSpinBox(away_box)
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(*IDLE_RANGE)
        self.idle.setSuffix(" min")
        self.idle.setValue(max(IDLE_RANGE[0], min(IDLE_RANGE[1], round(self._prefs.idle_minutes))))
        self.idle.setAccessibleName("Minutes without input before you show as Away")
        idle_row = QHBoxLayout()
        idle_row.addWidget(QLabel("Show me as “💤 Away” after", away_box))
        idle_row.addWidget(self.idle)
        idle_row.addWidget(QLabel("without keyboard or mouse input", away_box))
        idle_row.addStretch(1)
        away = QVBoxLayout(away_box)
        away.addLayout(idle_row)
        reason = getattr(service.sources.idle, "unsupported_reason", None)
        if service.sources.idle is None or reason:
            note = QLabel(
                f"Idle time cannot be read on this desktop ({reason or 'not supported'}), "
                "so Courtyard will not set Away by itself.",
                away_box,
            )
            note.setObjectName("warningText")
            note.setWordWrap(True)
            away.addWidget(note)

        calendar_box = QGroupBox("Calendar — “In a meeting until 15:00”", self)
        self.address = QLineEdit(self._prefs.calendar, calendar_box)
        self.address.setObjectName("calendarAddress")
        self.address.setPlaceholderText("https://… address of an ICS calendar, or an .ics file")
        self.address.setClearButtonEnabled(True)
        self.choose = QPushButton("Choose file…", calendar_box)
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(self.choose)
        self.state = QLabel(calendar_box)
        self.state.setObjectName("calendarState")
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        privacy = QLabel(
            "Colleagues see only “📅 In a meeting until 15:00” — never a meeting's title, "
            "place or attendees. The calendar is read on this computer.",
            calendar_box,
        )
        privacy.setObjectName("secondaryText")
        privacy.setWordWrap(True)
        cal = QVBoxLayout(calendar_box)
        cal.addLayout(row)
        cal.addWidget(self.state)
        cal.addSpacing(6)
        cal.addWidget(privacy)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        layout = QVBoxLayout(self)
        layout.addWidget(away_box)
        layout.addWidget(calendar_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choose.clicked.connect(self.on_choose_clicked)
        self.address.textChanged.connect(self.refresh_state)
        service.calendar_did_change.connect(self.refresh_state)
        self.refresh_state()
        self.resize(620, 320)

    def preferences(self) -> StatusPreferences:
        return self._prefs.with_(
            idle_minutes=float(self.idle.value()), calendar=self.address.text().strip()
        )

    def on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a calendar file", "", "Calendars (*.ics);;All files (*)"
        )
        if path:
            self.address.setText(path)

    def refresh_state(self, *_args: object) -> None:
        """The line under the address: whether it can be used, and once saved, what was read."""
        text = self.address.text().strip()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        try:
            parse_location(text)
        except ValueError as exc:
            self._show_state(str(exc), error=True)
            save.setEnabled(False)
            return
        save.setEnabled(True)
        keeper = self._service.calendar
        if text != self._service.prefs.calendar.strip():
            self._show_state("Save to read this calendar." if text else "", error=False)
            return
        self._show_state(
            keeper.describe(),
            error=keeper.problem() is not None,
            warning=keeper.notice() is not None,
        )

    def _show_state(self, text: str, *, error: bool, warning: bool = False) -> None:
        self.state.setText(text)
        self.state.setVisible(bool(text))
        name = "errorText" if error else "warningText" if warning else "secondaryText"
        if self.state.objectName() != name:
            self.state.setObjectName(name)
            self.state.style().unpolish(self.state)
            self.state.style().polish(self.state)
