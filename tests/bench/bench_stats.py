"""``stats`` over a ``demo --scale 100`` database, as a ratio to ``SELECT count(*)`` on activities.

Run: ``.venv/bin/python tests/bench/bench_stats.py``
"""

from __future__ import annotations

import time

from common import best_of, scale100_db

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
    print(f"open with integrity_check: {open_s * 1000:.0f} ms")
    print(f"floor  SELECT count(*) FROM activities: {floor * 1000:.2f} ms")
    print(f"stats  year_figures(2025):             {figures * 1000:.2f} ms")
    print(f"ratio  stats / floor = {figures / floor:.1f}x")


if __name__ == "__main__":
    main()
