"""My working hours, time zone, days, holidays and time away, do-not-disturb, and who may wake me.

Hours, zone, days and dates are one schedule, saved to the server with Save (colleagues see it at
once). Do-not-disturb acts immediately, like the tray's pause: it is a switch, not a form. Who may
break through while I am off acts immediately too; the server keeps it, privately, for all my
devices (ui/offhours/breakthrough.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from zoneinfo import available_timezones

from PySide6.QtCore import QDate, QDateTime, QObject, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core import wire
from app.core.clock import Clock
from app.core.errors import ApiError
from app.features.offhours import (
    BreakthroughRule,
    Interval,
    WorkSchedule,
    dnd_for,
    dnd_until_next_workday,
    own_state,
)
from app.features.offhours.directory import AvailabilityBook, schedule_of, zone_of_user
from app.features.offhours.schedule import WEEKDAY_NAMES
from ui.offhours.controller import OffHoursRemote
from ui.tasks import TaskGroup

DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RULES: tuple[tuple[BreakthroughRule, str], ...] = (
    ("anyone", "From anyone"),
    ("manager_and_list", "From my manager and people I choose"),
    ("never", "From no one"),
)
NINE, FIVE = dt.time(9), dt.time(17)


def _qtime(t: dt.time) -> QTime:
    return QTime(t.hour, t.minute)


def _time(q: QTime) -> dt.time:
    return dt.time(q.hour(), q.minute())


def _time_edit(parent: QWidget, value: dt.time) -> QTimeEdit:
    edit = QTimeEdit(_qtime(value), parent)
    edit.setDisplayFormat("HH:mm")
    edit.setButtonSymbols(QTimeEdit.ButtonSymbols.NoButtons)
    edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
    edit.setFixedWidth(64)
    return edit


class DayRow(QObject):
    """One weekday: on or off, a working interval, and an optional second one (after a break).
    A QObject child of the form, so its connections end with it (no Python-held cycle)."""

    def __init__(self, grid: QGridLayout, row: int, day: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.day = day
        self.check = QCheckBox(DAY_LABELS[day], parent)
        self.check.setObjectName(f"day_{WEEKDAY_NAMES[day]}")
        self.start = _time_edit(parent, NINE)
        self.end = _time_edit(parent, FIVE)
        self.start2 = _time_edit(parent, dt.time(13))
        self.end2 = _time_edit(parent, FIVE)
        self.dash = QLabel("–", parent)
        self.dash2 = QLabel("–", parent)
        self.split = QToolButton(parent)
        self.split.setObjectName("splitButton")
        self.split.setAutoRaise(True)
        self.split.setCheckable(True)
        self.note = QLabel(parent)
        self.note.setObjectName("dayNote")
        self.off_label = QLabel("Not working", parent)
        self.off_label.setObjectName("dayNote")
        grid.addWidget(self.off_label, row, 1, 1, 4)
        widgets = (self.check, self.start, self.dash, self.end, self.split)
        for col, w in enumerate(widgets):
            grid.addWidget(w, row, col)
        grid.addWidget(self.start2, row, 5)
        grid.addWidget(self.dash2, row, 6)
        grid.addWidget(self.end2, row, 7)
        grid.addWidget(self.note, row, 8)
        self.check.toggled.connect(self.update)
        self.split.toggled.connect(self.update)
        for edit in (self.start, self.end, self.start2, self.end2):
            edit.timeChanged.connect(self.update)

    def set(self, intervals: tuple[Interval, ...]) -> None:
        self.check.setChecked(bool(intervals))
        if intervals:
            self.start.setTime(_qtime(intervals[0].start))
            self.end.setTime(_qtime(intervals[0].end))
        self.split.setChecked(len(intervals) > 1)
        if len(intervals) > 1:
            self.start2.setTime(_qtime(intervals[1].start))
            self.end2.setTime(_qtime(intervals[1].end))
        self.update()

    def intervals(self) -> tuple[Interval, ...]:
        if not self.check.isChecked():
            return ()
        first = Interval(_time(self.start.time()), _time(self.end.time()))
        if not self.split.isChecked():
            return (first,)
        return (first, Interval(_time(self.start2.time()), _time(self.end2.time())))

    def update(self) -> None:
        on, split = self.check.isChecked(), self.split.isChecked()
        for w in (self.start, self.dash, self.end, self.split):
            w.setVisible(on)
        for w in (self.start2, self.dash2, self.end2):
            w.setVisible(on and split)
        self.split.setText("✕" if split else "+")
        self.split.setToolTip("Remove the second interval" if split else "Add a second interval")
        self.off_label.setVisible(not on)
        overnight = any(i.spans_midnight for i in self.intervals())
        self.note.setText("ends the next day" if overnight else "")


def _ranges(dates: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive dates folded into (first, last) ranges, in order."""
    out: list[tuple[dt.date, dt.date]] = []
    for d in sorted(dates):
        if out and d == out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _range_text(first: dt.date, last: dt.date) -> str:
    if first == last:
        return first.strftime("%a %d %b %Y")
    days = (last - first).days + 1
    return f"{first.strftime('%a %d %b')} – {last.strftime('%a %d %b %Y')}  ({days} days)"


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(title, parent)
    label.setObjectName("sectionTitle")
    return label


