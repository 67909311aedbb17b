"""The .xlsx/.ods reader (python-calamine, issue 25): .ods imports like .xlsx (contract §2),
row numbers as Excel shows them, and the bounded pass that gives merges and hidden rows."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from exports import readers
from exports.importer import ImportOptions, run_import
from models import groups
from models.entities import Group, Volunteer
from models.errors import FileProblem
from tests.sheets import D, ods, vid

ROWS = [["姓名", "五老类别", "身份证号", "所在关工小组", "加入时间"],
        ["王德", "老干部", vid(1950, 1, 2, 101), "红旗村关工小组", D(2020, 5, 1)],
        ["李明", "老教师", vid(1951, 3, 4, 103), None, "2021.06"],
        ["张三", "老战士", vid(1949, 7, 8, 105), None, None],
        ["赵四", "老模范", "", "新华村关工小组", None]]


def _book(path, rows, merges=(), hidden=(), first_cell="A1"):
    wb = openpyxl.Workbook()
    ws = wb.active
    r0, c0 = readers.parse_range(first_cell)[:2]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=r0 + i, column=c0 + j, value=value)
    for ref in merges:
        ws.merge_cells(ref)
    for r in hidden:
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    return path


def _rewrite(path, old, new):
    """The .ods with ``old`` replaced by ``new`` (once) in its content.xml."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["content.xml"] = parts["content.xml"].replace(old, new, 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else
                       zipfile.ZIP_DEFLATED)
    return path


def _people(db):
    with db.reader() as s:
        names = dict(s.execute(select(Group.id, Group.name)).all())
        return {v.name: (names.get(v.group_id), v.category, v.id_number, v.joined_on)
                for v in s.scalars(select(Volunteer))}


@pytest.fixture
def town(db):
    with db.session() as s:
        for name in ("红旗村关工小组", "新华村关工小组"):
            groups.create(s, groups.GroupInput(name))
    return db


def test_an_ods_imports_exactly_like_the_same_xlsx(town, tmp_path, tmp_path_factory):
    from models.db import Database

    merges, hidden = ["D2:D4"], [3]
    x = _book(tmp_path / "r.xlsx", ROWS, merges, hidden)
    o = ods(tmp_path / "r.ods", {"五老": (ROWS, merges, hidden)})
    reports, got = [], []
    for path in (x, o):
        other = Database.open(tmp_path_factory.mktemp("db") / "t.sqlite")
        with other.session() as s:
            for name in ("红旗村关工小组", "新华村关工小组"):
                groups.create(s, groups.GroupInput(name))
        reports.append(run_import(other, "volunteers", path))
        got.append(_people(other))
        other.close()
    assert got[0] == got[1]
    assert got[1]["张三"][0] == "红旗村关工小组" and got[1]["赵四"][0] == "新华村关工小组"
    assert got[1]["王德"][3] == D(2020, 5, 1) and got[1]["李明"][3] == D(2021, 6, 1)
    for report in reports:
        assert report.imported == 4 and not report.errors
        assert [w.row for w in report.warnings if "隐藏" in w.message] == [3]


def test_an_ods_is_known_by_its_content_not_its_name(town, tmp_path):
    path = ods(tmp_path / "名单.xlsx", {"S": (ROWS[:2], [], [])})
    assert readers.sniff(path, path.read_bytes()[:4096]) == "ods"
    assert run_import(town, "volunteers", path).imported == 1


def test_an_odf_text_document_says_what_it_seems_to_be(db, tmp_path):
    path = tmp_path / "a.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(FileProblem) as err:
        run_import(db, "volunteers", path)
    assert "ODF" in str(err.value) and "损坏" not in str(err.value)


def test_an_id_stored_as_a_number_in_an_ods_is_an_error_not_a_guess(db, tmp_path):
    rows = [["姓名", "五老类别", "身份证号"], ["王德", "老干部", 230221195001021012]]
    report = run_import(db, "volunteers", ods(tmp_path / "n.ods", {"S": (rows, [], [])}),
                        ImportOptions(dry_run=True))
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]


def test_rows_keep_excel_numbers_when_the_sheet_starts_lower_right(db, tmp_path):
    path = _book(tmp_path / "c3.xlsx", [["姓名", "五老类别"], ["王德", "老干部"], ["李明", "老"]],
                 first_cell="C3")
    sheet = next(readers.open_sheets(path))
    assert list(sheet.rows) == [(1, []), (2, []), (3, [None, None, "姓名", "五老类别"]),
                                (4, [None, None, "王德", "老干部"]), (5, [None, None, "李明", "老"])]
    report = run_import(db, "volunteers", path, ImportOptions(dry_run=True))
    assert report.header_row == 3 and [e.row for e in report.errors] == [5]
    rows = [[None], [None, None], [None, "姓名", "五老类别"], [None, "王德", "老干部"],
            [None, "李明", None]]
    sheet = next(readers.open_sheets(ods(tmp_path / "b2.ods", {"S": (rows, ["C4:C5"], [5])})))
    assert list(sheet.rows) == [(1, []), (2, []), (3, [None, "姓名", "五老类别"]),
                                (4, [None, "王德", "老干部"]), (5, [None, "李明", "老干部"])]
    assert sheet.hidden == {5}


def test_a_sheet_too_big_for_the_grid_is_streamed_and_an_ods_one_refused(db, tmp_path):
    layout = readers.Layout(rows=3, cols=readers.MAX_COLS + 1)
    assert layout.too_big() and not readers.Layout(rows=20_000, cols=40).too_big()
    wide = tmp_path / "wide.ods"
    rows = [["姓名", "五老类别"], ["王德", "老干部"]]
    _rewrite(ods(wide, {"S": (rows, [], [])}), b"</table:table-row>",
             b'<table:table-cell table:number-columns-repeated="20000"/><table:table-cell '
             b'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
    with pytest.raises(FileProblem) as err:
        run_import(db, "volunteers", wide)
    assert "太宽" in str(err.value)


def test_an_ods_with_a_dtd_is_a_plain_sentence(db, tmp_path):
    path = _rewrite(ods(tmp_path / "e.ods", {"S": ([["姓名", "五老类别"], ["王德", "老干部"]], [],
                                                 [])}), b"?>", b'?><!DOCTYPE x [<!ENTITY lol "lol">]>')
    with pytest.raises(FileProblem) as err:
        run_import(db, "volunteers", path)
    assert "格式不正确" in str(err.value)


def test_the_core_insert_keeps_order_and_rows_with_other_columns(db):
    from exports.kinds import core_insert

    rows = [{"name": "甲村", "name_initials": "jc"}, {"name": "乙村", "name_initials": "yc"},
            {"name": "丙村", "name_initials": "bc", "leader": "王德"},
            {"name": "丁村", "name_initials": "dc"}]
    with db.session() as s:
        core_insert(s, Group, rows)
    with db.reader() as s:
        got = [(g.name, g.leader, g.created_at is not None, bool(g.uuid))
               for g in s.scalars(select(Group).order_by(Group.id))]
    assert got == [("甲村", "", True, True), ("乙村", "", True, True), ("丙村", "王德", True, True),
                   ("丁村", "", True, True)]
