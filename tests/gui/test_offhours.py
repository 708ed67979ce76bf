"""Off-hours in the real window, with two people's apps against a real server on a fake clock.

One :class:`SharedFakeClock` drives both clients and the server process (which reads the time from
the clock's file: tests/helpers/clocked_server.py), so "Li is off" is true for the sender's banner,
for Li's own notification gate and for the server's urgent allowance at the same instant.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QDateTime, QSettings, Qt, QTime
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.client.keys import KeyCustody
from app.client.rows import StoredMessage
from app.client.session import Session
from app.core.clock import SharedFakeClock
from tests.gui.conftest import until
from tests.helpers.clocked_server import CLOCK_FILE
from tests.helpers.server import ServerProcess, cli, seed
from ui.main import Desktop, open_desktop
from ui.models.messages import Roles

# Monday 5 January 2026, 20:00 in Berlin: Li Wei (Berlin, Mon–Fri 09:00–17:00) is off until
# 09:00 tomorrow, their time, which is 08:00 UTC.
EVENING = dt.datetime(2026, 1, 5, 19, 0, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 1, 6, 8, 0, tzinfo=dt.UTC)
LI_HOURS = {
    "zone": "Europe/Berlin",
    "days": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
}
NAMES = {"dana": "Dana Demo", "li": "Li Wei", "kenji": "Kenji Sato"}
DM_HINT = "Li Wei is off work until 09:00 tomorrow (their time) — they will be notified then"
GROUP_HINT = "1 of 3 members is off work: Li Wei — they will be notified when they are back"


@dataclass
class Org:
    server: ServerProcess
    clock: SharedFakeClock
    ids: dict[str, int]
    dm: int
    group: int


def _post(server: ServerProcess, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with server.login(who) as c:
        r = c.request("PUT" if path.startswith("/api/v1/me/") else "POST", path, json=body)
        assert r.is_success, r.text
        answer: dict[str, Any] = r.json()
        return answer


def _start(tmp_path: Path, *policy: str) -> Iterator[Org]:
    clock = SharedFakeClock(tmp_path / "now.txt", EVENING)
    data = tmp_path / "server"
    data.mkdir()
    ids = seed(data, NAMES, display_names=NAMES)
    if policy:
        assert cli(data, "policy", "set", *policy).returncode == 0
    server = ServerProcess(
        data,
        module="tests.helpers.clocked_server",
        env={CLOCK_FILE: str(clock.path)},
        log_path=tmp_path / "server.log",
    ).start()
    try:
        _post(server, "li", "/api/v1/me/schedule", LI_HOURS)
        dm = _post(server, "dana", "/api/v1/conversations", {"kind": "dm", "members": [ids["li"]]})
        group = _post(
            server,
            "kenji",
            "/api/v1/conversations",
            {"kind": "group", "name": "Budget", "members": [ids["dana"], ids["li"]]},
        )
        yield Org(server, clock, ids, int(dm["id"]), int(group["id"]))
    finally:
        server.stop()


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    yield from _start(tmp_path)


@pytest.fixture
def strict_org(tmp_path: Path) -> Iterator[Org]:
    """The same, with an allowance of one urgent notification an hour to people who are off."""
    yield from _start(tmp_path, "urgent_offhours_per_hour=1")


def _settings_path(tmp_path: Path, username: str, machine: str = "") -> Path:
    return tmp_path / f"{username}{machine}.ini"


_SESSIONS: dict[int, Session] = {}
"""The session behind each desktop the fixture made (by ``id(desktop)``), to restart it."""


def _session(desktop: Desktop) -> Session:
    return _SESSIONS[id(desktop)]


@pytest.fixture
def desktops(
    qtbot: QtBot, arun: Callable[..., Any], keys: KeyCustody, tmp_path: Path
) -> Iterator[Callable[[Org, str], Any]]:
    """``await desktop(org, "dana")``: that person's real app (window, tray, notifier) on the
    org's fake clock; sessions close afterwards."""
    sessions: list[Session] = []

    async def make(
        org: Org, username: str, *, again: Session | None = None, machine: str = ""
    ) -> Desktop:
        """A first sign-in, or (``again``: that session, closed) the app started once more;
        ``machine`` names another computer of the same person (own data and settings)."""
        data_dir = tmp_path / "clients" / f"{username}{machine}"
        if again is None:
            session = await Session.sign_in(
                org.server.url,
                username,
                "pw",
                "pytest",
                keys=keys,
                data_dir=data_dir,
                clock=org.clock,
            )
        else:
            session = await Session.open(
                again.account, keys=keys, data_dir=data_dir, clock=org.clock
            )
        sessions.append(session)
        desktop = open_desktop(
            session, settings_path=_settings_path(tmp_path, username, machine), clock=org.clock
        )
        _SESSIONS[id(desktop)] = session
        qtbot.addWidget(desktop.window)
        desktop.window.show()
        await until(lambda: desktop.window.connection_label.state.status == "online", what="online")
        await until(lambda: desktop.window.people.me_id is not None, what="the directory")
        return desktop

    yield make
    _SESSIONS.clear()

    async def close_all() -> None:
        for s in sessions:
            await s.aclose()  # again for those a test closed already: a no-op

    arun(close_all())


