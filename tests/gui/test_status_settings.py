"""Status settings in the real window: Away time, the calendar, and members with their statuses.

Real main windows against a real demo server process; the calendar is a real .ics file or a real
HTTP server on 127.0.0.1. Only the idle time is injected (no test can stop a machine's mouse).
"""

from __future__ import annotations

import datetime as dt
import html
import socket
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QSettings
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QToolTip
from pytestqt.qtbot import QtBot

from app.client.session import Session
from app.core import wire
from app.features.status import InMemoryIdle, StatusSettings
from tests.gui.conftest import until
from tests.helpers.calendar_server import serving_calendars
from ui.dialogs.members import MembersDialog
from ui.dialogs.switcher import candidates
from ui.main import open_main_window
from ui.mainwindow import MainWindow
from ui.models.messages import Roles as MsgRoles
from ui.status.menu import StatusChip
from ui.status.preferences import StatusPreferencesStore
from ui.status.service import StatusSources
from ui.status.settings_dialog import StatusSettingsDialog

SignIn = Callable[[str], Coroutine[Any, Any, Session]]
FAST = StatusSettings(dwell=1.0, min_interval=1.0)


async def _window(
    qtbot: QtBot,
    sign_in: SignIn,
    username: str,
    *,
    idle: InMemoryIdle | None = None,
    preferences: StatusPreferencesStore | None = None,
) -> MainWindow:
    window = open_main_window(
        await sign_in(username),
        status_sources=StatusSources(idle=idle or InMemoryIdle(0.0)),
        status_preferences=preferences,
        status_timing=FAST,
    )
    qtbot.addWidget(window)
    window.show()
    await until(lambda: window.people.me_id is not None, what=f"{username}'s snapshot")
    await until(lambda: window.status is not None and window.status._started, what="status")
    return window


async def _stop(*windows: MainWindow) -> None:
    for window in windows:
        if window.status is not None:
            await window.status.aclose(flush_timeout=5)


def _settings_dialog(window: MainWindow) -> StatusSettingsDialog:
    """Open it as the user does: the status chip's menu, "Away time and calendar…"."""
    chip = window.findChild(StatusChip)
    assert chip is not None
    menu = chip.menu()
    menu.settings_action.trigger()
    dialogs = [d for d in window.findChildren(StatusSettingsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def _save(dialog: StatusSettingsDialog) -> None:
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    save.click()


def _seen(window: MainWindow, user_id: int) -> str | None:
    user = window.people.get(user_id)
    return user.status.text if user is not None and user.status is not None else None


def _sender_row(window: MainWindow, user_id: int) -> int:
    """The row of a message by ``user_id`` that shows its sender's header, or -1."""
    m = window.messages
    return next(
        (
            r
            for r in range(m.rowCount())
            if m.index(r, 0).data(MsgRoles.SenderId) == user_id
            and m.index(r, 0).data(MsgRoles.ShowHeader)
        ),
        -1,
    )


def _ics(end: dt.datetime, title: str) -> str:
    start = end - dt.timedelta(hours=1)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _meeting_end() -> dt.datetime:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=40)).replace(second=0, microsecond=0)


# --- Away time --------------------------------------------------------------------------------


def test_away_minutes_set_in_the_settings_apply_at_once_and_are_kept(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, tmp_path: Path
) -> None:
    ini = QSettings(str(tmp_path / "status.ini"), QSettings.Format.IniFormat)
    idle = InMemoryIdle(90.0)  # a minute and a half without input

    async def scenario() -> None:
        li = await _window(qtbot, sign_in, "li.wei")
        dana = await _window(
            qtbot, sign_in, "demo", idle=idle, preferences=StatusPreferencesStore(ini)
        )
        dana_id = dana.people.me_id
        assert dana_id is not None and dana.status is not None
        dialog = _settings_dialog(dana)
        assert (dialog.idle.value(), dialog.idle.minimum(), dialog.idle.maximum()) == (10, 1, 240)
        for _ in range(3):  # 10 minutes is far off: nothing changes
            await until(lambda: True)
            dana.status.tick()
        assert dana.status.published is None

        dialog.idle.setValue(1)
        _save(dialog)
        assert dana.status.engine.settings.idle_minutes == 1
        assert StatusPreferencesStore(ini).load().idle_minutes == 1  # kept for the next start
        await until(lambda: _seen(li, dana_id) == "Away", what="Li to see Dana away")
        assert dana.status.describe_source().startswith("auto")

        idle.seconds = 0.0  # input resumes: Away goes
        await until(lambda: _seen(li, dana_id) is None, what="Dana back")
        await _stop(li, dana)

    arun(scenario())


