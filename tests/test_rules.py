"""One rule set per subject (models.rules): the dialogs' services and the Excel import refuse
the same values with the same sentence; absurd dates and over-long text never get in; the
import's duplicate check runs again under the write lock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exports.importer import ImportOptions, run_import
from models import activities, donations, pairings, rules, volunteers
from models.entities import Activity, Donation, Pairing, Volunteer
from models.errors import DataError, ValidationError
from tests.factories import add_student, add_volunteer
from tests.sheets import vid, xlsx

D = dt.date
HEAD = ["姓名", "五老类别", "身份证号", "出生年月", "加入时间"]


def service_refusal(db, subject: str, **kw) -> str:
    """The sentence the service (what a dialog calls) refuses with."""
    with pytest.raises(ValidationError) as err, db.session() as s:
        if subject == "volunteers":
            volunteers.create(s, volunteers.VolunteerInput(**kw))
        elif subject == "donations":
            donations.create(s, donations.DonationInput(**kw))
        elif subject == "activities":
            activities.create(s, activities.ActivityInput(**kw))
        elif subject == "pairings":
            pairings.create(s, pairings.PairingInput(**kw))
    return err.value.reason


def import_errors(db, tmp_path: Path, kind: str, header: list[str], row: list) -> list[str]:
    path = xlsx(tmp_path / f"{kind}.xlsx", header, [row])
    report = run_import(db, kind, path, ImportOptions(dry_run=True))
    return [e.message for e in report.errors]


# (subject, service kwargs, import header, import row) -- one case per rule
CASES = [
    ("volunteers", {"name": "王" * 60, "category": "老干部"},
     HEAD[:2], ["王" * 60, "老干部"]),
    ("volunteers", {"name": "长名" * 5000, "category": "老干部"},
     HEAD[:2], ["长名" * 5000, "老干部"]),
    ("volunteers", {"name": "王德", "category": "老干部", "joined_on": D(2020, 5, 1),
                    "left_on": D(2019, 1, 1)},
     [*HEAD[:2], "加入时间", "退出时间"], ["王德", "老干部", "2020-05-01", "2019-01-01"]),
    ("donations", {"date": D(2025, 3, 1), "donor": "县慈善总会"},
     ["日期", "捐赠方"], ["2025-03-01", "县慈善总会"]),
    ("activities", {"date": D(9999, 12, 31), "title": "五老宣讲"},
     ["日期", "活动名称"], ["9999-12-31", "五老宣讲"]),
]


@pytest.mark.parametrize("subject,kw,header,row", CASES)
def test_services_and_import_refuse_the_same_values_alike(db, tmp_path, subject, kw, header, row):
    said = service_refusal(db, subject, **kw)
    got = import_errors(db, tmp_path, subject, header, row)
    assert said in got, (said, got)


def test_a_pairing_with_a_volunteer_who_has_left_is_refused_by_both_paths(db, tmp_path):
    v = add_volunteer(db, "赵老师", joined_on=D(2015, 1, 1), left_on=D(2024, 6, 30))
    st = add_student(db, "李小明")
    said = service_refusal(db, "pairings", volunteer_id=v, student_id=st,
                           started_on=D(2025, 3, 1))
    assert "退出" in said
    got = import_errors(db, tmp_path, "pairings", ["五老姓名", "帮扶对象", "开始日期"],
                        ["赵老师", "李小明", "2025-03-01"])
    assert said in got
    with db.reader() as s:
        assert s.scalar(select(func.count(Pairing.id))) == 0


def test_absurd_birth_dates_are_refused_in_a_dialog_and_dropped_with_a_warning_on_import(
        db, tmp_path):
    for day in (D(9999, 12, 31), D(1, 1, 1)):
        said = service_refusal(db, "volunteers", name="王德", category="老干部", birth_date=day)
        assert "1900" in said and "2100" in said
    path = xlsx(tmp_path / "v.xlsx", ["姓名", "五老类别", "出生年月", "加入时间"],
                [["王德", "老干部", "0001-01-01", "9999-12-31"]])
    report = run_import(db, "volunteers", path)
    assert report.written and report.imported == 1 and not report.errors
    assert sum("1900" in w.message and "已留空" in w.message for w in report.warnings) == 2
    with db.reader() as s:
        v = s.scalars(select(Volunteer)).one()
    assert v.birth_date is None and v.joined_on is None  # never a 9999 that hides the person


def test_a_required_date_out_of_range_is_a_row_error(db, tmp_path):
    errors = import_errors(db, tmp_path, "donations", ["日期", "捐赠方", "捐款金额(元)"],
                           ["1899-12-31", "县慈善总会", "500"])
    assert any("1900" in e for e in errors)
    with db.reader() as s:
        assert s.scalar(select(func.count(Donation.id))) == 0


def test_rules_problems_name_each_broken_rule():
    found = rules.problems("donations", {"date": D(2025, 1, 1), "donor": "", "money_fen": -5})
    keys = {p.key for p in found}
    assert {"donor", "money_fen"} <= keys
    assert rules.problems("activities", {"date": D(2025, 1, 1), "title": "活动"}) == []


def test_a_person_added_while_the_import_was_checking_is_not_duplicated(db, tmp_path):
    """The window adds 王德 (no ID number) between the import's check and its write: the write
    re-checks under the write lock and refuses, so 王德 exists once."""
    path = xlsx(tmp_path / "v.xlsx", ["姓名", "五老类别", "出生年月"],
                [["王德", "老干部", "1950.03"], ["李明", "老教师", "1952.07"]])

    def window_adds_the_same_person() -> None:
        add_volunteer(db, "王德", birth_date=D(1950, 3, 1))

    with pytest.raises(DataError) as err:
        run_import(db, "volunteers", path, before_write=window_adds_the_same_person)
    assert "没有写入任何数据" in err.value.message and "第 2 行" in err.value.message
    with db.reader() as s:
        assert s.scalar(select(func.count(Volunteer.id)).where(Volunteer.name == "王德")) == 1
        assert s.scalar(select(func.count(Volunteer.id)).where(Volunteer.name == "李明")) == 0


def test_a_second_import_with_the_same_id_numbers_gets_a_plain_sentence(db, tmp_path):
    number = vid(1950, 3, 12, 101)
    path = xlsx(tmp_path / "v.xlsx", ["姓名", "五老类别", "身份证号"], [["王德", "老干部", number]],
                text_cols=(2,))

    def other_import_finishes_first() -> None:
        run_import(db, "volunteers", path)

    with pytest.raises(DataError) as err:
        run_import(db, "volunteers", path, before_write=other_import_finishes_first)
    assert "王德" in err.value.message
    with db.reader() as s:
        assert s.scalar(select(func.count(Volunteer.id))) == 1
        assert s.scalar(select(func.count(Activity.id))) == 0


def test_unknown_groups_are_named_once_and_created_on_request(db, tmp_path):
    from tests.factories import add_group
    from tests.helpers import cli_json

    add_group(db, "红旗村关工小组")
    rows = [["王德", "老干部", "红旗村"], ["李明", "老教师", "新华村关工小组"],
            ["赵刚", "老战士", "新华村关工小组"], ["钱进", "老专家", "东城社区关工小组"]]
    path = xlsx(tmp_path / "v.xlsx", ["姓名", "五老类别", "所在关工小组"], rows)
    db.close()
    report = cli_json("import", "volunteers", path, "--db", db.path, "--dry-run", "--json")
    assert report["unknown_groups"] == ["东城社区关工小组", "新华村关工小组"]
    summary = [w for w in report["warnings"] if "还没有" in w["message"]]
    assert len(summary) == 1 and "共 3 行" in summary[0]["message"]
    report = cli_json("import", "volunteers", path, "--db", db.path, "--create-groups", "--json")
    assert report["written"] and report["imported"] == 4
    from models.db import Database
    from models.entities import Group

    again = Database.open(db.path)
    try:
        with again.reader() as s:
            groups = {g.name: g for g in s.scalars(select(Group))}
            placed = dict(s.execute(select(Volunteer.name, Volunteer.group_id)).all())
    finally:
        again.close()
    assert groups["东城社区关工小组"].type == "社区" and groups["新华村关工小组"].type == "村"
    assert placed["李明"] == placed["赵刚"] == groups["新华村关工小组"].id
    assert placed["王德"] == groups["红旗村关工小组"].id
    assert placed["钱进"] == groups["东城社区关工小组"].id
