"""Every standard form exported both ways and read back; privacy; the upward package."""

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from exports import rollup, service
from exports.forms import FORMS
from exports.importer import ImportOptions, run_import
from models import demo, stats
from models.db import Database
from models.entities import AuditEntry, Volunteer
from models.errors import FileProblem
from tests.helpers import cli, cli_json

FULL_ID = re.compile(r"\d{17}[\dX]")
YEAR = 2025

#: forms printed as tables (the 志愿服务记录证明 is one page per person: tests/test_service_hours.py)
TABLE_FORMS = [f for f, form in FORMS.items() if not form.certificate]

@pytest.fixture(scope="module")
def town(tmp_path_factory):
    path = tmp_path_factory.mktemp("town") / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        demo.build(s, scale=1, seed=11, today=dt.date(2026, 11, 22))
    db.close()
    return path


@pytest.fixture
def town_db(town, tmp_path):
    path = tmp_path / "town.sqlite"
    shutil.copy(town, path)
    db = Database.open(path)
    yield db
    db.close()


def pdf_text(path):
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("form_id", TABLE_FORMS)
def test_every_form_exports_as_print_ready_xlsx(town_db, tmp_path, form_id):
    out = service.export_form(town_db, form_id, "xlsx", tmp_path / f"{form_id}.xlsx", year=YEAR)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    form = FORMS[form_id]
    assert form.title in ws["A1"].value and "青山镇关工委" in ws["A1"].value
    assert ws["A2"].value.startswith("填报单位：青山镇关工委（盖章）") and "填报日期：" in ws["A2"].value
    assert [c.value for c in ws[3]][: len(form.columns)] == [c.label for c in form.columns]
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == ("landscape" if form.landscape else "portrait")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(str(v).startswith("单位负责人：") for v in values)
    assert any("导出" in str(v) for v in values)
    assert ws.cell(row=4, column=1).border.left.style == "thin"


def _data_rows(ws, form):
    rows = []
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] in (None, "合计") or not isinstance(row[0], int):
            break
        rows.append(row[: len(form.columns)])
    return rows


def test_roster_cells_are_typed(town_db, tmp_path):
    out = service.export_form(town_db, "volunteers", "xlsx", tmp_path / "v.xlsx", full_id=True)
    ws = openpyxl.load_workbook(out).worksheets[0]
    form = FORMS["volunteers"]
    col = {c.key: i + 1 for i, c in enumerate(form.columns)}
    with_id = [r for r in range(4, 50) if ws.cell(r, col["id_number"]).value]
    cell = ws.cell(with_id[0], col["id_number"])
    assert cell.data_type == "s" and FULL_ID.fullmatch(cell.value)
    birth = ws.cell(4, col["birth_date"])
    assert isinstance(birth.value, dt.datetime) and birth.number_format == "yyyy.mm"
    joined = next(ws.cell(r, col["joined_on"]) for r in range(4, 50)
                  if ws.cell(r, col["joined_on"]).value)
    assert joined.number_format == "yyyy.mm.dd"
    out = service.export_form(town_db, "donations", "xlsx", tmp_path / "d.xlsx", year=YEAR)
    ws = openpyxl.load_workbook(out).worksheets[0]
    money = ws.cell(4, 5)
    assert isinstance(money.value, (int, float)) and money.number_format == "#,##0.00"


def test_default_exports_leak_no_full_id_number(town_db, tmp_path):
    for form_id in ("volunteers", "students"):
        x = service.export_form(town_db, form_id, "xlsx", tmp_path / f"{form_id}.xlsx")
        p = service.export_form(town_db, form_id, "pdf", tmp_path / f"{form_id}.pdf")
        cells = [str(c.value) for row in openpyxl.load_workbook(x).worksheets[0].iter_rows()
                 for c in row if c.value is not None]
        assert not [v for v in cells if FULL_ID.search(v)]
        assert any("********" in v for v in cells)
        assert not FULL_ID.search(pdf_text(p).replace(" ", ""))
        assert any(re.fullmatch(r"1\d\d\*\*\*\*\d{4}", v) for v in cells)


