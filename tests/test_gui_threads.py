"""Qt objects are destroyed on the GUI thread only: garbage is collected there (gui.collector),
and the worker lets go of an operation before the window does (gui.ops)."""

from __future__ import annotations

import gc
import threading
import weakref

from gui import collector, ops


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_no_collection_runs_on_the_worker_while_a_window_is_open(qtbot):
    seen: list[str] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    def work(progress):
        garbage = 0
        for _ in range(200_000):  # far past every threshold of the automatic collector
            _Node()
            garbage += 1
        return garbage

    gc.callbacks.append(note)
    try:
        op = ops.run_op(None, work, quiet=True)
        with qtbot.waitSignal(op.done, timeout=30_000):
            pass
    finally:
        gc.callbacks.remove(note)
    main = threading.main_thread().name
    assert not gc.isenabled()  # the window's collector owns the collection
    assert [name for name in seen if name != main] == []


def test_the_gui_thread_collects_what_the_thresholds_call_for(qtbot):
    assert not gc.isenabled()
    gc.collect()
    node = _Node()
    gone = weakref.ref(node)
    del node
    for _ in range(gc.get_threshold()[0] + 1):
        _Node()
    assert gone() is not None  # nothing collects automatically any more
    qtbot.waitUntil(lambda: gone() is None, timeout=2 * collector.INTERVAL_MS + 1000)


def test_the_worker_lets_go_of_an_operation_before_the_window_forgets_it(qtbot):
    freed_on: list[str] = []
    op = ops.run_op(None, lambda progress: 42, quiet=True)
    weakref.finalize(op, lambda: freed_on.append(threading.current_thread().name))
    with qtbot.waitSignal(op.done, timeout=10_000):
        pass
    released = op.released
    del op
    qtbot.waitUntil(lambda: not ops._RUNNING, timeout=5_000)  # forgotten once released
    assert released.is_set()
    gc.collect()
    assert freed_on == [threading.main_thread().name]


def test_the_automatic_collector_is_back_without_a_window():
    assert gc.isenabled()  # (the fixture of the tests above gave it back)


def test_a_window_closed_while_its_work_runs_gets_no_callback(qtbot):
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QLabel

    label = QLabel("上次备份：尚未备份")
    go = threading.Event()
    called: list[object] = []

    def done(result: object) -> None:
        called.append(result)
        label.setText("上次备份：刚才")  # a deleted label would raise here

    op = ops.run_op(label, lambda progress: go.wait(10), done, quiet=True)
    label.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert op.orphaned
    with qtbot.waitSignal(op.done, timeout=10_000):
        go.set()
    assert called == []
