"""Where the program's own files are (fonts, icons): the ``resources`` folder beside the source
tree, or inside the PyInstaller bundle (``sys._MEIPASS``) when frozen. Never imports Qt."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder of this program (source checkout or frozen bundle)."""
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent)) / "resources"


RESOURCES = resources_dir()
#: the CJK font shipped with the program (window and PDF), and its licence text
FONT_FILE = RESOURCES / "fonts" / "wqy-microhei.ttc"
FONT_LICENCE = RESOURCES / "fonts" / "LICENSE_Apache2.txt"
#: the window icon
APP_ICON = RESOURCES / "icons" / "app.png"
