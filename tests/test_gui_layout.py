"""Nothing is cut off and nothing is English: Qt's Chinese translations are loaded, every record
dialog shows every label, button and check box whole on a 1366×728 screen (a 1366×768 laptop
less its taskbar) at 标准 and 特大, the main window fits the screen and list columns fit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QWidget,
)

from gui.app import install_translations
from gui.dialogs.base import FormDialog
from gui.dialogs.people import StudentDialog, VolunteerDialog
from gui.dialogs.records import (
    ActivityDialog,
    AidDialog,
    CareDialog,
    DonationDialog,
    GroupDialog,
    HonorDialog,
    PairingDialog,
)
from gui.main_window import NAV, MainWindow
from models import paths
from tests import helpers
from tests.sheets import vid

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return helpers.demo_file(tmp_path_factory.mktemp("layout"), seed=5, today=TODAY)


@pytest.fixture
def window(qtbot, demo_file: Path, tmp_path: Path, screen: QRect, monkeypatch: pytest.MonkeyPatch):
    helpers.ok_boxes(monkeypatch)
    w = helpers.open_window(qtbot, demo_file, tmp_path)
    w.show()
    yield w
    w.close()


def test_qt_standard_buttons_are_chinese(qapp: QApplication) -> None:
    assert "qtbase_zh_CN" in install_translations(qapp)
    box = QMessageBox(QMessageBox.Icon.Question, "标题", "正文",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    assert "是" in box.button(QMessageBox.StandardButton.Yes).text()
    assert "否" in box.button(QMessageBox.StandardButton.No).text()
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    assert "确定" in buttons.button(QDialogButtonBox.StandardButton.Ok).text()
    assert "取消" in buttons.button(QDialogButtonBox.StandardButton.Cancel).text()


def _dialogs(window: MainWindow) -> list[FormDialog]:
    db = window.ctx.db
    return [GroupDialog(window, db), VolunteerDialog(window, db), StudentDialog(window, db),
            PairingDialog(window, db),
            AidDialog(window, db, 1, "测试学生"), ActivityDialog(window, db),
            DonationDialog(window, db), HonorDialog(window, db), CareDialog(window, db)]


def _cut(widget: QWidget) -> list[str]:
    """The visible texts of ``widget`` narrower than they need."""
    cut = []
    for child in widget.findChildren(QWidget):
        if not child.isVisible() or not isinstance(child, (QAbstractButton, QLabel)):
            continue
        text = child.text()
        if not text:
            continue
        need = child.minimumSizeHint().width()
        if isinstance(child, QLabel) and not child.wordWrap():
            need = max(need, child.fontMetrics().horizontalAdvance(text))
        if child.width() < need:
            cut.append(f"{type(child).__name__} {text!r}: {child.width()} < {need}")
    return cut


@pytest.mark.parametrize("font_size", ["normal", "larger"], indirect=True)
def test_every_record_dialog_is_whole_on_a_small_laptop(window, qtbot, font_size, screen) -> None:
    for dialog in _dialogs(window):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        if isinstance(dialog, (VolunteerDialog, StudentDialog)):
            # typed after the dialog opened: the ID fills in sex, birth and a long hint
            dialog.id_number.setText(vid(1950, 3, 7, 12))
            assert dialog.id_hint.text().startswith("有效")
        QApplication.processEvents()
        frame = dialog.frameGeometry()
        assert frame.width() <= screen.width() and frame.height() <= screen.height(), (
            type(dialog).__name__, frame)
        cut = _cut(dialog)
        assert not cut, f"{type(dialog).__name__} at {font_size}: " + "; ".join(cut)
        dialog.close()


def test_the_window_opens_within_the_available_screen(window, screen: QRect) -> None:
    window.restore_geometry()
    frame = window.frameGeometry()
    assert frame.height() <= screen.height() and frame.width() <= screen.width()
    assert window.width() >= 1000  # still roomy


def test_a_saved_geometry_larger_than_the_screen_is_brought_back_onto_it(window, screen) -> None:
    window.setGeometry(0, 0, 1900, 1150)  # saved on a bigger monitor
    config = paths.read_config()
    config["geometry"] = bytes(QByteArray(window.saveGeometry()).toHex().data()).decode()
    paths.write_config(config)
    window.restore_geometry()
    frame = window.frameGeometry()
    assert screen.contains(frame) or (frame.width() <= screen.width()
                                      and frame.height() <= screen.height())


def test_the_last_column_takes_no_more_than_it_holds(window) -> None:
    from gui.list_page import ListPage

    for name in NAV:
        page = window.page(name)
        if not isinstance(page, ListPage):
            continue
        header = page.view.horizontalHeader()
        n = page.model.columnCount()
        fits = [max(page.view.sizeHintForColumn(i), header.sectionSizeHint(i)) for i in range(n)]
        widths = [header.sectionSize(i) for i in range(n)]
        for i in range(n):  # every column shows what it holds (long ones up to 320 px)
            assert widths[i] >= min(fits[i], 320), (name, i, widths, fits)
        # room left over is shared in proportion: the last column gets no bigger share
        ratios = [w / min(f + 12, 320) for w, f in zip(widths, fits)]
        assert ratios[-1] <= max(ratios[:-1]) + 0.05, (name, widths, fits)


def test_a_checkbox_of_a_long_role_is_whole(window, qtbot, screen) -> None:
    dialog = VolunteerDialog(window, window.ctx.db)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    boxes = [b for b in dialog.findChildren(QCheckBox) if b.text() == "关工委班子成员"]
    assert boxes and boxes[0].width() >= boxes[0].minimumSizeHint().width()


@pytest.mark.parametrize("font_size", ["normal", "larger"], indirect=True)
def test_report_titles_and_chart_labels_are_whole(window, qtbot, font_size) -> None:
    reports = window.page("报表中心")
    QApplication.processEvents()
    fm = reports.forms.fontMetrics()
    room = reports.forms.viewport().width()
    for i in range(reports.forms.count()):
        text = reports.forms.item(i).text()
        assert fm.horizontalAdvance(text) <= room, (font_size, text)
    dashboard = window.page("首页")
    QApplication.processEvents()
    from gui.charts import BarChart

    for chart in dashboard.findChildren(BarChart):
        if chart.horizontal and chart.items:
            cfm = chart.fontMetrics()
            widest = max(cfm.horizontalAdvance(k) for k, _ in chart.items)
            assert chart.width() >= chart.minimumSizeHint().width() >= widest, (chart.title, font_size)