async def _open(desktop: Desktop, conversation_id: int) -> None:
    window = desktop.window
    await until(lambda: window.select_conversation(conversation_id), what="the conversation")
    await until(lambda: window.messages.conversation_id == conversation_id, what="its messages")


def _messages(desktop: Desktop) -> list[tuple[str, bool, str]]:
    m = desktop.window.messages
    return [
        (
            m.index(r, 0).data(),
            bool(m.index(r, 0).data(Roles.Urgent)),
            m.index(r, 0).data(Roles.State),
        )
        for r in range(m.rowCount())
    ]


def _server_availability(org: Org, username: str) -> dict[str, Any]:
    with org.server.login("kenji") as c:
        availability: dict[str, Any] = c.get(f"/api/v1/users/{org.ids[username]}").json()[
            "availability"
        ]
        return availability


def test_off_recipient_banner_quiet_normal_urgent_breaks_through_and_one_summary(
    qtbot: QtBot, arun: Callable[..., Any], org: Org, desktops: Callable[[Org, str], Any]
) -> None:
    async def scenario() -> None:
        dana: Desktop = await desktops(org, "dana")
        li: Desktop = await desktops(org, "li")
        # The server runs on the same fake time: tomorrow 09:00 Berlin, not the real next Monday.
        off = _server_availability(org, "li")
        assert (off["off"], off["reason"]) == (True, "off_hours")
        assert dt.datetime.fromisoformat(off["until"]) == MORNING

        # Before sending, the sender's composer says it, in Li's time.
        await _open(dana, org.group)
        banner = dana.window.offhours_banner
        await until(lambda: banner.text == GROUP_HINT, what="the group banner")
        await _open(dana, org.dm)
        await until(lambda: banner.text == DM_HINT, what="the DM banner")
        assert banner.urgent_button.isVisible()
        assert li.window.my_state_button.text() == "☾ Off work until 09:00 tomorrow"

        # Li looks at another conversation, so the DM is not "on screen" for them.
        await _open(li, org.group)
        unread_before = li.window.conversations.total_unread()

        # A normal message: delivered and counted, but no notification while Li is off.
        dana.window.composer.edit.setPlainText("The budget draft is in the folder")
        qtbot.keyClick(dana.window.composer.edit, Qt.Key.Key_Return)
        await until(
            lambda: li.window.conversations.total_unread() == unread_before + 1,
            what="the unread count",
        )

        # "Send as urgent" from the banner: this one breaks through.
        dana.window.composer.edit.setPlainText("Server is down, can you call me?")
        qtbot.mouseClick(banner.urgent_button, Qt.MouseButton.LeftButton)
        await until(lambda: len(li.notifier.shown) >= 1, what="the urgent notification")
        await until(
            lambda: li.window.conversations.total_unread() == unread_before + 2,
            what="both messages stored",
        )
        assert [(n.reason, n.body) for n in li.notifier.shown] == [
            ("urgent", "Server is down, can you call me?")
        ], "the normal message made no notification; the urgent one did"
        # (Li's copy may arrive before the server's answer reaches Dana's outbox.)
        await until(
            lambda: (
                _messages(dana)[-2:]
                == [
                    ("The budget draft is in the folder", False, "sent"),
                    ("Server is down, can you call me?", True, "sent"),
                ]
            ),
            what="both sent, the second flagged urgent",
        )

        # Work starts at 09:00 Berlin: one summary, however often the clock is looked at.
        screens = li.window.offhours
        screens.controller.tick()
        assert screens.digests_shown == 0, "still off: no summary yet"
        org.clock.set(MORNING + dt.timedelta(minutes=1))
        for _ in range(3):
            screens.controller.tick()
        await until(
            lambda: screens.digest is not None and screens.digest.isVisible(), what="digest"
        )
        screens.controller.timer.setInterval(20)  # and the app's own timer, a few times more
        await asyncio.sleep(0.5)
        assert screens.digests_shown == 1
        assert li.window.my_state_button.text() == "● Working until 17:00 today"
        digest = screens.digest
        assert digest is not None
        assert digest.summary.text() == "While you were off: 2 messages in 1 chat, 1 urgent"
        assert digest.lines() == ["Dana Demo — 2 messages · 1 urgent"]
        assert _server_availability(org, "li")["off"] is False

        # The digest opens the conversation at what arrived.
        digest.tree.itemClicked.emit(digest.tree.topLevelItem(0), 0)
        await until(lambda: li.window.messages.conversation_id == org.dm, what="the DM opened")

        # Closed, it comes back from the summary notification (the latest one shown).
        digest.close()
        li.tray.icon.messageClicked.emit()  # the OS reports a click on the notification
        await until(lambda: digest.isVisible(), what="the digest from the summary notification")
        assert screens.digests_shown == 1

        # Li is at work now: the sender's banner goes on its next look at the clock.
        dana.window.offhours.controller.tick()
        assert banner.text == "" and banner.isHidden()

    arun(scenario(), timeout=120)


