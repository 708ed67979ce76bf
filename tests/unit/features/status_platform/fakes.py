"""In-memory stand-ins for the Win32 and macOS calls, so the adapters' logic runs anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.features.status.platform.macos import FrontApp, WindowInfo


@dataclass
class FakeWin32Api:
    hwnd: int = 0
    titles: dict[int, str] = field(default_factory=dict)
    pids: dict[int, int] = field(default_factory=dict)
    images: dict[int, str] = field(default_factory=dict)
    ticks: int = 0
    last_input: int | None = 0
    broken: bool = False

    def _check(self) -> None:
        if self.broken:
            raise OSError("[WinError 1400] Invalid window handle")

    def foreground_window(self) -> int:
        self._check()
        return self.hwnd

    def window_text(self, hwnd: int) -> str:
        self._check()
        return self.titles.get(hwnd, "")

    def window_process_id(self, hwnd: int) -> int:
        return self.pids.get(hwnd, 0)

    def process_image_path(self, pid: int) -> str | None:
        return self.images.get(pid)  # None: a process we may not open

    def tick_count(self) -> int:
        self._check()
        return self.ticks

    def last_input_tick(self) -> int | None:
        return self.last_input


@dataclass
class FakeMacApi:
    front: FrontApp | None = None
    windows: Sequence[WindowInfo] = ()
    capture_allowed: bool | None = True
    idle: float | None = 0.0
    broken: bool = False

    def frontmost_app(self) -> FrontApp | None:
        if self.broken:
            raise OSError("objc failure")
        return self.front

    def on_screen_windows(self) -> Sequence[WindowInfo]:
        return self.windows

    def screen_capture_allowed(self) -> bool | None:
        return self.capture_allowed

    def seconds_since_input(self) -> float | None:
        if self.broken:
            raise OSError("CoreGraphics failure")
        return self.idle
