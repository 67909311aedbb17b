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
