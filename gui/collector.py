"""Python's cyclic garbage collector, run on the GUI thread only.

A window, dialog or Qt object caught in a reference cycle is destroyed when the collector frees
it — by whichever thread happened to trigger the collection. With the collector automatic, that
is often the background worker (an import or a roll-up allocates far more than the window), and a
Qt object destroyed outside the GUI thread, with its children's signals and event filters calling
back into Python in the middle of a collection, can crash the program. So the window turns the
automatic collector off and collects here, on a timer of the GUI thread, by the same thresholds
Python would use (``gc.get_threshold``): the young generations when their counts say so, looked
at every 20 ms — a young collection costs in proportion to what was allocated since the last one,
and a background import allocates a few hundred thousand objects a second: looked at every
250 ms, one collection took 16-27 ms of the GUI thread. The full collection (every object of
the program) is held to once in :data:`FULL_EVERY_S` seconds at most, as Python's own rule holds
it to when a quarter of the long-lived objects are new.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

#: how often the GUI thread looks at the collector's counts (nothing due: a few microseconds;
#: a young collection then takes well under a millisecond, even beside a background import)
INTERVAL_MS = 20
#: the shortest time between two full collections
FULL_EVERY_S = 10.0


class GuiThreadCollector(QObject):
    """Owns the collection for the life of its parent (the application): :meth:`start` turns
    the automatic collector off; :meth:`stop` (also when the parent is destroyed) turns it back
    on."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.destroyed.connect(gc.enable)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()

    #: when the last full collection ran (time.monotonic)
    last_full = float("-inf")

    @classmethod
    def check(cls) -> int:
        """Collect the oldest generation whose count passed its threshold (the full one no
        sooner than :data:`FULL_EVERY_S` after the last); the number of objects found
        unreachable (0 when nothing was due)."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        due = [g for g in range(3) if thresholds[g] and counts[g] > thresholds[g]]
        if due and max(due) == 2:
            if time.monotonic() - cls.last_full < FULL_EVERY_S:
                due.remove(2)
            else:
                cls.last_full = time.monotonic()
        return gc.collect(max(due)) if due else 0


_INSTALLED: GuiThreadCollector | None = None


def install(app: QObject) -> GuiThreadCollector:
    """The collector of ``app`` (the QApplication: made once), started."""
    global _INSTALLED
    if _INSTALLED is None:
        _INSTALLED = GuiThreadCollector(app)
    _INSTALLED.start()
    return _INSTALLED