def test_urgent_allowance_refusal_is_explained_and_the_text_is_kept(
    qtbot: QtBot, arun: Callable[..., Any], strict_org: Org, desktops: Callable[[Org, str], Any]
) -> None:
    org = strict_org

    async def scenario() -> None:
        dana: Desktop = await desktops(org, "dana")
        await _open(dana, org.dm)
        banner = dana.window.offhours_banner
        await until(lambda: banner.text == DM_HINT, what="the DM banner")
        composer = dana.window.composer
        for text in ("First urgent", "Second urgent"):
            composer.edit.setPlainText(text)
            qtbot.mouseClick(banner.urgent_button, Qt.MouseButton.LeftButton)
        # The server allows one an hour: the second is refused with its problem+json detail.
        await until(lambda: banner.mood == "refused", what="the refusal")
        assert "you may send 1 urgent notification an hour to people who are off" in banner.text
        assert banner.plain_button.isVisible() and not banner.urgent_button.isVisible()
        await until(
            lambda: ("Second urgent", True, "failed") in _messages(dana), what="kept, marked failed"
        )
        assert ("First urgent", True, "sent") in _messages(dana)

        # One click sends the same words without urgency; the failed copy goes.
        qtbot.mouseClick(banner.plain_button, Qt.MouseButton.LeftButton)
        await until(
            lambda: ("Second urgent", False, "sent") in _messages(dana), what="sent plainly"
        )
        await until(
            lambda: all(
                text != "Second urgent" or state == "sent" for text, _u, state in _messages(dana)
            ),
            what="the failed copy removed",
        )
        assert banner.text == DM_HINT, "back to the calm note"

    arun(scenario(), timeout=120)


