"""The Win32 adapters' logic over a fake API: what they report, and that they never raise."""

from __future__ import annotations

import pytest

from app.features.status import DEFAULT_RULES, ForegroundWindow, preview
from app.features.status.platform.win32 import (
    Win32Foreground,
    Win32Idle,
    idle_milliseconds,
    image_names,
)
from tests.unit.features.status_platform.fakes import FakeWin32Api

EXCEL = r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE"


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (EXCEL, ("EXCEL.EXE", "EXCEL")),
        (r"C:\Users\li\AppData\Local\Programs\Microsoft VS Code\Code.exe", ("Code.exe", "Code")),
        (r"\\?\C:\Windows\notepad.exe", ("notepad.exe", "notepad")),
        ("C:/tools/okular", ("okular", "okular")),
        (r"C:\odd\trailing\\", ("trailing", "trailing")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_image_names(path: str | None, names: tuple[str, str]) -> None:
    assert image_names(path) == names


@pytest.mark.parametrize(
    ("now", "last", "ms"),
    [(10_000, 4_000, 6_000), (5, 2**32 - 995, 1_000), (7, 7, 0)],
)
def test_idle_milliseconds_across_the_tick_wrap(now: int, last: int, ms: int) -> None:
    assert idle_milliseconds(now, last) == ms


def test_foreground_window_with_its_process() -> None:
    api = FakeWin32Api(
        hwnd=0x1234, titles={0x1234: "Q3 plan.xlsx - Excel"}, pids={0x1234: 42}, images={42: EXCEL}
    )
    window = Win32Foreground(api).current()
    assert window == ForegroundWindow("EXCEL.EXE", "Q3 plan.xlsx - Excel", "EXCEL")
    assert preview(DEFAULT_RULES, window) == "Editing: Q3 plan.xlsx"


def test_no_foreground_window_is_none() -> None:
    assert Win32Foreground(FakeWin32Api(hwnd=0)).current() is None


def test_a_process_we_may_not_open_keeps_the_title_without_an_app() -> None:
    api = FakeWin32Api(hwnd=9, titles={9: "Administrator: Command Prompt"}, pids={9: 4})
    assert Win32Foreground(api).current() == ForegroundWindow("", "Administrator: Command Prompt")


def test_a_window_without_title_or_process_is_none() -> None:
    assert Win32Foreground(FakeWin32Api(hwnd=9)).current() is None


def test_failing_calls_never_raise() -> None:
    api = FakeWin32Api(hwnd=9, broken=True)
    assert Win32Foreground(api).current() is None
    assert Win32Idle(api).idle_seconds() is None


def test_idle_seconds() -> None:
    assert Win32Idle(FakeWin32Api(ticks=90_500, last_input=30_000)).idle_seconds() == 60.5
    assert Win32Idle(FakeWin32Api(last_input=None)).idle_seconds() is None
    assert Win32Idle(FakeWin32Api()).unsupported_reason is None
