"""Composition root: QApplication + the qasync loop on the Qt main thread, then one account.

``courtyard`` (and ``make run``): with an account configured, open it (offline works); otherwise,
with ``--server``, show the sign-in dialog; otherwise start a local demo server, sign in as the
demo user and open the window on a lively demo organisation.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import platformdirs
import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.client.keys import Account, KeyCustody
from app.client.session import NotSignedIn, Session
from app.core.clock import Clock, SystemClock
from app.features.autostart import default_autostart
from app.features.device_policy import default_reader
from app.features.status import StatusSettings
from ui import theme
from ui.bridge import Bridge
from ui.demo import DEMO_PASSWORD, DEMO_USER, DemoServer, demo_passphrase
from ui.dialogs.settings import add_settings_entry
from ui.gc_guard import GuiThreadCollector
from ui.mainwindow import MainWindow
from ui.notifications import NotificationGate, Notifier
from ui.offhours.attach import attach_offhours
from ui.people import People
from ui.preferences import SERVER_URL, Preferences
from ui.settings_store import WindowStateStore
from ui.signin import SignInDialog, explain
from ui.splash import StartupSplash, demo_failure
from ui.status.preferences import StatusPreferencesStore
from ui.status.service import StatusSources
from ui.status.wiring import attach_status
from ui.tasks import TaskGroup
from ui.tray import TrayIcon
from ui.watermark.attach import attach_watermark

log = logging.getLogger(__name__)
APP_NAME = "Courtyard"
DESKTOP_FILE_NAME = "courtyard"
"""packaging/linux/courtyard.desktop: Linux desktops match the window to its menu entry and icon."""


def open_main_window(
    session: Session,
    *,
    org_name: str = "Courtyard",
    before_load: Callable[[MainWindow], None] | None = None,
    status_sources: StatusSources | None = None,
    status_preferences: StatusPreferencesStore | None = None,
    status_timing: StatusSettings | None = None,
    clock: Clock | None = None,
    settings: QSettings | None = None,
) -> MainWindow:
    """Wire a session to a new main window, start syncing and load what is stored already.

    The workday status reads this desktop's foreground window and idle time unless
    ``status_sources`` says otherwise; its choices persist only with ``status_preferences``.
    Off-hours decisions follow ``clock``, the one the session runs on."""
    bridge = Bridge()
    people = People()
    window = MainWindow(
        store=session.store,
        outbox=session.outbox,
        bridge=bridge,
        people=people,
        org_name=org_name,
        history=session.sync.fetch_older,
        remote=session,
    )
    bridge.setParent(window)
    people.setParent(window)
    bridge.watch_store(session.store_did_change)
    bridge.watch_connection(session.connection_did_change)
    bridge.watch_refusals(session.outbox.delivery_refused)
    attach_status(
        window,
        session,
        sources=status_sources or StatusSources.of_this_desktop(),
        preferences=status_preferences,
        timing=status_timing,
        clock=clock,
    )
    sync = session.sync
    window.offhours = attach_offhours(
        window,
        clock=clock or SystemClock(),
        remote=session,
        settings=settings,
        caught_up=lambda: sync.caught_up,
    )
    attach_watermark(window, session, clock=clock)
    if before_load is not None:
        before_load(window)
    session.start()
    window._tasks.spawn(window.load())
    return window


@dataclass
class Desktop:
    """A main window with what surrounds it on the desktop: tray, notifications, saved state."""

    window: MainWindow
    tray: TrayIcon
    notifier: Notifier
    gate: NotificationGate
    window_state: WindowStateStore

    def on_notifier_notification_clicked(self, conversation_id: int, message_id: int) -> None:
        self.on_tray_open_requested()
        self.window.jump_to_message(conversation_id, message_id)

    def on_tray_open_requested(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def on_tray_pause_toggled(self, paused: bool) -> None:
        self.gate.paused = paused

    def on_conversations_changed(self, *_args: object) -> None:
        self.tray.set_unread(self.window.conversations.total_unread())


def open_desktop(
    session: Session,
    *,
    org_name: str = "Courtyard",
    settings_path: Path | None = None,
    gate: NotificationGate | None = None,
    clock: Clock | None = None,
    preferences: Preferences | None = None,
) -> Desktop:
    """The app's window for a session plus its tray icon, notifier and remembered state.
    While I am off, the off-hours rule decides first whether a message may notify."""
    window_state = WindowStateStore(settings_path)
    window = open_main_window(
        session,
        org_name=org_name,
        before_load=window_state.attach,
        clock=clock,
        settings=window_state.settings,
        status_preferences=StatusPreferencesStore(window_state.settings),
    )
    window_state.setParent(window)
    tray = TrayIcon(window)
    gate = gate or NotificationGate()
    gate.rules.insert(0, window.offhours.controller.gate_rule)
    window.offhours.tray = tray
    conversations = window.conversations

    def info(conversation_id: int) -> tuple[str, str] | None:
        conv = conversations.conversation(conversations.row_of(conversation_id))
        return None if conv is None else (conv.kind, conversations.title(conv))

    def shown() -> int | None:
        visible = window.isVisible() and not window.isMinimized()
        return window.messages.conversation_id if visible else None

    notifier = Notifier(
        store=session.store,
        people=window.people,
        gate=gate,
        shown_conversation=shown,
        conversation_info=info,
        tray=tray,
        parent=window,
    )
    window.offhours.notifier = notifier
    desktop = Desktop(window, tray, notifier, gate, window_state)
    window.bridge.store_did_change.connect(notifier.on_store_did_change)
    notifier.notification_clicked.connect(desktop.on_notifier_notification_clicked)
    tray.open_requested.connect(desktop.on_tray_open_requested)
    tray.pause_toggled.connect(desktop.on_tray_pause_toggled)
    tray.quit_requested.connect(QApplication.quit)
    if window.status is not None:
        status = window.status
        tray.set_status_paused(status.paused)
        tray.status_pause_toggled.connect(status.set_paused)
        status.preferences_did_change.connect(lambda p: tray.set_status_paused(p.paused))
    for sig in (
        conversations.modelReset,
        conversations.rowsInserted,
        conversations.rowsRemoved,
        conversations.dataChanged,
        conversations.layoutChanged,
    ):
        sig.connect(desktop.on_conversations_changed)
    notifier.start()
    if preferences is not None:
        add_settings_entry(window, tray.menu, preferences, server_url=session.account.server_url)
    return desktop


@dataclass
class App:
    """What runs for the life of the process: the session, its window, maybe a demo server."""

    data_dir: Path
    preferences: Preferences | None = None
    """The user's settings under device policy (None: no policy, as in tests)."""
    keys: KeyCustody = field(default_factory=KeyCustody)
    settings_path: Path | None = None
    """The window-state file (None: the platform's settings store)."""
    demo_args: list[str] = field(default_factory=list)
    quit_app: Callable[[], None] = field(default_factory=lambda: QApplication.quit)
    """Ends the app when the person gives up at sign-in or start-up (tests record it instead)."""
    session: Session | None = None
    desktop: Desktop | None = None
    demo: DemoServer | None = None
    splash: StartupSplash | None = None
    sign_in_dialog: SignInDialog | None = None
    tasks: TaskGroup = field(default_factory=lambda: TaskGroup("app"))

    @property
    def account_file(self) -> Path:
        return self.data_dir / "account.json"

    def stored_account(self) -> Account | None:
        try:
            data = json.loads(self.account_file.read_text(encoding="utf-8"))
            return Account(str(data["server_url"]), str(data["username"]))
        except (OSError, ValueError, KeyError):
            return None

    def remember(self, account: Account) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        body = {"server_url": account.server_url, "username": account.username}
        self.account_file.write_text(json.dumps(body), encoding="utf-8")

    async def start(self, server: str | None) -> None:
        """Open the stored account, or sign in (to --server, or the server IT set), or the demo.

        A server URL the device policy locks wins over --server and over a stored account on
        another server; one it only pre-sets is used when nothing else names a server."""
        policy_server = self.preferences.server_url if self.preferences else None
        locked = self.preferences is not None and self.preferences.is_locked(SERVER_URL)
        if locked and server is not None and server != policy_server:
            log.warning("--server ignored: your organisation set the server to %s", policy_server)
            server = None
        account = self.stored_account()
        if account is not None and server is None:
            if locked and not same_server(account.server_url, policy_server):
                server = policy_server
            else:
                try:
                    self.show(await Session.open(account, keys=self.keys, data_dir=self.data_dir))
                    return
                except NotSignedIn:
                    server = account.server_url
        server = server or policy_server
        if server is not None:
            self.ask_sign_in(server, locked=locked)
            return
        await self.start_demo()

    async def start_demo(self) -> None:
        """Start the demo server and sign in as the demo user, showing each step; a failure
        stays on screen with what to do until the person quits."""
        splash = self.splash = StartupSplash()
        splash.quit_requested.connect(self.quit_app)
        splash.show()
        self.demo = DemoServer(
            self.data_dir / "demo-server", extra_args=self.demo_args, preexec_fn=die_with_parent
        )
        data_dir = self.data_dir / "demo-client"
        try:
            url = await self.demo.start()
            splash.show_step("Signing in as the demo user…")
            account = Account(url, DEMO_USER)
            passphrase = await asyncio.to_thread(demo_passphrase, self.keys, account, data_dir)
            session = await Session.sign_in(
                url,
                DEMO_USER,
                DEMO_PASSWORD,
                "demo",
                keys=self.keys,
                data_dir=data_dir,
                passphrase=passphrase,
            )
        except Exception as exc:
            log.warning("the demo did not start", exc_info=exc)
            splash.show_failure(*demo_failure(exc, self.demo.log_path))
            return
        self.show(session, org_name="Courtyard demo")
        splash.finish()

    def ask_sign_in(self, server: str, *, locked: bool = False) -> None:
        dialog = SignInDialog(
            keys=self.keys, data_dir=self.data_dir, server_url=server, lock_server_url=locked
        )
        dialog.session_did_open.connect(self.on_sign_in_session_did_open)
        dialog.rejected.connect(self.quit_app)
        dialog.show()
        self.sign_in_dialog = dialog  # a parentless dialog lives only while Python holds it

    def on_sign_in_session_did_open(self, session: Session) -> None:
        self.remember(session.account)
        self.show(session)

    def show(self, session: Session, *, org_name: str = "Courtyard") -> None:
        self.session = session
        self.desktop = open_desktop(
            session,
            org_name=org_name,
            settings_path=self.settings_path,
            preferences=self.preferences,
        )
        self.desktop.window.show()

    async def aclose(self) -> None:
        status = self.desktop.window.status if self.desktop is not None else None
        if status is not None:
            await status.aclose()  # clears an automatic status while the session can still
        if self.session is not None:
            await self.session.aclose()
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop)


