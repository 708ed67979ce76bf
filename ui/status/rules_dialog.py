"""The status rules editor: which apps may share what, with a live preview of the result.

The preview shows exactly the text colleagues would see. It follows the window in front (switch
to another app and back; it refreshes every second) or a window the user describes in the "Try"
fields. The raw title is shown only here, to the user, and labelled so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.features.status import DEFAULT_RULES, ForegroundWindow, Rule, evaluate
from app.features.status.rules import deciding_rule
from ui.status.preferences import StatusPreferences
from ui.status.service import StatusService

COLUMNS = ("Name", "App matches", "Window title pattern", "Colleagues see", "Emoji", "Share")
NAME, APP, TITLE, TEMPLATE, EMOJI, SHARE = range(len(COLUMNS))
PREVIEW_MS = 1000


class StatusRulesDialog(QDialog):
    """Edits a copy of the preferences; Save hands them to the service."""

    def __init__(self, service: StatusService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusRulesDialog")
        self.setWindowTitle("Status rules")
        self._service = service
        self._prefs = service.prefs
        self._rules: tuple[Rule, ...] = service.prefs.rules
        self._in_front: ForegroundWindow | None = None
        self._build()
        self._fill(self._rules)
        self._timer = QTimer(self)
        self._timer.setInterval(PREVIEW_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._timer.start()
        self.on_timer_timeout()
        self.resize(860, 640)

    # --- construction -----------------------------------------------------------------------

    def _build(self) -> None:
        self.share = QCheckBox("Share the document I'm working on in other apps", self)
        self.share.setChecked(self._prefs.share_foreground)
        explain = QLabel(
            "Only what a rule below makes of the window in front is shared — never the window's "
            "title itself. Apps without a rule share nothing.",
            self,
        )
        explain.setObjectName("secondaryText")
        explain.setWordWrap(True)
        self.unsupported = QLabel(self)
        self.unsupported.setObjectName("warningText")
        self.unsupported.setWordWrap(True)
        reason = self._service.foreground_unsupported()
        self.unsupported.setText(
            f"Not available on this desktop: {reason}. Courtyard's own topics still count."
            if reason
            else ""
        )
        self.unsupported.setVisible(bool(reason))

        self.nothing = QRadioButton("Share nothing", self)
        self.busy = QRadioButton("Show “⏳ Busy”", self)
        (self.busy if self._prefs.unmatched == "busy" else self.nothing).setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.nothing)
        group.addButton(self.busy)
        unmatched = QHBoxLayout()
        unmatched.addWidget(QLabel("When no rule matches:", self))
        unmatched.addWidget(self.nothing)
        unmatched.addWidget(self.busy)
        unmatched.addStretch(1)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("statusRulesTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        for col, mode in (
            (NAME, QHeaderView.ResizeMode.ResizeToContents),
            (APP, QHeaderView.ResizeMode.Interactive),
            (TITLE, QHeaderView.ResizeMode.Stretch),
            (TEMPLATE, QHeaderView.ResizeMode.Interactive),
            (EMOJI, QHeaderView.ResizeMode.ResizeToContents),
            (SHARE, QHeaderView.ResizeMode.ResizeToContents),
        ):
            header.setSectionResizeMode(col, mode)
        self.table.setColumnWidth(APP, 150)
        self.table.setColumnWidth(TEMPLATE, 150)
        self.add_button = QPushButton("Add rule", self)
        self.remove_button = QPushButton("Remove", self)
        self.up_button = QPushButton("Move up", self)
        self.down_button = QPushButton("Move down", self)
        self.defaults_button = QPushButton("Restore defaults", self)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.defaults_button)
        self.error = QLabel(self)
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()

        rules_box = QGroupBox("Rules — the first one that matches decides", self)
        rl = QVBoxLayout(rules_box)
        hint = QLabel(
            "“App matches” and the title pattern are regular expressions; the title pattern's "
            "group <b>(?P&lt;doc&gt;…)</b> is the document name, used as <b>{doc}</b> in what "
            "colleagues see. Untick “Share” to never share an app.",
            rules_box,
        )
        hint.setObjectName("secondaryText")
        hint.setWordWrap(True)
        rl.addWidget(hint)
        rl.addWidget(self.table, 1)
        rl.addLayout(buttons)
        rl.addWidget(self.error)

        preview_box = QGroupBox("Preview", self)
        self.try_app = QLineEdit(preview_box)
        self.try_app.setPlaceholderText("App, e.g. excel")
        self.try_title = QLineEdit(preview_box)
        self.try_title.setPlaceholderText("Window title, e.g. Q3 plan.xlsx - Excel")
        tries = QHBoxLayout()
        tries.addWidget(self.try_app, 1)
        tries.addWidget(self.try_title, 3)
        self.window_label = QLabel(preview_box)
        self.window_label.setObjectName("secondaryText")
        self.window_label.setTextFormat(Qt.TextFormat.PlainText)
        self.window_label.setWordWrap(True)
        self.result_label = QLabel(preview_box)
        self.result_label.setObjectName("previewResult")
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.now_label = QLabel(preview_box)
        self.now_label.setObjectName("secondaryText")
        self.now_label.setTextFormat(Qt.TextFormat.PlainText)
        self.now_label.setWordWrap(True)
        form = QFormLayout(preview_box)
        form.addRow("Try a window", tries)
        form.addRow("Window", self.window_label)
        form.addRow("Colleagues see", self.result_label)
        form.addRow("Right now", self.now_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.share)
        layout.addWidget(explain)
        layout.addWidget(self.unsupported)
        layout.addLayout(unmatched)
        layout.addWidget(rules_box, 1)
        layout.addWidget(preview_box)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.table.itemChanged.connect(self.on_table_item_changed)
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.defaults_button.clicked.connect(lambda: self._fill(DEFAULT_RULES))
        for edit in (self.try_app, self.try_title):
            edit.textChanged.connect(self.refresh_preview)
        self.share.toggled.connect(self.refresh_preview)
        self.busy.toggled.connect(self.refresh_preview)

    def _fill(self, rules: tuple[Rule, ...]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for rule in rules:
            self._append(rule)
        self.table.blockSignals(False)
        self.on_table_item_changed()

    def _append(self, rule: Rule) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in (
            (NAME, rule.name),
            (APP, rule.app),
            (TITLE, rule.title),
            (TEMPLATE, rule.template),
            (EMOJI, rule.emoji),
        ):
            self.table.setItem(row, col, QTableWidgetItem(text))
        share = QTableWidgetItem("")
        share.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        share.setCheckState(Qt.CheckState.Checked if rule.share else Qt.CheckState.Unchecked)
        self.table.setItem(row, SHARE, share)

    # --- editing ----------------------------------------------------------------------------

    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text().strip() if item is not None else ""

    def rules_from_table(self) -> tuple[Rule, ...]:
        """The table as rules; raises ValueError naming the row that is wrong."""
        rules = []
        for row in range(self.table.rowCount()):
            share_item = self.table.item(row, SHARE)
            try:
                rules.append(
                    Rule(
                        name=self._cell(row, NAME) or f"Rule {row + 1}",
                        app=self._cell(row, APP) or "(?!)",
                        title=self._cell(row, TITLE) or r"^(?P<doc>.+)$",
                        template=self._cell(row, TEMPLATE) or "Editing: {doc}",
                        emoji=self._cell(row, EMOJI),
                        share=share_item is None
                        or share_item.checkState() == Qt.CheckState.Checked,
                    )
                )
            except ValueError as exc:
                raise ValueError(f"Row {row + 1}: {exc}") from exc
        return tuple(rules)

    def on_table_item_changed(self, *_args: object) -> None:
        try:
            self._rules = self.rules_from_table()
        except ValueError as exc:
            self.error.setText(f"{exc}. Fix it to save; the preview uses the last valid rules.")
            self.error.show()
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        else:
            self.error.hide()
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        self.refresh_preview()

    def on_add_button_clicked(self) -> None:
        self._append(Rule(name="New rule", app="app name", template="Editing: {doc}"))
        self.table.setCurrentCell(self.table.rowCount() - 1, APP)
        self.table.editItem(self.table.item(self.table.rowCount() - 1, APP))
        self.on_table_item_changed()

    def on_remove_button_clicked(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.on_table_item_changed()

    def _move(self, step: int) -> None:
        row = self.table.currentRow()
        rules = list(self._rules)
        target = row + step
        if row < 0 or not 0 <= target < len(rules) or self.error.isVisible():
            return
        rules[row], rules[target] = rules[target], rules[row]
        self._fill(tuple(rules))
        self.table.setCurrentCell(target, NAME)

    # --- the result -------------------------------------------------------------------------

    def preferences(self) -> StatusPreferences:
        return self._prefs.with_(
            share_foreground=self.share.isChecked(),
            unmatched="busy" if self.busy.isChecked() else "nothing",
            rules=self._rules,
        )

    def _is_ours(self, window: ForegroundWindow) -> bool:
        titles = {w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()}
        return window.title in titles

    def on_timer_timeout(self) -> None:
        window = self._service.foreground_window()
        if window is not None and not self._is_ours(window):
            self._in_front = window  # the last other app's window, not this dialog
        self.refresh_preview()

    def window_shown(self) -> ForegroundWindow | None:
        app, title = self.try_app.text().strip(), self.try_title.text().strip()
        if app or title:
            return ForegroundWindow(app_id=app, title=title, app_name=app)
        return self._in_front

    def refresh_preview(self, *_args: object) -> None:
        prefs = self.preferences()
        window = self.window_shown()
        if window is None:
            self.window_label.setText(
                "Switch to another app to see it here, or try a window above."
            )
            self.result_label.setText("—")
        else:
            app = window.app_name or window.app_id or "unknown app"
            self.window_label.setText(f"{app} · “{window.title}”   (only you see this)")
            out = evaluate(prefs.rules, window, prefs.unmatched)
            rule = deciding_rule(prefs.rules, window)
            by = f"   (rule “{rule.name}”)" if rule is not None else "   (no rule matches)"
            shown = (
                f"{out.emoji} {out.text}".strip() if out else "Nothing — only that you are online"
            )
            self.result_label.setText(shown + by)
        now = self._service.preview_now(prefs, window if prefs.share_foreground else None)
        text = f"{now.emoji} {now.text}".strip() if now else "nothing shared"
        manual = self._service.engine.manual
        if self._service.paused:
            text += " — but sharing is paused, so colleagues see only that you are online"
        elif manual is not None:
            text += f" — but your own status “{manual.text}” is shown until it ends"
        self.now_label.setText(f"With what you have open in Courtyard: {text}")
