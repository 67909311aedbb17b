"""设置: committee, data and backup folders, how many backups, font size, masking."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui import style
from gui.context import AppContext
from gui.files import pick_folder
from gui.ops import perform
from models import paths, rollup, security, settings
from models.changes import Changes


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
        self.masked = QCheckBox("隐藏身份证号和电话号码的中间部分（推荐）")
        self.masked.setToolTip("取消勾选只在本次运行有效，下次启动仍会隐藏；显示完整号码会记入操作日志。")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("不修改请留空；至少 8 位，设置后数据库和备份都会加密")
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
        row = QHBoxLayout()
        row.addWidget(self.data_dir, 1)
        row.addWidget(change_data)
        form.addRow("数据库文件：", row)
        row = QHBoxLayout()
        row.addWidget(self.backup_dir, 1)
        row.addWidget(pick_backup)
        form.addRow("备份文件夹：", row)
        form.addRow("保留自动备份份数：", self.keep)
        form.addRow("字体大小：", self.font_size)
        form.addRow("隐私保护：", self.masked)
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.clear_password)
        form.addRow("程序密码：", row)
        form.addRow("无操作自动锁定：", self.lock_minutes)
        holder = QWidget()
        holder.setLayout(form)
        holder.setMaximumWidth(860)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(holder)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(about)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        with self.ctx.db.reader() as s:
            c = settings.committee(s)
            backup_dir = settings.get(s, "backup_dir")
            keep = int(settings.get(s, "backup_keep", "30") or 30)
        self.name.setText(c.committee_name)
        self.region.setText(c.region)
        with self.ctx.db.reader() as s:
            self.unit_code.setText(settings.get(s, settings.UNIT_CODE))
            level = settings.get(s, settings.UNIT_LEVEL) or rollup.own_unit(s)[2]
        self.unit_level.setCurrentText(level)
        self.director.setText(c.director)
        self.deputy.setText(c.deputy_director)
        self.data_dir.setText(str(self.ctx.db.path))
        self.backup_dir.setText(backup_dir)
        self.backup_dir.setPlaceholderText(str(self.ctx.db.path.parent / "backups"))
        self.keep.setValue(keep)
        self.font_size.setCurrentIndex(max(self.font_size.findData(style.current_size()), 0))
        self.masked.setChecked(self.ctx.masked)
        with self.ctx.db.reader() as s:
            self.lock_minutes.setValue(security.lock_minutes(s))

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
        re-encrypted beside the old one, verified and swapped (models.security), with every
        connection of the window closed meanwhile; a progress dialog shows while it runs."""
        from PySide6.QtWidgets import QInputDialog

        from gui.ops import run_op

        db = self.ctx.db
        if new_password is None:
            if not security.is_encrypted(db.path):
                return
            answer = QMessageBox.question(
                self, "取消密码", "取消密码后，数据库和以后的备份都不再加密，任何人都能打开。确定取消吗？")
            if answer != QMessageBox.StandardButton.Yes:
                return
        else:
            again, ok = QInputDialog.getText(self, "确认新密码", "请再输入一次新密码：",
                                             QLineEdit.EchoMode.Password)
            if not ok:
                return
            if again != new_password:
                QMessageBox.warning(self, "密码没有修改", "两次输入的新密码不一样，密码没有修改。")
                return

        def work(_p: Any) -> None:
            security.change_password(db.path, new_password, window_locked=True,
                                     close_connections=db.dispose)

        def done(_result: Any) -> None:
            db.reconnect()
            idle = getattr(self.window(), "idle_lock", None)
            if idle is not None:
                idle.restart()
            self.ctx.bus.publish(Changes.of("settings"))
            QMessageBox.information(
                self, "密码已修改",
                "已设置密码：数据库已加密，以后的备份也会加密。请记住这个密码，忘记了就无法打开数据。"
                if new_password else "已取消密码：数据库不再加密。")

        def failed(err: BaseException) -> None:
            db.reconnect()
            from gui.ops import show_error

            show_error(self, err)

        run_op(self, work, done, label="正在重新加密数据库…", cancellable=False, on_error=failed)

    def save(self) -> None:
        from models.errors import ValidationError

        try:
            self._save()
        except ValidationError as err:
            QMessageBox.warning(self, "没有保存", err.message)

    def _save(self) -> None:
        def store(s: Any) -> Changes:
            settings.save_committee(s, settings.Committee(
                self.name.text(), self.region.text(), self.director.text(), self.deputy.text()))
            settings.save_unit(s, self.unit_code.text(), self.unit_level.currentText())
            settings.put(s, "backup_dir", self.backup_dir.text().strip())
            settings.put(s, "backup_keep", str(self.keep.value()))
            settings.put(s, "lock_minutes", str(self.lock_minutes.value()))
            return Changes.of("settings")

        new_password = self.password.text()
        remove = self.clear_password.isChecked()
        if new_password and not remove:
            security.check_length(new_password)  # ValidationError before anything is saved
        if not perform(self.ctx, self, store, title="没有保存"):
            return
        self.password.clear()
        self.clear_password.setChecked(False)
        if remove or new_password:
            self.change_password(None if remove else new_password)
        idle = getattr(self.window(), "idle_lock", None)
        if idle is not None:
            idle.restart()
        config = paths.read_config()
        config["font_size"] = self.font_size.currentData()
        paths.write_config(config)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            style.apply(app, size=self.font_size.currentData())
        if self.masked.isChecked() != self.ctx.masked:
            self.ctx.set_masked(self.masked.isChecked(), self)
        self.ctx.bus.publish(Changes.of("settings"))
        QMessageBox.information(self, "已保存", "设置已保存。")
