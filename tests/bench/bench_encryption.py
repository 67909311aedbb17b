"""Cost of encryption at rest (issue 15 item 7): ``stats`` and the 20 000-row import on an
encrypted database as a ratio to the same on a plain one, measured in the same run (goal <= 1.3).

Also prints the key derivation time (once per process and password try: the guessing brake)
and the time of one further connection with the raw key (every other connection).

Run: ``.venv/bin/python tests/bench/bench_encryption.py [--scale N]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, best_of, scale100_db

from exports.importer import ImportOptions, run_import
from models import sqlconnect, stats
from models.db import Database
from tests.sheets import big_roster

PW = "青山2025关工委"
ROWS = 20_000


def _cli_stats(path: Path, password: str | None) -> float:
    env = {**os.environ, "GGTZ_PASSWORD": password or ""}
    t = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "main.py"), "stats", "--db", str(path),
                    "--year", "2025", "--json"], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t


def _figures(path: Path, key: sqlconnect.Key | None = None) -> float:
    db = Database.open(path, check=None, key=key)
    try:
        with db.reader() as s:
            return best_of(lambda: stats.year_figures(s, 2025), runs=3)
    finally:
        db.close()


def _import(folder: Path, roster: Path, encrypted: bool) -> float:
    path = folder / ("import-enc.sqlite" if encrypted else "import-plain.sqlite")
    db = Database.open(path)
    if encrypted:
        db.change_password(PW)
    try:
        t = time.perf_counter()
        report = run_import(db, "volunteers", roster, ImportOptions())
        took = time.perf_counter() - t
    finally:
        db.close()
    assert report.imported == ROWS, report.summary()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        plain = tmp / "plain.sqlite"
        shutil.copyfile(scale100_db(args.scale), plain)
        enc = tmp / "enc.sqlite"
        shutil.copyfile(plain, enc)
        t = time.perf_counter()
        owner = Database(enc)
        owner.change_password(PW)
        print(f"set the password on demo --scale {args.scale} "
              f"({plain.stat().st_size / 1e6:.0f} MB): {time.perf_counter() - t:.1f} s")
        print("floor of every ratio below: the same work on the plain (unencrypted) copy of the "
              "same file, in the same run; the floors' commands:\n"
              "    stats.year_figures(s, 2025) in Database.open(plain.sqlite).reader()\n"
              "    main.py stats --db plain.sqlite --year 2025 --json\n"
              "    run_import(Database.open(import-plain.sqlite), 'volunteers', roster.xlsx, "
              "ImportOptions())")

        salt = sqlconnect.file_salt(enc)
        assert salt is not None
        kdf = best_of(lambda: sqlconnect.derive(PW, salt), runs=3)
        key = owner.key

        def raw_open() -> None:
            con = sqlconnect.connect(enc, key=key, readonly=True)
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            con.close()

        print(f"key derivation (PBKDF2-SHA512 x {sqlconnect.KDF_ITERATIONS}): {kdf * 1000:.0f} ms "
              "per process / password try")
        print(f"one more connection with the raw key: {best_of(raw_open) * 1000:.2f} ms")

        fp, fe = _figures(plain), _figures(enc, key)
        print(f"year_figures(2025)  plain {fp * 1000:.0f} ms  encrypted {fe * 1000:.0f} ms  "
              f"ratio {fe / fp:.2f}x (goal <= 1.3)")
        cp = min(_cli_stats(plain, None) for _ in range(2))
        ce = min(_cli_stats(enc, PW) for _ in range(2))
        print(f"main.py stats (whole process)  plain {cp:.2f} s  encrypted {ce:.2f} s  "
              f"ratio {ce / cp:.2f}x (goal <= 1.3)")

        roster = big_roster(tmp / "roster.xlsx", ROWS)
        ip = _import(tmp, roster, encrypted=False)
        ie = _import(tmp, roster, encrypted=True)
        print(f"import {ROWS} volunteers  plain {ip:.2f} s  encrypted {ie:.2f} s  "
              f"ratio {ie / ip:.2f}x (goal <= 1.3)")


if __name__ == "__main__":
    main()
