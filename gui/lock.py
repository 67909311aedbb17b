"""Password at start (it unlocks the encrypted file) and automatic lock after idle minutes
(when a password is set)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from models import security
from models.errors import WrongPassword

if TYPE_CHECKING:
    from models.db import Database

MAX_TRIES = 5


def unlocker(path: Path) -> Callable[[str], bool]:
    """A check that opens the encrypted file at ``path`` with the password (and remembers its
    key for this process)."""
    def check(password: str) -> bool:
        try:
            security.unlock(path, password)
        except WrongPassword:
            return False
        return True
    return check


def legacy_checker(path: Path) -> Callable[[str], bool]:
    """A check against the password hash of an older, not yet encrypted file."""
    def check(password: str) -> bool:
        try:
            security.verify_legacy(path, password)
        except WrongPassword:
            return False
        return True
    return check


def ask_backup_password(path: Path, parent: QWidget | None = None) -> bool:
    """Before a restore: an encrypted backup whose key is not known yet asks for that
    backup's password (it may differ from the current one). False when not given."""
    from models import sqlconnect

    if not security.is_encrypted(path) or sqlconnect.key_of(path) is not None:
        return True
    dialog = PasswordDialog(path, "备份的密码", parent, check=unlocker(path),
                            prompt=f"备份“{path.name}”设置了密码（已加密）。请输入做这个备份时的密码：")
    return bool(dialog.exec())


class PasswordDialog(QDialog):
    """Asks for the password of the database file at ``path`` (by default: the one of the
    open, encrypted file — the idle lock). Failures wait as the brake says (models.security)."""

    def __init__(self, path: Path | Database, title: str, parent: QWidget | None = None,
                 check: Callable[[str], bool] | None = None,
                 prompt: str = "请输入关工台账的密码：") -> None:
        super().__init__(parent)
        self.path = Path(path if isinstance(path, (str, Path)) else path.path)
        self.check = check or (lambda text: security.check_password(self.path, text))
        self.tries = 0
        self.setWindowTitle(title)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel(prompt)
        self.message.setWordWrap(True)
        # room for the longest sentence it may say (密码输错…) on two lines, from the start:
        # the dialog never grows or moves when a try fails
        fm = self.message.fontMetrics()
        self.message.setMinimumHeight(fm.lineSpacing() * 2 + 4)
        self.message.setMinimumWidth(min(fm.horizontalAdvance(
            "密码不对，请再试一次（还可以试 4 次）：") + 8, 1000))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("进入")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.password)
        layout.addWidget(buttons)

    def accept(self) -> None:
        wait = security.brake_seconds(self.path)
        if wait > 0:
            self.message.setText(f"密码输错的次数太多，请等 {math.ceil(wait)} 秒后再试：")
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok = self.check(self.password.text())
        finally:
            QApplication.restoreOverrideCursor()
        if ok:
            super().accept()
            return
        self.tries += 1
        self.password.clear()
        if self.tries >= MAX_TRIES:
            self.reject()
            return
        self.message.setText(f"密码不对，请再试一次（还可以试 {MAX_TRIES - self.tries} 次）：")


class IdleLock(QObject):
    """Locks the window after the set minutes without keyboard or mouse use."""

    def __init__(self, window: Any, db: Database) -> None:
        super().__init__(window)
        self.window = window
        self.db = db
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.lock)
        self.locked = False
        self.filtering = False
        self.restart()

    def restart(self) -> None:
        enabled = security.is_encrypted(self.db.path)
        with self.db.reader() as s:
            minutes = security.lock_minutes(s)
        # the filter sees every event of the application (and each new kind of object costs
        # PySide a wrapper type), so it is in place only while the lock can strike
        app = QApplication.instance()
        if enabled and minutes:
            self.timer.start(minutes * 60_000)
            if not self.filtering:
                app.installEventFilter(self)
                self.filtering = True
        else:
            self.timer.stop()
            if self.filtering:
                app.removeEventFilter(self)
                self.filtering = False

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        # the cheap test first: every event of the application passes here, and event.type()
        # builds a Python enum class for each event type Qt does not name (~0.3 ms apiece)
        if self.locked or not self.timer.isActive():
            return False
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                            QEvent.Type.MouseMove, QEvent.Type.Wheel):
            self.timer.start()
        return False

    def lock(self) -> None:
        """Hide everything and ask for the password; closing the dialog keeps it locked."""
        self.locked = True
        self.window.stack.hide()
        dialog = PasswordDialog(self.db.path, "已锁定", self.window)
        dialog.message.setText("程序已锁定（长时间没有操作）。请输入密码继续：")
        while not dialog.exec():
            dialog.tries = 0
        self.window.stack.show()
        self.locked = False
        self.restart()
