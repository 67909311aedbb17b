"""The 回收站 is whole: delete → restore gives back identical figures, delete → purge leaves
``check`` passing, for a record of every subject of the demo township (models.subjects)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import check, records, stats
from models.db import Database
from models.entities import (
    SUBJECTS,
    Activity,
    ActivityPhoto,
    AidRecord,
    Base,
    Pairing,
    Volunteer,
    VolunteerCare,
)
from models.errors import DataError
from models.paths import photo_dir
from models.subjects import SUBJECT_INFO
from tests import helpers

TODAY = dt.date(2026, 11, 22)
YEARS = (TODAY.year - 1, TODAY.year)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return helpers.demo_file(tmp_path_factory.mktemp("trash"), seed=7, today=TODAY)


@pytest.fixture
def town(demo_file: Path, tmp_path: Path):
    path = tmp_path / "town.sqlite"
    shutil.copy(demo_file, path)
    db = Database.open(path)
    yield db
    db.close()


def _figures(db: Database) -> list[dict]:
    with db.reader() as s:
        return [stats.year_figures(s, y) for y in YEARS]


def _most_connected(db: Database, key: str) -> int:
    """The live record of ``key`` with the most rows depending on it (the hardest case)."""
    model = SUBJECTS[key]
    with db.reader() as s:
        ids = list(s.scalars(select(model.id).where(model.deleted_at.is_(None))))
        assert ids, f"the demo township has no {key}"

        def weight(rid: int) -> int:
            tables = [(Base.metadata.tables[d.table_name], d.column)
                      for d in SUBJECT_INFO[key].dependants]
            return sum(s.scalar(select(func.count()).select_from(t).where(t.c[c] == rid)) or 0
                       for t, c in tables)
        return max(ids[:200], key=weight)


def _check_ok(db: Database) -> None:
    db.dispose()
    report = check.run(db.path)
    assert report.ok, report.problems


@pytest.mark.parametrize("key", list(SUBJECTS))
def test_delete_restore_gives_back_the_same_figures(town: Database, key: str) -> None:
    before = _figures(town)
    rid = _most_connected(town, key)
    with town.session() as s:
        records.delete(s, key, rid)
    with town.session() as s:
        records.restore(s, key, rid)
    assert _figures(town) == before
    _check_ok(town)


@pytest.mark.parametrize("key", list(SUBJECTS))
def test_delete_purge_leaves_check_passing(town: Database, key: str) -> None:
    rid = _most_connected(town, key)
    with town.session() as s:
        records.delete(s, key, rid)
    with town.session() as s:
        records.purge(s, key, rid)
    with town.reader() as s:
        assert s.get(SUBJECTS[key], rid) is None
    _check_ok(town)


def test_a_volunteer_with_cares_and_aid_records_can_be_purged(town: Database) -> None:
    with town.reader() as s:
        vid = s.scalar(select(VolunteerCare.volunteer_id).join(
            AidRecord, AidRecord.volunteer_id == VolunteerCare.volunteer_id).limit(1))
    assert vid is not None
    with town.session() as s:
        records.delete(s, "volunteers", vid)
        records.purge(s, "volunteers", vid)
    with town.reader() as s:
        assert s.scalar(select(func.count()).select_from(VolunteerCare)
                        .where(VolunteerCare.volunteer_id == vid)) == 0
        assert s.scalar(select(func.count()).select_from(AidRecord)
                        .where(AidRecord.volunteer_id == vid)) == 0
    _check_ok(town)


def test_a_pairing_is_not_restored_while_its_volunteer_is_in_the_trash(town: Database) -> None:
    with town.reader() as s:
        p = s.scalars(select(Pairing).where(Pairing.deleted_at.is_(None))).first()
        pid, vid = p.id, p.volunteer_id
    with town.session() as s:
        records.delete(s, "pairings", pid)
    with town.session() as s:
        records.delete(s, "volunteers", vid)
    with pytest.raises(DataError, match="还在回收站里"), town.session() as s:
        records.restore(s, "pairings", pid)
    _check_ok(town)
    with town.session() as s:  # the 五老 back first: then the pairing can come back
        records.restore(s, "volunteers", vid)
        records.restore(s, "pairings", pid)
    _check_ok(town)


def test_restoring_a_volunteer_leaves_a_pairing_whose_student_is_deleted(town: Database) -> None:
    with town.reader() as s:
        p = s.scalars(select(Pairing).where(Pairing.deleted_at.is_(None))).first()
        pid, vid, sid = p.id, p.volunteer_id, p.student_id
    with town.session() as s:
        records.delete(s, "volunteers", vid)
    with town.session() as s:
        records.delete(s, "students", sid)
    with town.session() as s:
        records.restore(s, "volunteers", vid)
    with town.reader() as s:
        assert s.get(Pairing, pid).deleted_at is not None
    _check_ok(town)


def _activity_and_photo(town: Database, src: Path, data: bytes) -> tuple[int, Path]:
    """A live activity's id and a photo file ``src`` (holding ``data``) to attach to it."""
    with town.reader() as s:
        aid = s.scalar(select(Activity.id).where(Activity.deleted_at.is_(None)).limit(1))
    assert aid is not None
    src.write_bytes(data)
    return aid, src


