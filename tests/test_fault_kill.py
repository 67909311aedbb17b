"""Real processes killed with SIGKILL in the middle of writing: never a half-written database."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.db import Database
from tests.helpers import ROOT, cli
from tests.sheets import big_roster

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
ROWS = 2000


def _count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM volunteers").fetchone()[0]
    finally:
        con.close()


def _start(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_imports_leave_all_or_nothing(tmp_path):
    roster = big_roster(tmp_path / "roster.xlsx", ROWS)
    db_path = tmp_path / "town.sqlite"
    Database.open(db_path).close()
    timing = tmp_path / "timing.sqlite"
    timing.write_bytes(db_path.read_bytes())
    t = time.perf_counter()
    _start("import", "volunteers", roster, "--db", timing).wait(timeout=120)
    full = time.perf_counter() - t
    assert _count(timing) == ROWS
    rng = random.Random(20251210)
    outcomes = {"before": 0, "after": 0}
    for _ in range(6):
        fresh = tmp_path / f"town-{rng.randint(0, 10**9)}.sqlite"
        fresh.write_bytes(db_path.read_bytes())
        proc = _start("import", "volunteers", roster, "--db", fresh)
        time.sleep(rng.uniform(0.75 * full, 1.05 * full))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert cli("check", "--db", fresh).returncode == 0
        n = _count(fresh)
        assert n in (0, ROWS), n
        outcomes["before" if n == 0 else "after"] += 1
    print(f"killed imports survived: {outcomes}")
    assert sum(outcomes.values()) == 6
