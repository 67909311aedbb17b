"""Sheets as clerks really make them: merged cells, two-row headers, several sheets, section
rows, odd file formats and oversized files. Every sheet is built here with openpyxl or bytes."""

from __future__ import annotations

import json
import time
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from exports import importer
from exports.importer import ImportOptions, run_import
from models import groups
from models.entities import Group, Volunteer
from models.errors import FileProblem
from tests.helpers import cli
from tests.sheets import vid


def add_groups(db, *names):
    with db.session() as s:
        for name in names:
            groups.create(s, groups.GroupInput(name))


def people(db):
    with db.reader() as s:
        names = dict(s.execute(select(Group.id, Group.name)).all())
        return {v.name: (names.get(v.group_id), v) for v in s.scalars(select(Volunteer))}


def book(path, sheets):
    """sheets: {name: (rows, merges, hidden rows)}"""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (rows, merges, hidden) in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in merges:
            ws.merge_cells(ref)
        for r in hidden:
            ws.row_dimensions[r].hidden = True
    wb.save(path)
    return path


# -- 1. merged cells --------------------------------------------------------------------------
def test_a_group_merged_down_over_rows_gives_every_row_its_group(db, tmp_path):
    add_groups(db, "红旗村关工小组", "新华村关工小组")
    rows = [["姓名", "五老类别", "所在关工小组"],
            ["王德", "老干部", "红旗村关工小组"], ["李明", "老教师", None], ["张三", "老战士", None],
            ["赵四", "老干部", "新华村关工小组"], ["钱五", "老模范", None]]
    path = book(tmp_path / "m.xlsx", {"五老": (rows, ["C2:C4", "C5:C6"], [])})
    report = run_import(db, "volunteers", path)
    assert report.written and report.imported == 5, report.errors
    got = people(db)
    assert [got[n][0] for n in ("王德", "李明", "张三")] == ["红旗村关工小组"] * 3
    assert got["钱五"][0] == "新华村关工小组"


def test_a_category_merged_down_is_not_a_row_error(db, tmp_path):
    rows = [["姓名", "五老类别"], ["王德", "老干部"], ["李明", None], ["张三", None]]
    path = book(tmp_path / "m.xlsx", {"S": (rows, ["B2:B4"], [])})
    report = run_import(db, "volunteers", path)
    assert not report.errors and report.imported == 3
    assert {v.category for _g, v in people(db).values()} == {"老干部"}


# -- 2. multi-row headers ---------------------------------------------------------------------
def test_a_group_row_above_the_names_is_read_as_one_header(db, tmp_path):
    rows = [["序号", "基本情况", None, None, None, "联系方式", None],
            [None, "姓名", "性别", "五老类别", "身份证号", "联系电话", "家庭住址"],
            [1, "王德", "男", "老干部", vid(1949, 12, 31, 101), "13912345678", "红旗村"],
            [2, "李明", "男", "老教师", vid(1955, 3, 12, 102), "13912345679", "新华村"]]
    path = book(tmp_path / "h.xlsx", {"S": (rows, ["A1:A2", "B1:E1", "F1:G1"], [])})
    report = run_import(db, "volunteers", path)
    assert report.header_row == 2 and report.imported == 2 and not report.errors
    assert people(db)["李明"][1].phone == "13912345679"
    assert importer.peek(path, "volunteers").header_row == 2


def test_names_merged_down_and_split_over_two_header_rows(db, tmp_path):
    rows = [["某镇五老花名册"],
            ["姓名", "五老类别", "出生", "基本情况", None],
            [None, None, "年月", "身份证号", "联系电话"],
            ["王德", "老干部", "1949.12", vid(1949, 12, 31, 101), "13912345678"]]
    path = book(tmp_path / "h.xlsx", {"S": (rows, ["A1:E1", "A2:A3", "B2:B3", "D2:E2"], [])})
    report = run_import(db, "volunteers", path)
    assert report.header_row == 3 and report.imported == 1, (report.errors, report.header)
    assert set(report.mapping.values()) >= {"name", "category", "birth_date", "id_number",
                                            "phone"}
    assert not [w for w in report.warnings if w.row == 3]
    assert people(db)["王德"][1].phone == "13912345678"


