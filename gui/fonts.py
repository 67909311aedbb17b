"""The program's CJK font: registered with Qt from the bundled (packed) file, and applied to the
window with the chosen size."""

from __future__ import annotations

import functools
import lzma
import sys

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from gui import style
from models.resources import FONT_FILE, font_data


@functools.cache
def register_bundled_font() -> tuple[str, ...]:
    """Register the program's CJK font with Qt (once); returns its families (none if missing).
    The bundle carries it packed: unpacking takes about 0.1 s, so Windows, whose window uses
    Microsoft YaHei, registers it only when a PDF's pages are painted (gui.printing)."""
    if FONT_FILE.is_file():  # Qt reads a file itself in half the time it takes the bytes
        fid = QFontDatabase.addApplicationFont(str(FONT_FILE))
    else:
        try:
            data = font_data()
        except (OSError, lzma.LZMAError):  # a damaged install: Qt's default font stands in
            return ()
        fid = QFontDatabase.addApplicationFontFromData(data) if data is not None else -1
    return tuple(QFontDatabase.applicationFontFamilies(fid)) if fid >= 0 else ()


def load_fonts(app: QApplication) -> str:
    """Register the bundled CJK font and apply it with the chosen size; returns its family."""
    if sys.platform == "win32" and "Microsoft YaHei" in QFontDatabase.families():
        family = "Microsoft YaHei"  # Windows' own UI font renders crisper on old screens
    else:
        families = register_bundled_font()
        family = families[0] if families else app.font().family()
    style.apply(app, family)
    return family
