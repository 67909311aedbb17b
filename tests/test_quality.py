"""上报前自查 (contract §8): every finding is found on planted data, and nothing on a clean year."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from sqlalchemy.orm import Session

from exports import rollup, service
from models import quality, stats
from models.db import Database
from models.entities import (
    Activity,
    AidRecord,
    Donation,
    Group,
    Pairing,
    Setting,
    Student,
    Volunteer,
)
from tests.helpers import cli

YEAR = 2025
D = dt.date
PHONE = "13900001111"


def _clean(db: Database) -> None:
    """One group, one 五老, one student paired and helped, an activity and a donation in each of
    2024 and 2025: a year a careful county clerk has nothing to ask about."""
    with db.session() as s:
        g = Group(name="红旗村关工小组", type="村", leader="张组长", founded_on=D(2020, 1, 1))
        s.add(g)
        s.flush()
        v, st, p = _paired(s, Volunteer(name="王德", sex="男", birth_date=D(1950, 1, 1),
                                         category="老干部", group_id=g.id),
                           Student(name="李小明", sex="男", birth_date=D(2015, 1, 1),
                                   guardian="李大山"))
        for year in (2024, 2025):
            s.add(AidRecord(student_id=st.id, volunteer_id=v.id, pairing_id=p.id,
                            date=D(year, 5, 1), money_fen=0))
            s.add(Activity(date=D(year, 3, 1), title="五老宣讲团进校园", theme="理论宣讲",
                           volunteer_count=2, youth_count=30))
            s.add(Donation(date=D(year, 6, 1), donor="爱心企业甲", money_fen=100000))


def _paired(s: Session, v: Volunteer, st: Student) -> tuple[Volunteer, Student, Pairing]:
    """``v`` (joined 2020) paired since 2020 with ``st`` (a 留守儿童 registered 2020, checked in
    October 2025, with a guardian's phone), all three stored."""
    v.joined_on = D(2020, 1, 1)
    st.categories, st.guardian_phone = "留守儿童", PHONE
    st.registered_on, st.checked_on = D(2020, 1, 1), D(2025, 10, 1)
    s.add_all([v, st])
    s.flush()
    p = Pairing(volunteer_id=v.id, student_id=st.id, started_on=D(2020, 1, 1))
    s.add(p)
    s.flush()
    return v, st, p


@pytest.fixture
def clean(db: Database) -> Database:
    _clean(db)
    return db


def _run(db: Database) -> dict[str, quality.Finding]:
    with db.reader() as s:
        return {f.code: f for f in quality.run(s, YEAR)}


def _group(db: Database) -> int:
    with db.reader() as s:
        return s.query(Group).first().id


def test_a_clean_year_has_no_findings(clean):
    assert _run(clean) == {}
    proc = cli("quality", "--db", clean.path, "--year", str(YEAR))
    assert proc.returncode == 0 and "没有发现问题" in proc.stdout


def test_student_without_guardian_or_phone(clean):
    with clean.session() as s:
        s.add(Student(name="赵小花", sex="女", birth_date=D(2014, 2, 2), categories="留守儿童",
                      guardian="赵大", guardian_phone="", registered_on=D(2020, 1, 1),
                      checked_on=D(2025, 10, 1)))
        s.add(Student(name="钱小军", sex="男", birth_date=D(2013, 3, 3), categories="留守儿童",
                      guardian="", guardian_phone="", registered_on=D(2020, 1, 1), checked_on=D(2025, 10, 1)))
    found = _run(clean)
    assert set(found) == {"guardian_missing"}
    f = found["guardian_missing"]
    assert f.level == "错误" and f.count == 2
    assert {(r["name"], r["detail"]) for r in f.records} == {
        ("赵小花", "没有填监护人电话"), ("钱小军", "没有填监护人和监护人电话")}


def test_student_marked_paired_whose_volunteer_left(clean):
    with clean.session() as s:
        v = Volunteer(name="孙老师", sex="男", birth_date=D(1948, 4, 4), category="老教师",
                      group_id=_group(clean), joined_on=D(2020, 1, 1), left_on=D(2023, 6, 30))
        st = Student(name="周小宝", sex="男", birth_date=D(2016, 1, 1), categories="困境儿童",
                     guardian="周父", guardian_phone=PHONE, registered_on=D(2020, 1, 1),
                     checked_on=D(2025, 10, 1))
        s.add_all([v, st])
        s.flush()
        s.add(Pairing(volunteer_id=v.id, student_id=st.id, started_on=D(2021, 1, 1)))
    found = _run(clean)
    assert set(found) == {"paired_without_active_pairing", "pairing_without_aid"}
    f = found["paired_without_active_pairing"]
    assert f.level == "错误" and [r["name"] for r in f.records] == ["周小宝"]


def test_student_not_rechecked_for_half_a_year(clean):
    with clean.session() as s:
        st = s.query(Student).filter_by(name="李小明").one()
        st.checked_on = D(2025, 3, 1)  # more than 183 days before the end of 2025
        s.add(Student(name="钱小军", sex="男", birth_date=D(2016, 3, 3), categories="困境儿童",
                      guardian="钱大", guardian_phone=PHONE, registered_on=D(2025, 11, 1)))
    found = _run(clean)["student_not_rechecked"]
    assert found.level == "提醒" and found.count == 1
    assert found.records[0]["name"] == "李小明" and "2025.03.01" in found.records[0]["detail"]


def test_pairing_without_aid_in_the_year(clean):
    with clean.session() as s:
        v, st, p = _paired(s, Volunteer(name="吴英", sex="女", birth_date=D(1955, 5, 5),
                                         category="老模范", group_id=_group(clean)),
                           Student(name="郑小雨", sex="女", birth_date=D(2016, 6, 6),
                                   guardian="郑母"))
        # a record of the year before does not count for this year
        s.add(AidRecord(student_id=st.id, volunteer_id=v.id, pairing_id=p.id, date=D(2024, 4, 4)))
    found = _run(clean)
    assert set(found) == {"pairing_without_aid"}
    assert found["pairing_without_aid"].records[0]["name"] == "吴英—郑小雨"
    assert found["pairing_without_aid"].level == "提醒"


def test_volunteer_without_group_and_group_without_volunteers(clean):
    with clean.session() as s:
        s.add(Volunteer(name="冯军", sex="男", birth_date=D(1945, 7, 7), category="老战士",
                        joined_on=D(2020, 1, 1)))
        s.add(Group(name="白云社区关工小组", type="村", leader="陈组长", founded_on=D(2020, 1, 1)))
    found = _run(clean)
    assert set(found) == {"volunteer_without_group", "group_without_volunteers"}
    assert [r["name"] for r in found["volunteer_without_group"].records] == ["冯军"]
    assert [r["name"] for r in found["group_without_volunteers"].records] == ["白云社区关工小组"]


def test_activities_without_volunteers_or_youth(clean):
    with clean.session() as s:
        s.add(Activity(date=D(YEAR, 4, 1), title="关工委工作例会", theme="理论宣讲",
                       volunteer_count=0, youth_count=30))
        s.add(Activity(date=D(YEAR, 5, 1), title="五老座谈会", theme="理论宣讲",
                       volunteer_count=2, youth_count=0))
    found = _run(clean)
    assert set(found) == {"activity_without_volunteers", "activity_without_youth"}
    assert [r["name"] for r in found["activity_without_volunteers"].records] == ["关工委工作例会"]
    assert found["activity_without_youth"].records[0]["detail"].startswith("2025.05.01")


def test_possible_duplicate_people(clean):
    with clean.session() as s:
        s.add(Volunteer(name="王德", sex="男", birth_date=D(1950, 1, 1), category="老干部",
                        group_id=_group(clean), joined_on=D(2020, 1, 1)))
    found = _run(clean)
    assert set(found) == {"possible_duplicates"}
    assert found["possible_duplicates"].records[0]["name"] == "王德"
    assert "1950.01" in found["possible_duplicates"].records[0]["detail"]


def test_required_field_of_a_form_left_empty(clean):
    with clean.session() as s:
        s.add(Volunteer(name="韩梅", sex="", birth_date=None, category="老专家",
                        group_id=_group(clean), joined_on=D(2020, 1, 1)))
    found = _run(clean)
    assert set(found) == {"required_field_empty"}
    f = found["required_field_empty"]
    assert f.level == "错误" and f.records[0]["detail"] == "没有填性别、出生年月"


def test_figures_that_moved_more_than_threefold(clean):
    with clean.session() as s:
        for i in range(10):
            s.add(Activity(date=D(2024, 9, 1 + i), title=f"活动{i}", theme="理论宣讲",
                           volunteer_count=2, youth_count=30))
    found = _run(clean)
    assert set(found) == {"figure_jumps"}
    names = {r["name"]: r["detail"] for r in found["figure_jumps"].records}
    assert names["活动·总数"] == "2024年 11 → 2025年 1"
    assert "活动·理论宣讲" in names and "活动·受教育人次" in names
    assert "捐资助学·金额(元)" not in names  # unchanged figures are not asked about


def test_figures_against_what_was_sent_last_year(clean):
    with clean.session() as s:
        sent = stats.year_figures(s, 2024)
        sent["donations"]["money_yuan"] = 10.0
        quality.remember_sent(s, 2024, sent)
    found = _run(clean)
    assert set(found) == {"figure_jumps"}
    assert [r["detail"] for r in found["figure_jumps"].records] == ["2024年上报 10 → 2025年 1000"]


def test_a_first_year_is_no_jump(db):
    with db.session() as s:
        s.add(Activity(date=D(YEAR, 3, 1), title="首场活动", theme="理论宣讲",
                       volunteer_count=2, youth_count=30))
    assert "figure_jumps" not in _run(db)


def test_quality_json_command_exits_0_with_findings_and_shows_no_phone(clean):
    with clean.session() as s:
        s.add(Student(name="赵小花", sex="女", birth_date=D(2014, 2, 2), categories="留守儿童",
                      guardian="", guardian_phone=PHONE, registered_on=D(2020, 1, 1),
                      checked_on=D(2025, 10, 1)))
    proc = cli("quality", "--db", clean.path, "--year", str(YEAR), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["year"] == YEAR
    assert [(f["code"], f["level"], f["count"]) for f in out["findings"]] == \
        [("guardian_missing", "错误", 1)]
    assert set(out["findings"][0]) == {"code", "level", "title", "count", "records"}
    assert PHONE not in proc.stdout and PHONE[-4:] not in proc.stdout
    text = cli("quality", "--db", clean.path, "--year", str(YEAR))
    assert text.returncode == 0 and "【错误】帮扶对象没有监护人或监护人电话：1 条" in text.stdout


def test_package_carries_quality_json_listed_in_the_manifest(clean, tmp_path):
    from models import settings

    with clean.session() as s:
        settings.save_unit(s, "130102001", "乡镇")  # no package without a 区划代码
        s.add(Activity(date=D(YEAR, 4, 1), title="关工委工作例会", theme="理论宣讲",
                       volunteer_count=0, youth_count=30))
    path = service.build_package(clean, YEAR, tmp_path)
    assert rollup.read_package(path).quality_json  # whole, as the receiver checks it
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        checked = json.loads(zf.read("quality.json"))
    assert {"name": "quality.json", "form": "quality", "format": "json"}.items() <= \
        next(f for f in manifest["files"] if f["name"] == "quality.json").items()
    assert [f["code"] for f in checked["findings"]] == ["activity_without_volunteers"]
    with clean.reader() as s:
        assert json.loads(s.get(Setting, "sent_figures_2025").value)["year"] == YEAR
