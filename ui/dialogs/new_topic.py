"""Start a topic in a channel: a title and, optionally, the document or page it is about."""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.core import wire

URL = re.compile(r"^https?://[!-~]+$")


class NewTopicDialog(QDialog):
    """``accepted`` once the fields are valid; read :meth:`values`."""

    def __init__(self, where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newTopicDialog")
        self.setWindowTitle(f"New topic in {where}")
        self.title = QLineEdit(self)
        self.title.setPlaceholderText("What is it about?")
        self.link = QLineEdit(self)
        self.link.setPlaceholderText("https://… (optional)")
        self.link_label = QLineEdit(self)
        self.link_label.setPlaceholderText("Link label (optional)")
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create topic")
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Link", self.link)
        form.addRow("", self.link_label)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def values(self) -> tuple[str, wire.TopicLink | None]:
        url = self.link.text().strip()
        link = wire.TopicLink(url=url, label=self.link_label.text().strip()) if url else None
        return self.title.text().strip(), link

    def on_buttons_accepted(self) -> None:
        title, url = self.title.text().strip(), self.link.text().strip()
        problem = (
            "A topic needs a title."
            if not title
            else "The link must start with http:// or https://."
            if url and not URL.match(url)
            else None
        )
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()
