"""Unexpected errors are written to a log file instead of being shown as a traceback."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from models.paths import data_dir


def write_crash_log(text: str) -> Path:
    """Append ``text`` to ``logs/错误日志.txt`` in the data folder (or the temp folder)."""
    for folder in (data_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "错误日志.txt"
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"\n==== {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n{text}")
            return path
        except OSError:
            continue
    return Path("（无法写入日志）")
