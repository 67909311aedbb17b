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


#: how long the question before the idle lock waits for an answer (适老化: never lock without
#: asking first, and give time to answer: WCAG 2.2.1 asks for at least 20 seconds)
ASK_SECONDS = 120


class LockQuestion(QDialog):
    """Asks before the idle lock strikes: 继续使用 (Enter) keeps working; 现在锁定 locks. The
    time left is said in words, updated each second; without an answer it locks."""

    def __init__(self, parent: QWidget | None, minutes: int, seconds: int = ASK_SECONDS) -> None:
        super().__init__(parent)
        self.setWindowTitle("还在使用吗？")
        self.left = seconds
        self.minutes = minutes
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(self.text.fontMetrics().horizontalAdvance("汉") * 26)
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 3 + 4)
        buttons = QDialogButtonBox()
        self.keep = buttons.addButton("继续使用", QDialogButtonBox.ButtonRole.AcceptRole)
        self.lock_now = buttons.addButton("现在锁定", QDialogButtonBox.ButtonRole.RejectRole)
        self.keep.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.ticker = QTimer(self, interval=1000)
        self.ticker.timeout.connect(self.tick)
        self._say()
        self.ticker.start()

    def _say(self) -> None:
        self.text.setText(f"已经 {self.minutes} 分钟没有操作了。为保护数据，程序将在 {self.left} 秒后"
                          "锁定（锁定后输入密码就能继续）。要继续使用，请按回车或点“继续使用”。")

    def tick(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.ticker.stop()
            self.reject()
            return
        self._say()


class IdleLock(QObject):
    """After the set minutes without keyboard or mouse use, asks whether the clerk is still
    there (LockQuestion); locks the window when told to or when nobody answers."""

    def __init__(self, window: Any, db: Database) -> None:
        super().__init__(window)
        self.window = window
        self.db = db
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.ask)
        self.locked = False
        self.filtering = False
        self.question: LockQuestion | None = None
        self.restart()

    def ask(self) -> None:
        """The question first; 继续使用 starts the idle time again, anything else locks."""
        if self.locked or self.question is not None:
            return
        with self.db.reader() as s:
            minutes = security.lock_minutes(s)
        self.question = LockQuestion(self.window, minutes)
        try:
            kept = self.question.exec() == QDialog.DialogCode.Accepted
        finally:
            self.question.deleteLater()
            self.question = None
        if kept:
            self.restart()
        else:
            self.lock()

    def restart(self) -> None:
        enabled = security.is_encrypted(self.db.path)
        with self.db.reader() as s:
            minutes = security.lock_minutes(s)
        # the filter sees every event of the application (and each new kind of object costs
        # PySide a wrapper type), so it is in place only while the lock can strike
        app = QApplication.instance()
        assert app is not None  # an idle lock lives in a window, so in a running application
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
        if self.locked or self.question is not None or not self.timer.isActive():
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
