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

from gui.chrome import dialog_buttons
from models import security
from models.db import Database
from models.errors import WrongPassword

if TYPE_CHECKING:
    from gui.bus import ChangeBus
    from models.changes import Changes

MAX_TRIES = 5


def unlocker(db: Database) -> Callable[[str], bool]:
    """A check that unlocks ``db`` with the password (an older file's password also encrypts
    it, models.db.Database.unlock)."""
    def check(password: str) -> bool:
        try:
            db.unlock(password)
        except WrongPassword:
            return False
        return True
    return check


def ask_backup_password(source: Database, parent: QWidget | None = None) -> bool:
    """Before a restore: an encrypted backup (``Database.backup_of``) that this database's key
    does not open asks for that backup's password (it may differ from the current one). False
    when not given."""
    if not source.locked:
        return True
    dialog = PasswordDialog(source, "备份的密码", parent, check=unlocker(source),
                            prompt=f"备份“{source.path.name}”设置了密码（已加密）。"
                                   "请输入做这个备份时的密码：")
    return bool(dialog.exec())


class PasswordDialog(QDialog):
    """Asks for the password of the database ``db`` (by default: the one of the open,
    encrypted file — the idle lock). Failures wait as the brake says (models.security)."""

    def __init__(self, db: Database | Path, title: str, parent: QWidget | None = None,
                 check: Callable[[str], bool] | None = None,
                 prompt: str = "请输入关工台账的密码：") -> None:
        super().__init__(parent)
        self.db = db if isinstance(db, Database) else Database(db)
        self.path = self.db.path
        self.check = check or self.db.check_password
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
        buttons = dialog_buttons(self, (QDialogButtonBox.StandardButton.Ok, "进入"))
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
    there (LockQuestion); locks the window when told to or when nobody answers. Follows the
    settings (minutes, password set or removed, a restore) through ``bus``."""

    def __init__(self, window: Any, db: Database, bus: ChangeBus | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.db = db
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.ask)
        self.locked = False
        self.filtering = False
        self.question: LockQuestion | None = None
        if bus is not None:
            bus.changed.connect(self._changed)
        self.restart()

    def _changed(self, changes: Changes) -> None:
        if changes.settings and not self.locked:
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
        enabled = self.db.encrypted
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
        dialog = PasswordDialog(self.db, "已锁定", self.window)
        dialog.message.setText("程序已锁定（长时间没有操作）。请输入密码继续：")
        while not dialog.exec():
            dialog.tries = 0
        self.window.stack.show()
        self.locked = False
        self.restart()
