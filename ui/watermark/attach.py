"""Wire the organisation's watermark and capture protection into a main window (issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.client.session import Session
from app.core.clock import Clock
from ui.watermark.protection import ContentProtection

if TYPE_CHECKING:  # ui.mainwindow imports dialogs that import this package
    from ui.mainwindow import MainWindow


def attach_watermark(
    window: MainWindow, session: Session, *, clock: Clock | None = None
) -> ContentProtection:
    """The organisation's watermark over the conversation area (messages, header, composer and
    the search panel floating on it), live with its policy; dialogs that show message content
    cover themselves with ``ui.watermark.cover``."""
    protection = ContentProtection(
        store=session.store,
        people=window.people,
        username=session.account.username,
        report=session.protection.set,
        clock=clock,
        parent=window,
    )
    protection.cover(window.message_pane)  # the floating search panel included
    window.bridge.store_did_change.connect(protection.on_store_did_change)
    protection.start()
    return protection
