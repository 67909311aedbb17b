"""数据管理: import, backup now, restore from a list, 回收站 and the audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import files
from gui.context import AppContext
from gui.lock import ask_backup_password
from gui.ops import Op, perform, run_op, show_error
from gui.table_model import ID_ROLE, RowsModel
from models import audit, backup, demo, records, settings
from models.changes import Changes
from models.db import UNPROTECTED
from models.errors import UserError
from models.outputs import guard_output
from models.subjects import SUBJECT_LABELS


def _table(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setTabKeyNavigation(False)  # Tab goes on to the next control
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setStretchLastSection(True)
    # every column as wide as what it holds, in any text size (备份时间, 删除时间 at 特大)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setAlternatingRowColors(True)
    return view


class DataPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._reading: set[Op] = set()  # the 回收站 and 操作日志 being read
        head = QLabel("数据管理")
        head.setObjectName("pageTitle")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._import_tab(), "导入 Excel")
        self._backups_page = self._backup_tab()
        self._backups_stale = True  # listed (each backup verified) when its tab is shown
        self.tabs.addTab(self._backups_page, "备份与恢复")
        self._read_tabs = (self._trash_tab(), self._audit_tab())  # read in the background
        self.tabs.addTab(self._read_tabs[0], "回收站")
        self.tabs.addTab(self._read_tabs[1], "操作日志")
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(lambda _i: self._list_backups_if_shown())
        ctx.bus.changed.connect(lambda _c: self.refresh() if self.isVisible() else None)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        self.demo_button.setVisible(self.ctx.db.setting("is_demo") == "1")
        self.refresh_trash()
        self.refresh_audit()
        self._backups_stale = True
        self._list_backups_if_shown()

    def _list_backups_if_shown(self) -> None:
        """The backups are listed, each one verified (seconds for a large file), only while
        their tab is on screen: opening 数据管理 does not start that work for nothing."""
        if self._backups_stale and self.tabs.currentWidget() is self._backups_page:
            self._backups_stale = False
            self.refresh_backups()

    # -- import ----------------------------------------------------------------------------------
    def _import_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        text = QLabel("把原来用 Excel/WPS 记的花名册、台账导入程序，不用重新录入。\n"
                      "导入前会自动备份；有错误的行会列出来，可以另存为 Excel 改正后再导入。")
        text.setWordWrap(True)
        start = QPushButton("开始导入…")
        start.clicked.connect(self.open_import)
        self.demo_button = QPushButton("清除演示数据")
        self.demo_button.setToolTip("删除演示乡镇的全部记录（清除前自动备份）")
        self.demo_button.clicked.connect(self.remove_demo)
        row = QHBoxLayout()
        row.addWidget(start)
        row.addWidget(self.demo_button)
        row.addStretch(1)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def open_import(self) -> None:
        from gui.import_wizard import ImportWizard  # the readers: only when one is opened

        wizard = ImportWizard(self.ctx, self)
        try:
            wizard.exec()
        finally:
            # deleted by Qt now, not by Python's collector at exit (that crashed on closing)
            wizard.deleteLater()

    def remove_demo(self) -> None:
        if QMessageBox.question(self, "清除演示数据", "确定清除全部演示数据吗？清除前会自动备份。") \
                != QMessageBox.StandardButton.Yes:
            return
        try:
            backup.make_backup(self.ctx.db, kind="手动")
        except UserError as err:
            show_error(self, err)
            return

        def remove(s: Any) -> Changes:
            demo.remove(s)
            return Changes.everything()

        if perform(self.ctx, self, remove, title="没有清除"):
            QMessageBox.information(self, "已清除", "演示数据已清除，可以开始录入本乡镇的数据了。")

    # -- backups ---------------------------------------------------------------------------------
    def _backup_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.backup_info = QLabel()
        self.backup_info.setWordWrap(True)
        now = QPushButton("立即备份")
        now.clicked.connect(self.backup_now)
        usb = QPushButton("备份到U盘…")
        usb.clicked.connect(self.backup_to)
        restore = QPushButton("用所选备份恢复…")
        restore.clicked.connect(self.restore_selected)
        other = QPushButton("从其他备份文件恢复…")
        other.clicked.connect(self.restore_file)
        check = QPushButton("检查数据")
        check.setToolTip("检查数据库文件是否完好、记录之间是否矛盾")
        check.clicked.connect(self.check_data)
        row = QHBoxLayout()
        for b in (now, usb, restore, other, check):
            row.addWidget(b)
        row.addStretch(1)
        self.backups = RowsModel(["备份时间", "类型", "记录数", "文件"])
        self.backup_view = _table(self.backups)
        layout.addWidget(self.backup_info)
        layout.addLayout(row)
        layout.addWidget(self.backup_view, 1)
        return page

    def refresh_backups(self) -> Any:
        """List the backups (each one checked) off the GUI thread; returns the operation."""
        folder = backup.backup_dir_of(self.ctx.db)
        stem, key = self.ctx.db.path.stem, self.ctx.db.key

        def work(_progress: Any) -> list[Any]:
            return backup.list_backups(folder, stem, with_counts=True, key=key)

        def show(items: list[Any]) -> None:
            self.backups.set_rows(
                [[f"{b.created:%Y-%m-%d %H:%M}", b.kind,
                  "，".join(f"{k}{v}" for k, v in b.counts.items() if v) if b.ok else b.problem,
                  b.path.name] for b in items], [b.path for b in items])

        self.backup_info.setText(f"备份保存在“{folder}”，每天自动备份一次，关闭程序时也会备份，"
                                 f"保留最近 {self.ctx.db.setting('backup_keep', '30')} 份自动备份。")
        return run_op(self, work, show, quiet=True)

    def check_data(self) -> None:
        """SQLite's integrity check plus the consistency rules, off the GUI thread."""
        from models import check

        path, key = self.ctx.db.path, self.ctx.db.key

        def done(report: Any) -> None:
            if report.ok:
                counts = "，".join(f"{k} {v} 条" for k, v in report.counts.items())
                QMessageBox.information(self, "检查通过", f"数据库完好，记录之间没有矛盾。\n{counts}")
            else:
                QMessageBox.warning(self, "检查发现问题", "\n".join(report.problems))

        run_op(self, lambda _p: check.run(path, key), done, label="正在检查数据…", cancellable=False)

    def backup_now(self) -> None:
        db = self.ctx.db

        def done(p: Path) -> None:
            self.refresh_backups()
            self.ctx.bus.publish(Changes.of("settings"))
            files.show_saved(self, "备份完成", p, f"已备份到“{p}”。")

        run_op(self, lambda _p: backup.make_backup(db, kind="手动"), done,
               label="正在备份…", cancellable=False)

    def backup_to(self) -> None:
        folder = files.pick_folder(self, "选择U盘或文件夹")
        if not folder:
            return
        target = Path(folder) / f"关工台账备份_{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite"
        db = self.ctx.db
        def work(_progress: Any) -> Path:
            guard_output(target, "sqlite", db.path)
            return db.copy_to(target)

        run_op(self, work,
               lambda p: files.show_saved(self, "备份完成", p, f"已备份到“{p}”。"),
               label="正在备份…", cancellable=False)

    def restore_selected(self) -> None:
        index = self.backup_view.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "提示", "请先在列表中选中一个备份。")
            return
        self.restore(self.backups.data(index, ID_ROLE))

    def restore_file(self) -> None:
        path = files.open_file(self, "选择备份文件", "备份文件 (*.sqlite *.db)")
        if path:
            self.restore(Path(path))

    def restore(self, path: Path) -> None:
        answer = QMessageBox.question(
            self, "确认恢复", f"用备份“{Path(path).name}”替换现在的数据吗？\n\n"
            "现在的数据会先另存一份（“恢复前”备份），万一选错了还能找回来。")
        if answer != QMessageBox.StandardButton.Yes:
            return
        db = self.ctx.db
        source = db.backup_of(path)
        if not ask_backup_password(source, self):
            return
        was_encrypted = db.encrypted

        def work(_p: Any) -> Any:
            # the database closes its own connections (and opens none) for the swap, and
            # reopens them after it: Windows-safe
            return db.restore(source, backup.backup_dir_of(db))

        def done(_kept: Any) -> None:
            # every page, and the idle lock (a settings change), follow the restored file
            self.ctx.bus.publish(Changes.everything())
            if was_encrypted and not db.encrypted:
                QMessageBox.warning(self, "恢复完成，但数据没有加密", f"数据已恢复。\n\n{UNPROTECTED}")
            else:
                QMessageBox.information(self, "恢复完成", "数据已恢复。")

        run_op(self, work, done, label="正在恢复…", cancellable=False)

    # -- trash -----------------------------------------------------------------------------------
    def _trash_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.trash = RowsModel(["删除时间", "类别", "内容"])
        self.trash_view = _table(self.trash)
        restore = QPushButton("恢复所选")
        restore.clicked.connect(self.restore_trash)
        purge = QPushButton("彻底删除所选…")
        purge.clicked.connect(self.purge_trash)
        row = QHBoxLayout()
        row.addWidget(restore)
        row.addWidget(purge)
        row.addStretch(1)
        layout.addWidget(QLabel("删除的记录先放在这里，可以恢复。"))
        layout.addLayout(row)
        layout.addWidget(self.trash_view, 1)
        return page

    @property
    def loading(self) -> bool:
        """The 回收站 or the 操作日志 is being read in the background."""
        return bool(self._reading)

    @property
    def first_shown(self) -> bool:
        """The tab on screen shows what it holds: it is not the 回收站 or 操作日志 being read
        (the page opens on 导入 Excel)."""
        return not self._reading or self.tabs.currentWidget() not in self._read_tabs

    def _read(self, work: Any, show: Any) -> Op:
        """``work()`` (reads only) in the background, then ``show(result)``."""
        op = run_op(self, lambda _p: work(), show, quiet=True, reads=True)
        self._reading.add(op)
        op.done.connect(lambda: self._reading.discard(op))
        return op

    def refresh_trash(self) -> Op:
        """Read the 回收站 in the background (on a large file it takes a moment) and show it;
        returns the operation."""
        db = self.ctx.db

        def work() -> tuple[list[list[Any]], list[Any]]:
            with db.reader() as s:
                items = records.trash(s)
                return ([[f"{t.deleted_at:%Y-%m-%d %H:%M}", SUBJECT_LABELS[t.subject], t.label]
                         for t in items], [(t.subject, t.id) for t in items])

        return self._read(work, lambda found: self.trash.set_rows(*found))

    def _selected_trash(self) -> tuple[str, int] | None:
        index = self.trash_view.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "提示", "请先选中一条记录。")
            return None
        return self.trash.data(index, ID_ROLE)

    def restore_trash(self) -> None:
        chosen = self._selected_trash()
        if chosen is None:
            return
        perform(self.ctx, self, records.restore, *chosen, title="无法恢复",
                on_done=lambda _c: self._forget_undo(*chosen))

    def purge_trash(self) -> None:
        chosen = self._selected_trash()
        if chosen is None:
            return
        if QMessageBox.question(self, "彻底删除", "彻底删除后不能再恢复（备份里还有）。确定吗？") \
                != QMessageBox.StandardButton.Yes:
            return
        perform(self.ctx, self, records.purge, *chosen, title="无法彻底删除",
                on_done=lambda _c: self._forget_undo(*chosen))

    def _forget_undo(self, subject: str, rid: int) -> None:
        """A record restored or purged from the 回收站 can no longer be 撤销删除'd."""
        last = self.ctx.last_deleted
        if last is not None and last[:2] == (subject, rid):
            self.ctx.last_deleted = None  # the Changes published next hide 撤销删除

    # -- audit -----------------------------------------------------------------------------------
    def _audit_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.audit = RowsModel(["时间", "操作人", "操作", "类别", "内容"])
        export = QPushButton("导出日志…")
        export.clicked.connect(self.export_audit)
        row = QHBoxLayout()
        row.addWidget(QLabel("最近 500 条操作记录（新增、修改、删除、导入、导出、显示完整号码等）"))
        row.addStretch(1)
        row.addWidget(export)
        layout.addLayout(row)
        layout.addWidget(_table(self.audit), 1)
        return page

    def refresh_audit(self) -> Op:
        """Read the last 500 操作日志 entries in the background and show them; returns the
        operation."""
        forms, db = _form_titles(), self.ctx.db

        def work() -> list[list[Any]]:
            with db.reader() as s:
                return [[f"{a.at:%Y-%m-%d %H:%M:%S}", a.user, a.action,
                         audit.subject_label(a.subject, forms), a.detail]
                        for a in audit.recent(s, 500)]

        return self._read(work, self.audit.set_rows)

    def export_audit(self) -> None:
        path = files.save_file(self, "导出操作日志", "操作日志.xlsx", "Excel 文件 (*.xlsx)",
                               db_path=self.ctx.db.path)
        if not path:
            return
        from exports.listbook import write_list

        forms = _form_titles()
        with self.ctx.db.reader() as s:
            rows = [[f"{a.at:%Y-%m-%d %H:%M:%S}", a.user, a.action,
                     audit.subject_label(a.subject, forms), a.detail]
                    for a in audit.recent(s, 100_000)]
            name = settings.committee(s).display_name
        try:
            write_list(path, f"{name}操作日志", ["时间", "操作人", "操作", "类别", "内容"], rows)
        except UserError as err:
            show_error(self, err)
            return
        files.show_saved(self, "导出完成", path, f"已导出到“{path}”。")


def _form_titles() -> dict[str, str]:
    from exports.forms import FORMS

    return {f.id: f.title for f in FORMS.values()}
