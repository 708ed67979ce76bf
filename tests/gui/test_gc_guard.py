"""The GUI-thread garbage collector: automatic collection off, cycles still collected."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtWidgets import QApplication

from ui.gc_guard import GuiThreadCollector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector can free it


def test_it_takes_over_collection_and_frees_cycles_on_its_own_thread(qapp: QApplication) -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    collector = GuiThreadCollector(qapp)
    try:
        assert not gc.isenabled()
        node = _Node()
        ref = weakref.ref(node)
        del node
        for _ in range(gc.get_threshold()[0] + 10):  # fill generation 0 past its threshold
            _Node()
        assert ref() is not None  # nothing collects behind our back
        collector.collect()
        assert ref() is None
    finally:
        collector.stop()
        collector.deleteLater()
        assert gc.isenabled()
        if not was_enabled:
            gc.disable()
