"""Python's cyclic garbage collector, run only on the GUI thread.

The collector runs on whichever thread happens to allocate when a generation fills up — often
the store's worker thread or an executor thread. If the garbage it finds includes a widget (a
closed window kept only by a reference cycle), the widget's C++ destructor then runs on that
thread, which Qt forbids and which crashes in ``~QAbstractItemView``. So automatic collection is
switched off and this object collects, by the same generation thresholds, from a QTimer on the
GUI thread (the usual remedy for PyQt/PySide applications).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        """What automatic collection would have done by now, generation by generation."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self._threshold
        if c0 > t0:
            gc.collect(0)
            if c1 > t1:
                gc.collect(1)
                if c2 > t2:
                    gc.collect(2)

    def stop(self) -> None:
        """Hand collection back to Python (as it was before)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
