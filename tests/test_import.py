"""Import of clerks' sheets: counts, row errors and warnings exactly as contract.md §2 says."""

import datetime as dt
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from exports import headers
from exports.importer import ImportOptions, run_import
from models import groups
from models.entities import Activity, Donation, Pairing, Student, Volunteer
from models.errors import FileProblem
from tests.factories import add_volunteer
from tests.helpers import cli
from tests.sheets import D, csv_file, vid, xlsx

V_HEADER = ["序号", "姓 名", "性别", "出生年月", "身份证号码", "政治面貌", "\u201c五老\u201d类别",
            "原工作单位及职务", "是否骨干", "所在关工小组", "手机号", "加入时间"]


def messy_roster(path):
    rows = [
        [1, "王\u3000德", "男", "1949.12", vid(1949, 12, 31, 101), "党员", "老干部", "原镇党委书记",
         "√", "红旗村关工小组", "13912345678", "2010-03-01"],
        [2, "李明", "", 1955.03, vid(1955, 3, 12, 102).lower().replace("x", "x"), "预备党员",
         "老教师", "", "是", "红旗村", "139 1234 5679", "2015/3/1"],
        [3, "张　三", "女", "1950-01", vid(1950, 1, 2, 103), "群众", "老干部（退休）", "", "否",
         "不存在的小组", "12345", ""],
        [4, "赵四", "男", None, 2.30221195503121e17, "党员", "老战士", "", "", "", "", ""],
        [5, "", "男", "1950.01", vid(1950, 1, 5, 105), "党员", "老干部", "", "", "", "", ""],
        [6, "钱五", "男", "1951.02", vid(1951, 2, 3, 107)[:-1] + "0", "党员", "老模范", "", "", "",
         "", ""],
        [7, "孙六", "男", "1952.05", vid(1952, 5, 6, 109), "党员", "", "", "", "", "", ""],
        [8, "周七", "男", "1952.05", vid(1949, 12, 31, 101), "党员", "老专家", "", "", "", "", ""],
        [9, "吴八", "", 1953.1, None, "党员", "老专家", "", "", "", "", ""],
        [10, None, None, None, None, None, None, None, None, None, None, None],
        [11],
        [None, "郑九", "女", "1948年6月", vid(1948, 6, 1, 112), "民主党派", "老教师", "", "Y", "", "",
         "2020年5月1日"],
    ]
    # fix the intentionally wrong-check number of 钱五 so that it really is wrong
    good = vid(1951, 2, 3, 107)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows[5][4] = bad
    return xlsx(path, V_HEADER, rows, title="青山镇关工委\u201c五老\u201d队伍花名册",
                date_row="填报日期：2025年12月10日",
                footer=[["合计", "9人"], [None, None], ["填表人：王秀英", None, "审核人：李国强"]],
                text_cols=(4,))


@pytest.fixture
def with_group(db):
    with db.session() as s:
        groups.create(s, groups.GroupInput("红旗村关工小组"))
    return db


def test_messy_roster_counts_errors_and_warnings(with_group, tmp_path):
    db = with_group
    path = messy_roster(tmp_path / "花名册.xlsx")
    report = run_import(db, "volunteers", path, ImportOptions(skip_invalid=True))
    assert report.header_row == 3
    # rows 4..15 hold 12 sheet rows: 10 people-ish rows, one empty row, one with only 序号
    assert report.skipped == 5  # empty row, 序号-only row, 合计, blank and 填表人 rows
    assert report.rows_read == 10
    error_rows = sorted({e.row for e in report.errors})
    # 赵四: numeric ID; 无名: missing name; 钱五: check digit; 孙六: no category;
    # 周七: same ID as 王德 earlier in the file
    assert error_rows == [7, 8, 9, 10, 11]
    by_row = {e.row: e for e in report.errors}
    assert "数字" in by_row[7].message and by_row[7].column == "身份证号码"
    assert "校验位" in by_row[9].message
    assert "第 4 行" in by_row[11].message
    assert report.imported == 5
    assert report.written
    with db.reader() as s:
        people = {v.name: v for v in s.scalars(select(Volunteer))}
    assert set(people) == {"王德", "李明", "张三", "吴八", "郑九"}
    assert people["王德"].birth_date == D(1949, 12, 31) and people["王德"].group_id is not None
    assert people["李明"].political_status == "中共预备党员" and people["李明"].is_backbone
    assert people["李明"].id_number.endswith("X") or people["李明"].id_number[-1].isdigit()
    assert people["李明"].phone == "13912345679" and people["李明"].group_id is not None
    assert people["张三"].category == "老干部" and people["张三"].sex == "男"
    assert people["张三"].group_id is None
    assert people["吴八"].birth_date is None
    assert people["郑九"].joined_on == D(2020, 5, 1) and people["郑九"].is_backbone
    warned = {(w.row, w.column) for w in report.warnings}
    assert (6, "性别") in warned  # 张三: 女 conflicts with the ID, the ID wins
    assert (6, "\u201c五老\u201d类别") in warned
    assert (6, "所在关工小组") in warned and (6, "手机号") in warned
    assert (12, "出生年月") in warned  # 吴八: 1953.1 is ambiguous
    assert (12, "身份证号码") in warned  # no ID number


