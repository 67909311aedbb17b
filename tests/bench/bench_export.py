"""A 20 000-row 五老 roster exported to .xlsx (ratio to openpyxl write-only writing the same
cells: ``Workbook(write_only=True)``, ``ws.append(row)`` for every row, ``wb.save``; goal <= 2x)
and to .pdf (ratio to the .xlsx export of the same roster; goal (issue 25) <= 1.2x).

The floor and the exports run alternately (floor, xlsx, pdf, floor, xlsx, pdf, …) so that a
busy machine slows them alike; each ratio is the median of the per-pair ratios, in CPU seconds
of this process (``time.process_time``, little disturbed by other programs on the cores) and
in wall seconds.

Run: ``.venv/bin/python tests/bench/bench_export.py``
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, floor_command  # noqa: F401 - ROOT puts the project on sys.path
from openpyxl import Workbook

from exports import pdf, xlsx
from exports.formdata import FormContext, build_table
from exports.importer import ImportOptions, run_import
from models.db import Database
from tests.sheets import big_roster

ROWS = 20_000
PAIRS = 5


def timed(fn) -> tuple[float, float]:
    """(CPU s, wall s) of ``fn()``."""
    c, t = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c, time.perf_counter() - t


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = Database.open(tmp / "town.sqlite")
        run_import(db, "volunteers", big_roster(tmp / "roster.xlsx", ROWS), ImportOptions())
        with db.reader() as s:
            t = time.perf_counter()
            table = build_table(s, "volunteers", FormContext())
            query_s = time.perf_counter() - t
        db.close()
        assert len(table.rows) == ROWS

        def floor() -> None:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet()
            for row in table.rows:
                ws.append(row)
            wb.save(tmp / "floor.xlsx")

        def xlsx_export() -> None:
            xlsx.write_form(tmp / "v.xlsx", table)

        def pdf_export() -> None:
            pdf.write_form(tmp / "v.pdf", table)

        floor()  # warm-up: imports, caches
        xlsx_export()
        pdf_export()
        floors, xlsxs, pdfs = [], [], []
        for _ in range(PAIRS):
            floors.append(timed(floor))
            xlsxs.append(timed(xlsx_export))
            pdfs.append(timed(pdf_export))
        print(f"rows: {ROWS}; reading the rows from the database: {query_s:.2f} s; "
              f"{PAIRS} alternating runs")
        print("floor  openpyxl write-only, same cells: Workbook(write_only=True); ws.append(row) "
              "for each row; wb.save(p)")
        print(floor_command(floor))
        for i, clock in enumerate(("cpu", "wall")):
            xlsx_ratios = [x[i] / f[i] for x, f in zip(xlsxs, floors)]
            pdf_ratios = [p[i] / x[i] for p, x in zip(pdfs, xlsxs)]
            floor_s, xlsx_s, pdf_s = (statistics.median(r[i] for r in v)
                                      for v in (floors, xlsxs, pdfs))
            print(f"{clock:4}  floor {floor_s:.2f} s; xlsx styled roster {xlsx_s:.2f} s: ratio "
                  f"{statistics.median(xlsx_ratios):.2f}x (goal <= 2x; "
                  f"{', '.join(f'{r:.2f}' for r in xlsx_ratios)})")
            print(f"{clock:4}  pdf same rows and columns {pdf_s:.2f} s: ratio to the xlsx "
                  f"{statistics.median(pdf_ratios):.2f}x (goal <= 1.2x; "
                  f"{', '.join(f'{r:.2f}' for r in pdf_ratios)})")

if __name__ == "__main__":
    main()
