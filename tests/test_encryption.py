"""Issue 15: with a password the database, its WAL and every backup are SQLCipher-encrypted.

The acceptance check runs the real command line on a demo township: the names, ID numbers and
phones are read from the plain file first, then none of them may be found in the bytes of the
encrypted file, its WAL or any backup; every command works with GGTZ_PASSWORD and refuses
(exit 2) without it; ``check`` and ``stats`` equal the plain figures. Kill points prove that
setting, changing and removing the password leaves one readable database.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from models import backup, security, sqlconnect
from models.db import Database
from models.errors import PasswordNeeded, ValidationError, WrongPassword
from tests.helpers import ROOT, run_main
from tests.sheets import big_roster

PW = "青山2025关工委"
NEW = "新密码-7788"


def run(*args: object, password: str | None = None, new: str | None = None,
        kill: str | None = None) -> subprocess.CompletedProcess:
    """``main.py ARGS`` with no terminal (helpers.run_main), given up to 5 minutes."""
    return run_main(*args, password=password, new=new, kill=kill, timeout=300)


def ok(*args: object, **kw: str | None) -> subprocess.CompletedProcess:
    proc = run(*args, **kw)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def plain_town(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "town.sqlite"
    ok("demo", "--db", path)
    return path


def _copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(src.read_bytes())
    return dest


def _secrets(path: Path) -> set[bytes]:
    """Names, ID numbers and phones of the plain file (what must never be readable)."""
    con = sqlite3.connect(path)
    found: set[str] = set()
    for sql in ("SELECT name, id_number, phone FROM volunteers",
                "SELECT name, id_number, address FROM students",
                "SELECT guardian, guardian_phone, '' FROM students"):
        for row in con.execute(sql):
            found.update(v for v in row if isinstance(v, str) and len(v) >= 2)
    con.close()
    assert len(found) > 300
    return {s.encode("utf-8") for s in found}


def _leaks(files: list[Path], secrets: set[bytes]) -> list[str]:
    out = []
    for f in files:
        data = f.read_bytes()
        out += [f"{f.name}: {s.decode()}" for s in secrets if s in data]
    return out


def test_acceptance_no_personal_data_in_any_file_and_commands_need_the_password(
        plain_town, tmp_path):
    path = _copy(plain_town, tmp_path / "town" / "town.sqlite")
    secrets = _secrets(path)
    assert _leaks([path], secrets)  # the test can fail: the plain file shows them
    check0 = json.loads(ok("check", "--db", path, "--json").stdout)
    stats0 = json.loads(ok("stats", "--db", path, "--year", 2025, "--json").stdout)

    before = backup.make_backup_of_file(path, backup.default_backup_dir(path), kind="手动")
    assert _leaks([before], secrets)
    proc = ok("password", "--db", path, new=PW)
    assert "已加密" in proc.stdout
    assert not before.read_bytes().startswith(b"SQLite format 3")  # encrypted in its place
    assert not path.read_bytes().startswith(b"SQLite format 3")

    # every command works with the password ...
    assert json.loads(ok("check", "--db", path, "--json", password=PW).stdout) == check0
    assert json.loads(ok("stats", "--db", path, "--year", 2025, "--json",
                         password=PW).stdout) == stats0
    out = tmp_path / "out"
    ok("backup", "--db", path, "--out", out / "手动.sqlite", password=PW)
    ok("export", "volunteers", "--db", path, "--format", "xlsx", "--out", out / "v.xlsx",
       password=PW)
    ok("package", "--db", path, "--year", 2025, "--out", out / "pkg", password=PW)
    ok("rollup-status", "--db", path, "--year", 2025, "--json", password=PW)
    template = big_roster(out / "t.xlsx", 20)
    ok("import", "volunteers", template, "--db", path, "--skip-invalid",
       password=PW)  # makes a 导入前 backup
    ok("restore", out / "手动.sqlite", "--db", path, password=PW)    # makes a 恢复前 backup
    check1 = json.loads(ok("check", "--db", path, "--json", password=PW).stdout)
    assert check1 == check0  # the restore took the backup made before the import

    # ... and refuses without it, or with a wrong one
    for args in (("check", "--db", path), ("stats", "--db", path, "--year", 2025, "--json"),
                 ("backup", "--db", path, "--out", out / "x.sqlite"),
                 ("export", "volunteers", "--db", path, "--format", "xlsx",
                  "--out", out / "x.xlsx"),
                 ("package", "--db", path, "--year", 2025, "--out", out / "pkg2"),
                 ("restore", out / "手动.sqlite", "--db", path),
                 ("import", "volunteers", template, "--db", path),
                 ("rollup-status", "--db", path, "--year", 2025),
                 ("password", "--db", path, "--remove")):
        for password in (None, "wrong-one"):
            proc = run(*args, password=password)
            assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
            assert "密码" in proc.stderr and "Traceback" not in proc.stderr
            # the guessing brake (tested on its own below) would make each further try wait
            Path(str(path) + ".tries").unlink(missing_ok=True)
    assert not (out / "x.sqlite").exists() and not (out / "x.xlsx").exists()

    backups = [p for p in (path.parent / "backups").glob("*.sqlite")]
    kinds = {p.stem.rsplit("_", 1)[-1] for p in backups}
    assert {"导入前", "恢复前"} <= kinds, kinds
    files = [path, *backups, out / "手动.sqlite"]
    run("stats", "--db", path, "--year", 2025, password="wrong-one")  # a .tries file to look at
    files += [p for p in path.parent.iterdir() if p.name.endswith(("-wal", "-shm", ".tries"))]
    assert any(p.name.endswith(".tries") for p in files)
    assert not _leaks(files, secrets)
    assert PW.encode() not in b"".join(f.read_bytes() for f in files)

    # the WAL while the database is being written is encrypted too
    db = Database(path)
    db.unlock(PW)
    db.load()
    try:
        with db.session() as s:
            s.connection().exec_driver_sql(
                "UPDATE volunteers SET phone = '13912345678' WHERE id = 1")
        wal = Path(str(path) + "-wal")
        assert wal.stat().st_size > 0
        assert b"13912345678" not in wal.read_bytes()
        assert not _leaks([wal], secrets)
    finally:
        db.close()


def test_change_and_remove_the_password(plain_town, tmp_path):
    path = _copy(plain_town, tmp_path / "t.sqlite")
    stats0 = ok("stats", "--db", path, "--year", 2025, "--json").stdout
    ok("password", "--db", path, new=PW)
    assert run("password", "--db", path, new=NEW, password="wrong").returncode == 2
    ok("password", "--db", path, new=NEW, password=PW)
    assert run("stats", "--db", path, "--year", 2025, "--json", password=PW).returncode == 2
    assert ok("stats", "--db", path, "--year", 2025, "--json", password=NEW).stdout == stats0
    short = run("password", "--db", path, new="12", password=NEW)
    assert short.returncode == 1 and "至少" in short.stderr
    ok("password", "--db", path, "--remove", password=NEW)
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert ok("stats", "--db", path, "--year", 2025, "--json").stdout == stats0


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("point", ["password.export", "password.swap", "password.done"])
@pytest.mark.parametrize("change", ["set", "change", "remove"])
def test_kill_while_re_encrypting_leaves_one_readable_database(plain_town, tmp_path, point,
                                                               change):
    path = _copy(plain_town, tmp_path / "k.sqlite")
    check0 = json.loads(ok("check", "--db", path, "--json").stdout)
    old, new = {"set": (None, PW), "change": (PW, NEW), "remove": (PW, None)}[change]
    if old:
        ok("password", "--db", path, new=old)
    args = ("password", "--db", path, *(("--remove",) if new is None else ()))
    proc = run(*args, password=old, new=new, kill=point)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    after = new if point == "password.done" else old
    report = json.loads(ok("check", "--db", path, "--json", password=after or "").stdout)
    assert report == check0
    other = old if after == new else new
    assert path.read_bytes().startswith(b"SQLite format 3") == (after is None)
    if other and after:
        assert run("check", "--db", path, password=other).returncode == 2
    leftovers = [p.name for p in tmp_path.iterdir() if ".rekey" in p.name]
    assert len(leftovers) <= 1  # a kill may leave the unfinished copy, never a second db
    ok("password", "--db", path, new=NEW, password=after or "")  # and it can be redone
    assert json.loads(ok("check", "--db", path, "--json", password=NEW).stdout) == check0
    assert not any(".rekey" in p.name for p in tmp_path.iterdir())


def test_wrong_passwords_are_braked_across_restarts(plain_town, tmp_path):
    path = _copy(plain_town, tmp_path / "b.sqlite")
    ok("password", "--db", path, new=PW)
    slept: list[float] = []
    for _ in range(security.FREE_TRIES):
        with pytest.raises(WrongPassword):
            security.unlock(path, "guess", sleep=slept.append)
    assert slept == []  # the free tries wait for nothing but the KDF
    assert security.brake_seconds(path) > 0
    tries = path.with_name(path.name + ".tries").read_text("utf-8")
    assert set(json.loads(tries)) == {"failures", "last"}  # nothing else in it
    # a new process sees the same brake
    code = ("from models import security; import sys; "
            "print(security.brake_seconds(sys.argv[1]))")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, cwd=ROOT)
    assert float(proc.stdout) > 0
    with pytest.raises(WrongPassword):
        security.unlock(path, "guess", sleep=slept.append)
    assert slept and slept[0] > 0
    security.unlock(path, PW, sleep=slept.append)  # the right one still works, and resets
    assert security.brake_seconds(path) == 0


def test_backups_list_and_restore(plain_town, tmp_path):
    path = _copy(plain_town, tmp_path / "db" / "r.sqlite")
    plain_backup = tmp_path / "old_plain.sqlite"
    ok("backup", "--db", path, "--out", plain_backup)
    ok("password", "--db", path, new=PW)
    enc_backup = tmp_path / "b" / "r_20250101-000000-000_手动.sqlite"
    ok("backup", "--db", path, "--out", enc_backup, password=PW)
    # listing without the key: shown as encrypted, no crash
    listed = backup.list_backups(enc_backup.parent, with_counts=True)
    assert len(listed) == 1 and not listed[0].ok and listed[0].problem == backup.ENCRYPTED
    key = security.unlock(path, PW)  # the database's key opens its backups (same salt)
    listed = backup.list_backups(enc_backup.parent, with_counts=True, key=key)
    assert listed[0].ok and listed[0].counts["五老"] == 366
    other = security.unlock(plain_backup, PW)  # a plain file: nothing to unlock
    assert other is None and not backup.list_backups(enc_backup.parent, with_counts=True,
                                                      key=sqlconnect.new_key(PW))[0].ok
    with pytest.raises(PasswordNeeded):
        Database.open(enc_backup)
    # restoring an old plain backup: done as it is, and the clerk is told
    proc = ok("restore", plain_backup, "--db", path, password=PW)
    assert "没有加密" in proc.stderr
    assert path.read_bytes().startswith(b"SQLite format 3")
    # restoring the encrypted one asks for its password
    assert run("restore", enc_backup, "--db", path).returncode == 2
    assert run("restore", enc_backup, "--db", path, password="nope").returncode == 2
    ok("restore", enc_backup, "--db", path, password=PW)
    assert not path.read_bytes().startswith(b"SQLite format 3")
    assert run("check", "--db", path).returncode == 2
    ok("check", "--db", path, password=PW)


def test_an_older_file_with_only_a_password_hash_is_encrypted_when_used(plain_town, tmp_path):
    import hashlib

    path = _copy(plain_town, tmp_path / "legacy.sqlite")
    salt = os.urandom(16)
    digest = hashlib.scrypt(PW.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    con = sqlite3.connect(path)
    con.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('password_hash', ?)",
                (f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}",))
    con.commit()
    con.close()
    assert run("check", "--db", path).returncode == 2
    assert run("check", "--db", path, password="wrong").returncode == 2
    assert path.read_bytes().startswith(b"SQLite format 3")
    proc = ok("check", "--db", path, password=PW)
    assert "加密" in proc.stderr
    assert not path.read_bytes().startswith(b"SQLite format 3")
    key = security.unlock(path, PW)
    con = sqlconnect.connect(path, readonly=True, key=key)
    assert con.execute("SELECT count(*) FROM settings WHERE key='password_hash'").fetchone() == (0,)
    con.close()


def test_raw_key_equals_sqlcipher_own_derivation(tmp_path):
    """The raw key opened by every connection is exactly SQLCipher's KDF of the password."""
    from sqlcipher3 import dbapi2

    path = tmp_path / "k.sqlite"
    con = dbapi2.connect(str(path))
    con.execute(f"PRAGMA key = '{PW}'")
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (42)")
    con.commit()
    con.close()
    key = sqlconnect.key_for_file(path, PW)
    con = sqlconnect.connect(path, key=key, readonly=True)
    assert con.execute("SELECT x FROM t").fetchone() == (42,)
    con.close()
    with pytest.raises(sqlconnect.DatabaseError):  # at the open or the first read
        con = sqlconnect.connect(path, key=sqlconnect.key_for_file(path, "x" + PW),
                                 readonly=True)
        try:
            con.execute("SELECT x FROM t")
        finally:
            con.close()


