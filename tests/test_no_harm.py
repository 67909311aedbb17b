"""Issue 19: no command destroys what it was not asked to change (contract §1).

1. the output guard (models.outputs) on every --out and every save dialog;
2. the open rule (models.opening): missing folder, missing file, `init`, read-only places;
3. nothing readable left behind after a kill (.rekey, package parts);
4. the guessing brake counts every try, also in parallel processes; 8-character passwords;
5. pipes, locales, odd bytes and races end in a sentence;
6. replacing the file waits for this process's own connections (the window's restores).

Real processes wherever the fault lies between processes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from models import opening, outputs, security, sqlconnect
from models.db import Database
from models.errors import FileProblem, ValidationError, user_message
from tests.helpers import ROOT
from tests.helpers import run_main as run

PW = "青山关工委2025"
UNEXPECTED = "意外错误"


def ok(*args: object, **kw: object) -> subprocess.CompletedProcess:
    proc = run(*args, **kw)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert UNEXPECTED not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def inproc(*args: object) -> None:
    """``main.main(ARGS)`` in this process for building fixtures (no process start-up)."""
    import main as entry

    assert entry.main([str(a) for a in args]) == 0


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """A small township: `init` plus a 30-row roster."""
    from tests.sheets import big_roster

    folder = tmp_path_factory.mktemp("town")
    path = folder / "town.sqlite"
    inproc("init", "--db", path, "--committee", "青山镇关工委", "--code", "130102001")
    inproc("import", "volunteers", big_roster(folder / "roster.xlsx", 30), "--db", path)
    return path


@pytest.fixture(scope="module")
def encrypted(town, tmp_path_factory) -> tuple[Path, Path]:
    """The township with a password, and a backup of it on a stick."""
    folder = tmp_path_factory.mktemp("enc")
    path = _copy(town, folder / "e.sqlite")
    db = Database(path)
    db.change_password(PW)
    copy = db.copy_to(folder / "usb" / "copy.sqlite")
    return path, copy


def _copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


# -- 1. the output guard ------------------------------------------------------------------------

def main_in_process(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    """``main.main(ARGS)`` in this process (fast; the guard runs before anything is opened)."""
    import main as entry

    capsys.readouterr()
    code = entry.main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_no_out_replaces_the_database_its_side_files_a_backup_or_another_kind(
        town, tmp_path, capsys):
    path = _copy(town, tmp_path / "t.sqlite")
    before = path.read_bytes()
    # the slips of the issue, in real processes
    refused(run("export", "volunteers", "--db", path, "--format", "xlsx", "--out", path),
            "数据库文件本身")
    refused(run("template", "volunteers", "--out", path), "数据库")
    ok("backup", "--db", path, "--out", tmp_path / "b.sqlite")
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    note = tmp_path / "说明.xlsx"
    note.write_text("clerk's notes", "utf-8")
    pdf = tmp_path / "花名册.pdf"
    pdf.write_bytes(b"%PDF-1.4 the clerk's own")
    for args, word in (
            (("export", "volunteers", "--db", path, "--format", "pdf", "--out", f"{path}-wal"),
             "工作文件"),
            (("export", "volunteers", "--db", path, "--format", "xlsx",
              "--out", f"{path}-journal"), "工作文件"),
            (("import", "volunteers", tmp_path / "none.xlsx", "--db", path,
              "--errors-out", path), "数据库"),
            (("package", "--db", path, "--year", 2025, "--out", path), "不是文件夹"),
            (("export", "volunteers", "--db", path, "--format", "xlsx", "--out", tmp_path),
             "文件夹"),
            (("backup", "--db", path, "--out", tmp_path / "b.sqlite"), "备份"),
            (("backup", "--db", path, "--out", path), "数据库文件本身"),
            (("export", "volunteers", "--db", path, "--format", "xlsx",
              "--out", tmp_path / "b.sqlite"), "备份"),
            (("export", "volunteers", "--db", path, "--format", "xlsx", "--out", link),
             "数据库文件本身"),
            (("export", "volunteers", "--db", path, "--format", "xlsx", "--out", pdf), "PDF"),
            (("template", "volunteers", "--out", note), "不能覆盖")):
        code, err = main_in_process(capsys, *args)
        assert code == 2 and word in err and UNEXPECTED not in err, (args, err)
    assert note.read_text("utf-8") == "clerk's notes"
    assert pdf.read_bytes() == b"%PDF-1.4 the clerk's own"
    assert path.read_bytes() == before
    ok("check", "--db", path)
    assert not list(tmp_path.glob("*.part"))
    # a file of the same kind is replaced (the window asks first)
    code, err = main_in_process(capsys, "export", "volunteers", "--db", path, "--format", "pdf",
                                "--out", pdf)
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF") and len(pdf.read_bytes()) > 1000


def test_an_encrypted_database_and_its_backups_are_refused_as_outputs(
        encrypted, tmp_path, capsys, monkeypatch):
    path, copy = encrypted
    before, copied = path.read_bytes(), copy.read_bytes()
    refused(run("export", "volunteers", "--db", path, "--format", "xlsx", "--out", path,
                password=PW), "数据库")
    monkeypatch.setenv("GGTZ_PASSWORD", PW)
    for args, word in ((("template", "volunteers", "--out", path), "数据库"),  # sniffed
                       (("template", "volunteers", "--out", copy), "备份"),
                       (("backup", "--db", path, "--out", copy), "备份")):
        code, err = main_in_process(capsys, *args)
        assert code == 2 and word in err, err
    assert path.read_bytes() == before and copy.read_bytes() == copied


def test_the_guard_sniffs_kinds_from_content(tmp_path):
    book = tmp_path / "a.bin"
    with zipfile.ZipFile(book, "w") as zf:
        zf.writestr("xl/workbook.xml", "<x/>")
    assert outputs.sniff(book) == "xlsx"
    with zipfile.ZipFile(tmp_path / "b.bin", "w") as zf:
        zf.writestr("manifest.json", "{}")
    assert outputs.sniff(tmp_path / "b.bin") == "zip"
    (tmp_path / "c.bin").write_bytes(b"%PDF-1.4 ...")
    assert outputs.sniff(tmp_path / "c.bin") == "pdf"
    cipher = tmp_path / "backups" / "x.dat"
    cipher.parent.mkdir()
    cipher.write_bytes(os.urandom(4096))
    assert outputs.sniff(cipher) == "sqlite"  # an encrypted backup has no header
    with pytest.raises(FileProblem):
        outputs.guard_output(cipher, "xlsx")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert outputs.guard_output(tmp_path / "empty.xlsx", "xlsx")
    assert outputs.guard_output(book, "xlsx")


def test_the_windows_save_dialogs_refuse_the_database_and_ask_before_replacing(
        qtbot, db, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from gui import files

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: said.append(text))
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a, **k:
                        asked.append(text) or QMessageBox.StandardButton.No)
    chosen = {"path": str(db.path)}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (chosen["path"], ""))
    assert files.save_file(None, "导出", "花名册.xlsx", "Excel 文件 (*.xlsx)",
                           db_path=db.path) == ""
    assert said and "数据库" in said[-1]
    other = tmp_path / "花名册.xlsx"
    other.write_bytes(b"%PDF-1.4")
    chosen["path"] = str(tmp_path / "花名册")  # the suffix is added, then the guard applies
    assert files.save_file(None, "导出", "花名册.xlsx", "Excel 文件 (*.xlsx)") == ""
    assert "PDF" in said[-1]
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("xl/workbook.xml", "<x/>")
    assert files.save_file(None, "导出", "花名册.xlsx", "Excel 文件 (*.xlsx)") == ""
    assert asked and "替换" in asked[-1]  # same kind, name completed here: asked, declined
    chosen["path"] = str(other)  # the dialog asked itself
    assert files.save_file(None, "导出", "花名册.xlsx", "Excel 文件 (*.xlsx)") == str(other)


# -- 2. the open rule -------------------------------------------------------------------------

def test_a_missing_folder_or_file_never_starts_an_empty_database(tmp_path, capsys):
    from tests.sheets import big_roster

    roster = big_roster(tmp_path / "roster.xlsx", 5)
    typo = tmp_path / "typo" / "town.sqlite"
    refused(run("import", "volunteers", roster, "--db", typo), "找不到文件夹")  # the slip
    for args in (("rollup", roster), ("stats", "--year", 2025), ("check",),
                 ("backup", "--out", tmp_path / "b.sqlite"), ("restore", tmp_path / "b.sqlite"),
                 ("password",), ("export", "groups", "--format", "pdf", "--out", tmp_path / "g.pdf"),
                 ("package", "--year", 2025, "--out", tmp_path), ("rollup-status", "--year", 2025)):
        code, err = main_in_process(capsys, *args, "--db", typo)
        assert code == 2 and "找不到文件夹" in err, (args, err)
    assert not typo.parent.exists()
    missing = tmp_path / "town.sqlite"
    refused(run("import", "volunteers", roster, "--db", missing), "init")
    code, err = main_in_process(capsys, "stats", "--db", missing, "--year", 2025)
    assert code == 2 and "init" in err
    assert not missing.exists()
    ok("init", "--db", typo, "--committee", "青山镇关工委", "--code", "130102001")
    before = typo.read_bytes()
    code, err = main_in_process(capsys, "init", "--db", typo, "--committee", "别的", "--code",
                                "130102002")
    assert code == 2 and "已经存在" in err
    assert typo.read_bytes() == before
    inproc("import", "volunteers", roster, "--db", typo)
    db = Database.open(typo, create=False)
    try:
        assert db.setting("committee_name") == "青山镇关工委"
        assert (db.setting("unit_code"), db.setting("unit_level")) == ("130102001", "乡镇")
    finally:
        db.close()
    code, err = main_in_process(capsys, "init", "--db", tmp_path / "n.sqlite", "--committee",
                                "x", "--code", "12")
    assert code == 1 and "区划代码" in err
    assert not (tmp_path / "n.sqlite").exists()


def test_a_read_only_place_is_named_so_and_refused_before_writing(town, tmp_path, monkeypatch):
    path = _copy(town, tmp_path / "ro" / "t.sqlite")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if mode == os.W_OK
                        and Path(p).resolve().is_relative_to(path.parent.resolve())
                        else real(p, mode, *a, **k))
    assert not opening.writable(path) and sqlconnect.read_only_place(path)
    for command in ("import", "package", "password", "restore", "rollup"):
        with pytest.raises(FileProblem, match="只读"):
            opening.check_place(path, command)
    for command in ("check", "stats", "export", "backup"):
        assert opening.check_place(path, command) == path
    assert "只读" in (user_message(Exception("attempt to write a readonly database"), path)
                    or "")
    assert "正在被另一个" in (user_message(Exception("database is locked"), path) or "")


def _read_only_mount_works() -> bool:
    if os.name != "posix" or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mount_works(), reason="needs a private read-only bind mount")
def test_reading_works_from_a_write_protected_folder_and_writing_says_read_only(town, tmp_path):
    """A real write-protected folder (a read-only bind mount in a private mount namespace:
    the tests run as root, for whom chmod protects nothing)."""
    from tests.sheets import big_roster

    stick = tmp_path / "stick"
    path = _copy(town, stick / "town.sqlite")
    out = tmp_path / "out"
    out.mkdir()
    roster = big_roster(out / "r.xlsx", 3)
    before = path.read_bytes()
    script = (f"mount --bind {stick} {stick} && mount -o remount,bind,ro {stick} && "
              f"exec {sys.executable} {ROOT / 'main.py'} \"$@\"")

    def on_stick(*args: object) -> subprocess.CompletedProcess:
        return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *map(str, args),
                               "--db", str(path)], capture_output=True, text=True,
                              encoding="utf-8", timeout=120, stdin=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})

    for args in (("check",), ("stats", "--year", 2025, "--json"),
                 ("export", "volunteers", "--format", "xlsx", "--out", out / "v.xlsx"),
                 ("backup", "--out", out / "b.sqlite")):
        proc = on_stick(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "损坏" not in proc.stderr
    assert (out / "v.xlsx").is_file() and (out / "b.sqlite").is_file()
    for args in (("import", "volunteers", roster),
                 ("export", "volunteers", "--format", "xlsx", "--full-id",
                  "--out", out / "full.xlsx")):
        proc = on_stick(*args)
        refused(proc, "只读")
        assert "损坏" not in proc.stderr
    assert path.read_bytes() == before
    assert not (out / "full.xlsx").exists()


# -- 3. nothing readable left behind ------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_killed_password_removal_leaves_no_plain_copy_once_the_file_is_opened(
        encrypted, tmp_path):
    path = _copy(encrypted[0], tmp_path / "k.sqlite")
    proc = run("password", "--db", path, "--remove", password=PW, kill="password.swap")
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    rekey = path.with_name(path.name + ".rekey")
    assert rekey.read_bytes().startswith(b"SQLite format 3")  # the plain copy of the kill
    ok("stats", "--db", path, "--year", 2025, "--json", password=PW)
    assert not rekey.exists() and sqlconnect.is_encrypted(path)
    assert not [p for p in tmp_path.iterdir() if ".rekey" in p.name]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_killed_package_leaves_its_parts_beside_the_output_and_the_next_removes_them(
        town, tmp_path):
    path = _copy(town, tmp_path / "p.sqlite")
    temp = tmp_path / "systemp"
    temp.mkdir()
    usb = tmp_path / "usb"
    env = {"TMPDIR": str(temp)}
    proc = run("package", "--db", path, "--year", 2025, "--out", usb, kill="package.entry:3",
               env=env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert list(temp.iterdir()) == []  # nothing of the year's records in the system's temp
    parts = [p.name for p in usb.iterdir()]
    assert any(n.endswith(".files.part") for n in parts), parts
    ok("package", "--db", path, "--year", 2025, "--out", usb, env=env)
    assert [p.suffix for p in usb.iterdir()] == [".zip"]


def test_folders_a_killed_print_preview_left_in_the_temp_folder_go_at_the_next_start(
        tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, new, other = (tmp_path / "ggtz-print-old", tmp_path / "ggtz-print-new",
                       tmp_path / "someone-else")
    for folder in (old, new, other):
        folder.mkdir()
        (folder / "报表.pdf").write_bytes(b"%PDF")
    day_ago = time.time() - 24 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert outputs.remove_stale_temp() == 1
    assert not old.exists() and new.exists() and other.exists()


# -- 4. the brake and the length -------------------------------------------------------------

def test_eight_parallel_wrong_tries_in_eight_processes_count_eight(encrypted, tmp_path):
    path = _copy(encrypted[0], tmp_path / "b.sqlite")
    tries = path.with_name(path.name + ".tries")
    env = {k: v for k, v in os.environ.items() if k != "GGTZ_PASSWORD"}
    env["GGTZ_PASSWORD"] = "wrong-guess"
    procs = [subprocess.Popen([sys.executable, str(ROOT / "main.py"), "check", "--db", str(path)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL) for _ in range(8)]
    try:
        deadline = time.monotonic() + 90
        failures = 0
        while time.monotonic() < deadline:
            try:
                failures = json.loads(tries.read_text("utf-8"))["failures"]
            except (OSError, ValueError):
                failures = 0
            if failures >= 8:
                break
            time.sleep(0.1)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            p.wait()
    data = json.loads(tries.read_text("utf-8"))
    assert data["failures"] == 8
    # the tries were lined up: the eighth may start only after the brake of the seven before
    # it (5 + 10 + 20 + 40 + 60 s after the first), not at once beside them
    assert data["last"] - time.time() > 60
    assert security.brake_seconds(path) > 0


def test_tries_in_threads_of_one_process_count_each_and_never_block_each_other(
        encrypted, tmp_path):
    path = _copy(encrypted[0], tmp_path / "th.sqlite")
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            security.unlock(path, "wrong-guess", sleep=lambda _s: None)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert len(errors) == 6 and all("密码不对" in str(e) for e in errors)
    assert json.loads(path.with_name(path.name + ".tries").read_text("utf-8"))["failures"] == 6
    security.unlock(path, PW, sleep=lambda _s: None)
    assert security.brake_seconds(path) == 0


def test_new_passwords_have_eight_characters_on_the_command_line_and_in_the_window(
        qtbot, town, tmp_path, monkeypatch):
    path = _copy(town, tmp_path / "s.sqlite")
    short = run("password", "--db", path, new="1234567")
    assert short.returncode == 1 and "至少要 8 位" in short.stderr and "试" in short.stderr
    assert not sqlconnect.is_encrypted(path)
    with pytest.raises(ValidationError, match="8 位"):
        Database(path).change_password("abcdefg")

    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.pages.settings import SettingsPage

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: said.append(text))
    db = Database.open(path, create=False)
    try:
        page = SettingsPage(AppContext(db))
        qtbot.addWidget(page)
        page.password.setText("1234567")
        page.save()
        assert said and "8 位" in said[-1]
        assert not sqlconnect.is_encrypted(path)
    finally:
        db.close()


# -- 5. pipes, locales, odd bytes, races ---------------------------------------------------------

def test_a_reader_that_stops_early_ends_quietly_with_the_status_of_the_work(town):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for args, take in ((["forms"], 1), (["stats", "--db", str(town), "--year", "2025"], 5)):
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(take)
        proc.stdout.close()  # like `| head -c 5`
        err = proc.stderr.read().decode("utf-8")
        assert proc.wait(timeout=60) == 0, err
        assert err == ""


def test_output_works_under_the_c_locale(town, tmp_path):
    folder = tmp_path / "青山镇"
    path = _copy(town, folder / "台账.sqlite")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    env.update(LC_ALL="C", PYTHONUTF8="0")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "stats", "--db", str(path),
                           "--year", "2025", "--json"], capture_output=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert json.loads(proc.stdout.decode("utf-8"))["volunteers"]["total"] == 30
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", "volunteers",
                           "--db", str(path), "--format", "xlsx", "--out", str(path)],
                          capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 2 and "数据库文件本身" in proc.stderr.decode("utf-8")


def test_a_password_of_bytes_that_are_not_utf8_gets_a_sentence_and_is_no_guess(
        encrypted, tmp_path):
    path = _copy(encrypted[0], tmp_path / "u.sqlite")
    env = {k.encode(): v.encode() for k, v in os.environ.items() if k != "GGTZ_PASSWORD"}
    env[b"GGTZ_PASSWORD"] = b"\xff\xfe\xb0\xa1"
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "check", "--db", str(path)],
                          capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 2 and "无法识别" in stderr and UNEXPECTED not in stderr
    assert not path.with_name(path.name + ".tries").exists()


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> list[Path]:
    from tests.sheets import big_roster

    folder = tmp_path_factory.mktemp("units")
    for i in (1, 2):
        db = folder / f"u{i}.sqlite"
        inproc("init", "--db", db, "--committee", f"乡{i}关工委", "--code", f"13010200{i}")
        inproc("import", "volunteers", big_roster(folder / f"r{i}.xlsx", 10, seed=i), "--db", db)
        inproc("package", "--db", db, "--year", 2025, "--out", folder / "usb")
    made = sorted((folder / "usb").glob("*.zip"))
    assert len(made) == 2
    return made


def test_two_rollups_into_one_new_database_take_turns(packages, tmp_path):
    county = tmp_path / "county.sqlite"
    cmd = [sys.executable, str(ROOT / "main.py"), "rollup", *map(str, packages), "--db",
           str(county)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
             for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    for code, err in results:
        assert code == 0 or (code == 2 and "正在" in err), err
        assert UNEXPECTED not in err and "already exists" not in err
    assert any(code == 0 for code, _err in results)
    status = json.loads(ok("rollup-status", "--db", county, "--year", 2025, "--json").stdout)
    assert status["reported"] == 2
    ok("check", "--db", county)


def test_a_password_started_during_an_import_waits_or_says_so(town, tmp_path):
    from tests.sheets import big_roster

    roster = big_roster(tmp_path / "big.xlsx", 1000, seed=9)
    for attempt in range(1):
        path = _copy(town, tmp_path / f"i{attempt}.sqlite")
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        env.pop("GGTZ_PASSWORD", None)
        importing = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "import", "volunteers", str(roster), "--db",
             str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
        time.sleep(0.3 + 0.5 * attempt)
        change = run("password", "--db", path, new=PW)
        _out, err = importing.communicate(timeout=120)
        for text in (err, change.stderr):
            assert UNEXPECTED not in text and "not a database" not in text, text
        if change.returncode == 0:  # it waited for the import's turn, or went first
            assert importing.returncode in (0, 2), err
            if importing.returncode == 2:
                assert "密码" in err  # the import came after: the file now needs it
        else:
            refused(change, "另一个")
            assert importing.returncode == 0, err
        ok("check", "--db", path, password=PW if sqlconnect.is_encrypted(path) else None)


def test_a_flipped_bit_in_an_encrypted_backup_is_damage_not_a_wrong_password(
        encrypted, tmp_path):
    path = _copy(encrypted[0], tmp_path / "d.sqlite")
    copy = _copy(encrypted[1], tmp_path / "usb" / "copy.sqlite")
    data = bytearray(copy.read_bytes())
    data[len(data) // 2 + 123] ^= 0x04
    copy.write_bytes(bytes(data))
    before = path.read_bytes()
    proc = run("restore", copy, "--db", path, password=PW)
    refused(proc, "损坏")
    assert "密码不对" not in proc.stderr
    proc = run("check", "--db", copy, password=PW)
    assert proc.returncode == 2 and "损坏" in proc.stderr and "密码不对" not in proc.stderr
    assert "密码不对" in run("check", "--db", copy, password="another-one").stderr
    assert path.read_bytes() == before
    # a flip in the first page: the key authenticates the other pages, so it is right
    first = _copy(encrypted[1], tmp_path / "usb" / "first.sqlite")
    data = bytearray(first.read_bytes())
    data[3000] ^= 0x01
    first.write_bytes(bytes(data))
    proc = run("restore", first, "--db", path, password=PW)
    refused(proc, "密码是对的", "损坏")
    assert "密码不对" in run("check", "--db", first, password="another-one").stderr
    assert path.read_bytes() == before


# -- 6. replacing the file waits for this process's own connections ---------------------------

def test_a_restore_waits_for_a_connection_of_its_own_process_still_in_use(db, tmp_path):
    """The window's second restore in a row was refused when a page refreshed by the first one
    still had a connection out: the exclusive lock counted it as another program's."""
    from sqlalchemy import text

    from models import backup

    copy = backup.make_backup(db, "手动")
    out = threading.Event()

    def reader() -> None:
        with db.reader() as s:
            s.execute(text("SELECT count(*) FROM volunteers")).scalar_one()
            out.set()
            time.sleep(3.0)  # longer than the 2 s another program is given

    worker = threading.Thread(target=reader)
    worker.start()
    assert out.wait(10)
    assert db.claim_window()  # the window's own database restores
    try:
        db.restore(db.backup_of(copy))
    finally:
        worker.join()
    db.reconnect()
    assert db.setting("mask_ids") == "1"
