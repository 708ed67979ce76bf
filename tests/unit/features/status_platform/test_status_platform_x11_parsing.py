"""Decoding X11 text and WM_CLASS properties (the bytes an X server hands back)."""

from __future__ import annotations

import pytest

from app.features.status.platform.x11 import decode_text, parse_wm_class


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
