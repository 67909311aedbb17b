"""One helper for all slow work: ``run_op`` runs ``work`` on a single background worker
(writes, exports, backups: one at a time), or, with ``reads=True``, on the readers' two
workers (what a page reads to show, never queued behind a long write).

``work(progress)`` is plain Python (no widgets); ``progress(fraction, text)`` updates the dialog
and raises Cancelled once the clerk pressed 取消. The progress dialog appears only when the
work takes longer than ~0.5 s. Errors become a readable message box; ``on_done(result)`` runs
on the GUI thread. A cancelled operation says so in a box, except a quiet one (the program
cancelled it, e.g. a preview no longer wanted): its ``done`` signal is all that follows.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from models.changes import Changes
from models.crashlog import write_crash_log
from models.errors import Cancelled, UserError, user_message

if TYPE_CHECKING:
    from gui.bus import ChangeBus
    from models.db import Database


class Context(Protocol):
    """What :func:`perform` needs of the pages' context (gui.context.AppContext): the
    database to write in and the bus to announce the changes on."""

    @property
    def db(self) -> Database: ...

    @property
    def bus(self) -> ChangeBus: ...

Progress = Callable[[float, str], None]
_POOL: QThreadPool | None = None
#: the readers' workers: what a page reads to show (a list's first screenful, a preview) is
#: never queued behind a backup, an import or a verification on the one worker that writes
_READ_POOL: QThreadPool | None = None
#: operations still running (kept alive until they finish)
_RUNNING: set[Op] = set()


def pool() -> QThreadPool:
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(1)
    return _POOL


def read_pool() -> QThreadPool:
    """The workers of ``run_op(..., reads=True)``: two, so a long preview being stopped never
    holds up a list's first screenful."""
    global _READ_POOL
    if _READ_POOL is None:
        _READ_POOL = QThreadPool()
        _READ_POOL.setMaxThreadCount(2)
    return _READ_POOL


def wait_for_workers(msecs: int) -> None:
    """Wait (at most ``msecs`` each) until both the worker and the readers are idle."""
    for each in (_POOL, _READ_POOL):
        if each is not None:
            each.waitForDone(msecs)


class _Signals(QObject):
    progress = Signal(float, str)
    #: an early part of the result (a preview's first screenful), emitted by the work itself
    #: (``op.signals.partial.emit(value)``); delivered on the GUI thread like the others
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, op: Op) -> None:
        super().__init__()
        self.op: Op | None = op
        self.setAutoDelete(True)

    def run(self) -> None:
        """The work, then its outcome signalled to the GUI thread; last, ``op.released``: from
        then on this thread holds no reference to the operation, whose Qt objects are thus
        always destroyed on the GUI thread (a QObject destroyed on the worker, while the GUI
        thread delivers its signal, can crash the program)."""
        op = self.op
        assert op is not None  # (run once)
        self.op = None
        released = op.released
        try:
            self._outcome(op)
        finally:
            del op
            released.set()

    @staticmethod
    def _outcome(op: Op) -> None:
        def progress(fraction: float, text: str) -> None:
            if op.cancel_requested.is_set():
                raise Cancelled()
            op.signals.progress.emit(float(fraction), text)

        try:
            if op.cancel_requested.is_set():  # cancelled while it waited for the worker
                raise Cancelled()
            result = op.work(progress)
        except Cancelled:
            op.signals.cancelled.emit()
        except BaseException as err:
            if not isinstance(err, UserError):
                err.log_path = write_crash_log(traceback.format_exc())  # type: ignore[attr-defined]
            op.signals.failed.emit(err)
        else:
            op.signals.finished.emit(result)


