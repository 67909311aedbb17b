"""Dialogs edit, they don't replace: every dialog opened on records of the demo township and
saved unchanged leaves every stored column (and the link tables) as it was."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gui.dialogs.base import FormDialog
from models import activities, codetables, donations, honors, idcard, students
from models.db import Database
from models.entities import (
    Activity,
    AidRecord,
    Donation,
    Group,
    Honor,
    Pairing,
    Student,
    Venue,
    Volunteer,
    VolunteerCare,
)
from tests import helpers

TODAY = dt.date(2026, 11, 22)
PER_SUBJECT = 25
#: bookkeeping a save may change (when and by whom), never a record's value
IGNORED = {"updated_at"}
SKIPPED_TABLES = {"audit_log", "settings", "sqlite_sequence"}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return helpers.demo_file(tmp_path_factory.mktemp("roundtrip"), seed=11, today=TODAY,
                             more=_lost_cases)


def _lost_cases(s: Session) -> None:
    """The cases that used to be lost: a donation with linked recipients and 受助对象 text, a
    表彰 of a 五老 with a group and a note, an imported activity whose 组织单位 is no group, a
    student with every 民政 field filled (relatives' ID numbers and phones included)."""
    vids = list(s.scalars(select(Volunteer.id).limit(2)))
    sids = list(s.scalars(select(Student.id).limit(3)))
    gid = s.scalar(select(Group.id).limit(1))
    donations.create(s, donations.DonationInput(
        dt.date(2026, 3, 1), "爱心企业甲",
        codetables.values(s, "donor_type")[0], "1234.5", "书包", "300", "助学",
        "三名困难学生", sids, "年初捐赠"))
    honors.create_honor(s, honors.HonorInput("优秀五老", "某某", 2025, "县级", dt.date(2025, 9, 1),
                                             "县关工委", vids[0], gid, "备注文字"))
    activities.create(s, activities.ActivityInput(
        dt.date(2026, 4, 2), "导入的活动", "其他", None, "县教育局", "礼堂", 3, 40, "摘要",
        vids[:2]))
    students.create(s, students.StudentInput(
        "满栏", ["留守儿童", "残疾儿童"], id_number=idcard.make("230221", dt.date(2015, 2, 3), 11),
        guardian="王老汉", guardian_relation="祖孙", guardian_phone="13812345678",
        ethnicity="满族", hukou_place="青山镇红旗村", residence="县城东关", boarding="是",
        schooling="小学", health="残疾", disability_type="肢体残疾", disability_grade="二级",
        father_name="王大山", father_id_number=idcard.make("230221", dt.date(1985, 4, 2), 13),
        father_phone="13912345678", father_status="外出务工", father_work_place="广东省深圳市",
        mother_name="李秀", mother_id_number=idcard.make("230221", dt.date(1987, 6, 7), 24),
        mother_phone="13712345678", mother_status="服刑在押", mother_work_place="",
        guardianship="祖父母/外祖父母监护",
        guardian_id_number=idcard.make("230221", dt.date(1955, 1, 9), 35),
        guardian_address="青山镇红旗村3组", guardianship_rating="一般", family_income="务农",
        relief=["教育资助", "低保"], checked_on=dt.date(2026, 5, 10)))


@pytest.fixture
def window(qtbot, demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    helpers.answer_boxes(monkeypatch, _refuse_box)
    w = helpers.open_window(qtbot, demo_file, tmp_path)
    w.show()
    yield w
    w.close()


def _refuse_box(_kind: str, title: str, text: str) -> None:
    raise AssertionError(f"unexpected message box {title}: {text}")


def _snapshot(path: Path) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, by its rowid (or the whole row for link tables)."""
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table'") if t not in SKIPPED_TABLES]
        snap = {}
        for t in tables:
            cols = [c[1] for c in con.execute(f"PRAGMA table_info({t})") if c[1] not in IGNORED]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall()
            at = cols.index("id") if "id" in cols else None
            snap[t] = {(r[at],) if at is not None else tuple(r): dict(zip(cols, r)) for r in rows}
        return snap
    finally:
        con.close()


def _differences(before: dict, after: dict) -> list[str]:
    out = []
    for table, rows in before.items():
        for key in rows.keys() | after[table].keys():
            old, new = rows.get(key), after[table].get(key)
            if old != new:
                cols = {c for c in (old or {}) | (new or {})
                        if (old or {}).get(c) != (new or {}).get(c)}
                out.append(f"{table} {key}: " + ", ".join(
                    f"{c} {(old or {}).get(c)!r} -> {(new or {}).get(c)!r}" for c in sorted(cols)))
    return out


def _ids(db: Database, model: type) -> list[int]:
    with db.reader() as s:
        live = select(model.id).where(model.deleted_at.is_(None)).order_by(model.id)
        ids = list(s.scalars(live))
    return ids[:PER_SUBJECT] + ids[-3:]  # the added special cases are the newest


def test_every_dialog_saved_unchanged_changes_nothing(window, monkeypatch):
    saved: list[FormDialog] = []

    def exec_(self: FormDialog) -> int:
        self.accept()
        assert self.result() == FormDialog.DialogCode.Accepted, (
            type(self).__name__, self.banner.text(),
            [e.text() for e in self.errors.values() if not e.isHidden()])
        saved.append(self)
        return self.result()

    monkeypatch.setattr(FormDialog, "exec", exec_)
    db = window.ctx.db
    before = _snapshot(db.path)
    pages = {"关工组织": Group, "五老队伍": Volunteer, "帮扶对象": Student, "结对帮扶": Pairing,
             "活动台账": Activity, "捐资助学": Donation, "关工阵地": Venue}
    opened = 0
    for name, model in pages.items():
        page = window.page(name)
        for rid in _ids(db, model):
            page.edit(rid)
            opened += 1
    tabs = window.page("表彰慰问")
    for page, model in ((tabs.honors, Honor), (tabs.cares, VolunteerCare)):
        for rid in _ids(db, model):
            page.edit(rid)
            opened += 1
    from gui.pages import WuhaoDialog
    from models.entities import WuhaoAssessment

    with db.session() as s:  # an assessment's note is not shown in the dialog
        first = s.scalars(select(WuhaoAssessment)).first()
        first.note = "县里抽查过"
    before = _snapshot(db.path)
    with db.reader() as s:
        assessed = [(a.group_id, a.year) for a in s.scalars(select(WuhaoAssessment).limit(20))]
    for gid, year in assessed:
        dialog = WuhaoDialog(window, window.ctx, gid)
        dialog.year.setValue(year)
        dialog.accept()
    students_page = window.page("帮扶对象")
    for rid in _ids(db, AidRecord):
        monkeypatch.setattr(students_page, "current_aid", lambda rid=rid: rid)
        students_page.edit_aid()
        opened += 1
    assert len(saved) == opened > 200
    after = _snapshot(db.path)
    changed = _differences(before, after)
    assert not changed, "\n".join(changed[:30])
