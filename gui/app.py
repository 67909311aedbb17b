"""Starting the desktop application: fonts, the database, the main window.

Start-up shows the first screen first (issue 14): when the file holds current first-screen
figures (models.first_screen, read with the standard library), the window and its 首页 come up
before SQLAlchemy, the ORM models and the pages are imported; a background thread then imports
them and opens the database, and the window completes itself (``MainWindow.attach``) on the
event loop. Otherwise (an older schema to upgrade, a password, a damaged file, figures of
another year) the database is opened first, as before. This module imports nothing heavy.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject, QTimer, QTranslator, Signal
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui import style
from models import filelock, sqlconnect
from models.errors import DatabaseDamaged, FileProblem, UserError, describe_os_error
from models.paths import default_db_path
from models.peek import read as read_first_screen
from models.resources import APP_ICON, FONT_FILE
from models.sqlitefile import inspect_file

if TYPE_CHECKING:
    from gui.main_window import MainWindow
    from models.db import Database
    from models.filelock import FileLock

#: the modules the window needs once the database is open (imported off the GUI thread)
HEAVY_MODULES = ("sqlalchemy", "models.db", "models.stats", "models.reminders",
                 "models.settings", "models.backup", "models.records", "models.security",
                 "gui.context", "gui.lock")


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


def load_fonts(app: QApplication) -> str:
    """Register the bundled CJK font and apply it with the chosen size; returns its family."""
    families: list[str] = []
    if FONT_FILE.exists():
        fid = QFontDatabase.addApplicationFont(str(FONT_FILE))
        families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
    family = families[0] if families else app.font().family()
    if sys.platform == "win32" and "Microsoft YaHei" in QFontDatabase.families():
        family = "Microsoft YaHei"  # Windows' own UI font renders crisper on old screens
    style.apply(app, family)
    return family


class IntegrityCheck(QObject):
    """SQLite's full integrity check of the open file, on a background thread; a failure is
    reported to the clerk with what to do."""

    failed = Signal(str)

    def __init__(self, parent: QWidget, path: Path) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.failed.connect(self._warn)
        threading.Thread(target=self._run, args=(path,), daemon=True).start()

    def _run(self, path: Path) -> None:
        try:
            _version, problems = inspect_file(path, full=True)
        except UserError as err:
            self.failed.emit(err.message)
            return
        if problems:
            self.failed.emit(f"数据库完整性检查发现问题：{problems[0]}")

    def _warn(self, message: str) -> None:
        QMessageBox.critical(self.parent_widget, "数据库可能已损坏",
                             f"{message}\n\n请不要继续录入。到“数据管理 → 备份与恢复”选择最近的备份恢复，"
                             "恢复前程序会把现在的文件另存一份。")


def unlock_at_start(path: Path, smoke: bool = False) -> bool:
    """The password at start, when the file has one: it unlocks the encrypted file before
    anything opens it (a key already given in this process is not asked again). An older file
    that holds only a password hash is encrypted with it now (it must not stay unprotected).
    False when the clerk gives up (the caller then opens the file anyway, which shows the
    recovery screen: a file that is not a database looks the same as an encrypted one until a
    password opens it)."""
    import os

    from PySide6.QtCore import Qt

    from gui.lock import PasswordDialog, legacy_checker, unlocker
    from models import security

    if security.is_encrypted(path):
        if sqlconnect.key_of(path) is not None:
            return True
        if smoke:  # the start-up measurement of an encrypted file
            password = os.environ.get("GGTZ_PASSWORD")
            return password is not None and security.unlock(path, password) is not None
        return bool(PasswordDialog(path, "关工台账", check=unlocker(path)).exec())
    if not security.legacy_password_set(path):
        return True
    dialog = PasswordDialog(path, "关工台账", check=legacy_checker(path))
    if not dialog.exec():
        return False
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        security.change_password(path, dialog.password.text(), window_locked=True,
                                  existing=True)
    finally:
        QApplication.restoreOverrideCursor()
    QMessageBox.information(None, "已加密", "这个数据库以前设置过密码，但数据文件还没有加密。"
                            "现在已用这个密码把数据库加密，以后的备份也会加密。")
    return True


def _lock(path: Path) -> FileLock:
    """The window's lock on ``path`` (its folder made first). Raises UserError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FileProblem(describe_os_error(err, path.parent)) from err
    from gui.guard import other_instance_message

    lock = filelock.window_lock(path, timeout=0.2)  # = gui.guard.lock_database, kept light
    if lock is None:
        raise FileProblem(other_instance_message(path))
    return lock


