"""Starting the desktop application: fonts, the database, the main window.

One start path (:class:`Start`): the window's database (models.db.Database, a light handle)
takes the window's lock and its password; then the first screen comes first (issue 14): when
the file holds current first-screen figures (models.first_screen, read with the standard
library), the window and its 首页 come up before SQLAlchemy, the ORM models and the pages are
imported, and a background thread imports them and loads the database; the window completes
itself (``MainWindow.attach``) on the event loop. Otherwise (an older schema to upgrade, a
damaged file, figures of another year) the database is loaded first, with the recovery screen
for a damaged file. This module imports nothing heavy.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject, QTimer, QTranslator, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui import collector
from gui.fonts import load_fonts
from gui.pages import HOMES
from models.db import Database, FileKind
from models.errors import DatabaseDamaged, FileProblem, UserError
from models.paths import default_db_path
from models.peek import read as read_first_screen
from models.resources import APP_ICON

if TYPE_CHECKING:
    from gui.lock import IdleLock
    from gui.main_window import MainWindow

#: the threads a start runs (the loader, the pages' warming): joined before the window's
#: process ends
START_THREADS = ("ggtz-loader", "ggtz-pages")
#: the modules the window needs once the database is open (imported off the GUI thread),
#: with every page's, in the navigation's order (a page clicked never waits for an import:
#: the GUI thread would stall on the import lock while another thread imports it)
HEAVY_MODULES = ("sqlalchemy", "models.engines", "models.stats", "models.reminders",
                 "models.settings", "models.backup", "models.records", "models.security",
                 "gui.context", "gui.lock",
                 *(f"gui.pages.{name}" for name in dict.fromkeys(HOMES.values())))


def install_translations(app: QCoreApplication) -> list[str]:
    """Load Qt's own Chinese translations (standard buttons 是/否/确定, the print preview, file
    and input dialogs) once; returns the names of the files loaded.

    The translators are kept on the application so they live as long as it does."""
    loaded: list[str] = getattr(app, "_ggtz_translators_loaded", None) or []
    if loaded:
        return loaded
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translators: list[QTranslator] = []
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, folder) and app.installTranslator(translator):
            translators.append(translator)
            loaded.append(name)
    app._ggtz_translators = translators  # type: ignore[attr-defined]
    app._ggtz_translators_loaded = loaded  # type: ignore[attr-defined]
    return loaded


class IntegrityCheck(QObject):
    """SQLite's full integrity check of the open file, on a background thread; a failure is
    reported to the clerk with what to do."""

    failed = Signal(str)

    def __init__(self, parent: QWidget, db: Database) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.failed.connect(self._warn)
        threading.Thread(target=self._run, args=(db,), daemon=True).start()

    def _run(self, db: Database) -> None:
        try:
            problems = db.integrity_problems()
        except UserError as err:
            self.failed.emit(err.message)
            return
        if problems:
            self.failed.emit(f"数据库完整性检查发现问题：{problems[0]}")

    def _warn(self, message: str) -> None:
        QMessageBox.critical(self.parent_widget, "数据库可能已损坏",
                             f"{message}\n\n请不要继续录入。到“数据管理 → 备份与恢复”选择最近的备份恢复，"
                             "恢复前程序会把现在的文件另存一份。")


def unlock_at_start(db: Database, smoke: bool = False) -> bool:
    """The password at start, when the file needs one (a key already given is not asked
    again): it unlocks the encrypted file before anything opens it; an older file that holds
    only a password hash is encrypted with it now (it must not stay unprotected). False when
    the clerk gives up."""
    if not db.locked:
        return True
    if smoke:  # the start-up measurement of an encrypted file
        password = os.environ.get("GGTZ_PASSWORD")
        if password is None:
            return False
        db.unlock(password)
        return True
    from gui.lock import PasswordDialog, unlocker

    legacy = db.kind is FileKind.LEGACY
    if not PasswordDialog(db, "关工台账", check=unlocker(db)).exec():
        return False
    if legacy:
        QMessageBox.information(None, "已加密", "这个数据库以前设置过密码，但数据文件还没有加密。"
                                "现在已用这个密码把数据库加密，以后的备份也会加密。")
    return True


class Loader(QObject):
    """Imports the heavy modules and opens the database on a background thread (started by
    :meth:`start`, once ``done`` is connected: a quick failure is never emitted to no one);
    ``done`` carries the Database or the exception (delivered on the GUI thread)."""

    done = Signal(object)

    def __init__(self, parent: QObject, db: Database) -> None:
        super().__init__(parent)
        self.db = db

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True, name="ggtz-loader").start()

    def _run(self) -> None:
        from importlib import import_module

        try:
            for name in HEAVY_MODULES:
                import_module(name)
            from models import first_screen_store, pinyin

            # pypinyin's tables (one unmarshal of ≈20 ms that no other thread can run beside):
            # here, before the pages can be clicked, not beside the first page built
            try:
                pinyin.sort_key("关心下一代")
            except Exception:  # (only time is at stake: the first sort loads them)
                pass

            first_screen_store.install()
            warm_up(self.db.load(check=None))
            self.done.emit(self.db)
        except BaseException as err:
            self.done.emit(err)


def loading_failed_text(err: BaseException, path: Path | None = None) -> str:
    """The sentence when the window could not finish loading after its first screen: a
    foreseeable SQLite refusal (read-only place, another program writing) said as such, else
    the unexpected error (its details in the crash log, written here if not yet)."""
    from gui.ops import log_unexpected
    from models.errors import user_message

    said = user_message(err, path)
    if said:
        return said
    log_unexpected(err)
    where = getattr(err, "log_path", None)
    return ("数据库没能载入完成，程序遇到意外错误"
            + (f"，详情已保存到“{where}”" if where else "")
            + "。请点“确定”关闭程序，再重新打开；如果还是打不开，请把"
            + ("这个文件" if where else "这个情况") + "发给技术支持人员。")


def warm_up(db: Database) -> None:
    """Pay here, off the GUI thread, what the first queries of the GUI thread would pay: the
    ORM's mapper configuration and the compiling of the start-up reads."""
    import datetime as dt

    from sqlalchemy.orm import configure_mappers

    from models import first_screen_store, security, settings

    configure_mappers()
    with db.reader() as s:
        settings.committee(s)
        security.lock_minutes(s)
        first_screen_store.stored(s, dt.date.today().year)


