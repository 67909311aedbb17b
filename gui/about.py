"""关于: version, where the data lives, and the licences of the bundled font and libraries."""

from __future__ import annotations

import sys
from importlib import metadata

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from gui.chrome import dialog_buttons
from models import APP_VERSION
from models.db import Database
from models.paths import data_dir
from models.resources import FONT_LICENCE

LIBRARIES = [  # (distribution, shown name, licence)
    ("PySide6-Essentials", "Qt 6 / PySide6", "LGPL-3.0"),
    ("SQLAlchemy", "SQLAlchemy", "MIT"),
    ("openpyxl", "openpyxl", "MIT"),
    ("python-calamine", "python-calamine / calamine", "MIT"),
    ("reportlab", "ReportLab", "BSD-3-Clause"),
    ("rl-accel", "rl-accel（ReportLab 加速）", "BSD-3-Clause"),
    ("pypinyin", "pypinyin", "MIT"),
    ("platformdirs", "platformdirs", "MIT"),
    ("xlrd", "xlrd", "BSD-3-Clause"),
    ("pillow", "Pillow", "MIT-CMU"),
]


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "（随程序打包）"


def about_html(db: Database) -> str:
    rows = "".join(f"<tr><td>{name}</td><td>{version_of(dist)}</td><td>{lic}</td></tr>"
                   for dist, name, lic in LIBRARIES)
    return (
        f"<h2>关工台账 {APP_VERSION}</h2>"
        "<p>乡镇（街道）关工委工作台账，离线使用，数据只保存在本机。</p>"
        f"<p><b>数据文件夹：</b>{data_dir()}<br><b>当前数据库：</b>{db.path}</p>"
        "<h3>字体</h3><p>文泉驿微米黑（WenQuanYi Micro Hei），Apache-2.0 许可"
        f"（许可文本见 {FONT_LICENCE.parent}）。</p>"
        f"<h3>程序使用的开源软件</h3><p>Python {sys.version.split()[0]}（PSF 许可）</p>"
        f"<table border='1' cellpadding='4' cellspacing='0'><tr><th>名称</th><th>版本</th>"
        f"<th>许可</th></tr>{rows}</table>")


class AboutDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("关于关工台账")
        self.resize(640, 560)
        self.text = QTextBrowser()
        self.text.setHtml(about_html(db))
        note = QLabel(f"字体许可全文：{FONT_LICENCE}")
        note.setWordWrap(True)
        buttons = dialog_buttons(self, (QDialogButtonBox.StandardButton.Close, "关闭"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
