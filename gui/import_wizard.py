"""The import wizard: pick a file → check the header and column mapping → answer what the
import does not know (one page: every unknown value with its row count and a pick list preset
to the guess) → see every row error → import the valid rows (or cancel) → save the error
workbook. The answers travel like ``--map`` and are remembered when the import is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtWidgets import QDialog as _Dialog

from exports import importer, workbooks
from exports.forms import FORMS, IMPORT_KINDS
from exports.values import Answer, Question, value_key
from gui import files
from gui.context import AppContext
from gui.files import show_saved
from gui.ops import run_op, show_error
from gui.table_model import RowsModel
from models import backup
from models.changes import Changes
from models.errors import UserError
from models.subjects import import_kinds, subject
from models.synonyms import CREATE, TABLE_LABELS

#: the pick list entry that answers nothing (the value stays unknown)
UNANSWERED = ""
STEP_FILE, STEP_MAPPING, STEP_QUESTIONS, STEP_CHECK = range(4)
#: unknown values listed on the questions page (more means a column is taken for another)
MAX_SHOWN = 200

#: import kind -> what the wizard calls it (the navigation entry of its page, models.subjects)
KIND_LABELS = {k: subject(k).nav for k in import_kinds()}


def _step_page(title: str) -> tuple[QWidget, QVBoxLayout]:
    """A wizard step's page and its layout, headed by ``title``."""
    page = QWidget()
    layout = QVBoxLayout(page)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    return page, layout


def _note(layout: QVBoxLayout) -> QLabel:
    """A wrapping line of explanation, next in ``layout``."""
    label = QLabel()
    label.setWordWrap(True)
    layout.addWidget(label)
    return label


