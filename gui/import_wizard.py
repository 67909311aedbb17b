"""The import wizard: pick a file → check the header and column mapping → see every row
error → import the valid rows (or cancel) → save the error workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtWidgets import QDialog as _Dialog

from exports import importer, workbooks
from exports.forms import FORMS, IMPORT_KINDS
from gui import files
from gui.context import AppContext
from gui.ops import run_op, show_error
from gui.table_model import RowsModel
from models import backup
from models.changes import Changes
from models.errors import UserError

KIND_LABELS = {"groups": "关工组织", "volunteers": "五老队伍", "students": "帮扶对象",
               "pairings": "结对帮扶", "activities": "活动台账", "donations": "捐资助学"}


class ImportWizard(_Dialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("从 Excel 导入")
        self.resize(1000, 640)
        self.report: importer.ImportReport | None = None
        self.peeked: importer.Peek | None = None
        self.steps = QStackedWidget()
        self.steps.addWidget(self._step_file())
        self.steps.addWidget(self._step_mapping())
        self.steps.addWidget(self._step_check())
        self.back = QPushButton("上一步")
        self.next = QPushButton("下一步")
        self.cancel = QPushButton("取消")
        self.back.clicked.connect(self.go_back)
        self.next.clicked.connect(self.go_next)
        self.cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        for b in (self.back, self.next, self.cancel):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps, 1)
        layout.addLayout(row)
        self._update_buttons()

    # -- step 1 --------------------------------------------------------------------------------
    def _step_file(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.kind = QComboBox()
        for k in IMPORT_KINDS:
            self.kind.addItem(KIND_LABELS[k], k)
        self.kind.setCurrentIndex(IMPORT_KINDS.index("volunteers"))
        self.file = QLineEdit()
        self.file.setPlaceholderText("选择 .xlsx、.xls 或 .csv 文件")
        pick = QPushButton("选择文件…")
        pick.clicked.connect(self.pick_file)
        template = QPushButton("下载空白模板…")
        template.clicked.connect(self.save_template)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(pick)
        title = QLabel("第一步：选择要导入的内容和文件")
        title.setObjectName("sectionTitle")
        form.addRow(title)
        form.addRow("导入内容：", self.kind)
        form.addRow("Excel 文件：", row)
        form.addRow("", template)
        hint = QLabel("程序会自动找到表头行（标题、日期等行可以保留），合计行、签名行会自动跳过。\n"
                      "身份证号一列请设为“文本”格式，否则 Excel 会把后几位变成 0。")
        hint.setWordWrap(True)
        form.addRow("", hint)
        return page

    def pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择 Excel 文件", "",
                                              "表格文件 (*.xlsx *.xls *.csv)")
        if path:
            self.file.setText(path)

    def save_template(self) -> None:
        kind = self.kind.currentData()
        path = files.save_file(self, "保存模板", f"{KIND_LABELS[kind]}导入模板.xlsx",
                               "Excel 文件 (*.xlsx)", db_path=self.ctx.db.path)
        if path:
            try:
                workbooks.write_template(kind, path)
            except UserError as err:
                show_error(self, err)
                return
            QMessageBox.information(self, "模板已保存", f"已保存到“{path}”。")

    # -- step 2 --------------------------------------------------------------------------------
    def _step_mapping(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        title = QLabel("第二步：核对表头和列的对应关系")
        title.setObjectName("sectionTitle")
        self.header_info = QLabel()
        self.header_info.setWordWrap(True)
        self.sheets_info = QLabel()
        self.sheets_info.setWordWrap(True)
        self.mapping_box = QWidget()
        self.mapping_form = QFormLayout(self.mapping_box)
        self.sample_model = RowsModel([])
        sample = QTableView()
        sample.setModel(self.sample_model)
        layout.addWidget(title)
        layout.addWidget(self.header_info)
        layout.addWidget(self.sheets_info)
        cols = QHBoxLayout()
        cols.addWidget(self.mapping_box, 1)
        cols.addWidget(sample, 2)
        layout.addLayout(cols, 1)
        self.mapping_combos: dict[int, QComboBox] = {}
        return page

    def _fill_mapping(self, peek: importer.Peek) -> None:
        while self.mapping_form.rowCount():
            self.mapping_form.removeRow(0)
        self.mapping_combos = {}
        form = FORMS[self.kind.currentData()]
        choices = [("（不导入）", "")] + [(c.label, c.key) for c in form.import_columns()]
        for i, label in enumerate(peek.header):
            if not label:
                continue
            box = QComboBox()
            for text, key in choices:
                box.addItem(text, key)
            key = peek.mapping.get(i, "")
            index = box.findData(key)
            box.setCurrentIndex(max(index, 0))
            self.mapping_form.addRow(f"{label} →", box)
            self.mapping_combos[i] = box
        self.header_info.setText(f"使用工作表“{peek.sheet}”，第 {peek.header_row} 行是表头。"
                                 "左边是文件里的列名，右边是程序里的栏目，可以修改。")
        self.sheets_info.setText(sheets_text(peek))
        self.sample_model.headers = peek.header
        self.sample_model.set_rows([[*v, *[""] * (len(peek.header) - len(v))][: len(peek.header)]
                                    for _n, v in peek.sample])

    def chosen_mapping(self) -> dict[int, str]:
        return {i: box.currentData() for i, box in self.mapping_combos.items() if box.currentData()}

    # -- step 3 --------------------------------------------------------------------------------
    def _step_check(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        title = QLabel("第三步：检查结果")
        title.setObjectName("sectionTitle")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problems = RowsModel(["行号", "列", "类型", "说明"])
        view = QTableView()
        view.setModel(self.problems)
        view.horizontalHeader().setStretchLastSection(True)
        self.skip_invalid = QCheckBox("跳过出错的行，只导入正确的行")
        self.update_existing = QCheckBox("身份证号已存在时，用文件里的内容更新原有记录")
        self.update_existing.toggled.connect(lambda _c: self.check())
        self.create_groups = QCheckBox("新建文件里出现、程序里还没有的关工小组")
        self.create_groups.setVisible(False)
        self.create_groups.toggled.connect(lambda _c: self.check())
        self.save_errors = QPushButton("把出错的行另存为 Excel…")
        self.save_errors.clicked.connect(self.save_error_book)
        row = QHBoxLayout()
        row.addWidget(self.skip_invalid)
        row.addWidget(self.update_existing)
        row.addWidget(self.create_groups)
        row.addStretch(1)
        row.addWidget(self.save_errors)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(view, 1)
        layout.addLayout(row)
        return page

    def options(self, dry_run: bool) -> importer.ImportOptions:
        return importer.ImportOptions(dry_run=dry_run, skip_invalid=self.skip_invalid.isChecked(),
                                      update=self.update_existing.isChecked(),
                                      mapping=self.chosen_mapping(),
                                      create_groups=self.create_groups.isChecked())

    def check(self) -> None:
        kind, path = self.kind.currentData(), self.file.text()
        options = importer.ImportOptions(dry_run=True, skip_invalid=True,
                                         update=self.update_existing.isChecked(),
                                         mapping=self.chosen_mapping(),
                                         create_groups=self.create_groups.isChecked())

        def work(progress: Any) -> importer.ImportReport:
            return importer.run_import(self.ctx.db, kind, path, options, progress)

        run_op(self, work, self._show_report, label="正在检查每一行…")

    def _show_report(self, report: importer.ImportReport) -> None:
        self.report = report
        bad = len({e.row for e in report.errors})
        self.summary.setText(
            f"读到 {report.rows_read} 行数据（跳过空行和合计行 {report.skipped} 行）。"
            f"其中 {report.valid} 行正确（新增 {report.imported} 条，更新 {report.updated} 条），"
            f"{bad} 行有错误，另有 {len(report.warnings)} 条提示。"
            + ("\n有错误时默认不导入任何数据；改正后重新导入，或勾选“跳过出错的行”。" if bad else ""))
        several = len(report.sheets) > 1
        rows = [[e.where() if several else e.row, e.column, "错误", e.message]
                for e in report.errors]
        rows += [[w.where() if several else w.row, w.column, "提示", w.message]
                 for w in report.warnings]
        self.problems.set_rows(rows)
        if report.unknown_groups:
            self.create_groups.setVisible(True)
            self.create_groups.setToolTip("、".join(report.unknown_groups))
            self.create_groups.setText(f"新建程序里还没有的 {len(report.unknown_groups)} 个关工小组："
                                       + "、".join(report.unknown_groups[:4])
                                       + ("等" if len(report.unknown_groups) > 4 else ""))
        self.save_errors.setEnabled(bool(report.error_rows))
        self._update_buttons()

    def save_error_book(self) -> None:
        if self.report is None or not self.report.error_rows:
            return
        path = files.save_file(self, "保存出错的行", "出错的行.xlsx", "Excel 文件 (*.xlsx)",
                               db_path=self.ctx.db.path)
        if path:
            try:
                workbooks.write_error_book(path, self.report)
            except UserError as err:
                show_error(self, err)
                return
            QMessageBox.information(self, "已保存", f"已保存到“{path}”，改正后可以重新导入。")

    def do_import(self) -> None:
        kind, path, options = self.kind.currentData(), self.file.text(), self.options(False)
        db = self.ctx.db

        def work(progress: Any) -> importer.ImportReport:
            return importer.run_import(db, kind, path, options, progress,
                                       before_write=lambda: backup.make_backup(db, kind="导入前"))

        def done(report: importer.ImportReport) -> None:
            if report.written:
                self.ctx.bus.publish(Changes.of(kind, "pairings", "students", "trash"))
                QMessageBox.information(self, "导入完成", report.summary())
                self.accept()
            else:
                QMessageBox.warning(self, "没有导入", report.summary())

        run_op(self, work, done, label="正在导入…")

    # -- navigation ----------------------------------------------------------------------------
    def go_next(self) -> None:
        step = self.steps.currentIndex()
        if step == 0:
            if not self.file.text():
                QMessageBox.information(self, "提示", "请先选择要导入的文件。")
                return
            try:
                self.peeked = importer.peek(Path(self.file.text()), self.kind.currentData())
            except UserError as err:
                show_error(self, err)
                return
            self._fill_mapping(self.peeked)
            self.steps.setCurrentIndex(1)
        elif step == 1:
            self.steps.setCurrentIndex(2)
            self.check()
        else:
            self.do_import()
        self._update_buttons()

    def go_back(self) -> None:
        self.steps.setCurrentIndex(max(0, self.steps.currentIndex() - 1))
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.steps.currentIndex()
        self.back.setEnabled(step > 0)
        self.next.setText("开始导入" if step == 2 else "下一步")


def sheets_text(peek: importer.Peek) -> str:
    """Which sheets will be imported (with their rows) and which are passed over."""
    listed = "、".join(f"“{i.name}”（{i.rows_read} 行）" for i in peek.sheets)
    text = f"将导入 {len(peek.sheets)} 个工作表：{listed}。"
    if peek.passed_over:
        text += f"没有表头、不导入：{'、'.join(peek.passed_over)}。"
    return text
