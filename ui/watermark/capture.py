"""Capture protection: ask the OS to leave our windows out of screenshots and screen sharing.

Windows 10 2004 (build 19041) and later: ``SetWindowDisplayAffinity(hwnd,
WDA_EXCLUDEFROMCAPTURE)`` (the window is simply absent from captures); older builds get
``WDA_MONITOR`` (the window is captured as a black rectangle). macOS: the window's
``sharingType`` becomes ``NSWindowSharingNone``. X11 and Wayland have no such request, so on Linux
the state says "unsupported" and the client reports that to the server. Nothing here stops a
phone camera; that is what the watermark is for.

The OS setting belongs to the native window, which Qt may recreate (a flag change, a re-parent)
or hide and show again, so ``CaptureGuard`` re-applies it on every WinIdChange and Show.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

WDA_NONE = 0x00
WDA_MONITOR = 0x01
WDA_EXCLUDEFROMCAPTURE = 0x11
#: Windows 10 version 2004, the first build that knows WDA_EXCLUDEFROMCAPTURE.
EXCLUDE_FROM_CAPTURE_BUILD = 19041
NS_WINDOW_SHARING_NONE = 0
NS_WINDOW_SHARING_READ_ONLY = 1  # the AppKit default

LINUX_REASON = "unsupported on Linux (X11/Wayland cannot exclude windows from capture)"


@dataclass(frozen=True)
class ProtectionState:
    """What the client reports to the server: is capture protection in force, and why (not).
    ``pending``: not known yet (no native window to set it on); not worth reporting."""

    active: bool
    reason: str
    pending: bool = False


OFF = ProtectionState(False, "not required by the organisation policy")


class Backend(Protocol):
    def apply(self, win_id: int, enabled: bool) -> ProtectionState:
        """Set (or clear) protection on the native window ``win_id``."""
        ...


class UnsupportedBackend:
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def apply(self, win_id: int, enabled: bool) -> ProtectionState:
        return ProtectionState(False, self.reason) if enabled else OFF


def _user32_set_affinity() -> Callable[[int, int], bool]:
    import ctypes.wintypes as wt

    user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
    func = user32.SetWindowDisplayAffinity
    func.argtypes = [wt.HWND, wt.DWORD]
    func.restype = wt.BOOL

    def set_affinity(hwnd: int, affinity: int) -> bool:
        return bool(func(hwnd, affinity))

    return set_affinity


class WindowsBackend:
    """``set_affinity(hwnd, affinity) -> bool`` and ``build`` are injectable for tests; by
    default they are user32's SetWindowDisplayAffinity and ``sys.getwindowsversion().build``."""

    def __init__(
        self,
        *,
        set_affinity: Callable[[int, int], bool] | None = None,
        build: int | None = None,
        last_error: Callable[[], int] | None = None,
    ) -> None:
        self._set_affinity = set_affinity
        self.build = build if build is not None else sys.getwindowsversion().build  # type: ignore[attr-defined]
        # ctypes.get_last_error exists only on Windows.
        default_error: Callable[[], int] = getattr(ctypes, "get_last_error", lambda: 0)
        self._last_error: Callable[[], int] = last_error or default_error

    def apply(self, win_id: int, enabled: bool) -> ProtectionState:
        if self._set_affinity is None:
            self._set_affinity = _user32_set_affinity()
        set_affinity = self._set_affinity
        if not enabled:
            set_affinity(win_id, WDA_NONE)
            return OFF
        if self.build >= EXCLUDE_FROM_CAPTURE_BUILD:
            affinity, how = WDA_EXCLUDEFROMCAPTURE, "the window is excluded from screen capture"
        else:
            affinity = WDA_MONITOR
            how = f"Windows build {self.build} predates 2004: captures show a black window"
        if not set_affinity(win_id, affinity):
            return ProtectionState(
                False, f"SetWindowDisplayAffinity failed (error {self._last_error()})"
            )
        return ProtectionState(True, how)