def _table(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setTabKeyNavigation(False)  # Tab leaves the table (keyboard users)
    view.setModel(model)
    return view


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
        self.steps.addWidget(self._step_questions())
        self.steps.addWidget(self._step_check())
        #: every value asked about since the file was chosen (answered ones stay listed)
        self.asked: dict[tuple[str, str, str], Question] = {}
        self.question_boxes: dict[tuple[str, str, str], QComboBox] = {}
        self.choices: dict[str, list[str]] = {}
        self.back = QPushButton("上一步")
        self.next = QPushButton("下一步")
        self.cancel = QPushButton("取消")
        self.back.clicked.connect(self.go_back)
        self.next.clicked.connect(self.go_next)
        self.cancel.clicked.connect(self.reject)
        self.next.setDefault(True)  # Enter goes on, Esc cancels
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
            show_saved(self, "模板已保存", path)

    # -- step 2 --------------------------------------------------------------------------------
    def _step_mapping(self) -> QWidget:
        page, layout = _step_page("第二步：核对表头和列的对应关系")
        self.header_info = _note(layout)
        self.sheets_info = _note(layout)
        self.mapping_box = QWidget()
        self.mapping_form = QFormLayout(self.mapping_box)
        self.sample_model = RowsModel([])
        cols = QHBoxLayout()
        cols.addWidget(self.mapping_box, 1)
        cols.addWidget(_table(self.sample_model), 2)
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

    # -- step 3: the values the import does not know --------------------------------------------
    def _step_questions(self) -> QWidget:
        page, layout = _step_page("第三步：确认程序不认识的值")
        self.questions_info = _note(layout)
        self.questions_box = QWidget()
        self.questions_grid = QGridLayout(self.questions_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.questions_box)
        layout.addWidget(scroll, 1)
        return page

    def _fill_questions(self) -> None:
        while self.questions_grid.count():
            item = self.questions_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, not when the event loop next runs
                widget.deleteLater()
        old = {k: box.currentData() for k, box in self.question_boxes.items()}
        self.question_boxes = {}
        for col, head in enumerate(("列", "文件里写的", "行数", "对应为")):
            label = QLabel(head)
            label.setObjectName("sectionTitle")
            self.questions_grid.addWidget(label, 0, col)
        shown = list(self.asked.items())[:MAX_SHOWN]
        for r, (key, q) in enumerate(shown, start=1):
            self.questions_grid.addWidget(QLabel(q.column), r, 0)
            self.questions_grid.addWidget(QLabel(q.value), r, 1)
            self.questions_grid.addWidget(QLabel(f"{len(q.rows)} 行"), r, 2)
            box = self.question_box(q)
            if key in old:
                box.setCurrentIndex(max(box.findData(old[key]), 0))
            self.questions_grid.addWidget(box, r, 3)
            self.question_boxes[key] = box
        self.questions_grid.setRowStretch(len(shown) + 1, 1)
        required = sum(1 for q in self.asked.values() if q.required)
        self.questions_info.setText(
            f"文件里有 {len(self.asked)} 个值程序不认识。请为每个值选择它在程序里对应的代码"
            "（已按最可能的意思预先选好，请核对）。"
            + (f"其中 {required} 个是必填的列，不选择的话这些行不能导入。" if required else "")
            + "导入完成后程序会记住这些选择，以后的导入直接使用（可在“设置”里删除）。"
            + (f"\n这里只列出前 {MAX_SHOWN} 个。不认识的值这么多，可能是某一列对应错了，"
               "请点“上一步”核对列的对应关系。" if len(self.asked) > MAX_SHOWN else ""))

    def question_box(self, q: Question) -> QComboBox:
        """The pick list of one unknown value, preset to what was taken or guessed."""
        box = QComboBox()
        label = TABLE_LABELS.get(q.table, q.table)
        if q.table == "group":
            box.addItem(f"新建关工小组“{q.value}”", CREATE)
            box.addItem("（留空，不填关工小组）", UNANSWERED)
        elif q.table == "volunteer":
            box.addItem("（不结对）", UNANSWERED)
        elif q.table == "yes_no":
            box.addItem("（不确定，按“否”）", UNANSWERED)
        else:
            box.addItem("（不确定，这些行先不导入）" if q.required else f"（留空，不填{label}）",
                        UNANSWERED)
        for code in self.choices.get(q.table, []):
            box.addItem(f"同一个：{code}" if q.table in ("group", "volunteer") else code, code)
        preset = q.taken or q.guess or UNANSWERED
        box.setCurrentIndex(max(box.findData(preset), 0))
        return box

    def answers(self) -> list[Answer]:
        """The pick lists as answers (like ``--map``). A value the file's own legend explained
        is passed only when the clerk changed it (a legend is not remembered)."""
        out = []
        for key, box in self.question_boxes.items():
            q = self.asked[key]
            code = box.currentData()
            if not code or (q.taken is not None and code == q.taken):
                continue
            out.append(Answer(q.column, q.value, code, q.table))
        return out

    # -- step 4 --------------------------------------------------------------------------------
    def _step_check(self) -> QWidget:
        page, layout = _step_page("第四步：检查结果")
        self.summary = _note(layout)
        self.problems = RowsModel(["行号", "列", "类型", "说明"])
        view = _table(self.problems)
        view.horizontalHeader().setStretchLastSection(True)
        self.skip_invalid = QCheckBox("跳过出错的行，只导入正确的行")
        self.update_existing = QCheckBox("身份证号已存在时，用文件里的内容更新原有记录")
        self.update_existing.toggled.connect(lambda _c: self.check())
        self.create_groups = QCheckBox("新建文件里出现、程序里还没有的关工小组")
        self.create_groups.setVisible(False)
        self.create_groups.toggled.connect(lambda _c: self.check())
        # dates written without a year (3月5日) when the file names none: the clerk says which
        self.use_year = QCheckBox("没有写年份的日期按这一年：")
        self.year = QSpinBox()
        self.year.setRange(1949, 2100)
        self.year.setValue(dt.date.today().year)
        self.year.setSuffix(" 年")
        for w in (self.use_year, self.year):
            w.setVisible(False)
        self.use_year.toggled.connect(lambda _c: self.check())
        self.year.valueChanged.connect(self._year_changed)
        self.save_errors = QPushButton("把出错的行另存为 Excel…")
        self.save_errors.clicked.connect(self.save_error_book)
        row = QHBoxLayout()
        row.addWidget(self.skip_invalid)
        row.addWidget(self.update_existing)
        row.addWidget(self.create_groups)
        row.addWidget(self.use_year)
        row.addWidget(self.year)
        row.addStretch(1)
        row.addWidget(self.save_errors)
        layout.addWidget(view, 1)
        layout.addLayout(row)
        return page

    def options(self, dry_run: bool) -> importer.ImportOptions:
        return importer.ImportOptions(dry_run=dry_run, skip_invalid=self.skip_invalid.isChecked(),
                                      update=self.update_existing.isChecked(),
                                      mapping=self.chosen_mapping(),
                                      create_groups=self.create_groups.isChecked(),
                                      answers=list(self.answers()),
                                      default_year=self.default_year())

    def default_year(self) -> int | None:
        return self.year.value() if self.use_year.isChecked() else None

    def _year_changed(self, _year: int) -> None:
        if self.use_year.isChecked():  # the year counts only while its box is ticked
            self.check()

    def check(self) -> None:
        kind, path = self.kind.currentData(), self.file.text()
        options = importer.ImportOptions(dry_run=True, skip_invalid=True,
                                         update=self.update_existing.isChecked(),
                                         mapping=self.chosen_mapping(),
                                         create_groups=self.create_groups.isChecked(),
                                         answers=list(self.answers()),
                                         default_year=self.default_year())

        def work(progress: Any) -> importer.ImportReport:
            return importer.run_import(self.ctx.db, kind, path, options, progress)

        run_op(self, work, self._show_report, label="正在检查每一行…")

    def _show_report(self, report: importer.ImportReport) -> None:
        self.report = report
        self.choices.update(report.choices)
        fresh = False
        for q in report.unknown_values:
            key = (q.table, q.column, value_key(q.value))
            if key in self.asked:
                self.asked[key].rows = sorted({*self.asked[key].rows, *q.rows})
            else:
                self.asked[key] = q
                fresh = True
        if fresh:
            self._fill_questions()
        if self.steps.currentIndex() == STEP_MAPPING:
            self.steps.setCurrentIndex(STEP_QUESTIONS if self.asked else STEP_CHECK)
            self._update_buttons()
        bad = len({e.row for e in report.errors})
        open_questions = [q for q in report.unknown_values if q.taken is None]
        self.summary.setText(
            f"读到 {report.rows_read} 行数据（跳过空行和合计行 {report.skipped} 行）。"
            f"其中 {report.valid} 行正确（新增 {report.imported} 条，更新 {report.updated} 条），"
            f"{bad} 行有错误，另有 {len(report.warnings)} 条提示。"
            + (f"\n程序不认识的值：{len(self.asked)} 个，已按你的选择处理 "
               f"{len(self.asked) - len(open_questions)} 个"
               + (f"，还有 {len(open_questions)} 个没有选择（如“{open_questions[0].column}："
                  f"{open_questions[0].value}”），可点“上一步”选择" if open_questions else "")
               + "。" if self.asked else "")
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
        if report.year_missing_rows or self.use_year.isChecked():
            for w in (self.use_year, self.year):
                w.setVisible(True)
            self.use_year.setToolTip(f"{report.year_missing_rows} 行的日期没有写年份，"
                                     "表格标题、工作表名和文件名里也没有唯一的年份")
        self.save_errors.setEnabled(bool(report.error_rows or report.unknown_values))
        self._update_buttons()

    def save_error_book(self) -> None:
        if self.report is None or not (self.report.error_rows or self.report.unknown_values):
            return
        path = files.save_file(self, "保存出错的行", "出错的行.xlsx", "Excel 文件 (*.xlsx)",
                               db_path=self.ctx.db.path)
        if path:
            try:
                workbooks.write_error_book(path, self.report)
            except UserError as err:
                show_error(self, err)
                return
            show_saved(self, "已保存", path, f"已保存到“{path}”，改正后可以重新导入。")

    def do_import(self) -> None:
        kind, path, options = self.kind.currentData(), self.file.text(), self.options(False)
        db = self.ctx.db

        from models import volunteers

        newest: list[int] = []

        def work(progress: Any) -> importer.ImportReport:
            with db.reader() as s:
                newest.append(volunteers.newest_id(s))
            return importer.run_import(db, kind, path, options, progress,
                                       before_write=backup_first)

        def backup_first() -> None:
            backup.make_backup(db, kind="导入前")

        def done(report: importer.ImportReport) -> None:
            if report.written:
                self.ctx.bus.publish(Changes.of(kind, "pairings", "students", "trash",
                                                *(["settings", "groups"] if report.remembered
                                                  or report.unknown_groups else [])))
                if kind == "volunteers":
                    self._offer_joined(report.summary(), newest[0] if newest else 0)
                else:
                    QMessageBox.information(self, "导入完成", report.summary())
                self.accept()
            else:
                QMessageBox.warning(self, "没有导入", report.summary())

        run_op(self, work, done, label="正在导入…")

    def _offer_joined(self, summary: str, after_id: int) -> None:
        """The import's summary; when the new 五老 lack a 加入时间, in the same message the
        offer to fill it in with today's date (else they never count as 本年新增)."""
        import datetime as dt

        from gui.ops import perform
        from models import volunteers

        with self.ctx.db.reader() as s:
            ids = volunteers.without_joined(s, after_id)
        if not ids:
            QMessageBox.information(self, "导入完成", summary)
            return
        today = dt.date.today()
        answer = QMessageBox.question(
            self, "导入完成",
            f"{summary}\n\n刚导入的 {len(ids)} 位五老没有填加入时间，他们不算“本年新增”"
            "（首页的本年新增按加入时间统计）。\n\n要把他们的加入时间填为今天"
            f"（{today:%Y.%m.%d}）吗？选“否”则保持空着，以后可以在“五老队伍”里逐个填写。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            perform(self.ctx, self, volunteers.fill_joined, ids, today, title="没有补填")

    # -- navigation ----------------------------------------------------------------------------
    def go_next(self) -> None:
        step = self.steps.currentIndex()
        if step == STEP_FILE:
            if not self.file.text():
                QMessageBox.information(self, "提示", "请先选择要导入的文件。")
                return
            try:
                self.peeked = importer.peek(Path(self.file.text()), self.kind.currentData())
            except UserError as err:
                show_error(self, err)
                return
            self.asked, self.choices = {}, {}
            self._fill_questions()
            self._fill_mapping(self.peeked)
            self.steps.setCurrentIndex(STEP_MAPPING)
        elif step == STEP_MAPPING:
            self.check()  # shows the questions page when there are unknown values
        elif step == STEP_QUESTIONS:
            self.steps.setCurrentIndex(STEP_CHECK)
            self.check()
        else:
            self.do_import()
        self._update_buttons()

    def go_back(self) -> None:
        step = self.steps.currentIndex()
        back = STEP_QUESTIONS if step == STEP_CHECK and self.asked else \
            STEP_MAPPING if step == STEP_CHECK else max(0, step - 1)
        self.steps.setCurrentIndex(back)
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.steps.currentIndex()
        self.back.setEnabled(step > 0)
        self.next.setText("开始导入" if step == STEP_CHECK else "下一步")


def sheets_text(peek: importer.Peek) -> str:
    """Which sheets will be imported (with their rows) and which are passed over."""
    listed = "、".join(f"“{i.name}”（{i.rows_read} 行）" for i in peek.sheets)
    text = f"将导入 {len(peek.sheets)} 个工作表：{listed}。"
    if peek.passed_over:
        text += f"没有表头或缺少必需的列、不导入：{'、'.join(peek.passed_over)}。"
    return text
