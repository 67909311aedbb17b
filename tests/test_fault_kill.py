"""Real processes killed with SIGKILL in the middle of writing: never a half-written database."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.db import Database
from tests.helpers import ROOT, cli
from tests.sheets import big_roster

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
ROWS = 2000


def _count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM volunteers").fetchone()[0]
    finally:
        con.close()


def _start(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_imports_leave_all_or_nothing(tmp_path):
    roster = big_roster(tmp_path / "roster.xlsx", ROWS)
    db_path = tmp_path / "town.sqlite"
    Database.open(db_path).close()
    timing = tmp_path / "timing.sqlite"
    timing.write_bytes(db_path.read_bytes())
    t = time.perf_counter()
    _start("import", "volunteers", roster, "--db", timing).wait(timeout=120)
    full = time.perf_counter() - t
    assert _count(timing) == ROWS
    rng = random.Random(20251210)
    outcomes = {"before": 0, "after": 0}
    for _ in range(6):
        fresh = tmp_path / f"town-{rng.randint(0, 10**9)}.sqlite"
        fresh.write_bytes(db_path.read_bytes())
        proc = _start("import", "volunteers", roster, "--db", fresh)
        time.sleep(rng.uniform(0.75 * full, 1.05 * full))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert cli("check", "--db", fresh).returncode == 0
        n = _count(fresh)
        assert n in (0, ROWS), n
        outcomes["before" if n == 0 else "after"] += 1
    print(f"killed imports survived: {outcomes}")
    assert sum(outcomes.values()) == 6


@pytest.fixture(scope="module")
def town10(tmp_path_factory):
    """A 10x demo township (about 10 MB), so that writes take long enough to be hit."""
    from models import demo

    path = tmp_path_factory.mktemp("t10") / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        demo.build(s, scale=10)
    db.close()
    return path


def _kill_runs(args_for, check_after, runs=5, seed=7):
    """Time one run, then kill ``runs`` runs at random moments; ``check_after(i)`` judges."""
    t = time.perf_counter()
    assert _start(*args_for(-1)).wait(timeout=300) == 0
    full = time.perf_counter() - t
    rng = random.Random(seed)
    outcomes = []
    for i in range(runs):
        proc = _start(*args_for(i))
        time.sleep(rng.uniform(0.7 * full, 1.3 * full))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        outcomes.append(check_after(i))
    return outcomes


def test_killed_backups_never_leave_a_backup_that_looks_whole(town10, tmp_path):
    from models.backup import _verify

    def target(i):
        return tmp_path / f"backup-{i}.sqlite"

    def judge(i):
        assert cli("check", "--db", town10).returncode == 0
        if target(i).exists():
            _verify(target(i))  # whole and readable, or it would not have its final name
            return "written"
        return "none"

    outcomes = _kill_runs(lambda i: ("backup", "--db", town10, "--out", target(i)), judge)
    print(f"killed backups: {outcomes}")


def test_killed_restores_leave_the_old_or_the_restored_database(town10, tmp_path):
    from models.backup import record_counts

    saved = tmp_path / "saved.sqlite"
    cli("backup", "--db", town10, "--out", saved, check=True)
    con = sqlite3.connect(saved)
    restored_counts = record_counts(con)
    con.close()

    def live(i):
        path = tmp_path / f"live-{i}" / "town.sqlite"
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            path.write_bytes(tmp_path.joinpath("changed.sqlite").read_bytes())
        return path

    changed = tmp_path / "changed.sqlite"
    changed.write_bytes(town10.read_bytes())
    db = Database.open(changed)
    with db.session() as s:
        from models import volunteers

        volunteers.create(s, volunteers.VolunteerInput("新加的人", "老干部"))
    db.close()
    con = sqlite3.connect(changed)
    changed_counts = record_counts(con)
    con.close()

    def judge(i):
        path = live(i)
        assert cli("check", "--db", path).returncode == 0
        con = sqlite3.connect(path)
        counts = record_counts(con)
        con.close()
        assert counts in (changed_counts, restored_counts)
        return "restored" if counts == restored_counts else "old"

    outcomes = _kill_runs(lambda i: ("restore", saved, "--db", live(i)), judge)
    print(f"killed restores: {outcomes}")


def test_killed_packages_leave_no_package_that_looks_whole(tmp_path):
    from exports.service import verify_package
    from models import demo

    town = tmp_path / "town.sqlite"
    db = Database.open(town)
    with db.session() as s:
        demo.build(s, scale=1)
    db.close()

    def folder(i):
        return tmp_path / f"usb-{i}"

    def judge(i):
        zips = list(folder(i).glob("*.zip")) if folder(i).exists() else []
        for z in zips:
            assert verify_package(z) == []
        return "written" if zips else "none"

    outcomes = _kill_runs(lambda i: ("package", "--db", town, "--year", "2025", "--out",
                                     folder(i)), judge, runs=4)
    print(f"killed packages: {outcomes}")


def test_killed_upgrades_leave_the_old_or_the_upgraded_file(tmp_path):
    import json

    from models.db import SCHEMA_VERSION

    old = ROOT / "tests" / "data" / "schema_v1.sqlite"
    expected = json.loads(old.with_suffix(".expected.json").read_text(encoding="utf-8"))

    def path(i):
        p = tmp_path / f"v1-{i}" / "town.sqlite"
        if not p.exists():
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(old.read_bytes())
        return p

    def judge(i):
        con = sqlite3.connect(path(i))
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.close()
        assert version in (1, SCHEMA_VERSION)
        proc = cli("stats", "--db", path(i), "--year", "2025", "--json")
        assert proc.returncode == 0
        assert json.loads(proc.stdout) == expected["stats"]["2025"]
        return f"v{version}"

    outcomes = _kill_runs(lambda i: ("stats", "--db", path(i), "--year", "2025", "--json"), judge,
                          runs=5)
    print(f"killed upgrades: {outcomes}")