def test_purging_an_activity_removes_its_photo_files(town: Database, tmp_path: Path) -> None:
    from models import activities

    aid, src = _activity_and_photo(town, tmp_path / "p.jpg", b"\xff\xd8\xff\xe0photo")
    with town.session() as s:
        photo, _ = activities.attach_photo(s, aid, src, photo_dir(town.path))
        name = photo.file_name
    stored = photo_dir(town.path) / name
    assert stored.exists()
    with town.session() as s:
        records.delete(s, "activities", aid)
    with town.session() as s:
        records.purge(s, "activities", aid)
    assert not stored.exists()
    with town.reader() as s:
        assert s.scalar(select(func.count()).select_from(ActivityPhoto)
                        .where(ActivityPhoto.activity_id == aid)) == 0


def test_a_rolled_back_purge_keeps_the_photo_files(town: Database, tmp_path: Path) -> None:
    from models import activities

    aid, src = _activity_and_photo(town, tmp_path / "p.png", b"\x89PNG photo")
    with town.session() as s:
        photo, _ = activities.attach_photo(s, aid, src, photo_dir(town.path))
        records.delete(s, "activities", aid)
    stored = photo_dir(town.path) / photo.file_name
    with pytest.raises(RuntimeError), town.session() as s:
        records.purge(s, "activities", aid)
        raise RuntimeError("rolled back")
    assert stored.exists()


def test_deleting_a_volunteer_names_what_goes_with_it(town: Database) -> None:
    with town.reader() as s:
        vid = s.scalar(select(Pairing.volunteer_id).where(Pairing.deleted_at.is_(None)).limit(1))
        text = records.dependants_text(s, "volunteers", vid)
        assert "结对" in text
        lonely = s.scalar(select(Volunteer.id).where(
            ~Volunteer.id.in_(select(Pairing.volunteer_id)),
            ~Volunteer.id.in_(select(VolunteerCare.volunteer_id))).limit(1))
        if lonely is not None:
            assert records.dependants_text(s, "volunteers", lonely) == ""


def test_a_record_gone_to_the_trash_or_never_stored_is_not_live(town: Database) -> None:
    """What a page reads before editing (records.live): the typed record, or a plain sentence
    when it was deleted meanwhile (another window) — never None to trip over."""
    with town.reader() as s:
        vid = s.scalar(select(Volunteer.id).where(Volunteer.deleted_at.is_(None)).limit(1))
        assert vid is not None
        assert isinstance(records.live(s, Volunteer, vid), Volunteer)
    with town.session() as s:
        records.delete(s, "volunteers", vid)
    with town.reader() as s:
        for rid in (vid, 10**9):
            with pytest.raises(DataError, match="找不到这条五老记录（可能已被删除）"):
                records.live(s, Volunteer, rid)
