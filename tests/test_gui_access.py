"""The window for a sixty-year-old (issue 26): at 标准, 特大 and 长辈版 on a 1366×728 screen (a
1366×768 laptop less its taskbar) no page and no dialog cuts a text off or reaches off the
screen; 长辈版 has 18 pt text, 60 px targets and colours of contrast ≥ 4.5:1; the keyboard
reaches every control with a visible focus; Enter and Esc work in every dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QSpinBox,
    QTabBar,
    QTabWidget,
    QWidget,
)

from gui import style
from gui.main_window import NAV, MainWindow, wait_loaded
from tests import helpers
from tests.layout_probe import cut_texts
from tests.sheets import vid

TODAY = dt.date(2026, 11, 22)
SIZES = ["normal", "larger", style.ELDER]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return helpers.demo_file(tmp_path_factory.mktemp("access"), seed=5, today=TODAY)


@pytest.fixture
def window(qtbot, demo_file: Path, tmp_path: Path, screen: QRect, monkeypatch):
    helpers.ok_boxes(monkeypatch)
    w = helpers.open_window(qtbot, demo_file, tmp_path)
    w.restore_geometry()
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _views(window: MainWindow) -> Iterator[tuple[str, QWidget]]:
    """Every page of the window and every tab of a page with tabs, shown in turn."""
    for name in NAV:
        page = window.page(name)
        QApplication.processEvents()
        tabs = [page] if isinstance(page, QTabWidget) else page.findChildren(QTabWidget)
        if tabs:
            for tab_widget in tabs:
                for i in range(tab_widget.count()):
                    tab_widget.setCurrentIndex(i)
                    wait_loaded(page)  # a list in a tab is read when first shown
                    QApplication.processEvents()
                    yield f"{name}/{tab_widget.tabText(i)}", page
                tab_widget.setCurrentIndex(0)
        else:
            yield name, page
        if hasattr(page, "view") and page.model.rowCount():  # a row chosen: side panels fill
            page.view.selectRow(0)
            QApplication.processEvents()
            yield f"{name}（选中一行）", page


def _wrong_password(dialog: Any) -> None:
    dialog.password.setText("x")
    dialog.accept()  # the wrong-password sentence, after the dialog opened
    assert "密码不对" in dialog.message.text()


def _wrong_code(dialog: Any) -> None:
    dialog.level.setCurrentText("县")
    dialog.code.setText("1301")
    dialog.accept()  # the wrong-length sentence
    assert dialog.error.isVisible()


def _typed_id(dialog: Any) -> None:
    dialog.id_number.setText(vid(1950, 3, 7, 12))  # the ID check's long hint
    assert dialog.id_hint.text().startswith("有效")


def _dialogs(window: MainWindow) -> list[tuple[QDialog, Callable[[Any], None] | None]]:
    """Every dialog, each with what is done once it is open (None: nothing)."""
    from gui.about import AboutDialog
    from gui.dialogs.people import StudentDialog, VolunteerDialog
    from gui.dialogs.records import (
        ActivityDialog,
        AidDialog,
        CareDialog,
        DonationDialog,
        GroupDialog,
        HonorDialog,
        PairingDialog,
    )
    from gui.first_run import FirstRunDialog
    from gui.guard import RecoveryDialog
    from gui.import_wizard import ImportWizard
    from gui.lock import LockQuestion, PasswordDialog
    from gui.pages.groups import WuhaoDialog

    db = window.ctx.db
    wrong = PasswordDialog(db.path, "关工台账", window, check=lambda _t: False)
    return [(GroupDialog(window, db), None), (VolunteerDialog(window, db), _typed_id),
            (StudentDialog(window, db), _typed_id), (PairingDialog(window, db), None),
            (AidDialog(window, db, 1, "测试学生"), None), (ActivityDialog(window, db), None),
            (DonationDialog(window, db), None), (HonorDialog(window, db), None),
            (CareDialog(window, db), None), (FirstRunDialog(window), None),
            (FirstRunDialog(window), _wrong_code), (wrong, _wrong_password),
            (AboutDialog(db, window), None), (ImportWizard(window.ctx, window), None),
            (LockQuestion(window, 10), None), (WuhaoDialog(window, window.ctx, 1), None),
            (RecoveryDialog(db.path, "数据库文件已损坏（测试）。", window), None)]


@pytest.mark.parametrize("font_size", SIZES, indirect=True)
def test_no_page_cuts_a_text_off(window, qtbot, font_size, screen) -> None:
    frame = window.frameGeometry()
    assert screen.contains(frame), frame
    problems = []
    for where, page in _views(window):
        problems += [f"{where}: {p}" for p in cut_texts(page)]
    problems += [f"状态栏: {p}" for p in cut_texts(window.statusBar())]
    problems += [f"导航: {p}" for p in cut_texts(window.nav)]
    assert not problems, f"{font_size}:\n" + "\n".join(problems)


@pytest.mark.parametrize("font_size", SIZES, indirect=True)
def test_no_dialog_cuts_a_text_off_or_leaves_the_screen(window, qtbot, font_size,
                                                        screen) -> None:
    problems = []
    for dialog, then in _dialogs(window):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        QApplication.processEvents()
        name = type(dialog).__name__
        before = dialog.geometry()
        if then is not None:  # what is typed after it opened: it keeps its size and place
            then(dialog)
            QApplication.processEvents()
            QApplication.processEvents()
            if dialog.geometry() != before:
                problems.append(f"{name}: moved or resized {before} -> {dialog.geometry()}")
        frame = dialog.frameGeometry()
        if not screen.contains(frame):
            problems.append(f"{name}: {frame} leaves the screen {screen}")
        problems += [f"{name}: {p}" for p in cut_texts(dialog)]
        dialog.close()
    assert not problems, f"{font_size}:\n" + "\n".join(problems)


TARGETS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def _small_targets(root: QWidget) -> list[str]:
    small = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, TARGETS) or not w.isVisible() or w.isWindow():
            continue
        if isinstance(w, QAbstractButton) and not w.text():
            continue  # the clear button inside a search box, a scroll arrow
        if w.parentWidget() is not None and isinstance(w.parentWidget(), (QComboBox, QAbstractSpinBox)):
            continue
        if w.height() < style.ELDER_TARGET:
            text = getattr(w, "text", lambda: "")()
            small.append(f"{type(w).__name__} {str(text)[:20]!r} {w.height()} px")
    return small


@pytest.mark.parametrize("font_size", [style.ELDER], indirect=True)
def test_elder_mode_has_large_text_and_large_targets(window, qtbot, font_size) -> None:
    assert QApplication.font().pointSize() >= 18
    problems = []
    for where, page in _views(window):
        problems += [f"{where}: {p}" for p in _small_targets(page)]
    for i in range(window.nav.count()):
        height = window.nav.visualItemRect(window.nav.item(i)).height()
        if height < style.NAV_ITEM:
            problems.append(f"导航 {window.nav.item(i).text()}: {height} px")
    for dialog, _then in _dialogs(window):
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        problems += [f"{type(dialog).__name__}: {p}" for p in _small_targets(dialog)]
        dialog.close()
    assert not problems, "\n".join(problems)
    nav = window.nav  # every entry in sight, none scrolled away
    assert nav.verticalScrollBar().maximum() == 0 and not nav.verticalScrollBar().isVisible()
    assert nav.visualItemRect(nav.item(nav.count() - 1)).bottom() <= nav.viewport().height()
    rows = window.page("五老队伍").view
    assert rows.verticalHeader().defaultSectionSize() >= rows.fontMetrics().height() * 1.3


def _luminance(colour: str) -> float:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_every_text_colour_has_contrast_of_at_least_4_5() -> None:
    for name, (fg, bg) in style.COLOURS.items():
        hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, (name, fg, bg)
    # no other colour of text is set anywhere in the stylesheet
    sheet = style.stylesheet(18, elder=True)
    import re

    used = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", sheet))
    allowed = {fg for fg, _bg in style.COLOURS.values()}
    assert used <= allowed, used - allowed


INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QSpinBox, QAbstractItemView, QTabBar)


def _interactive(root: QWidget) -> list[QWidget]:
    """The controls of ``root`` a mouse could use now and the keyboard must reach."""
    found = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, INTERACTIVE) or not w.isVisible() or not w.isEnabled():
            continue
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus and isinstance(w, QAbstractButton) \
                and isinstance(w.parentWidget(), (QLineEdit, QComboBox, QSpinBox)):
            continue  # a search box's clear button: Esc/Backspace do the same
        if isinstance(w.parentWidget(), (QComboBox, QSpinBox, QAbstractItemView)):
            continue  # parts of a control (its line edit, a header)
        found.append(w)
    return found


def _tab_round(window: QWidget, start: QWidget, qtbot, limit: int = 300) -> list[QWidget]:
    """The widgets Tab visits from ``start`` until it comes round again."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    seen: list[QWidget] = []
    for _ in range(limit):
        w = QApplication.focusWidget()
        if w is None:
            break
        if seen and w is seen[0]:
            break
        if w not in seen:
            seen.append(w)
        qtbot.keyClick(w, Qt.Key.Key_Tab)
    return seen


