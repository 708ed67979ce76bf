"""Which adapter the factories pick, from an injected platform and environment."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from app.features.status.platform import (
    WAYLAND,
    Session,
    UnsupportedForeground,
    UnsupportedIdle,
    detect_session,
    foreground_source,
    idle_source,
)
from app.features.status.platform.base import NO_DISPLAY, NO_XLIB, UNKNOWN_OS
from app.features.status.platform.macos import FrontApp, MacForeground, MacIdle, WindowInfo
from app.features.status.platform.win32 import Win32Foreground, Win32Idle
from tests.unit.features.status_platform.fakes import FakeMacApi, FakeWin32Api


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("win32", {}, Session("win32")),
        ("darwin", {"DISPLAY": ":0"}, Session("macos")),
        ("linux", {"DISPLAY": ":1"}, Session("x11", ":1")),
        ("linux", {"DISPLAY": ":1", "XDG_SESSION_TYPE": "x11"}, Session("x11", ":1")),
        # XWayland sets DISPLAY, but only sees X11 apps: still a Wayland session.
        ("linux", {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, Session("wayland")),
        ("linux", {"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}, Session("wayland")),
        ("linux", {"XDG_SESSION_TYPE": "wayland"}, Session("wayland")),
        # A nested compositor inside an X11 session: the session is X11.
        (
            "linux",
            {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11", "WAYLAND_DISPLAY": "wayland-1"},
            Session("x11", ":0"),
        ),
        ("linux", {}, Session("headless")),
        ("linux", {"DISPLAY": "  "}, Session("headless")),
        ("freebsd14", {"DISPLAY": ":0"}, Session("x11", ":0")),
        ("emscripten", {"DISPLAY": ":0"}, Session("other")),
    ],
)
def test_detect_session(platform: str, env: dict[str, str], expected: Session) -> None:
    assert detect_session(platform, env) == expected


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, WAYLAND),
        ({"XDG_SESSION_TYPE": "wayland"}, WAYLAND),
        ({}, NO_DISPLAY),
    ],
)
def test_linux_without_usable_x_reports_why(env: dict[str, str], reason: str) -> None:
    fg = foreground_source(platform="linux", env=env)
    idle = idle_source(platform="linux", env=env)
    assert isinstance(fg, UnsupportedForeground)
    assert isinstance(idle, UnsupportedIdle)
    assert fg.unsupported_reason == reason == idle.unsupported_reason
    assert fg.current() is None
    assert idle.idle_seconds() is None


def test_wayland_reason_is_the_one_the_settings_show() -> None:
    assert WAYLAND == "Wayland does not let apps see other windows"


def test_unknown_os_is_unsupported() -> None:
    assert foreground_source(platform="emscripten", env={}).unsupported_reason == UNKNOWN_OS


def test_windows_gets_the_win32_adapters() -> None:
    api = FakeWin32Api()
    fg = foreground_source(platform="win32", env={}, win32_api=lambda: api)
    idle = idle_source(platform="win32", env={}, win32_api=lambda: api)
    assert isinstance(fg, Win32Foreground)
    assert isinstance(idle, Win32Idle)
    assert fg.unsupported_reason is None


def test_macos_gets_the_mac_adapters() -> None:
    api = FakeMacApi(FrontApp(7, "Preview", "com.apple.Preview"), [WindowInfo(7, 0, "a.pdf")])
    fg = foreground_source(platform="darwin", env={}, mac_api=lambda: api)
    idle = idle_source(platform="darwin", env={}, mac_api=lambda: api)
    assert isinstance(fg, MacForeground)
    assert isinstance(idle, MacIdle)


@pytest.mark.parametrize(("platform", "what"), [("win32", "Windows"), ("darwin", "macOS")])
def test_os_interfaces_that_will_not_load_are_unsupported(platform: str, what: str) -> None:
    # On this (Linux) machine the real loaders fail, exactly as a broken system would.
    fg = foreground_source(platform=platform, env={})
    idle = idle_source(platform=platform, env={})
    assert fg.unsupported_reason == f"cannot load the {what} interfaces"
    assert idle.unsupported_reason == f"cannot load the {what} interfaces"
    assert fg.current() is None
    assert idle.idle_seconds() is None


@pytest.mark.parametrize("make", [foreground_source, idle_source])
def test_linux_without_python_xlib_says_so(
    make: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "app.features.status.platform.x11", None)  # import fails
    source = make(platform="linux", env={"DISPLAY": ":0"})
    assert isinstance(source, UnsupportedForeground | UnsupportedIdle)
    assert source.unsupported_reason == NO_XLIB
