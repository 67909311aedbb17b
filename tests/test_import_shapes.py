"""Sheets shaped the way other systems and county templates hand them out (contract.md §2.14–17):
invisible characters, four-row headers, decorated names, helper sheets, formula and total
rows, example rows, section rows, ID-less words, dates and money as written, 登记表 workbooks.
Every file is built here with openpyxl (never a copy of a real file)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from exports import cells, headers
from exports.chinese_numbers import capital_amount
from exports.forms import FORMS
from exports.importer import ImportOptions, run_import
from models import groups
from models.entities import Activity, Donation, Student, Volunteer
from models.errors import FileProblem
from tests.sheets import vid

D = dt.date


def book(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None,
         hidden: tuple[str, ...] = (), text_cols: dict[str, tuple[int, ...]] | None = None) -> Path:
    """A workbook of named sheets (rows as lists); formulas are written as given."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
        for c in (text_cols or {}).get(name, ()):
            for r in range(1, ws.max_row + 1):
                ws.cell(row=r, column=c + 1).number_format = "@"
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def with_cached_values(path: Path, value: str = "0") -> Path:
    """Give every formula cell a cached result, as Excel saves it (openpyxl writes none)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f>[^<]*</f>)(?:<v\s*/>|<v></v>)?", rb"\1<v>" + value.encode()
                              + b"</v>", data)
            dst.writestr(item, data)
    tmp.replace(path)
    return path


def volunteers(db) -> dict[str, Volunteer]:
    with db.reader() as s:
        return {v.name: v for v in s.scalars(select(Volunteer))}


def students(db) -> dict[str, Student]:
    with db.reader() as s:
        return {v.name: v for v in s.scalars(select(Student))}


def add_group(db, name: str) -> None:
    with db.session() as s:
        groups.create(s, groups.GroupInput(name))


# -- 1. invisible characters ------------------------------------------------------------------
#: (an xlsx cannot hold other control characters: they are tried in a CSV below)
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\t"
SPACES = " \u00a0\u3000"
V_COLUMNS = ["姓名", "性别", "出生年月", "身份证号", "政治面貌", "五老类别", "原工作单位及职务", "专业特长",
             "担任角色", "是否骨干", "所在关工小组", "联系电话", "加入时间", "备注"]
V_ROW = ["王德", "男", "1949.12", vid(1949, 12, 31, 101), "中共党员", "老干部", "原镇党委书记", "书法",
         "校外辅导员", "是", "红旗村关工小组", "13912345678", "2010.03.01", "老党员"]
#: columns whose value loses inner spaces too (names, ID numbers, phones, dates, codes)
SQUASHED = {"姓名", "性别", "出生年月", "身份证号", "政治面貌", "五老类别", "是否骨干",
            "所在关工小组", "联系电话", "加入时间"}


@st.composite
def decorated(draw, value: str, squashed: bool) -> str:
    chars = list(value)
    for _ in range(draw(st.integers(0, 3))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(INVISIBLE)))
    if squashed:
        for _ in range(draw(st.integers(0, 2))):
            chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(SPACES)))
    left = draw(st.text(alphabet=SPACES + INVISIBLE, max_size=2))
    right = draw(st.text(alphabet=SPACES + INVISIBLE, max_size=2))
    return left + "".join(chars) + right


def _stored(v: Volunteer) -> tuple:
    return (v.name, v.sex, v.birth_date, v.id_number, v.political_status, v.category,
            v.former_post, v.specialty, v.roles, v.is_backbone, v.group_id, v.phone, v.joined_on,
            v.note)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(data=st.data())
def test_invisible_characters_and_spaces_give_the_same_stored_record(db, tmp_path_factory, data):
    if not volunteers(db):
        add_group(db, "红旗村关工小组")
        path = book(tmp_path_factory.mktemp("v") / "clean.xlsx", {"S": [V_COLUMNS, V_ROW]})
        assert run_import(db, "volunteers", path).written
    baseline = _stored(volunteers(db)["王德"])
    row = [data.draw(decorated(v, c in SQUASHED)) for c, v in zip(V_COLUMNS, V_ROW, strict=True)]
    header = [data.draw(decorated(c, True)) for c in V_COLUMNS]
    path = book(tmp_path_factory.mktemp("v") / "dirty.xlsx", {"S": [header, row]},
                text_cols={"S": (3,)})
    report = run_import(db, "volunteers", path, ImportOptions(update=True))
    assert not report.errors, report.errors
    assert report.updated == 1 and len(report.mapping) == len(V_COLUMNS)
    got = volunteers(db)
    assert list(got) == ["王德"] and _stored(got["王德"]) == baseline


def test_control_characters_in_a_csv_are_removed(db, tmp_path):
    number = vid(1955, 3, 12, 101)
    path = tmp_path / "c.csv"
    path.write_text(f"姓名,身份证号,五老类别\r\n王\x01德\x1f,{number[:5]}\x02{number[5:]},\x7f老干部\r\n",
                    encoding="utf-8")
    report = run_import(db, "volunteers", path)
    assert report.written and not report.errors
    assert volunteers(db)["王德"].id_number == number


def test_a_zero_width_space_inside_an_id_and_a_name(db, tmp_path):
    number = vid(1955, 3, 12, 101)
    path = book(tmp_path / "z.xlsx", {"S": [["姓名", "身份证号", "五老类别"],
                                           ["王\u200b德", number[:9] + "\u200b" + number[9:],
                                            "老干部\ufeff"]]})
    report = run_import(db, "volunteers", path)
    assert report.written and not report.errors
    assert volunteers(db)["王德"].id_number == number


# -- 2. headers -------------------------------------------------------------------------------
def test_a_title_and_three_header_rows_with_decorated_names(db, tmp_path):
    rows = [["青山镇关工委“五老”队伍花名册（2025年）"],
            ["序号", "基本情况", None, None, None, "联系方式", None],
            [None, "*姓名", "性别*", "出生", "身份证号\n（必填）", "联系电话（选填）", "所在关工小组(全称)"],
            [None, None, None, "年月", None, None, None],
            [1, "王德", "男", "1955.03", vid(1955, 3, 12, 101), "13912345678", ""],
            [2, "李明", "男", "1956.04", vid(1956, 4, 2, 103), "13912345679", ""]]
    path = book(tmp_path / "h.xlsx", {"花名册": [*rows]},
                merges={"花名册": ["A1:G1", "A2:A4", "B2:E2", "F2:G2", "B3:B4", "C3:C4", "E3:E4"]})
    report = run_import(db, "volunteers", path, ImportOptions(dry_run=True, skip_invalid=True))
    assert report.header_row == 4 and report.rows_read == 2
    assert set(report.mapping.values()) == {"seq", "name", "sex", "birth_date", "id_number",
                                            "phone", "group"}
    assert not [w for w in report.warnings if "不认识" in w.message]


def test_a_header_below_row_fifteen_is_found(db, tmp_path):
    rows = [[f"说明第{i}行"] for i in range(1, 18)] + [["姓名", "五老类别"], ["王德", "老干部"]]
    path = book(tmp_path / "late.xlsx", {"S": rows})
    report = run_import(db, "volunteers", path)
    assert report.header_row == 18 and report.imported == 1


def test_helper_sheets_are_passed_over_and_named(db, tmp_path):
    sheets = {"说明": [["填表说明"], ["1. 带*的列必须填写"], ["2. 性别、政治面貌请从下拉选项中选择"]],
              "下拉选项": [["性别", "民族", "政治面貌"], ["男", "汉族", "中共党员"], ["女", "回族", "群众"]],
              "五老名单": [["姓名*", "性别*", "五老类别*"], ["王德", "男", "老干部"]]}
    path = book(tmp_path / "tpl.xlsx", sheets, hidden=("下拉选项",))
    report = run_import(db, "volunteers", path)
    assert report.written and report.imported == 1 and not report.errors
    assert report.passed_over == ["说明", "下拉选项"]
    said = " ".join(w.message for w in report.warnings)
    assert "“下拉选项”没有“姓名”列" in said and "“说明”" in said


def test_a_workbook_of_only_an_option_sheet_is_refused_with_the_missing_column(db, tmp_path):
    path = book(tmp_path / "opt.xlsx", {"下拉选项": [["性别", "民族", "政治面貌"], ["男", "汉族", "群众"]]})
    with pytest.raises(FileProblem) as err:
        run_import(db, "volunteers", path)
    assert "姓名" in str(err.value)


# -- 3. matching by meaning -------------------------------------------------------------------
def test_columns_sharing_a_word_are_not_the_category(db, tmp_path):
    rows = [["姓名", "户籍类别", "贫困类型", "职务类别", "五老类别"],
            ["王德", "农村", "低保户", "科级", "老干部"]]
    report = run_import(db, "volunteers", book(tmp_path / "c.xlsx", {"S": rows}))
    assert report.mapping == {0: "name", 4: "category"} and report.imported == 1
    rows = [["姓名", "户籍类别", "性别"], ["王德", "农村", "男"]]
    report = run_import(db, "volunteers", book(tmp_path / "d.xlsx", {"S": rows}),
                        ImportOptions(dry_run=True))
    assert [e.message for e in report.errors] == [
        "五老类别为空，请填写老干部、老战士、老专家、老教师或老模范"]
    assert any(w.column == "户籍类别" and "不认识" in w.message for w in report.warnings)


def test_qualified_names_are_never_the_persons_own(db, tmp_path):
    child = vid(2014, 5, 6, 102)
    rows = [["户主姓名", "户主身份证号", "儿童姓名", "性别", "证件号码", "监护人姓名", "监护人身份证号",
             "父亲姓名", "父亲联系电话", "母亲姓名", "联系方式", "学校全称", "贫困类型"],
            ["王大", vid(1980, 1, 1, 101), "王小", "男", child, "王奶奶", vid(1950, 2, 2, 104),
             "王大", "13900000001", "李芳", "13900000002", "青山镇中心小学", "留守儿童"]]
    report = run_import(db, "students", book(tmp_path / "s.xlsx", {"S": rows}, text_cols={"S": (1, 4, 6)}))
    # the parents' and the guardian's own columns are theirs (issue 23's 民政 fields), never
    # the child's
    assert report.mapping == {2: "name", 3: "sex", 4: "id_number", 5: "guardian",
                              6: "guardian_id_number", 7: "father_name", 8: "father_phone",
                              9: "mother_name", 10: "guardian_phone", 11: "school",
                              12: "categories"}
    assert report.written, report.errors
    got = students(db)["王小"]
    assert (got.id_number, got.guardian, got.guardian_phone, got.school) == (
        child, "王奶奶", "13900000002", "青山镇中心小学")


def test_a_group_row_naming_the_guardian_makes_the_names_below_the_guardians(db, tmp_path):
    rows = [["姓名", "性别", "帮扶类别", "监护人情况", None],
            [None, None, None, "姓名", "电话"],
            ["王小", "男", "留守儿童", "王奶奶", "13900000002"]]
    report = run_import(db, "students", book(tmp_path / "g.xlsx", {"S": rows},
                                             merges={"S": ["D1:E1"]}))
    assert report.written, report.errors
    got = students(db)["王小"]
    assert (got.guardian, got.guardian_phone) == ("王奶奶", "13900000002")


def test_other_systems_names_are_known():
    form = FORMS["students"]
    header = ["学生姓名", "身份证件号", "学校名称", "就读年级", "与儿童关系", "监护人联系方式", "现居住地址"]
    assert {headers.match_header(header, form)[i].key for i in range(len(header))} == {
        "name", "id_number", "school", "grade", "guardian_relation", "guardian_phone", "address"}
    header = ["志愿者姓名", "证件号", "手机号码", "注册时间", "政治面貌"]
    got = headers.match_header(header, FORMS["volunteers"])
    assert [got[i].key for i in range(5)] == ["name", "id_number", "phone", "joined_on",
                                              "political_status"]


# -- 4. rows ----------------------------------------------------------------------------------
def test_formula_rows_and_total_rows_anywhere_are_not_records(db, tmp_path):
    header = ["序号", "活动日期", "活动名称", "参加五老(人)", "受教育青少年(人次)"]
    rows = [["2025年关工委活动台账"], header,
            ["总合计", None, None, "=SUM(D4:D40)", "=SUM(E4:E40)"],
            [1, "2025-03-05", "学雷锋", 5, 100], [2, "2025-04-04", "清明祭扫", 8, 120]]
    rows += [["=ROW()-3", None, None, f"=SUM(F{r}:G{r})", f"=SUM(F{r}:G{r})"] for r in range(6, 36)]
    rows += [[None, None, None, "=D1*0", None]]  # a formula without a cached value: nothing
    rows += [["汇总", None, None, "=SUM(D4:D35)", "=SUM(E4:E35)"], [None, "填表人：王秀英"]]
    path = with_cached_values(book(tmp_path / "ledger.xlsx", {"台账": rows}))
    report = run_import(db, "activities", path)
    assert not report.errors, report.errors[:3]
    assert report.written and report.imported == 2 and report.rows_read == 2
    assert not [w for w in report.warnings if "另一张表" in w.message]


def test_a_formula_cell_without_a_cached_value_reads_as_empty(tmp_path):
    path = book(tmp_path / "f.xlsx", {"S": [["姓名", "五老类别"], ["=A1", "=B1"]]})
    from exports.readers import open_sheets

    sheets = open_sheets(path)
    rows = list(next(sheets).rows)
    assert rows[1][1] in ([None, None], [])


def test_example_rows_are_skipped_with_a_warning(db, tmp_path):
    rows = [["序号", "姓名", "身份证号", "五老类别", "备注"],
            ["示例", "王某某", vid(1950, 1, 1, 101), "老干部", ""],
            [1, "张三", "11010519491231002X", "老教师", ""],
            [2, "李四", vid(1951, 1, 1, 103), "老战士", "例"],
            [3, "王德", vid(1952, 1, 1, 105), "老干部", "例如骨干"]]
    report = run_import(db, "volunteers", book(tmp_path / "e.xlsx", {"S": rows},
                                               text_cols={"S": (2,)}))
    assert report.written and report.imported == 1 and report.skipped == 3
    assert list(volunteers(db)) == ["王德"]
    assert sorted(w.row for w in report.warnings if "示例" in w.message) == [2, 3, 4]


def test_a_chinese_ordinal_in_the_seq_column_is_a_section_heading(db, tmp_path):
    rows = [["序号", "姓名", "五老类别", "所在关工小组"],
            ["一、", None, "红旗村", None],
            [1, "王德", "老干部", None],
            ["（二）", "新华村关工小组", None, None],
            [2, "李明", "老教师", None],
            ["三", None, None, "东城社区"],
            [3, "赵四", "老战士", None]]
    report = run_import(db, "volunteers", book(tmp_path / "o.xlsx", {"S": rows}))
    assert report.written and not report.errors and report.imported == 3
    assert report.skipped == 3


def test_words_for_no_id_number_are_a_warning(db, tmp_path):
    rows = [["姓名", "身份证号", "帮扶类别", "出生日期"]] + [
        [f"孩子{i}", word, "留守儿童", f"2015.{i + 1}.1"]
        for i, word in enumerate(("暂无", "无", "未办理", "无户口", "待办", "（无）"))]
    report = run_import(db, "students", book(tmp_path / "n.xlsx", {"S": rows}))
    assert report.written and not report.errors and report.imported == 6
    warned = [w for w in report.warnings if w.column == "身份证号"]
    assert len(warned) == 6 and all("没有身份证号" in w.message for w in warned)
    assert all(s.id_number is None for s in students(db).values())


# -- 5. dates as written ----------------------------------------------------------------------
def test_dates_as_clerks_write_them():
    ctx = cells.DateContext(2025, "表格标题")
    for written, day in (("二〇二五年五月二十日", D(2025, 5, 20)),
                         ("二零二五年十二月三十一日", D(2025, 12, 31)),
                         ("2025年5月20日（星期二）", D(2025, 5, 20)),
                         ("2025.5.20周二", D(2025, 5, 20)),
                         ("25.6.18", D(2025, 6, 18)), ("3月5日", D(2025, 3, 5)), ("4.3", D(2025, 4, 3)),
                         ("1955年3月12日", D(1955, 3, 12)), ("1955-03-12", D(1955, 3, 12))):
        assert cells.read_date(written, ctx).date == day, written
    got = cells.read_date("2025.8.4-8.6", ctx)
    assert (got.date, got.whole) == (D(2025, 8, 4), "2025.8.4-8.6")
    got = cells.read_date("11月10日—12日", ctx)
    assert (got.date, got.whole, got.year_added) == (D(2025, 11, 10), "11月10日—12日", True)
    assert cells.read_date("55.3.12", cells.DateContext(ages=(30, 115))).date == D(1955, 3, 12)
    assert cells.read_date("15.3.2", cells.DateContext(ages=(0, 35))).date == D(2015, 3, 2)
    assert cells.date_value("1955.03") == (D(1955, 3, 1), True)
    with pytest.raises(cells.CellProblem, match="没有写年份"):
        cells.read_date("3月5日")
    with pytest.raises(cells.Ambiguous):
        cells.date_value(1955.1)


def test_activity_dates_take_the_year_of_the_title_and_keep_a_range(db, tmp_path):
    rows = [["2025年活动台账"], ["日期", "活动名称", "内容摘要"],
            ["3月5日", "学雷锋", "进校园"], ["二〇二五年五月二十二日", "读书会", ""],
            ["2025.6.17（星期二）", "普法", ""], ["25.6.18", "夏令营", ""], ["2025.8.4-8.6", "研学", "三天"]]
    report = run_import(db, "activities", book(tmp_path / "台账.xlsx", {"活动": rows}))
    assert report.written and not report.errors, report.errors
    with db.reader() as s:
        got = {a.title: a for a in s.scalars(select(Activity))}
    assert [got[t].date for t in ("学雷锋", "读书会", "普法", "夏令营", "研学")] == [
        D(2025, 3, 5), D(2025, 5, 22), D(2025, 6, 17), D(2025, 6, 18), D(2025, 8, 4)]
    assert got["研学"].summary == "三天；日期原文：2025.8.4-8.6"
    said = {w.row: w.message for w in report.warnings}
    assert "表格标题“2025年活动台账”" in said[3] and "一段日期" in said[7] and "两位" in said[6]


def test_a_date_without_a_year_and_no_year_anywhere_is_a_row_error(db, tmp_path):
    rows = [["日期", "活动名称"], ["3月5日", "学雷锋"], ["2024.3.6", "植树"]]
    path = book(tmp_path / "活动.xlsx", {"活动": rows})
    report = run_import(db, "activities", path, ImportOptions(dry_run=True))
    assert [(e.row, e.column) for e in report.errors] == [(2, "日期")]
    assert "没有写年份" in report.errors[0].message
    report = run_import(db, "activities", path, ImportOptions(default_year=2025))
    assert report.written and not report.errors
    with db.reader() as s:
        assert D(2025, 3, 5) in set(s.scalars(select(Activity.date)))


def test_two_years_in_the_title_name_no_year(db, tmp_path):
    rows = [["2024年度活动台账（2025年1月填报）"], ["日期", "活动名称"], ["3月5日", "学雷锋"]]
    report = run_import(db, "activities", book(tmp_path / "a.xlsx", {"S": rows}),
                        ImportOptions(dry_run=True))
    assert report.errors and "没有写年份" in report.errors[0].message


def test_birth_dates_with_two_digit_years_take_a_plausible_century(db, tmp_path):
    rows = [["姓名", "五老类别", "出生年月"], ["王德", "老干部", "55.03"], ["李明", "老教师", "48.7.1"]]
    report = run_import(db, "volunteers", book(tmp_path / "v.xlsx", {"S": rows}))
    assert report.written and not report.errors
    got = volunteers(db)
    assert (got["王德"].birth_date, got["李明"].birth_date) == (D(1955, 3, 1), D(1948, 7, 1))
    rows = [["姓名", "帮扶类别", "出生日期"], ["王小", "留守儿童", "15.3.2"]]
    report = run_import(db, "students", book(tmp_path / "s.xlsx", {"S": rows}))
    assert report.written and students(db)["王小"].birth_date == D(2015, 3, 2)


# -- 6. money as written ----------------------------------------------------------------------
def test_capital_amounts_are_read_exactly():
    for written, value in (("壹万贰仟元整", 12000), ("人民币伍仟元整", 5000), ("捌佰元", 800),
                           ("叁仟陆佰伍拾元", 3650), ("贰佰伍拾元伍角", Decimal("250.5")),
                           ("壹拾万元", 100000), ("两千元", 2000)):
        assert capital_amount(written) == value, written
        assert cells.money(written) == value
    assert capital_amount("书包") is None
    assert cells.money("5000元（现金）") == 5000 and cells.money("伍仟元（5000元）") == 5000
    with pytest.raises(cells.CellProblem):
        cells.money("书包50个（折价2500元）")


def test_donations_with_money_as_written(db, tmp_path):
    rows = [["日期", "捐赠方", "捐款金额(元)", "捐物名称", "物资折价(元)"],
            ["2025-06-01", "爱心企业甲", "壹万贰仟元整", None, None],
            ["2025-06-02", "爱心人士乙", "叁仟陆佰伍拾元", "书包50个", "=1/0"],
            ["2025-06-03", "某公司", None, "书包50个（折价2500元）", None],
            ["2025-06-04", "某人", "一些钱", None, None]]
    path = book(tmp_path / "d.xlsx", {"S": rows})
    report = run_import(db, "donations", path, ImportOptions(skip_invalid=True))
    assert [(e.row, e.column) for e in report.errors] == [(5, "捐款金额(元)")]
    assert "看不懂" in report.errors[0].message
    with db.reader() as s:
        got = {d.donor: d for d in s.scalars(select(Donation))}
    assert got["爱心企业甲"].money_fen == 1_200_000
    assert got["爱心人士乙"].money_fen == 365_000  # the ¥3 650 once stored as 0
    assert got["某公司"].goods_value_fen == 250_000
    assert any(w.row == 4 and "2,500.00" in w.message for w in report.warnings)


def test_a_count_that_cannot_be_read_is_a_row_error(db, tmp_path):
    rows = [["日期", "活动名称", "参加五老(人)"], ["2025-01-01", "甲", "若干"],
            ["2025-01-02", "乙", "三十人"]]
    report = run_import(db, "activities", book(tmp_path / "c.xlsx", {"S": rows}),
                        ImportOptions(skip_invalid=True))
    assert [(e.row, e.column) for e in report.errors] == [(2, "参加五老(人)")]
    with db.reader() as s:
        assert s.scalar(select(Activity.volunteer_count)) == 30


# -- 7. 登记表 workbooks ---------------------------------------------------------------------
def _register(name: str, number: str | None) -> list[list]:
    return [["留守儿童基本情况登记表"],
            ["姓名", name, None, "性别", "男", "出生日期", "2014.5.6"],
            ["身份证号", number, number, None, "民族", "汉族"],
            ["帮扶类别", "留守儿童", None, "就读学校", "青山镇中心小学", None],
            ["监护人", "王奶奶", "与本人关系", "祖孙", "监护人电话", "13900000002"],
            ["家庭住址", "青山镇红旗村3组", "青山镇红旗村3组", "青山镇红旗村3组"],
            ["填表人：", "李老师", None, "填表日期：", "2025年3月1日"]]


def test_a_workbook_of_registration_forms_gives_one_record_per_sheet(db, tmp_path):
    sheets = {"王小": _register("王小", vid(2014, 5, 6, 103)),
              "李小": _register("李小", None),
              "赵小": _register("赵小", vid(2014, 5, 6, 105)[:-1] + "Y")}
    path = book(tmp_path / "登记表.xlsx", sheets,
                merges={n: ["A1:G1", "B3:C3", "B6:D6"] for n in sheets})
    report = run_import(db, "students", path, ImportOptions(skip_invalid=True))
    assert [i.name for i in report.sheets] == report.form_sheets == ["王小", "李小", "赵小"]
    assert report.summary().startswith("按登记表（一个工作表一人）读了 3 个工作表")
    assert report.rows_read == 3 and report.imported == 2
    assert [(e.sheet, e.column) for e in report.errors] == [("赵小", "身份证号")]
    got = students(db)
    assert got["王小"].school == "青山镇中心小学" and got["王小"].guardian_phone == "13900000002"
    assert got["王小"].address == "青山镇红旗村3组" and got["王小"].categories == "|留守儿童|"
    assert got["李小"].birth_date == D(2014, 5, 6) and got["李小"].id_number is None


def test_a_roster_with_an_unknown_column_between_known_ones_stays_a_table(db, tmp_path):
    rows = [["姓名", "曾用名", "五老类别"], ["王德", "王得", "老干部"], ["李明", "", "老教师"]]
    report = run_import(db, "volunteers", book(tmp_path / "t.xlsx", {"S": rows}))
    assert report.imported == 2 and report.header_row == 1


# -- 8. the wizard asks for the year ----------------------------------------------------------
def test_the_wizard_asks_for_the_year_of_dates_written_without_one(db, qtbot, tmp_path):
    from gui.context import AppContext
    from gui.import_wizard import ImportWizard

    path = book(tmp_path / "活动.xlsx", {"活动": [["日期", "活动名称"], ["3月5日", "学雷锋"]]})
    wizard = ImportWizard(AppContext(db))
    qtbot.addWidget(wizard)
    wizard.file.setText(str(path))
    wizard.kind.setCurrentIndex(wizard.kind.findData("activities"))
    wizard.go_next()
    wizard.go_next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    assert wizard.report.year_missing_rows == 1 and wizard.report.errors
    assert not wizard.use_year.isHidden() and not wizard.year.isHidden()
    wizard.report = None
    wizard.year.setValue(2024)
    wizard.use_year.setChecked(True)  # checks again with the year
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    assert not wizard.report.errors and wizard.report.valid == 1
    assert any("按导入时指定的年份（2024 年）记为 2024.03.05" in w.message for w in wizard.report.warnings)


def test_a_form_of_one_label_and_value_a_row_is_one_record(db, tmp_path):
    def form(name: str, category: str) -> list[list]:
        return [["“五老”人员登记表（2025年）"], ["姓名", name], ["性别", "男"], ["出生年月", "1955.03"],
                ["五老类别", category], ["政治面貌", "中共党员"], ["加入时间", "3月5日"]]

    path = book(tmp_path / "五老登记表.xlsx", {"王德": form("王德", "老干部"),
                                             "李明": form("李明", "老教师")})
    report = run_import(db, "volunteers", path)
    assert report.written and not report.errors, report.errors
    got = volunteers(db)
    assert (got["王德"].category, got["李明"].birth_date) == ("老干部", D(1955, 3, 1))
    assert got["王德"].joined_on == D(2025, 3, 5)  # the year of the form's title
    assert {w.sheet for w in report.warnings if w.column == "加入时间"} == {"王德", "李明"}


def test_example_names_and_id_less_phrases(db, tmp_path):
    rows = [["姓名", "身份证号", "帮扶类别", "出生日期"],
            ["例：张三", "", "留守儿童", "2015.1.1"], ["李四（示例）", "", "孤儿", "2015.1.2"],
            ["王小", "暂无身份证号", "留守儿童", "2015.1.3"]]
    report = run_import(db, "students", book(tmp_path / "x.xlsx", {"S": rows}))
    assert report.written and report.imported == 1 and list(students(db)) == ["王小"]
    assert sorted(w.row for w in report.warnings if "示例" in w.message) == [2, 3]


def test_the_error_workbook_lists_every_warning_by_sheet_row_and_column(db, tmp_path):
    from exports import workbooks

    rows = [["2025年捐赠台账"], ["日期", "捐赠方", "捐款金额(元)", "捐物名称", "物资折价(元)"],
            ["3月5日", "某公司", None, "书包50个（折价2500元）", None],
            ["2025-06-04", "某人", "一些钱", None, None]]
    report = run_import(db, "donations", book(tmp_path / "d.xlsx", {"捐赠": rows}),
                        ImportOptions(dry_run=True))
    out = workbooks.write_error_book(tmp_path / "出错的行.xlsx", report)
    wb = openpyxl.load_workbook(out)
    assert [r[-1] for r in wb["出错的行"].iter_rows(min_row=2, values_only=True)] == [
        "捐款金额(元)：金额“一些钱”看不懂，请只填数字（如 5000 或 1.5万元）"]
    said = list(wb["提示"].iter_rows(min_row=2, values_only=True))
    assert ("捐赠", 3, "日期") in [r[:3] for r in said]
    assert any(r[:3] == ("捐赠", 3, "物资折价(元)") and "2,500.00" in r[3] for r in said)


def test_a_civil_affairs_collection_template_with_group_rows_per_person(db, tmp_path):
    """Group rows 儿童基本情况 / 监护人情况 / 父亲情况 / 母亲情况 over repeated 姓名, 联系电话."""
    groups_row = ["序号", "儿童基本情况", *[None] * 7, "监护人情况", None, None, None, "父亲情况",
                  None, None, "母亲情况", None, None, "备注"]
    names_row = [None, "姓名*", "性别*", "民族", "出生日期*", "身份证号*", "户籍类别", "就读学校", "年级",
                 "姓名", "与儿童关系", "联系电话", "身份证号", "姓名", "务工地", "联系电话", "姓名", "务工地",
                 "联系电话", None]
    person = [1, "王小", "男", "汉族", "2014-05-06", vid(2014, 5, 6, 103), "农村", "青山小学", "三年级",
              "王奶奶", "祖孙", "13900000001", vid(1950, 1, 1, 102), "王大", "广东", "13900000002",
              "李芳", "浙江", "13900000003", ""]
    example = ["示例", "张三", "男", "汉族", "2014-05-06", "11010519491231002X", *[""] * 14]
    rows = [["农村留守儿童信息采集表"], ["填报单位：青山镇    填报时间：2025年3月"], groups_row, names_row,
            person, example]
    path = book(tmp_path / "采集表.xlsx", {"采集表": rows, "下拉选项": [["性别", "民族", "政治面貌"]]},
                merges={"采集表": ["A1:T1", "B3:I3", "J3:M3", "N3:P3", "Q3:S3", "A3:A4", "T3:T4"]},
                hidden=("下拉选项",), text_cols={"采集表": (5, 12)})
    report = run_import(db, "students", path, ImportOptions(dry_run=True))
    assert report.header_row == 4
    assert report.mapping == {0: "seq", 1: "name", 2: "sex", 3: "ethnicity", 4: "birth_date",
                              5: "id_number", 7: "school", 8: "grade", 9: "guardian",
                              10: "guardian_relation", 11: "guardian_phone",
                              12: "guardian_id_number", 13: "father_name",
                              14: "father_work_place", 15: "father_phone", 16: "mother_name",
                              17: "mother_work_place", 18: "mother_phone", 19: "note"}
    # the only error is the truly missing 帮扶类别; the example row is skipped with a warning
    assert [(e.row, e.column) for e in report.errors] == [(5, "帮扶类别")]
    assert any(w.row == 6 and "示例" in w.message for w in report.warnings)
    assert report.passed_over == ["下拉选项"]


def test_a_workbook_without_any_data_sheet_says_why_for_each_sheet(db, tmp_path):
    path = book(tmp_path / "w.xlsx", {"下拉选项": [["性别", "民族", "政治面貌"]],
                                      "名单": [["序号", "性别", "五老类别"], [1, "男", "老干部"]]})
    with pytest.raises(FileProblem) as err:
        run_import(db, "volunteers", path)
    said = str(err.value)
    assert "“下拉选项”没有“姓名”列" in said and "“名单”没有“姓名”列" in said


def test_form_labels_with_colons_and_values_in_the_same_cell(db, tmp_path):
    def form(name: str) -> list[list]:
        return [["帮扶对象登记表"], [f"姓名：{name}", None, "性别：", "女"],
                ["帮扶类别：", "困境儿童", "出生日期：", "2013年2月3日"], ["就读学校：", "青山小学"]]

    path = book(tmp_path / "f.xlsx", {"甲": form("赵丽"), "乙": form("钱芳")})
    report = run_import(db, "students", path)
    assert report.written and not report.errors, report.errors
    got = students(db)
    assert (got["赵丽"].sex, got["赵丽"].birth_date, got["钱芳"].school) == (
        "女", D(2013, 2, 3), "青山小学")


#: one valid row per kind (form column key -> cell), and the keys whose cells lose inner spaces
VALID_ROWS = {
    "groups": ({"name": "红旗村关工小组", "type": "村", "leader": "王德", "deputy": "李明",
                "phone": "13912345678", "member_count": "12人", "founded_on": "2010年3月1日",
                "note": "老组织"}, {"name", "type", "leader", "deputy", "phone", "member_count",
                                  "founded_on"}),
    "students": ({"name": "王小", "sex": "男", "birth_date": "2014.5.6",
                  "id_number": vid(2014, 5, 6, 103), "categories": "留守儿童", "school": "青山小学",
                  "grade": "三年级", "guardian": "王奶奶", "guardian_relation": "祖孙",
                  "guardian_phone": "13900000001", "address": "红旗村3组", "registered_on": "2025.3.1",
                  "status": "在帮", "note": "寄宿"},
                 {"name", "sex", "birth_date", "id_number", "guardian",
                  "guardian_phone", "registered_on", "status"}),
    "activities": ({"date": "2025年6月1日", "title": "红色故事会", "theme": "理论宣讲",
                    "organiser": "镇关工委",
                    "place": "镇中心小学", "volunteer_count": "5人", "youth_count": "约200人次",
                    "summary": "讲述革命故事"}, {"date", "theme", "volunteer_count", "youth_count"}),
    "donations": ({"date": "2025.6.1", "donor": "爱心企业甲", "donor_type": "爱心企业",
                   "money": "壹万贰仟元整", "goods": "书包", "goods_value": "1.5万元", "purpose": "助学",
                   "recipients": ""}, {"date", "donor_type", "money", "goods_value"}),
}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(VALID_ROWS)), data=st.data())
def test_every_kind_reads_the_same_record_through_invisible_characters(db, kind, data):
    from exports import kinds

    values, squashed = VALID_ROWS[kind]
    labels = {c.key: c.label for c in FORMS[kind].import_columns()}

    def read(cells_by_key):
        with db.reader() as s:
            handler = kinds.HANDLERS[kind](s, False)
            row = kinds.RowReader(3, cells_by_key, labels)
            handler.read(row)
        assert not row.errors, row.errors
        return handler.new[0]

    dirty = {k: data.draw(decorated(v, k in squashed)) if v else v for k, v in values.items()}
    assert read(dirty) == read(dict(values))


def test_a_school_roster_names_the_guardian_in_brackets():
    header = ["学号", "姓名", "年级", "身份证号", "全国学籍号", "户籍所在地", "居住所在地", "监护人(父亲)",
              "监护人(母亲)", "监护人(父亲)电话", "监护人(母亲)电话"]
    got = {header[i]: c.key for i, c in headers.match_header(header, FORMS["students"]).items()}
    assert got == {"姓名": "name", "年级": "grade", "身份证号": "id_number", "居住所在地": "address",
                   "户籍所在地": "hukou_place",
                   "监护人(父亲)": "guardian", "监护人(父亲)电话": "guardian_phone"}
