"""Helpers for benchmarks: a shared ``demo --scale 100`` database, a timer, and the printed
command of a floor (every benchmark prints its floor's exact command beside its figure)."""

from __future__ import annotations

import inspect
import os
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models import demo, first_screen_store  # noqa: E402
from models.db import Database  # noqa: E402

first_screen_store.install()  # as the program's entry points do: each save keeps the 首页 current

CACHE = Path(tempfile.gettempdir()) / "ggtz-bench"


def floor_command(floor: Callable[..., object] | str) -> str:
    """The exact command of a benchmark's floor, to print beside its figure: the source of the
    floor's function, or the command line or program given as text."""
    code = floor if isinstance(floor, str) else inspect.getsource(floor)
    lines = [line for line in textwrap.dedent(code).splitlines() if line.strip()]
    return "floor's command:\n" + "\n".join(f"    {line}" for line in lines)


def scale100_db(scale: int = 100) -> Path:
    """A demo database at ``scale`` (built once, kept in the temp folder)."""
    path = CACHE / f"demo-x{scale}.sqlite"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        # built under a private name and renamed, so a second benchmark started meanwhile never
        # opens a half-built file
        building = path.with_name(f"{path.stem}.{os.getpid()}.building.sqlite")
        db = Database.open(building)
        with db.session() as s:
            demo.build(s, scale=scale)
        db.close()
        if Path(f"{building}-wal").exists():
            raise SystemExit(f"{building}: the write-ahead log was not folded in on close")
        os.replace(building, path)
        print(f"built demo --scale {scale} in {time.perf_counter() - t:.1f} s")
    return path


def best_of(fn: Callable[[], object], runs: int = 5) -> float:
    """Median wall time of ``fn`` in seconds over ``runs`` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