def test_any_row_error_means_nothing_is_written(with_group, tmp_path):
    path = messy_roster(tmp_path / "花名册.xlsx")
    proc = cli("import", "volunteers", path, "--db", with_group.path, "--json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["written"] is False and out["imported"] == 0 and out["errors"]
    with with_group.reader() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 0


def test_dry_run_writes_nothing_even_when_valid(db, tmp_path):
    path = xlsx(tmp_path / "a.xlsx", ["姓名", "五老类别"], [["王德", "老干部"], ["李明", "老教师"]])
    report = run_import(db, "volunteers", path, ImportOptions(dry_run=True))
    assert (report.imported, report.written, report.dry_run) == (2, False, True)
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 0


def test_id_already_in_database_is_an_error_unless_update(db, tmp_path):
    number = vid(1950, 5, 5, 131)
    add_volunteer(db, "王德", id_number=number, phone="13900000000")
    path = xlsx(tmp_path / "a.xlsx", ["姓名", "身份证号", "五老类别", "电话"],
                [["王德", number, "老教师", "13911112222"], ["新人", "", "老干部", ""]])
    report = run_import(db, "volunteers", path)
    assert [e.row for e in report.errors] == [2] and not report.written
    report = run_import(db, "volunteers", path, ImportOptions(update=True))
    assert (report.imported, report.updated, report.written) == (1, 1, True)
    with db.reader() as s:
        v = s.scalars(select(Volunteer).where(Volunteer.id_number == number)).one()
        assert (v.category, v.phone) == ("老教师", "13911112222")


def test_shuffled_renamed_columns_and_gbk_csv(db, tmp_path):
    header = ["联系电话", "类别", "公民身份号码", "姓名", "备注说明"]
    rows = [["13800001111", "老战士", vid(1940, 8, 1, 141), "　刘　备　", "无"],
            ["13800002222", "老教师", vid(1941, 9, 2, 142).lower(), "关羽", ""]]
    path = csv_file(tmp_path / "五老.csv", header, rows, encoding="gbk")
    report = run_import(db, "volunteers", path)
    assert report.imported == 2 and report.written
    assert any(w.column == "备注说明" and "不认识" in w.message for w in report.warnings)
    with db.reader() as s:
        names = sorted(s.scalars(select(Volunteer.name)))
    assert names == ["关羽", "刘备"]


def test_students_with_several_categories_and_pairing(db, tmp_path):
    add_volunteer(db, "王老师", "老教师")
    header = ["姓名", "身份证号", "帮扶类别", "监护人", "建档日期", "结对五老"]
    rows = [["小明", vid(2014, 3, 3, 151), "留守儿童、困境儿童", "李奶奶", "2024.09.01", "王老师"],
            ["小红", "", "单亲家庭子女；其他", "", "", "不存在"],
            ["小刚", "", "学习不好", "", "", ""]]
    report = run_import(db, "students", xlsx(tmp_path / "s.xlsx", header, rows),
                        ImportOptions(skip_invalid=True))
    assert report.imported == 2 and report.pairings_created == 1
    assert [e.row for e in report.errors] == [4]
    with db.reader() as s:
        st = s.scalars(select(Student).where(Student.name == "小明")).one()
        assert st.categories == "|留守儿童|困境儿童|"
        p = s.scalars(select(Pairing)).one()
        assert (p.student_id, p.started_on, p.mode) == (st.id, D(2024, 9, 1), "一对一")


def test_activities_and_donations_text_numbers(db, tmp_path):
    header = ["活动日期", "活动名称", "主题", "参加五老（人）", "受教育青少年(人次)"]
    rows = [["2025-03-05", "学雷锋", "学雷锋志愿服务", "12人", "约200人次"],
            ["2025年4月1日", "读书会", "读书", "3", "50"],
            ["", "没日期", "其他", "1", "1"],
            ["2025/5/1", "负数", "其他", "-3", "1"]]
    path = xlsx(tmp_path / "a.xlsx", header, rows)
    # a theme the import does not know is a question (§2.13), never stored as 其他
    report = run_import(db, "activities", path, ImportOptions(dry_run=True, skip_invalid=True))
    assert report.imported == 1 and sorted({e.row for e in report.errors}) == [3, 4, 5]
    assert [(q.value, q.rows, q.guess) for q in report.unknown_values] == \
        [("读书", [3], "\u201c中华魂\u201d读书")]
    report = run_import(db, "activities", path,
                        ImportOptions(skip_invalid=True, answers=["主题:读书=其他"]))
    assert report.imported == 2 and sorted({e.row for e in report.errors}) == [4, 5]
    with db.reader() as s:
        acts = {a.title: a for a in s.scalars(select(Activity))}
    assert (acts["学雷锋"].volunteer_count, acts["学雷锋"].youth_count) == (12, 200)
    assert acts["读书会"].theme == "其他"
    header = ["捐赠日期", "捐赠单位", "捐款金额（元）", "物资折价(元)"]
    rows = [["2025-01-02", "某公司", "1.5万元", "￥2000"], ["2025-01-03", "某人", "5,000.00", ""]]
    run_import(db, "donations", xlsx(tmp_path / "d.xlsx", header, rows))
    with db.reader() as s:
        money = sorted(s.scalars(select(Donation.money_fen)))
    assert money == [500000, 1500000]


def test_first_sheet_with_a_header_is_taken(db, tmp_path):
    path = xlsx(tmp_path / "a.xlsx", ["姓名", "五老类别"], [["王德", "老干部"]], sheet="五老",
                before_sheets=["封面"])
    report = run_import(db, "volunteers", path)
    assert report.sheet == "五老" and report.imported == 1


@pytest.mark.parametrize("content,reason", [
    (b"", "空的"),
    (b"PK\x03\x04 this is not really a zip", "无法读取"),
    ("这是一封信，不是表格。".encode() * 100, "找不到表头"),  # read as text: no header
])
def test_files_that_are_not_spreadsheets_give_exit_2(db, tmp_path, content, reason):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=reason):
        run_import(db, "volunteers", path)
    proc = cli("import", "volunteers", path, "--db", db.path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.strip()


def test_empty_sheet_and_unknown_kind(db, tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "empty.xlsx")
    with pytest.raises(FileProblem, match="找不到表头"):
        run_import(db, "volunteers", tmp_path / "empty.xlsx")
    proc = cli("import", "people", tmp_path / "empty.xlsx", "--db", db.path)
    assert proc.returncode == 2 and "不认识" in proc.stderr


def test_error_workbook_holds_failed_rows_with_explanation(with_group, tmp_path):
    path = messy_roster(tmp_path / "花名册.xlsx")
    out = tmp_path / "出错的行.xlsx"
    proc = cli("import", "volunteers", path, "--db", with_group.path, "--errors-out", out)
    assert proc.returncode == 1
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误说明" and header[1] == "姓 名"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[-2] for r in rows] == [7, 8, 9, 10, 11]
    assert rows[0][1] == "赵四" and "数字" in rows[0][-1]


def test_template_has_the_import_header(tmp_path):
    out = tmp_path / "模板.xlsx"
    cli("template", "students", "--out", out, check=True)
    ws = openpyxl.load_workbook(out)["导入模板"]
    labels = [c.value for c in ws[2]]
    assert "身份证号" in labels and "帮扶类别" in labels and "结对五老" in labels


def test_header_matching_rules():
    from exports.forms import FORMS

    found = headers.match_header(
        ["活动日期", "活 动 名 称", "“主题类别”", "参加五老（人）", "受教育青少年(人次)", "奇怪的列"],
        FORMS["activities"])
    assert {i: c.key for i, c in found.items()} == {
        0: "date", 1: "title", 2: "theme", 3: "volunteer_count", 4: "youth_count"}


def test_today_is_used_when_pairing_has_no_registration_date(db, tmp_path):
    add_volunteer(db, "王老师", "老教师")
    path = xlsx(tmp_path / "s.xlsx", ["姓名", "帮扶类别", "结对五老"], [["小明", "孤儿", "王老师"]])
    run_import(db, "students", path)
    with db.reader() as s:
        assert s.scalars(select(Pairing.started_on)).one() == dt.date.today()


def test_import_into_a_new_database_file_needs_init_first(tmp_path):
    """A mistyped --db never starts an empty database that takes the import (issue 19)."""
    path = xlsx(tmp_path / "组织.xlsx", ["组织名称", "类型", "组长"],
                [["红旗村关工小组", "村", "李国强"], ["朝阳社区关工小组", "社区", "王秀英"]])
    db_path = tmp_path / "新乡镇" / "town.sqlite"
    proc = cli("import", "groups", path, "--db", db_path, "--json")
    assert proc.returncode == 2 and "找不到文件夹" in proc.stderr
    assert not db_path.parent.exists()
    cli("init", "--db", db_path, "--committee", "新乡镇关工委", "--code", "130102009", check=True)
    proc = cli("import", "groups", path, "--db", db_path, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imported"] == 2


def test_several_paired_volunteers_in_one_cell(db, tmp_path):
    add_volunteer(db, "王老师", "老教师")
    add_volunteer(db, "李老师", "老干部")
    path = xlsx(tmp_path / "s.xlsx", ["姓名", "帮扶类别", "结对五老"],
                [["小明", "孤儿", "王老师、李老师"], ["小红", "孤儿", "王老师，赵老师"]])
    report = run_import(db, "students", path)
    assert report.pairings_created == 3
    assert [(w.row, "赵老师" in w.message) for w in report.warnings
            if w.column == "结对五老"] == [(3, True)]
