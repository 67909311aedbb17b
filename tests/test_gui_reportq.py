"""报表中心's 生成工作总结 and 上报前自查, driven with real widgets (offscreen)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from PySide6.QtWidgets import QDialog, QFileDialog

from gui.dialogs.quality import QualityDialog
from models.entities import Student
from tests import helpers

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return helpers.demo_file(tmp_path_factory.mktemp("demo"), seed=7, today=TODAY,
                             committee="青山镇关工委")


@pytest.fixture
def said(monkeypatch):
    said: list[tuple[str, str, str]] = []
    helpers.recorded_boxes(monkeypatch, said)
    return said


@pytest.fixture
def page(qtbot, demo_file, tmp_path, said):
    w = helpers.open_window(qtbot, demo_file, tmp_path, 1366, 768)
    w.show()
    p = w.page("报表中心")
    p.year.setCurrentIndex(p.year.findData(2025))
    yield p
    w.close()


def test_report_button_writes_the_draft_and_offers_the_folder(page, qtbot, tmp_path, said,
                                                              monkeypatch):
    from PySide6.QtGui import QDesktopServices

    asked = []
    out = tmp_path / "总结"

    def save(_parent, _title, name, _filters, *a, **k):
        asked.append(name)
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    from tests.test_gui import saved_boxes

    page.report_button.click()
    qtbot.waitUntil(lambda: bool(saved_boxes("工作总结已生成")), timeout=20000)
    assert [Path(a).name for a in asked] == ["青山镇关工委2025年工作总结（草稿）.docx"]
    doc = tmp_path / "总结.docx"
    assert Document(str(doc)).paragraphs[0].text == "青山镇关工委2025年工作总结（草稿）"
    box = saved_boxes("工作总结已生成")[-1]  # the one message after a save (gui.files.show_saved)
    folder = next(b for b in box.buttons() if b.text() == "打开所在文件夹")
    assert not opened  # offered, never forced
    folder.click()
    assert opened[0].toLocalFile() == str(tmp_path)


def test_quality_button_lists_the_findings(page, qtbot, monkeypatch):
    with page.ctx.db.session() as s:
        st = s.query(Student).order_by(Student.id).first()
        st.guardian_phone = ""
        st.registered_on = dt.date(2020, 1, 1)
        st.closed_on = None
    shown = []
    monkeypatch.setattr(QualityDialog, "exec", lambda self: shown.append(self) or 0)
    page.quality_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    tree = shown[0].tree
    tops = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert tops[0] == "【错误】帮扶对象没有监护人或监护人电话"
    first = tree.topLevelItem(0)
    assert first.isExpanded() and first.childCount() >= 1
    assert not hasattr(shown[0], "send_button")


def test_going_back_from_the_self_check_makes_no_package(page, qtbot, tmp_path, monkeypatch):
    with page.ctx.db.session() as s:
        s.query(Student).order_by(Student.id).first().guardian = ""
    picked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *a, **k: picked.append(1) or str(tmp_path))
    shown = []
    monkeypatch.setattr(QualityDialog, "exec",
                        lambda self: shown.append(self) or QDialog.DialogCode.Rejected)
    page.package_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    qtbot.wait(100)
    assert shown[0].send_button.text() == "仍然生成上报包"
    assert picked == [] and not list(tmp_path.glob("*.zip"))


def test_a_clean_year_says_so(page, qtbot, said, monkeypatch):
    import gui.pages.reports as reports_page

    # the model's clean year is tests/test_quality.py's; here the window's answer to it
    monkeypatch.setattr(reports_page.quality, "run", lambda _s, _y: [])
    monkeypatch.setattr(QualityDialog, "exec", lambda self: pytest.fail("no dialog expected"))
    page.quality_button.click()
    qtbot.waitUntil(lambda: any(t == "上报前自查" for _k, t, _x in said), timeout=20000)
    assert "没有发现问题" in said[-1][2]
