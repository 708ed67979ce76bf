"""Composition root: QApplication + the qasync loop on the Qt main thread, then one account.

``courtyard`` (and ``make run``): with an account configured, open it (offline works); otherwise,
with ``--server``, show the sign-in dialog; otherwise start a local demo server, sign in as the
demo user and open the window on a lively demo organisation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from app.client.keys import Account, KeyCustody
from app.client.session import NotSignedIn, Session
from app.client.store_errors import KeyringUnavailable
from ui import theme
from ui.bridge import Bridge
from ui.demo import DEMO_PASSWORD, DEMO_USER, DemoServer
from ui.mainwindow import MainWindow
from ui.people import People
from ui.signin import SignInDialog, explain
from ui.tasks import TaskGroup

log = logging.getLogger(__name__)
APP_NAME = "Courtyard"
DEMO_PASSPHRASE = "courtyard-demo"
"""Only for the throwaway demo account on a machine without a keyring (its data is public)."""


def open_main_window(session: Session, *, org_name: str = "Courtyard") -> MainWindow:
    """Wire a session to a new main window, start syncing and load what is stored already."""
    bridge = Bridge()
    people = People()
    window = MainWindow(
        store=session.store,
        outbox=session.outbox,
        bridge=bridge,
        people=people,
        org_name=org_name,
        remote=session,
    )
    bridge.setParent(window)
    people.setParent(window)
    bridge.watch_store(session.store_did_change)
    bridge.watch_connection(session.connection_did_change)
    session.start()
    window._tasks.spawn(window.load())
    return window


@dataclass
class App:
    """What runs for the life of the process: the session, its window, maybe a demo server."""

    data_dir: Path
    keys: KeyCustody = field(default_factory=KeyCustody)
    session: Session | None = None
    window: MainWindow | None = None
    demo: DemoServer | None = None
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
        account = self.stored_account()
        if account is not None and server is None:
            try:
                self.show(await Session.open(account, keys=self.keys, data_dir=self.data_dir))
                return
            except NotSignedIn:
                server = account.server_url
        if server is not None:
            self.ask_sign_in(server)
            return
        await self.start_demo()

    async def start_demo(self) -> None:
        self.demo = DemoServer(self.data_dir / "demo-server")
        url = await self.demo.start()
        try:
            session = await Session.sign_in(
                url,
                DEMO_USER,
                DEMO_PASSWORD,
                "demo",
                keys=self.keys,
                data_dir=self.data_dir / "demo-client",
            )
        except KeyringUnavailable:
            log.warning("no system keyring: the demo account's local copy uses a fixed passphrase")
            session = await Session.sign_in(
                url,
                DEMO_USER,
                DEMO_PASSWORD,
                "demo",
                keys=self.keys,
                data_dir=self.data_dir / "demo-client",
                passphrase=DEMO_PASSPHRASE,
            )
        self.show(session, org_name="Courtyard demo")

    def ask_sign_in(self, server: str) -> None:
        dialog = SignInDialog(keys=self.keys, data_dir=self.data_dir, server_url=server)
        dialog.session_did_open.connect(self.on_sign_in_session_did_open)
        dialog.rejected.connect(QApplication.quit)
        dialog.show()

    def on_sign_in_session_did_open(self, session: Session) -> None:
        self.remember(session.account)
        self.show(session)

    def show(self, session: Session, *, org_name: str = "Courtyard") -> None:
        self.session = session
        self.window = open_main_window(session, org_name=org_name)
        self.window.show()

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.aclose()
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="courtyard", description="Courtyard desktop messenger")
    p.add_argument("--server", help="sign in to this server (shows the sign-in dialog)")
    p.add_argument("--data-dir", type=Path, default=None, help="where local data lives")
    p.add_argument(
        "--theme", choices=["light", "dark"], default=None, help="override the system scheme"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    theme.ThemeFollower(app, forced=args.theme)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state = App(args.data_dir or Path(platformdirs.user_data_dir(APP_NAME, APP_NAME)))

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