# -- 3. several sheets ------------------------------------------------------------------------
def village_book(path):
    head = ["序号", "姓名", "五老类别", "身份证号"]
    return book(path, {
        "说明": ([["本表由各村填报，每村一页"]], [], []),
        "新华村": ([head, [1, "王德", "老干部", vid(1949, 12, 31, 101)],
                  [2, "李明", "老教师", vid(1955, 3, 12, 102)]], [], []),
        "空表": ([], [], []),
        "红旗村": ([["红旗村五老名单"], head, [1, "张三", "老战士", vid(1950, 1, 2, 103)]] +
                 [[i, f"人{i}", "老干部", None] for i in range(2, 11)] +
                 [[11, "孙六", "不知道", None]], ["A1:D1"], []),
    })


def test_every_sheet_with_a_header_is_read_and_the_others_are_named(db, tmp_path):
    path = village_book(tmp_path / "村.xlsx")
    report = run_import(db, "volunteers", path, ImportOptions(skip_invalid=True))
    assert [(i.name, i.header_row, i.rows_read) for i in report.sheets] == [
        ("新华村", 1, 2), ("红旗村", 2, 11)]
    assert report.passed_over == ["说明", "空表"]
    assert [w.sheet for w in report.warnings if w.row == 0] == ["说明", "空表"]
    assert report.imported == 12 and len(people(db)) == 12
    assert [(e.sheet, e.row) for e in report.errors] == [("红旗村", 13)]
    peeked = importer.peek(path, "volunteers")
    assert [(i.name, i.rows_read) for i in peeked.sheets] == [("新华村", 2), ("红旗村", 11)]


def test_cli_names_the_sheet_and_lists_the_sheets_in_json(db, tmp_path):
    path = village_book(tmp_path / "村.xlsx")
    proc = cli("import", "volunteers", path, "--db", db.path, "--dry-run")
    assert proc.returncode == 1 and "红旗村 第13行" in proc.stdout, proc.stdout
    out = json.loads(cli("import", "volunteers", path, "--db", db.path, "--dry-run",
                         "--json").stdout)
    assert out["sheets"] == [{"name": "新华村", "header_row": 1, "rows_read": 2},
                             {"name": "红旗村", "header_row": 2, "rows_read": 11}]
    assert out["passed_over"] == ["说明", "空表"]
    assert out["errors"] == [{"row": 13, "column": "五老类别", "sheet": "红旗村",
                              "message": out["errors"][0]["message"]}]
    one = json.loads(cli("import", "volunteers", path, "--db", db.path, "--json",
                         "--sheet", "新华村").stdout)
    assert one["written"] and one["imported"] == 2 and [s["name"] for s in one["sheets"]] == ["新华村"]
    missing = cli("import", "volunteers", path, "--db", db.path, "--sheet", "胜利村")
    assert missing.returncode == 2 and "新华村" in missing.stderr


# -- 4. rows that are not records -------------------------------------------------------------
def test_section_headings_are_skipped_not_errors(db, tmp_path):
    rows = [["序号", "姓名", "五老类别", "身份证号"],
            ["一、村级关工小组"], [1, "王德", "老干部", None],
            [None, "以下为2025年新增人员"], [2, "李明", "老教师", None],
            ["（二）红旗村", None, None, None], [3, "张三", "老战士", None]]
    path = book(tmp_path / "s.xlsx", {"S": (rows, ["A6:D6"], [])})
    report = run_import(db, "volunteers", path)
    assert not report.errors and report.written and report.imported == 3
    assert report.skipped == 3 and report.rows_read == 3