def _focus_shows(widget: QWidget) -> bool:
    """The widget looks different with the keyboard focus than without (a visible frame)."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    focused = widget.grab().toImage()
    widget.clearFocus()
    QApplication.processEvents()
    plain = widget.grab().toImage()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    return focused != plain


@pytest.mark.parametrize("font_size", ["normal", style.ELDER], indirect=True)
def test_tab_reaches_every_control_of_every_page_with_a_visible_focus(window, qtbot,
                                                                     font_size) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    problems = []
    for where, page in _views(window):
        controls = _interactive(page)
        if not controls:
            continue
        visited = _tab_round(window, controls[0], qtbot)
        missed = [w for w in controls if w not in visited and w.focusProxy() not in visited]
        problems += [f"{where}: Tab never reaches {type(w).__name__} "
                     f"{getattr(w, 'text', lambda: '')()!r}" for w in missed]
        for kind in {type(w) for w in controls}:
            sample = next(w for w in controls if type(w) is kind)
            if not _focus_shows(sample):
                problems.append(f"{where}: focus on {kind.__name__} is not visible")
    # the navigation too: Tab reaches it and the arrow keys change page
    assert window.nav.focusPolicy() & Qt.FocusPolicy.TabFocus
    window.nav.setFocus()
    window.nav.setCurrentRow(0)
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert window.stack.currentWidget() is window.pages["关工组织"]
    assert not problems, "\n".join(problems)


def test_every_page_has_a_key(window, qtbot) -> None:
    shortcuts = {a.shortcut().toString() for a in window.actions()}
    assert {f"Alt+{i}" for i in range(1, 10)} | {"Alt+0"} <= shortcuts
    assert {"Ctrl+PgDown", "Ctrl+PgUp"} <= shortcuts


def _enter_worked(dialog: QDialog, before: str) -> bool:
    """Enter ran the dialog's main action: it closed accepted, or said why not in words."""
    from gui.lock import PasswordDialog

    if not dialog.isVisible():
        return dialog.result() == QDialog.DialogCode.Accepted
    if isinstance(dialog, PasswordDialog):
        return dialog.message.text() != before
    from PySide6.QtWidgets import QLabel

    return any((label.isVisible() and label.text() and label.objectName() == "error")
               or (label.isVisible() and "color:#b3261e" in label.styleSheet() and label.text())
               for label in dialog.findChildren(QLabel))


