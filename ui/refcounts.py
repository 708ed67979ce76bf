"""Headroom for the singletons PySide6 6.12 over-releases on CPython < 3.12 (None, True, False).

Many void methods (QPainter.save/restore, QTextDocument.drawContents/setTextWidth,
QAbstractTextDocumentLayout.draw) release one reference to None per call without taking it, and
``Signal.emit`` does the same to True (every dataChanged a model emits). A window that paints and
syncs long enough drives the count to zero and aborts ("none_dealloc", "bool_dealloc"). CPython 3.12
made these objects immortal (PEP 683); until the project requires it (or PySide fixes the binding)
give them the same headroom. Applied when ``ui`` is first imported, before any Qt call.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 48


def keep_singletons_alive() -> None:
    if sys.version_info < (3, 12) and sys.implementation.name == "cpython":
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += HEADROOM
