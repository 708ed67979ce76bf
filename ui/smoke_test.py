"""``courtyard --smoke-test``: prove an installed or frozen app works, end to end, in seconds.

Installers are smoke-tested on machines nobody looks at (CI runners, a packaging VM), so the app
checks itself: it starts its embedded server on 127.0.0.1 (the migrations run), signs in, keeps
the store encrypted with real SQLCipher and a key in a throwaway in-memory keyring, opens the real
main window on the offscreen platform, sends a message through the composer and waits until a
second signed-in client has synced it. Everything lives in a temporary folder that is removed
afterwards; the user's keyring, data and window settings are never touched.

It prints one JSON report on stdout (each check with its duration, and what was running) and exits
0 when every check passed, 1 otherwise. Missing data files, plugins or hidden imports in a
PyInstaller bundle show up here as a failed check with the exception, not as a silent crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication

from app.client.keys import KeyCustody
from app.client.memory_keyring import temporary_keyring
from app.client.session import Session
from app.client.store_files import StorePaths
from ui.demo import DEMO_PASSWORD, DEMO_USER, DemoServer
from ui.main import die_with_parent, open_desktop
from ui.mainwindow import MainWindow
from ui.models.messages import Roles as MsgRoles

T = TypeVar("T")

SMOKE_CHANNEL = "general"
READER = "amara"
"""A second demo person whose own client must receive the message (the sync check)."""
TIME_LIMIT = 120.0
SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"


@dataclass
class Check:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class Report:
    ok: bool = False
    version: str = ""
    frozen: bool = False
    python: str = ""
    qt: str = ""
    platform: str = ""
    desktop_file: str = ""
    """QGuiApplication.desktopFileName(): Linux desktops match the window to courtyard.desktop."""
    seconds: float = 0.0
    checks: list[Check] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def app_version() -> str:
    try:
        return importlib.metadata.version("courtyard")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class CheckFailed(Exception):
    """A check ran but found something wrong; the message goes into the report."""


async def until(predicate: Callable[[], object], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


class SmokeTest:
    def __init__(self, folder: Path, keys: KeyCustody) -> None:
        self.folder = folder
        self.keys = keys
        self.report = Report(
            version=app_version(),
            frozen=bool(getattr(sys, "frozen", False)),
            python=sys.version.split()[0],
            qt=qVersion(),
            platform=QGuiApplication.platformName(),
            desktop_file=QGuiApplication.desktopFileName(),
        )
        self.server: DemoServer | None = None
        self.sessions: list[Session] = []
        self.windows: list[MainWindow] = []
        self._detail = ""
        """What the running check found worth reporting (an address, a size)."""

    async def check(self, name: str, step: Callable[[], Awaitable[T]]) -> T:
        started = time.monotonic()
        try:
            result = await step()
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(exc)).strip()
            if not isinstance(exc, CheckFailed):
                detail += "\n" + "".join(traceback.format_tb(exc.__traceback__)[-3:])
            seconds = round(time.monotonic() - started, 3)
            self.report.checks.append(Check(name, False, seconds, detail))
            raise
        self.report.checks.append(
            Check(name, True, round(time.monotonic() - started, 3), self._detail)
        )
        self._detail = ""
        return result

    async def run(self) -> Report:
        started = time.monotonic()
        try:
            async with asyncio.timeout(TIME_LIMIT):
                await self._scenario()
            self.report.ok = True
        except Exception as exc:  # the failed check is in the report; TimeoutError is the limit
            if not self.report.checks or self.report.checks[-1].ok:
                self.report.checks.append(Check("time limit", False, 0.0, repr(exc)))
        finally:
            await self._close()
            self.report.seconds = round(time.monotonic() - started, 3)
        return self.report

    async def _scenario(self) -> None:
        url = await self.check("server", self._start_server)
        session = await self.check("sign in", lambda: self._sign_in(url, DEMO_USER))
        await self.check("encrypted store", lambda: self._store_is_encrypted(session))
        window = await self.check("main window", lambda: self._open_window(session))
        text = f"Smoke test {time.strftime('%Y-%m-%d %H:%M:%S')}"
        reader = await self.check("second client", lambda: self._sign_in(url, READER))
        await self.check("send", lambda: self._send(window, text))
        await self.check("sync", lambda: self._synced(reader, text))

    async def _start_server(self) -> str:
        self.server = DemoServer(
            self.folder / "server", extra_args=["--quiet-colleagues"], preexec_fn=die_with_parent
        )
        url = await self.server.start()
        if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
            raise CheckFailed(f"the server listens on {url}, not on the loopback address")
        self._detail = url
        return url

    async def _sign_in(self, url: str, username: str) -> Session:
        session = await Session.sign_in(
            url,
            username,
            DEMO_PASSWORD,
            "smoke test",
            keys=self.keys,
            data_dir=self.folder / "clients" / username,
        )
        self.sessions.append(session)
        return session

    async def _store_is_encrypted(self, session: Session) -> None:
        paths = StorePaths.for_account(session.account, self.folder / "clients" / DEMO_USER)
        header = paths.db.read_bytes()[:16]
        if header == SQLITE_PLAIN_HEADER:
            raise CheckFailed(f"{paths.db.name} is a plain SQLite file")
        secrets = await asyncio.to_thread(self.keys.load, session.account)
        if secrets is None:
            raise CheckFailed("no key in the (temporary) keyring")
        self._detail = f"{paths.db.stat().st_size} bytes, key in {self.keys.identity()}"

    async def _open_window(self, session: Session) -> MainWindow:
        desktop = open_desktop(session, settings_path=self.folder / "window.ini")
        window = desktop.window
        self.windows.append(window)
        window.show()
        await until(lambda: window.select_conversation_named(SMOKE_CHANNEL), 30, "the snapshot")
        await until(lambda: window.messages.rowCount() > 0, 30, f"messages of #{SMOKE_CHANNEL}")
        await until(
            lambda: window.connection_label.property("state") == "online", 30, "being online"
        )
        self._detail = f"{window.conversations.rowCount()} rows in the conversation list"
        return window

    async def _send(self, window: MainWindow, text: str) -> None:
        window.composer.edit.setPlainText(text)
        window.composer.on_edit_submitted()
        model = window.messages

        def confirmed() -> bool:
            return any(
                model.index(r, 0).data() == text
                and model.index(r, 0).data(MsgRoles.State) == "sent"
                for r in range(model.rowCount())
            )

        await until(confirmed, 30, "the server to confirm the message")

    async def _synced(self, reader: Session, text: str) -> None:
        reader.start()
        store = reader.store

        async def received() -> bool:
            for conv in await store.conversations():
                if conv.name == SMOKE_CHANNEL:
                    return any(m.body == text for m in await store.messages(conv.id))
            return False

        deadline = time.monotonic() + 30
        while not await received():
            if time.monotonic() > deadline:
                raise CheckFailed(f"{READER}'s client did not receive the message within 30 s")
            await asyncio.sleep(0.1)

    async def _close(self) -> None:
        for window in self.windows:
            if window.status is not None:  # its publisher ends with the session, as in App.aclose
                with contextlib.suppress(Exception):
                    await window.status.aclose()
            window.close()
        for session in self.sessions:
            with contextlib.suppress(Exception):
                await session.aclose()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)


async def run_smoke_test() -> Report:
    """Run every check in a temporary folder with a temporary keyring; never raises."""
    with (
        tempfile.TemporaryDirectory(prefix="courtyard-smoke-") as folder,
        temporary_keyring() as backend,
    ):
        return await SmokeTest(Path(folder), KeyCustody(backend=backend)).run()


def main(loop: asyncio.AbstractEventLoop) -> int:
    """Run on the app's (qasync) loop, print the report on stdout; the process's exit code."""
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    app.setQuitOnLastWindowClosed(False)  # closing the window at the end must not stop the loop
    try:
        report = loop.run_until_complete(run_smoke_test())
    finally:
        loop.close()  # joins qasync's executor threads; Qt aborts on a QThread still running
    print(report.to_json(), flush=True)
    return 0 if report.ok else 1
