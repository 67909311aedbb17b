"""Closing the program after the import wizard was cancelled exits cleanly (it used to end in
"QObject: shared QObject was deleted directly" and a segfault, most runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from models.db import Database
from gui.main_window import MainWindow
from gui.import_wizard import ImportWizard

app = QApplication([])
w = MainWindow(Database.open(Path(sys.argv[1])))
w.show()
page = w.page("数据管理")

def cancel():
    for top in app.topLevelWidgets():
        if isinstance(top, ImportWizard) and top.isVisible():
            top.cancel.click()

QTimer.singleShot(300, cancel)
page.open_import()
QTimer.singleShot(200, w.close)
QTimer.singleShot(400, app.quit)
app.exec()
print("closed", flush=True)
"""


def test_closing_after_a_cancelled_import_exits_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    for _ in range(4):
        done = subprocess.run([sys.executable, str(script), str(tmp_path / "db.sqlite")],
                              capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
        assert "shared QObject" not in done.stderr, done.stderr
        assert done.returncode == 0 and "closed" in done.stdout, (done.returncode, done.stderr)
