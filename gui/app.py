"""Starting the desktop application: fonts, the database, the main window."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QObject,
    Qt,
    QTimer,
    QTranslator,
    Signal,
)
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui import style
from gui.guard import RecoveryDialog, lock_database, other_instance_message
from gui.lock import IdleLock, PasswordDialog
from gui.ops import install_excepthook
from models import security
from models.db import Database, describe_os_error, inspect_file
from models.errors import DatabaseDamaged, FileProblem, UserError
from models.filelock import FileLock
from models.paths import default_db_path
from models.resources import APP_ICON, FONT_FILE


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
    anything opens it. An older file that holds only a password hash is encrypted with it now
    (it must not stay unprotected). False when the clerk gives up (the caller then opens the
    file anyway, which shows the recovery screen: a file that is not a database looks the
    same as an encrypted one until a password opens it)."""
    import os

    from gui.lock import legacy_checker, unlocker

    if security.is_encrypted(path):
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
        security.change_password(path, dialog.password.text(), window_locked=True)
    finally:
        QApplication.restoreOverrideCursor()
    QMessageBox.information(None, "已加密", "这个数据库以前设置过密码，但数据文件还没有加密。"
                            "现在已用这个密码把数据库加密，以后的备份也会加密。")
    return True


def _open_database(path: Path, smoke: bool) -> tuple[Database | None, FileLock | None]:
    """Lock and open the database; a damaged file goes to the recovery screen (not in smoke).

    Returns (None, None) when the clerk leaves the recovery screen without restoring.
    Raises UserError with the sentence to show."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FileProblem(describe_os_error(err, path.parent)) from err
    lock = lock_database(path)
    if lock is None:
        raise FileProblem(other_instance_message(path))
    if not unlock_at_start(path, smoke) and not security.is_encrypted(path):
        lock.unlock()  # an older file's password was not given: nothing opened
        return None, None
    try:
        # the header, version and schema are checked now; the full integrity check of a large
        # file runs in the background once the window is up (see IntegrityCheck)
        return Database.open(path, check=None), lock
    except DatabaseDamaged as err:
        if smoke:
            raise
        dialog = RecoveryDialog(path, err.message)
        if not dialog.exec() or not dialog.restored:
            return None, None
        return Database.open(path), lock


def run_app(db_path: Path | None, smoke: bool = False, started: float | None = None) -> int:
    """Show the main window on the database at ``db_path`` (default: the user's).

    With ``smoke`` the window closes as soon as the first screen shows its data and
    ``startup_ms`` (from ``started``, the process start) is printed."""
    started = time.perf_counter() if started is None else started
    install_excepthook()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_translations(app)
    app.setApplicationName("关工台账")
    app.setWindowIcon(QIcon(str(APP_ICON)))
    load_fonts(app)
    from gui.main_window import MainWindow, schedule_first_run

    path = Path(db_path or default_db_path()).expanduser().resolve()
    try:
        db, lock = _open_database(path, smoke)
    except UserError as err:
        if smoke:
            raise
        QMessageBox.critical(None, "无法打开数据库", err.message)
        return err.exit_code
    if db is None:
        return 2
    window = MainWindow(db)
    window.lock = lock
    window.idle_lock = IdleLock(window, db)
    if smoke:
        def report() -> None:
            print(f"startup_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
            window.close()
            app.quit()

        window.first_screen_ready.connect(lambda: QTimer.singleShot(0, report))
    window.show()
    if not smoke:
        schedule_first_run(window)
        window.integrity = IntegrityCheck(window, db.path)
    code = app.exec()
    return code
