"""Where the program's own files are (fonts, icons): the ``resources`` folder beside the source
tree, or inside the PyInstaller bundle (``sys._MEIPASS``) when frozen. Never imports Qt."""

from __future__ import annotations

import lzma
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder of this program (source checkout or frozen bundle)."""
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent)) / "resources"


RESOURCES = resources_dir()
#: the CJK font shipped with the program (window and PDF), and its licence text
FONT_FILE = RESOURCES / "fonts" / "wqy-microhei.ttc"
#: the same font packed with xz, as the bundle carries it (1.5 MB instead of 4.9 MB)
FONT_PACKED = FONT_FILE.with_name(FONT_FILE.name + ".xz")
FONT_LICENCE = RESOURCES / "fonts" / "LICENSE_Apache2.txt"
#: the window icon
APP_ICON = RESOURCES / "icons" / "app.png"


def font_data() -> bytes | None:
    """The bytes of the program's CJK font: the .ttc of the source tree, or the bundle's .ttc.xz
    unpacked (about 0.1 s); None when neither is there. Raises OSError or lzma.LZMAError when
    the file cannot be read."""
    if FONT_FILE.exists():
        return FONT_FILE.read_bytes()
    if FONT_PACKED.exists():
        return lzma.decompress(FONT_PACKED.read_bytes())
    return None