def warm_page_reads(db: Database) -> None:
    """The reads that 汇总 and 设置 make on the GUI thread when built (small, but their
    statements' first compiling is half their time), made once here off it: SQLAlchemy keeps
    the compiled statements, so the pages' own reads are quick. Results are dropped."""
    import datetime as dt

    from models import aliases, chain, rollup, rollup_status, security, settings

    year = dt.date.today().year
    with db.reader() as s:
        rollup.years_with_packages(s)
        rollup_status.status(s, year)
        rollup.latest_packages(s, year)
        chain.own_fingerprint_if_made(s)
        rollup.expected_units(s)
        chain.locked_years(s)
        aliases.listing(s)
        settings.committee(s)
        security.lock_minutes(s)


def warm_pages(db: Database) -> threading.Thread:
    """Import every page's module in the background (a first click on a page then only builds
    it), have the reads that pages make on the GUI thread as they are built compiled once
    (:func:`warm_page_reads`), then remove what a killed print preview left in the temporary
    folder; returns the thread. It touches no Qt object. Once it has ended,
    :meth:`Start._warm` takes what start-up made out of the garbage collector's scans."""
    from importlib import import_module

    from gui import pages

    def run() -> None:
        for module in dict.fromkeys(pages.HOMES.values()):  # the navigation's order
            try:
                import_module(f"gui.pages.{module}")
            except Exception:
                return
        try:
            warm_page_reads(db)
        except Exception:  # (only time is at stake: the page reads it again when built)
            pass
        from models.outputs import remove_stale_temp

        remove_stale_temp()  # what a killed print preview left (the window's start: here)

    thread = threading.Thread(target=run, daemon=True, name="ggtz-pages")
    thread.start()
    return thread


