"""Window state across runs: geometry, splitter sizes and the last open conversation (QSettings).

The path is injectable so tests never touch the user's settings; the app uses the platform's
native store (registry, plist, ~/.config) under the organisation and application names.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer

from ui.mainwindow import MainWindow


class WindowStateStore(QObject):
    """Restores a main window's state on :meth:`attach` and saves it when the window closes."""

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = (
            QSettings(str(path), QSettings.Format.IniFormat) if path is not None else QSettings()
        )

    _splitter_state: QByteArray | None = None

    def attach(self, window: MainWindow) -> None:
        self.restore(window)
        window.installEventFilter(self)
        # Remembered as soon as it opens, so a crash or a killed session still reopens it.
        window.messages.window_did_load.connect(lambda: self.save_conversation(window))

    def restore(self, window: MainWindow) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self._splitter_state = splitter
        last = s.value("window/last_conversation")
        try:
            window.restore_conversation_id = int(str(last)) if last not in (None, "") else None
        except ValueError:
            window.restore_conversation_id = None

    def save(self, window: MainWindow) -> None:
        s = self.settings
        s.setValue("window/geometry", window.saveGeometry())
        s.setValue("window/splitter", window.splitter.saveState())
        self.save_conversation(window)
        s.sync()

    def save_conversation(self, window: MainWindow) -> None:
        cid = window.messages.conversation_id
        if cid is not None:
            self.settings.setValue("window/last_conversation", cid)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, MainWindow):
            return False
        if event.type() == QEvent.Type.Close:
            self.save(watched)
        elif event.type() == QEvent.Type.Show and self._splitter_state is not None:
            # Sizes only stick once the splitter has its final width, i.e. after the first show.
            state, self._splitter_state = self._splitter_state, None
            QTimer.singleShot(0, lambda: watched.splitter.restoreState(state))
        return False
