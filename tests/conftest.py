"""Shared fixtures: every test gets its own data folder, config folder and database file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from models import first_screen_store  # noqa: E402
from models.db import Database  # noqa: E402

first_screen_store.install()  # as the program's entry points do (main.py, gui/app.py)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGTZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GGTZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GGTZ_USER", "测试员")


@pytest.fixture(autouse=True)
def _qt_in_chinese(request: pytest.FixtureRequest):
    """A test that uses Qt (pytest-qt's qapp) gets Qt's own Chinese translations and the
    collection of garbage on the GUI thread only, as the program does (gui.app.run_app); at
    its end its windows are destroyed and the automatic collector is back."""
    if "qapp" in request.fixturenames:
        from PySide6.QtWidgets import QMessageBox

        from gui import collector
        from gui.app import install_translations

        qapp = request.getfixturevalue("qapp")
        install_translations(qapp)
        gui_collector = collector.install(qapp)  # as the program does (gui.app.run_app)
        # a modal question nobody answers would hang the run: unless the test answers it
        # itself (its own monkeypatch wins), every question is answered with its default "否"
        mp = request.getfixturevalue("monkeypatch")
        mp.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    yield
    # the window's one worker thread is shared by every test of the run: what a test's window
    # left queued (a quiet check, a list load) must not delay the next test's operations
    ops = sys.modules.get("gui.ops")
    if ops is not None:
        ops.wait_for_workers(60_000)
    if "qapp" in request.fixturenames:
        _destroy_windows()
        gui_collector.stop()  # the automatic collector again for the tests without a window


def _destroy_windows() -> None:
    """Destroy what a test's windows left behind, now, while Qt is in a test.

    pytest-qt closes the widgets a test registered and asks for their deletion (deleteLater),
    which Qt carries out only when some later test runs an event loop; a window nobody
    registered (a dialog, a second window) lives on. Either is then destroyed in the middle of
    another test, or by Python's garbage collector when it frees the window's wrapper (its C++
    destructor, with its children's signals and event filters calling back into Python, run
    inside a collection: the CI run of 2026-12-04 died there with a segmentation fault). Here
    every window of ours is closed and deleted and the deletions carried out at once."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for widget in app.topLevelWidgets():
        # ours or a test's (Python classes), windows and dialogs, bare QWidgets; not Qt's own
        # popups and tooltips (seen from Python as a QFrame, QLabel, QMenu)
        if (isinstance(widget, (QMainWindow, QDialog)) or type(widget) is QWidget
                or not type(widget).__module__.startswith("PySide6")):
            widget.close()
            widget.deleteLater()
    for _ in range(3):  # a deletion may ask for more (children closing their own dialogs)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.sqlite"


@pytest.fixture
def db(db_path: Path):
    database = Database.open(db_path)
    yield database
    database.close()


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch):
    """The clerk's screen as the window and its dialogs see it: a 1366×768 laptop less its
    taskbar, 1366×728 (the offscreen platform's is 800×800). Returns that QRect."""
    from PySide6.QtCore import QRect

    from gui import style

    monkeypatch.setattr(style, "available_geometry", lambda _widget=None: QRect(0, 0, 1366, 728))
    return QRect(0, 0, 1366, 728)


@pytest.fixture
def font_size(request: pytest.FixtureRequest, qapp):
    """The program's own font at the size under test (``indirect`` parametrisation: normal,
    larger, 长辈版); the application's font restored after."""
    from tests import helpers

    with helpers.font_size(qapp, request.param) as size:
        yield size

from hypothesis import settings as _hypothesis_settings  # noqa: E402

# CI runs the property tests with a fixed seed so that a green run stays green; a developer's
# run keeps exploring new examples (set GGTZ_HYPOTHESIS_EXAMPLES for a longer hunt).
_hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