# --- the calendar -----------------------------------------------------------------------------


def test_a_calendar_file_chosen_in_the_settings_shows_the_meeting_but_not_its_title(
    qtbot: QtBot,
    arun: Callable[..., Any],
    sign_in: SignIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "work.ics"
    end = _meeting_end()
    path.write_text(_ics(end, "Reorg: who goes"), encoding="utf-8")
    # The OS file picker answers with the file, as if the user had chosen it.
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "Calendars (*.ics)")
    )

    async def scenario() -> None:
        li = await _window(qtbot, sign_in, "li.wei")
        dana = await _window(qtbot, sign_in, "demo")
        dana_id = dana.people.me_id
        assert dana_id is not None and dana.status is not None
        expected = f"In a meeting until {end.astimezone(dana.status.zone):%H:%M}"
        dialog = _settings_dialog(dana)
        assert dialog.state.text() == "No calendar: meetings do not change your status."
        dialog.choose.click()
        assert dialog.address.text() == str(path)
        assert dialog.state.text() == "Save to read this calendar."
        _save(dialog)

        chip = dana.findChild(StatusChip)
        assert chip is not None
        await until(lambda: chip.text.toolTip() == f"📅 {expected}", what="Dana's own status")
        await until(lambda: _seen(li, dana_id) == expected, what="Li to see the meeting")
        seen = li.people.get(dana_id)
        assert seen is not None and seen.status is not None and seen.status.source == "meeting"
        again = _settings_dialog(dana)  # the settings say what was read
        assert again.state.text().startswith(f"Read 1 meeting from {path} at ")
        again.close()
        await _stop(li, dana)

    arun(scenario())


