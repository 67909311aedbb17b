"""Import of a 20 000-row 五老 roster, as a ratio to openpyxl's read-only iteration over it.

Goal (issue 3): at most 3x. Run: ``.venv/bin/python tests/bench/bench_import.py``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT

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
        hostile(Path(tmp))


def _peak_of_import(path: Path, db: Path) -> tuple[float, float, int]:
    """(peak MB, seconds, exit code) of ``main.py import`` on ``path`` in a fresh process."""
    import resource
    import subprocess
    import sys

    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "rc = subprocess.call([sys.executable, 'main.py', 'import', 'volunteers', sys.argv[1], "
            "'--db', sys.argv[2], '--dry-run'], stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
            "time.perf_counter() - t, rc)")
    del resource
    out = subprocess.run([sys.executable, "-c", code, str(path), str(db)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / 1024, float(out[1]), int(out[2])


def hostile(tmp: Path) -> None:
    """Peak memory of the hostile files of issue 10 item 7."""
    import io
    import zipfile

    db = tmp / "hostile.sqlite"
    Database.open(db).close()

    def inflating(name: str, megabytes: int) -> Path:
        buf = io.BytesIO()
        wb = openpyxl.Workbook()
        wb.active.append(["姓名", "五老类别"])
        wb.save(buf)
        path = tmp / name
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename != "xl/worksheets/sheet1.xml":
                    dst.writestr(info, data)
                    continue
                with dst.open(info.filename, "w", force_zip64=True) as out:
                    out.write(data[:-12])
                    for _ in range(megabytes // 16):
                        out.write(b" " * 2**24)
                    out.write(b"</worksheet>")
        return path

    wide = tmp / "xfd.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(["姓名", "身份证号", "五老类别"])
    for i in range(30_000):
        ws.append([f"人{i}", "", "老干部"] + [None] * 16_380 + ["x"])
    wb.save(wide)
    for label, path in (("1 GiB inflating xlsx", inflating("bomb.xlsx", 1024)),
                        ("2 GiB of whitespace", inflating("ws.xlsx", 2048)),
                        ("30 000 rows to column XFD", wide)):
        peak, seconds, rc = _peak_of_import(path, db)
        print(f"hostile {label}: peak {peak:.0f} MB, {seconds:.1f} s, exit {rc}")


if __name__ == "__main__":
    main()