def _cipher_file(path: Path, password: str) -> sqlconnect.Key:
    """A small SQLCipher file at ``path`` with ``password``; its key."""
    from sqlcipher3 import dbapi2

    con = dbapi2.connect(str(path))
    con.execute(f"PRAGMA key = '{password}'")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    key = sqlconnect.key_for_file(path, password)
    assert key is not None
    return key


def test_a_connection_that_fails_to_open_gives_its_use_lock_back_at_once(tmp_path):
    """A connection refused by its file (here a wrong key) leaves no use lock behind: the
    window's restore waited 30 s and then refused ("正在被另一个关工台账程序使用") while the
    failure's traceback, waiting for a garbage collection, held the lock."""
    from models import engines, filelock

    path = tmp_path / "k.sqlite"
    _cipher_file(path, PW)
    wrong = sqlconnect.key_for_file(path, "x" + PW)
    with pytest.raises(sqlconnect.DatabaseError) as failed:
        engines.connect_locked(path, lambda: wrong)
    assert failed.value.__traceback__ is not None  # (the traceback is still alive here)
    with filelock.closed_in_process(path):
        assert filelock.wait_own_closed(path, timeout=0.0)


def test_a_connection_waiting_out_a_swap_opens_with_the_key_of_the_file_after_it(tmp_path):
    """A connection asked for while the file is being replaced (restore, password change)
    waits, then opens the new file with the key it has then — not the one of before."""
    import threading

    from models import engines, filelock

    path = tmp_path / "k.sqlite"
    old = _cipher_file(path, PW)
    current = [old]
    opened: list[Any] = []
    with filelock.closed_in_process(path):
        waiting = threading.Thread(
            target=lambda: opened.append(engines.connect_locked(path, lambda: current[0])))
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive()  # it waits for the swap
        path.unlink()
        current[0] = _cipher_file(path, NEW)  # the new file, with its own key
    waiting.join(10)
    con = opened[0]
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    con.close()


