"""What every per-OS adapter shares: the session we run in, and sources that only say "not here".

The engine calls ``unsupported_reason`` and ``current()`` on every tick, so adapters must never
raise into it: a vanished window, a lost display connection or a missing library becomes None (no
window right now) or an ``unsupported_reason`` the settings show instead of the foreground option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.features.status.sources import ForegroundWindow

WAYLAND = "Wayland does not let apps see other windows"
NO_DISPLAY = "no graphical session was found (DISPLAY is not set)"
NO_XLIB = "the X11 support library (python-xlib) is not installed"
UNKNOWN_OS = "this operating system is not supported"

SessionKind = Literal["win32", "macos", "x11", "wayland", "headless", "other"]


@dataclass(frozen=True)
class Session:
    """The desktop session we run in; ``display`` is the X11 display name for ``x11``."""

    kind: SessionKind
    display: str = ""


def detect_session(platform: str, env: Mapping[str, str]) -> Session:
    """Decide from ``sys.platform`` and the environment which adapter can work here.

    A Wayland session counts as Wayland even when XWayland sets DISPLAY: XWayland only knows the
    X11 apps, so it would report a stale window while the user works in a native Wayland app.
    An explicit ``XDG_SESSION_TYPE=x11`` wins over a stray ``WAYLAND_DISPLAY`` (a nested
    compositor in an X11 session).
    """
    if platform == "win32":
        return Session("win32")
    if platform == "darwin":
        return Session("macos")
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return Session("other")
    session_type = env.get("XDG_SESSION_TYPE", "").strip().lower()
    display = env.get("DISPLAY", "").strip()
    if session_type == "x11" and display:
        return Session("x11", display)
    if session_type == "wayland" or env.get("WAYLAND_DISPLAY", "").strip():
        return Session("wayland")
    if display:
        return Session("x11", display)
    return Session("headless")


def reason_for(session: Session) -> str | None:
    """Why no adapter can work in ``session``; None when one may."""
    if session.kind == "wayland":
        return WAYLAND
    if session.kind == "headless":
        return NO_DISPLAY
    if session.kind == "other":
        return UNKNOWN_OS
    return None


class UnsupportedForeground:
    """A foreground source for places where none can work; it says why, and sees nothing."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    @property
    def unsupported_reason(self) -> str | None:
        return self._reason

    def current(self) -> ForegroundWindow | None:
        return None


class UnsupportedIdle:
    """An idle source that does not know: the engine then never turns the status to Away."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    @property
    def unsupported_reason(self) -> str | None:
        return self._reason

    def idle_seconds(self) -> float | None:
        return None
