"""The "Set a status" dialog: the user's own words, an emoji, and when it clears by itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.wire import STATUS_TEXT_MAX
from app.features.status import ManualStatus, end_of_today, end_of_week, until_time
from app.features.status.wording import until_phrase

#: (label, function of now and zone giving the expiry; None: until cleared). "At a time…" is extra.
EXPIRY_CHOICES: tuple[tuple[str, Callable[[dt.datetime, ZoneInfo], dt.datetime | None]], ...] = (
    ("30 minutes", lambda now, _z: now + dt.timedelta(minutes=30)),
    ("1 hour", lambda now, _z: now + dt.timedelta(hours=1)),
    ("Today", end_of_today),
    ("This week", end_of_week),
    ("Don't clear", lambda _n, _z: None),
)
AT_TIME = "At a time…"


def expiry_for(label: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    for name, when in EXPIRY_CHOICES:
        if name == label:
            return when(now, zone)
    raise ValueError(f"unknown expiry choice {label!r}")


class ManualStatusDialog(QDialog):
    """Returns its :meth:`status` after ``exec()`` is accepted."""

    def __init__(
        self,
        *,
        now: Callable[[], dt.datetime],
        zone: ZoneInfo,
        current: ManualStatus | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("manualStatusDialog")
        self.setWindowTitle("Set a status")
        self._now, self._zone = now, zone
        self.emoji = QLineEdit(current.emoji if current else "💬", self)
        self.emoji.setMaxLength(8)
        self.emoji.setFixedWidth(56)
        self.emoji.setAccessibleName("Emoji")
        self.text = QLineEdit(current.text if current else "", self)
        self.text.setMaxLength(STATUS_TEXT_MAX)
        self.text.setPlaceholderText("What's your status?")
        self.text.setAccessibleName("Status text")
        self.expiry = QComboBox(self)
        self.expiry.addItems([name for name, _ in EXPIRY_CHOICES] + [AT_TIME])
        self.expiry.setCurrentText("Today")
        self.at = QTimeEdit(QTime(17, 0), self)
        self.at.setDisplayFormat("HH:mm")
        self.at.setVisible(False)
        self.preview = QLabel(self)
        self.preview.setObjectName("statusPreview")
        self.preview.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        line = QHBoxLayout()
        line.addWidget(self.emoji)
        line.addWidget(self.text, 1)
        when = QHBoxLayout()
        when.addWidget(self.expiry, 1)
        when.addWidget(self.at)
        form = QFormLayout()
        form.addRow("Status", line)
        form.addRow("Clear after", when)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for signal in (self.emoji.textChanged, self.text.textChanged):
            signal.connect(self.on_input_changed)
        self.expiry.currentTextChanged.connect(self.on_input_changed)
        self.at.timeChanged.connect(self.on_input_changed)
        self.on_input_changed()
        self.resize(440, self.sizeHint().height())

    def until(self) -> dt.datetime | None:
        now = self._now()
        if self.expiry.currentText() == AT_TIME:
            t = self.at.time()
            return until_time(now, self._zone, dt.time(t.hour(), t.minute()))
        return expiry_for(self.expiry.currentText(), now, self._zone)

    def status(self) -> ManualStatus | None:
        text = " ".join(self.text.text().split())
        if not text:
            return None
        return ManualStatus(text, self.emoji.text().strip(), self.until())

    def on_input_changed(self, *_args: object) -> None:
        self.at.setVisible(self.expiry.currentText() == AT_TIME)
        status = self.status()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(status is not None)
        if status is None:
            self.preview.setText("Type a status to see what colleagues will see.")
            return
        shown = f"{status.emoji} {status.text}" if status.emoji else status.text
        when = until_phrase(status.until, self._zone, self._now())
        self.preview.setText(f"Colleagues see “{shown}” {when}, whatever you have open.")
