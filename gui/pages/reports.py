"""报表中心: choose a form and a year → preview → 打印 / export .xlsx .pdf → 上报前自查 →
生成上报包; and the year's 工作总结 draft (.docx)."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exports.columns import display_text
from exports.formdata import FormContext, FormTable, build_table
from exports.forms import FORMS
from gui.context import AppContext
from gui.files import confirm_replace, pick_folder, save_file, show_saved
from gui.ops import Op, error_text, run_op, show_error
from models import quality, rollup, settings

#: rows the preview's columns are fitted to (fitting to 30 000 rows would take seconds)
FIT_ROWS = 100
#: the widest a preview column is fitted to (a long 备注 does not push the others away)
MAX_WIDTH = 420


def preview_and_print(parent: QWidget, pdf: Path) -> None:
    """The print preview of ``pdf`` (gui.printing, imported when first used)."""
    from gui.printing import preview_and_print as show

    show(parent, pdf)


class FormTableModel(QAbstractTableModel):
    """Shows a built form table (the rows that will be printed) in a view."""

    def __init__(self) -> None:
        super().__init__()
        self.table: FormTable | None = None

    def set_table(self, table: FormTable | None) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if self.table is None or parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if self.table is None or parent.isValid() else len(self.table.columns)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.table is None or not index.isValid():
            return None
        col = self.table.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(col.kind, self.table.rows[index.row()][index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            h = {"right": Qt.AlignmentFlag.AlignRight, "center": Qt.AlignmentFlag.AlignHCenter}
            return h.get(col.alignment, Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.table is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.table.columns[section].label
        return section + 1


class ReportsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.forms = QListWidget()
        for form in FORMS.values():
            self.forms.addItem(form.title)
        self.forms.setCurrentRow(1)
        self.forms.setObjectName("forms")
        widest = max(self.forms.fontMetrics().horizontalAdvance(f.title) for f in FORMS.values())
        self.forms.setFixedWidth(widest + 36)  # every title whole, at any font size
        self.year = QComboBox()
        this = dt.date.today().year
        for y in range(this, this - 10, -1):
            self.year.addItem(f"{y}年", y)
        self.full_id = QCheckBox("显示完整身份证号和电话（会记入操作日志）")
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.info = QLabel()
        # the preview is built in the background (a 30 000-row roster takes seconds): while it
        # builds, the line under the title says so and 取消 stops it
        self.stop_button = QPushButton("取消")
        self.stop_button.setToolTip("停止生成预览（打印和导出不受影响）")
        self.stop_button.setVisible(False)
        self.stop_button.clicked.connect(self.stop_preview)
        self.building: Op | None = None
        self._asked = 0  # the preview asked for last (earlier ones are cancelled or ignored)
        self.preview_model = FormTableModel()
        self.preview = QTableView()
        self.preview.setTabKeyNavigation(False)  # Tab goes on to the next control
        self.preview.setModel(self.preview_model)
        self.preview.setAlternatingRowColors(True)
        self.preview.verticalHeader().hide()
        buttons = QVBoxLayout()
        self.print_button = QPushButton("打印…")
        self.xlsx_button = QPushButton("导出 Excel…")
        self.pdf_button = QPushButton("导出 PDF…")
        self.package_button = QPushButton("生成上报包…")
        self.package_button.setToolTip("先自查本年度数据，再把全部报表（Excel 和 PDF）打包成一个压缩文件，"
                                       "可复制到U盘上报")
        self.quality_button = QPushButton("上报前自查…")
        self.quality_button.setToolTip("检查本年度数据里县里可能会问的问题（缺监护人电话、结对没有帮扶记录等）")
        self.report_button = QPushButton("生成工作总结…")
        self.report_button.setToolTip("按本年度台账数字生成年度工作总结草稿（Word 文件），核对修改后使用")
        # two rows: this form (print, export), then the year's work (report, check, package);
        # one row of six is cut off at 特大 and 长辈版 on a 1366-pixel screen
        for row_buttons in ((self.print_button, self.xlsx_button, self.pdf_button),
                            (self.report_button, self.quality_button, self.package_button)):
            row = QHBoxLayout()
            for b in row_buttons:
                row.addWidget(b)
            row.addStretch(1)
            buttons.addLayout(row)
        self.print_button.clicked.connect(self.print_form)
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.package_button.clicked.connect(self.package)
        self.quality_button.clicked.connect(self.check_quality)
        self.report_button.clicked.connect(self.write_report)
        options = QHBoxLayout()
        options.addWidget(QLabel("年度："))
        options.addWidget(self.year)
        options.addWidget(self.full_id)
        options.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(options)
        right.addWidget(self.title)
        info_row = QHBoxLayout()
        info_row.addWidget(self.info, 1)
        info_row.addWidget(self.stop_button)
        right.addLayout(info_row)
        right.addWidget(self.preview, 1)
        right.addLayout(buttons)
        head = QLabel("报表中心")
        head.setObjectName("pageTitle")
        body = QHBoxLayout()
        body.addWidget(self.forms)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        from gui.chain_panel import YearState

        self.year_state = YearState(ctx, lambda: int(self.year.currentData()))
        self.year.currentIndexChanged.connect(lambda _i: self.year_state.refresh())
        layout.addWidget(self.year_state)
        layout.addLayout(body, 1)
        self.forms.currentRowChanged.connect(lambda _r: self.refresh())
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.full_id.toggled.connect(self._full_id_toggled)
        ctx.bus.changed.connect(self._changed)
        self._stale = True  # the preview is built when the page is shown and out of date
        #: the preview shows rows of the form and year asked for last (its first screenful,
        #: while the rest of a long table is read; or the whole table)
        self.first_shown = False
        self._shown: tuple[str, int | None, bool] | None = None  # form, year, full_id shown

    def _full_id_toggled(self, checked: bool) -> None:
        """Showing full numbers in the preview is audited; if that fails they stay hidden."""
        if checked and not self.ctx.audit(self, "预览完整身份证号", "报表中心预览显示完整身份证号和电话"):
            self.full_id.setChecked(False)
            return
        self.refresh()

    def form_id(self) -> str:
        return list(FORMS)[max(self.forms.currentRow(), 0)]

    def context(self) -> FormContext:
        return FormContext(year=int(self.year.currentData()), full_id=self.full_id.isChecked())

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def hideEvent(self, event: Any) -> None:
        """Leaving the page stops a preview still building (it is built again when shown)."""
        super().hideEvent(event)
        if self.building is not None:
            self._stale = True
            self.stop_preview()

    def _changed(self, _changes: Any) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> Op:
        """Build the preview of the chosen form and year in the background (reads only); the
        table fills in when it is done, and a preview still building for an earlier choice is
        cancelled. Returns the running operation."""
        if self.building is not None:
            self.building.cancel_requested.set()
        self._asked += 1
        asked, form_id, context, db = self._asked, self.form_id(), self.context(), self.ctx.db
        self._stale = False
        if self._shown != (form_id, context.year, context.full_id):
            self.preview_model.set_table(None)  # never one form's rows under another's title
            self._shown = None
        self.title.setText(FORMS[form_id].title)
        self.info.setText("正在生成预览…")
        self.stop_button.setVisible(True)

        started: list[Op] = []  # (the operation, once run_op gave it: before its work runs)
        fitted: list[bool] = []  # the columns were fitted to the first screenful

        def work(progress: Any) -> FormTable:
            with db.reader() as s:
                return build_table(s, form_id, context, on_progress=progress,
                                   on_first_rows=lambda t: started[0].signals.partial.emit(t))

        def first(table: FormTable) -> None:  # a screenful while a long table is read
            if (asked == self._asked and self._shown is None  # (else the last one stays)
                    and not started[0].cancel_requested.is_set()):
                self.preview_model.set_table(table)
                self.title.setText(table.title)
                self._fit_columns(table)
                self.first_shown = True
                fitted.append(True)

        ended: list[bool] = []  # the work ended (shown or failed), not cancelled

        def done(table: FormTable) -> None:
            ended.append(True)
            if asked == self._asked:
                self._shown = (form_id, context.year, context.full_id)
                self._show(table, fit=not fitted)

        def failed(err: BaseException) -> None:
            ended.append(True)
            if asked == self._asked:
                self.preview_model.set_table(None)
                self.info.setText(f"预览没有生成：{error_text(err)}")

        self.first_shown = self._shown is not None
        op = run_op(self, work, done, quiet=True, on_error=failed, reads=True)
        started.append(op)
        op.signals.partial.connect(first)
        op.signals.progress.connect(
            lambda _f, text: self.info.setText(f"正在生成预览…{text}") if asked == self._asked
            else None)
        op.done.connect(lambda: self._finished(op, asked, bool(ended)))
        self.building = op
        return op

    def _finished(self, op: Op, asked: int, ended: bool) -> None:
        if self.building is op:
            self.building = None
            self.stop_button.setVisible(False)
            if not ended and asked == self._asked:
                self._stale = True
                if self._shown is None:  # a first screenful is not the table: not kept
                    self.preview_model.set_table(None)
                    self.first_shown = False
                self.info.setText("预览已停止。重新选择报表或年度、或再次打开本页，可重新生成。")

    @property
    def loading(self) -> bool:
        """The preview is being built."""
        return self.building is not None

    def stop_preview(self) -> None:
        """取消: stop the preview being built (the line under the title says how to build it
        again)."""
        if self.building is not None:
            self.building.cancel_requested.set()

    def _show(self, table: FormTable, fit: bool = True) -> None:
        """The whole table (``fit``: its columns fitted; not again after its first screenful,
        so the columns do not jump)."""
        self.first_shown = True
        self.preview_model.set_table(table)
        self.title.setText(table.title)
        foot = "；".join(table.foot_lines)
        self.info.setText(f"共 {len(table.rows)} 行。{foot}")
        if fit:
            self._fit_columns(table)

    def _fit_columns(self, table: FormTable) -> None:
        """Each column as wide as its heading and the widest of its first FIT_ROWS cells (at
        most MAX_WIDTH): measured from the texts directly, which is ten times quicker than
        asking the view (a call of data() for every role of every cell)."""
        cells = self.preview.fontMetrics()
        heads = self.preview.horizontalHeader().fontMetrics()
        room = cells.horizontalAdvance("M") * 2  # the cell's and the sort arrow's margins
        for i, col in enumerate(table.columns):
            widest = max([cells.horizontalAdvance(display_text(col.kind, row[i]))
                          for row in table.rows[:FIT_ROWS]]
                         + [heads.horizontalAdvance(col.label)], default=0)
            self.preview.setColumnWidth(i, min(widest + room, MAX_WIDTH))

    def _export_to(self, fmt: str, path: str, done: Any, on_error: Any = None) -> None:
        form_id, ctx = self.form_id(), self.context()

        def work(progress: Any) -> Path:
            from exports import service

            return service.export_form(self.ctx.db, form_id, fmt, path, year=ctx.year,
                                       full_id=ctx.full_id, on_progress=progress)

        run_op(self, work, done, label="正在生成报表…", on_error=on_error)

    def export(self, fmt: str) -> None:
        form = FORMS[self.form_id()]
        default = f"{form.title.replace(chr(0x201c), '').replace(chr(0x201d), '')}.{fmt}"
        path = save_file(self, "导出报表", default,
                         "Excel 文件 (*.xlsx)" if fmt == "xlsx" else "PDF 文件 (*.pdf)",
                         kind=fmt, db_path=self.ctx.db.path)
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        self._export_to(fmt, path, lambda p: show_saved(self, "导出完成", p, f"已导出到“{p}”。"))

    def print_form(self) -> None:
        """Print through a temporary PDF that is removed once the preview closes."""
        folder = Path(tempfile.mkdtemp(prefix="ggtz-print-"))

        def done(p: Path) -> None:
            try:
                preview_and_print(self, Path(p))
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        def failed(err: BaseException) -> None:
            shutil.rmtree(folder, ignore_errors=True)
            show_error(self, err)

        self._export_to("pdf", str(folder / "报表.pdf"), done, on_error=failed)

    def _year(self) -> int:
        return int(self.year.currentData())

    def _check(self, year: int, then: Any) -> None:
        """Run the year's 上报前自查 in the background, then ``then(findings)``."""
        def work(_progress: Any) -> list[quality.Finding]:
            with self.ctx.db.reader() as s:
                return quality.run(s, year)

        run_op(self, work, then, label="正在自查…")

    def check_quality(self) -> None:
        """上报前自查 at any time: the findings, or a sentence that there are none."""
        from gui.dialogs.quality import QualityDialog

        year = self._year()

        def show(findings: list[quality.Finding]) -> None:
            if not findings:
                QMessageBox.information(self, "上报前自查", f"{year}年度{quality.summary(findings)}")
                return
            QualityDialog(self, year, findings).exec()

        self._check(year, show)

    def package(self) -> None:
        """生成上报包: refused at once without a 行政区划代码 (the sentence says where to set it);
        then the self-check; with findings the clerk may go back or send anyway."""
        from gui.dialogs.quality import QualityDialog

        year = self._year()
        with self.ctx.db.reader() as s:
            code = rollup.own_unit(s)[0]
        if not code:  # refused before anything else: the sentence says what to do
            QMessageBox.warning(self, "还不能生成上报包", settings.MISSING_CODE)
            return

        def checked(findings: list[quality.Finding]) -> None:
            if findings and QualityDialog(self, year, findings, sending=True).exec() \
                    != QDialog.DialogCode.Accepted:
                return
            self._package(year)

        self._check(year, checked)

    def _package(self, year: int) -> None:
        from exports import service

        folder = pick_folder(self, "选择保存上报包的文件夹（可以是U盘）")
        if not folder:
            return
        with self.ctx.db.reader() as s:
            name = settings.committee(s).display_name
        target = Path(folder) / service.package_name(name, year, dt.date.today())
        if not confirm_replace(self, target, "zip", self.ctx.db.path):
            return

        def work(progress: Any) -> Path:
            return service.build_package(self.ctx.db, year, folder, progress)

        def done(path: Path) -> None:
            self.year_state.refresh()
            show_saved(self, "上报包已生成", path, f"已生成“{path.name}”。\n保存在：{path.parent}")

        run_op(self, work, done, label="正在生成上报包…")

    def write_report(self) -> None:
        """生成工作总结: ask where to save the .docx, write it in the background, offer to open
        its folder."""
        from exports.report import service as report

        year = self._year()
        with self.ctx.db.reader() as s:
            unit = rollup.own_unit(s)[1]
        path = save_file(self, "保存年度工作总结（草稿）", report.default_name(unit, year),
                         "Word 文件 (*.docx)")
        if not path:
            return
        if not path.lower().endswith(".docx"):
            path += ".docx"

        def work(progress: Any) -> Path:
            return report.write_report(self.ctx.db, year, path, progress)

        def done(out: Path) -> None:
            show_saved(self, "工作总结已生成", out,
                       f"已生成“{out.name}”（草稿）。\n保存在：{out.parent}\n\n"
                       "请用 Word 或 WPS 打开，核对数字、补充文字后使用。")

        run_op(self, work, done, label="正在生成工作总结…")
