"""Small helpers for tests: run the command line in a real process, build records, open the
window on a demo database with its message boxes answered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import Session

    from gui.main_window import MainWindow
    from models.db import Database

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str | Path, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python main.py ARGS`` in a fresh process (the environment of the test)."""
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def cli_demo(folder: Path, seed: int) -> Path:
    """``folder``/town.sqlite: a demo township written by ``main.py demo`` in its own process
    (so with the first-screen figures the program stores)."""
    path = folder / "town.sqlite"
    proc = cli("demo", "--db", path, "--seed", str(seed))
    assert proc.returncode == 0, proc.stderr
    return path


def run_main(*args: object, password: str | None = None, new: str | None = None,
             kill: str | None = None, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """``main.py ARGS`` in a fresh process with no terminal (so nothing is asked), given the
    password (GGTZ_PASSWORD), the new one (GGTZ_NEW_PASSWORD) and the kill point (GGTZ_KILL_AT)
    only as named here, and ``env`` on top."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("GGTZ_PASSWORD", "GGTZ_NEW_PASSWORD", "GGTZ_KILL_AT")}
    base["PYTHONIOENCODING"] = "utf-8"
    for name, value in (("GGTZ_PASSWORD", password), ("GGTZ_NEW_PASSWORD", new),
                        ("GGTZ_KILL_AT", kill)):
        if value is not None:
            base[name] = value
    base.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", env=base,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def file_sha(path: Path) -> str:
    """The database file's bytes with its write-ahead log (where an open database writes)."""
    wal = Path(f"{path}-wal")
    return hashlib.sha256(path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
                          ).hexdigest()


def demo_towns(root: Path, towns: list[tuple[int, str, str]], today: dt.date) -> list[Database]:
    """One open demo database per (seed, committee, unit code) in ``root``: townships to add up."""
    from models import demo
    from models.db import Database

    dbs = []
    for seed, name, code in towns:
        db = Database.open(root / f"{code}.sqlite", upgrade_backup_dir=root / "bk")
        with db.session() as s:
            demo.build(s, seed=seed, committee=name, code=code, today=today)
        dbs.append(db)
    return dbs


def cli_json(*args: str | Path) -> dict:
    proc = cli(*args, check=True)
    return json.loads(proc.stdout)


# -- the window's tests --------------------------------------------------------------------------
def demo_file(folder: Path, seed: int, today: dt.date, more: Callable[[Session], None] | None = None,
              **build: Any) -> Path:
    """``folder/town.sqlite``: a small demo database (scale 1, ``seed``, as on ``today``) for a
    test module to copy; ``more(s)`` adds to it in the same transaction."""
    from models import demo
    from models.db import Database

    path = folder / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        demo.build(s, scale=1, seed=seed, today=today, **build)
        if more is not None:
            more(s)
    db.close()
    return path


def answer_boxes(monkeypatch: pytest.MonkeyPatch, answer: Callable[[str, str, str], Any],
                 kinds: tuple[str, ...] = ("information", "warning", "critical", "question")) -> None:
    """QMessageBox's static boxes (they would block a test) replaced: ``answer(kind, title,
    text)`` says the button pressed (and may record or refuse the box)."""
    from PySide6.QtWidgets import QMessageBox

    def box_of(kind: str) -> Callable[..., Any]:
        def box(_parent: Any = None, title: str = "", text: str = "", *_a: Any, **_k: Any) -> Any:
            return answer(kind, title, text)
        return box

    for kind in kinds:
        monkeypatch.setattr(QMessageBox, kind, box_of(kind))


def ok_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message box is closed with OK (a question too)."""
    from PySide6.QtWidgets import QMessageBox

    answer_boxes(monkeypatch, lambda *_: QMessageBox.StandardButton.Ok)


def recorded_boxes(monkeypatch: pytest.MonkeyPatch, said: list[Any],
                   answer: Callable[[], Any] | None = None) -> None:
    """Each message box is appended to ``said`` as (kind, title, text); a question is answered
    ``answer()`` (Yes by default), the others OK."""
    from PySide6.QtWidgets import QMessageBox

    def record(kind: str, title: str, text: str) -> Any:
        said.append((kind, title, text))
        if kind != "question":
            return QMessageBox.StandardButton.Ok
        return answer() if answer is not None else QMessageBox.StandardButton.Yes

    answer_boxes(monkeypatch, record)


def open_window(qtbot: Any, demo: Path, tmp_path: Path, width: int = 0,
                height: int = 0) -> MainWindow:
    """The main window on a copy of ``demo`` in ``tmp_path`` (``width``×``height`` when given),
    not yet shown; qtbot closes it after the test."""
    from gui.main_window import MainWindow
    from models.db import Database

    path = tmp_path / "town.sqlite"
    shutil.copy(demo, path)
    window = MainWindow(Database.open(path))
    qtbot.addWidget(window)
    if width and height:
        window.resize(width, height)
    return window


@contextmanager
def font_size(qapp: QApplication, size: str) -> Iterator[str]:
    """The program's own fonts at ``size`` (normal, larger, 长辈版) while inside; the
    application's font, style sheet and palette as they were after."""
    from gui.fonts import load_fonts
    from models import paths

    font, sheet, palette = qapp.font(), qapp.styleSheet(), qapp.palette()
    paths.write_config({**paths.read_config(), "font_size": size})
    load_fonts(qapp)
    try:
        yield size
    finally:
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def first_run(qtbot: Any, monkeypatch: pytest.MonkeyPatch, path: Path,
              fill: Callable[[Any], None]) -> tuple[MainWindow, Database]:
    """A window on the new file ``path`` whose 首次使用 dialog is answered by ``fill(dialog)``
    and 确定; returns the window (after its first run) and the database."""
    from gui.first_run import FirstRunDialog
    from gui.main_window import MainWindow
    from models.db import Database

    db = Database.open(path)
    window = MainWindow(db)
    qtbot.addWidget(window)

    def exec_(dialog: Any) -> int:
        fill(dialog)
        return 1

    monkeypatch.setattr(FirstRunDialog, "exec", exec_)
    window.maybe_first_run()
    return window, db
#: subject labels the expected files (written by older versions; never edited) spell as they
#: were then -> the one label of today's descriptor (models.subjects)
RENAMED = {"捐赠": "捐资助学"}


#: subjects added since the expected files were written: none of their records, no figures
ADDED = {"阵地": 0}
ADDED_FIGURES = {"venues": {"total": 0, "by_type": {}, "funds_yuan": 0.0}}


def counts_now(counts: dict[str, int]) -> dict[str, int]:
    """An expected file's record counts under today's labels (a later subject has none)."""
    return {**{RENAMED.get(label, label): n for label, n in counts.items()}, **ADDED}


def figures_now(figures: dict) -> dict:
    """An expected file's figures with the sections of later subjects (empty)."""
    return {**figures, **ADDED_FIGURES}
