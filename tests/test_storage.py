"""Opening, refusing, backing up and restoring the database file."""

import json
import os
import sqlite3
import stat

import pytest

from models import backup, demo
from models.db import APPLICATION_ID, SCHEMA_VERSION, Database
from models.errors import DatabaseDamaged, DatabaseTooNew, FileProblem
from tests.factories import add_volunteer
from tests.helpers import cli, cli_json


def test_new_database_is_marked_and_versioned(db, db_path):
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_newer_database_is_refused_and_left_untouched(db, db_path):
    add_volunteer(db)
    db.close()
    con = sqlite3.connect(db_path)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="更新版本"):
        Database.open(db_path)
    proc = cli("stats", "--db", db_path, "--year", "2025", "--json")
    assert proc.returncode == 2
    assert "更新版本" in proc.stderr and "Traceback" not in proc.stderr
    assert db_path.read_bytes() == before
    assert not (db_path.parent / "test.sqlite-wal").exists()


def _damage(path, how):
    data = bytearray(path.read_bytes())
    if how == "overwritten":
        for i in range(4096 * 2, len(data), 4096):
            data[i:i + 64] = b"\xff" * 64
    elif how == "truncated":
        data = data[: len(data) // 3 + 50]
    elif how == "not-a-database":
        data = "这不是数据库，是一封信。".encode() * 500
    elif how == "zero-length":
        data = b""
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["overwritten", "truncated", "not-a-database", "zero-length"])
def test_damaged_file_check_says_so_plainly(tmp_path, how):
    path = tmp_path / "town.sqlite"
    database = Database.open(path)
    with database.session() as s:
        demo.build(s, scale=1)
    database.close()
    _damage(path, how)
    proc = cli("check", "--db", path)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr + proc.stdout
    message = proc.stderr + proc.stdout
    assert any(w in message for w in ("损坏", "不是", "空的", "不完整", "问题")), message
    with pytest.raises((DatabaseDamaged, FileProblem)):
        Database.open(path)


def test_demo_check_backup_change_restore_gives_back_the_figures(tmp_path):
    path = tmp_path / "town.sqlite"
    cli("demo", "--db", path, check=True)
    assert cli("check", "--db", path).returncode == 0
    before = cli_json("stats", "--db", path, "--year", "2025", "--json")
    saved = tmp_path / "u盘" / "备份.sqlite"
    cli("backup", "--db", path, "--out", saved, check=True)
    database = Database.open(path)
    for i in range(3):
        add_volunteer(database, f"新五老{i}", joined_on=__import__("datetime").date(2025, 5, 1))
    database.close()
    changed = cli_json("stats", "--db", path, "--year", "2025", "--json")
    assert changed["volunteers"]["total"] == before["volunteers"]["total"] + 3
    proc = cli("restore", saved, "--db", path, check=True)
    assert "恢复" in proc.stdout
    assert cli_json("stats", "--db", path, "--year", "2025", "--json") == before
    kept = backup.list_backups(path.parent / "backups", "town")
    assert [b.kind for b in kept] == ["恢复前"]


def test_restore_refuses_a_damaged_backup_and_changes_nothing(db, db_path, tmp_path):
    add_volunteer(db)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    before = cli_json("stats", "--db", db_path, "--year", "2025", "--json")
    proc = cli("restore", bad, "--db", db_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert cli_json("stats", "--db", db_path, "--year", "2025", "--json") == before


def test_backups_are_verified_named_and_rotated(db, db_path):
    add_volunteer(db)
    folder = db_path.parent / "backups"
    made = [backup.make_backup_of_file(db_path, folder, keep=3) for _ in range(5)]
    left = backup.list_backups(folder, db_path.stem, with_counts=True)
    assert len(left) == 3
    assert {b.path for b in left} == set(made[-3:])
    assert all(b.ok and b.counts["五老"] == 1 for b in left)
    assert not list(folder.glob("*.part"))


def test_auto_backup_is_due_once_a_day(db):
    assert backup.auto_backup_due(db)
    backup.make_backup(db)
    assert not backup.auto_backup_due(db)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores folder permissions")
def test_backup_into_read_only_folder_says_so(db, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IREAD | stat.S_IEXEC)
    with pytest.raises(FileProblem, match="权限"):
        backup.make_backup_of_file(db.path, folder)


def test_backup_that_cannot_be_written_leaves_no_file(db, tmp_path, monkeypatch):
    add_volunteer(db)
    out = tmp_path / "out" / "b.sqlite"

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup.os, "fsync", full_disk)
    with pytest.raises(FileProblem, match="磁盘空间不足"):
        backup.write_verified_copy(db.path, out)
    assert list(out.parent.iterdir()) == []


def test_missing_database_and_bad_arguments_give_exit_2(tmp_path):
    proc = cli("stats", "--db", tmp_path / "nope.sqlite", "--year", "2025", "--json")
    assert proc.returncode == 2 and "找不到" in proc.stderr
    proc = cli("stats", "--db", tmp_path / "nope.sqlite")
    assert proc.returncode == 2 and "命令参数不对" in proc.stderr


def test_check_json_reports_counts(tmp_path):
    path = tmp_path / "x.sqlite"
    Database.open(path).close()
    proc = cli("check", "--db", path, "--json", check=True)
    report = json.loads(proc.stdout)
    assert report["ok"] is True and report["counts"]["五老"] == 0


def test_folder_names_with_uri_characters_work_everywhere(tmp_path):
    """A folder such as ``关工#1 50%`` must not break the read-only opens (inspection, backup,
    check), which use ``file:`` URIs."""
    from models import check

    folder = tmp_path / "关工#1 50%"
    path = folder / "台账.sqlite"
    db = Database.open(path)
    add_volunteer(db)
    made = backup.make_backup(db, kind="手动")
    db.close()
    assert backup.list_backups(made.parent, with_counts=True)[0].counts["五老"] == 1
    report = check.run(path)
    assert report.counts["五老"] == 1 and not report.problems
