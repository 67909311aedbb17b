"""The window driven like a clerk would, with real widgets (pytest-qt, offscreen)."""

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from gui import ops
from gui.dialogs_people import StudentDialog, VolunteerDialog
from gui.dialogs_records import AidDialog, PairingDialog
from gui.main_window import NAV, MainWindow
from models import demo, stats
from models.db import Database
from models.entities import AidRecord, Pairing, Student, Volunteer
from tests.sheets import vid, xlsx

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        demo.build(s, scale=1, seed=5, today=TODAY)
    db.close()
    return path


@pytest.fixture
def messages(monkeypatch):
    """QMessageBox statics answer Yes and are recorded (they would block a test)."""
    said = []

    def record(kind):
        def box(_parent, title, text, *_a, **_k):
            said.append((kind, title, text))
            return QMessageBox.StandardButton.Yes
        return box

    for kind in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return said


@pytest.fixture
def window(qtbot, demo_file, tmp_path, messages):
    path = tmp_path / "town.sqlite"
    shutil.copy(demo_file, path)
    db = Database.open(path)
    w = MainWindow(db)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    yield w
    w.close()


def drive(monkeypatch, cls, fill):
    """Replace ``cls.exec`` by filling the real widgets and pressing 保存."""
    seen = []

    def exec_(self):
        fill(self)
        self.accept()
        seen.append(self)
        return self.result()

    monkeypatch.setattr(cls, "exec", exec_)
    return seen


def count(db, model):
    with db.reader() as s:
        return s.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None)))


def test_every_page_opens(window, qtbot):
    for name in NAV:
        page = window.page(name)
        assert window.stack.currentWidget() is page
        assert page.isVisible()


def test_dashboard_figures_equal_the_stats_service(window):
    dash = window.page("首页")
    year = dash.selected_year()
    with window.ctx.db.reader() as s:
        figures = stats.year_figures(s, year)
    assert dash.figures == figures
    assert dash.cards["volunteers"].value.text() == f"{figures['volunteers']['total']} 人"
    assert dash.cards["activities"].value.text() == f"{figures['activities']['total']} 场"
    assert "演示数据" in dash.heading.text()
    assert dash.reminders.count() >= 1


def test_add_volunteer_with_id_autofill_then_search_edit_delete_undo(window, qtbot, monkeypatch,
                                                                      messages):
    page = window.page("五老队伍")
    db = window.ctx.db
    before = count(db, Volunteer)
    number = vid(1950, 7, 1, 123)

    def fill(d):
        d.name.setText("测试五老")
        d.id_number.setText(number)
        assert d.sex.value() == "男" and d.birth.date() == dt.date(1950, 7, 1)
        assert "有效" in d.id_hint.text()
        d.category.set_value("老教师")

    drive(monkeypatch, VolunteerDialog, fill)
    page.add_button.click()
    assert count(db, Volunteer) == before + 1
    page.search.setText("csw")
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=3000)
    assert page.count_label.text() == "共 1 条"
    row = page.model.rows[0]
    assert row[0] == "测试五老" and "********" in row[4]

    page.view.selectRow(0)
    drive(monkeypatch, VolunteerDialog, lambda d: d.name.setText("改名五老"))
    page.edit_button.click()
    with db.reader() as s:
        assert s.scalar(select(Volunteer.name).where(Volunteer.id_number == number)) == "改名五老"

    page.search.setText("改名")
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=3000)
    page.view.selectRow(0)
    page.delete_button.click()
    assert messages[-1][0] == "question" and "回收站" in messages[-1][2]
    assert count(db, Volunteer) == before
    assert window.undo_button.isVisible()
    window.undo_button.click()
    assert count(db, Volunteer) == before + 1


def test_invalid_id_keeps_the_dialog_open_with_the_message_beside_the_field(window, qtbot):
    dialog = VolunteerDialog(window, window.ctx.db, on_save=lambda v: None)
    qtbot.addWidget(dialog)
    dialog.name.setText("王德")
    dialog.category.set_value("老干部")
    dialog.id_number.setText("110105194912310021")
    from models.volunteers import values_of

    def save(value):
        with window.ctx.db.reader() as s:
            values_of(s, value)

    dialog.on_save = save
    dialog.show()
    dialog.accept()
    assert dialog.isVisible()
    assert "校验位" in dialog.errors["身份证号"].text() and dialog.errors["身份证号"].isVisible()


