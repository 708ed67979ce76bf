"""Screenshots of the real main window against a real demo server, in light and dark theme.

    xvfb-run -a .venv/bin/python tools/screenshot.py        # or QT_QPA_PLATFORM=offscreen
    xvfb-run -a .venv/bin/python tools/screenshot.py --watermark

Writes docs/screenshot-light.png and docs/screenshot-dark.png (with ``--watermark``: the
organisation's watermark turned on by its admin, docs/screenshot-watermark-*.png). The keyring
is an in-memory one and all data lives in a temporary folder, so it never touches the machine's
accounts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import keyring
import qasync
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.client.keys import KeyCustody  # noqa: E402
from app.client.session import Session  # noqa: E402
from tests.helpers.memory_keyring import MemoryKeyring  # noqa: E402
from ui import theme  # noqa: E402
from ui.demo import DEMO_PASSWORD, DemoServer  # noqa: E402
from ui.main import open_main_window  # noqa: E402
from ui.mainwindow import MainWindow  # noqa: E402


async def _until(predicate: object, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not fill in time")
        await asyncio.sleep(0.05)


async def _watermark_on(url: str) -> None:
    """The demo organisation's admin turns the watermark on, as an admin console would."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        login = {"username": "li.wei", "password": DEMO_PASSWORD, "device_name": "screenshots"}
        r = await http.post("/api/v1/auth/login", json=login)
        r.raise_for_status()
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await http.put("/api/v1/admin/policy", json={"watermark_enabled": True}, headers=auth)
        r.raise_for_status()


async def _shoot(app: QApplication, url: str, data: Path, out: Path, prefix: str) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    keys = KeyCustody(backend=backend)
    session = await Session.sign_in(
        url, "demo", DEMO_PASSWORD, "screenshots", keys=keys, data_dir=data / "client"
    )
    try:
        window: MainWindow = open_main_window(session, org_name="Northwind Ltd")
        window.resize(1360, 820)
        window.show()
        await _until(lambda: window.select_conversation_named("finance"))
        await _until(lambda: window.topics.rowCount() > 3 and window.messages.rowCount() > 5)
        for name in ("light", "dark"):
            theme.apply(app, name)
            window.message_delegate.clear_cache()
            window.message_view.doItemsLayout()
            await asyncio.sleep(0.6)
            window.message_view.scroll_to_newest()
            await asyncio.sleep(0.3)
            path = out / f"{prefix}-{name}.png"
            window.grab().save(str(path))
            print(f"wrote {path}")
        window.close()
    finally:
        await session.aclose()


Shoot = Callable[[QApplication, str, Path], Coroutine[Any, Any, None]]


def run_against_demo(shoot: Shoot, theme_name: str = "light") -> None:
    """Run ``shoot(app, server_url, data_dir)`` on a qasync loop against a fresh demo server."""
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    theme.apply(app, theme_name)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="courtyard-shots-") as tmp:
        server = DemoServer(Path(tmp) / "server", extra_args=["--quiet-colleagues"])
        url = server.start_blocking()
        try:
            loop.run_until_complete(shoot(app, url, Path(tmp)))
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--watermark", action="store_true", help="with the watermark on")
    args = parser.parse_args()
    prefix = "screenshot-watermark" if args.watermark else "screenshot"

    async def shoot(app: QApplication, url: str, data: Path) -> None:
        if args.watermark:
            await _watermark_on(url)
        await _shoot(app, url, data, ROOT / "docs", prefix)

    run_against_demo(shoot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