def _open_database(path: Path, smoke: bool, unlock: bool = True) -> Database | None:
    """Open the locked database; a damaged file goes to the recovery screen (not in smoke).

    Returns None when the clerk leaves the recovery screen without restoring.
    Raises UserError with the sentence to show."""
    from gui.guard import RecoveryDialog
    from models import first_screen_store, security
    from models.db import Database

    first_screen_store.install()
    if unlock and not unlock_at_start(path, smoke) and not security.is_encrypted(path):
        return None  # an older file's password was not given: nothing opened
    try:
        # the header, version and schema are checked now; the full integrity check of a large
        # file runs in the background once the window is up (see IntegrityCheck)
        return Database.open(path, check=None)
    except DatabaseDamaged as err:
        if smoke:
            raise
        dialog = RecoveryDialog(path, err.message)
        if not dialog.exec() or not dialog.restored:
            return None
        return Database.open(path)


class Loader(QObject):
    """Imports the heavy modules and opens the database on a background thread; ``done``
    carries the Database or the exception (delivered on the GUI thread)."""

    done = Signal(object)

    def __init__(self, parent: QObject, path: Path) -> None:
        super().__init__(parent)
        self.path = path
        threading.Thread(target=self._run, daemon=True, name="ggtz-loader").start()

    def _run(self) -> None:
        from importlib import import_module

        try:
            for name in HEAVY_MODULES:
                import_module(name)
            from models import first_screen_store
            from models.db import Database

            first_screen_store.install()
            db = Database.open(self.path, check=None)
            warm_up(db)
            self.done.emit(db)
        except BaseException as err:
            self.done.emit(err)


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


def warm_pages() -> threading.Thread:
    """Import every page's module in the background (a first click on a page then only builds
    it); returns the thread."""
    from importlib import import_module

    from gui import pages

    def run() -> None:
        for module in sorted(set(pages.HOMES.values())):
            try:
                import_module(f"gui.pages.{module}")
            except Exception:
                return

    thread = threading.Thread(target=run, daemon=True, name="ggtz-pages")
    thread.start()
    return thread


