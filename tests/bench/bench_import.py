"""Import of a 20 000-row 五老 roster, as ratios to the bare reading of the same file.

* .xlsx: the whole import (read, check, write) / python-calamine reading every cell
  (``CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()``); goal (issue 25) <= 5x.
* .csv: the whole import / the csv module reading every row (``list(csv.reader(open(p)))``);
  goal (issue 25) <= 40x.

The floor and the import run alternately (floor, import, floor, import, ...) so that a busy
machine slows both alike; each ratio is the median of the per-pair ratios. Both are timed in
CPU seconds of this process (``time.process_time``: what the work costs, much less disturbed by
other programs sharing the cores) and in wall seconds; the floor of a pair is the fastest of
three runs around its import.

Run: ``.venv/bin/python tests/bench/bench_import.py``
"""

from __future__ import annotations

import csv
import gc
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT

from exports.importer import ImportOptions, ImportReport, run_import
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


def _timed(fn) -> tuple[float, float]:
    """(CPU s, wall s) of ``fn()``."""
    c, w = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c, time.perf_counter() - w


def measure(kind: str, path: Path, tmp: Path) -> dict[str, tuple[float, float, list[float]]]:
    """{"cpu"/"wall": (median floor s, median import s, per-pair ratios)}."""
    floors: list[tuple[float, float]] = []
    imports: list[tuple[float, float]] = []
    _floor(kind, path)  # warm-up: imports, page cache
    for n in range(PAIRS):
        before = [_timed(lambda: _floor(kind, path)) for _ in range(2)]
        db = Database.open(tmp / f"town-{kind}-{n}.sqlite")
        reports: list[ImportReport] = []
        imports.append(_timed(lambda db=db, reports=reports: reports.append(
            run_import(db, "volunteers", path, ImportOptions()))))
        db.close()
        # the full collection an import leaves due (it runs none itself: exports.importer)
        # is made here, outside the timed pieces, not in the next floor
        gc.collect()
        assert reports[0].imported == ROWS, reports[0].summary()
        after = _timed(lambda: _floor(kind, path))
        runs = [*before, after]
        floors.append((min(r[0] for r in runs), min(r[1] for r in runs)))
    out = {}
    for i, clock in enumerate(("cpu", "wall")):
        ratios = [im[i] / fl[i] for im, fl in zip(imports, floors)]
        out[clock] = (statistics.median(f[i] for f in floors),
                      statistics.median(im[i] for im in imports), ratios)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        xlsx = big_roster(tmp / "roster.xlsx", ROWS)
        files = {"xlsx": xlsx, "csv": _as_csv(xlsx, tmp / "roster.csv")}
        print(f"rows: {ROWS}; {PAIRS} alternating pairs each")
        for kind, path in files.items():
            print(f"{kind:4}  floor: {FLOORS[kind]}")
            for clock, (floor_s, import_s, ratios) in measure(kind, path, tmp).items():
                print(f"{kind:4}  {clock:4}  floor {floor_s:.3f} s, import volunteers (read + check "
                      f"+ write) {import_s:.2f} s: ratio {statistics.median(ratios):.1f}x "
                      f"(goal <= {GOALS[kind]}x; pairs: {', '.join(f'{r:.1f}' for r in ratios)})")
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
