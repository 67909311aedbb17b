"""Pages are built and filled when first visited, their data read off the GUI thread; the
window never waits for a background load that failed (issue 25 item 4)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gui import ops
from gui.main_window import NAV, MainWindow
from models.db import Database
from tests.helpers import ROOT, cli_demo


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """A demo township written by the program (its first-screen figures stored)."""
    return cli_demo(tmp_path_factory.mktemp("town"), seed=3)


@pytest.fixture
def window(qtbot, town, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    boxes: list[tuple] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, **k: boxes.append(a[1:3]))
    path = tmp_path / "town.sqlite"
    shutil.copy(town, path)
    w = MainWindow(Database.open(path))
    w.boxes = boxes
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    yield w
    w.close()


def idle(qtbot) -> None:
    """Wait until the background work the pages started is done."""
    qtbot.waitUntil(lambda: not ops._RUNNING, timeout=20_000)


def test_every_page_visited_first_time_shows_its_data(window, qtbot):
    from gui.list_page import ListPage

    for name in NAV:
        assert name == "首页" or name not in window.pages  # built when first visited
        page = window.page(name)
        idle(qtbot)
        assert window.stack.currentWidget() is page
        if isinstance(page, ListPage):
            assert page.model.rowCount() > 0 and page.count_label.text().startswith("共 "), name
    reports = window.pages["报表中心"]
    assert reports.preview_model.rowCount() > 0
    assert re.match(r"共 \d+ 行", reports.info.text()) and not reports.stop_button.isVisible()
    assert window.boxes == []


def test_the_reports_preview_is_built_in_the_background(window, qtbot):
    window.nav.setCurrentRow(NAV.index("报表中心"))
    page = window.pages["报表中心"]
    # the page is shown at once, saying the preview is on its way; the table fills in later
    assert page.info.text().startswith("正在生成预览") and page.stop_button.isVisible()
    assert page.building is not None
    idle(qtbot)
    assert page.building is None and page.preview_model.rowCount() > 0
    first = page.preview_model.table
    assert first is not None and page.title.text() == first.title

    # another form chosen while one builds: the earlier build is cancelled quietly and the
    # table shows the form chosen last, never the earlier one's rows under its title
    assert page.forms.currentRow() == 1
    page.forms.setCurrentRow(2)
    earlier = page.building
    page.forms.setCurrentRow(3)
    assert earlier is not None and earlier.cancel_requested.is_set()
    assert page.preview_model.rowCount() == 0
    idle(qtbot)
    table = page.preview_model.table
    assert table is not None and table.form.title == page.forms.item(3).text()
    assert page.title.text() == table.title
    assert window.boxes == []  # a preview cancelled by the program shows no box


def test_the_preview_can_be_stopped_and_leaving_the_page_stops_it(window, qtbot):
    page = window.page("报表中心")
    idle(qtbot)
    page.forms.setCurrentRow(0)
    op = page.building
    assert op is not None
    page.stop_button.click()  # 取消
    idle(qtbot)
    assert op.cancel_requested.is_set() and page.building is None
    assert not page.stop_button.isVisible()
    assert page.info.text().startswith("预览已停止") and page.preview_model.rowCount() == 0
    assert window.boxes == []

    page.forms.setCurrentRow(3)
    op = page.building
    window.nav.setCurrentRow(NAV.index("设置"))  # left while building: stopped
    # (and built again when shown again)
    assert op is not None and op.cancel_requested.is_set()
    idle(qtbot)
    assert page.preview_model.rowCount() == 0
    window.page("报表中心")
    idle(qtbot)
    table = page.preview_model.table
    assert table is not None and table.form.title == page.forms.item(3).text()
    assert window.boxes == []


def test_a_long_preview_shows_its_first_screenful_while_the_rest_is_read(window, qtbot,
                                                                        monkeypatch):
    from exports.formdata import FIRST_ROWS

    page = window.page("报表中心")
    idle(qtbot)
    page.forms.setCurrentRow(list(reports_forms()).index("volunteers"))  # the 五老 roster
    idle(qtbot)
    assert len(page.preview_model.table.rows) > FIRST_ROWS
    shown: list[tuple[Any, bool]] = []  # (table set, still building) as the clerk sees them
    real = page.preview_model.set_table

    def spy(table):
        shown.append((table, page.building is not None))
        real(table)

    monkeypatch.setattr(page.preview_model, "set_table", spy)
    page.year.setCurrentIndex(page.year.currentIndex() + 1)  # another year: built anew
    assert not page.first_shown
    idle(qtbot)
    # emptied (another year's rows never shown under this title), the first screenful while
    # it builds, then the whole table
    assert [(t is None, building) for t, building in shown] == [
        (True, False), (False, True), (False, True)]
    (_none, _b), (first, _b1), (whole, _b2) = shown
    assert len(first.rows) == FIRST_ROWS < len(whole.rows)
    assert first.rows == whole.rows[:FIRST_ROWS] and first.title == whole.title
    assert page.first_shown and page.building is None and page.preview_model.table is whole


def test_a_stopped_preview_keeps_no_first_screenful(window, qtbot, monkeypatch):
    import threading

    import gui.pages.reports as reports
    from exports.formdata import FIRST_ROWS, FormTable

    real, gate = reports.build_table, threading.Event()

    def slow(s, form_id, context, on_progress=None, on_first_rows=None):
        table = real(s, form_id, context)
        on_first_rows(FormTable(table.form, table.title, table.unit_line, table.rows[:FIRST_ROWS]))
        gate.wait(20)  # the rest being read until the clerk stops it
        on_progress(0.0, "")  # raises Cancelled once 取消 was pressed
        return table

    monkeypatch.setattr(reports, "build_table", slow)
    window.nav.setCurrentRow(NAV.index("报表中心"))
    page = window.pages["报表中心"]
    qtbot.waitUntil(lambda: page.first_shown, timeout=20_000)
    assert page.building is not None
    assert page.preview_model.rowCount() == FIRST_ROWS
    page.stop_button.click()
    gate.set()
    idle(qtbot)
    assert page.info.text().startswith("预览已停止") and page.building is None
    assert page.preview_model.rowCount() == 0 and not page.first_shown  # not kept as the table


def test_a_search_is_read_in_the_background_and_the_latest_wins(window, qtbot):
    page = window.page("五老队伍")
    idle(qtbot)
    everyone = page.model.total
    name = page.model.rows[0][0]
    page.search.setText(name)
    assert page.model.total == everyone  # the keystroke itself reads nothing
    page._debounce.stop()
    first = page.load(fit=False)
    page.search.setText("没有这个人")
    latest = page.load(fit=False)
    assert page.loading
    idle(qtbot)
    assert not first.cancel_requested.is_set()  # read, but superseded
    assert page.model.total == 0 and page.count_label.text() == "共 0 条"
    assert latest is not first
    page.search.setText(name)  # typing pauses: the debounce reads it
    qtbot.waitUntil(lambda: page.model.total >= 1 and not page.loading, timeout=20_000)
    assert all(row[0] == name for row in page.model.rows)


def test_a_page_is_never_queued_behind_the_writing_worker(window, qtbot):
    import threading

    release = threading.Event()
    busy = ops.run_op(window, lambda _p: release.wait(30), quiet=True)  # e.g. a long backup
    try:
        page = window.page("帮扶对象")  # waits for the list's first screenful
        assert page.model.rowCount() > 0 and busy in ops._RUNNING  # the writer still busy
    finally:
        release.set()
    with qtbot.waitSignal(busy.done, timeout=20_000):
        pass


def reports_forms():
    from exports.forms import FORMS

    return FORMS


def test_a_preview_that_fails_says_so_on_the_page(window, qtbot, monkeypatch):
    import gui.pages.reports as reports

    def broken(*_a, **_k):
        raise RuntimeError("broken form")

    monkeypatch.setattr(reports, "build_table", broken)
    page = window.page("报表中心")
    idle(qtbot)
    assert page.info.text().startswith("预览没有生成：") and "程序遇到意外错误" in page.info.text()
    assert page.preview_model.rowCount() == 0 and not page.stop_button.isVisible()


CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from PySide6.QtWidgets import QMessageBox

def said(_parent, title, text, *a, **k):
    print(f"said={title}|{text}", flush=True)

QMessageBox.critical = staticmethod(said)
QMessageBox.warning = staticmethod(said)

def boom(*_a, **_k):
    raise RuntimeError("boom in the loader")

if sys.argv[3] == "open":  # the background thread fails
    import models.db
    models.db.Database.load = boom
else:  # the GUI thread fails completing the window
    import gui.main_window
    gui.main_window.MainWindow.attach = boom
import main
sys.exit(main.main(["--db", sys.argv[2]]))
"""


@pytest.mark.parametrize("where", ["open", "attach"])
def test_a_failed_load_says_what_to_do_instead_of_waiting(town, tmp_path, where):
    path = tmp_path / "town.sqlite"
    shutil.copy(town, path)
    data = tmp_path / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GGTZ_DATA_DIR": str(data),
           "GGTZ_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), where],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("said=")]
    assert len(lines) == 1, proc.stdout
    title, text = lines[0][5:].split("|", 1)
    assert title == "无法载入数据库"
    assert text.startswith("数据库没能载入完成，程序遇到意外错误") and "重新打开" in text
    log = Path(re.search(r"详情已保存到“(.+?)”", text)[1])
    assert log.is_relative_to(data) and "boom in the loader" in log.read_text(encoding="utf-8")
    assert "Traceback" not in proc.stderr
