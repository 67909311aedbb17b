"""汇总 page (contract §6): choose the units' package files, see the dry-run summary, take them,
and the grid of units who reported for the year or are missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.context import AppContext
from gui.files import open_files
from gui.ops import Op, run_op
from models import rollup
from models.changes import Changes

STATUS_WORDS = {"new": "新收下", "replaced": "替换为新的", "unchanged": "已收过，没有变化"}
DRY_WORDS = {"new": "将新收下", "replaced": "将替换旧的", "unchanged": "已收过，没有变化"}


def _fill(table: QTableWidget, headers: list[str], rows: list[list[Any]]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
    table.resizeColumnsToContents()


class RollupPage(QWidget):
    """Packages are checked in a dry run first; 收下 takes exactly the files shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.files: list[str] = []
        self.last_op: Op | None = None
        head = QLabel("汇总")
        head.setObjectName("pageTitle")
        hint = QLabel("把各乡镇（或各县）报来的上报包（.zip）收进来：先“选择上报包”检查，"
                      "看过结果再点“收下”。坏包整个不收，不会影响已收的数据。")
        hint.setWordWrap(True)
        choose = QPushButton("选择上报包…")
        choose.clicked.connect(self.choose)
        self.take_button = QPushButton("收下")
        self.take_button.setEnabled(False)
        self.take_button.clicked.connect(self.take)
        self.year = QComboBox()
        this_year = dt.date.today().year
        for y in range(this_year, this_year - 6, -1):
            self.year.addItem(f"{y}年度", y)
        self.year.setCurrentIndex(1)
        self.year.currentIndexChanged.connect(self.refresh)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.checked = QTableWidget()
        self.checked.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.units = QTableWidget()
        self.units.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.units_line = QLabel("")
        buttons = QHBoxLayout()
        buttons.addWidget(choose)
        buttons.addWidget(self.take_button)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("年度："))
        buttons.addWidget(self.year)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.checked, 1)
        layout.addWidget(self.units_line)
        layout.addWidget(self.units, 2)
        self.refresh()

    # -- packages ---------------------------------------------------------------------------
    def choose(self) -> None:
        files = open_files(self, "选择上报包（可以一次选多个）", "上报包 (*.zip)")
        if files:
            self.check(files)

    def check(self, files: list[str]) -> Op:
        """Dry run of ``files``: shows what 收下 would do, writes nothing."""
        self.files = list(files)
        self.take_button.setEnabled(False)
        return self._run(dry_run=True)

    def take(self) -> Op | None:
        if not self.files:
            return None
        return self._run(dry_run=False)

    def _run(self, dry_run: bool) -> Op:
        from exports.rollup import take_packages

        files = [Path(f) for f in self.files]

        def work(_progress: Any) -> dict[str, Any]:
            return take_packages(self.ctx.db, list(files), dry_run=dry_run)

        def done(result: dict[str, Any]) -> None:
            self._show(result)
            if dry_run:
                self.take_button.setEnabled(any(t["status"] != "unchanged"
                                                for t in result["taken"]))
            else:
                self.files = []
                self.take_button.setEnabled(False)
                self.ctx.bus.publish(Changes.of("settings"))
                self.refresh()

        self.last_op = run_op(self, work, done,
                              label="正在检查上报包…" if dry_run else "正在收下上报包…")
        return self.last_op

    def _show(self, result: dict[str, Any]) -> None:
        words = DRY_WORDS if result["dry_run"] else STATUS_WORDS
        rows = [[t["file"], t["unit_name"], t["unit_code"], t["year"], words[t["status"]]]
                for t in result["taken"]]
        rows += [[r["file"], "", "", "", "不收：" + r["reason"]] for r in result["refused"]]
        _fill(self.checked, ["文件", "单位", "区划代码", "年度", "结果"], rows)
        counts = {k: sum(t["status"] == k for t in result["taken"]) for k in STATUS_WORDS}
        text = (f"新收 {counts['new']} 个，替换 {counts['replaced']} 个，没有变化 "
                f"{counts['unchanged']} 个，不收 {len(result['refused'])} 个。")
        self.summary.setText(("检查结果（还没有收下）：" if result["dry_run"] else "已收下：")
                             + text)

    # -- units grid -------------------------------------------------------------------------
    def refresh(self) -> None:
        year = int(self.year.currentData())
        with self.ctx.db.reader() as s:
            status = rollup.status(s, year)
            figures = {p.unit_code: rollup.package_figures(p)
                       for p in rollup.latest_packages(s, year)}
        rows = []
        for u in status["units"]:
            f = figures.get(u["unit_code"])
            rows.append([u["unit_name"], u["unit_code"],
                         "已上报" if u["status"] == "reported" else "未上报",
                         (u["taken_at"] or "")[:10], u["sequence"],
                         f["groups"]["total"] if f else "", f["volunteers"]["total"] if f else "",
                         f["students"]["total"] if f else "", f["activities"]["total"] if f else "",
                         f"{f['donations']['money_yuan']:,.2f}" if f else ""])
        _fill(self.units, ["单位", "区划代码", "上报情况", "收下日期", "序号", "组织数", "五老人数",
                           "帮扶对象", "活动场次", "捐款金额(元)"], rows)
        dupes = len(status["duplicates"])
        self.units_line.setText(
            f"{year}年度：已上报 {status['reported']} 个单位，未上报 {status['missing']} 个"
            + (f"；{dupes} 人同时出现在两个单位的名单里（可能重复，请核实）" if dupes else ""))