class StallMeter(QObject):
    """The longest gap between ticks of a 5 ms timer: how long the event loop (input,
    painting) was held up while the heavy part loaded."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer(self)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

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
    install_translations(app)
    app.setApplicationName("关工台账")
    app.setWindowIcon(QIcon(str(APP_ICON)))
    load_fonts(app)
    path = Path(db_path or default_db_path()).expanduser().resolve()
    # until the hook is in (right after the first screen, or before the full start), an
    # unexpected error reaches main.main, which logs it and says so
    try:
        lock = _lock(path)
    except UserError as err:
        if smoke:
            raise
        QMessageBox.critical(None, "无法打开数据库", err.message)
        return err.exit_code
    if sqlconnect.is_encrypted(path) and not unlock_at_start(path, smoke):
        return _run_opened(app, path, lock, smoke, started, unlock=False)  # recovery screen
    peek = read_first_screen(path)  # an encrypted file is read with the key just given
    if peek.screen is None:  # upgrade, older password, damage, another year: open first
        return _run_opened(app, path, lock, smoke, started)
    from gui.main_window import MainWindow

    window = MainWindow(None, preview=peek.screen, path=path)
    window.lock = lock
    meter = StallMeter(window)
    failure: list[BaseException] = []

    def loaded(result: Any) -> None:
        if isinstance(result, BaseException):
            failure.append(result)
            window.hide()
            app.quit()
            return
        _complete(app, window, result, smoke, started, meter)

    def first() -> None:
        if smoke:
            print(f"startup_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
        from gui.ops import install_excepthook

        install_excepthook()
        meter.start()
        window.loader = Loader(window, path)
        window.loader.done.connect(loaded)

    window.first_screen_ready.connect(lambda: QTimer.singleShot(0, first))
    window.show()
    code = app.exec()
    if not failure:
        return code
    # the file could not be opened after all (damaged under us, a second look refused it):
    # the usual way, with its recovery screen and messages
    window.deleteLater()
    if smoke:
        raise failure[0]
    return _run_opened(app, path, lock, smoke, started)


def _run_opened(app: QApplication, path: Path, lock: FileLock, smoke: bool,
                started: float, unlock: bool = True) -> int:
    """Open the database first, then show the window on it (the start-up before issue 14)."""
    from gui.ops import install_excepthook

    install_excepthook()
    try:
        db = _open_database(path, smoke, unlock)
    except UserError as err:
        if smoke:
            raise
        QMessageBox.critical(None, "无法打开数据库", err.message)
        return err.exit_code
    if db is None:
        return 2
    from gui.main_window import MainWindow

    window = MainWindow(db)
    window.lock = lock
    meter = StallMeter(window)
    if smoke:
        window.first_screen_ready.connect(lambda: print(
            f"startup_ms={int((time.perf_counter() - started) * 1000)}", flush=True))
    window.first_screen_ready.connect(
        lambda: QTimer.singleShot(0, lambda: _complete(app, window, db, smoke, started, meter)))
    window.show()
    return app.exec()


def _complete(app: QApplication, window: MainWindow, db: Database, smoke: bool,
              started: float, meter: StallMeter) -> None:
    """Everything after the first screen: the open database given to the window, the idle
    lock, the stored figures made current for a next start, the first-run questions and the
    background integrity check; in smoke, the figures printed and the window closed."""
    from gui.lock import IdleLock
    from gui.main_window import schedule_first_run
    from gui.ops import run_op, write

    if window.ctx is None:
        window.attach(db)
    window.idle_lock = IdleLock(window, db)
    # a start that could not use stored figures (another year, an interrupted upgrade) stores
    # them now, so the next start can (one quiet transaction in the background)
    peek = read_first_screen(db.path)
    if peek.screen is None and not peek.locked:
        run_op(window, lambda _p: write(db, lambda _s: None), quiet=True,
               on_error=lambda _err: None)
    if smoke:
        def report() -> None:
            gap = meter.stop() if meter.timer.isActive() else 0.0
            print(f"loaded_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
            print(f"max_gap_ms={int(gap * 1000)}", flush=True)
            if os.environ.get("GGTZ_SMOKE_PAGES") == "1":
                visit_every_page(window, started, lambda: (window.close(), app.quit()))
                return
            window.close()
            app.quit()

        home: Any = window.pages["首页"]
        if home.reminders_done:  # the 首页 is complete when its reminders are shown
            QTimer.singleShot(0, report)
        else:
            home.reminders_shown.connect(report)
        return
    window.pages_thread = warm_pages()
    schedule_first_run(window)
    window.integrity = IntegrityCheck(window, db.path)
    verify_first_screen(window, db)


def visit_every_page(window: MainWindow, started: float, then: Any) -> None:
    """Smoke with GGTZ_SMOKE_PAGES=1: show every page in turn, each once the background work
    the previous one started is done, then print ``pages_ms`` (from ``started``: every page
    ready), ``pages_gap_ms`` (the event loop's longest stall meanwhile) and ``slowest_page``
    (the page whose showing held the loop longest, with its ms), and call ``then``."""
    from gui.main_window import NAV
    from gui.ops import _RUNNING

    meter = StallMeter(window)
    meter.start()
    pending = list(range(len(NAV)))
    slowest = ("", 0.0)

    def step() -> None:
        nonlocal slowest
        if _RUNNING:
            QTimer.singleShot(5, step)
            return
        if not pending:
            gap = meter.stop()
            print(f"pages_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
            print(f"pages_gap_ms={int(gap * 1000)}", flush=True)
            print(f"slowest_page={slowest[0]}:{int(slowest[1] * 1000)}", flush=True)
            then()
            return
        row = pending.pop(0)
        t = time.perf_counter()
        window.nav.setCurrentRow(row)
        took = time.perf_counter() - t
        if took > slowest[1]:
            slowest = (NAV[row], took)
        QTimer.singleShot(0, step)

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
        if not first_screen_disagrees(db.path):
            return False
        write(db, mark_stale)  # the session helper's hook stores them anew
        return True

    def done(fixed: bool) -> None:
        if fixed and window.ctx is not None:
            window.ctx.bus.publish(Changes.of("settings"))

    return run_op(window, work, done, quiet=True, on_error=lambda _err: None)