def test_enter_and_esc_in_every_dialog(window, qtbot) -> None:
    from gui.about import AboutDialog
    from gui.guard import RecoveryDialog
    from gui.import_wizard import ImportWizard
    from gui.lock import PasswordDialog

    problems = []
    for key in (Qt.Key.Key_Escape, Qt.Key.Key_Return):
        for dialog, _then in _dialogs(window):
            qtbot.addWidget(dialog)
            dialog.open()
            qtbot.waitExposed(dialog)
            target = dialog.focusWidget() or dialog
            before = dialog.message.text() if isinstance(dialog, PasswordDialog) else ""
            qtbot.keyClick(target, key)
            QApplication.processEvents()
            name = type(dialog).__name__
            if key == Qt.Key.Key_Escape:
                if dialog.isVisible() or dialog.result() != QDialog.DialogCode.Rejected:
                    problems.append(f"{name}: Esc did not close it")
            elif isinstance(dialog, (AboutDialog,)):
                if dialog.isVisible():
                    problems.append(f"{name}: Enter did not close it")
            elif isinstance(dialog, RecoveryDialog):  # no backup to offer: Enter leaves
                if dialog.isVisible():
                    problems.append(f"{name}: Enter did nothing")
            elif isinstance(dialog, ImportWizard):
                if not dialog.isVisible():
                    problems.append(f"{name}: Enter closed the wizard")
            elif not _enter_worked(dialog, before):
                problems.append(f"{name}: Enter did nothing visible")
            dialog.close()
    assert not problems, "\n".join(problems)