def test_working_hours_screen_saves_to_the_server_and_dnd_acts_at_once(
    qtbot: QtBot, arun: Callable[..., Any], org: Org, desktops: Callable[[Org, str], Any]
) -> None:
    async def scenario() -> None:
        li: Desktop = await desktops(org, "li")
        screens = li.window.offhours
        state = li.window.my_state_button
        await until(lambda: state.text() == "☾ Off work until 09:00 tomorrow", what="my state")
        dialog = screens.open_settings()
        assert dialog is not None and dialog.isVisible()
        assert dialog.zone.currentText() == "Europe/Berlin"
        monday, friday, saturday = dialog.days[0], dialog.days[4], dialog.days[5]
        assert monday.check.isChecked() and not saturday.check.isChecked()
        assert [i.to_str() for i in monday.intervals()] == ["09:00-17:00"]

        # Saturday mornings, a lunch break on Fridays, three days away.
        saturday.check.setChecked(True)
        saturday.start.setTime(QTime(10, 0))
        saturday.end.setTime(QTime(14, 0))
        friday.end.setTime(QTime(12, 0))
        qtbot.mouseClick(friday.split, Qt.MouseButton.LeftButton)
        assert friday.start2.isVisible()
        friday.start2.setTime(QTime(13, 0))
        dialog.away_from.setDate(QDate(2026, 1, 12))
        dialog.away_to.setDate(QDate(2026, 1, 14))
        qtbot.mouseClick(dialog.add_away, Qt.MouseButton.LeftButton)
        assert dialog.holiday_list.item(0).text() == "Mon 12 Jan – Wed 14 Jan 2026  (3 days)"
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        await until(lambda: not dialog.isVisible(), what="saved and closed")
        with org.server.login("kenji") as c:
            saved = c.get(f"/api/v1/users/{org.ids['li']}").json()["schedule"]
        assert saved["zone"] == "Europe/Berlin"
        assert saved["days"]["sat"] == ["10:00-14:00"]
        assert saved["days"]["fri"] == ["09:00-12:00", "13:00-17:00"]
        assert saved["holidays"] == ["2026-01-12", "2026-01-13", "2026-01-14"]

        # Do not disturb is a switch: it acts at once, and my state follows.
        menu = [a.text() for a in state.menu_.actions() if a.isVisible() and a.text()]
        assert menu == [
            "Do not disturb for 1 hour",
            "Do not disturb until tomorrow's start",
            "Do not disturb until a time…",
            "Working hours and do not disturb…",
        ]
        state.menu_.triggered.emit(state.until_action)  # "until a time" opens the time picker
        dialog = screens.settings_dialog
        assert dialog is not None and dialog.isVisible()
        await until(lambda: dialog.focusWidget() is dialog.dnd_until, what="the time picker")
        qtbot.mouseClick(dialog.dnd_hour, Qt.MouseButton.LeftButton)
        await until(lambda: state.text() == "☾ Do not disturb until 21:00 today", what="DND on")
        with org.server.login("kenji") as c:
            li_now = c.get(f"/api/v1/users/{org.ids['li']}").json()
        assert dt.datetime.fromisoformat(li_now["dnd_until"]) == EVENING + dt.timedelta(hours=1)
        await until(dialog.dnd_off.isEnabled, what="Turn off enabled")
        qtbot.mouseClick(dialog.dnd_off, Qt.MouseButton.LeftButton)
        await until(lambda: state.text() == "☾ Off work until 09:00 tomorrow", what="DND off")
        # Until a time I choose, read and written in my own zone (Berlin: it is 20:00 there).
        dialog.dnd_until.setDateTime(QDateTime(QDate(2026, 1, 5), QTime(22, 30)))
        qtbot.mouseClick(dialog.dnd_until_button, Qt.MouseButton.LeftButton)
        await until(lambda: state.text() == "☾ Do not disturb until 22:30 today", what="until")
        qtbot.mouseClick(dialog.dnd_off, Qt.MouseButton.LeftButton)
        await until(lambda: state.text() == "☾ Off work until 09:00 tomorrow", what="off again")

        # Who may break through is mine to choose: "From no one" silences urgent ones too.
        urgent = StoredMessage(
            id=1,
            conversation_id=org.dm,
            sender_id=org.ids["dana"],
            body="urgent",
            created_at=EVENING,
            client_msg_id="x",
            urgent=True,
        )
        assert li.gate.should_notify(urgent)
        dialog.rule.setCurrentIndex(dialog.rule.findData("never"))
        assert not li.gate.should_notify(urgent)
        # "My manager and people I choose": Dana, once ticked, may wake me; Kenji may not.
        dialog.rule.setCurrentIndex(dialog.rule.findData("manager_and_list"))
        assert dialog.allowed.isVisible() and not li.gate.should_notify(urgent)
        names = [dialog.allowed.item(i).text() for i in range(dialog.allowed.count())]
        assert names == ["Dana Demo", "Kenji Sato"]
        dialog.allowed.item(0).setCheckState(Qt.CheckState.Checked)
        assert li.gate.should_notify(urgent)
        from_kenji = replace(urgent, sender_id=org.ids["kenji"])
        assert not li.gate.should_notify(from_kenji)
        dialog.reject()

    arun(scenario(), timeout=120)


def _send(org: Org, who: str, conversation_id: int, body: str, **extra: Any) -> None:
    _post(
        org.server,
        who,
        f"/api/v1/conversations/{conversation_id}/messages",
        {"client_msg_id": uuid.uuid4().hex, "body": body, **extra},
    )


