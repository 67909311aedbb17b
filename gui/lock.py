"""Password at start and automatic lock after idle minutes (when a password is set)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
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
from models.db import Database

MAX_TRIES = 5


class PasswordDialog(QDialog):
    def __init__(self, db: Database, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.tries = 0
        self.setWindowTitle(title)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("请输入关工台账的密码：")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("进入")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.password)
        layout.addWidget(buttons)

    def accept(self) -> None:
        with self.db.reader() as s:
            ok = security.check_password(s, self.password.text())
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
        with self.db.reader() as s:
            enabled = security.has_password(s)
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
        dialog = PasswordDialog(self.db, "已锁定", self.window)
        dialog.message.setText("程序已锁定（长时间没有操作）。请输入密码继续：")
        while not dialog.exec():
            dialog.tries = 0
        self.window.stack.show()
        self.locked = False
        self.restart()
