"""Windows: the foreground window's title and process, and idle time, through ctypes over Win32.

``GetForegroundWindow`` → ``GetWindowTextW`` for the title; ``GetWindowThreadProcessId`` →
``OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION)`` → ``QueryFullProcessImageNameW`` for the app
(``app_id`` = image file name such as ``EXCEL.EXE``, ``app_name`` its stem); ``GetLastInputInfo``
against ``GetTickCount`` for idle. The calls sit behind :class:`Win32Api` so the logic around them
(no window, a process we may not open, the 49.7-day tick wrap) runs in tests on any OS; the real
:class:`User32Api` is only defined on Windows, so this module imports and type-checks everywhere.
"""

from __future__ import annotations

import logging
import sys
from typing import Protocol

from app.features.status.sources import ForegroundWindow

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 1024
_TICK_MODULUS = 2**32  # GetTickCount and LASTINPUTINFO.dwTime are DWORDs: they wrap every 49.7 days


class Win32Api(Protocol):
    """The few Win32 calls the sources need; every method returns a neutral value on failure."""

    def foreground_window(self) -> int: ...
    def window_text(self, hwnd: int) -> str: ...
    def window_process_id(self, hwnd: int) -> int: ...
    def process_image_path(self, pid: int) -> str | None: ...
    def tick_count(self) -> int: ...
    def last_input_tick(self) -> int | None: ...


def image_names(path: str | None) -> tuple[str, str]:
    """``C:\\Program Files\\...\\EXCEL.EXE`` → (``EXCEL.EXE``, ``EXCEL``); ("", "") when unknown."""
    if not path:
        return "", ""
    base = path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]
    stem = base[:-4] if base.lower().endswith(".exe") else base
    return base, stem


def idle_milliseconds(now_tick: int, last_input_tick: int) -> int:
    """Milliseconds between two DWORD tick counts, right across the 2**32 wrap."""
    return (now_tick - last_input_tick) % _TICK_MODULUS


class Win32Foreground:
    """The :class:`ForegroundSource` for Windows."""

    def __init__(self, api: Win32Api) -> None:
        self._api = api

    @property
    def unsupported_reason(self) -> str | None:
        return None

    def current(self) -> ForegroundWindow | None:
        try:
            hwnd = self._api.foreground_window()
            if not hwnd:
                return None  # the desktop, a locked workstation, or focus in transit
            title = self._api.window_text(hwnd)[:MAX_TITLE_CHARS]
            pid = self._api.window_process_id(hwnd)
            image = self._api.process_image_path(pid) if pid else None
        except OSError as exc:  # ctypes errors surface as OSError; never into the engine
            log.debug("foreground window unreadable: %s", type(exc).__name__)
            return None
        app_id, app_name = image_names(image)
        if not title and not app_id:
            return None
        return ForegroundWindow(app_id=app_id, title=title, app_name=app_name)


class Win32Idle:
    """The :class:`IdleSource` for Windows (input in this session, any device)."""

    def __init__(self, api: Win32Api) -> None:
        self._api = api

    @property
    def unsupported_reason(self) -> str | None:
        return None

    def idle_seconds(self) -> float | None:
        try:
            last = self._api.last_input_tick()
            if last is None:
                return None
            return idle_milliseconds(self._api.tick_count(), last) / 1000.0
        except OSError:
            return None


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000

    class _LastInputInfo(ctypes.Structure):
        _fields_ = (("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD))

    class User32Api:
        """The real calls; argument and result types are declared so 64-bit handles survive."""

        def __init__(self) -> None:
            user32 = ctypes.WinDLL("user32", use_last_error=True)
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            self._get_foreground = user32.GetForegroundWindow
            self._get_foreground.argtypes = ()
            self._get_foreground.restype = wintypes.HWND
            self._get_text = user32.GetWindowTextW
            self._get_text.argtypes = (wintypes.HWND, wintypes.LPWSTR, ctypes.c_int)
            self._get_text.restype = ctypes.c_int
            self._get_pid = user32.GetWindowThreadProcessId
            self._get_pid.argtypes = (wintypes.HWND, ctypes.POINTER(wintypes.DWORD))
            self._get_pid.restype = wintypes.DWORD
            self._last_input = user32.GetLastInputInfo
            self._last_input.argtypes = (ctypes.POINTER(_LastInputInfo),)
            self._last_input.restype = wintypes.BOOL
            self._open = kernel32.OpenProcess
            self._open.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
            self._open.restype = wintypes.HANDLE
            self._close = kernel32.CloseHandle
            self._close.argtypes = (wintypes.HANDLE,)
            self._close.restype = wintypes.BOOL
            self._image = kernel32.QueryFullProcessImageNameW
            self._image.argtypes = (
                wintypes.HANDLE,
                wintypes.DWORD,
                wintypes.LPWSTR,
                ctypes.POINTER(wintypes.DWORD),
            )
            self._image.restype = wintypes.BOOL
            self._ticks = kernel32.GetTickCount
            self._ticks.argtypes = ()
            self._ticks.restype = wintypes.DWORD

        def foreground_window(self) -> int:
            return int(self._get_foreground() or 0)

        def window_text(self, hwnd: int) -> str:
            # One call into a bounded buffer (longer titles are cut anyway): GetWindowTextW reads
            # another process's caption without sending it a message, so a hung app cannot stall us.
            buf = ctypes.create_unicode_buffer(MAX_TITLE_CHARS + 1)
            copied = int(self._get_text(hwnd, buf, MAX_TITLE_CHARS + 1))
            return buf.value[: max(copied, 0)]

        def window_process_id(self, hwnd: int) -> int:
            pid = wintypes.DWORD(0)
            self._get_pid(hwnd, ctypes.byref(pid))
            return int(pid.value)

        def process_image_path(self, pid: int) -> str | None:
            # Limited rights suffice for the image name and are granted even for most elevated
            # processes; a process we may still not open (protected) just has no app name.
            handle = self._open(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
            if not handle:
                return None
            try:
                size = wintypes.DWORD(32768)
                buf = ctypes.create_unicode_buffer(size.value)
                if not self._image(handle, 0, buf, ctypes.byref(size)):
                    return None
                return buf.value[: size.value]
            finally:
                self._close(handle)

        def tick_count(self) -> int:
            return int(self._ticks())

        def last_input_tick(self) -> int | None:
            info = _LastInputInfo()
            info.cbSize = ctypes.sizeof(_LastInputInfo)
            if not self._last_input(ctypes.byref(info)):
                return None
            return int(info.dwTime)
