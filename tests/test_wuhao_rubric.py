"""五好 as a scored rubric (domain.md §8): scores and 扣分理由, 达标 by the threshold, old five-√/×
assessments as full or zero marks, the wuhao form with scores, the county's rubric file."""

from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pytest

from exports.formdata import FormContext, build_table
from exports.service import export_form
from models import groups, settings, stats, wuhao
from models.db import Database
from models.errors import FileProblem, ValidationError
from tests.factories import add_group
from tests.helpers import cli

YEAR = 2026


def _deduct(sheet: wuhao.Scored, dim: int, item: int, score: str, reason: str) -> None:
    it = sheet.dimensions[dim].items[item]
    it.score, it.reason = Decimal(score), reason


def test_default_rubric_is_five_by_twenty_with_85():
    rubric = wuhao.parse_rubric(wuhao.DEFAULT_RUBRIC)
    assert [d.points for d in rubric.dimensions] == [20] * 5
    assert rubric.threshold == 85 and rubric.points == 100


def test_scores_decide_dabiao_and_stats_keep_meaning(db):
    good, weak, old = add_group(db, "甲村关工小组"), add_group(db, "乙村关工小组"), add_group(db, "丙村")
    with db.session() as s:
        sheet = wuhao.blank(wuhao.current(s))
        _deduct(sheet, 0, 0, "0", "班子只有2人")
        _deduct(sheet, 3, 1, "2.5", "创新不足")
        wuhao.assess(s, good, YEAR, sheet)  # 92.5: 达标
        sheet = wuhao.blank(wuhao.current(s))
        for n in range(4):
            _deduct(sheet, 4, n, "1", "活动少")
        wuhao.assess(s, weak, YEAR, sheet)  # 84: 未达标
        groups.assess(s, old, YEAR, [True, True, False, True, True])  # an old-style one
    with db.reader() as s:
        figures = stats.year_figures(s, YEAR)["groups"]
        assert figures["wuhao"] == 1 and figures["wuhao_rate"] == round(1 / 3, 3)
        a = groups.assessment(s, good, YEAR)
        assert a.passed and a.items() == [False, True, True, False, True]
        view = wuhao.scored(a)
        assert view.total == Decimal("92.5") and not view.old
        assert "班子只有2人（-5）" in view.reasons_text()
        legacy = wuhao.scored(groups.assessment(s, old, YEAR))
        assert legacy.old and [d.score for d in legacy.dimensions] == [20, 20, 0, 20, 20]
        assert legacy.total == 80 and not legacy.passed
        table = build_table(s, "wuhao", FormContext(year=YEAR))
    labels = [c.label for c in table.columns]
    assert labels[:2] == ["序号", "组织名称"] and labels[-3:] == ["总分", "是否达标", "扣分理由"]
    rows = {r[1]: dict(zip(labels, r)) for r in table.rows}
    assert rows["甲村关工小组"]["领导班子建设好得分"] == "15"
    assert rows["甲村关工小组"]["积极探索创新好得分"] == "17.5"
    assert rows["甲村关工小组"]["总分"] == "92.5" and rows["甲村关工小组"]["是否达标"] == "达标"
    assert rows["乙村关工小组"]["总分"] == "84" and rows["乙村关工小组"]["是否达标"] == "未达标"
    assert rows["丙村"]["制度健全执行好得分"] == "0" and rows["丙村"]["总分"] == "80"
    assert table.foot_lines == ["达标组织 1 个，共 3 个，达标率 33.3%"]


def test_a_deduction_needs_its_reason_and_scores_stay_in_range(db):
    gid = add_group(db)
    with db.session() as s:
        sheet = wuhao.blank(wuhao.current(s))
        _deduct(sheet, 1, 2, "3", "")
        with pytest.raises(ValidationError) as err:
            wuhao.assess(s, gid, YEAR, sheet)
        assert "扣分理由" in err.value.reason
        _deduct(sheet, 1, 2, "6", "多给了")
        with pytest.raises(ValidationError):
            wuhao.assess(s, gid, YEAR, sheet)


