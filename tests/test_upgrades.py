"""Real database files of every earlier schema version upgrade with their records intact."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from models import backup, stats
from models.db import SCHEMA_VERSION, Database
from tests.helpers import counts_now, figures_now

DATA = Path(__file__).parent / "data"
OLD_FILES = sorted(DATA.glob("schema_v*.sqlite"))


def test_there_is_a_file_for_every_version():
    versions = {int(p.stem.removeprefix("schema_v")) for p in OLD_FILES}
    assert set(range(1, SCHEMA_VERSION)) <= versions and versions


@pytest.mark.parametrize("old", OLD_FILES, ids=lambda p: p.stem)
def test_old_file_opens_upgraded_with_every_record(old, tmp_path):
    expected = json.loads(old.with_suffix(".expected.json").read_text(encoding="utf-8"))
    path = tmp_path / "town.sqlite"
    shutil.copy(old, path)
    db = Database.open(path)
    try:
        assert db.schema_version() == SCHEMA_VERSION
        with db.reader() as s:
            for year, figures in expected["stats"].items():
                assert stats.year_figures(s, int(year)) == figures_now(figures)
    finally:
        db.close()
    con = sqlite3.connect(path)
    assert backup.record_counts(con) == counts_now(expected["counts"])
    con.close()
    before_upgrade = [b for b in backup.list_backups(tmp_path / "backups", "town")
                      if b.kind == "升级前"]
    assert len(before_upgrade) == (1 if expected["schema_version"] < SCHEMA_VERSION else 0)


@pytest.mark.parametrize("old", OLD_FILES, ids=lambda p: p.stem)
def test_upgrade_gives_every_existing_record_its_own_uuid(old, tmp_path):
    from models.entities import SUBJECTS
    from models.sqlitefile import UUID_TABLES

    # every subject's table had its uuid from schema 3 on, or was created with it (阵地, schema 8)
    assert sorted((*UUID_TABLES, "venues")) == sorted(m.__tablename__ for m in SUBJECTS.values())
    path = tmp_path / "town.sqlite"
    shutil.copy(old, path)
    Database.open(path).close()
    con = sqlite3.connect(path)
    try:
        for table in UUID_TABLES:
            n, filled, distinct = con.execute(
                f"SELECT count(*), count(uuid), count(DISTINCT uuid) FROM {table}").fetchone()
            assert n == filled == distinct
        assert con.execute("SELECT count(*) FROM groups").fetchone()[0] > 0
        with pytest.raises(sqlite3.IntegrityError):  # the unique index is there
            con.execute("UPDATE groups SET uuid = (SELECT uuid FROM groups WHERE id = "
                        "(SELECT max(id) FROM groups)) WHERE id = (SELECT min(id) FROM groups)")
    finally:
        con.close()


@pytest.mark.parametrize("old", OLD_FILES, ids=lambda p: p.stem)
def test_upgraded_file_has_its_first_screen_figures(old, tmp_path):
    """The 3 -> 4 step and the figures computed right after it: the first screen of an
    upgraded file shows exactly the figures of the full program for this year, and the
    upgraded schema is exactly the newest one (triggers included)."""
    import datetime as dt

    from models import first_screen, peek
    from models.sqlitefile import expected_fingerprints, fingerprint

    path = tmp_path / "town.sqlite"
    shutil.copy(old, path)
    if int(old.stem.removeprefix("schema_v")) < 4:  # files before v4 have no stored figures
        assert peek.read(path).screen is None
    db = Database.open(path)
    year = dt.date.today().year
    try:
        with db.reader() as s:
            figures = stats.year_figures(s, year)
    finally:
        db.close()
    screen = peek.read(path).screen
    assert screen is not None and screen.year == year and screen.figures == figures
    con = sqlite3.connect(path)
    try:
        assert fingerprint(con) == expected_fingerprints()[SCHEMA_VERSION]
        triggers = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        assert triggers.fetchone()[0] == 3 * len(first_screen.WATCHED_TABLES)
    finally:
        con.close()
