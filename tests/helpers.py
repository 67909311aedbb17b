"""Small helpers for tests: run the command line in a real process, build records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str | Path, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python main.py ARGS`` in a fresh process (the environment of the test)."""
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def cli_json(*args: str | Path) -> dict:
    proc = cli(*args, check=True)
    return json.loads(proc.stdout)


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