def test_the_night_while_the_app_was_closed_is_summarised_once_across_restarts(
    qtbot: QtBot,
    qapp: QApplication,
    arun: Callable[..., Any],
    org: Org,
    desktops: Callable[..., Any],
) -> None:
    """The usual evening: Li closes the app, colleagues write during the night, Li opens it after
    09:00 and the night arrives by catch-up sync, after work has started."""
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)  # closing Li's window must not stop the test's loop

    async def restart(desktop: Desktop) -> Desktop:
        session = _session(desktop)
        desktop.window.close()
        await session.aclose()
        started: Desktop = await desktops(org, "li", again=session)
        await until(lambda: _session(started).sync.caught_up, what="caught up")
        # What the summary needs, so "no summary" below is a decision, not a wait.
        await until(lambda: started.window.conversations.rowCount() >= 2, what="the list")
        await until(lambda: started.window.offhours.controller.policy_loaded, what="the policy")
        return started

    async def scenario() -> None:
        li: Desktop = await desktops(org, "li")
        await until(lambda: _session(li).sync.caught_up, what="the first sync")
        li.window.offhours.controller.tick()
        await asyncio.sleep(0.3)
        assert li.window.offhours.digests_shown == 0, "off in the evening: nothing to sum up"
        session = _session(li)
        li.window.close()
        await session.aclose()

        # The night, with Li's app closed (Li is off: the server lets urgent ones through).
        topic = _post(
            org.server, "kenji", f"/api/v1/conversations/{org.group}/topics", {"title": "Q3"}
        )
        org.clock.set(EVENING + dt.timedelta(hours=1))
        _send(org, "kenji", org.group, "Numbers are in", topic_id=topic["id"])
        _send(
            org, "kenji", org.group, "One is wrong, please check", topic_id=topic["id"], urgent=True
        )
        _send(org, "dana", org.dm, "See you tomorrow")
        # After 09:00 Berlin, work has begun: this one is not "while you were off".
        org.clock.set(MORNING + dt.timedelta(minutes=10))
        _send(org, "dana", org.dm, "Good morning")

        org.clock.set(MORNING + dt.timedelta(minutes=30))
        li = await desktops(org, "li", again=session)
        await until(lambda: _session(li).sync.caught_up, what="the catch-up")
        screens = li.window.offhours
        for _ in range(3):  # however often the clock is looked at
            screens.controller.tick()
        await until(
            lambda: screens.digest is not None and screens.digest.isVisible(), what="digest"
        )
        await asyncio.sleep(0.3)
        assert screens.digests_shown == 1
        summary = "While you were off: 3 messages in 1 topic and 1 chat, 1 urgent"
        assert li.notifier.notes == [("Courtyard", summary)], "one summary notification"
        digest = screens.digest
        assert digest is not None and digest.summary.text() == summary
        assert digest.lines() == [
            "Budget — 2 messages · 1 urgent",
            "  Q3 — 2 messages · 1 urgent",
            "Dana Demo — 1 message",
        ]
        # The night's messages stay as quiet as at night; the one written at work notifies.
        await until(lambda: len(li.notifier.shown) >= 1, what="the morning's notification")
        await asyncio.sleep(0.3)
        assert [n.body for n in li.notifier.shown] == ["Good morning"]

        # Started once more the same morning: the night was summarised already.
        li = await restart(li)
        for _ in range(3):
            li.window.offhours.controller.tick()
        await asyncio.sleep(0.5)
        assert li.window.offhours.digests_shown == 0
        assert li.notifier.notes == []

    try:
        arun(scenario(), timeout=120)
    finally:
        qapp.setQuitOnLastWindowClosed(quit_on_close)


def _has_legacy_rule(path: Path) -> bool:
    """Whether a machine's settings file still holds the rule of earlier versions."""
    return QSettings(str(path), QSettings.Format.IniFormat).contains("offhours/breakthrough")


def _urgent_from(org: Org, who: str) -> StoredMessage:
    return StoredMessage(
        id=1,
        conversation_id=org.dm,
        sender_id=org.ids[who],
        body="urgent",
        created_at=EVENING,
        client_msg_id="x",
        urgent=True,
    )


