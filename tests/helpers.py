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