def test_a_statistics_block_under_the_roster_is_not_read_as_people(db, tmp_path):
    rows = [["姓名", "五老类别"], ["王德", "老干部"], ["李明", "老教师"], [], [],
            ["五老队伍统计"], ["类别", "人数"], ["老干部", 1], ["老教师", 1]]
    path = book(tmp_path / "t.xlsx", {"S": (rows, [], [])})
    report = run_import(db, "volunteers", path)
    assert report.imported == 2 and not report.errors
    stops = [w for w in report.warnings if "没有读入" in w.message]
    assert len(stops) == 1 and stops[0].row == 6


def test_rows_after_a_gap_without_a_title_are_still_read(db, tmp_path):
    rows = [["姓名", "五老类别"], ["王德", "老干部"], [], [], ["李明", "老教师"]]
    report = run_import(db, "volunteers", book(tmp_path / "g.xlsx", {"S": (rows, [], [])}))
    assert report.imported == 2 and not [w for w in report.warnings if "没有读入" in w.message]


def test_hidden_rows_are_imported_with_a_warning(db, tmp_path):
    rows = [["姓名", "五老类别"], ["王德", "老干部"], ["李明", "老教师"]]
    report = run_import(db, "volunteers", book(tmp_path / "h.xlsx", {"S": (rows, [], [3])}))
    assert report.imported == 2
    assert [w.row for w in report.warnings if "隐藏" in w.message] == [3]


# -- 6. format from content -------------------------------------------------------------------
HTML_TABLE = ("<html><head><meta charset='{enc}'></head><body><table>"
              "<tr><th>姓名</th><th>五老类别</th><th>所在关工小组</th></tr>"
              "<tr><td>王德</td><td>老干部</td><td rowspan='2'>红旗村关工小组</td></tr>"
              "<tr><td>李明</td><td>老教师</td></tr>"
              "<tr><td colspan='3'>以下为新增</td></tr>"
              "<tr><td>张三</td><td>老战士</td><td></td></tr></table></body></html>")


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
def test_an_xls_that_is_really_an_html_table(db, tmp_path, encoding):
    add_groups(db, "红旗村关工小组")
    path = tmp_path / "导出.xls"
    path.write_bytes(HTML_TABLE.format(enc=encoding).encode(encoding))
    report = run_import(db, "volunteers", path)
    assert report.imported == 3 and report.skipped == 1, (report.errors, report.header)
    assert people(db)["李明"][0] == "红旗村关工小组"


def test_unicode_text_and_misnamed_xlsx(db, tmp_path):
    text = tmp_path / "unicode.xls"
    text.write_bytes("姓名\t五老类别\r\n王德\t老干部\r\n".encode("utf-16"))
    assert run_import(db, "volunteers", text).imported == 1
    real = book(tmp_path / "a.xlsx", {"S": ([["姓名", "五老类别"], ["李明", "老教师"]], [], [])})
    named = tmp_path / "名单.xls"
    named.write_bytes(real.read_bytes())
    assert run_import(db, "volunteers", named).imported == 1


def test_files_that_are_something_else_say_what_they_seem_to_be(db, tmp_path):
    docx = tmp_path / "名单.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    cases = {"a.xls": b"%PDF-1.4 ...", "b.xlsx": docx.read_bytes(), "c.xls": b"Rar!\x1a\x07\x00",
             "d.xlsx": b"7z\xbc\xaf\x27\x1c\x00\x04", "e.xls": b"\x89PNG\r\n\x1a\n\x00\x00",
             "f.xls": b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:'
                      b'office:spreadsheet"><Worksheet><Table><Row/></Table></Worksheet></Workbook>'}
    words = {"a.xls": "PDF", "b.xlsx": "Word", "c.xls": "RAR", "d.xlsx": "7z", "e.xls": "图片",
             "f.xls": "XML 表格"}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(FileProblem) as err:
            run_import(db, "volunteers", path)
        assert words[name] in str(err.value) and "另存为" in str(err.value)
        assert "损坏" not in str(err.value)


