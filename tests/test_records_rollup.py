"""The deeper records travel upward (domain.md §8, contract §6): a township's package carries the
民政 fields, service hours and 五好 scores in data.json (masked), the county takes them and its
children-register, service-hours and wuhao forms list the township's rows."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal

from exports import rollup as taking
from exports import service
from exports.formdata import FormContext, build_table
from models import activities, settings, wuhao
from models.db import Database
from tests.factories import D, add_group, add_student, add_volunteer, id_number

YEAR = 2026
GUARDIAN_PHONE = "13812345678"


def _township(path) -> Database:
    db = Database.open(path)
    with db.session() as s:
        settings.save_committee(s, settings.Committee("东山镇关工委"))
        settings.save_unit(s, "130102001", "乡镇")
    gid = add_group(db, "红旗村关工小组")
    vid = add_volunteer(db, "王德", "老教师", group_id=gid)
    add_student(db, "小明", id_number=id_number(D(2014, 3, 3), 151), registered_on=D(2025, 9, 1),
                father_name="王大山", father_status="外出务工", father_work_place="广东省深圳市",
                father_id_number=id_number(D(1985, 4, 2), 113), guardian="王老汉",
                guardian_phone=GUARDIAN_PHONE, guardianship="祖父母/外祖父母监护",
                relief=["低保"], checked_on=D(2026, 5, 1))
    with db.session() as s:
        activities.create(s, activities.ActivityInput(D(2026, 3, 1), "故事会", participant_ids=[vid],
                                                      participant_minutes={vid: 150}))
        sheet = wuhao.blank(wuhao.current(s))
        sheet.dimensions[1].items[0].score = Decimal(2)
        sheet.dimensions[1].items[0].reason = "名册未更新"
        wuhao.assess(s, gid, YEAR, sheet)
    return db


def test_new_fields_go_up_masked_and_the_county_forms_show_them(tmp_path):
    town = _township(tmp_path / "town.sqlite")
    pkg = service.build_package(town, YEAR, tmp_path / "out")
    town.close()
    with zipfile.ZipFile(pkg) as zf:
        data = json.loads(zf.read("data.json"))
        names = zf.namelist()
    assert not any("志愿服务记录证明" in n for n in names)
    st = data["students"][0]
    assert st["father_status"] == "外出务工" and st["guardianship"] == "祖父母/外祖父母监护"
    assert st["relief"] == "低保" and st["checked_on"] == "2026-05-01"
    assert st["guardian_phone"] == "138****5678"
    assert "father_id_number" not in st
    raw = json.dumps(data, ensure_ascii=False)
    assert GUARDIAN_PHONE not in raw and id_number(D(1985, 4, 2), 113) not in raw
    assert data["volunteers"][0]["service_minutes"] == 150
    assert data["participants"][0]["activity"] == data["activities"][0]["uuid"]
    assert data["participants"][0]["service_minutes"] == 150
    assert data["groups"][0]["wuhao_total"] == 97 and data["groups"][0]["wuhao"] is True

    county = Database.open(tmp_path / "county.sqlite")
    result = taking.take_packages(county, [pkg])
    assert [t["status"] for t in result["taken"]] == ["new"], result
    with county.reader() as s:
        children = build_table(s, "children-register", FormContext(year=YEAR))
        hours = build_table(s, "service-hours", FormContext(year=YEAR))
        scores = build_table(s, "wuhao", FormContext(year=YEAR, full_id=True))
    county.close()
    labels = [c.label for c in children.columns]
    row = dict(zip(labels, children.rows[0]))
    assert row["姓名"] == "小明" and row["父亲务工地"] == "广东省深圳市"
    assert row["监护人电话"] == "138****5678" and "*" in row["身份证号"]
    assert row["最近核查日期"] == D(2026, 5, 1) and row["享受救助"] == "低保"
    h = dict(zip([c.label for c in hours.columns], hours.rows[0]))
    assert (h["姓名"], h["所在关工小组"], h["参加活动(次)"], h["服务时长(小时)"]) == (
        "王德", "东山镇关工委", 1, Decimal("2.50"))
    w = dict(zip([c.label for c in scores.columns], scores.rows[0]))
    assert w["组织名称"] == "东山镇关工委 红旗村关工小组" and w["总分"] == "97"
    assert w["五老作用发挥好得分"] == "17" and w["是否达标"] == "达标"
    assert "名册未更新" in w["扣分理由"]
    assert scores.foot_lines == ["达标组织 1 个，共 1 个，达标率 100.0%"]


def test_a_hostile_data_file_cannot_break_the_county_forms(tmp_path):
    from models import rollup
    from models.entities import RollupPackage, RollupUnit

    county = Database.open(tmp_path / "county.sqlite")
    with county.session() as s:
        s.add(RollupUnit(code="130102009", name="怪镇", level="乡镇"))
        s.flush()
        s.add(RollupPackage(unit_code="130102009", year=YEAR, figures_json="{}",
                            data_json=rollup.units_data({
                                "students": [{"name": "x" * 10_000, "birth_date": "not a date",
                                              "relief": list(range(100)), "health": 5}, "junk"],
                                "groups": [{"name": ["a"], "wuhao_total": 5000,
                                            "wuhao_scores": "bad,1e300", "wuhao": "yes"}],
                                "volunteers": [{"name": None, "service_minutes": -5}]})))
    with county.reader() as s:
        children = build_table(s, "children-register", FormContext(year=YEAR))
        scores = build_table(s, "wuhao", FormContext(year=YEAR))
        hours = build_table(s, "service-hours", FormContext(year=YEAR))
    county.close()
    assert len(children.rows) == 1 and len(children.rows[0][1]) <= 200
    assert scores.rows[0][-3] == "" and scores.rows[0][-2] == "未达标"
    assert hours.rows[0][-1] == Decimal("0.00")