class StallMeter(QObject):
    """The longest gap between ticks of a 5 ms timer: how long the event loop (input,
    painting) was held up while the heavy part loaded; and ``busiest``, the most CPU time the
    GUI thread itself spent between two ticks (its longest piece of work: on a loaded machine
    a gap also holds the time the process waited for a core or for another thread's GIL)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.longest = 0.0
        self.busiest = 0.0
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.timer = QTimer(self)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.timer.start()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.longest = max(self.longest, now - self._last)
        self.busiest = max(self.busiest, cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.longest


def run_app(db_path: Path | None, smoke: bool = False, started: float | None = None) -> int:
    """Show the main window on the database at ``db_path`` (default: the user's).

    With ``smoke`` the window prints ``startup_ms`` (from ``started``, the process start) as
    soon as the first screen shows its figures, then ``loaded_ms`` once every part is loaded
    and ``max_gap_ms`` (the event loop's longest stall in between), and closes."""
    started = time.perf_counter() if started is None else started
    if QApplication.instance() is None:
        from gui import system_libs

        missing = system_libs.problem()
        if missing:  # Qt would abort with an English message: say it in Chinese instead
            print(missing, file=sys.stderr)
            return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # (instance() is typed as the core application)
    install_translations(app)
    collector.install(app)  # garbage (and the Qt objects in it) freed on this thread only
    app.setApplicationName("关工台账")
    app.setWindowIcon(QIcon(str(APP_ICON)))
    load_fonts(app)
    db = Database(db_path or default_db_path())
    # until the hook is in (right after the first screen, or before the full start), an
    # unexpected error reaches main.main, which logs it and says so
    try:
        if not db.claim_window(timeout=0.2):  # held until the window closes the database
            from gui.guard import other_instance_message

            raise FileProblem(other_instance_message(db.path))
    except UserError as err:
        if smoke:
            raise
        QMessageBox.critical(None, "无法打开数据库", err.message)
        return err.exit_code
    try:
        return Start(app, db, smoke, started).run()
    finally:
        # a worker still running Python when the interpreter ends is cut off inside Qt's C++
        # (the process aborts: "terminate called without an active exception")
        ops = sys.modules.get("gui.ops")
        if ops is not None:
            ops.wait_for_workers(30_000)
        # the same for the start's own threads: the loader may still be returning from the
        # signal that carried its outcome (inside PySide's C++) when the window has closed
        for thread in threading.enumerate():
            if thread.name in START_THREADS and thread is not threading.current_thread():
                thread.join(30)


class Start:
    """One start of the window on its database: the password, then the first screen — from
    the stored figures while the database loads behind it, or after loading it here — then
    everything else (:meth:`complete`). Holds what the start made (the window, its loader,
    idle lock and background checks) for the window's life."""

    def __init__(self, app: QCoreApplication, db: Database, smoke: bool, started: float) -> None:
        self.app, self.db, self.smoke, self.started = app, db, smoke, started
        self.window: MainWindow | None = None
        self.meter: StallMeter | None = None
        self.failure: BaseException | None = None
        self.loader: Loader | None = None
        self.idle_lock: IdleLock | None = None
        self.integrity: IntegrityCheck | None = None
        self.pages_thread: threading.Thread | None = None

    def run(self) -> int:
        from gui.main_window import MainWindow

        unlocked = unlock_at_start(self.db, self.smoke)
        if not unlocked and self.db.kind is FileKind.LEGACY:
            return 2  # an older file's password was not given: nothing opened
        # an encrypted file is read with the key just given; without it, loading it here
        # shows the recovery screen (a file that is not a database looks the same as an
        # encrypted one until a password opens it)
        peek = read_first_screen(self.db.path, key=self.db.key) if unlocked else None
        if peek is not None and peek.screen is not None:
            code = self._show(MainWindow(None, preview=peek.screen, path=self.db.path))
            if self.failure is None:
                return code
            if not self.smoke and not isinstance(self.failure, UserError):
                return 2  # said already (_give_up)
            # the file could not be loaded after all (damaged under us, a second look
            # refused it): loaded here, with its recovery screen and messages
            assert self.window is not None
            self.window.deleteLater()
            if self.smoke:
                raise self.failure
        try:
            if not self._load_here():
                return 2
        except UserError as err:
            if self.smoke:
                raise
            QMessageBox.critical(None, "无法打开数据库", err.message)
            return err.exit_code
        return self._show(MainWindow(self.db))

    def _load_here(self) -> bool:
        """Load the database before the window; a damaged file goes to the recovery screen
        (not in smoke). False when the clerk leaves it without restoring. Raises UserError."""
        from gui.excepthook import install_excepthook
        from gui.guard import RecoveryDialog
        from models import first_screen_store

        install_excepthook()
        first_screen_store.install()
        try:
            # the header, version and schema are checked now; the full integrity check of a
            # large file runs in the background once the window is up (see IntegrityCheck)
            self.db.load(check=None)
        except DatabaseDamaged as err:
            if self.smoke:
                raise
            dialog = RecoveryDialog(self.db, err.message)
            if not dialog.exec() or not dialog.restored:
                return False
            self.db.load()
        return True

    def _show(self, window: MainWindow) -> int:
        self.window = window
        self.meter = StallMeter(window)
        window.first_screen_ready.connect(lambda: QTimer.singleShot(0, self._first_screen))
        window.show()
        return self.app.exec()

    def _first_screen(self) -> None:
        """The first screen is shown: a window on stored figures starts loading its
        database; a window on the loaded database completes itself."""
        assert self.window is not None and self.meter is not None
        if self.smoke:
            print(f"startup_ms={int((time.perf_counter() - self.started) * 1000)}", flush=True)
        if self.window.ctx is not None:
            self.complete()
            return
        from gui.excepthook import install_excepthook

        install_excepthook()
        self.meter.start()
        self.loader = Loader(self.window, self.db)
        self.loader.done.connect(self._loaded)
        self.loader.start()

    def _loaded(self, result: Any) -> None:
        assert self.window is not None
        if isinstance(result, UserError):  # foreseeable: loaded here, with its screens
            self.failure = result
            self.window.hide()
            self.app.quit()
            return
        if isinstance(result, BaseException):
            self._give_up(result)
            return
        try:
            self.complete()
        except Exception as err:
            self._give_up(err)

    def _give_up(self, err: BaseException) -> None:
        """An unexpected failure after the first screen: the sentence, then the end (the
        window never waits for what will not come)."""
        assert self.window is not None
        self.failure = err
        if not self.smoke:
            QMessageBox.critical(self.window, "无法载入数据库",
                                 loading_failed_text(err, self.db.path))
        self.window.hide()
        self.app.exit(2)

    def complete(self) -> None:
        """Everything after the first screen: the loaded database given to the window, the
        idle lock, the stored figures made current for a next start, the first-run questions
        and the background integrity check; in smoke, the figures printed and the window
        closed."""
        from gui.lock import IdleLock
        from gui.main_window import schedule_first_run
        from gui.ops import run_op, write

        window, db = self.window, self.db
        assert window is not None and self.meter is not None
        if window.ctx is None:
            window.attach(db)
        self.idle_lock = IdleLock(window, db, window.ctx.bus)
        # a start that could not use stored figures (another year, an interrupted upgrade)
        # stores them now, so the next start can (one quiet transaction in the background)
        peek = read_first_screen(db.path, key=db.key)
        if peek.screen is None and not peek.locked:
            run_op(window, lambda _p: write(db, lambda _s: None), quiet=True,
                   on_error=lambda _err: None)
        # the pages' modules are imported in the background once the 首页 is complete (first
        # what the first page needs; the smoke measures the start-up the clerk gets, so it
        # does the same)
        home: Any = window.pages["首页"]
        if home.reminders_done:  # the 首页 is complete when its reminders are shown
            self._warm()
        else:
            home.reminders_shown.connect(self._warm)
        if self.smoke:
            self._report()
            return
        schedule_first_run(window)
        self.integrity = IntegrityCheck(window, db)
        verify_first_screen(window, db)

    def _warm(self) -> None:
        if self.pages_thread is not None or self.window is None:
            return
        thread = self.pages_thread = warm_pages(self.db)
        poll = QTimer(self.window)  # ends with the window
        poll.setInterval(50)

        def frozen_when_warm() -> None:
            """``gc.freeze``, on the GUI thread (never beside a collection in progress) once
            the pages are imported: what start-up made leaves the collector's scans, so a
            full collection while a large list is read walks only what came later, instead
            of stalling the event loop a quarter of a second walking every module and class."""
            if thread.is_alive():
                return
            poll.stop()
            import gc

            gc.freeze()

        poll.timeout.connect(frozen_when_warm)
        poll.start()

    def _report(self) -> None:
        """Smoke: the times printed once the 首页 shows its reminders, then the window closed
        (after visiting every page with GGTZ_SMOKE_PAGES=1)."""
        window, meter, app = self.window, self.meter, self.app
        assert window is not None and meter is not None

        def report() -> None:
            gap = meter.stop() if meter.timer.isActive() else 0.0
            print(f"loaded_ms={int((time.perf_counter() - self.started) * 1000)}", flush=True)
            print(f"max_gap_ms={int(gap * 1000)}", flush=True)
            print(f"max_busiest_ms={int(meter.busiest * 1000)}", flush=True)
            if os.environ.get("GGTZ_SMOKE_PAGES") == "1":
                visit_every_page(window, self.started, lambda: (window.close(), app.quit()))
                return
            window.close()
            app.quit()

        home: Any = window.pages["首页"]
        if home.reminders_done:
            QTimer.singleShot(0, report)
        else:
            home.reminders_shown.connect(report)


def visit_every_page(window: MainWindow, started: float, then: Any) -> None:
    """Smoke with GGTZ_SMOKE_PAGES=1: click every page in turn, each once the previous one
    is ready — shows its first screenful of data, painted (its list's first rows, its 回收站
    and 操作日志, its report preview's first rows: whatever has a ``loading`` property is
    read, or says ``first_shown``) — then print ``page_ms`` (each page: click → ready),
    ``pages_ready_ms`` (the slowest of them: every page ready within it), ``slowest_page``,
    ``pages_gap_ms`` (the event loop's longest stall meanwhile) with ``stall_page`` (the page
    clicked last when it happened), ``pages_busiest_ms`` (the GUI thread's own longest piece
    of work), ``pages_ms`` (from ``started``: every page visited) and, once the background
    work the visit started is done too (a preview left building), ``pages_all_ms``; then
    call ``then``."""
    from gui.main_window import NAV
    from gui.ops import _RUNNING

    meter = StallMeter(window)
    meter.start()
    pending = list(range(len(NAV)))
    each: list[tuple[str, int]] = []  # page, ms from its click to its first screenful painted
    stall: list[Any] = ["", 0.0]  # the page clicked last when the longest stall so far happened
    clicked = [0.0]

    parts: list[QWidget] = []  # the page's widgets that read their data in the background

    def ready() -> bool:
        return not any(w.loading and not getattr(w, "first_shown", False)  # type: ignore[attr-defined]
                       for w in parts)

    def step() -> None:
        if meter.longest > stall[1]:
            stall[:] = [NAV[len(NAV) - len(pending) - 1], meter.longest]
        if clicked[0]:
            shown = window.stack.currentWidget()
            if not parts and shown is not None:
                parts.extend(w for w in (shown, *shown.findChildren(QWidget))
                             if hasattr(w, "loading"))
            if not ready():
                QTimer.singleShot(5, step)
                return
            page = window.stack.currentWidget()
            if page is not None:
                page.repaint()  # its first screenful painted, not only read
            each.append((NAV[len(NAV) - len(pending) - 1],
                         int((time.perf_counter() - clicked[0]) * 1000)))
            clicked[0] = 0.0
            parts.clear()
            QTimer.singleShot(0, step)  # the next click in a turn of its own, as a clerk's
            return
        if pending:
            row = pending.pop(0)
            clicked[0] = time.perf_counter()
            window.nav.setCurrentRow(row)
            QTimer.singleShot(0, step)
            return
        gap = meter.stop()
        slowest = max(each, key=lambda e: e[1])
        print(f"page_ms={','.join(f'{name}:{ms}' for name, ms in each)}", flush=True)
        print(f"pages_ready_ms={slowest[1]}", flush=True)
        print(f"slowest_page={slowest[0]}:{slowest[1]}", flush=True)
        print(f"pages_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
        print(f"pages_gap_ms={int(gap * 1000)}", flush=True)
        print(f"stall_page={stall[0]}", flush=True)
        print(f"pages_busiest_ms={int(meter.busiest * 1000)}", flush=True)

        def housekept() -> None:
            if _RUNNING:
                QTimer.singleShot(5, housekept)
                return
            print(f"pages_all_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
            then()

        QTimer.singleShot(0, housekept)

    QTimer.singleShot(0, step)


def verify_first_screen(window: MainWindow, db: Database) -> Any:
    """In the background: when the stored figures claim to be current but differ from the
    records (a file edited by another program), store them anew and refresh the 首页.
    Returns the running operation (gui.ops.Op)."""
    from gui.ops import run_op, write
    from models.changes import Changes
    from models.check import first_screen_disagrees
    from models.first_screen_store import mark_stale

    def work(_progress: Any) -> bool:
        if not first_screen_disagrees(db.path, db.key):
            return False
        write(db, mark_stale)  # the session helper's hook stores them anew
        return True

    def done(fixed: bool) -> None:
        if fixed and window.ctx is not None:
            window.ctx.bus.publish(Changes.of("settings"))

    return run_op(window, work, done, quiet=True, on_error=lambda _err: None)
