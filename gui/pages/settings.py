"""设置: committee, data and backup folders, how many backups, font size, masking."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import style
from gui.chrome import scroll_area
from gui.context import AppContext
from gui.files import pick_folder
from gui.ops import perform
from gui.table_model import RowsModel
from models import aliases, paths, rollup, security, settings
from models.changes import Changes
from models.errors import ValidationError


def breakable_path(path: object) -> str:
    """A path that a word-wrapped label may break after each folder (a zero-width space after
    every separator): a long path wraps instead of being cut."""
    return str(path).replace("\\", "\\\u200b").replace("/", "/\u200b")


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        head = QLabel("设置")
        head.setObjectName("pageTitle")
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：青山镇关工委")
        self.region = QLineEdit()
        self.unit_code = QLineEdit()
        self.unit_code.setPlaceholderText("统计用行政区划代码，如 130102001（乡镇 9 位，县 6 位）")
        self.unit_level = QComboBox()
        self.unit_level.addItems(list(settings.LEVELS))
        self.director = QLineEdit()
        self.deputy = QLineEdit()
        self.filler = QLineEdit()
        self.filler.setPlaceholderText("印在每张报表的“填表人”处，如：王秀英")
        self.data_dir = QLabel()
        self.data_dir.setWordWrap(True)
        change_data = QPushButton("更改数据文件夹…")
        change_data.clicked.connect(self.change_data_dir)
        self.backup_dir = QLineEdit()
        pick_backup = QPushButton("选择…")
        pick_backup.clicked.connect(self.pick_backup_dir)
        self.keep = QSpinBox()
        self.keep.setRange(3, 365)
        self.font_size = QComboBox()
        for key, label in style.FONT_LABELS.items():
            self.font_size.addItem(label, key)
        self.font_size.setToolTip("长辈版：字更大（18 号）、按钮更大、行距更宽；选了马上生效")
        self.font_size.currentIndexChanged.connect(self._size_chosen)
        self.masked = QCheckBox("隐藏身份证号和电话号码的中间部分（推荐）")
        self.masked.setToolTip("取消勾选只在本次运行有效，下次启动仍会隐藏；显示完整号码会记入操作日志。")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("不修改请留空；至少 8 位")
        self.password.setToolTip("设置密码后，数据库和备份都会加密；密码至少 8 位")
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setPlaceholderText("新密码再输入一次")
        self.clear_password = QCheckBox("取消密码")
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(0, 240)
        self.lock_minutes.setSuffix(" 分钟（0 表示不自动锁定）")
        save = QPushButton("保存设置")
        save.clicked.connect(self.save)
        about = QPushButton("关于关工台账…")
        about.clicked.connect(self.show_about)
        form = QFormLayout()
        form.addRow("关工委名称：", self.name)
        form.addRow("所在地区：", self.region)
        form.addRow("行政区划代码：", self.unit_code)
        form.addRow("单位级别：", self.unit_level)
        form.addRow("主任：", self.director)
        form.addRow("常务副主任：", self.deputy)
        form.addRow("填表人：", self.filler)
        form.addRow("数据库文件：", self.data_dir)  # a long path wraps on its own row
        row = QHBoxLayout()
        row.addWidget(change_data)
        row.addStretch(1)
        form.addRow("", row)
        row = QHBoxLayout()
        row.addWidget(self.backup_dir, 1)
        row.addWidget(pick_backup)
        form.addRow("备份文件夹：", row)
        form.addRow("保留自动备份份数：", self.keep)
        form.addRow("字体大小（长辈版）：", self.font_size)
        form.addRow("隐私保护：", self.masked)
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.clear_password)
        form.addRow("程序密码：", row)
        form.addRow("再输入一次：", self.password_again)
        form.addRow("无操作自动锁定：", self.lock_minutes)
        holder = QWidget()
        holder.setLayout(form)
        holder.setMaximumWidth(980)
        from gui.chain_panel import ChainSettings

        # the 上报与汇总 panel and the taught values are rows of the same form, so one scroll
        # area holds them all (特大, 长辈版 on a 1366×728 screen); the buttons stay below
        self.chain = ChainSettings(ctx)
        form.addRow(self.chain)
        form.addRow(self._taught_box())
        scroll = scroll_area(holder, wrap=False)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(about)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.load()

    # -- what the import was taught (contract §2.13) ----------------------------------------
    def _taught_box(self) -> QGroupBox:
        box = QGroupBox("导入时记住的值")
        box.setMaximumWidth(980)
        hint = QLabel("导入时你为程序不认识的值选择过对应的代码，程序记住了，以后的导入直接使用。"
                      "选错的可以删除，下次导入会再问。")
        hint.setWordWrap(True)
        self.taught = RowsModel(["列", "文件里写的", "对应为", "记住的时间"])
        self.taught_view = QTableView()
        self.taught_view.setModel(self.taught)
        self.taught_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.taught_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.taught_view.horizontalHeader().setStretchLastSection(True)
        self.taught_view.setTabKeyNavigation(False)
        self.taught_view.setMinimumHeight(180)
        self.forget = QPushButton("删除选中的对应")
        self.forget.clicked.connect(self.forget_selected)
        col = QVBoxLayout(box)
        col.addWidget(hint)
        col.addWidget(self.taught_view, 1)
        row = QHBoxLayout()
        row.addWidget(self.forget)
        row.addStretch(1)
        col.addLayout(row)
        return box

    def load_taught(self) -> None:
        with self.ctx.db.reader() as s:
            taught = aliases.listing(s)
        self.taught.set_rows([[t.column, t.value, t.code, f"{t.created_at:%Y-%m-%d %H:%M}"]
                              for t in taught], [t.id for t in taught])
        self.forget.setEnabled(bool(taught))

    def forget_selected(self) -> None:
        chosen = sorted({i.row() for i in self.taught_view.selectionModel().selectedRows()})
        if not chosen:
            QMessageBox.information(self, "提示", "请先在表格里选中要删除的对应。")
            return
        ids = [self.taught.keys[r] for r in chosen]

        def forget(s: Any) -> Changes:
            for alias_id in ids:
                aliases.remove(s, alias_id)
            return Changes.of("settings")

        perform(self.ctx, self, forget, title="没有删除")
        self.load_taught()

    def load(self) -> None:
        with self.ctx.db.reader() as s:  # one read for the whole form
            c = settings.committee(s)
            backup_dir = settings.get(s, "backup_dir")
            keep = int(settings.get(s, "backup_keep", "30") or 30)
            unit_code = settings.get(s, settings.UNIT_CODE)
            level = settings.get(s, settings.UNIT_LEVEL) or rollup.own_unit(s)[2]
            filler = settings.get(s, settings.FILLER)
            lock_minutes = security.lock_minutes(s)
        self.name.setText(c.committee_name)
        self.region.setText(c.region)
        self.unit_code.setText(unit_code)
        self.unit_level.setCurrentText(level)
        self.director.setText(c.director)
        self.filler.setText(filler)
        self.deputy.setText(c.deputy_director)
        self.data_dir.setText(breakable_path(self.ctx.db.path))
        self.backup_dir.setText(backup_dir)
        self.backup_dir.setPlaceholderText("不填：数据库旁边的 backups 文件夹")
        self.backup_dir.setToolTip(f"不填时备份在“{self.ctx.db.path.parent / 'backups'}”")
        self.keep.setValue(keep)
        self._show_size()
        self.masked.setChecked(self.ctx.masked)
        self.lock_minutes.setValue(lock_minutes)
        self.load_taught()
        # shown in the same turn (the window builds a page as it shows it): not read again
        self._taught_fresh = True
        QTimer.singleShot(0, self, self._taught_read_before)

    def _taught_read_before(self) -> None:
        self._taught_fresh = False

    def _show_size(self) -> None:
        self.font_size.blockSignals(True)
        self.font_size.setCurrentIndex(max(self.font_size.findData(style.current_size()), 0))
        self.font_size.blockSignals(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show_size()  # the 首页's 长辈版 switch may have changed it
        if self._taught_fresh:  # read a moment ago, when the page was built
            self._taught_fresh = False
        else:  # an import since may have taught new values
            self.load_taught()

    def _size_chosen(self, _index: int) -> None:
        """The text size (长辈版 included) takes effect at once, without 保存设置."""
        style.switch(self.font_size.currentData())

    def show_about(self) -> None:
        from gui.about import AboutDialog

        AboutDialog(self.ctx.db, self).exec()

    def pick_backup_dir(self) -> None:
        folder = pick_folder(self, "选择备份文件夹")
        if folder:
            self.backup_dir.setText(folder)

    def change_data_dir(self) -> None:
        folder = pick_folder(self, "选择新的数据文件夹")
        if not folder:
            return
        config = paths.read_config()
        config["data_dir"] = folder
        paths.write_config(config)
        QMessageBox.information(self, "已更改", f"下次启动时将使用“{folder}”中的数据库。\n"
                                "如需搬移现有数据，请先“备份到U盘”，再在新位置“从其他备份文件恢复”。")

    def change_password(self, new_password: str | None) -> None:
        """Set, change (``new_password``) or remove (None) the password: the database file is
        re-encrypted beside the old one, verified and swapped by the window's database
        (``Database.change_password``: it closes its own connections meanwhile and reopens
        them); a progress dialog shows while it runs."""
        from gui.ops import run_op

        db = self.ctx.db
        if new_password is None:
            if not db.encrypted:
                return
            answer = QMessageBox.question(
                self, "取消密码", "取消密码后，数据库和以后的备份都不再加密，任何人都能打开。确定取消吗？")
            if answer != QMessageBox.StandardButton.Yes:
                return

        def work(_p: Any) -> None:
            db.change_password(new_password)

        def done(_result: Any) -> None:
            self.ctx.bus.publish(Changes.of("settings"))  # the idle lock follows it
            QMessageBox.information(
                self, "设置已保存",
                "设置已保存。已设置密码：数据库已加密，以后的备份也会加密。请记住这个密码，"
                "忘记了就无法打开数据。" if new_password else "设置已保存。已取消密码：数据库不再加密。")

        run_op(self, work, done, label="正在重新加密数据库…", cancellable=False)

    def save(self) -> None:

        try:
            self._save()
        except ValidationError as err:
            QMessageBox.warning(self, "没有保存", err.message)

    def _save(self) -> None:
        def store(s: Any) -> Changes:
            settings.save_committee(s, settings.Committee(
                self.name.text(), self.region.text(), self.director.text(), self.deputy.text()))
            settings.save_unit(s, self.unit_code.text(), self.unit_level.currentText())
            settings.put(s, settings.FILLER, self.filler.text().strip())
            settings.put(s, "backup_dir", self.backup_dir.text().strip())
            settings.put(s, "backup_keep", str(self.keep.value()))
            settings.put(s, "lock_minutes", str(self.lock_minutes.value()))
            return Changes.of("settings")

        new_password = self.password.text()
        remove = self.clear_password.isChecked()
        if new_password and not remove:
            security.check_length(new_password)  # ValidationError before anything is saved
            if self.password_again.text() != new_password:
                raise ValidationError("程序密码", "两次输入的新密码不一样，请重新输入。设置没有保存。")
        if not perform(self.ctx, self, store, title="没有保存"):
            return
        self.password.clear()
        self.password_again.clear()
        self.clear_password.setChecked(False)
        if self.font_size.currentData() != style.current_size():
            style.switch(self.font_size.currentData())
        if self.masked.isChecked() != self.ctx.masked:
            self.ctx.set_masked(self.masked.isChecked(), self)
        self.ctx.bus.publish(Changes.of("settings"))
        if (remove and self.ctx.db.encrypted) or new_password:
            self.change_password(None if remove else new_password)  # its end says 已保存
            return
        QMessageBox.information(self, "已保存", "设置已保存。")
