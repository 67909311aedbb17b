"""The Qt binding the program runs on keeps Python's ``None`` alive.

PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` on every call of a Qt method
that returns nothing (``setText``, ``setObjectName``, ``repaint``…): a long session then aborts
with "Fatal Python error: none_dealloc". requirements.txt excludes that release; this test
fails on any binding with the same fault, before a clerk meets it. It runs in a child process,
since the fault can abort the interpreter that meets it.
"""

import os
import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label, thing = QLabel(), QObject()
before = sys.getrefcount(None)
for i in range(2000):
    thing.setObjectName(f"n{i % 3}")
    label.setText("关工台账")
print("drift", before - sys.getrefcount(None), flush=True)
"""


def test_qt_calls_keep_none_alive():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    drift = int(proc.stdout.split("drift", 1)[1])
    assert drift < 200, f"None lost {drift} references in 4000 Qt calls (a binding's refcount fault)"
