"""Guards around opening the window: the message for a second instance on one database, and
the recovery screen for a damaged file (offers the newest backup that passes its own check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.db import Database
from models.errors import UserError


def other_instance_message(path: Path) -> str:
    return (f"这个数据库（{Path(path).name}）已经在另一个关工台账窗口中打开。\n"
            "请切换到已经打开的窗口继续工作；同时用两个窗口修改同一份数据容易出错。")


class RecoveryDialog(QDialog):
    """Shown instead of the window when the database file is damaged."""

    def __init__(self, db: Database | Path, problem: str, parent: QWidget | None = None) -> None:
        """The backups of ``db`` (the window's database, which holds the window's lock; a
        path makes a handle on it)."""
        super().__init__(parent)
        self.db = db if isinstance(db, Database) else Database(db)
        self.db_path = self.db.path
        self.restored = False
        self.setWindowTitle("数据库需要恢复")
        self.resize(720, 420)
        text = QLabel(f"{problem}\n\n下面是可以用来恢复的备份（已逐个检查过，损坏的不列出）。"
                      "恢复前，现在这个损坏的文件会另存一份，不会丢失。")
        text.setWordWrap(True)
        from models import backup

        self.list = QListWidget()
        self.list.setWordWrap(True)  # a long line wraps: no sideways scrolling
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        folder = backup.default_backup_dir(self.db_path)
        self.backups = [b for b in backup.list_backups(folder, self.db_path.stem, with_counts=True,
                                                       key=self.db.key)
                        if b.ok or b.problem == backup.ENCRYPTED]
        for b in self.backups:
            counts = ("，".join(f"{k}{v}" for k, v in b.counts.items() if v) or "空库") if b.ok \
                else "已加密（恢复时输入它的密码）"
            item = QListWidgetItem(f"{b.created:%Y-%m-%d %H:%M}（{b.kind}）  {counts}")
            self.list.addItem(item)
        if self.backups:
            self.list.setCurrentRow(0)
        else:
            self.list.addItem("没有找到可用的备份。请把U盘上的备份复制到电脑后，用“从其他备份文件恢复”。")
        self.error = QLabel()
        self.error.setObjectName("error")
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton("用所选备份恢复", QDialogButtonBox.ButtonRole.AcceptRole)
        leave = buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.setEnabled(bool(self.backups))
        self.leave_button = leave
        buttons.accepted.connect(self.restore)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)  # (the button box picks its own default on show)
        # Enter restores from the backup chosen; with none to offer it leaves
        (self.restore_button if self.backups else self.leave_button).setDefault(True)

    def restore(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.backups):
            return
        from gui.lock import ask_backup_password

        source = self.db.backup_of(self.backups[row].path)
        if not ask_backup_password(source, self):
            return
        try:
            self.db.restore(source)
        except UserError as err:
            self.error.setText(err.message)
            return
        self.restored = True
        self.accept()
