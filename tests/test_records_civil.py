"""帮扶对象 as deep as the 民政 登记表 (domain.md §8): import columns with their common spellings,
the rules on relatives' ID numbers, the children-register form read back, 动态核查 reminders."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pypdf
import pytest
from sqlalchemy import select

from exports.forms import FORMS
from exports.importer import ImportOptions, run_import
from exports.service import export_form
from models import reminders, students
from models.entities import Student
from models.errors import ValidationError
from tests.factories import add_student, id_number
from tests.helpers import cli
from tests.sheets import vid, xlsx

D = dt.date
FATHER_ID = id_number(D(1985, 4, 2), 113)
GUARDIAN_ID = id_number(D(1955, 1, 9), 224)
HEADER = ["序号", "姓名", "身份证号", "帮扶类别", "民族", "户籍所在地", "现住址", "是否住校", "就学情况",
          "健康状况", "残疾类型", "残疾等级", "父亲姓名", "父亲身份证号码", "父亲手机", "父亲外出情况",
          "父亲外出务工地", "母亲", "母亲状况", "母亲务工地点", "监护方式", "委托监护人",
          "委托监护人身份证号", "与儿童关系", "委托监护人电话", "委托监护人住址", "监护评估情况",
          "家庭主要经济来源", "享受救助情况", "核查日期"]


def _rows() -> list[list[object]]:
    return [
        [1, "小明", vid(2014, 3, 3, 151), "留守儿童", "汉族", "青山镇红旗村", "青山镇红旗村3组", "是",
         "小学", "残疾", "肢体残疾", "二级", "王大山", FATHER_ID, "13912345678", "外出务工",
         "广东省深圳市", "李秀", "外出务工", "浙江省宁波市", "祖父母/外祖父母监护", "王老汉",
         GUARDIAN_ID, "祖孙", "13812345678", "青山镇红旗村3组", "一般", "务农、父母务工收入",
         "低保、教育资助", "2026.05.10"],
        [2, "小红", "", "困境儿童", "回族", "", "", "否", "初二", "良好", "", "", "", "", "", "去世",
         "", "", "失踪", "", "无人监护", "", "", "", "", "", "差", "", "临时救助、爱心午餐", ""],
    ]


def test_civil_columns_import_and_children_register_reads_them_back(db, tmp_path):
    report = run_import(db, "students", xlsx(tmp_path / "c.xlsx", HEADER, _rows(), text_cols=(2, 13, 22)),
                        ImportOptions())
    assert report.imported == 2, [e.message for e in report.errors]
    with db.reader() as s:
        ming = s.scalars(select(Student).where(Student.name == "小明")).one()
        hong = s.scalars(select(Student).where(Student.name == "小红")).one()
    assert (ming.ethnicity, ming.hukou_place, ming.boarding, ming.schooling) == (
        "汉族", "青山镇红旗村", "是", "小学")
    assert (ming.health, ming.disability_type, ming.disability_grade) == ("残疾", "肢体残疾", "二级")
    assert (ming.father_name, ming.father_id_number, ming.father_phone, ming.father_status,
            ming.father_work_place) == ("王大山", FATHER_ID, "13912345678", "外出务工", "广东省深圳市")
    assert (ming.mother_name, ming.mother_status, ming.mother_work_place) == (
        "李秀", "外出务工", "浙江省宁波市")
    assert (ming.guardianship, ming.guardian, ming.guardian_id_number, ming.guardian_relation,
            ming.guardian_phone, ming.guardian_address, ming.guardianship_rating) == (
        "祖父母/外祖父母监护", "王老汉", GUARDIAN_ID, "祖孙", "13812345678", "青山镇红旗村3组", "一般")
    assert ming.relief == "|低保|教育资助|" and ming.checked_on == D(2026, 5, 10)
    assert ming.family_income == "务农、父母务工收入"
    # what is not understood is kept in 备注 with a warning, never dropped
    assert (hong.schooling, hong.health, hong.relief) == ("", "", "|临时救助|")
    assert "就学状况：初二" in hong.note and "健康状况：良好" in hong.note and "爱心午餐" in hong.note
    assert any("初二" in w.message for w in report.warnings)

    out = export_form(db, "children-register", "xlsx", tmp_path / "register.xlsx", year=2026)
    ws = openpyxl.load_workbook(out).active
    header_row = next(r for r in range(1, 8) if ws.cell(r, 1).value == "序号")
    labels = [c.value for c in ws[header_row]]
    assert labels == [c.label for c in FORMS["children-register"].columns]
    row = {labels[i]: c.value for i, c in enumerate(ws[header_row + 1])}
    assert row["姓名"] == "小明" and row["父亲状况"] == "外出务工"
    assert row["父亲务工地"] == "广东省深圳市" and row["监护类型"] == "祖父母/外祖父母监护"
    assert row["健康状况"] == "残疾（肢体残疾二级）" and row["享受救助"] == "低保、教育资助"
    assert row["委托监护人"] == "王老汉" and row["与儿童关系"] == "祖孙"
    assert "*" in row["身份证号"] and row["监护人电话"] == "138****5678"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage

    pdf_path = export_form(db, "children-register", "pdf", tmp_path / "register.pdf", year=2026)
    reader = pypdf.PdfReader(pdf_path)
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape A4
    text = "".join(p.extract_text() for p in reader.pages)
    for word in ("留守（困境）儿童基本情况登记表", "王大山", "广东省深圳市", "无人监护"):
        assert word in text.replace("\n", "")
    assert "13812345678" not in text and GUARDIAN_ID not in text


def test_relatives_id_numbers_are_checked(db):
    with db.session() as s:
        with pytest.raises(ValidationError) as err:
            students.create(s, students.StudentInput("小刚", ["留守儿童"],
                                                     father_id_number=FATHER_ID[:-1] + "0"
                                                     if FATHER_ID[-1] != "0" else FATHER_ID[:-1] + "1"))
        assert err.value.field == "父亲身份证号"
        with pytest.raises(ValidationError) as err:
            students.create(s, students.StudentInput("小刚", ["留守儿童"], schooling="大学"))
        assert err.value.field == "就学状况"
        own = vid(2015, 1, 1, 171)
        with pytest.raises(ValidationError) as err:
            students.create(s, students.StudentInput("小刚", ["留守儿童"], id_number=own,
                                                     guardian_id_number=own))
        assert err.value.field == "监护人身份证号"


def test_invalid_relative_id_in_import_is_a_row_error(db, tmp_path):
    rows = [[1, "小刚", "", "留守儿童", "父亲身份证号", "230221198504021234"]]
    header = ["序号", "姓名", "身份证号", "帮扶类别", "备注", "父亲身份证号"]
    report = run_import(db, "students", xlsx(tmp_path / "bad.xlsx", header, rows, text_cols=(5,)),
                        ImportOptions(skip_invalid=True))
    assert report.imported == 0 and report.errors and "父亲身份证号" in report.errors[0].column


def test_student_not_checked_for_six_months_is_a_reminder(db):
    today = D(2026, 11, 20)
    add_student(db, "久未核查", checked_on=D(2026, 3, 1), registered_on=D(2025, 1, 1))
    add_student(db, "刚核查", checked_on=D(2026, 10, 1), registered_on=D(2025, 1, 1))
    add_student(db, "从未核查", registered_on=D(2025, 1, 1))
    with db.reader() as s:
        found = [r for r in reminders.reminders(s, today, dt.datetime.now()) if r.kind == "核查"]
    assert len(found) == 1
    assert "久未核查" in found[0].text and "从未核查" in found[0].text
    assert "刚核查" not in found[0].text and "2 名" in found[0].text


def test_children_register_is_listed_by_forms():
    out = cli("forms", check=True).stdout
    assert "children-register\t留守（困境）儿童基本情况登记表" in out


def test_two_row_header_of_the_minzheng_form(db, tmp_path):
    """The 民政 登记表 groups 父亲 / 母亲 over their columns in a merged row above."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "帮扶类别", "父亲", None, None, "母亲", None, None, "委托监护人", None])
    ws.append([None, None, "姓名", "状况", "务工地", "姓名", "状况", "务工地", "姓名", "身份证号"])
    for a, b in (("A1", "A2"), ("B1", "B2")):
        ws.merge_cells(f"{a}:{b}")
    for cells in ("C1:E1", "F1:H1", "I1:J1"):
        ws.merge_cells(cells)
    ws.append(["小军", "留守儿童", "张山", "外出务工", "江苏省苏州市", "刘梅", "在家", None, "张爷爷",
               GUARDIAN_ID])
    ws["J3"].number_format = "@"
    path = tmp_path / "two.xlsx"
    wb.save(path)
    report = run_import(db, "students", path, ImportOptions())
    assert report.imported == 1, [e.message for e in report.errors]
    with db.reader() as s:
        st = s.scalars(select(Student)).one()
    assert (st.father_name, st.father_status, st.father_work_place) == ("张山", "外出务工", "江苏省苏州市")
    assert (st.mother_name, st.mother_status) == ("刘梅", "在家")
    assert (st.guardian, st.guardian_id_number) == ("张爷爷", GUARDIAN_ID)
