"""The program password: only a salted hash is stored; locking asks for it again."""

import sqlite3

from models import security
from tests.helpers import cli


def test_password_is_stored_only_as_a_salted_hash(db, tmp_path):
    with db.session() as s:
        security.set_password(s, "青山2025")
    with db.reader() as s:
        assert security.check_password(s, "青山2025")
        assert not security.check_password(s, "qingshan")
    raw = db.path.read_bytes() + (db.path.parent / (db.path.name + "-wal")).read_bytes()
    assert "青山2025".encode() not in raw
    out = tmp_path / "b.sqlite"
    cli("backup", "--db", db.path, "--out", out, check=True)
    assert "青山2025".encode() not in out.read_bytes()
    stored = sqlite3.connect(out).execute(
        "SELECT value FROM settings WHERE key='password_hash'").fetchone()[0]
    assert stored.startswith("scrypt$") and len(stored.split("$")) == 6
    with db.session() as s:
        security.set_password(s, "")
    with db.reader() as s:
        assert security.check_password(s, "anything") and not security.has_password(s)


def test_idle_lock_hides_the_window_until_the_password(qtbot, db, monkeypatch):
    from gui.lock import IdleLock, PasswordDialog
    from gui.main_window import MainWindow

    with db.session() as s:
        security.set_password(s, "1234")
    w = MainWindow(db)
    qtbot.addWidget(w)
    w.show()
    lock = IdleLock(w, db)
    assert lock.timer.isActive() and lock.timer.interval() == 10 * 60_000
    seen = []

    def exec_(self):
        seen.append(w.stack.isVisible())
        self.password.setText("wrong" if len(seen) == 1 else "1234")
        before = self.result()
        self.accept()
        return self.result() if self.result() != before or len(seen) > 1 else 0

    monkeypatch.setattr(PasswordDialog, "exec", exec_)
    lock.lock()
    assert seen[0] is False and len(seen) == 2
    assert w.stack.isVisible() and not lock.locked
