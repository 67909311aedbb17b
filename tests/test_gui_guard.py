"""Two windows on one database, and the recovery screen for a damaged file."""

import shutil

from gui.guard import RecoveryDialog
from models import backup, demo, filelock
from models.db import Database
from tests.helpers import cli


def test_second_instance_is_told_plainly(tmp_path):
    path = tmp_path / "town.sqlite"
    Database.open(path).close()
    held = filelock.window_lock(path)
    assert held is not None
    try:
        proc = cli("--db", path, "--smoke", timeout=60)
        assert proc.returncode == 2
        assert "已经在另一个关工台账窗口中打开" in proc.stderr and "Traceback" not in proc.stderr
        assert not Database(path).claim_window()
    finally:
        held.unlock()
    again = Database(path)
    assert again.claim_window()
    again.close()


def test_recovery_screen_offers_the_newest_good_backup_and_keeps_the_damaged_file(qtbot, tmp_path):
    path = tmp_path / "town.sqlite"
    db = Database.open(path)
    with db.session() as s:
        demo.build(s, scale=1)
    good = backup.make_backup(db)
    db.close()
    bad = backup.default_backup_dir(path) / "town_20990101-000000-000_自动.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)  # newer but damaged: not offered
    data = bytearray(path.read_bytes())
    data[8192:8192 + 4096 * 10] = b"\xee" * 4096 * 10
    path.write_bytes(bytes(data))
    damaged_copy = bytes(data)
    assert cli("check", "--db", path).returncode in (1, 2)

    dialog = RecoveryDialog(path, "数据库文件已损坏")
    qtbot.addWidget(dialog)
    assert [b.path for b in dialog.backups] == [good]
    assert "五老" in dialog.list.item(0).text()
    dialog.restore()
    assert dialog.restored
    assert cli("check", "--db", path).returncode == 0
    kept = list(backup.default_backup_dir(path).glob("*损坏*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged_copy
    shutil.rmtree(tmp_path / "backups")
