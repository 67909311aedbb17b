"""File dialogs that open in the folder the clerk used last (remembered in the per-user
configuration), not in the program's folder. Every save dialog of the window goes through
:func:`save_file`, which applies the output guard (models.outputs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from models import paths
from models.errors import FileProblem
from models.outputs import KINDS, guard_output, kind_of_suffix

KEY = "last_folder"


def last_folder() -> str:
    """The folder of the last file chosen, or the home folder."""
    folder = paths.read_config().get(KEY) or ""
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember(path: str | Path) -> None:
    """Remember the folder of ``path`` (or ``path`` itself when it is a folder)."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    try:
        config = paths.read_config()
        config[KEY] = str(folder)
        paths.write_config(config)
    except OSError:
        pass  # not remembering a folder is no reason to fail the task


def save_file(parent: QWidget | None, title: str, name: str, filters: str,
              kind: str | None = None, db_path: Path | str | None = None) -> str:
    """Ask where to save ``name`` (a ``kind`` file: xlsx, pdf, docx, zip, sqlite; default from
    the suffix of ``name``); "" when cancelled or refused. The suffix is added when the clerk
    left it out; the choice then passes the output guard (models.outputs: never the database,
    a backup or a file of another kind — the refusal is shown), and replacing an existing file
    of the same kind is confirmed (by the dialog, or here when the suffix was added)."""
    kind = kind or kind_of_suffix(name) or "other"
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder()) / name), filters)
    if not path:
        return ""
    asked = True  # the dialog itself asks before replacing the name it returns
    try:
        if Path(path).exists():  # what the clerk picked, as picked (the database: refused)
            guard_output(path, kind, db_path)
        if kind in KINDS and not path.lower().endswith(f".{kind}"):
            path, asked = f"{path}.{kind}", False
        guard_output(path, kind, db_path)
    except FileProblem as err:
        QMessageBox.warning(parent, "不能保存在这里", err.message)
        return ""
    if not asked and Path(path).exists():
        answer = QMessageBox.question(parent, "替换文件", f"“{Path(path).name}”已经存在，要替换它吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return ""
    remember(path)
    return path


def confirm_replace(parent: QWidget | None, path: Path | str, kind: str,
                    db_path: Path | str | None = None) -> bool:
    """Before writing ``path`` that the program named itself (a package in a chosen folder):
    the output guard, then a question when a file of the same kind is there already."""
    try:
        guard_output(path, kind, db_path)
    except FileProblem as err:
        QMessageBox.warning(parent, "不能保存在这里", err.message)
        return False
    if Path(path).exists():
        answer = QMessageBox.question(parent, "替换文件", f"“{Path(path).name}”已经存在，要替换它吗？")
        return answer == QMessageBox.StandardButton.Yes
    return True


def open_file(parent: QWidget | None, title: str, filters: str) -> str:
    """Ask for one file to open; "" when cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, last_folder(), filters)
    if path:
        remember(path)
    return path


def open_files(parent: QWidget | None, title: str, filters: str) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, title, last_folder(), filters)
    if files:
        remember(files[0])
    return files


def pick_folder(parent: QWidget | None, title: str) -> str:
    folder = QFileDialog.getExistingDirectory(parent, title, last_folder())
    if folder:
        remember(folder)
    return folder


def open_folder(path: str | Path) -> None:
    """Open the folder holding ``path`` (or ``path`` itself when it is a folder) in the
    system's file manager; on Windows the file is selected there."""
    p = Path(path)
    if sys.platform == "win32" and p.is_file():
        subprocess.Popen(["explorer", "/select,", str(p)])
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(p if p.is_dir() else p.parent)))


def show_saved(parent: QWidget | None, title: str, path: str | Path, text: str = "") -> Any:
    """The one message after an export, a package or a backup: where the file went, with
    打开所在文件夹 (Enter) and 关闭 (Esc). Window-modal but not blocking; returns the box."""
    box = QMessageBox(QMessageBox.Icon.Information, title,
                      text or f"已保存到“{path}”。", QMessageBox.StandardButton.Close, parent)
    box.button(QMessageBox.StandardButton.Close).setText("关闭")
    folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
    box.setDefaultButton(folder)
    box.setEscapeButton(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName("saved")
    box.buttonClicked.connect(lambda b: open_folder(path) if b is folder else None)
    box.open()
    return box