def test_student_pairing_and_visit(window, qtbot, monkeypatch):
    db = window.ctx.db
    drive(monkeypatch, StudentDialog, lambda d: (d.name.setText("新同学"),
                                                 d.categories.set_values(["留守儿童"])))
    window.page("帮扶对象").add_button.click()
    with db.reader() as s:
        sid = s.scalar(select(Student.id).where(Student.name == "新同学"))
        v = s.scalars(select(Volunteer).where(Volunteer.left_on.is_(None))).first()
        vid_, vname = v.id, v.name

    def pick(d):
        d.volunteer.set_chosen({vid_: vname})
        d.student.set_chosen({sid: "新同学"})

    drive(monkeypatch, PairingDialog, pick)
    pairs = window.page("结对帮扶")
    pairs.add_button.click()
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Pairing)
                        .where(Pairing.student_id == sid)) == 1
    pairs.search.setText("新同学")
    qtbot.waitUntil(lambda: pairs.model.total == 1, timeout=3000)
    pairs.view.selectRow(0)
    drive(monkeypatch, AidDialog, lambda d: d.content.setPlainText("上门辅导作业"))
    pairs.aid_current()
    with db.reader() as s:
        aid = s.scalars(select(AidRecord).where(AidRecord.student_id == sid)).one()
    assert aid.volunteer_id == vid_ and aid.content == "上门辅导作业"
    students = window.page("帮扶对象")
    students.search.setText("新同学")
    qtbot.waitUntil(lambda: students.model.total == 1, timeout=3000)
    students.view.selectRow(0)
    texts = [students.timeline.item(i).text() for i in range(students.timeline.count())]
    assert any("上门辅导作业" in t for t in texts) and any("建档" in t for t in texts)


def test_trash_restore_from_data_page(window, qtbot, monkeypatch):
    page = window.page("五老队伍")
    page.view.selectRow(0)
    name = page.model.rows[0][0]
    page.delete_current()
    data = window.page("数据管理")
    data.tabs.setCurrentIndex(2)
    assert data.trash.rows[0][2] == name
    data.trash_view.selectRow(0)
    data.restore_trash()
    assert all(r[2] != name for r in data.trash.rows)


def test_import_wizard_imports_a_messy_roster(window, qtbot, tmp_path, messages):
    path = xlsx(tmp_path / "花名册.xlsx", ["序号", "姓　名", "身份证号码", "类别", "联系电话"],
                [[1, "甲　乙", vid(1951, 1, 1, 201), "老干部", "13900001111"],
                 [2, "丙丁", vid(1952, 2, 2, 203), "老教师（退休）", ""],
                 [3, "戊己", 2.3e17, "老模范", ""]],
                title="某镇五老花名册", footer=[["合计", "3人"]], text_cols=(2,))
    before = count(window.ctx.db, Volunteer)
    from gui.import_wizard import ImportWizard

    wizard = ImportWizard(window.ctx, window)
    qtbot.addWidget(wizard)
    wizard.file.setText(str(path))
    wizard.go_next()
    assert wizard.peeked.header_row == 2
    assert wizard.chosen_mapping() == {1: "name", 2: "id_number", 3: "category", 4: "phone"}
    wizard.go_next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    assert wizard.report.valid == 2 and len(wizard.report.errors) == 1
    out = tmp_path / "出错的行.xlsx"
    from PySide6.QtWidgets import QFileDialog

    qtbot_patch = pytest.MonkeyPatch()
    qtbot_patch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    wizard.save_error_book()
    qtbot_patch.undo()
    assert openpyxl.load_workbook(out).active.cell(2, 3).value == 2.3e17
    wizard.skip_invalid.setChecked(True)
    wizard.go_next()
    qtbot.waitUntil(lambda: any(m[1] == "导入完成" for m in messages), timeout=10000)
    assert count(window.ctx.db, Volunteer) == before + 2


def test_reports_export_and_package(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    page = window.page("报表中心")
    page.forms.setCurrentRow(1)
    assert page.preview_model.rowCount() > 100
    assert "********" in page.preview_model.data(page.preview_model.index(0, 5))
    out = tmp_path / "五老花名册.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    page.export("xlsx")
    qtbot.waitUntil(out.exists, timeout=15000)
    assert openpyxl.load_workbook(out).worksheets[0]["A1"].value.endswith("队伍花名册")
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "u"))
    (tmp_path / "u").mkdir()
    page.package()
    qtbot.waitUntil(lambda: bool(opened), timeout=30000)
    assert len(list((tmp_path / "u").glob("*.zip"))) == 1


def test_background_work_can_be_cancelled(qtbot, messages):
    import time

    steps = []

    def work(progress):
        for i in range(200):
            progress(i / 200, f"第 {i} 步")
            steps.append(i)
            time.sleep(0.01)
        return "done"

    results = []
    op = ops.run_op(None, work, results.append, label="测试")
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=5000)
    with qtbot.waitSignal(op.done, timeout=5000):
        op.cancel_requested.set()
    assert results == [] and len(steps) < 200
    assert messages[-1][1] == "已取消"


def test_errors_in_background_work_become_a_message(qtbot, messages):
    from models.errors import FileProblem

    def work(_progress):
        raise FileProblem("磁盘空间不足，无法写入“x”。")

    op = ops.run_op(None, work)
    with qtbot.waitSignal(op.done, timeout=5000):
        pass
    assert messages[-1][0] == "warning" and "磁盘空间不足" in messages[-1][2]


