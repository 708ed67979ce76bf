"""macOS: the frontmost app (NSWorkspace), its front window's title (CGWindowList), idle time.

Why ctypes and not pyobjc: four calls do not justify pyobjc's core + Cocoa + Quartz wheels (tens of
megabytes in the DMG, several hundred modules for PyInstaller to collect) nor a second mypy world
(pyobjc ships no type hints); ctypes is in the standard library, typed, and this module imports
and type-checks on every OS. The price is declaring each ``objc_msgSend`` prototype by hand (a
fixed-argument prototype per signature, which arm64 requires).

Titles: since macOS 10.15 ``kCGWindowName`` is only given to apps with the Screen Recording
permission; without it :attr:`MacForeground.needs_permission` is True and ``unsupported_reason``
explains where to grant it. ``NSWorkspace.frontmostApplication`` is kept current by the main run
loop, which the Qt event loop runs in the app. The calls sit behind :class:`MacApi` so the logic
runs in tests on any OS.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.features.status.sources import ForegroundWindow

NEEDS_SCREEN_RECORDING = (
    "window titles need the Screen Recording permission: System Settings › Privacy & Security › "
    "Screen Recording › Courtyard (then restart Courtyard)"
)


@dataclass(frozen=True)
class FrontApp:
    pid: int
    name: str
    bundle_id: str = ""


@dataclass(frozen=True)
class WindowInfo:
    """One entry of CGWindowListCopyWindowInfo; ``title`` None when the OS withheld it."""

    owner_pid: int
    layer: int
    title: str | None


class MacApi(Protocol):
    def frontmost_app(self) -> FrontApp | None: ...
    def on_screen_windows(self) -> Sequence[WindowInfo]: ...
    def screen_capture_allowed(self) -> bool | None:
        """None when the OS has no such permission (before 10.15): titles are simply given."""
        ...

    def seconds_since_input(self) -> float | None: ...


def front_window_title(windows: Iterable[WindowInfo], pid: int) -> str | None:
    """The title of ``pid``'s frontmost normal window (layer 0; the list is front to back)."""
    for w in windows:
        if w.owner_pid == pid and w.layer == 0:
            return w.title
    return None


class MacForeground:
    """The :class:`ForegroundSource` for macOS."""

    def __init__(self, api: MacApi) -> None:
        self._api = api

    @property
    def needs_permission(self) -> bool:
        try:
            return self._api.screen_capture_allowed() is False
        except OSError:
            return False

    @property
    def unsupported_reason(self) -> str | None:
        return NEEDS_SCREEN_RECORDING if self.needs_permission else None

    def current(self) -> ForegroundWindow | None:
        try:
            app = self._api.frontmost_app()
            if app is None:
                return None
            title = front_window_title(self._api.on_screen_windows(), app.pid)
        except OSError:
            return None
        return ForegroundWindow(
            app_id=app.bundle_id or app.name, title=title or "", app_name=app.name
        )


class MacIdle:
    def __init__(self, api: MacApi) -> None:
        self._api = api

    @property
    def unsupported_reason(self) -> str | None:
        return None

    def idle_seconds(self) -> float | None:
        try:
            return self._api.seconds_since_input()
        except OSError:
            return None


_FRAMEWORKS = "/System/Library/Frameworks"
_ON_SCREEN_ONLY = 1 << 0
_EXCLUDE_DESKTOP = 1 << 4
_CF_NUMBER_SINT64 = 4
_CF_UTF8 = 0x08000100
_COMBINED_SESSION_STATE = 0
_ANY_INPUT_EVENT = 0xFFFFFFFF
_id = ctypes.c_void_p