def test_who_may_wake_me_moves_to_the_server_and_every_machine_follows_it(
    qtbot: QtBot,
    arun: Callable[..., Any],
    org: Org,
    desktops: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # Li's laptop kept the rule per machine before it moved to the server.
    old = QSettings(str(_settings_path(tmp_path, "li")), QSettings.Format.IniFormat)
    old.setValue("offhours/breakthrough", "manager_and_list")
    old.setValue("offhours/breakthrough_people", str(org.ids["dana"]))
    old.sync()

    def server_rule() -> dict[str, Any]:
        with org.server.login("li") as c:
            found: dict[str, Any] = c.get("/api/v1/me/breakthrough").json()
            return found

    async def scenario() -> None:
        laptop: Desktop = await desktops(org, "li")
        # First sync: the laptop's rule goes to the server and leaves the machine's settings.
        await until(lambda: server_rule()["updated_at"] is not None, what="the rule moved")
        assert (server_rule()["rule"], server_rule()["people"]) == (
            "manager_and_list",
            [org.ids["dana"]],
        )
        await until(lambda: not _has_legacy_rule(_settings_path(tmp_path, "li")), what="moved")
        assert not laptop.window.offhours.controller.breakthrough.pending
        assert laptop.gate.should_notify(_urgent_from(org, "dana"))
        assert not laptop.gate.should_notify(_urgent_from(org, "kenji"))

        # Li's second computer behaves the same; its own old local rule gives way to the
        # server's, which is already set.
        desk_settings = _settings_path(tmp_path, "li", "-desk")
        other = QSettings(str(desk_settings), QSettings.Format.IniFormat)
        other.setValue("offhours/breakthrough", "anyone")
        other.sync()
        desk: Desktop = await desktops(org, "li", machine="-desk")
        controller = desk.window.offhours.controller
        await until(lambda: controller.breakthrough_rule() == "manager_and_list", what="adopted")
        await until(lambda: not _has_legacy_rule(desk_settings), what="the old rule dropped")
        assert not controller.breakthrough.pending
        assert server_rule()["rule"] == "manager_and_list"
        assert desk.gate.should_notify(_urgent_from(org, "dana"))
        assert not desk.gate.should_notify(_urgent_from(org, "kenji"))

        # A change on the second computer is saved to the server...
        dialog = desk.window.offhours.open_settings()
        assert dialog is not None
        assert dialog.rule.currentData() == "manager_and_list"
        dialog.rule.setCurrentIndex(dialog.rule.findData("never"))
        assert not desk.gate.should_notify(_urgent_from(org, "dana")), "in force at once"
        await until(lambda: server_rule()["rule"] == "never", what="saved to the server")
        dialog.reject()
        # ...and the laptop takes it when its connection comes back.
        laptop.window.bridge.connection_did_change.emit("online")
        await until(
            lambda: laptop.window.offhours.controller.breakthrough_rule() == "never",
            what="the laptop follows",
        )
        assert not laptop.gate.should_notify(_urgent_from(org, "dana"))

    arun(scenario(), timeout=120)


def test_an_urge_at_work_on_a_message_from_the_night_is_judged_now(
    arun: Callable[..., Any], org: Org, desktops: Callable[..., Any]
) -> None:
    """Written while Li was off (quiet), urged once Li is at work: the urge notifies, even under
    "From no one", because it is judged at the time it was urged."""
    _post(org.server, "li", "/api/v1/me/breakthrough", {"rule": "never"})

    def kenji(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        with org.server.login("kenji") as c:
            r = c.post(path, json=body)
            assert r.is_success, r.text
            answer: dict[str, Any] = r.json()
            return answer

    async def scenario() -> None:
        li: Desktop = await desktops(org, "li")
        await _open(li, org.dm)  # not the group, which stays off screen
        controller = li.window.offhours.controller
        await until(lambda: controller.breakthrough_rule() == "never", what="Li's rule")
        message = kenji(
            f"/api/v1/conversations/{org.group}/messages",
            {"client_msg_id": uuid.uuid4().hex, "body": "Figures for the board", "urgent": True},
        )
        await until(lambda: li.window.conversations.total_unread() >= 1, what="stored")
        await asyncio.sleep(0.3)
        assert li.notifier.shown == [], "urgent, but Li lets no one through at night"
        org.clock.set(MORNING + dt.timedelta(minutes=5))
        kenji(f"/api/v1/messages/{message['id']}/urge")
        await until(lambda: len(li.notifier.shown) >= 1, what="the urge")
        assert [(n.reason, n.body) for n in li.notifier.shown] == [
            ("urge", "Figures for the board")
        ]

    arun(scenario(), timeout=120)