def test_a_missing_x11_library_is_said_in_one_chinese_sentence_with_the_apt_line(
        monkeypatch, tmp_path) -> None:
    import subprocess
    import sys

    from gui import system_libs

    gone = {"libxcb-cursor.so.0", "libxcb-icccm.so.4"}
    monkeypatch.setattr(system_libs, "_loads", lambda name: name if name in gone else None)
    env = {"DISPLAY": ":0"}
    said = system_libs.problem(env)
    assert said.startswith("窗口打不开") and said.endswith(
        "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4")
    assert system_libs.problem({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}) == ""
    assert system_libs.problem({}) == ""  # no X display: nothing to check
    monkeypatch.setattr(system_libs, "_loads", lambda _name: None)
    assert system_libs.problem(env) == ""
    # the program itself, in a process whose loader cannot find libxcb-keysyms.so.1
    script = (
        "import ctypes, sys\n"
        "real = ctypes.CDLL\n"
        "def cdll(name, *a, **k):\n"
        "    if 'keysyms' in str(name):\n"
        "        raise OSError(str(name) + ': cannot open shared object file')\n"
        "    return real(name, *a, **k)\n"
        "ctypes.CDLL = cdll\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "import main\n"
        "sys.exit(main.main([]))\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "QT_QPA_PLATFORM"}
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          encoding="utf-8", env={**env, "DISPLAY": ":99",
                                                 "PYTHONIOENCODING": "utf-8"}, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("窗口打不开") and "libxcb-keysyms.so.1" in lines[0]
    assert "libxcb-keysyms1" in lines[1] and lines[1].startswith("sudo apt-get install -y")
    assert "Could not load" not in proc.stderr and "qt.qpa" not in proc.stderr


def test_the_elder_switch_on_the_first_screen_and_in_settings(window, qtbot, qapp) -> None:
    font, sheet = qapp.font(), qapp.styleSheet()
    try:
        home = window.page("首页")
        assert not home.elder.isChecked() and "长辈版" in home.elder.text()
        home.elder.click()  # on: 18 pt at once, the state said in words
        assert qapp.font().pointSize() == 18 and style.current_size() == style.ELDER
        assert home.elder.isChecked() and "已打开" in home.elder.text()
        settings_page = window.page("设置")
        assert settings_page.font_size.currentData() == style.ELDER  # the same switch
        settings_page.font_size.setCurrentIndex(settings_page.font_size.findData("larger"))
        assert qapp.font().pointSize() == 15  # takes effect without 保存设置
        home = window.page("首页")
        assert not home.elder.isChecked()
        home.elder.click()
        home.elder.click()  # off again: back to the size chosen before (特大)
        assert qapp.font().pointSize() == 15 and style.current_size() == "larger"
    finally:
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)


def test_saved_files_offer_their_folder(window, qtbot, tmp_path, monkeypatch) -> None:
    from gui import files

    opened = []
    monkeypatch.setattr(files, "open_folder", lambda path: opened.append(str(path)))
    box = files.show_saved(window, "导出完成", tmp_path / "花名册.xlsx")
    qtbot.addWidget(box)
    assert box.isVisible() and "花名册.xlsx" in box.text()
    assert cut_texts(box) == []
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter: 打开所在文件夹
    assert opened == [str(tmp_path / "花名册.xlsx")]
    box = files.show_saved(window, "导出完成", tmp_path / "b.xlsx")
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Esc: close, nothing opened
    assert not box.isVisible() and len(opened) == 1


def test_the_print_preview_stays_above_the_taskbar(qtbot, screen, monkeypatch, tmp_path) -> None:
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from gui import printing

    placed = []

    def exec_(self):
        self.show()
        placed.append(self.frameGeometry())
        placed.append(self.geometry())
        self.close()
        return 0

    monkeypatch.setattr(QPrintPreviewDialog, "exec", exec_)
    from reportlab.pdfgen.canvas import Canvas

    pdf = tmp_path / "page.pdf"
    canvas = Canvas(str(pdf))
    canvas.drawString(100, 700, "1")
    canvas.save()
    parent = QWidget()
    qtbot.addWidget(parent)
    printing.preview_and_print(parent, pdf)
    assert placed and screen.contains(placed[0]), placed  # 1366×728: never the bottom 40 px
    # room left for a real title bar (offscreen windows have none): 720 px tall was not
    assert placed[1].height() <= screen.height() - 40, placed
