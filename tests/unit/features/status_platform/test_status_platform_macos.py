"""The macOS adapters' logic over a fake API, including the Screen Recording permission."""

from __future__ import annotations

from app.features.status import DEFAULT_RULES, ForegroundWindow, preview
from app.features.status.platform.macos import (
    NEEDS_SCREEN_RECORDING,
    FrontApp,
    MacForeground,
    MacIdle,
    WindowInfo,
    front_window_title,
)
from tests.unit.features.status_platform.fakes import FakeMacApi

PREVIEW = FrontApp(501, "Preview", "com.apple.Preview")
WINDOWS = [
    WindowInfo(88, 25, "Menu bar clock"),  # a status item above everything, not a window
    WindowInfo(501, 3, "Preview palette"),  # a floating panel of the same app
    WindowInfo(501, 0, "Supplier contract v4.pdf"),
    WindowInfo(77, 0, "Salary review.numbers"),  # another app's window further back
    WindowInfo(501, 0, "older.pdf"),
]


def test_front_window_title_is_the_frontmost_normal_window_of_the_app() -> None:
    assert front_window_title(WINDOWS, 501) == "Supplier contract v4.pdf"
    assert front_window_title(WINDOWS, 77) == "Salary review.numbers"
    assert front_window_title(WINDOWS, 12) is None
    assert front_window_title([WindowInfo(501, 0, None)], 501) is None


def test_frontmost_app_and_title() -> None:
    fg = MacForeground(FakeMacApi(PREVIEW, WINDOWS))
    window = fg.current()
    assert window == ForegroundWindow("com.apple.Preview", "Supplier contract v4.pdf", "Preview")
    assert preview(DEFAULT_RULES, window) == "Reading: Supplier contract v4.pdf"
    assert fg.unsupported_reason is None
    assert not fg.needs_permission


def test_without_screen_recording_the_reason_says_where_to_grant_it() -> None:
    # Without the permission macOS omits kCGWindowName: the app is known, its title is not.
    api = FakeMacApi(PREVIEW, [WindowInfo(501, 0, None)], capture_allowed=False)
    fg = MacForeground(api)
    assert fg.needs_permission
    assert fg.unsupported_reason == NEEDS_SCREEN_RECORDING
    assert "Screen Recording" in NEEDS_SCREEN_RECORDING
    assert fg.current() == ForegroundWindow("com.apple.Preview", "", "Preview")
    assert preview(DEFAULT_RULES, fg.current()) is None


def test_before_the_permission_existed_titles_are_simply_given() -> None:
    fg = MacForeground(FakeMacApi(PREVIEW, WINDOWS, capture_allowed=None))
    assert not fg.needs_permission
    assert fg.unsupported_reason is None


def test_an_app_without_bundle_id_is_named_by_its_name() -> None:
    api = FakeMacApi(FrontApp(9, "python3"), [WindowInfo(9, 0, "plot")])
    assert MacForeground(api).current() == ForegroundWindow("python3", "plot", "python3")


def test_nothing_frontmost_and_failing_calls_are_none() -> None:
    assert MacForeground(FakeMacApi()).current() is None
    broken = FakeMacApi(PREVIEW, WINDOWS, broken=True)
    assert MacForeground(broken).current() is None
    assert MacIdle(broken).idle_seconds() is None


def test_idle_seconds() -> None:
    assert MacIdle(FakeMacApi(idle=12.5)).idle_seconds() == 12.5
    assert MacIdle(FakeMacApi(idle=None)).idle_seconds() is None