def test_rubric_file_goes_down_and_old_scores_stay(db, tmp_path):
    gid = add_group(db)
    with db.session() as s:
        wuhao.assess(s, gid, 2025, wuhao.blank(wuhao.current(s)))
    data = json.loads(json.dumps(wuhao.DEFAULT_RUBRIC))
    data["threshold"] = 90
    data["dimensions"][0]["items"] = [{"text": "班子健全", "points": 10},
                                      {"text": "每年听取汇报", "points": 10}]
    county = tmp_path / "county.sqlite"
    cdb = Database.open(county)
    with cdb.session() as s:
        settings.save_committee(s, settings.Committee("东山县关工委"))
        wuhao.set_current(s, wuhao.parse_rubric(data), "县里修订")
    cdb.close()
    rubric_file = tmp_path / "细则.json"
    cli("wuhao-rubric", "--db", county, "--out", rubric_file, check=True)
    proc = cli("wuhao-rubric", "--db", db.path, "--load", rubric_file)
    assert proc.returncode == 0, proc.stderr
    with db.reader() as s:
        now = wuhao.current(s)
        assert now.threshold == 90 and now.issuer == "东山县关工委"
        assert [i.text for i in now.dimensions[0].items] == ["班子健全", "每年听取汇报"]
        earlier = wuhao.scored(groups.assessment(s, gid, 2025))
        assert earlier.threshold == 85 and len(earlier.dimensions[0].items) == 4


@pytest.mark.parametrize("content, says", [
    (b"not json", "不是五好考核细则文件"),
    (json.dumps({"format": "other"}).encode(), "不是五好考核细则文件"),
    (json.dumps({"format": wuhao.FILE_FORMAT, "version": 1, "threshold": 85,
                 "dimensions": wuhao.DEFAULT_RUBRIC["dimensions"][:4]}).encode(), "5 个方面"),
    (json.dumps({"format": wuhao.FILE_FORMAT, "version": 1, "threshold": 120,
                 "dimensions": wuhao.DEFAULT_RUBRIC["dimensions"]}).encode(), "达标分数线"),
    (json.dumps({"format": wuhao.FILE_FORMAT, "version": 9}).encode(), "新版本"),
])
def test_bad_rubric_files_are_refused_and_nothing_changes(db, tmp_path, content, says):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as err:
        wuhao.read_file(path)
    assert says in err.value.message
    proc = cli("wuhao-rubric", "--db", db.path, "--load", path)
    assert proc.returncode == 2 and says in proc.stderr
    with db.reader() as s:
        assert wuhao.current(s).threshold == 85


def test_wuhao_dialog_scores_and_keeps_old_assessments(qtbot, db, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.pages.groups import WuhaoDialog

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"message box {a}"))
    gid, old = add_group(db, "甲村"), add_group(db, "乙村")
    with db.session() as s:
        groups.assess(s, old, YEAR, [True, False, True, True, True], "县里抽查过")
    ctx = AppContext(db)
    dialog = WuhaoDialog(None, ctx, old)
    qtbot.addWidget(dialog)
    dialog.year.setValue(YEAR)
    dialog.accept()  # unchanged: the old assessment is not rewritten
    with db.reader() as s:
        a = groups.assessment(s, old, YEAR)
        assert a.scores == "" and a.note == "县里抽查过"
    dialog = WuhaoDialog(None, ctx, gid)
    qtbot.addWidget(dialog)
    dialog.year.setValue(YEAR)
    box, spin, reason, _item = dialog.rows[2][0]
    box.setChecked(False)
    spin.setValue(1)
    assert "总分 96 分" in dialog.total.text() and "达标" in dialog.total.text()
    dialog.accept()
    assert dialog.error.isVisibleTo(dialog) and "扣分理由" in dialog.error.text()
    reason.setText("制度未上墙")
    dialog.accept()
    with db.reader() as s:
        a = groups.assessment(s, gid, YEAR)
        assert a.passed and wuhao.scored(a).total == 96
    out = export_form(db, "wuhao", "xlsx", dialog_path(qtbot), year=YEAR)
    cells = [c for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True)
             for c in row if c]
    assert "制度健全执行好：制度未上墙（-4）" in cells and "96" in cells


def dialog_path(qtbot) -> str:
    import tempfile
    from pathlib import Path

    return str(Path(tempfile.mkdtemp()) / "wuhao.xlsx")