def test_an_entity_bomb_is_a_plain_sentence(db, tmp_path):
    path = book(tmp_path / "a.xlsx", {"S": ([["姓名", "五老类别"], ["王德", "老干部"]], [], [])})
    bomb = tmp_path / "bomb.xlsx"
    evil = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
            '</sheetData></worksheet>')
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = evil.encode()
            dst.writestr(item, data)
    with pytest.raises(FileProblem) as err:
        run_import(db, "volunteers", bomb)
    assert "格式不正确" in str(err.value) and "损坏" not in str(err.value)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    proc = cli("import", "volunteers", broken, "--db", db.path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.strip()


# -- 7. bounded -------------------------------------------------------------------------------
def test_a_zip_bomb_is_refused_within_seconds(db, tmp_path):
    path = book(tmp_path / "a.xlsx", {"S": ([["姓名", "五老类别"], ["王德", "老干部"]], [], [])})
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, _, tail = data.partition(b"</sheetData>")
                dst.writestr(item.filename, b"".join([head, b" " * (300 * 1024 * 1024),
                                                      b"</sheetData>", tail]),
                             zipfile.ZIP_DEFLATED)
            else:
                dst.writestr(item, data)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    start = time.monotonic()
    proc = cli("import", "volunteers", bomb, "--db", db.path)
    assert proc.returncode == 2 and "异常庞大" in proc.stderr
    assert time.monotonic() - start < 20


def test_a_cell_in_column_xfd_costs_nothing(db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "五老类别"])
    for i in range(2000):
        ws.append([f"人{i}", "老干部"])
        ws.cell(row=ws.max_row, column=16384, value="x")
    wb.save(tmp_path / "wide.xlsx")
    start = time.monotonic()
    report = run_import(db, "volunteers", tmp_path / "wide.xlsx", ImportOptions(dry_run=True))
    assert report.rows_read == 2000 and time.monotonic() - start < 20


# -- 5. cell forms from the wild --------------------------------------------------------------
def test_cell_forms_clerks_produce(db, tmp_path):
    from models import idcard
    from tests.sheets import D

    new = vid(1950, 1, 2, 103)
    old = new[:6] + new[8:17]  # the same person's first-generation number
    rows = [["姓名", "五老类别", "身份证号", "联系电话", "出生年月", "加入时间", "备注"],
            ["王德（骨干）", "老干部", "'" + vid(1949, 12, 31, 101), "'13912345678", None,
             "'2025.05.20", "原村支书"],
            ["朱学军(退休教师)", "老教师", vid(1955, 3, 12, 102) + ".0", None, None, "45809", None],
            ["张三", "老战士", old, None, None, "2025-06-01 09:30", None]]
    path = book(tmp_path / "c.xlsx", {"S": (rows, [], [])})
    report = run_import(db, "volunteers", path)
    assert report.written and not report.errors, report.errors
    got = {n: v for n, (_g, v) in people(db).items()}
    assert set(got) == {"王德", "朱学军", "张三"}
    assert got["王德"].note == "原村支书；骨干" and got["朱学军"].note == "退休教师"
    assert got["王德"].id_number == vid(1949, 12, 31, 101) and got["王德"].phone == "13912345678"
    assert got["王德"].joined_on == D(2025, 5, 20)
    assert got["朱学军"].id_number == vid(1955, 3, 12, 102)
    assert got["朱学军"].joined_on == D(2025, 6, 1)
    assert got["张三"].joined_on == D(2025, 6, 1)
    assert got["张三"].id_number == new and idcard.problem(new) is None
    warned = {(w.row, w.column) for w in report.warnings if "15位" in w.message or "备注" in w.message}
    assert warned == {(2, "姓名"), (3, "姓名"), (4, "身份证号")}


