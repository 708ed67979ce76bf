"""Screenshots of the workday status: the window with the status menu open, and the rules editor.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshot_status.py [light|dark]

Writes docs/screenshot-status-menu-<theme>.png and docs/screenshot-status-rules-<theme>.png from
the real window against a real demo server. The app in front is a stand-in (an in-memory
foreground source showing a LibreOffice Calc window), so the preview has something to show on
any machine. Keyring and data are temporary, as in tools/screenshot.py.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import keyring
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.client.keys import KeyCustody  # noqa: E402
from app.client.session import Session  # noqa: E402
from app.features.status import (  # noqa: E402
    ForegroundWindow,
    InMemoryForeground,
    InMemoryIdle,
    StatusSettings,
)
from tests.helpers.memory_keyring import MemoryKeyring  # noqa: E402
from tools.screenshot import _until, run_against_demo  # noqa: E402
from ui.demo import DEMO_PASSWORD  # noqa: E402
from ui.main import open_main_window  # noqa: E402
from ui.mainwindow import MainWindow  # noqa: E402
from ui.status.menu import StatusChip, open_rules_dialog  # noqa: E402
from ui.status.service import StatusSources  # noqa: E402

CALC = ForegroundWindow("libreoffice", "Q3 plan.xlsx - LibreOffice Calc", "libreoffice-calc")


def _select_topic(window: MainWindow, title: str) -> bool:
    for row in range(window.topics.rowCount()):
        topic = window.topics.topic(row)
        if topic is not None and topic.title == title:
            return window.select_topic(topic.id)
    return False


async def _shoot(app: QApplication, url: str, data: Path, out: Path, name: str) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    session = await Session.sign_in(
        url, "demo", DEMO_PASSWORD, "shots", keys=KeyCustody(backend=backend), data_dir=data
    )
    try:
        window = open_main_window(
            session,
            org_name="Northwind Ltd",
            status_sources=StatusSources(foreground=InMemoryForeground(CALC), idle=InMemoryIdle()),
            status_timing=StatusSettings(dwell=0.5, min_interval=0.5),
        )
        window.resize(1360, 820)
        window.show()
        window.activateWindow()
        await _until(lambda: window.select_conversation_named("Li Wei"))
        await _until(lambda: window.messages.rowCount() > 0)
        await _until(lambda: window.select_conversation_named("finance"))
        await _until(lambda: _select_topic(window, "Q3 budget review"))
        status = window.status
        assert status is not None
        await _until(lambda: status.published is not None)
        await asyncio.sleep(0.5)
        chip = window.findChild(StatusChip)
        assert chip is not None
        menu = chip.open_menu()
        await asyncio.sleep(0.4)
        shot = window.grab()
        painter = QPainter(shot)
        painter.drawPixmap(window.mapFromGlobal(menu.pos()), menu.grab())
        painter.end()
        shot.save(str(out / f"screenshot-status-menu-{name}.png"))
        menu.close()
        status.set_preferences(status.prefs.with_(share_foreground=True))
        dialog = open_rules_dialog(status, window)
        await asyncio.sleep(0.6)
        dialog.grab().save(str(out / f"screenshot-status-rules-{name}.png"))
        dialog.close()
        window.close()
        print(f"wrote {out}/screenshot-status-*-{name}.png")
    finally:
        await session.aclose()


def main() -> int:
    name = sys.argv[1] if len(sys.argv) > 1 else "light"
    out = ROOT / "docs"
    run_against_demo(lambda app, url, data: _shoot(app, url, data / "client", out, name), name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
