"""Wire off-hours into a main window: the controller, the banner, my state, settings, digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QMessageBox

from app.core.clock import Clock
from app.core.errors import ApiError
from app.features.offhours import (
    Availability,
    OffSummary,
    default_schedule,
    dnd_for,
    dnd_until_next_workday,
    own_state,
)
from app.features.offhours.directory import schedule_of, zone_of_user
from ui.notifications import Notifier
from ui.offhours.controller import OffHours, OffHoursRemote
from ui.offhours.digest import DigestDialog
from ui.offhours.my_state import MyStateButton
from ui.offhours.settings_dialog import WorkingHoursDialog
from ui.tasks import TaskGroup
from ui.tray import TrayIcon

if TYPE_CHECKING:  # ui.mainwindow imports this package's widgets
    from ui.mainwindow import MainWindow


class OffHoursScreens(QObject):
    """What the user sees of off-hours beyond the banner: my state, settings and the digest."""

    def __init__(self, window: MainWindow, controller: OffHours, button: MyStateButton) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.button = button
        self.tray: TrayIcon | None = None
        self.notifier: Notifier | None = None
        """The desktop's notifier (set with the tray): the summary goes out as its note."""
        self.digest: DigestDialog | None = None
        self.digests_shown = 0
        self.settings_dialog: WorkingHoursDialog | None = None
        self._tasks = TaskGroup("offhours-screens")
        controller.my_availability_did_change.connect(self.on_my_availability_did_change)
        controller.summary_ready.connect(self.on_summary_ready)
        button.dnd_requested.connect(self.on_button_dnd_requested)
        button.settings_requested.connect(self.open_settings)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def on_my_availability_did_change(self, mine: Availability) -> None:
        me = self.controller.me()
        if me is None:
            return
        zone = zone_of_user(me, self.controller.default_schedule)
        now = self.controller.clock.now()
        self.button.show_state(mine, own_state(mine, zone, now, me.dnd_until))

    def on_summary_ready(self, summary: OffSummary) -> None:
        """Work started: the one calm summary, as a tray note and the digest window."""
        self.digests_shown += 1
        if self.digest is not None:
            self.digest.close()
        self.digest = DigestDialog(summary, self.window)
        self.digest.open_requested.connect(self.window.jump_to_message)
        self.digest.show()
        if self.notifier is not None:
            self.notifier.show_note("Courtyard", summary.text(), self.show_digest)
        elif self.tray is not None and self.tray.can_show_messages():
            self.tray.icon.showMessage("Courtyard", summary.text())

    def show_digest(self) -> None:
        """A click on the summary notification: the digest again, in front."""
        if self.digest is None:
            return
        self.digest.show()
        self.digest.activateWindow()

    def on_button_dnd_requested(self, choice: str) -> None:
        if choice == "until":  # a time is chosen where the other choices are, in the dialog
            dialog = self.open_settings()
            if dialog is not None:
                dialog.focus_dnd_time()
            return
        remote = self.controller.remote
        me = self.controller.me()
        if remote is None or me is None:
            return
        now = self.controller.clock.now()
        until: dt.datetime | None = None
        if choice == "hour":
            until = dnd_for(now).until
        elif choice == "tomorrow":
            zone = zone_of_user(me, self.controller.default_schedule)
            mine = schedule_of(me, self.controller.default_schedule) or default_schedule(zone.key)
            until = dnd_until_next_workday(mine, now).until
        self._tasks.spawn(self._set_dnd(remote, until))

    async def _set_dnd(self, remote: OffHoursRemote, until: dt.datetime | None) -> None:
        try:
            await remote.set_dnd(until)
        except ApiError as exc:
            self._explain(f"The server did not accept it: {exc.detail or exc.title}")
        except Exception as exc:  # ConnectionProblem and friends
            self._explain(
                f"Could not reach the server ({type(exc).__name__}); do not disturb was not "
                "changed. Try again when you are online."
            )

    def _explain(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Do not disturb", text, parent=self.window)
        box.setObjectName("dndErrorBox")
        box.open()

    def open_settings(self) -> WorkingHoursDialog | None:
        c = self.controller
        me = c.me()
        if c.remote is None or me is None:
            return None
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            return self.settings_dialog
        self.settings_dialog = WorkingHoursDialog(
            me=me,
            default=c.default_schedule,
            clock=c.clock,
            remote=c.remote,
            rule=c.breakthrough_rule(),
            set_rule=c.set_breakthrough_rule,
            colleagues=[u for u in self.window.people.everyone() if u.id != me.id and u.active],
            allowed=c.allowed_ids(),
            set_allowed=c.set_allowed_ids,
            parent=self.window,
        )
        c.breakthrough.save_failed.connect(self.settings_dialog.show_error)
        self.settings_dialog.show()
        return self.settings_dialog

    def stop(self) -> None:
        self.controller.stop()
        self._tasks.cancel_all()


def attach_offhours(
    window: MainWindow,
    *,
    clock: Clock,
    remote: OffHoursRemote | None,
    settings: QSettings | None = None,
    caught_up: Callable[[], bool] | None = None,
) -> OffHoursScreens:
    """Create and start the off-hours controller of ``window`` (its banner and state button)."""
    controller = OffHours(
        store=window.store,
        outbox=window.outbox,
        people=window.people,
        conversations=window.conversations,
        composer=window.composer,
        banner=window.offhours_banner,
        bridge=window.bridge,
        clock=clock,
        remote=remote,
        settings=settings,
        caught_up=caught_up,
        parent=window,
    )
    screens = OffHoursScreens(window, controller, window.my_state_button)
    controller.start()
    return screens
