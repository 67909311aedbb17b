"""The first screen (issue 14): the figures stored in the file equal ``stats --json`` after
every kind of write — a command-line import, a restore, a crash mid-write, a write in the
window, a delete to the 回收站 and a restore from it — and the window shows them before
SQLAlchemy, the models and the pages are imported, in the places the full 首页 uses."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models import peek
from models.db import Database
from tests.helpers import ROOT, cli, cli_demo
from tests.sheets import big_roster

YEAR = dt.date.today().year


def stats_json(path: Path, year: int = YEAR) -> dict:
    proc = cli("stats", "--db", path, "--year", str(year), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def shown(path: Path, key=None) -> dict:
    """The figures the first screen shows for ``path`` (it must be able to show them)."""
    seen = peek.read(path, key=key)
    assert seen.screen is not None, "the first screen cannot vouch for its figures"
    assert seen.screen.year == YEAR
    return seen.screen.figures


def assert_current(path: Path) -> None:
    assert shown(path) == stats_json(path)


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    return cli_demo(tmp_path_factory.mktemp("town"), seed=11)


@pytest.fixture
def live(town, tmp_path) -> Path:
    path = tmp_path / "live" / "town.sqlite"
    path.parent.mkdir()
    shutil.copy(town, path)
    return path


def _kill_run(point: str, *args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "GGTZ_KILL_AT": point}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_a_new_demo_database_shows_its_figures(live):
    figures = stats_json(live)
    assert figures["volunteers"]["total"] > 0 and figures["activities"]["total"] > 0
    assert shown(live) == figures
    screen = peek.read(live).screen
    assert screen is not None and screen.demo and sum(screen.months) == figures[
        "activities"]["total"]


def test_after_a_command_line_import_while_the_window_is_closed(live, tmp_path):
    before = shown(live)
    roster = big_roster(tmp_path / "roster.xlsx", 40)
    proc = cli("import", "volunteers", roster, "--db", live)
    assert proc.returncode == 0, proc.stderr
    assert shown(live) != before  # the import's 40 五老 are counted on the first screen
    assert_current(live)


def test_after_a_restore_of_an_older_backup(live, tmp_path):
    older = tmp_path / "older.sqlite"
    assert cli("backup", "--db", live, "--out", older).returncode == 0
    at_backup = shown(live)
    assert cli("import", "volunteers", big_roster(tmp_path / "r.xlsx", 25),
               "--db", live).returncode == 0
    assert shown(live) != at_backup
    Database(live).restore(Database(older), tmp_path / "kept")
    assert shown(live) == at_backup
    assert_current(live)


def test_after_a_restore_of_a_schema_3_backup(live, tmp_path):
    old = ROOT / "tests" / "data" / "schema_v3.sqlite"
    Database(live).restore(Database(old), tmp_path / "kept")  # upgraded on the way in
    assert_current(live)


def test_after_a_crash_mid_import(live, tmp_path):
    before = shown(live)
    roster = big_roster(tmp_path / "roster.xlsx", 300)
    proc = _kill_run("import.insert:1", "import", "volunteers", roster, "--db", live)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert shown(live) == before  # the write died with its transaction, and so did nothing
    assert_current(live)


def test_a_write_by_another_program_makes_the_figures_unusable(live):
    con = sqlite3.connect(live)
    with con:
        con.execute("UPDATE volunteers SET left_on = '2000-01-01' WHERE id = "
                    "(SELECT min(id) FROM volunteers WHERE deleted_at IS NULL)")
    con.close()
    assert peek.read(live).screen is None  # the trigger marked them stale
    db = Database.open(live)
    with db.session():  # the next transaction of the program stores them again
        pass
    db.close()
    assert_current(live)


def test_figures_of_another_year_are_not_shown(live):
    assert peek.read(live).screen is not None
    assert peek.read(live, today=dt.date(YEAR + 1, 1, 1)).screen is None
    con = sqlite3.connect(live)  # as if they were stored last year, the clerk's last day
    with con:
        con.execute("UPDATE first_screen SET year = year - 1")
    con.close()
    assert peek.read(live).screen is None
    db = Database.open(live)
    with db.session():  # the program's next transaction stores this year's
        pass
    db.close()
    assert_current(live)


def test_an_older_password_hash_shows_nothing_before_it(live):
    """A file of an older version with only the scrypt hash of its password (not encrypted
    yet): nothing is shown until the password is given (and the file then encrypted)."""
    import hashlib
    import sqlite3

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"1234", salt=salt, n=2**14, r=8, p=1, dklen=32)
    con = sqlite3.connect(live)
    with con:
        con.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('password_hash', ?)",
                    (f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}",))
    con.close()
    seen = peek.read(live)
    assert seen.locked and seen.screen is None


def test_an_encrypted_file_shows_its_figures_only_with_its_key(live):
    plain = stats_json(live)
    Database(live).change_password("青山2025关工委")
    db = Database(live)  # a new start: no key known
    assert peek.read(live, key=db.key).screen is None
    db.unlock("青山2025关工委")
    assert shown(live, db.key) == plain


def test_not_ours_or_older_files_give_no_first_screen(tmp_path):
    assert peek.read(tmp_path / "missing.sqlite").screen is None
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 10)
    assert peek.read(junk).screen is None
    old = tmp_path / "v3.sqlite"
    shutil.copy(ROOT / "tests" / "data" / "schema_v3.sqlite", old)
    assert peek.read(old).screen is None


def test_writes_in_the_window_delete_to_the_trash_and_restore(live, qtbot):
    from gui.main_window import MainWindow
    from gui.ops import perform
    from models import records, volunteers

    window = MainWindow(Database.open(live))
    qtbot.addWidget(window)
    window.show()
    ctx = window.ctx
    before = shown(live)

    result = perform(ctx, window, lambda s: volunteers.create(
        s, volunteers.VolunteerInput("新来的五老", "老教师", is_backbone=True)))
    assert result
    made = result[0].id
    assert shown(live)["volunteers"]["total"] == before["volunteers"]["total"] + 1
    assert_current(live)
    assert window.pages["首页"].figures == shown(live)  # the page shows the stored figures

    assert perform(ctx, window, records.delete, "volunteers", made)
    assert shown(live) == before
    assert_current(live)
    assert window.pages["首页"].figures == before

    assert perform(ctx, window, records.restore, "volunteers", made)
    assert shown(live)["volunteers"]["backbone"] == before["volunteers"]["backbone"] + 1
    assert_current(live)
    window.close()


def test_the_first_screen_is_the_full_page_before_it_loads(live, qtbot):
    """The window from the stored figures shows the same texts in the same places as the
    full 首页 once the database is open (nothing jumps)."""
    from gui.main_window import MainWindow

    screen = peek.read(live).screen
    window = MainWindow(None, preview=screen, path=live)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    home = window.pages["首页"]

    def layout() -> list[tuple[str, tuple[int, int, int, int]]]:
        labels = [home.heading] + [w for c in home.cards.values() for w in (c.value, c.detail)]
        out = [(w.text(), w.geometry().getRect()) for w in labels]
        out += [(c.title, c.geometry().getRect()) for c in (home.months, home.vol_chart,
                                                            home.stu_chart)]
        return out + [(str(c.items), (0, 0, 0, 0)) for c in (home.months, home.vol_chart,
                                                             home.stu_chart)]

    first = layout()
    assert any("人" in text for text, _ in first)
    window.show_page(2)  # a click while loading is taken, and honoured once loaded
    with qtbot.waitSignal(window.attached, timeout=10_000):
        window.attach(Database.open(live))
    qtbot.waitUntil(lambda: home.reminders_done, timeout=10_000)
    assert window.stack.currentWidget() is window.pages["五老队伍"]
    shortcuts = [a.shortcut().toString() for a in window.actions()]
    assert shortcuts == [f"Alt+{i}" for i in (*range(1, 10), 0)] + [
        "Ctrl+PgDown", "Ctrl+PgUp"]  # in place once loaded
    window.show_page(0)
    qtbot.wait(10)
    assert layout() == first
    assert home.figures == stats_json(live)
    window.close()


SPY = r"""
import sys
sys.path.insert(0, sys.argv[1])
import gui.app as app

