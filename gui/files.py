"""File dialogs that open in the folder the clerk used last (remembered in the per-user
configuration), not in the program's folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from models import paths

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


def save_file(parent: QWidget | None, title: str, name: str, filters: str) -> str:
    """Ask where to save ``name``; "" when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder()) / name), filters)
    if path:
        remember(path)
    return path


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
