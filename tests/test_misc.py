"""Smaller promises: photos kept as files, the demo removed in one step, printing the PDF's
pages, a full disk during a database write."""

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select

from models import activities, demo, records, settings
from models.entities import Activity, ActivityPhoto, Volunteer
from models.errors import ValidationError
from models.paths import photo_dir
from tests.helpers import cli


def test_activity_photos_are_copied_into_the_data_folder(db, tmp_path):
    source = tmp_path / "合影.JPG"
    source.write_bytes(b"\xff\xd8\xff\xe0 not a real jpeg but bytes")
    with db.session() as s:
        act, _ = activities.create(s, activities.ActivityInput(dt.date(2025, 5, 4), "五四读书会"))
        photo, _ = activities.attach_photo(s, act.id, source, photo_dir(db.path))
    stored = photo_dir(db.path) / photo.file_name
    assert stored.read_bytes() == source.read_bytes() and stored.suffix == ".jpg"
    with db.reader() as s:
        assert s.get(Activity, act.id).photos[0].original_name == "合影.JPG"
    with pytest.raises(ValidationError), db.session() as s:
        activities.attach_photo(s, act.id, tmp_path / "x.exe", photo_dir(db.path))
    with db.session() as s:
        records.delete(s, "activities", act.id)
        records.purge(s, "activities", act.id)
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(ActivityPhoto)) == 0


def test_demo_is_marked_and_removed_in_one_step(db):
    with db.session() as s:
        demo.build(s, scale=1)
    with db.reader() as s:
        assert settings.get(s, "is_demo") == "1"
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 366
    with db.session() as s:
        demo.remove(s)
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 0
        assert settings.get(s, "is_demo") == "0"


def test_printing_paints_exactly_the_pdf_pages(qtbot, db, tmp_path):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from exports import service
    from gui.printing import paint_pdf

    with db.session() as s:
        demo.build(s, scale=1)
    pdf = service.export_form(db, "volunteers", "pdf", tmp_path / "v.pdf")
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pages = paint_pdf(printer, pdf)
    assert pages == len(PdfReader(pdf).pages) == len(PdfReader(tmp_path / "printed.pdf").pages)


def test_full_disk_during_a_database_write_is_a_plain_sentence(tmp_path):
    path = tmp_path / "town.sqlite"
    cli("demo", "--db", path, check=True)
    con = sqlite3.connect(path)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    # cap the file at its current size: the next growing write fails as on a full disk
    proc = cli("import", "volunteers", tmp_path / "none.xlsx", "--db", path)
    assert proc.returncode == 2
    from tests.sheets import big_roster

    roster = big_roster(tmp_path / "r.xlsx", 2000)
    import os
    import subprocess
    import sys

    code = ("import sqlite3, sys, runpy\n"
            "real = sqlite3.connect\n"
            "def capped(*a, **k):\n"
            "    con = real(*a, **k)\n"
            f"    con.execute('PRAGMA max_page_count={pages}')\n"
            "    return con\n"
            "sqlite3.connect = capped\n"
            "sqlite3.dbapi2.connect = capped\n"
            f"sys.argv = ['main.py', 'import', 'volunteers', {str(roster)!r}, '--db', {str(path)!r}]\n"
            f"runpy.run_path({str(project_root() / 'main.py')!r}, run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=120)
    assert proc.returncode in (1, 2)
    assert "磁盘" in proc.stderr and "Traceback" not in proc.stderr
    assert cli("check", "--db", path).returncode == 0


def project_root():
    from tests.helpers import ROOT

    return ROOT


@pytest.mark.parametrize("argv", [
    [], ["--smoke"], ["--db", "town.sqlite"], ["--db=town.sqlite", "--smoke"],
    ["--smoke", "--db", "关工 台账/town.sqlite"], ["--db", "a", "--db", "b"], ["--smoke", "--smoke"],
    ["--sm"], ["--db"], ["--db", "-x"], ["stats", "--db", "x"], ["--db", "x", "stats"], ["-h"],
    ["--db="], ["--bogus"],
])
def test_the_windows_command_line_is_read_as_argparse_reads_it(argv):
    """The window's start reads ``[--db FILE] [--smoke]`` without argparse (start-up time);
    whatever it takes, argparse reads the same, and anything else goes to argparse."""
    import main

    fast = main._window_args(argv)
    if fast is None:
        return
    args = main.build_parser().parse_args(argv)
    assert args.command is None
    assert fast == (args.db, args.smoke)