class CocoaApi:
    """The real calls (macOS only): Objective-C runtime, CoreFoundation and CoreGraphics."""

    def __init__(self) -> None:
        objc = ctypes.CDLL("/usr/lib/libobjc.A.dylib")
        ctypes.CDLL(f"{_FRAMEWORKS}/AppKit.framework/AppKit")  # registers NSWorkspace
        cf = ctypes.CDLL(f"{_FRAMEWORKS}/CoreFoundation.framework/CoreFoundation")
        cg = ctypes.CDLL(f"{_FRAMEWORKS}/CoreGraphics.framework/CoreGraphics")
        self._objc, self._cf, self._cg = objc, cf, cg

        objc.objc_getClass.restype, objc.objc_getClass.argtypes = _id, (ctypes.c_char_p,)
        objc.sel_registerName.restype = _id
        objc.sel_registerName.argtypes = (ctypes.c_char_p,)
        objc.objc_autoreleasePoolPush.restype, objc.objc_autoreleasePoolPush.argtypes = _id, ()
        objc.objc_autoreleasePoolPop.restype, objc.objc_autoreleasePoolPop.argtypes = None, (_id,)
        self._send_id = ctypes.CFUNCTYPE(_id, _id, _id)(("objc_msgSend", objc))
        self._send_int = ctypes.CFUNCTYPE(ctypes.c_int, _id, _id)(("objc_msgSend", objc))
        self._send_str = ctypes.CFUNCTYPE(ctypes.c_char_p, _id, _id)(("objc_msgSend", objc))

        cf.CFArrayGetCount.restype, cf.CFArrayGetCount.argtypes = ctypes.c_long, (_id,)
        cf.CFArrayGetValueAtIndex.restype = _id
        cf.CFArrayGetValueAtIndex.argtypes = (_id, ctypes.c_long)
        cf.CFDictionaryGetValue.restype, cf.CFDictionaryGetValue.argtypes = _id, (_id, _id)
        cf.CFNumberGetValue.restype = ctypes.c_bool
        cf.CFNumberGetValue.argtypes = (_id, ctypes.c_int, ctypes.c_void_p)
        cf.CFStringGetLength.restype, cf.CFStringGetLength.argtypes = ctypes.c_long, (_id,)
        cf.CFStringGetCString.restype = ctypes.c_bool
        cf.CFStringGetCString.argtypes = (_id, ctypes.c_char_p, ctypes.c_long, ctypes.c_uint32)
        cf.CFRelease.restype, cf.CFRelease.argtypes = None, (_id,)
        cg.CGWindowListCopyWindowInfo.restype = _id
        cg.CGWindowListCopyWindowInfo.argtypes = (ctypes.c_uint32, ctypes.c_uint32)
        cg.CGEventSourceSecondsSinceLastEventType.restype = ctypes.c_double
        cg.CGEventSourceSecondsSinceLastEventType.argtypes = (ctypes.c_int32, ctypes.c_uint32)
        self._keys = {
            name: _id.in_dll(cg, name).value
            for name in ("kCGWindowOwnerPID", "kCGWindowLayer", "kCGWindowName")
        }
        try:  # macOS 10.15+
            self._preflight: ctypes._NamedFuncPointer | None = cg.CGPreflightScreenCaptureAccess
        except AttributeError:
            self._preflight = None
        else:
            self._preflight.restype, self._preflight.argtypes = ctypes.c_bool, ()

    def _sel(self, name: str) -> int | None:
        return self._objc.sel_registerName(name.encode())  # type: ignore[no-any-return]

    def frontmost_app(self) -> FrontApp | None:
        pool = self._objc.objc_autoreleasePoolPush()
        try:
            workspace_cls = self._objc.objc_getClass(b"NSWorkspace")
            workspace = self._send_id(workspace_cls, self._sel("sharedWorkspace"))
            app = self._send_id(workspace, self._sel("frontmostApplication"))
            if not app:
                return None
            pid = int(self._send_int(app, self._sel("processIdentifier")))
            return FrontApp(
                pid=pid,
                name=self._ns_string(self._send_id(app, self._sel("localizedName"))),
                bundle_id=self._ns_string(self._send_id(app, self._sel("bundleIdentifier"))),
            )
        finally:
            self._objc.objc_autoreleasePoolPop(pool)

    def _ns_string(self, ns: int | None) -> str:
        if not ns:
            return ""
        raw = self._send_str(ns, self._sel("UTF8String"))
        return raw.decode("utf-8", errors="replace") if raw else ""

    def on_screen_windows(self) -> Sequence[WindowInfo]:
        array = self._cg.CGWindowListCopyWindowInfo(_ON_SCREEN_ONLY | _EXCLUDE_DESKTOP, 0)
        if not array:
            return []
        try:
            found = []
            for i in range(int(self._cf.CFArrayGetCount(array))):
                entry = self._cf.CFArrayGetValueAtIndex(array, i)
                pid, layer = (
                    self._number(entry, "kCGWindowOwnerPID"),
                    self._number(entry, "kCGWindowLayer"),
                )
                if pid is None or layer is None:
                    continue
                found.append(WindowInfo(pid, layer, self._string(entry, "kCGWindowName")))
            return found
        finally:
            self._cf.CFRelease(array)

    def _number(self, entry: int, key: str) -> int | None:
        value = self._cf.CFDictionaryGetValue(entry, self._keys[key])
        out = ctypes.c_int64()
        if not value or not self._cf.CFNumberGetValue(value, _CF_NUMBER_SINT64, ctypes.byref(out)):
            return None
        return int(out.value)

    def _string(self, entry: int, key: str) -> str | None:
        value = self._cf.CFDictionaryGetValue(entry, self._keys[key])
        if not value:
            return None
        size = int(self._cf.CFStringGetLength(value)) * 4 + 1
        buf = ctypes.create_string_buffer(size)
        if not self._cf.CFStringGetCString(value, buf, size, _CF_UTF8):
            return None
        return buf.value.decode("utf-8", errors="replace")

    def screen_capture_allowed(self) -> bool | None:
        return None if self._preflight is None else bool(self._preflight())

    def seconds_since_input(self) -> float | None:
        seconds = float(
            self._cg.CGEventSourceSecondsSinceLastEventType(
                _COMBINED_SESSION_STATE, _ANY_INPUT_EVENT
            )
        )
        return seconds if seconds >= 0 else None