class Op(QObject):
    """A running operation; ``done`` is emitted after on_done/on_error ran (for tests)."""

    done = Signal()

    def __init__(self, parent: QWidget | None, work: Callable[[Progress], Any],
                 on_done: Callable[[Any], None] | None, label: str, cancellable: bool,
                 on_error: Callable[[BaseException], None] | None, quiet: bool = False) -> None:
        super().__init__()
        self.parent_widget = parent
        self.work = work
        self.on_done = on_done
        self.on_error = on_error
        self.cancel_requested = threading.Event()
        #: set by the worker once it holds no reference to this operation any more
        self.released = threading.Event()
        self.signals = _Signals()
        self.signals.progress.connect(self._progress)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._cancelled)
        self.dialog: QProgressDialog | None = None
        if quiet:  # background housekeeping: no progress dialog
            return
        self.dialog = QProgressDialog(label, "取消" if cancellable else "", 0, 1000, parent)
        self.dialog.setWindowTitle("请稍候")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(500)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        if not cancellable:
            self.dialog.setCancelButton(None)
        self.dialog.canceled.connect(self.cancel_requested.set)
        self.dialog.setValue(0)

    def _progress(self, fraction: float, text: str) -> None:
        if self.dialog is None or not shiboken6.isValid(self.dialog):
            return
        self.dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.dialog.setLabelText(text)

    @property
    def orphaned(self) -> bool:
        """The widget that asked is gone (a window closed while the work ran): the callbacks,
        which would reach into deleted widgets, are not called. (Asked when the outcome comes,
        not by a slot on the widget's ``destroyed`` signal: that signal can fire while this
        operation itself is being freed, and a slot on a half-freed object crashes.)"""
        return self.parent_widget is not None and not shiboken6.isValid(self.parent_widget)

    def _close(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.reset()
            self.dialog.close()
            self.dialog.deleteLater()
        self._forget()

    def _forget(self) -> None:
        """Leave the running set once the worker has let go of this operation (a moment after
        its outcome arrives), so that the last reference is always the GUI thread's."""
        if self.released.is_set():
            _RUNNING.discard(self)
        else:
            QTimer.singleShot(5, self._forget)

    def _finished(self, result: Any) -> None:
        self._close()
        try:
            if self.on_done is not None and not self.orphaned:
                self.on_done(result)
        finally:
            self.done.emit()

    def _failed(self, err: BaseException) -> None:
        self._close()
        try:
            if self.orphaned:  # its window is closed (an unexpected error is in the crash log)
                pass
            elif self.on_error is not None:
                self.on_error(err)
            else:
                show_error(self.parent_widget, err)
        finally:
            self.done.emit()

    def _cancelled(self) -> None:
        self._close()
        if self.dialog is not None and not self.orphaned:  # a quiet one: cancelled by the program
            QMessageBox.information(self.parent_widget, "已取消", "操作已取消，没有写入任何数据。")
        self.done.emit()


def error_text(err: BaseException, rolled_back: bool | None = None) -> str:
    """The sentence for ``err``; "数据没有改动" only when ``rolled_back`` is known to be True."""
    said = user_message(err)  # the command line's sentence for the same failure
    if said:
        return said
    where = getattr(err, "log_path", None)
    state = {True: "操作没有完成，数据没有改动。", False: "操作可能只完成了一部分。"}.get(
        rolled_back, "操作没有完成。")  # type: ignore[arg-type]
    return (state + "程序遇到意外错误"
            + (f"，详情已保存到“{where}”，请发给技术支持人员。" if where else "。"))


def show_error(parent: QWidget | None, err: BaseException) -> None:
    QMessageBox.warning(parent, "操作未完成", error_text(err))


def run_op(parent: QWidget | None, work: Callable[[Progress], Any],
           on_done: Callable[[Any], None] | None = None, label: str = "正在处理…",
           cancellable: bool = True,
           on_error: Callable[[BaseException], None] | None = None, quiet: bool = False,
           reads: bool = False) -> Op:
    """Run ``work`` off the GUI thread with a progress dialog (see module docstring); with
    ``quiet`` there is no dialog (background housekeeping, e.g. the daily backup). With
    ``reads`` the work only reads what a page shows (it never writes): it runs on the
    readers' workers (:func:`read_pool`), beside whatever the writing worker is busy with."""
    op = Op(parent, work, on_done, label, cancellable, on_error, quiet)
    _RUNNING.add(op)
    workers = read_pool if reads else pool
    QTimer.singleShot(0, lambda: workers().start(_Runnable(op)))
    return op


class _Failed:
    """What ``perform`` returns when the service was refused or failed (already shown)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()


def _changes_of(result: Any) -> Changes | None:
    if isinstance(result, Changes):
        return result
    if isinstance(result, tuple):
        for part in result:
            if isinstance(part, Changes):
                return part
    return None


def log_unexpected(err: BaseException) -> None:
    """Write the crash log for ``err`` (once) and remember where it went."""
    if getattr(err, "log_path", None) is None:
        text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        try:
            err.log_path = write_crash_log(text)  # type: ignore[attr-defined]
        except Exception:
            pass


def write(db: Database, service: Callable[..., Any], *args: Any) -> Any:
    """``service(session, *args)`` in one write transaction, for work on a background thread
    (``run_op``); the caller publishes the Changes in its on_done."""
    with db.session() as s:
        return service(s, *args)


def perform(ctx: Context, parent: QWidget | None, service: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], None] | None = None, title: str = "操作未完成",
            raise_user_errors: bool = False) -> Any:
    """Run ``service(session, *args)`` in one write transaction (the widgets' only way to write).

    After the commit ``on_done(result)`` runs, then the Changes it returns (itself, or the
    Changes inside a returned tuple) are published on the bus. A UserError is shown as its sentence
    (or re-raised with ``raise_user_errors``, so a dialog can show a ValidationError beside its
    field); anything unexpected is written to the crash log and shown in Chinese, saying whether
    the transaction was rolled back. Returns the service's result, or ``FAILED`` (falsy)."""
    try:
        with ctx.db.session() as s:
            result = service(s, *args)
    except UserError as err:
        if raise_user_errors:
            raise
        QMessageBox.warning(parent, title, err.message)
        return FAILED
    except Exception as err:
        log_unexpected(err)
        QMessageBox.warning(parent, title, error_text(err, rolled_back=True))
        return FAILED
    try:
        if on_done is not None:
            on_done(result)
        changes = _changes_of(result)
        if changes is not None:
            ctx.bus.publish(changes)
    except Exception as err:
        log_unexpected(err)
        where = getattr(err, "log_path", None)
        QMessageBox.warning(parent, "画面没有更新",
                            "数据已经保存，但刷新画面时程序遇到意外错误"
                            + (f"，详情已保存到“{where}”，请发给技术支持人员。" if where else "。")
                            + "请关闭程序后重新打开。")
    return result
