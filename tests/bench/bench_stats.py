"""``stats`` over a ``demo --scale 100`` database: in process, as a ratio to ``SELECT count(*)``
on activities; and as whole processes (``main.py stats --db X --year 2025 --json``, opening
and checking the file included), as a ratio to the same command on a township (``demo``,
scale 1): goal (issue 25) <= 1.5x. The two commands alternate; each figure is the median, in
the children's CPU seconds (``resource.getrusage(RUSAGE_CHILDREN)``, little disturbed by other
programs on the cores) and in wall seconds.

Run: ``.venv/bin/python tests/bench/bench_stats.py [PAIRS]``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, best_of, scale100_db

from models import stats
from models.db import Database


def main() -> None:
    path = scale100_db()
    t = time.perf_counter()
    db = Database.open(path)
    open_s = time.perf_counter() - t
    with db.reader() as s:
        floor = best_of(lambda: s.connection().exec_driver_sql(
            "SELECT count(*) FROM activities").scalar())
        figures = best_of(lambda: stats.year_figures(s, 2025))
    db.close()
    print(f"open (quick_check): {open_s * 1000:.0f} ms")
    print(f"floor  SELECT count(*) FROM activities: {floor * 1000:.2f} ms")
    print('floor\'s command: db.reader().connection().exec_driver_sql('
          '"SELECT count(*) FROM activities").scalar() on the same file')
    print(f"stats  year_figures(2025):             {figures * 1000:.2f} ms")
    print(f"ratio  stats / floor = {figures / floor:.1f}x")
    whole(path, scale100_db(1), int(sys.argv[1]) if len(sys.argv) > 1 else 5)


def _run(db: Path) -> tuple[float, float]:
    """(children's CPU s, wall s) of one ``main.py stats`` process on ``db``."""
    import resource

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    c, t = cpu(), time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "main.py"), "stats", "--db", str(db), "--year",
                    "2025", "--json"], check=True, capture_output=True, cwd=ROOT)
    return cpu() - c, time.perf_counter() - t


def whole(big: Path, town: Path, pairs: int) -> None:
    _run(big), _run(town)  # warm-up: the OS file cache
    runs: dict[str, list[tuple[float, float]]] = {"town": [], "big": []}
    for _ in range(pairs):
        runs["town"].append(_run(town))
        runs["big"].append(_run(big))
    print(f"floor  main.py stats --db {town.name} --year 2025 --json (a township, demo scale 1)")
    for i, clock in enumerate(("cpu", "wall")):
        ratios = [b[i] / t[i] for b, t in zip(runs["big"], runs["town"])]
        t_s, b_s = (statistics.median(r[i] for r in runs[k]) for k in ("town", "big"))
        print(f"{clock:4}  township {t_s:.2f} s, demo --scale 100 {b_s:.2f} s: ratio "
              f"{statistics.median(ratios):.2f}x (goal <= 1.5x; {pairs} alternating pairs: "
              f"{', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
