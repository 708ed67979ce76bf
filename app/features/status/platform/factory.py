"""Choose the foreground-window and idle adapters for this OS and desktop session.

Both factories always return a working object: where nothing can work (Wayland, no display, a
missing library, an OS API that will not load) it is an ``Unsupported*`` source whose
``unsupported_reason`` the settings show. The platform, environment and OS bindings can be
handed in, so the choice is testable on any machine.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

from app.features.status.platform.base import (
    NO_XLIB,
    Session,
    UnsupportedForeground,
    UnsupportedIdle,
    detect_session,
    reason_for,
)
from app.features.status.platform.macos import CocoaApi, MacApi, MacForeground, MacIdle
from app.features.status.platform.win32 import Win32Api, Win32Foreground, Win32Idle
from app.features.status.sources import ForegroundSource, IdleSource

if TYPE_CHECKING:
    from app.features.status.platform.x11 import X11Connection

log = logging.getLogger(__name__)
T = TypeVar("T")


class PlatformIdleSource(IdleSource, Protocol):
    """An idle source that, like a foreground source, can say why it does not work here."""

    @property
    def unsupported_reason(self) -> str | None: ...


def _real_win32_api() -> Win32Api:
    if sys.platform == "win32":
        from app.features.status.platform.win32 import User32Api

        return User32Api()
    raise OSError("the Win32 API exists only on Windows")


def _real_mac_api() -> MacApi:
    return CocoaApi()


def _load(loader: Callable[[], T], what: str) -> T | str:
    try:
        return loader()
    except (OSError, AttributeError, ValueError) as exc:
        log.warning("cannot load the %s interfaces: %s", what, exc)
        return f"cannot load the {what} interfaces"


def _x11_connection(session: Session, connection: X11Connection | None) -> X11Connection | str:
    if connection is not None:
        return connection
    try:
        from app.features.status.platform.x11 import X11Connection
    except ImportError:
        return NO_XLIB
    return X11Connection(session.display)


def foreground_source(
    *,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    x11_connection: X11Connection | None = None,
    win32_api: Callable[[], Win32Api] = _real_win32_api,
    mac_api: Callable[[], MacApi] = _real_mac_api,
) -> ForegroundSource:
    """The foreground-window source for this OS and session (see :func:`detect_session`)."""
    session = detect_session(platform, os.environ if env is None else env)
    reason = reason_for(session)
    if reason is not None:
        return UnsupportedForeground(reason)
    if session.kind == "win32":
        api = _load(win32_api, "Windows")
        return UnsupportedForeground(api) if isinstance(api, str) else Win32Foreground(api)
    if session.kind == "macos":
        mac = _load(mac_api, "macOS")
        return UnsupportedForeground(mac) if isinstance(mac, str) else MacForeground(mac)
    conn = _x11_connection(session, x11_connection)
    if isinstance(conn, str):
        return UnsupportedForeground(conn)
    from app.features.status.platform.x11 import X11Foreground

    return X11Foreground(conn)


def idle_source(
    *,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    x11_connection: X11Connection | None = None,
    win32_api: Callable[[], Win32Api] = _real_win32_api,
    mac_api: Callable[[], MacApi] = _real_mac_api,
) -> PlatformIdleSource:
    """The idle-time source for this OS and session; unknown idle never turns anyone Away.

    Wayland is unsupported here too: XWayland only counts input that reaches X11 windows.
    """
    session = detect_session(platform, os.environ if env is None else env)
    reason = reason_for(session)
    if reason is not None:
        return UnsupportedIdle(reason)
    if session.kind == "win32":
        api = _load(win32_api, "Windows")
        return UnsupportedIdle(api) if isinstance(api, str) else Win32Idle(api)
    if session.kind == "macos":
        mac = _load(mac_api, "macOS")
        return UnsupportedIdle(mac) if isinstance(mac, str) else MacIdle(mac)
    conn = _x11_connection(session, x11_connection)
    if isinstance(conn, str):
        return UnsupportedIdle(conn)
    from app.features.status.platform.x11 import X11Idle

    return X11Idle(conn)