def test_password_change_is_refused_while_a_window_or_another_program_has_the_file(
        plain_town, tmp_path):
    from models import filelock

    path = _copy(plain_town, tmp_path / "w.sqlite")
    before = path.read_bytes()
    # the window's lock, then a user's (e.g. an import running in another process)
    for take, said in ((filelock.window_lock, "窗口"), (filelock.use_lock, "另一个")):
        held = take(path)
        assert held is not None
        try:
            proc = run("password", "--db", path, new=PW)
        finally:
            held.unlock()
        assert proc.returncode == 2 and said in proc.stderr, proc.stderr
    assert path.read_bytes() == before
    assert not any(".rekey" in p.name for p in tmp_path.iterdir())


def test_tries_side_by_side_take_turns(plain_town, tmp_path):
    """Guesses run in parallel processes wait for each other's turn (and so for the brake)."""
    from models import filelock

    path = _copy(plain_town, tmp_path / "p.sqlite")
    ok("password", "--db", path, new=PW)
    turn = filelock.acquire(path.with_name(path.name + ".tries.lock"))
    assert turn is not None
    code = "from models import security; import sys; security.unlock(sys.argv[1], sys.argv[2])"
    guess = subprocess.Popen([sys.executable, "-c", code, str(path), PW], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            guess.wait(timeout=2.0)  # another process has the turn: this one waits
    finally:
        turn.unlock()
    assert guess.wait(timeout=60) == 0


def test_empty_passwords_are_no_password(plain_town, tmp_path):
    path = _copy(plain_town, tmp_path / "e.sqlite")
    empty_new = run("password", "--db", path, new="")
    assert empty_new.returncode == 2 and "新密码" in empty_new.stderr
    assert path.read_bytes().startswith(b"SQLite format 3")
    ok("password", "--db", path, new=PW)
    kept = run("password", "--db", path, new="", password=PW)  # never a quiet removal
    assert kept.returncode == 2 and sqlconnect.is_encrypted(path)
    with pytest.raises(ValidationError):
        Database(path).change_password("")
    empty = run("stats", "--db", path, "--year", 2025, password="")
    assert empty.returncode == 2 and "需要输入密码" in empty.stderr
    assert not path.with_name(path.name + ".tries").exists()  # not counted as a guess
