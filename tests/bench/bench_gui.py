"""The window at 100x a township: ``--smoke`` start-up as a ratio to a bare PySide6 window with
an empty table (whole processes, same run; goal <= 2x), and filtering the 五老 list per
keystroke (goal < 50 ms). Run: ``.venv/bin/python tests/bench/bench_gui.py``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, scale100_db

BARE = r"""
import sys, time
t = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QTableView()); w.resize(1280, 720)
def done():
    print(f"startup_ms={int((time.perf_counter() - t) * 1000)}"); app.quit()
QTimer.singleShot(0, done)
w.show(); app.exec()
"""


def whole_process(args: list[str]) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "GGTZ_CONFIG_DIR": tempfile.mkdtemp()}
    t = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return elapsed


def main() -> None:
    db_path = scale100_db()
    bare = [whole_process([sys.executable, "-c", BARE]) for _ in range(3)]
    app = [whole_process([sys.executable, str(ROOT / "main.py"), "--db", str(db_path), "--smoke"])
           for _ in range(3)]
    b, a = statistics.median(bare), statistics.median(app)
    print(f"bare PySide6 window + empty table: {b * 1000:.0f} ms (median of 3 processes)")
    print(f"关工台账 --smoke on demo --scale 100: {a * 1000:.0f} ms")
    print(f"ratio = {a / b:.2f}x (goal <= 2x)")

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["GGTZ_CONFIG_DIR"] = tempfile.mkdtemp()
    from PySide6.QtWidgets import QApplication

    from gui.context import AppContext
    from gui.pages import VolunteersPage
    from models.db import Database

    app = QApplication.instance() or QApplication([])
    db = Database.open(Path(db_path))
    page = VolunteersPage(AppContext(db))
    page.refresh()
    total = page.model.total
    times = []
    for text in ("王", "王德", "w", "wd", "李", "zs", "2302", "139", "老", "张三"):
        page.search.setText(text)
        t = time.perf_counter()
        page.refresh()
        times.append((time.perf_counter() - t) * 1000)
    print(f"五老 list: {total} rows; filter per keystroke: median {statistics.median(times):.1f} ms, "
          f"worst {max(times):.1f} ms (goal < 50 ms)")
    for category in ("老教师", ""):
        page.filters["category"].setCurrentIndex(page.filters["category"].findData(category))
        t = time.perf_counter()
        page.model.sort(0)
        print(f"sort by name ({category or '全部'}): {(time.perf_counter() - t) * 1000:.1f} ms")
    page.deleteLater()
    app.processEvents()
    db.close()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects (measurement is done)


if __name__ == "__main__":
    main()
