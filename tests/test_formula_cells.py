"""Text that looks like a formula stays text in every .xlsx the program writes."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from exports import service, workbooks
from exports.importer import ImportReport
from exports.listbook import write_list
from tests.factories import add_volunteer, id_number
from tests.helpers import cli

HOSTILE = ['=HYPERLINK("http://x","点我")', "=1+1", "+1+1", "-2+3", "@SUM(A1)"]


def _no_formulas(path: Path) -> list[str]:
    """Every string value in the workbook, after asserting no sheet holds a formula."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert "<f>" not in zf.read(name).decode("utf-8") and "<f " not in \
                    zf.read(name).decode("utf-8"), name
    wb = openpyxl.load_workbook(path)
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    assert c.data_type != "f", (c.coordinate, c.value)
                    values.append(c.value)
    return values


@pytest.fixture
def hostile_db(db):
    for i, name in enumerate(HOSTILE):
        add_volunteer(db, name, id_number=id_number(dt.date(1950, 1, 1 + i), 101 + 2 * i),
                      phone="13900000000")
    return db


def test_form_exports_keep_formula_like_names_as_text(hostile_db, tmp_path):
    out = service.export_form(hostile_db, "volunteers", "xlsx", tmp_path / "v.xlsx")
    values = _no_formulas(out)
    for name in HOSTILE:
        assert name in values


def test_list_export_keeps_text(tmp_path):
    out = write_list(tmp_path / "l.xlsx", "=title", ["=head", "姓名"], [[v, v] for v in HOSTILE])
    values = _no_formulas(out)
    assert "=title" in values and "=head" in values
    for name in HOSTILE:
        assert name in values


def test_error_workbook_keeps_text(tmp_path):
    report = ImportReport(kind="volunteers", file="x.xlsx", header=["姓名", "=备注"],
                          mapping={0: "name"},
                          error_rows=[(3 + i, [v, v], f"错误 {v}") for i, v in enumerate(HOSTILE)])
    out = workbooks.write_error_book(tmp_path / "e.xlsx", report)
    values = _no_formulas(out)
    for name in HOSTILE:
        assert name in values and f"错误 {name}" in values


def test_template_has_no_formula_cells(tmp_path):
    _no_formulas(workbooks.write_template("volunteers", tmp_path / "t.xlsx"))


def test_full_id_roster_round_trip_keeps_the_names(hostile_db, db_path, tmp_path):
    out = tmp_path / "roster.xlsx"
    assert cli("export", "volunteers", "--format", "xlsx", "--out", out, "--full-id",
               "--db", db_path).returncode == 0
    _no_formulas(out)
    fresh = tmp_path / "fresh.sqlite"
    assert cli("init", "--db", fresh, "--committee", "新乡镇关工委", "--code", "").returncode == 0
    proc = cli("import", "volunteers", out, "--db", fresh)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import sqlite3

    con = sqlite3.connect(fresh)
    names = {r[0] for r in con.execute("SELECT name FROM volunteers")}
    con.close()
    assert names == set(HOSTILE)
