"""Schema step "records" (4 -> 5) on real files of every earlier version: every old value is kept
as it was, the new columns are empty (not recorded), and old 五好 assessments read as full or
zero marks per dimension with their stored 达标."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from models import wuhao
from models.db import Database
from models.entities import WuhaoAssessment
from models.sqlitefile import _RECORDS_COLUMNS

DATA = Path(__file__).parent / "data"
OLD_FILES = sorted(DATA.glob("schema_v*.sqlite"))
#: rewritten on open by design (figures, defaults, the log)
REWRITTEN = {"first_screen", "settings", "code_entries", "audit_log", "sqlite_sequence"}


def _rows(path: Path) -> dict[str, dict[int, dict[str, object]]]:
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if t not in REWRITTEN]
        out = {}
        for t in tables:
            cols = [c[1] for c in con.execute(f"PRAGMA table_info({t})")]
            out[t] = {r[0]: dict(zip(cols, r[1:])) for r in
                      con.execute(f"SELECT rowid, {', '.join(cols)} FROM {t}")}
        return out
    finally:
        con.close()


@pytest.mark.parametrize("old", OLD_FILES, ids=lambda p: p.stem)
def test_every_old_value_is_kept_and_new_columns_are_empty(old, tmp_path):
    path = tmp_path / "town.sqlite"
    shutil.copy(old, path)
    before = _rows(path)
    Database.open(path).close()
    after = _rows(path)
    checked = 0
    for table, rows in before.items():
        assert after[table].keys() == rows.keys(), table
        for rowid, values in rows.items():
            new = after[table][rowid]
            assert {k: new[k] for k in values} == values, (table, rowid)
            checked += 1
    assert checked > 100
    if int(old.stem.removeprefix("schema_v")) > 6:  # written after the step: its own values
        return
    defaults = {"DATE": None, "INTEGER": 0, "TEXT": ""}
    # a file written after the step (schema 7 on) holds these values already
    for table, column in _RECORDS_COLUMNS if int(old.stem.removeprefix("schema_v")) < 7 else ():
        name, kind = column.split()[:2]
        want = defaults.get(kind, "")
        assert all(r[name] == want for r in after[table].values()), (table, name)


@pytest.mark.parametrize("old", OLD_FILES, ids=lambda p: p.stem)
def test_old_assessments_read_as_full_or_zero_marks(old, tmp_path):
    path = tmp_path / "town.sqlite"
    shutil.copy(old, path)
    db = Database.open(path)
    try:
        with db.reader() as s:
            found = list(s.query(WuhaoAssessment).limit(50))
            for a in found:
                view = wuhao.scored(a)
                assert view.old and view.passed == a.passed
                assert [d.score for d in view.dimensions] == [20 if ok else 0 for ok in a.items()]
    finally:
        db.close()
    assert found


def test_an_entry_added_to_a_new_code_table_of_an_upgraded_file_keeps_the_defaults(tmp_path):
    from models import codetables
    from models.codes import RELIEF_TYPES

    path = tmp_path / "town.sqlite"
    shutil.copy(OLD_FILES[-1], path)
    db = Database.open(path)
    try:
        with db.session() as s:
            codetables.add(s, "relief_type", "残疾人两项补贴")
        with db.reader() as s:
            assert codetables.values(s, "relief_type") == [*RELIEF_TYPES, "残疾人两项补贴"]
    finally:
        db.close()
