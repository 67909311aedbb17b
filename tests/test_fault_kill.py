"""Real processes SIGKILLed at named points (models.faults, ``GGTZ_KILL_AT``): every point is
hit in every run (the child must die by SIGKILL), and each leaves the database as it was
before or after the operation, with ``check`` passing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models.backup import _verify, record_counts
from models.db import SCHEMA_VERSION, Database
from tests.helpers import ROOT, cli, figures_now
from tests.sheets import big_roster

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
ROWS = 2000


def _run(point: str | None, *args: object) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GGTZ_KILL_AT"}
    if point:
        env["GGTZ_KILL_AT"] = point
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def _killed(point: str, *args: object) -> None:
    proc = _run(point, *args)
    assert proc.returncode == -signal.SIGKILL, (point, proc.returncode, proc.stderr)


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return record_counts(con)
    finally:
        con.close()


def _check(path: Path) -> None:
    proc = cli("check", "--db", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    from models import demo

    path = tmp_path_factory.mktemp("town") / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        demo.build(s, scale=1)
    db.close()
    return path


def _copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(src.read_bytes())
    return dest


def _import_killed_at(tmp_path: Path, point: str) -> tuple[Path, Path]:
    """A 2 000-row roster's import killed at ``point``; the file passes ``check`` and holds
    what it held before (the kill was inside the import's transaction). Returns the database
    and the roster."""
    roster = big_roster(tmp_path / "roster.xlsx", ROWS)
    path = tmp_path / "town.sqlite"
    Database.open(path).close()
    before = _counts(path)
    _killed(point, "import", "volunteers", roster, "--db", path)
    _check(path)
    assert _counts(path) == before
    return path, roster


def test_import_killed_after_its_first_insert_batch_leaves_nothing(tmp_path):
    path, roster = _import_killed_at(tmp_path, "import.insert:1")
    assert _run(None, "import", "volunteers", roster, "--db", path).returncode == 0
    assert _counts(path)["五老"] == ROWS


@pytest.mark.parametrize(("point", "kind", "name"), [
    ("import.trigger", "trigger", "first_screen_stale_volunteers_insert"),
    ("import.indexes", "index", "ux_volunteers_id_number"),
])
def test_import_killed_while_schema_is_set_aside_leaves_the_schema_and_no_row(
        tmp_path, point, kind, name):
    """A kill between the drop of the first-screen trigger, or of the 五老 table's indexes, and
    their creation again (inside the import's transaction): the file is as before — it passes
    ``check`` with that trigger or index — and the import reruns."""
    path, roster = _import_killed_at(tmp_path, point)
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE type = ? AND name = ?",
                       (kind, name)).fetchone()[0] == 1
    con.close()
    assert _run(None, "import", "volunteers", roster, "--db", path).returncode == 0
    assert _counts(path)["五老"] == ROWS
    _check(path)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_upgrade_killed_inside_its_step_leaves_the_old_version(tmp_path, version):
    old = ROOT / "tests" / "data" / f"schema_v{version}.sqlite"
    expected = json.loads(old.with_suffix(".expected.json").read_text(encoding="utf-8"))
    path = _copy(old, tmp_path / "v1" / "town.sqlite")
    _killed(f"upgrade.v{version}", "stats", "--db", path, "--year", "2025", "--json")
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == version
    con.close()
    _check(path)
    proc = _run(None, "stats", "--db", path, "--year", "2025", "--json")  # upgrades now
    assert proc.returncode == 0 and json.loads(proc.stdout) == figures_now(expected["stats"]["2025"])
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_backup_killed_between_copy_and_rename_leaves_no_backup(town, tmp_path):
    path = _copy(town, tmp_path / "live" / "town.sqlite")
    before = _counts(path)
    target = tmp_path / "usb" / "备份.sqlite"
    _killed("backup.rename", "backup", "--db", path, "--out", target)
    assert not target.exists()  # only a .part can be left, never a file under the final name
    _check(path)
    assert _counts(path) == before
    assert _run(None, "backup", "--db", path, "--out", target).returncode == 0
    assert _verify(target) == before


def test_restore_killed_during_the_swap_leaves_the_old_database(town, tmp_path):
    saved = _copy(town, tmp_path / "saved.sqlite")
    path = _copy(town, tmp_path / "live" / "town.sqlite")
    db = Database.open(path)
    with db.session() as s:
        from models import volunteers

        volunteers.create(s, volunteers.VolunteerInput("新加的人", "老干部"))
    db.close()
    changed, restored = _counts(path), _counts(saved)
    assert changed != restored
    _killed("restore.swap", "restore", saved, "--db", path)
    _check(path)
    assert _counts(path) == changed
    # the killed restore left no lock behind: the same restore now goes through
    assert _run(None, "restore", saved, "--db", path).returncode == 0
    _check(path)
    assert _counts(path) == restored


def test_package_killed_mid_zip_leaves_no_package(town, tmp_path):
    from exports.rollup import read_package

    path = _copy(town, tmp_path / "live" / "town.sqlite")
    before = _counts(path)
    out = tmp_path / "usb"
    _killed("package.entry:3", "package", "--db", path, "--year", "2025", "--out", out)
    assert not list(out.glob("*.zip"))
    _check(path)
    assert _counts(path) == before
    assert _run(None, "package", "--db", path, "--year", "2025", "--out", out).returncode == 0
    [package] = out.glob("*.zip")
    assert read_package(package).year == 2025  # whole: the receiver's own check
