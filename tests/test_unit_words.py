"""Issue 26: the unit is asked on the first run (level, 行政区划代码, words that fit the level), no
package without a real code (the name never stands in for it), the 填表人 printed instead of the
login name, 表彰级别 empty until chosen, every command-line output in Chinese."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest
from PySide6.QtWidgets import QMessageBox

from exports import service
from models import rollup, settings
from models.db import Database
from models.errors import DataError, ValidationError
from tests.helpers import cli, first_run, ok_boxes


def test_first_run_words_follow_the_level_and_a_wrong_code_is_said_beside_the_field(qtbot):
    from gui.first_run import FirstRunDialog

    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    assert "青山镇" in dialog.name.placeholderText() and "9 位" in dialog.code_note.text()
    assert "统计用区划代码" in dialog.code_note.text() and "国家统计局" in dialog.where.text()
    dialog.level.setCurrentText("县")
    words = " ".join((dialog.name.placeholderText(), dialog.region.placeholderText(),
                      dialog.code_note.text(), dialog.code.placeholderText()))
    assert "乡镇" not in words and "青山镇" not in words and "6 位" in words
    assert dialog.demo.isHidden()  # the demo is a township
    dialog.code.setText("130102001")  # a township's code for a county
    dialog.accept()
    assert dialog.result() == 0 and not dialog.error.isHidden() and "6 位" in dialog.error.text()
    dialog.code.setText("130102")
    dialog.accept()
    assert dialog.result() == 1 and dialog.unit() == ("130102", "县")


def test_first_run_stores_the_unit_the_code_and_the_filler(qtbot, tmp_path, monkeypatch):
    def fill(dialog):
        dialog.level.setCurrentText("县")
        dialog.code.setText("130102")
        dialog.filler.setText("王秀英")

    ok_boxes(monkeypatch)
    w, db = first_run(qtbot, monkeypatch, tmp_path / "county.sqlite", fill)
    with db.reader() as s:
        assert rollup.own_unit(s) == ("130102", "本县关工委", "县")
        assert settings.get(s, settings.FILLER) == "王秀英"
    w.close()


def test_no_package_without_a_code_and_never_the_name_in_its_place(tmp_path, qtbot,
                                                                     monkeypatch):
    path = tmp_path / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        settings.save_committee(s, settings.Committee("白云镇关工委", "某县白云镇"))
    with db.reader() as s:
        assert rollup.own_unit(s) == ("", "白云镇关工委", "乡镇")
    with pytest.raises(DataError, match="行政区划代码"):
        service.build_package(db, 2025, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    # the window refuses before it asks for a folder
    from gui.context import AppContext
    from gui.pages.reports import ReportsPage

    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a, **k: said.append(text))
    asked = []
    monkeypatch.setattr("gui.pages.reports.pick_folder", lambda *a: asked.append(1) or "")
    page = ReportsPage(AppContext(db))
    qtbot.addWidget(page)
    page.package()
    assert said == [settings.MISSING_CODE] and not asked
    db.close()
    proc = cli("package", "--db", path, "--year", "2025", "--out", tmp_path / "out")
    assert proc.returncode == 1 and proc.stderr.strip() == settings.MISSING_CODE
    db = Database.open(path)
    try:
        with db.session() as s:
            settings.save_unit(s, "130102001", "乡镇")
        made = service.build_package(db, 2025, tmp_path / "out")
    finally:
        db.close()
    with zipfile.ZipFile(made) as zf:
        assert json.loads(zf.read("manifest.json"))["unit_code"] == "130102001"


def test_a_code_of_the_wrong_length_for_the_level_is_refused(db) -> None:
    with db.session() as s:
        for code, level in (("130102", "乡镇"), ("130102001", "县"), ("13010", "市"),
                            ("１３０１０２", "乡镇"), ("abcdef", "县"), ("١٣٠١٠٢", "县")):
            with pytest.raises(ValidationError):
                settings.save_unit(s, code, level)
        settings.save_unit(s, "１３０１０２００１", "乡镇")  # full-width digits are digits
        assert settings.get(s, settings.UNIT_CODE) == "130102001"
        settings.save_unit(s, "130102001", "乡镇")
        settings.save_unit(s, "130102000000", "县")
        settings.save_unit(s, "1301", "市")
        settings.save_unit(s, "", "乡镇")  # not known yet: allowed, a package asks for it


def test_forms_print_the_filler_never_the_login_name(db, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GGTZ_USER", "root")
    with db.session() as s:
        settings.save_committee(s, settings.Committee("白云镇关工委"))
        settings.put(s, settings.FILLER, "王秀英")
    out = service.export_form(db, "volunteers", "xlsx", tmp_path / "v.xlsx", year=2025)
    ws = openpyxl.load_workbook(out).worksheets[0]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(c.startswith("填表人：王秀英，") for c in cells)  # the provenance line
    assert any(c.endswith("填表人：王秀英") for c in cells)  # the signature line
    assert "root" not in " ".join(cells) + ws.oddFooter.right.text
    pdf = service.export_form(db, "volunteers", "pdf", tmp_path / "v.pdf", year=2025)
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "王秀英" in text and "root" not in text
    with db.session() as s:
        settings.put(s, settings.FILLER, "")
    out = service.export_form(db, "volunteers", "xlsx", tmp_path / "v2.xlsx", year=2025)
    cells = [str(c.value) for row in openpyxl.load_workbook(out).worksheets[0].iter_rows()
             for c in row if c.value is not None]
    assert "root" not in " ".join(cells) and any("导出（关工台账" in c for c in cells)


def test_an_honor_level_stays_empty_until_chosen(qtbot, db) -> None:
    from gui.dialogs.records import HonorDialog
    from models.honors import HonorInput

    new = HonorDialog(None, db)
    qtbot.addWidget(new)
    assert new.level.value() == ""
    unset = HonorInput(title="优秀五老", recipient_name="张三", year=2025, level="")
    edit = HonorDialog(None, db, unset)
    qtbot.addWidget(edit)
    assert edit.value().level == ""  # saved unchanged: still no level, never 国家级


def test_demo_and_usage_messages_are_chinese(tmp_path) -> None:
    proc = cli("demo", "--db", tmp_path / "d.sqlite")
    assert proc.returncode == 0
    assert proc.stdout.startswith("已建立演示乡镇：关工组织 ") and "volunteers" not in proc.stdout
    helped = cli("--help")
    assert helped.stdout.startswith("用法：") and "show this help" not in helped.stdout
    wrong = cli("stats", "--db", tmp_path / "d.sqlite")
    assert "缺少参数 --year" in wrong.stderr and "required" not in wrong.stderr


def test_a_package_carrying_a_name_as_its_code_is_refused_by_the_county(tmp_path) -> None:
    """Packages of the earlier program put the committee name where the code belongs."""
    from exports.rollup import Refused, read_package

    db = Database.open(tmp_path / "town.sqlite")
    with db.session() as s:
        settings.save_committee(s, settings.Committee("白云镇关工委"))
        settings.save_unit(s, "130102001", "乡镇")
    made = service.build_package(db, 2025, tmp_path / "out")
    db.close()
    assert read_package(made).unit_code == "130102001"
    bad = tmp_path / "old.zip"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename == "manifest.json":
                manifest = json.loads(raw)
                manifest["unit_code"] = "白云镇关工委"  # as the earlier, unsigned format 2 wrote
                manifest["format"] = 2
                manifest.pop("signature", None)
                manifest.pop("public_key", None)
                raw = json.dumps(manifest, ensure_ascii=False).encode()
            dst.writestr(info.filename, raw)
    with pytest.raises(Refused, match=r"不是行政区划代码.*设置"):
        read_package(bad)