def test_full_id_export_is_written_to_the_audit_log(town_db, tmp_path):
    cli("export", "students", "--db", town_db.path, "--format", "xlsx", "--out",
        tmp_path / "s.xlsx", "--full-id", check=True)
    with town_db.reader() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())))
    assert actions[0] == "导出完整身份证号"


@pytest.mark.parametrize("form_id", TABLE_FORMS)
def test_every_form_exports_as_a4_pdf_with_embedded_font(town_db, tmp_path, form_id):
    out = service.export_form(town_db, form_id, "pdf", tmp_path / f"{form_id}.pdf", year=YEAR)
    reader = PdfReader(out)
    page = reader.pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert sorted((round(w), round(h))) == [595, 842]
    assert (w > h) == FORMS[form_id].landscape
    fonts = page["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    text = pdf_text(out)
    assert FORMS[form_id].title.replace("\u201c", "").replace("\u201d", "") in \
        text.replace("\u201c", "").replace("\u201d", "").replace("\n", "")
    assert f"第 1 页 共 {len(reader.pages)} 页" in text
    assert "单位负责人" in pdf_text(out).split("第 1 页")[-1] or "单位负责人" in text


def test_pdf_and_xlsx_hold_the_same_rows(town_db, tmp_path):
    x = service.export_form(town_db, "activities", "xlsx", tmp_path / "a.xlsx", year=YEAR)
    p = service.export_form(town_db, "activities", "pdf", tmp_path / "a.pdf", year=YEAR)
    rows = _data_rows(openpyxl.load_workbook(x).worksheets[0], FORMS["activities"])
    text = pdf_text(p).replace("\n", "")
    assert len(rows) > 100
    for row in rows[:: max(1, len(rows) // 20)]:
        assert f"{row[1]:%Y.%m.%d}" in text and str(row[2]) in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_renders_to_a_page_with_ink(town_db, tmp_path):
    p = service.export_form(town_db, "volunteers", "pdf", tmp_path / "v.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(p),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5000


def test_exported_roster_imports_back_unchanged(town_db, tmp_path):
    groups_x = service.export_form(town_db, "groups", "xlsx", tmp_path / "g.xlsx", full_id=True)
    vols_x = service.export_form(town_db, "volunteers", "xlsx", tmp_path / "v.xlsx", full_id=True)
    studs_x = service.export_form(town_db, "students", "xlsx", tmp_path / "s.xlsx", full_id=True)
    fresh = Database.open(tmp_path / "fresh.sqlite")
    try:
        for kind, path in (("groups", groups_x), ("volunteers", vols_x), ("students", studs_x)):
            report = run_import(fresh, kind, path, ImportOptions())
            assert report.written and not report.errors, (kind, report.errors[:3])
        with fresh.reader() as s:
            names = list(s.scalars(select(Volunteer.name)))
        ambiguous = {n for n in names if names.count(n) > 1}
        for form_id in ("volunteers", "students"):
            again = service.export_form(fresh, form_id, "xlsx", tmp_path / f"again-{form_id}.xlsx",
                                        full_id=True)
            first = tmp_path / f"{form_id[0]}.xlsx"
            a = _data_rows(openpyxl.load_workbook(first).worksheets[0], FORMS[form_id])
            b = _data_rows(openpyxl.load_workbook(again).worksheets[0], FORMS[form_id])
            assert len(a) == len(b) > 50
            if form_id == "students":
                # a 结对五老 name shared by two 五老 cannot be paired by name (rule 12: a warning)
                pos = [c.key for c in FORMS[form_id].columns].index("volunteer")
                a = [(*r[:pos], None if r[pos] in ambiguous else r[pos], *r[pos + 1:]) for r in a]
                b = [(*r[:pos], None if r[pos] in ambiguous else r[pos], *r[pos + 1:]) for r in b]
            assert a == b
    finally:
        fresh.close()


def test_package_holds_every_form_with_checksums_and_matching_sums(town_db, tmp_path):
    proc = cli("package", "--db", town_db.path, "--year", str(YEAR), "--out", tmp_path / "u盘",
               check=True)
    assert "上报包" in proc.stdout
    zips = list((tmp_path / "u盘").iterdir())
    assert len(zips) == 1 and re.fullmatch(r"青山镇关工委_2025年度报表_\d{8}\.zip", zips[0].name)
    assert rollup.read_package(zips[0]).year == YEAR  # whole, as the receiver checks it
    with zipfile.ZipFile(zips[0]) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
        assert {f["format"] for f in manifest["files"]} == {"xlsx", "pdf", "json"}
        assert {f["form"] for f in manifest["files"]} == (
                {k for k, f in FORMS.items() if f.in_package} | {"stats", "data", "quality"})
        assert {f["name"] for f in manifest["files"]} | {"manifest.json"} == names
        assert manifest["committee"] == "青山镇关工委" and manifest["year"] == YEAR
        figures = json.loads(zf.read("stats.json"))
        assert figures.pop("format") == 3 and manifest["format"] == 3
        annual = next(n for n in names if "年度统计表" in n and n.endswith(".xlsx"))
        zf.extract(annual, tmp_path)
    assert figures == cli_json("stats", "--db", town_db.path, "--year", str(YEAR), "--json")
    ws = openpyxl.load_workbook(tmp_path / annual).worksheets[0]
    table = {r[1]: r[2] for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    assert table["基层关工组织总数"] == figures["groups"]["total"]
    assert table["“五老”总数"] == figures["volunteers"]["total"]
    assert table["开展活动"] == figures["activities"]["total"]
    assert table["捐款金额"] == f"{figures['donations']['money_yuan']:,.2f}"


def test_export_that_cannot_be_written_leaves_no_file(town_db, tmp_path, monkeypatch):
    import exports.atomic as atomic

    def full(*_a):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(atomic.os, "fsync", full)
        with pytest.raises(FileProblem, match="磁盘空间不足"):
            service.export_form(town_db, "volunteers", "pdf", tmp_path / "out" / "v.pdf")
    assert list((tmp_path / "out").iterdir()) == []
    written = []
    real_write = zipfile.ZipFile.write

    def write_then_fail(self, *args, **kw):
        if str(self.filename).endswith(".zip.part"):
            written.append(args)
            if len(written) == 5:
                raise OSError(28, "No space left on device")
        return real_write(self, *args, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "write", write_then_fail)
    with pytest.raises(FileProblem, match="磁盘空间不足"):
        service.build_package(town_db, YEAR, tmp_path / "pkg")
    assert list((tmp_path / "pkg").iterdir()) == []


def test_wuhao_form_has_the_rate_at_the_foot(town_db, tmp_path):
    x = service.export_form(town_db, "wuhao", "xlsx", tmp_path / "w.xlsx", year=YEAR)
    with town_db.reader() as s:
        g = stats.year_figures(s, YEAR)["groups"]
    values = [str(c.value) for row in openpyxl.load_workbook(x).worksheets[0].iter_rows()
              for c in row if c.value]
    assert f"达标率 {g['wuhao_rate'] * 100:.1f}%" in " ".join(values)


def test_unknown_form_is_exit_2(town_db, tmp_path):
    proc = cli("export", "nope", "--db", town_db.path, "--format", "pdf", "--out", tmp_path / "x")
    assert proc.returncode == 2 and "不认识的报表" in proc.stderr


def test_a_deleted_group_is_not_printed_on_the_roster(town_db, tmp_path):
    from models import records
    from models.entities import Group

    with town_db.reader() as s:
        group = s.scalars(select(Group).order_by(Group.id)).first()
    with town_db.session() as s:
        records.delete(s, "groups", group.id)
    out = service.export_form(town_db, "volunteers", "xlsx", tmp_path / "v.xlsx")
    cells = [c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row]
    assert group.name not in cells


def test_pdf_wrapping_never_starts_a_line_with_a_closing_mark():
    from exports.pdf import NO_LINE_START, Measure, register_font

    m = Measure(register_font(), 8.5)
    text = "红旗村关工小组组织开展读书活动，五老3人参加。青少年（小学生）踊跃参加，效果很好。"
    for width in range(40, 200, 7):
        lines = m.wrap(text, width)
        assert "".join(lines) == text
        assert all(line and line[0] not in NO_LINE_START for line in lines[1:])