def _objc_set_sharing_type() -> Callable[[int, int], bool]:
    objc = ctypes.cdll.LoadLibrary("/usr/lib/libobjc.A.dylib")
    objc.sel_registerName.restype = ctypes.c_void_p
    objc.sel_registerName.argtypes = [ctypes.c_char_p]
    send = ctypes.cast(objc.objc_msgSend, ctypes.c_void_p).value
    if not send:
        raise OSError("objc_msgSend not found")
    # objc_msgSend must be called through a prototype matching each message (arm64 ABI).
    send_id = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(send)
    send_uint = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p, ctypes.c_void_p)(send)
    send_set = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong)(send)
    sel_window = objc.sel_registerName(b"window")
    sel_set = objc.sel_registerName(b"setSharingType:")
    sel_get = objc.sel_registerName(b"sharingType")

    def set_sharing_type(ns_view: int, sharing: int) -> bool:
        window = send_id(ns_view, sel_window)  # QWidget.winId() is the NSView on macOS
        if not window:
            return False
        send_set(window, sel_set, sharing)
        return bool(send_uint(window, sel_get) == sharing)

    return set_sharing_type


class MacBackend:
    """``set_sharing_type(ns_view, sharing) -> bool`` is injectable for tests; by default it
    sends ``[[view window] setSharingType:]`` through the Objective-C runtime."""

    def __init__(self, *, set_sharing_type: Callable[[int, int], bool] | None = None) -> None:
        self._set_sharing_type = set_sharing_type

    def apply(self, win_id: int, enabled: bool) -> ProtectionState:
        if self._set_sharing_type is None:
            self._set_sharing_type = _objc_set_sharing_type()
        set_sharing_type = self._set_sharing_type
        if not enabled:
            set_sharing_type(win_id, NS_WINDOW_SHARING_READ_ONLY)
            return OFF
        if not set_sharing_type(win_id, NS_WINDOW_SHARING_NONE):
            return ProtectionState(False, "the view has no NSWindow yet, or it refused sharingType")
        return ProtectionState(
            True, "the window is excluded from screen capture (sharingType none)"
        )


def backend_for(platform: str = sys.platform) -> Backend:
    if platform == "win32":
        return WindowsBackend()
    if platform == "darwin":
        return MacBackend()
    if platform.startswith("linux"):
        return UnsupportedBackend(LINUX_REASON)
    return UnsupportedBackend(f"unsupported on {platform}")


class CaptureGuard(QObject):
    """Keeps protection applied to a set of top-level windows; ``state`` is what to report:
    active only when every window is protected, otherwise the first reason it is not."""

    state_did_change = Signal(object)  # ProtectionState

    def __init__(self, *, backend: Backend | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend or backend_for()
        self._enabled = False
        self._windows: dict[int, QWidget] = {}
        self._states: dict[int, ProtectionState] = {}
        self._state = OFF

    @property
    def state(self) -> ProtectionState:
        return self._state

    @property
    def enabled(self) -> bool:
        return self._enabled

    def add_window(self, widget: QWidget) -> None:
        """Protect ``widget``'s top-level window while the policy asks for it."""
        window = widget.window()
        key = id(window)
        if key in self._windows:
            return
        self._windows[key] = window
        window.installEventFilter(self)
        window.destroyed.connect(lambda _obj=None, key=key: self._forget(key))
        self._apply(key)
        self._update_state()

    def set_enabled(self, enabled: bool) -> ProtectionState:
        """Apply the policy's ``capture_protection`` live; returns the state to report."""
        self._enabled = enabled
        for key in list(self._windows):
            self._apply(key)
        self._update_state()
        return self._state

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.WinIdChange, QEvent.Type.Show):
            key = id(watched)
            if self._windows.get(key) is watched:
                self._apply(key)
                self._update_state()
        return False

    def _apply(self, key: int) -> None:
        window = self._windows[key]
        if isinstance(self._backend, UnsupportedBackend):
            self._states[key] = self._backend.apply(0, self._enabled)
        elif not window.testAttribute(Qt.WidgetAttribute.WA_WState_Created):
            # No native window yet, so nothing to set: its Show or WinIdChange will apply it.
            pending = ProtectionState(False, "waiting for the window to be shown", pending=True)
            self._states[key] = pending if self._enabled else OFF
        else:
            self._states[key] = self._backend.apply(int(window.winId()), self._enabled)

    def _forget(self, key: int) -> None:
        self._windows.pop(key, None)
        self._states.pop(key, None)
        # At shutdown a protected dialog (the digest) can outlive this object by a moment: its
        # "destroyed" then arrives after ours, with nobody left to tell.
        if shiboken6.isValid(self):
            self._update_state()

    def _update_state(self) -> None:
        if not self._enabled:
            state = OFF
        elif not self._states:
            state = ProtectionState(False, "no window to protect yet", pending=True)
        else:
            failed = [s for s in self._states.values() if not s.active]
            state = failed[0] if failed else next(iter(self._states.values()))
        if state != self._state:
            self._state = state
            self.state_did_change.emit(state)