# -- 3. the wizard ----------------------------------------------------------------------------
def test_wizard_lists_the_data_sheets_and_imports_all_of_them(db, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.import_wizard import ImportWizard

    said = []
    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda _p, title, text, *a, **k: said.append(
            (title, text)) or QMessageBox.StandardButton.Ok)
    path = village_book(tmp_path / "村.xlsx")
    wizard = ImportWizard(AppContext(db), None)
    qtbot.addWidget(wizard)
    wizard.file.setText(str(path))
    wizard.go_next()
    assert wizard.steps.currentIndex() == 1
    assert "“新华村”（2 行）" in wizard.sheets_info.text()
    assert "“红旗村”（11 行）" in wizard.sheets_info.text() and "说明" in wizard.sheets_info.text()
    wizard.go_next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    assert wizard.report.rows_read == 13
    # 五老类别 “不知道” is asked about first (no guess: the pick list stays unanswered)
    assert wizard.steps.currentIndex() == 2 and len(wizard.question_boxes) == 1
    wizard.report = None
    wizard.go_next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    wizard.skip_invalid.setChecked(True)
    wizard.go_next()
    qtbot.waitUntil(lambda: len(people(db)) == 12, timeout=10000)


def test_wizard_shows_a_file_problem_on_next(db, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.import_wizard import ImportWizard

    shown = []
    monkeypatch.setattr("gui.import_wizard.show_error", lambda _w, err: shown.append(str(err)))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    bad = tmp_path / "x.xls"
    bad.write_bytes(b"%PDF-1.4")
    wizard = ImportWizard(AppContext(db), None)
    qtbot.addWidget(wizard)
    wizard.file.setText(str(bad))
    wizard.go_next()
    assert wizard.steps.currentIndex() == 0 and "PDF" in shown[0]


def test_a_lone_long_text_outside_the_name_column_is_skipped_with_a_warning(db, tmp_path):
    rows = [["姓名", "五老类别", "原工作单位及职务"], ["王德", "老干部", None],
            [None, None, "原镇中心小学教师"], ["李明", None, None]]
    report = run_import(db, "volunteers", book(tmp_path / "l.xlsx", {"S": (rows, [], [])}),
                        ImportOptions(skip_invalid=True))
    assert report.skipped == 1 and report.imported == 1
    assert [w.row for w in report.warnings if "小标题" in w.message] == [3]
    assert [e.row for e in report.errors] == [4]  # a name alone is a record (no category)


def test_a_header_merged_across_columns_is_one_column_without_a_warning(db, tmp_path):
    rows = [["姓名", None, "五老类别"], ["王德", None, "老干部"]]
    report = run_import(db, "volunteers", book(tmp_path / "w.xlsx", {"S": (rows, ["A1:B1"], [])}))
    assert report.imported == 1 and report.mapping == {0: "name", 2: "category"}
    assert not [w for w in report.warnings if w.row == 1]


def test_more_than_the_row_limit_is_refused_with_a_sentence(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    rows = [["姓名", "五老类别"]] + [[f"人{i}", "老干部"] for i in range(5)]
    with pytest.raises(FileProblem, match="超过 3 行"):
        run_import(db, "volunteers", book(tmp_path / "r.xlsx", {"S": (rows, [], [])}))
    with db.reader() as s:
        assert not s.scalars(select(Volunteer)).all()


def test_a_title_over_a_repeated_header_after_a_gap_is_a_section(db, tmp_path):
    head = ["序号", "姓名", "五老类别"]
    rows = [["（一）新华村"], head, [1, "王德", "老干部"], [], [],
            ["（二）红旗村"], head, [1, "李明", "老教师"], [], [], ["合计", "2人"]]
    report = run_import(db, "volunteers", book(tmp_path / "v.xlsx", {"S": (rows, [], [])}))
    assert report.imported == 2 and not report.errors
    assert not [w for w in report.warnings if "没有读入" in w.message]
