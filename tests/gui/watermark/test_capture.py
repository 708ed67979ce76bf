"""Capture protection. On Linux the real code path runs and must report "unsupported" with its
reason. The Windows and macOS paths cannot run here: their native calls (user32's
SetWindowDisplayAffinity, the Objective-C setSharingType:) are replaced by fake functions that
record their arguments, so these tests prove which call would be made with which arguments and
how its result is reported, not that the OS honours it."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.watermark.capture import (
    LINUX_REASON,
    NS_WINDOW_SHARING_NONE,
    NS_WINDOW_SHARING_READ_ONLY,
    OFF,
    WDA_EXCLUDEFROMCAPTURE,
    WDA_MONITOR,
    WDA_NONE,
    CaptureGuard,
    MacBackend,
    ProtectionState,
    UnsupportedBackend,
    WindowsBackend,
    backend_for,
)


class FakeNative:
    """Stands in for the native call: records (handle, value) and returns ``result``."""

    def __init__(self, result: bool = True) -> None:
        self.calls: list[tuple[int, int]] = []
        self.result = result

    def __call__(self, handle: int, value: int) -> bool:
        self.calls.append((handle, value))
        return self.result


def _window(qtbot: QtBot) -> QWidget:
    window = QWidget()
    window.resize(200, 100)
    qtbot.addWidget(window)
    return window


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux report")
def test_on_linux_it_reports_unsupported_with_the_reason(qtbot: QtBot) -> None:
    guard = CaptureGuard()  # the real backend for this OS
    window = _window(qtbot)
    guard.add_window(window)
    window.show()
    assert guard.state == OFF
    with qtbot.waitSignal(guard.state_did_change) as signal:
        state = guard.set_enabled(True)
    assert state == ProtectionState(False, LINUX_REASON) == signal.args[0]
    assert "unsupported on Linux" in state.reason
    assert guard.set_enabled(False) == OFF


def test_other_platforms_say_which() -> None:
    assert isinstance(backend_for("linux"), UnsupportedBackend)
    assert backend_for("freebsd14").apply(1, True) == ProtectionState(
        False, "unsupported on freebsd14"
    )


def test_windows_2004_and_later_exclude_the_window_from_capture() -> None:
    native = FakeNative()
    backend = WindowsBackend(set_affinity=native, build=19045)
    state = backend.apply(0xBEEF, True)
    assert native.calls == [(0xBEEF, WDA_EXCLUDEFROMCAPTURE)] and WDA_EXCLUDEFROMCAPTURE == 0x11
    assert state.active and "excluded" in state.reason
    assert backend.apply(0xBEEF, False) == OFF
    assert native.calls[-1] == (0xBEEF, WDA_NONE)


def test_older_windows_falls_back_to_a_black_window() -> None:
    native = FakeNative()
    state = WindowsBackend(set_affinity=native, build=18363).apply(7, True)
    assert native.calls == [(7, WDA_MONITOR)]
    assert state.active and "18363" in state.reason and "black" in state.reason


def test_a_refused_windows_call_is_reported_inactive() -> None:
    backend = WindowsBackend(
        set_affinity=FakeNative(result=False), build=22631, last_error=lambda: 5
    )
    assert backend.apply(7, True) == ProtectionState(
        False, "SetWindowDisplayAffinity failed (error 5)"
    )


def test_macos_sets_sharing_type_none_and_back() -> None:
    native = FakeNative()
    backend = MacBackend(set_sharing_type=native)
    assert backend.apply(0x1234, True).active
    assert backend.apply(0x1234, False) == OFF
    assert native.calls == [(0x1234, NS_WINDOW_SHARING_NONE), (0x1234, NS_WINDOW_SHARING_READ_ONLY)]
    refused = MacBackend(set_sharing_type=FakeNative(result=False)).apply(0x1234, True)
    assert not refused.active


def test_the_guard_re_applies_when_the_native_window_is_shown_again_or_recreated(
    qtbot: QtBot,
) -> None:
    """Fake native call (see module docstring); the Show events and the native window are
    real Qt ones, and the WinIdChange comes from actually recreating the native window."""
    native = FakeNative()
    guard = CaptureGuard(backend=WindowsBackend(set_affinity=native, build=19045))
    window = _window(qtbot)
    guard.add_window(window)
    guard.set_enabled(True)
    assert native.calls == []  # no native window yet: nothing to call
    assert guard.state == ProtectionState(False, "waiting for the window to be shown", pending=True)

    window.show()
    qtbot.waitExposed(window)
    # Creating the native window (WinIdChange) and showing it (Show) both apply it; the call
    # is idempotent, so twice is harmless.
    assert native.calls and set(native.calls) == {(int(window.winId()), WDA_EXCLUDEFROMCAPTURE)}
    assert guard.state.active

    before = len(native.calls)
    window.hide()
    window.show()
    assert len(native.calls) == before + 1

    before = len(native.calls)
    window.destroy()  # the native window goes away; Qt makes a new one on show
    window.show()
    assert len(native.calls) == before + 2  # the new native window's WinIdChange, and Show
    assert native.calls[-1] == (int(window.winId()), WDA_EXCLUDEFROMCAPTURE)

    before = len(native.calls)
    QApplication.sendEvent(window, QEvent(QEvent.Type.WinIdChange))
    assert len(native.calls) == before + 1


def test_the_guard_reports_active_only_when_every_window_is_protected(qtbot: QtBot) -> None:
    results: dict[int, bool] = {}

    def native(handle: int, value: int) -> bool:
        return results.setdefault(handle, True)

    guard = CaptureGuard(backend=MacBackend(set_sharing_type=native))
    main, preview = _window(qtbot), _window(qtbot)
    main.show()
    preview.show()
    results[int(preview.winId())] = False  # say the preview has no NSWindow
    guard.add_window(main)
    guard.add_window(preview)
    state = guard.set_enabled(True)
    assert not state.active and "NSWindow" in state.reason
    results[int(preview.winId())] = True
    preview.hide()
    preview.show()
    assert guard.state.active
