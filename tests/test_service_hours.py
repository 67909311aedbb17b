"""志愿服务时长 (domain.md §8): who took part in an activity and for how long, hours of 帮扶记录,
the service-hours form and the 志愿服务记录证明 (PDF read back), §3 figures unchanged in meaning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from PySide6.QtCore import Qt

from exports.formdata import FormContext, build_table
from models import activities, pairings, rules, service_hours, stats
from tests.factories import add_student, add_volunteer, id_number
from tests.helpers import cli

D = dt.date


@pytest.fixture
def served(db):
    wang = add_volunteer(db, "王德", "老干部", id_number=id_number(D(1950, 3, 4), 111))
    li = add_volunteer(db, "李芳", "老教师")
    sid = add_student(db, "小明")
    with db.session() as s:
        activities.create(s, activities.ActivityInput(
            D(2026, 3, 5), "红色故事会", volunteer_count=5, youth_count=80,
            participant_ids=[wang, li], participant_minutes={wang: 90, li: 120}))
        activities.create(s, activities.ActivityInput(  # an old-style activity: a number only
            D(2026, 4, 1), "普法讲座", volunteer_count=4, youth_count=30))
        activities.create(s, activities.ActivityInput(  # more people named than the number
            D(2026, 5, 1), "读书会", volunteer_count=1, youth_count=20,
            participant_ids=[wang, li], participant_minutes={wang: 60}))
        activities.create(s, activities.ActivityInput(
            D(2025, 5, 1), "去年的活动", participant_ids=[wang], participant_minutes={wang: 600}))
        pairings.add_aid(s, pairings.AidInput(sid, D(2026, 6, 1), "课业辅导", "辅导数学",
                                              volunteer_id=wang, service_minutes=45))
    return db, wang, li


def test_participants_hours_and_the_count_keep_section_3(served):
    db, wang, li = served
    with db.reader() as s:
        figures = stats.year_figures(s, 2026)
        totals = service_hours.totals(s, D(2026, 1, 1), D(2026, 12, 31))
    # 参加五老(人) = max(number entered, 五老 named): 5 + 4 + 2
    assert figures["activities"]["volunteer_participations"] == 11
    assert totals[wang] == (2, 1, 90 + 60 + 45) and totals[li] == (2, 0, 120)


def test_hours_are_bounded_and_shown():
    """A day at most, never negative (models.rules, whatever the input: dialog or import)."""
    def said(minutes: int) -> list[str]:
        found = rules.problems("aid", {"service_minutes": minutes})
        return [p.message for p in found if p.key == "service_minutes"]

    assert said(90) == [] and said(24 * 60) == []
    assert said(25 * 60) == ["服务时长 25 小时不合理，一次服务最多 24 小时，请核对"]
    assert said(-1) == ["时长不能是负数"]
    assert service_hours.hours_text(50) == "0.83" and service_hours.hours_text(90) == "1.5"


def test_removing_a_participant_and_changing_hours(served):
    db, wang, li = served
    with db.session() as s:
        act = s.scalars(activities.query("红色故事会")).one()
        data = activities.to_input(act)
        assert data.participant_minutes == {wang: 90, li: 120}
        data.participant_ids = [wang]
        data.participant_minutes = {wang: 30}
        activities.update(s, act.id, data)
        assert activities.participant_hours(s, act.id) == {wang: 30}
        assert act.volunteer_count == 5  # the number entered stays


def test_service_hours_form(served):
    db, _wang, _li = served
    with db.reader() as s:
        table = build_table(s, "service-hours", FormContext(year=2026))
    rows = {r[1]: r for r in table.rows}
    assert rows["王德"][4:] == [2, 1, Decimal("3.25")]
    assert rows["李芳"][4:] == [2, 0, Decimal("2.00")]
    assert table.total_row[4:] == [4, 1, Decimal("5.25")]


def test_service_record_certificate_pdf_and_xlsx(served, tmp_path):
    db, _wang, _li = served
    out = tmp_path / "证明.pdf"
    proc = cli("export", "service-record", "--db", db.path, "--format", "pdf", "--out", out,
               "--year", "2026", "--person", "王德")
    assert proc.returncode == 0, proc.stderr
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\n", "").replace(" ", "")
    number = id_number(D(1950, 3, 4), 111)
    for word in ("志愿服务记录证明", "王德", number[:6], "3.25小时", "红色故事会", "结对帮扶：课业辅导",
                 "盖章", "2026年01月01日", "民政部令第67号"):
        assert word in text, word
    assert number not in text and "小明" not in text  # masked; no child named
    everyone = tmp_path / "all.pdf"
    cli("export", "service-record", "--db", db.path, "--format", "pdf", "--out", everyone,
        "--year", "2026", check=True)
    assert len(pypdf.PdfReader(everyone).pages) == 2  # one page per 五老 who served
    book = tmp_path / "all.xlsx"
    cli("export", "service-record", "--db", db.path, "--format", "xlsx", "--out", book,
        "--year", "2026", check=True)
    ws = openpyxl.load_workbook(book).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert sum(1 for v in values if v == "志愿服务记录证明") == 2
    assert len(ws.row_breaks.brk) == 2
    missing = cli("export", "service-record", "--db", db.path, "--format", "pdf", "--out",
                  tmp_path / "x.pdf", "--person", "张三")
    assert missing.returncode == 1 and "没有找到五老“张三”" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_forms_lists_the_new_forms():
    out = cli("forms", check=True).stdout
    assert "service-hours\t“五老”志愿服务时长统计表" in out
    assert "service-record\t志愿服务记录证明" in out


def test_activity_dialog_ticks_participants_with_hours(qtbot, served):
    from gui.dialogs.records import ActivityDialog

    db, _wang, li = served
    saved = []
    dialog = ActivityDialog(None, db, on_save=saved.append)
    qtbot.addWidget(dialog)
    dialog.title.setText("新活动")
    picker = dialog.participants
    picker.default.spin.setValue(2.5)
    item = next(picker.found.item(i) for i in range(picker.found.count())
                if picker.found.item(i).data(Qt.ItemDataRole.UserRole) == li)
    item.setCheckState(Qt.CheckState.Checked)
    assert dialog.volunteer_count.value() == 1
    dialog.accept()
    assert saved and saved[0].participant_ids == [li]
    assert saved[0].participant_minutes == {li: 150}


def test_certificate_from_the_volunteer_page(qtbot, served, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    from gui.main_window import MainWindow

    db, wang, _li = served
    out = tmp_path / "王德证明.pdf"
    shown = []
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (2026, True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[1]))
    window = MainWindow(db)
    qtbot.addWidget(window)
    page = window.page("五老队伍")
    monkeypatch.setattr(page, "current_id", lambda: wang)
    page.service_record()
    qtbot.waitUntil(lambda: "导出完成" in shown, timeout=15000)
    text = pypdf.PdfReader(out).pages[0].extract_text().replace("\n", "").replace(" ", "")
    assert "王德" in text and "3.25小时" in text
