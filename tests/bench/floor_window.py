"""The floor of the bundle size (build.spec with GGTZ_BUNDLE=floor): a bare PySide6 window with
an empty table. ``--smoke`` shows it and quits, printing ``startup_ms=``."""

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget


def main() -> int:
    started = time.perf_counter()
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QTableWidget())
    window.resize(1280, 720)
    if "--smoke" in sys.argv:
        def done() -> None:
            print(f"startup_ms={int((time.perf_counter() - started) * 1000)}", flush=True)
            app.quit()

        QTimer.singleShot(0, done)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
