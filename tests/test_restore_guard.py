"""Restore under a running window or an open connection, and files that are not exactly ours."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from models.db import APPLICATION_ID, Database
from models.errors import DatabaseDamaged
from tests.factories import add_volunteer
from tests.helpers import ROOT, cli

HOLDER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from models.db import APPLICATION_ID, Database
    from models import filelock
    path = Path(sys.argv[1])
    lock = filelock.window_lock(path) if sys.argv[2] == "window" else None
    db = Database.open(path)
    reader = db.reader()
    reader.connection()  # an open connection, as the window keeps one
    print("ready", flush=True)
    sys.stdin.readline()
""")


def _hold(path: Path, how: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT)), str(path), how],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _names(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in con.execute("SELECT name FROM volunteers"))
    finally:
        con.close()


@pytest.fixture
def town(tmp_path):
    path = tmp_path / "town.sqlite"
    db = Database.open(path)
    add_volunteer(db, "备份里的人")
    db.close()
    saved = tmp_path / "saved.sqlite"
    cli("backup", "--db", path, "--out", saved, check=True)
    db = Database.open(path)
    add_volunteer(db, "后来加的人")
    db.close()
    return path, saved


@pytest.mark.parametrize("how,sentence", [("window", "请先关闭窗口"), ("reader", "请等它完成后再试")])
def test_restore_is_refused_while_the_database_is_open(town, how, sentence):
    path, saved = town
    before = path.read_bytes()
    holder = _hold(path, how)
    try:
        proc = cli("restore", saved, "--db", path)
    finally:
        holder.communicate("\n", timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert sentence in proc.stderr and "Traceback" not in proc.stderr
    assert _names(path) == ["后来加的人", "备份里的人"]
    assert path.read_bytes() == before or _names(path) == ["后来加的人", "备份里的人"]
    assert not list((path.parent / "backups").glob("*恢复前*"))
    # once the window is closed the same restore works
    assert cli("restore", saved, "--db", path).returncode == 0
    assert _names(path) == ["备份里的人"]


def test_the_window_restores_after_closing_its_connections(town):
    path, saved = town
    db = Database(path)
    assert db.claim_window()
    try:
        db.load()
        with db.reader() as s:  # the window has read: a pooled connection exists
            s.connection()
        with pytest.raises(Exception, match="窗口中打开"):  # another handle: not the window
            Database(path).restore(Database(saved))
        db.restore(db.backup_of(saved))  # the owner closes its own connections first
        add_volunteer(db, "恢复后加的人")  # the reopened connections see the restored file
    finally:
        db.close()
    assert _names(path) == ["备份里的人", "恢复后加的人"]


def test_imports_racing_restores_never_report_rows_that_vanish(town, tmp_path):
    """An import that says 已导入 has its rows in the final file or in the 恢复前 copy."""
    from tests.sheets import big_roster

    path, saved = town
    roster = big_roster(tmp_path / "roster.xlsx", 30)
    base = path.read_bytes()
    for delay in (0.0, 0.3, 0.6, 0.9):
        path.write_bytes(base)
        shutil.rmtree(path.parent / "backups", ignore_errors=True)
        imp = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "import", "volunteers",
                                str(roster), "--db", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        __import__("time").sleep(delay)
        rest = cli("restore", saved, "--db", path)
        out, _err = imp.communicate(timeout=120)
        assert rest.returncode in (0, 2) and "Traceback" not in rest.stderr
        if imp.returncode == 0 and "已导入" in out:
            homes = [path, *sorted((path.parent / "backups").glob("*恢复前*"))]
            ours = {"备份里的人", "后来加的人"}
            assert any(len(set(_names(p)) - ours) >= 30 for p in homes), (delay, rest.stderr)
        assert cli("check", "--db", path).returncode == 0


def _tampered(src: Path, dest: Path, sql: str) -> Path:
    shutil.copy(src, dest)
    con = sqlite3.connect(dest)
    con.executescript(sql)
    con.commit()
    con.close()
    return dest


FOREIGN = {
    "trigger": "CREATE TRIGGER wipe AFTER INSERT ON volunteers BEGIN DELETE FROM audit_log; END;",
    "view": "CREATE VIEW leak AS SELECT id_number FROM volunteers;",
    "table": "CREATE TABLE extra (x TEXT);",
    "index": "CREATE INDEX ix_more ON volunteers (name);",
    "column": "ALTER TABLE volunteers ADD COLUMN secret TEXT;",
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_tampered_files_are_refused_by_restore_and_open(town, tmp_path, kind):
    path, saved = town
    bad = _tampered(saved, tmp_path / f"bad-{kind}.sqlite", FOREIGN[kind])
    bad_bytes, before = bad.read_bytes(), path.read_bytes()
    proc = cli("restore", bad, "--db", path)
    assert proc.returncode == 2 and "结构与关工台账的数据库不一致" in proc.stderr, proc.stderr
    assert "数据没有改动" not in proc.stderr
    assert path.read_bytes() == before and bad.read_bytes() == bad_bytes
    with pytest.raises(DatabaseDamaged, match="不能使用"):
        Database.open(bad)
    assert bad.read_bytes() == bad_bytes


@pytest.mark.parametrize("kind", ["blank", "other", "other_with_our_id"])
def test_foreign_and_blank_sqlite_files_are_refused(town, tmp_path, kind):
    path, _saved = town
    bad = tmp_path / f"{kind}.sqlite"
    con = sqlite3.connect(bad)
    if kind == "blank":
        con.execute("PRAGMA user_version=2")
        con.execute(f"PRAGMA application_id={APPLICATION_ID}")
    else:
        con.execute("CREATE TABLE people (name TEXT)")
        if kind == "other_with_our_id":
            con.execute("PRAGMA user_version=2")
            con.execute(f"PRAGMA application_id={APPLICATION_ID}")
    con.commit()
    con.close()
    before = path.read_bytes()
    proc = cli("restore", bad, "--db", path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "不是关工台账" in proc.stderr or "不能使用" in proc.stderr
    assert path.read_bytes() == before
    with pytest.raises(DatabaseDamaged):
        Database.open(bad)


@pytest.mark.parametrize("version", [1, 2])
def test_our_old_files_pass_the_exact_schema_check(tmp_path, version):
    src = ROOT / "tests" / "data" / f"schema_v{version}.sqlite"
    copy = tmp_path / "old.sqlite"
    shutil.copy(src, copy)
    Database.open(copy).close()


def test_reads_of_the_window_during_its_restore_wait_and_see_the_restored_file(town):
    """Another thread of the window keeps reading while the window restores: it never holds a
    connection across the swap (so the file can be replaced) and sees the restored data."""
    import threading

    from sqlalchemy import text

    path, saved = town
    db = Database(path)
    assert db.claim_window()
    db.load()
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            try:
                with db.reader() as s:
                    seen.append(s.execute(text("SELECT count(*) FROM volunteers")).scalar_one())
            except BaseException as err:  # pragma: no cover - the failure being tested
                errors.append(err)
                return

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        _wait_for(lambda: bool(seen) or bool(errors))
        db.restore(db.backup_of(saved))
        n = len(seen)
        _wait_for(lambda: len(seen) >= n + 3 or bool(errors))
    finally:
        stop.set()
        reader.join(timeout=30)
        db.close()
    assert not errors
    assert seen[0] == 2 and seen[-1] == 1


def _wait_for(condition, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
