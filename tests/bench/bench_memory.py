"""The window's peak resident memory on a ``demo --scale 100`` database (goal <= 400 MB): after
opening every page of the navigation, and after exporting the 五老 roster to PDF the way the
报表中心 does (its 导出 PDF… button: ``ReportsPage._export_to`` → the background operation).
The floor, measured in the same run, is a bare PySide6 window with an empty table, in a
process that imports nothing but PySide6 and ``resource`` (``python -c FLOOR``, printed by the
run): before issue 25 it ran through this file, whose ``common`` import loaded SQLAlchemy and
the models (54 MB) and so flattered every ratio.

Each figure comes from its own process (the real window, offscreen), which reads its own peak
with the standard library's ``resource`` (``ru_maxrss``; psutil's ``peak_wset`` on Windows when
it is installed). Run: ``.venv/bin/python tests/bench/bench_memory.py``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOAL_MB = 400
ROOT = Path(__file__).resolve().parents[2]
#: the floor's whole program: only PySide6 is imported
FLOOR = """
import json, resource, sys
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QTableView()); w.resize(1280, 720); w.show()
for _ in range(20):
    app.processEvents()
print(json.dumps({"shown": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil  # type: ignore[import-not-found]

        return psutil.Process().memory_info().peak_wset / 1024 / 1024
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _wait(app: Any, until: Callable[[], bool], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.01)


def child_window(db_path: Path, out: Path) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    sys.path.insert(0, str(ROOT))

    from exports.forms import FORMS
    from gui.app import install_translations
    from gui.fonts import load_fonts
    from gui.main_window import NAV, MainWindow
    from gui.ops import _RUNNING  # the background operations the pages start
    from models.db import Database

    app = QApplication(sys.argv[:1])
    install_translations(app)
    load_fonts(app)
    window = MainWindow(Database.open(db_path, check=None))
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    figures = {"first_screen": peak_mb()}
    for name in NAV:
        window.page(name)
        for _ in range(10):
            app.processEvents()
    _wait(app, lambda: not _RUNNING)
    figures["every_page"] = peak_mb()

    reports = window.page("报表中心")
    reports.forms.setCurrentRow(list(FORMS).index("volunteers"))
    app.processEvents()
    done: list[object] = []
    reports._export_to("pdf", str(out), done.append, on_error=lambda e: done.append(e))
    _wait(app, lambda: bool(done))
    if isinstance(done[0], BaseException):
        raise done[0]
    assert out.read_bytes().startswith(b"%PDF")
    figures["after_pdf"] = peak_mb()
    figures["pdf_mb"] = out.stat().st_size / 1024 / 1024
    window.close()
    app.processEvents()
    return figures


def run_child(*args: str) -> dict[str, float]:
    """The last line of ``args`` run by this Python (offscreen), as JSON."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GGTZ_CONFIG_DIR": tempfile.mkdtemp()}
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=env, timeout=900, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import scale100_db

    db_path = scale100_db()
    with tempfile.TemporaryDirectory() as tmp:
        bare = run_child("-c", FLOOR)["shown"]
        win = run_child(__file__, "--window", str(db_path), str(Path(tmp) / "五老.pdf"))
    print(f"floor  bare PySide6 window + empty table:      {bare:6.0f} MB peak resident")
    print(f"       (its command: python -c '{FLOOR.strip()}' — PySide6 only)")
    for key, label in (("first_screen", "关工台账 first screen (首页)"),
                       ("every_page", "after opening all 12 pages"),
                       ("after_pdf", "after the 五老 roster → PDF")):
        print(f"{label:<40} {win[key]:6.0f} MB  ({win[key] / bare:.1f}x the floor; "
              f"goal <= {GOAL_MB} MB)")
    print(f"(the PDF: {win['pdf_mb']:.1f} MB; demo --scale 100: {db_path})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--window":
        print(json.dumps(child_window(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
