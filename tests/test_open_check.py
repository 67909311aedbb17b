"""Opening runs SQLite's quick_check; the full integrity_check runs where it is asked for
(check, backups, restores, the window's background verification) and once per unchanged file
(issue 25)."""

from __future__ import annotations

from models import demo, sqlitefile
from models.db import Database


def _counting(monkeypatch):
    calls: list[bool | None] = []
    real = sqlitefile._inspect

    def spy(path, full, key=None):
        calls.append(full)
        return real(path, full, key)

    monkeypatch.setattr(sqlitefile, "_inspect", spy)
    return calls


def test_opening_runs_the_quick_check(db_path, monkeypatch):
    Database.open(db_path).close()
    calls = _counting(monkeypatch)
    Database.open(db_path, create=False).close()
    assert calls == [False]


def test_the_full_check_of_an_unchanged_file_is_remembered_and_a_change_forgets_it(
        db_path, monkeypatch):
    db = Database.open(db_path)
    with db.session() as s:
        demo.build(s, scale=1)
    db.close()
    calls = _counting(monkeypatch)
    assert sqlitefile.inspect_file(db_path) == sqlitefile.inspect_file(db_path)
    assert calls == [True]
    db = Database.open(db_path)
    with db.session() as s:
        s.connection().exec_driver_sql("UPDATE volunteers SET note = 'x' WHERE id = 1")
    db.close()
    calls.clear()
    _version, problems = sqlitefile.inspect_file(db_path)
    assert calls == [False, True][1:] and not problems  # the changed file is checked again


def test_a_damaged_file_is_never_remembered_as_good(db_path, monkeypatch):
    Database.open(db_path).close()
    calls = _counting(monkeypatch)
    monkeypatch.setattr(sqlitefile, "_inspect",
                        lambda path, full, key=None: (calls.append(full), (4, ["row 3 missing"]))[1])
    assert sqlitefile.inspect_file(db_path)[1] == ["row 3 missing"]
    assert sqlitefile.inspect_file(db_path)[1] == ["row 3 missing"]
    assert calls == [True, True]


def test_a_commands_quick_check_runs_beside_its_imports_and_is_used_once(db_path, monkeypatch):
    """``check_early`` (started by main.py before a command's imports): opening the unchanged
    file takes its result instead of checking again; a second opening checks again."""
    Database.open(db_path).close()
    calls = _counting(monkeypatch)
    sqlitefile.check_early(db_path)
    Database.open(db_path, create=False).close()
    assert calls == [False]  # the early check's, taken by the opening
    Database.open(db_path, create=False).close()
    assert calls == [False, False]


def test_a_file_changed_after_its_early_check_is_checked_again(db_path, monkeypatch):
    db = Database.open(db_path)
    with db.session() as s:
        demo.build(s, scale=1)
    db.close()
    calls = _counting(monkeypatch)
    sqlitefile.check_early(db_path)
    (early,) = sqlitefile._EARLY.values()
    assert early.done.wait(30)
    db = Database(db_path).load(check=None)  # another program writes meanwhile
    with db.session() as s:
        s.connection().exec_driver_sql("UPDATE volunteers SET note = 'x' WHERE id = 1")
    db.close()
    _version, problems = sqlitefile.inspect_file(db_path, full=False)
    # the early check, the writer's opening (header only), then a check of the file as it is
    assert calls == [False, None, False] and not problems


def test_an_encrypted_file_gets_no_early_check(tmp_path, monkeypatch):
    from sqlcipher3 import dbapi2

    path = tmp_path / "k.sqlite"
    con = dbapi2.connect(str(path))
    con.execute("PRAGMA key = 'secret-1234'")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    sqlitefile.check_early(path)  # it would need the key: nothing is started
    assert not sqlitefile._EARLY
