"""The X11 adapters without an X server: choosing them, a display that does not answer, and
decoding the text and WM_CLASS properties an X server hands back."""

from __future__ import annotations

import pytest

# python-xlib is a Linux-only dependency; on Windows and macOS there is no X11 adapter to test.
pytest.importorskip("Xlib", reason="python-xlib is only installed on Linux")

from app.features.status.platform import foreground_source, idle_source
from app.features.status.platform.x11 import (
    X11Connection,
    X11Foreground,
    X11Idle,
    decode_text,
    parse_wm_class,
)


@pytest.mark.parametrize(
    ("type_name", "value", "text"),
    [
        (None, b"Q3 plan.xlsx - LibreOffice Calc", "Q3 plan.xlsx - LibreOffice Calc"),
        (None, "季度计划.xlsx - LibreOffice Calc".encode(), "季度计划.xlsx - LibreOffice Calc"),
        (
            "STRING",
            "Résumé.odt - LibreOffice Writer".encode("latin-1"),
            "Résumé.odt - LibreOffice Writer",
        ),
        (None, b"broken \xff utf-8", "broken \ufffd utf-8"),
        (None, b"title\x00garbage after the terminator", "title"),
        (None, b"", ""),
    ],
)
def test_decode_text(type_name: str | None, value: bytes, text: str) -> None:
    assert decode_text(type_name, value) == text


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (b"libreoffice\x00libreoffice-calc\x00", ("libreoffice", "libreoffice-calc")),
        (b"code\x00Code\x00", ("code", "Code")),
        (b"\x00OnlyClass\x00", ("", "OnlyClass")),
        (b"no-terminator", None),
        (b"\x00\x00", None),
        (b"", None),
    ],
)
def test_parse_wm_class(value: bytes, parsed: tuple[str, str] | None) -> None:
    assert parse_wm_class(value) == parsed


def test_x11_session_gets_the_x11_adapters_sharing_a_given_connection() -> None:
    conn = X11Connection(":0")
    fg = foreground_source(platform="linux", env={"DISPLAY": ":0"}, x11_connection=conn)
    idle = idle_source(platform="linux", env={"DISPLAY": ":0"}, x11_connection=conn)
    assert isinstance(fg, X11Foreground)
    assert isinstance(idle, X11Idle)


def test_x11_display_that_does_not_answer_is_unsupported_not_an_error() -> None:
    clock = [0.0]
    conn = X11Connection(":5999", retry_interval=30.0, monotonic=lambda: clock[0])
    fg = foreground_source(platform="linux", env={"DISPLAY": ":5999"}, x11_connection=conn)
    idle = idle_source(platform="linux", env={"DISPLAY": ":5999"}, x11_connection=conn)
    assert fg.unsupported_reason == "cannot connect to the X display :5999"
    assert fg.current() is None
    assert idle.idle_seconds() is None
    assert idle.unsupported_reason == "cannot connect to the X display :5999"
