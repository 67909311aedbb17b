"""The page of one subject: search box, filters, an SQL-backed list, add / edit / delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Select

from gui import style
from gui.context import AppContext
from gui.files import save_file, show_saved
from gui.ops import Op, perform, run_op, show_error
from gui.table_model import FirstBatch, ListColumn, SqlListModel
from gui.widgets import HintEdit, shortcut
from models import records
from models.changes import Changes
from models.subjects import SUBJECT_LABELS


class ListPage(QWidget):
    """Subclasses set ``subject``/``title`` and implement columns, query and the dialogs."""

    subject = ""
    title = ""
    search_hint = "搜索姓名、拼音首字母（如 zs）、身份证号、电话"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.db = ctx.db
        self.filters: dict[str, QComboBox] = {}
        self._filling: set[Op] = set()  # filter drop-downs being filled in the background
        self.search = HintEdit()  # the whole hint, in every text size
        self.search.setPlaceholderText(self.search_hint)
        self.search.setClearButtonEnabled(True)
        # a search is read in the background once typing pauses (the list keeps its rows
        # until the new ones come; the latest search wins): a keystroke never holds the window
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(lambda: self.load(fit=False))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.count_label = QLabel()
        self.add_button = QPushButton("新增")
        self.add_button.setToolTip("新增（Ctrl+N）")
        self.edit_button = QPushButton("编辑")
        self.delete_button = QPushButton("删除")
        self.delete_button.setToolTip("移到回收站（Delete）")
        self.export_button = QPushButton("导出本列表")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.export_button.clicked.connect(self.export_list)

        # the search box has a row of its own (its whole hint shows, in 长辈版 too); the
        # filters and page buttons share the row under it
        self.search_row = QHBoxLayout()
        self.search_row.addWidget(self.search, 3)
        self.search_row.addStretch(1)
        self.toolbar = QHBoxLayout()
        self.build_filters()
        self.toolbar.addStretch(1)

        self.model = SqlListModel(self.db, self.columns(), self.query, self.row_id)
        self.view = QTableView()
        self.view.setTabKeyNavigation(False)  # Tab goes on to the next control
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(style.row_height(self.view))
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.view.doubleClicked.connect(lambda _i: self.edit_current())

        header = QHBoxLayout()
        title = QLabel(self.title)
        title.setObjectName("pageTitle")
        header.addWidget(title)
        header.addWidget(self.count_label)
        header.addStretch(1)
        for b in (self.add_button, self.edit_button, self.delete_button, self.export_button):
            header.addWidget(b)
        self.body = QVBoxLayout(self)
        self.body.addLayout(header)
        self.body.addLayout(self.search_row)
        self.body.addLayout(self.toolbar)
        self.body.addWidget(self.view, 1)

        ctx_ = Qt.ShortcutContext.WidgetWithChildrenShortcut
        shortcut(QKeySequence("Ctrl+N"), self, self.add, ctx_)
        shortcut(QKeySequence(Qt.Key.Key_Delete), self.view, self.delete_current,
                 Qt.ShortcutContext.WidgetShortcut)
        shortcut(QKeySequence(Qt.Key.Key_Return), self.view, self.edit_current,
                 Qt.ShortcutContext.WidgetShortcut)
        shortcut(QKeySequence("Ctrl+F"), self, self.search.setFocus, ctx_)
        ctx.bus.changed.connect(self._changed)
        self._loaded = False
        self._pending: object | None = None  # the background load still wanted

    # -- for subclasses ------------------------------------------------------------------------
    def columns(self) -> list[ListColumn]:
        raise NotImplementedError

    def query(self) -> Select:
        raise NotImplementedError

    def row_id(self, row: Any) -> int:
        return row[0].id

    def build_filters(self) -> None:
        """Add filter drop-downs with ``add_filter``."""

    def add(self) -> None:
        raise NotImplementedError

    def edit(self, rid: int) -> None:
        raise NotImplementedError

    def relevant(self, changes: Changes) -> bool:
        return getattr(changes, self.subject, False) or changes.settings

    # -- shared ----------------------------------------------------------------------------------
    def add_filter(self, key: str, label: str, items: list[tuple[str, Any]],
                   more: Callable[[], list[tuple[str, Any]]] | None = None) -> QComboBox:
        """A filter drop-down of ``items``; ``more()`` (reads only, any thread: e.g. every
        关工小组 in pinyin order) is read in the background and its items added after them."""
        box = QComboBox()
        for text, value in items:
            box.addItem(text, value)
        if more is not None:
            def fill(found: list[tuple[str, Any]]) -> None:
                box.blockSignals(True)  # the choice (the first item) stays as it is
                for text, value in found:
                    box.addItem(text, value)
                box.blockSignals(False)

            op = run_op(self, lambda _p: more(), fill, quiet=True, reads=True)
            self._filling.add(op)
            op.done.connect(lambda: self._filling.discard(op))
        box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.toolbar.addWidget(QLabel(label))
        self.toolbar.addWidget(box)
        self.filters[key] = box
        return box

    def filter(self, key: str) -> Any:
        return self.filters[key].currentData() if key in self.filters else None

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        # a new text size (长辈版 switched on or off on another page) gives the rows their
        # height and the columns their widths (no event filter: see gui/lock.py on event.type())
        rows = style.row_height(self.view)
        if rows != self.view.verticalHeader().defaultSectionSize():
            self.view.verticalHeader().setDefaultSectionSize(rows)
            if self._loaded:
                self._fit_columns()
        if not self._loaded:
            self.load()

    @property
    def loading(self) -> bool:
        """The list's first load, or a filter's items, are being read in the background."""
        return self._pending is not None or bool(self._filling)

    @property
    def first_shown(self) -> bool:
        """The list shows its count and first rows (a filter's items may still be coming)."""
        return self._loaded and self._pending is None

    def load(self, fit: bool = True) -> Op:
        """The list's count and first screenful read in the background (the page appears at
        once and the list fills in; a search shows its rows when they come); a later load or
        a refresh meanwhile (a search, a filter, a change) supersedes it. With ``fit`` the
        columns are fitted to the rows as on a first load. Returns the running operation."""
        self._loaded = True  # one load at a time
        self.count_label.setText("正在读取…")
        token = object()
        self._pending = token
        read = self.model.first_batch()

        def done(batch: FirstBatch) -> None:
            if self._pending is token:
                self.model.prefetched = batch
                if fit:
                    self._loaded = False  # fitted as a first load
                self.refresh()

        def failed(err: BaseException) -> None:
            if self._pending is token:
                self._pending = None
                self._loaded = False  # tried again when shown again
                self.count_label.setText("")
                show_error(self, err)

        return run_op(self, lambda _p: read(), done, quiet=True, on_error=failed, reads=True)

    def refresh(self) -> None:
        self._pending = None
        first = not self._loaded
        self._loaded = True
        self.model.refresh()
        rows = self.model.rowCount()
        if first or (rows and not getattr(self, "_fitted_rows", 0)):
            self._fitted_rows = rows  # fitted again once an empty list gets its first rows
            self._fit_columns()
        shown = self.model.total
        self.count_label.setText(f"共 {shown} 条")

    def _fit_columns(self) -> None:
        """Fit the columns to what they hold (at most 320 px each), in whatever font size is
        chosen; room left over is shared by all in proportion, not given to the last one (an
        empty 照片 column must not take half the width while the others are cut)."""
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        # measured from the texts shown (as the model shows them) and the header's own hint:
        # a tenth of what the view's resizeColumnsToContents takes (it asks data() for every
        # role of every cell), which held the event loop 60-100 ms on each first showing
        metrics = self.view.fontMetrics()
        margin = 2 * metrics.horizontalAdvance(" ") + 4  # the cell's frame and padding
        widths = []
        for i in range(self.model.columnCount()):
            cells = max((metrics.horizontalAdvance("" if r[i] is None else str(r[i]))
                         for r in self.model.rows), default=0) + margin
            widths.append(min(max(cells, header.sectionSizeHint(i)) + 12, 320))
        total = sum(widths)
        spare = self.view.viewport().width() - total
        if total and spare > 0:
            widths = [w + spare * w // total for w in widths]
        for i, width in enumerate(widths):
            self.view.setColumnWidth(i, width)

    def _changed(self, changes: Changes) -> None:
        if self.relevant(changes):
            if self.isVisible():
                self.refresh()
            else:
                self._loaded = False

    def current_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            rows = self.view.selectionModel().selectedRows()
            if not rows:
                return None
            index = rows[0]
        return self.model.id_at(index.row())

    def edit_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先在列表中选中一条记录。")
            return
        self.edit(rid)

    def save_with(self, service: Any) -> Any:
        """on_save for dialogs: run ``service(s, value)`` in one transaction and publish."""
        def save(value: Any) -> Any:
            return perform(self.ctx, self, service, value, raise_user_errors=True)
        return save

    def delete_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先在列表中选中要删除的记录。")
            return
        label = self.model.data(self.view.currentIndex().siblingAtColumn(0))
        what = SUBJECT_LABELS.get(self.subject, "记录")
        with self.db.reader() as s:
            together = records.dependants_text(s, self.subject, rid)
        also = f"\n\n它的{together}也会一起移到回收站，恢复时一起恢复。" if together else ""
        answer = QMessageBox.question(
            self, "确认删除", f"确定要删除{what}“{label}”吗？{also}\n\n删除后会移到回收站，"
            "可以在“数据管理 → 回收站”里恢复，也可以马上点状态栏的“撤销删除”。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        def done(_changes: Any) -> None:
            self.ctx.last_deleted = (self.subject, rid, str(label))

        perform(self.ctx, self, records.delete, self.subject, rid, on_done=done,
                title="无法删除")

    def export_list(self) -> None:
        path = save_file(self, "导出本列表", f"{self.title}.xlsx", "Excel 文件 (*.xlsx)",
                         db_path=self.ctx.db.path)
        if not path:
            return
        if not self.ctx.masked and not self.ctx.audit(
                self, "导出完整号码", f"导出本列表“{self.title}”（含完整身份证号和电话）",
                subject=self.subject):
            return
        headers = [c.header for c in self.model.columns]
        rows = self.model.all_rows()

        def work(progress: Any) -> str:
            from exports.listbook import write_list  # openpyxl: only when a list is saved

            return str(write_list(path, self.title, headers, rows, progress))

        run_op(self, work, lambda p: show_saved(self, "导出完成", p, f"已导出到“{p}”。"),
               label="正在导出…")
