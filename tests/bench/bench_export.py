"""A 20 000-row 五老 roster exported to .xlsx (ratio to openpyxl write-only writing the same
cells; goal <= 2x) and to .pdf (ratio to the .xlsx export; goal <= 3x).

Run: ``.venv/bin/python tests/bench/bench_export.py``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import ROOT  # noqa: F401 - puts the project on sys.path
from openpyxl import Workbook

from exports import pdf, xlsx
from exports.formdata import FormContext, build_table
from exports.importer import ImportOptions, run_import
from models.db import Database
from tests.sheets import big_roster

ROWS = 20_000


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


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

        floor_s = min(timed(floor) for _ in range(2))
        xlsx_s = min(timed(lambda: xlsx.write_form(tmp / "v.xlsx", table)) for _ in range(2))
        pdf_s = min(timed(lambda: pdf.write_form(tmp / "v.pdf", table)) for _ in range(2))
        print(f"rows: {ROWS}; reading the rows from the database: {query_s:.2f} s")
        print(f"floor  openpyxl write-only, same cells: {floor_s:.2f} s")
        print(f"xlsx   styled print-ready roster:       {xlsx_s:.2f} s  "
              f"ratio {xlsx_s / floor_s:.2f}x (goal <= 2x)")
        print(f"pdf    same rows and columns:           {pdf_s:.2f} s  "
              f"ratio to xlsx {pdf_s / xlsx_s:.2f}x (goal <= 3x)")


if __name__ == "__main__":
    main()
