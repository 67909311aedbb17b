"""Import of a 20 000-row 五老 roster, as a ratio to openpyxl's read-only iteration over it.

Goal (issue 3): at most 3x. Run: ``.venv/bin/python tests/bench/bench_import.py``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT  # noqa: F401 - puts the project on sys.path

from exports.importer import ImportOptions, run_import
from models.db import Database
from tests.sheets import big_roster

ROWS = 20_000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = big_roster(Path(tmp) / "roster.xlsx", ROWS)

        def floor() -> None:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for _row in wb.worksheets[0].iter_rows(values_only=True):
                pass
            wb.close()

        t = time.perf_counter()
        floor()
        floor_s = time.perf_counter() - t
        runs = []
        for n in range(2):
            db = Database.open(Path(tmp) / f"town{n}.sqlite")
            t = time.perf_counter()
            report = run_import(db, "volunteers", path, ImportOptions())
            runs.append(time.perf_counter() - t)
            db.close()
            assert report.imported == ROWS, report.summary()
        t = time.perf_counter()
        floor()
        floor_s = min(floor_s, time.perf_counter() - t)
        best = min(runs)
        print(f"rows: {ROWS}")
        print(f"floor  openpyxl read-only iteration: {floor_s:.2f} s")
        print(f"import volunteers (validate + write): {best:.2f} s")
        print(f"ratio  import / floor = {best / floor_s:.2f}x (goal <= 3x)")


if __name__ == "__main__":
    main()