def same_server(a: str | None, b: str | None) -> bool:
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()


def load_preferences() -> Preferences:
    """Device policy is read once, at start; what it ignored goes to the log for IT."""
    policy = default_reader().read()
    policy.log_problems()
    preferences = Preferences(policy=policy, autostart=default_autostart())
    preferences.apply_auto_start_at_launch()
    return preferences


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="courtyard", description="Courtyard desktop messenger")
    p.add_argument("--server", help="sign in to this server (shows the sign-in dialog)")
    p.add_argument("--data-dir", type=Path, default=None, help="where local data lives")
    p.add_argument(
        "--theme", choices=["light", "dark"], default=None, help="override the system scheme"
    )
    p.add_argument(
        "--smoke-test",
        action="store_true",
        help="check this installation end to end offscreen (own server, temporary store and "
        "keyring), print a JSON report and exit 0 or 1",
    )
    return p.parse_args(argv)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Runs in the demo server child between fork and exec: on Linux, ask the kernel to send it
    SIGTERM when the app dies, however it dies (even SIGKILL). Elsewhere the app's own shutdown
    (and the SIGINT/SIGTERM handlers below) stop it."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl+C in the terminal (SIGINT) and SIGTERM quit like the Quit menu: the loop ends, the
    session closes and the demo server stops. Python runs signal handlers only between
    bytecodes, so a timer wakes the interpreter while Qt waits in C++."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        QTimer.singleShot(0, app.quit)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    theme.ThemeFollower(app, forced=args.theme)
    GuiThreadCollector(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    quit_on_signals(app)
    if args.smoke_test:
        from ui import smoke_test

        return smoke_test.main(loop)
    state = App(
        args.data_dir or Path(platformdirs.user_data_dir(APP_NAME, APP_NAME)),
        preferences=load_preferences(),
    )

    async def run() -> None:
        closing = asyncio.Event()
        app.aboutToQuit.connect(closing.set)
        app.setQuitOnLastWindowClosed(True)
        try:
            await state.start(args.server)
        except Exception as exc:
            log.exception("start-up failed")
            QMessageBox.critical(None, APP_NAME, explain(exc))
            return
        await closing.wait()

    try:
        loop.run_until_complete(run())
    except RuntimeError:  # the Qt loop ended (last window closed) before run() returned
        log.debug("event loop stopped by Qt")
    finally:
        loop.run_until_complete(state.aclose())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
