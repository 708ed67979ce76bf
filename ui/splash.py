"""The start-up window of ``make run``: progress while the demo server starts and the demo user
signs in, and, if that fails, what went wrong and what to do (never a silent wait or a trace)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.demo import DemoServerFailed
from ui.signin import explain
from ui.tray import ICON_PATH

STARTING = "Starting the demo server…"
ELSEWHERE = (
    "To use your company's server instead, start Courtyard with\ncourtyard --server <its address>"
)


def demo_failure(exc: BaseException, log: Path) -> tuple[str, str]:
    """The title and text a person reads when the demo does not start: what, and what to do."""
    if isinstance(exc, DemoServerFailed):
        return (
            "The demo server did not start",
            f"{exc.reason}.\n\nRun `make run` again. If it fails again, its log says why:\n"
            f"{exc.log}\n\n{ELSEWHERE}",
        )
    return (
        "Could not sign in to the demo",
        f"{explain(exc)}\n\nRun `make run` again. The demo server's log is in\n{log}\n\n"
        f"{ELSEWHERE}",
    )


class StartupSplash(QWidget):
    """Shown from the first moment of a demo start until the main window replaces it."""

    quit_requested = Signal()
    """The person closed the window or pressed Quit: the app should end (and stop the server)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startupSplash")
        self.setWindowTitle("Courtyard")
        self.setWindowIcon(QIcon(str(ICON_PATH)))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        icon = QLabel(self)
        icon.setPixmap(QIcon(str(ICON_PATH)).pixmap(44, 44))
        name = QLabel("Courtyard", self)
        name.setObjectName("splashTitle")
        self.step = QLabel(STARTING, self)
        self.step.setObjectName("splashStep")
        self.hint = QLabel(
            "A demo organisation on this computer, so you can try Courtyard without an account.",
            self,
        )
        self.hint.setObjectName("splashHint")
        self.hint.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("splashProgress")
        self.progress.setRange(0, 0)  # busy: how long the server takes is not known in advance
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.error = QLabel(self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.quit_button = QPushButton("Quit", self)
        self.quit_button.setObjectName("splashQuit")
        self.quit_button.setDefault(True)
        self.quit_button.hide()
        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(icon)
        head.addWidget(name, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 22)
        layout.setSpacing(12)
        layout.addLayout(head)
        layout.addWidget(self.step)
        layout.addWidget(self.progress)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setFixedWidth(460)
        self._finished = False
        self.quit_button.clicked.connect(self.close)

    @property
    def failed(self) -> bool:
        return not self.error.isHidden()

    def show_step(self, text: str) -> None:
        self.step.setText(text)

    def show_failure(self, title: str, text: str) -> None:
        """Stop the progress and say what failed and what to do; Quit ends the app."""
        self.step.setText(title)
        self.step.setProperty("failed", True)
        self.step.style().unpolish(self.step)
        self.step.style().polish(self.step)
        self.progress.hide()
        self.hint.hide()
        self.error.setText(text)
        self.error.show()
        self.quit_button.show()
        self.quit_button.setFocus()
        self.adjustSize()

    def finish(self) -> None:
        """The main window is up: go away without asking the app to quit."""
        self._finished = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._finished:
            self.quit_requested.emit()
        super().closeEvent(event)