HEAVY = ("sqlalchemy", "openpyxl", "reportlab", "models.entities", "models.engines",
         "gui.pages.volunteers", "exports", "sqlcipher3", "models.outputs", "hashlib", "uuid")
real = app.Loader.__init__

def spy(self, *args):
    print("heavy_at_first_screen=" + ",".join(m for m in HEAVY if m in sys.modules), flush=True)
    real(self, *args)

app.Loader.__init__ = spy
import main
sys.exit(main.main(["--db", sys.argv[2], "--smoke"]))
"""


def test_the_first_screen_comes_before_the_heavy_imports(live):
    proc = subprocess.run([sys.executable, "-c", SPY, str(ROOT), str(live)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    values = dict(line.split("=", 1) for line in proc.stdout.split())
    assert values["heavy_at_first_screen"] == ""  # nothing heavy before first paint
    assert int(values["loaded_ms"]) >= int(values["startup_ms"]) > 0


def test_a_start_that_could_not_use_them_stores_them_for_the_next(live):
    con = sqlite3.connect(live)  # stored last year: this start opens the database first
    with con:
        con.execute("UPDATE first_screen SET year = year - 1")
    con.close()
    assert peek.read(live).screen is None
    proc = cli("--db", live, "--smoke", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("startup_ms=")
    assert_current(live)  # the next start shows the first screen first


def test_check_finds_stored_figures_that_lie(live):
    assert cli("check", "--db", live).returncode == 0
    con = sqlite3.connect(live)  # another program rewrites the stored figures, not the data
    with con:
        text = con.execute("SELECT payload FROM first_screen").fetchone()[0]
        data = json.loads(text)
        data["figures"]["volunteers"]["total"] += 1
        con.execute("UPDATE first_screen SET payload = ?", (json.dumps(data, ensure_ascii=False),))
    con.close()
    proc = cli("check", "--db", live)
    assert proc.returncode == 1 and "首页保存的统计数字" in proc.stdout
    db = Database.open(live)
    with db.session() as s:  # any saved change recomputes them
        from models import settings

        settings.put(s, "director", "张三")
    db.close()
    assert cli("check", "--db", live).returncode == 0
    assert_current(live)


def test_the_window_corrects_stored_figures_that_lie(live, qtbot):
    from gui.app import verify_first_screen
    from gui.main_window import MainWindow

    truth = shown(live)
    con = sqlite3.connect(live)
    with con:
        data = json.loads(con.execute("SELECT payload FROM first_screen").fetchone()[0])
        data["figures"]["groups"]["total"] += 5
        con.execute("UPDATE first_screen SET payload = ?", (json.dumps(data, ensure_ascii=False),))
    con.close()
    assert shown(live) != truth
    window = MainWindow(Database.open(live))
    qtbot.addWidget(window)
    window.show()
    home = window.pages["首页"]
    assert home.figures != truth  # it believed the file
    op = verify_first_screen(window, window.ctx.db)
    with qtbot.waitSignal(op.done, timeout=20_000):
        pass
    assert shown(live) == truth == home.figures
    window.close()
