"""The settings dialog's "Screenshots" row: what the organisation's policy does on this computer.

The person cannot change either setting (the organisation's admins set them on the server), so
both show as disabled check boxes with "Set by your organisation", like a setting IT locked by
device policy; when capture protection is asked for but this system cannot do it, the row says so
and why. It follows policy changes while the dialog is open.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from ui.preferences import LOCKED_NOTE
from ui.watermark.protection import ContentProtection, protection_for

SOURCE = "The organisation's policy on the server, set by its admins"


class ScreenshotPolicyView(QWidget):
    def __init__(self, protection: ContentProtection, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("screenshotPolicy")
        self._protection = protection
        self.watermark_box = QCheckBox("Show my name on the conversation area (watermark)", self)
        self.watermark_box.setObjectName("watermarkBox")
        self.capture_box = QCheckBox("Keep Courtyard out of screenshots and screen sharing", self)
        self.capture_box.setObjectName("captureBox")
        self.capture_note = QLabel(self)
        self.capture_note.setObjectName("captureNote")
        self.capture_note.setWordWrap(True)
        self.note = QLabel(LOCKED_NOTE, self)
        self.note.setObjectName("policyNote")
        self.note.setToolTip(SOURCE)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        for widget in (self.watermark_box, self.capture_box, self.capture_note, self.note):
            column.addWidget(widget)
        for box in (self.watermark_box, self.capture_box):
            box.setEnabled(False)
            box.setToolTip(f"{LOCKED_NOTE} ({SOURCE.lower()})")
        protection.watermark.spec_did_change.connect(self.refresh)
        protection.capture.state_did_change.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        spec = self._protection.watermark.spec
        self.watermark_box.setChecked(spec is not None)
        capture = self._protection.capture
        self.capture_box.setChecked(capture.enabled)
        state = capture.state
        unavailable = capture.enabled and not state.active and not state.pending
        self.capture_note.setText(f"Not possible on this computer: {state.reason}.")
        if unavailable != self.capture_note.isVisibleTo(self):
            self.capture_note.setVisible(unavailable)
            dialog = self.window()
            if dialog is not self and dialog.isVisible():
                dialog.adjustSize()  # make room for the note (or take it back)


def screenshot_policy_row(dialog: QWidget) -> ScreenshotPolicyView | None:
    """The row for a settings dialog whose parent is a signed-in window (None otherwise)."""
    protection = protection_for(dialog)
    return ScreenshotPolicyView(protection, dialog) if protection is not None else None