def test_large_font_setting_applies(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    settings_page = window.page("设置")
    settings_page.font_size.setCurrentIndex(2)
    settings_page.save()
    assert QApplication.instance().font().pointSize() == 15
    settings_page.font_size.setCurrentIndex(0)
    settings_page.save()
    assert QApplication.instance().font().pointSize() == 11


def test_unmasking_is_logged(window):
    from models.entities import AuditEntry

    window.ctx.set_masked(False)
    page = window.page("五老队伍")
    assert "*" not in page.model.rows[0][4] or page.model.rows[0][4] == ""
    with window.ctx.db.reader() as s:
        assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "显示完整号码"
    window.ctx.set_masked(True)


def test_smoke_command_prints_startup_time(demo_file, tmp_path):
    from tests.helpers import cli

    path = tmp_path / "t.sqlite"
    shutil.copy(demo_file, path)
    proc = cli("--db", path, "--smoke", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("startup_ms=")
    assert int(proc.stdout.strip().split("=")[1]) > 0


def test_first_run_asks_for_the_committee(qtbot, tmp_path, monkeypatch, messages):
    from gui.first_run import FirstRunDialog
    from models import settings

    db = Database.open(tmp_path / "new.sqlite")
    w = MainWindow(db)
    qtbot.addWidget(w)

    def fill(self):
        self.name.setText("白云镇关工委")
        self.region.setText("某县白云镇")
        return 1

    monkeypatch.setattr(FirstRunDialog, "exec", fill)
    w.maybe_first_run()
    with db.reader() as s:
        assert settings.committee(s).committee_name == "白云镇关工委"
    w.close()
    assert Path(db.path).exists()


def test_about_dialog_names_version_data_folder_and_licences(window, qtbot):
    from gui.about import AboutDialog
    from models import APP_VERSION

    dialog = AboutDialog(window.ctx.db, window)
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert APP_VERSION in text and str(window.ctx.db.path) in text
    assert "Apache-2.0" in text and "LGPL-3.0" in text and "SQLAlchemy" in text


def test_backup_now_and_restore_from_the_list(window, qtbot, messages):
    data = window.page("数据管理")
    data.tabs.setCurrentIndex(1)
    data.backup_now()
    qtbot.waitUntil(lambda: any(m[1] == "备份完成" for m in messages), timeout=15000)
    assert data.backups.rows and data.backups.rows[0][1] == "手动"
    assert "上次备份" in window.backup_label.text()
    before = count(window.ctx.db, Volunteer)
    page = window.page("五老队伍")
    page.view.selectRow(0)
    page.delete_current()
    assert count(window.ctx.db, Volunteer) == before - 1
    data = window.page("数据管理")
    data.refresh_backups()
    row = next(i for i, r in enumerate(data.backups.rows) if r[1] == "手动")
    data.backup_view.selectRow(row)
    data.restore_selected()
    qtbot.waitUntil(lambda: any(m[1] == "恢复完成" for m in messages), timeout=15000)
    assert count(window.ctx.db, Volunteer) == before
    assert any(r[1] == "恢复前" for r in data.backups.rows)


def test_export_the_list_on_screen_and_the_audit_log(window, qtbot, tmp_path, monkeypatch,
                                                     messages):
    from PySide6.QtWidgets import QFileDialog

    page = window.page("活动台账")
    page.filters["year"].setCurrentIndex(1)
    out = tmp_path / "活动.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    page.export_list()
    qtbot.waitUntil(out.exists, timeout=10000)
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[2]][:2] == ["日期", "活动名称"]
    assert ws.max_row - 2 == page.model.total
    audit_out = tmp_path / "日志.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(audit_out), ""))
    window.page("数据管理").export_audit()
    assert openpyxl.load_workbook(audit_out).active.max_row >= 3


def test_check_data_from_the_window(window, qtbot, messages):
    data = window.page("数据管理")
    data.check_data()
    qtbot.waitUntil(lambda: any(m[1] == "检查通过" for m in messages), timeout=15000)
    assert "五老" in next(m[2] for m in messages if m[1] == "检查通过")


def test_money_typed_wrongly_is_named_beside_its_field(window, qtbot):
    from gui.dialogs_records import DonationDialog
    from models import donations

    page = window.page("捐资助学")
    dialog = DonationDialog(window, window.ctx.db, on_save=page.save_with(donations.create))
    qtbot.addWidget(dialog)
    dialog.donor.setText("某公司")
    dialog.money.setText("一万")
    dialog.show()
    dialog.accept()
    assert dialog.isVisible() and dialog.errors["捐款金额(元)"].isVisible()
    dialog.money.setText("10,000.50")
    dialog.accept()
    assert not dialog.isVisible()


def test_dashboard_catches_up_when_shown_again(window, monkeypatch):
    dash = window.page("首页")
    window.page("五老队伍")
    calls = []
    monkeypatch.setattr(dash, "refresh", lambda *a, **k: calls.append(1))
    from models.changes import Changes

    window.ctx.bus.publish(Changes.of("volunteers"))
    window.ctx.bus.publish(Changes.of("activities"))
    assert calls == []
    window.page("首页")
    assert calls == [1]