@pytest.fixture
def calendar_address() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving one calendar at /team.ics."""
    body = _ics(_meeting_end(), "Salary review").encode()
    with serving_calendars({"/team.ics": body}) as server:
        yield f"{server.base}/team.ics"


def test_a_calendar_address_is_fetched_without_blocking_and_shows_the_meeting(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn, calendar_address: str
) -> None:
    async def scenario() -> None:
        dana = await _window(qtbot, sign_in, "demo")
        assert dana.status is not None
        dialog = _settings_dialog(dana)
        dialog.address.setText(calendar_address + "?token=secret")
        _save(dialog)
        await until(
            lambda: (
                dana.status is not None
                and dana.status.published is not None
                and dana.status.published.text.startswith("In a meeting until ")
            ),
            what="the meeting from the address",
        )
        assert "Salary" not in dana.status.published.text
        assert dana.status.calendar.problem() is None
        await _stop(dana)

    arun(scenario())


def test_an_address_briefly_unreachable_keeps_the_meeting_and_says_the_copy_is_older(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    body = _ics(_meeting_end(), "Salary review").encode()

    async def scenario() -> None:
        with serving_calendars({"/team.ics": body}) as server:
            address = f"{server.base}/team.ics"
            dana = await _window(qtbot, sign_in, "demo")
            service = dana.status
            assert service is not None
            dialog = _settings_dialog(dana)
            dialog.address.setText(address + "?token=secret")
            _save(dialog)
            await until(
                lambda: service.published is not None and service.published.source == "meeting",
                what="the meeting from the address",
            )
            feed = service.calendar.feed
            assert feed is not None and feed.checked_at is not None
            read_at = feed.checked_at.astimezone(service.zone)
            dialog = _settings_dialog(dana)  # open while the address fails: it follows

            server.failing = 503  # the next fetch (as the 5-minute timer would do it) fails
            await feed.refresh()
            notice = (
                f"Couldn't read the calendar at {address} (the server answered 503), so an older "
                f"copy read at {read_at:%H:%M} is used until "
                f"{read_at + dt.timedelta(minutes=30):%H:%M}; after that your status will not "
                "show meetings until the address can be read again."
            )
            assert service.calendar.notice() == notice and service.calendar.problem() is None
            assert dialog.state.text() == notice
            assert dialog.state.objectName() == "warningText"
            service.tick()
            assert service.published is not None and service.published.source == "meeting"
            chip = dana.findChild(StatusChip)
            assert chip is not None
            header = chip.menu().header.text()
            assert f"⚠ {html.escape(notice)}" in header and "secret" not in header
            dialog.close()

            server.failing = None  # the address answers again: the notice goes
            await feed.refresh()
            assert service.calendar.notice() is None
            assert _settings_dialog(dana).state.text().startswith(f"Read 1 meeting from {address}")
            await _stop(dana)

    arun(scenario())


def test_a_calendar_that_cannot_be_read_says_so_and_the_setting_is_kept(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    with socket.socket() as s:  # a port on which nobody listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"http://127.0.0.1:{port}/cal.ics"

    async def scenario() -> None:
        dana = await _window(qtbot, sign_in, "demo")
        service = dana.status
        assert service is not None
        dialog = _settings_dialog(dana)
        dialog.address.setText("http://calendar.example.com/team.ics")  # not https: refused
        assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        assert dialog.state.objectName() == "errorText"
        assert "https://" in dialog.state.text()

        dialog.address.setText(address)
        _save(dialog)
        problem = (
            f"Couldn't read the calendar at {address} (the server cannot be reached) — check the "
            "address; your status will not show meetings until it can be read."
        )
        await until(lambda: service.calendar.problem() == problem, what="the calendar problem")
        assert service.prefs.calendar == address  # the setting is kept
        chip = dana.findChild(StatusChip)
        assert chip is not None
        assert f"⚠ {html.escape(problem)}" in chip.menu().header.text()  # the menu says it too
        again = _settings_dialog(dana)
        assert again.address.text() == address
        assert again.state.text() == problem and again.state.objectName() == "errorText"
        again.close()
        await _stop(dana)

    arun(scenario())


# --- members with their statuses ---------------------------------------------------------------


# The tooltip raises itself; the offscreen platform says it cannot (xcb can). One qt_log_ignore
# marker wins, so it repeats conftest's offscreen pattern.
@pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    r"This plugin does not support propagateSizeHints",
)
def test_the_members_of_a_group_show_their_status_and_whether_they_are_off(
    qtbot: QtBot, arun: Callable[..., Any], sign_in: SignIn
) -> None:
    async def scenario() -> None:
        dana = await _window(qtbot, sign_in, "demo")
        jonas = await sign_in("jonas")
        await until(lambda: dana.select_conversation_named("Launch crew"), what="the group")
        await until(dana.header.members_button.isVisible, what="the members button")
        group = dana.open_place[0]
        assert group is not None
        n = len(group.member_ids)
        assert dana.header.members_button.text() == f"👥 {n}"
        dana.header.members_button.click()
        dialog = dana.members_dialog
        assert isinstance(dialog, MembersDialog) and dialog.isVisible()
        assert dialog.heading.text() == f"{n} members of Launch crew"
        assert dialog.list.count() == n

        def row(name: str) -> str:
            texts = [dialog.list.item(i).text() for i in range(dialog.list.count())]
            return next((t for t in texts if t.startswith(name)), "")

        assert row("Dana Demo (you)")
        assert "🎨 Focusing on launch visuals" in row("Sofia")

        await jonas.api.set_status(
            wire.StatusSet(text="Reviewing the launch plan", emoji="👀", source="manual")
        )
        await jonas.api.set_dnd(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        await until(
            lambda: (
                "👀 Reviewing the launch plan" in row("Jonas")
                and "☾ Do not disturb until" in row("Jonas")
            ),
            what="Jonas's status and DND in the list",
        )
        assert row("Jonas").endswith("(their time)")

        # His message's header shows the status emoji, and its tooltip the whole status.
        jonas_id = next(u for u in dana.people.everyone() if u.username == "jonas").id
        await until(lambda: _sender_row(dana, jonas_id) >= 0, what="Jonas's message")
        view = dana.message_view
        rect = view.visualRect(dana.messages.index(_sender_row(dana, jonas_id), 0))
        QToolTip.hideText()
        pos = QPoint(rect.left() + 100, rect.top() + 12)  # on the sender's name
        QApplication.sendEvent(
            view.viewport(),
            QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)),
        )
        assert QToolTip.text() == "Jonas Berg · 👀 Reviewing the launch plan"
        QToolTip.hideText()
        # The quick switcher shows it next to his name too.
        dm = next(c for c in candidates(dana.conversations, dana.people) if c.title == "Jonas Berg")
        assert dm.subtitle.endswith("· 👀 Reviewing the launch plan")

        # A DM has no members button: its header already names the one person and their status.
        dana.select_conversation_named("Jonas Berg")
        await until(lambda: not dana.header.members_button.isVisible(), what="a DM header")
        dialog.close()
        await _stop(dana)

    arun(scenario())
