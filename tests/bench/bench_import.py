"""Import of a 20 000-row 五老 roster, as ratios to the bare reading of the same file.

* .xlsx: the whole import (read, check, write) / python-calamine reading every cell
  (``CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()``); goal (issue 25) <= 5x.
* .csv: the whole import / the csv module reading every row (``list(csv.reader(open(p)))``);
  goal (issue 25) <= 40x.

The floor and the import run alternately (floor, import, floor, import, ...) so that a busy
machine slows both alike; each ratio is the median of the per-pair ratios.

Run: ``.venv/bin/python tests/bench/bench_import.py``
"""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT

from exports.importer import ImportOptions, run_import
from models.db import Database
from tests.sheets import big_roster

ROWS = 20_000
PAIRS = 5
FLOORS = {
    "xlsx": "python_calamine.CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()",
    "csv": "list(csv.reader(open(p, encoding='utf-8-sig', newline='')))",
}
GOALS = {"xlsx": 5, "csv": 40}


def _as_csv(xlsx: Path, out: Path) -> Path:
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        for row in wb.worksheets[0].iter_rows(values_only=True):
            w.writerow(["" if v is None else v for v in row])
    wb.close()
    return out


def _floor(kind: str, path: Path) -> None:
    if kind == "xlsx":
        import python_calamine

        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            list(csv.reader(f))


def measure(kind: str, path: Path, tmp: Path) -> tuple[float, float, list[float]]:
    """(median floor s, median import s, per-pair ratios)."""
    floors, imports = [], []
    _floor(kind, path)  # warm-up: imports, page cache
    for n in range(PAIRS):
        t = time.perf_counter()
        _floor(kind, path)
        floors.append(time.perf_counter() - t)
        db = Database.open(tmp / f"town-{kind}-{n}.sqlite")
        t = time.perf_counter()
        report = run_import(db, "volunteers", path, ImportOptions())
        imports.append(time.perf_counter() - t)
        db.close()
        assert report.imported == ROWS, report.summary()
    ratios = [i / f for i, f in zip(imports, floors)]
    return statistics.median(floors), statistics.median(imports), ratios


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        xlsx = big_roster(tmp / "roster.xlsx", ROWS)
        files = {"xlsx": xlsx, "csv": _as_csv(xlsx, tmp / "roster.csv")}
        print(f"rows: {ROWS}; {PAIRS} alternating pairs each")
        for kind, path in files.items():
            floor_s, import_s, ratios = measure(kind, path, tmp)
            print(f"{kind:4}  floor  {FLOORS[kind]}: {floor_s:.3f} s")
            print(f"{kind:4}  import volunteers (read + check + write): {import_s:.2f} s  "
                  f"ratio {statistics.median(ratios):.1f}x (goal <= {GOALS[kind]}x; pairs: "
                  f"{', '.join(f'{r:.1f}' for r in ratios)})")
        hostile(tmp)


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