class WorkingHoursDialog(QDialog):
    """Edits my schedule (Save), my DND (at once) and who may wake me (at once, all devices)."""

    saved = Signal(object)
    """The server's answer (my :class:`wire.User`) after Save or a DND change."""

    def __init__(
        self,
        *,
        me: wire.User,
        default: wire.Schedule | None,
        clock: Clock,
        remote: OffHoursRemote,
        rule: BreakthroughRule,
        set_rule: Callable[[BreakthroughRule], None],
        colleagues: Sequence[wire.User] = (),
        allowed: frozenset[int] = frozenset(),
        set_allowed: Callable[[frozenset[int]], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workingHoursDialog")
        self.setWindowTitle("Working hours")
        self._me, self._default, self._clock = me, default, clock
        self._remote, self._set_rule = remote, set_rule
        self._set_allowed = set_allowed
        self._tasks = TaskGroup("working-hours")
        self._holidays: set[dt.date] = set()
        self._build(rule, colleagues, allowed)
        self._load(me)

    # --- construction -----------------------------------------------------------------------

    def _build(
        self, rule: BreakthroughRule, colleagues: Sequence[wire.User], allowed: frozenset[int]
    ) -> None:
        title = QLabel("Working hours", self)
        title.setObjectName("dialogTitle")
        intro = QLabel(
            "Outside these hours Courtyard stays quiet: no sounds, no pop-ups. Messages still "
            "arrive and wait for you, and colleagues see that you are off before they write.",
            self,
        )
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)

        self.zone = QComboBox(self)
        self.zone.setObjectName("zoneBox")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.addItems(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))
        completer = QCompleter(self.zone.model(), self.zone)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.zone.setCompleter(completer)
        self.zone.setMinimumWidth(240)
        zone_row = QHBoxLayout()
        zone_row.addWidget(QLabel("Time zone", self))
        zone_row.addWidget(self.zone, 1)

        days = QFrame(self)
        days.setObjectName("daysFrame")
        grid = QGridLayout(days)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(8, 1)
        grid.setColumnMinimumWidth(0, 110)
        self.days = [DayRow(grid, d, d, days) for d in range(7)]

        self.holiday_list = QListWidget(self)
        self.holiday_list.setObjectName("holidayList")
        self.holiday_list.setFixedHeight(92)
        local = self._clock.now().astimezone(zone_of_user(self._me, self._default)).date()
        today = QDate(local.year, local.month, local.day)
        self.away_from = QDateEdit(today, self)
        self.away_to = QDateEdit(today, self)
        for edit in (self.away_from, self.away_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
        self.away_from.dateChanged.connect(self.on_away_from_date_changed)
        self.add_away = QPushButton("Add", self)
        self.remove_away = QPushButton("Remove", self)
        self.remove_away.setEnabled(False)
        away_row = QHBoxLayout()
        away_row.addWidget(QLabel("From", self))
        away_row.addWidget(self.away_from)
        away_row.addWidget(QLabel("to", self))
        away_row.addWidget(self.away_to)
        away_row.addWidget(self.add_away)
        away_row.addStretch(1)
        away_row.addWidget(self.remove_away)

        self.dnd_state = QLabel(self)
        self.dnd_state.setObjectName("dndState")
        self.dnd_hour = QPushButton("For 1 hour", self)
        self.dnd_tomorrow = QPushButton("Until tomorrow's start", self)
        self.dnd_until = QDateTimeEdit(self)
        self.dnd_until.setDisplayFormat("ddd d MMM HH:mm")
        self.dnd_until.setCalendarPopup(True)
        self.dnd_until_button = QPushButton("Until this time", self)
        self.dnd_off = QPushButton("Turn off", self)
        self.dnd_off.setObjectName("dndOff")
        dnd_row = QHBoxLayout()
        for w in (self.dnd_hour, self.dnd_tomorrow, self.dnd_until, self.dnd_until_button):
            dnd_row.addWidget(w)
        dnd_row.addStretch(1)
        dnd_row.addWidget(self.dnd_off)

        self.rule = QComboBox(self)
        self.rule.setObjectName("ruleBox")
        for value, label in RULES:
            self.rule.addItem(label, value)
        self.rule.setCurrentIndex([v for v, _ in RULES].index(rule))
        rule_row = QHBoxLayout()
        rule_row.addWidget(QLabel("Urgent messages may notify me while I'm off", self))
        rule_row.addWidget(self.rule)
        rule_row.addStretch(1)
        self.allowed = QListWidget(self)
        self.allowed.setObjectName("allowedList")
        self.allowed.setFixedHeight(96)
        manager = self._me.manager_id
        for user in sorted(colleagues, key=lambda u: u.display_name.lower()):
            label = user.display_name + ("  (my manager)" if user.id == manager else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, user.id)
            if user.id == manager:  # always allowed under this rule: shown ticked, fixed
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                checked = user.id in allowed
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.allowed.addItem(item)
        self.allowed.setVisible(rule == "manager_and_list")

        self.error = QLabel(self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.use_default = self.buttons.addButton(
            "Use organisation default", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(zone_row)
        layout.addWidget(_section("Working days", self))
        layout.addWidget(days)
        layout.addWidget(_section("Holidays and time away", self))
        layout.addWidget(self.holiday_list)
        layout.addLayout(away_row)
        layout.addWidget(_section("Do not disturb", self))
        layout.addWidget(self.dnd_state)
        layout.addLayout(dnd_row)
        layout.addWidget(_section("Breaking through", self))
        layout.addLayout(rule_row)
        layout.addWidget(self.allowed)
        layout.addSpacing(6)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.use_default.clicked.connect(self.on_use_default_clicked)
        self.add_away.clicked.connect(self.on_add_away_clicked)
        self.remove_away.clicked.connect(self.on_remove_away_clicked)
        self.holiday_list.itemSelectionChanged.connect(self.on_holiday_list_selection_changed)
        self.dnd_hour.clicked.connect(self.on_dnd_hour_clicked)
        self.dnd_tomorrow.clicked.connect(self.on_dnd_tomorrow_clicked)
        self.dnd_until_button.clicked.connect(self.on_dnd_until_button_clicked)
        self.dnd_off.clicked.connect(self.on_dnd_off_clicked)
        self.rule.currentIndexChanged.connect(self.on_rule_current_index_changed)
        self.allowed.itemChanged.connect(self.on_allowed_item_changed)

    def _load(self, me: wire.User) -> None:
        schedule = schedule_of(me, self._default)
        zone = schedule.zone if schedule is not None else me.time_zone
        self.zone.setCurrentText(zone)
        for row in self.days:
            row.set(schedule.days.get(row.day, ()) if schedule is not None else ())
        if schedule is None:  # nothing known yet: offer the usual week to start from
            for row in self.days[:5]:
                row.set((Interval(NINE, FIVE),))
        self._holidays = set(schedule.holidays) if schedule is not None else set()
        self._show_holidays()
        self.use_default.setEnabled(me.schedule is not None and self._default is not None)
        self._show_dnd(me)

    def _show_holidays(self) -> None:
        self.holiday_list.clear()
        for first, last in _ranges(sorted(self._holidays)):
            item = QListWidgetItem(_range_text(first, last))
            item.setData(Qt.ItemDataRole.UserRole, (first, last))
            self.holiday_list.addItem(item)
        if not self._holidays:
            empty = QListWidgetItem("No holidays or time away planned")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            empty.setForeground(self.palette().placeholderText())
            self.holiday_list.addItem(empty)

    def _show_dnd(self, me: wire.User) -> None:
        self._me = me
        now = self._clock.now()
        book = AvailabilityBook(self._default, now)
        mine = book.of(me)
        zone = zone_of_user(me, self._default)
        on = mine.reason == "dnd"
        state = own_state(mine, zone, now, me.dnd_until)
        self.dnd_state.setText(state if on else f"Do not disturb is off · {state}")
        self.dnd_state.setProperty("on", on)
        self.dnd_off.setEnabled(on)
        # The time picker reads and writes wall-clock time in my zone.
        local = now.astimezone(zone) + dt.timedelta(hours=2)
        self.dnd_until.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, 0))
        )

    # --- reading the form -------------------------------------------------------------------

    def schedule(self) -> WorkSchedule:
        """The schedule the form shows; ValueError with a readable reason when it is invalid."""
        zone = self.zone.currentText().strip()
        days = {row.day: row.intervals() for row in self.days}
        return WorkSchedule(zone=zone, days=days, holidays=frozenset(self._holidays))

    def focus_dnd_time(self) -> None:
        """Opened for "Do not disturb until a time…": the time picker, ready to type in."""
        self.dnd_until.setFocus()
        self.dnd_until.setSelectedSection(QDateTimeEdit.Section.HourSection)

    def show_error(self, text: str) -> None:
        """Something I changed here did not fully take (e.g. not saved to the server)."""
        self._fail(text)

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _busy(self, busy: bool) -> None:
        for w in (self.save_button, self.use_default, self.dnd_hour, self.dnd_tomorrow):
            w.setEnabled(not busy)
        self.dnd_until_button.setEnabled(not busy)

    async def _call(self, work: Awaitable[wire.User], *, close: bool) -> None:
        self.error.hide()
        self._busy(True)
        try:
            user = await work
        except ApiError as exc:
            self._fail(f"The server did not accept it: {exc.detail or exc.title}")
            return
        except Exception as exc:  # ConnectionProblem and friends: say what to do
            self._fail(
                f"Could not reach the server ({type(exc).__name__}). "
                "Nothing was changed; try again when you are online."
            )
            return
        finally:
            self._busy(False)
        self.saved.emit(user)
        if close:
            self.accept()
        else:
            self._show_dnd(user)

    # --- slots ------------------------------------------------------------------------------

    def on_buttons_accepted(self) -> None:
        try:
            schedule = self.schedule()
        except ValueError as exc:
            self._fail(f"{exc}. Choose a time zone from the list.")
            return
        work = self._remote.set_schedule(wire.Schedule.of(schedule))
        self._tasks.spawn(self._call(work, close=True))

    def on_use_default_clicked(self) -> None:
        self._tasks.spawn(self._call(self._remote.set_schedule(None), close=True))

    def on_away_from_date_changed(self, date: QDate) -> None:
        if self.away_to.date() < date:
            self.away_to.setDate(date)

    def on_add_away_clicked(self) -> None:
        first, last = self.away_from.date().toPython(), self.away_to.date().toPython()
        assert isinstance(first, dt.date) and isinstance(last, dt.date)
        if last < first:
            first, last = last, first
        self._holidays |= {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}
        self._show_holidays()

    def on_remove_away_clicked(self) -> None:
        for item in self.holiday_list.selectedItems():
            first, last = item.data(Qt.ItemDataRole.UserRole)
            span = range((last - first).days + 1)
            self._holidays -= {first + dt.timedelta(days=i) for i in span}
        self._show_holidays()

    def on_holiday_list_selection_changed(self) -> None:
        self.remove_away.setEnabled(bool(self.holiday_list.selectedItems()))

    def on_dnd_hour_clicked(self) -> None:
        until = dnd_for(self._clock.now()).until
        self._tasks.spawn(self._call(self._remote.set_dnd(until), close=False))

    def on_dnd_tomorrow_clicked(self) -> None:
        try:
            schedule = self.schedule()
        except ValueError as exc:
            self._fail(f"{exc}. Choose a time zone from the list.")
            return
        until = dnd_until_next_workday(schedule, self._clock.now()).until
        self._tasks.spawn(self._call(self._remote.set_dnd(until), close=False))

    def on_dnd_until_button_clicked(self) -> None:
        until = self.dnd_until.dateTime().toPython()
        assert isinstance(until, dt.datetime)
        when = until.replace(tzinfo=zone_of_user(self._me, self._default))
        if when <= self._clock.now():
            self._fail("Choose a time in the future.")
            return
        self._tasks.spawn(self._call(self._remote.set_dnd(when), close=False))

    def on_dnd_off_clicked(self) -> None:
        self._tasks.spawn(self._call(self._remote.set_dnd(None), close=False))

    def on_rule_current_index_changed(self, index: int) -> None:
        self._set_rule(RULES[index][0])
        self.allowed.setVisible(RULES[index][0] == "manager_and_list")

    def allowed_ids(self) -> frozenset[int]:
        """The people ticked (besides my manager, who is always allowed under this rule)."""
        items = (self.allowed.item(i) for i in range(self.allowed.count()))
        return frozenset(
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item is not None
            and item.flags() & Qt.ItemFlag.ItemIsEnabled
            and item.checkState() == Qt.CheckState.Checked
        )

    def on_allowed_item_changed(self, _item: QListWidgetItem) -> None:
        if self._set_allowed is not None:
            self._set_allowed(self.allowed_ids())

    def done(self, result: int) -> None:
        self._tasks.cancel_all()
        super().done(result)
