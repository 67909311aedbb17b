"""Starting the desktop application: fonts, the database, the main window."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from gui import style
from models.db import Database
from models.errors import UserError
from models.paths import default_db_path

RESOURCES = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent)) / "resources"
FONT_FILE = RESOURCES / "fonts" / "wqy-microhei.ttc"


def load_fonts(app: QApplication) -> str:
    """Register the bundled CJK font and apply it with the chosen size; returns its family."""
    families: list[str] = []
    if FONT_FILE.exists():
        fid = QFontDatabase.addApplicationFont(str(FONT_FILE))
        families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
    family = families[0] if families else app.font().family()
    style.apply(app, family)
    return family


def run_app(db_path: Path | None, smoke: bool = False) -> int:
    """Show the main window on the database at ``db_path`` (default: the user's)."""
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("关工台账")
    load_fonts(app)
    from gui.main_window import MainWindow, schedule_first_run

    try:
        db = Database.open(db_path or default_db_path())
    except UserError as err:
        if smoke:
            raise
        QMessageBox.critical(None, "无法打开数据库", err.message)
        return err.exit_code
    window = MainWindow(db)
    if smoke:
        def report() -> None:
            print(f"startup_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
            window.close()
            app.quit()

        window.first_screen_ready.connect(lambda: QTimer.singleShot(0, report))
    window.show()
    if not smoke:
        schedule_first_run(window)
    code = app.exec()
    return code
