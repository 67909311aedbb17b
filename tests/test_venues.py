"""阵地 (domain.md §8) end to end: the service and its rules, the 回收站, the year's figures, the
import, the `venues` form read back, the package and the county's roll-up, the window's page
and dialog."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from exports import importer, service
from exports import rollup as taking
from models import groups, records, rollup, stats, venues
from models.db import Database
from models.entities import Group, Venue
from models.errors import ValidationError
from models.venues import VenueInput
from tests.helpers import cli, cli_json

YEAR = 2025
HEADERS = ["序号", "阵地名称", "类型", "所属关工小组", "地址", "建立时间", "本年经费(元)", "备注"]


def _group(db: Database, name: str = "红旗村关工小组") -> int:
    with db.session() as s:
        g, _ = groups.create(s, groups.GroupInput(name=name, type="村"))
        return g.id


def _venue(db: Database, **kw) -> int:
    with db.session() as s:
        v, changes = venues.create(s, VenueInput(**{"name": "红旗村四点半学校", "type": "四点半学校",
                                                    **kw}))
        assert changes.venues and not changes.groups
        return v.id


def _figures(db: Database, year: int = YEAR) -> dict:
    with db.reader() as s:
        return stats.year_figures(s, year)


# -- the service and its rules --------------------------------------------------------------

def test_a_venue_is_stored_with_its_funds_in_fen_for_its_year(db):
    gid = _group(db)
    vid = _venue(db, group_id=gid, address=" 红旗村村委会 ", opened_on=dt.date(2019, 3, 1),
                 funds_yuan="12345.67", funds_year=YEAR)
    with db.reader() as s:
        v = s.get(Venue, vid)
        assert (v.name, v.type, v.group_id, v.address) == ("红旗村四点半学校", "四点半学校", gid,
                                                           "红旗村村委会")
        assert (v.funds_fen, v.funds_year, v.opened_on) == (1234567, YEAR, dt.date(2019, 3, 1))
        assert v.uuid and v.name_initials
        again = venues.to_input(v)
    assert again.funds_yuan == "12345.67" and again.funds_year == YEAR
    with db.session() as s:  # no 经费: no year either; a 经费 without a year is this year's
        venues.update(s, vid, VenueInput("红旗村四点半学校", "四点半学校", funds_yuan="",
                                         funds_year=YEAR))
        assert (s.get(Venue, vid).funds_fen, s.get(Venue, vid).funds_year) == (0, None)
        venues.update(s, vid, VenueInput("红旗村四点半学校", "四点半学校", funds_yuan="800"))
        assert s.get(Venue, vid).funds_year == dt.date.today().year


@pytest.mark.parametrize(("data", "field", "says"), [
    (VenueInput("  "), "阵地名称", "阵地名称不能为空"),
    (VenueInput("站", type="菜市场"), "类型", "不是可选的类型"),
    (VenueInput("站", funds_yuan="很多"), "本年经费(元)", ""),
    (VenueInput("站", funds_yuan="-5"), "本年经费(元)", "金额不能是负数"),
    (VenueInput("站", funds_yuan="100", funds_year=1800), "经费年度", "1949 年到 2100 年"),
    (VenueInput("站", opened_on=dt.date(1850, 1, 1)), "建立时间", "不合理"),
    (VenueInput("站" * 101), "阵地名称", "最多 100 个字"),
])
def test_what_may_not_be_stored_is_named_by_the_dialogs_field(db, data, field, says):
    with pytest.raises(ValidationError) as err, db.session() as s:
        venues.create(s, data)
    assert err.value.field == field and says in err.value.reason
    with db.reader() as s:
        assert s.scalar(select(Venue.id)) is None


def test_a_deleted_group_cannot_be_chosen(db):
    gid = _group(db)
    with db.session() as s:
        records.delete(s, "groups", gid)
    with pytest.raises(ValidationError) as err, db.session() as s:
        venues.create(s, VenueInput("站", group_id=gid))
    assert err.value.field == "所属关工小组"


def test_trash_deletes_restores_and_purging_the_group_keeps_the_venue(db):
    gid = _group(db)
    vid = _venue(db, group_id=gid)
    with db.session() as s:
        changes = records.delete(s, "venues", vid)
        assert changes.venues and changes.trash
    with db.reader() as s:
        assert [(t.subject, t.label) for t in records.trash(s)] == [("venues", "红旗村四点半学校")]
        assert records.in_trash(s, "venues", vid)
    with db.session() as s:
        records.restore(s, "venues", vid)
        records.delete(s, "groups", gid)
        records.purge(s, "groups", gid)  # the venue stays, without its group
    with db.reader() as s:
        v = s.get(Venue, vid)
        assert v.deleted_at is None and v.group_id is None
    with db.session() as s:
        records.delete(s, "venues", vid)
        records.purge(s, "venues", vid)
    with db.reader() as s:
        assert s.get(Venue, vid) is None


def test_an_accepted_year_locks_its_venues_and_their_funds(db):
    from models.entities import ChainYear
    from models.yearlock import YearLocked

    vid = _venue(db, opened_on=dt.date(2020, 1, 1), funds_yuan="100", funds_year=YEAR)
    later = _venue(db, name="新站", opened_on=dt.date(YEAR + 1, 3, 1))
    with db.session() as s:
        s.add(ChainYear(year=YEAR, locked=True))

    def change(rid: int, **kw) -> None:
        with db.session() as s:
            data = venues.to_input(s.get(Venue, rid))
            for key, value in kw.items():
                setattr(data, key, value)
            venues.update(s, rid, data)

    for kw in ({"type": "假日学校"}, {"funds_yuan": "200"}, {"funds_year": YEAR + 1},
               {"opened_on": dt.date(YEAR + 1, 1, 1)}):
        with pytest.raises(YearLocked):
            change(vid, **kw)
    with pytest.raises(YearLocked), db.session() as s:
        records.delete(s, "venues", vid)
    with pytest.raises(YearLocked), db.session() as s:
        venues.create(s, VenueInput("旧站", opened_on=dt.date(2019, 1, 1)))
    change(vid, address="红旗村新址", note="搬了")  # what today looks like stays editable
    change(later, type="假日学校", funds_yuan="300", funds_year=YEAR + 1)  # after the year
    assert _figures(db)["venues"]["funds_yuan"] == 100.0


# -- the year's figures ---------------------------------------------------------------------

def test_figures_count_venues_open_at_the_end_of_the_year_and_its_funds(db):
    _venue(db, name="甲", type="校外辅导站", opened_on=dt.date(2020, 1, 1), funds_yuan="100.10",
           funds_year=YEAR)
    _venue(db, name="乙", type="校外辅导站", funds_yuan="50", funds_year=YEAR - 1)
    _venue(db, name="丙", type="假日学校", opened_on=dt.date(YEAR + 1, 2, 1), funds_yuan="999",
           funds_year=YEAR)  # opened after the year: not counted, nor its 经费
    gone = _venue(db, name="丁", type="假日学校", funds_yuan="7", funds_year=YEAR)
    with db.session() as s:
        records.delete(s, "venues", gone)
    assert _figures(db)["venues"] == {"total": 2, "by_type": {"校外辅导站": 2},
                                      "funds_yuan": 100.1}
    assert _figures(db, YEAR - 1)["venues"]["funds_yuan"] == 50.0
    assert _figures(db, YEAR + 1)["venues"] == {
        "total": 3, "by_type": {"校外辅导站": 2, "假日学校": 1}, "funds_yuan": 0.0}
    out = cli_json("stats", "--db", db.path, "--year", str(YEAR), "--json")
    assert out["venues"]["total"] == 2 and out["venues"]["funds_yuan"] == 100.1


# -- the import -----------------------------------------------------------------------------

def _book(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{YEAR}年关工阵地统计表"])
    ws.append(["序号", "名称", "阵地类型", "所在关工小组", "详细地址", "建立日期", "经费（元）", "经费年度",
               "备注"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_reads_the_header_synonyms_and_refuses_what_it_cannot_read(db, tmp_path):
    _group(db, "东风村关工小组")
    bad = _book(tmp_path / "bad.xlsx", [
        [1, "东风村 四点半学校", "四点半课堂", "东风村关工小组", "东风村", "2019.3.1", "1.2万元", YEAR, ""],
        [2, "新站", "菜市场", "", "", "", "abc", None, ""],
        [3, "东风村四点半学校", "假日学校", "", "", "", "", None, ""],
    ])
    report = importer.run_import(db, "venues", bad)
    assert not report.written
    said = {(e.row, e.column) for e in report.errors}
    assert {(4, "阵地类型"), (4, "经费（元）"), (5, "名称")} <= said
    with db.reader() as s:
        assert s.scalar(select(Venue.id)) is None  # all or nothing
    good = _book(tmp_path / "good.xlsx", [
        [1, "东风村 四点半学校", "四点半课堂", "东风村关工小组", "东风村", "2019.3.1", "1.2万元", YEAR, ""],
        [2, "留守儿童之家", "留守之家", "东风村", "", "2020年5月", "", None, "新建"],
    ])
    report = importer.run_import(db, "venues", good)
    assert report.written and report.imported == 2, report.errors
    with db.reader() as s:
        rows = {v.name: v for v in s.scalars(select(Venue))}
        gid = s.scalar(select(Group.id).where(Group.name == "东风村关工小组"))
    first = rows["东风村四点半学校"]
    assert (first.type, first.group_id, first.funds_fen, first.funds_year) == (
        "四点半学校", gid, 1_200_000, YEAR)
    assert first.opened_on == dt.date(2019, 3, 1)
    home = rows["留守儿童之家"]
    assert (home.type, home.group_id, home.funds_fen, home.funds_year) == (
        "留守儿童之家", gid, 0, None)
    # the same names again: refused without --update, updated with it
    assert not importer.run_import(db, "venues", good).written
    again = importer.run_import(db, "venues", good, importer.ImportOptions(update=True))
    assert again.written and again.updated == 2 and again.imported == 0


# -- the form, read back -------------------------------------------------------------------

def test_the_venues_form_reads_back_as_xlsx_and_pdf(db, tmp_path):
    gid = _group(db)
    _venue(db, name="红旗村校外辅导站", type="校外辅导站", group_id=gid, address="红旗村",
           opened_on=dt.date(2018, 6, 1), funds_yuan="1500.5", funds_year=YEAR, note="村部二楼")
    _venue(db, name="中心校假日学校", type="假日学校", funds_yuan="300", funds_year=YEAR - 1)
    x = service.export_form(db, "venues", "xlsx", tmp_path / "v.xlsx", year=YEAR)
    ws = openpyxl.load_workbook(x).worksheets[0]
    assert "关工阵地情况表" in ws["A1"].value and f"{YEAR}年度" in ws["A1"].value
    assert [c.value for c in ws[3]][:8] == HEADERS
    rows = [r[:8] for r in ws.iter_rows(min_row=4, max_row=6, values_only=True)]
    assert rows[0][:5] == (1, "红旗村校外辅导站", "校外辅导站", "红旗村关工小组", "红旗村")
    assert rows[0][5].date() == dt.date(2018, 6, 1) and rows[0][6] == 1500.5
    assert rows[0][7] == "村部二楼"
    assert rows[1][1] == "中心校假日学校" and rows[1][6] is None  # last year's 经费 is not this year's
    assert rows[2][0] == "合计" and rows[2][6] == 1500.5
    p = service.export_form(db, "venues", "pdf", tmp_path / "v.pdf", year=YEAR)
    text = "".join(page.extract_text() for page in PdfReader(p).pages)
    for word in ("关工阵地情况表", "阵地名称", "所属关工小组", "本年经费", "红旗村校外辅导站", "1,500.50"):
        assert word in text.replace(" ", ""), word
    annual = service.export_form(db, "annual-stats", "xlsx", tmp_path / "a.xlsx", year=YEAR)
    cells = [c.value for row in openpyxl.load_workbook(annual).worksheets[0].iter_rows()
             for c in row]
    assert "阵地" in cells and "关工阵地" in cells and "1,500.50" in cells


# -- package and roll-up --------------------------------------------------------------------

def _town(root: Path, code: str, name: str, rows: list[tuple[str, str, str]]) -> tuple[Database, Path]:
    db = Database.open(root / f"{code}.sqlite")
    with db.session() as s:
        from models import settings
        settings.save_committee(s, settings.Committee(name, "示范县"))
        settings.save_unit(s, code, "乡镇")
        for vname, vtype, funds in rows:
            venues.create(s, VenueInput(vname, vtype, opened_on=dt.date(2020, 1, 1),
                                        funds_yuan=funds, funds_year=YEAR))
    return db, service.build_package(db, YEAR, root / code)


def test_the_county_takes_the_venues_and_adds_them_up(tmp_path):
    a, pa = _town(tmp_path, "130102001", "东山镇关工委",
                  [("东山校外辅导站", "校外辅导站", "100.10"), ("东山之家", "留守儿童之家", "0.2")])
    b, pb = _town(tmp_path, "130102002", "西河乡关工委", [("西河之家", "留守儿童之家", "50")])
    a.close()
    b.close()
    with zipfile.ZipFile(pa) as zf:
        data = json.loads(zf.read("data.json"))
        figures = json.loads(zf.read("stats.json"))
    assert [v["name"] for v in data["venues"]] == ["东山校外辅导站", "东山之家"]
    assert all(v["uuid"] and v["funds_year"] == YEAR for v in data["venues"])
    assert figures["venues"] == {"total": 2, "by_type": {"校外辅导站": 1, "留守儿童之家": 1},
                                 "funds_yuan": 100.3}
    county = tmp_path / "county.sqlite"
    result = cli_json("rollup", pa, pb, "--db", county, "--json")
    assert [t["status"] for t in result["taken"]] == ["new", "new"], result
    total = cli_json("stats", "--db", county, "--year", str(YEAR), "--json")["venues"]
    assert total == {"total": 3, "by_type": {"留守儿童之家": 2, "校外辅导站": 1}, "funds_yuan": 150.3}
    assert Decimal(str(total["funds_yuan"])) == Decimal("100.10") + Decimal("0.2") + Decimal("50")


def test_a_package_whose_venues_do_not_add_up_is_refused(tmp_path):
    a, pa = _town(tmp_path, "130102001", "东山镇关工委", [("东山之家", "留守儿童之家", "100")])
    a.close()
    with zipfile.ZipFile(pa) as zf:
        figures = json.loads(zf.read("stats.json"))
    figures["venues"]["funds_yuan"] = 1000.0
    with pytest.raises(taking.Refused):  # the signed manifest no longer matches: refused whole
        _rewrite(pa, tmp_path / "x.zip", "stats.json", figures)
        taking.read_package(tmp_path / "x.zip")
    # what the receiver recomputes from the records, and compares (the check behind the refusal)
    with zipfile.ZipFile(pa) as zf:
        data = json.loads(zf.read("data.json"))
    assert rollup.figures_differ(figures, rollup.figures_from_records(data, YEAR)) == \
        "venues.funds_yuan"


def _rewrite(src: Path, dst: Path, name: str, value: dict) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            zout.writestr(info.filename, json.dumps(value, ensure_ascii=False).encode()
                          if info.filename == name else body)


def test_figures_of_an_older_program_without_venues_still_add_up(tmp_path):
    """A package made before 阵地 existed carries no venues section and no venues list."""
    a, pa = _town(tmp_path, "130102001", "东山镇关工委", [("东山之家", "留守儿童之家", "100")])
    with a.reader() as s:
        own = stats.own_figures(s, YEAR)
    a.close()
    old = {k: v for k, v in own.items() if k != "venues"}
    checked = taking._check_figures(pa, old, YEAR)
    assert "venues" not in checked
    total = rollup.add_figures([own, old], YEAR)
    assert total["venues"] == own["venues"] and total["groups"]["total"] == 0
    with zipfile.ZipFile(pa) as zf:
        data = json.loads(zf.read("data.json"))
    data.pop("venues")
    assert "venues" not in rollup.figures_from_records(data, YEAR)


# -- the upgrade ----------------------------------------------------------------------------

def test_a_schema_7_file_gains_an_empty_venues_table_watched_by_the_first_screen(tmp_path):
    path = tmp_path / "v7.sqlite"
    shutil.copy(Path(__file__).parent / "data" / "schema_v7.sqlite", path)
    db = Database.open(path)
    try:
        assert db.schema_version() == 8
        with db.reader() as s:
            assert s.scalar(select(Venue.id)) is None
        vid = _venue(db, funds_yuan="10", funds_year=YEAR)
        with db.reader() as s:
            assert s.get(Venue, vid).uuid
    finally:
        db.close()
    con = sqlite3.connect(path)
    try:
        con.execute("UPDATE first_screen SET fresh = 1")
        con.commit()
        con.execute("UPDATE venues SET note = '改' WHERE id = ?", (vid,))
        con.commit()
        assert con.execute("SELECT fresh FROM first_screen").fetchone()[0] == 0
    finally:
        con.close()
    assert cli("check", "--db", path).returncode == 0


# -- the window -----------------------------------------------------------------------------

def test_the_page_adds_edits_lists_and_deletes_a_venue(qtbot, db, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.dialogs.records import VenueDialog
    from gui.main_window import MainWindow

    gid = _group(db)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    page = window.page("关工阵地")
    assert page.model.rowCount() == 0
    opened: list[VenueDialog] = []

    def fill(dialog: VenueDialog) -> int:
        opened.append(dialog)
        if dialog.initial is None:
            dialog.name.setText("红旗村留守儿童之家")
            dialog.type.set_value("留守儿童之家")
            dialog.group.set_value(gid)
            dialog.address.setText("红旗村")
            dialog.funds.setText("很多")  # refused beside its field, nothing saved
            dialog.accept()
            shown = [e.text() for e in dialog.errors.values() if not e.isHidden()]
            assert dialog.result() != VenueDialog.DialogCode.Accepted and shown, shown
            dialog.funds.setText("2,000.5")
            dialog.funds_year.setValue(YEAR)
        else:
            assert dialog.name.text() == "红旗村留守儿童之家" and dialog.funds.text() == "2000.5"
            dialog.address.setText("红旗村村部")
        dialog.accept()
        assert dialog.result() == VenueDialog.DialogCode.Accepted
        return int(dialog.result())

    monkeypatch.setattr(VenueDialog, "exec", fill)
    page.add()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    with db.reader() as s:
        v = s.scalars(select(Venue)).one()
        assert (v.name, v.type, v.group_id, v.funds_fen, v.funds_year) == (
            "红旗村留守儿童之家", "留守儿童之家", gid, 200050, YEAR)
    assert [page.model.columns[i].header for i in range(3)] == ["阵地名称", "类型", "所属关工小组"]
    page.edit(v.id)
    qtbot.waitUntil(lambda: len(opened) == 2)
    with db.reader() as s:
        assert s.get(Venue, v.id).address == "红旗村村部"
    page.view.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_current()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    with db.reader() as s:
        assert records.in_trash(s, "venues", v.id)
    window.close()
