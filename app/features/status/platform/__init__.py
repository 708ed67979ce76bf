"""Per-OS adapters behind the status sources: the foreground window and idle time.

Use :func:`foreground_source` and :func:`idle_source`; they pick Win32, macOS or X11 for the
session and otherwise return a source that says why it cannot work (Wayland, no display).
Adapters read raw window titles, which never leave the machine and are never logged.
"""

from app.features.status.platform.base import (
    WAYLAND,
    Session,
    UnsupportedForeground,
    UnsupportedIdle,
    detect_session,
)
from app.features.status.platform.factory import PlatformIdleSource, foreground_source, idle_source

__all__ = [
    "WAYLAND",
    "PlatformIdleSource",
    "Session",
    "UnsupportedForeground",
    "UnsupportedIdle",
    "detect_session",
    "foreground_source",
    "idle_source",
]
