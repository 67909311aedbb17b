"""Photos travel with backups (folder and USB), come back with a restore on another PC, and
the backup listing checks each file once."""

from __future__ import annotations

import datetime as dt
import sqlite3

from models import activities, backup
from models.db import Database
from models.paths import photo_dir
from tests.helpers import cli


def _town_with_photo(tmp_path):
    path = tmp_path / "pc1" / "town.sqlite"
    db = Database.open(path)
    src = tmp_path / "活动.jpg"
    src.write_bytes(b"\xff\xd8\xff photo bytes " * 100)
    with db.session() as s:
        act, _ = activities.create(s, activities.ActivityInput(dt.date(2025, 5, 4), "五四活动"))
        photo, _ = activities.attach_photo(s, act.id, src, photo_dir(path))
        name = photo.file_name
    db.close()
    return path, name, src.read_bytes()


def test_usb_backup_carries_the_photos_and_restores_them_on_another_pc(tmp_path):
    path, name, data = _town_with_photo(tmp_path)
    usb = tmp_path / "usb" / "关工台账备份.sqlite"
    assert cli("backup", "--db", path, "--out", usb).returncode == 0
    assert (usb.parent / "photos" / name).read_bytes() == data
    other = tmp_path / "pc2" / "town.sqlite"
    Database.open(other).close()
    proc = cli("restore", usb, "--db", other)
    assert proc.returncode == 0, proc.stderr
    assert (photo_dir(other) / name).read_bytes() == data
    con = sqlite3.connect(other)
    assert con.execute("SELECT file_name FROM activity_photos").fetchall() == [(name,)]
    con.close()


def test_folder_backups_share_one_photo_store_and_copy_only_new_photos(tmp_path, monkeypatch):
    path, name, data = _town_with_photo(tmp_path)
    folder = tmp_path / "backups"
    first = backup.make_backup_of_file(path, folder, kind="手动")
    store = folder / "photos" / name
    assert store.read_bytes() == data
    stamp = store.stat().st_mtime_ns
    copies = []
    real = backup.shutil.copyfile
    monkeypatch.setattr(backup.shutil, "copyfile", lambda a, b: copies.append(a) or real(a, b))
    second = backup.make_backup_of_file(path, folder, kind="手动")
    assert first != second and copies == [] and store.stat().st_mtime_ns == stamp
    # the live photo lost: a restore from the folder brings it back
    (photo_dir(path) / name).unlink()
    Database(path).restore(Database(second))
    assert (photo_dir(path) / name).read_bytes() == data


def test_listing_with_counts_checks_each_backup_once(db, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    for _ in range(3):
        backup.make_backup_of_file(db.path, folder, kind="手动")
    calls = []
    real = backup._verify
    monkeypatch.setattr(backup, "_verify", lambda p, key=None: calls.append(p) or real(p, key=key))
    first = backup.list_backups(folder, db.path.stem, with_counts=True)
    assert len(first) == 3 and all(b.ok for b in first) and len(calls) == 3
    again = backup.list_backups(folder, db.path.stem, with_counts=True)
    assert len(calls) == 3 and [b.counts for b in again] == [b.counts for b in first]
    damaged = first[0].path
    damaged.write_bytes(damaged.read_bytes()[:4096])  # changed: checked again, found bad
    third = backup.list_backups(folder, db.path.stem, with_counts=True)
    assert len(calls) == 4 and not third[0].ok


def test_photo_names_from_a_backup_never_reach_outside_the_photo_folder(tmp_path):
    path, _name, _data = _town_with_photo(tmp_path)
    usb = tmp_path / "usb" / "备份.sqlite"
    backup.write_verified_copy(path, usb)
    con = sqlite3.connect(usb)
    con.execute("UPDATE activity_photos SET file_name = '../../evil.jpg'")
    con.commit()
    con.close()
    planted = tmp_path / "usb" / "evil.jpg"  # where ../../evil.jpg points from usb/photos/x
    planted.parent.mkdir(exist_ok=True)
    planted.write_bytes(b"x")
    other = tmp_path / "pc2" / "deep" / "town.sqlite"
    Database.open(other).close()
    Database(other).restore(Database(usb))
    assert sorted(tmp_path.rglob("evil.jpg")) == [planted]
    assert not photo_dir(other).exists() or not list(photo_dir(other).iterdir())
