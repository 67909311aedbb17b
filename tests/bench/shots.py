"""Screenshots of every page and record dialog at a chosen font size (not a test).

Run under a real X server the size of a small laptop less its taskbar, on a demo township:

    /work/main/.venv/bin/python main.py demo --db /tmp/shots.sqlite
    xvfb-run -s "-screen 0 1366x728x24" /work/main/.venv/bin/python tests/bench/shots.py \\
        --db /tmp/shots.sqlite --out /tmp/shots --size larger

Writes <out>/<size>-<nn>-<name>.png; with --readme also refreshes resources/screenshots/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QWidget,
)

README_SHOTS = {"五老队伍": "volunteers", "报表中心": "reports"}
#: --readme also keeps the first screen and the 五老 dialog of each size (标准, 特大, 长辈版)
SIZE_SHOTS = {"normal": "standard", "larger": "larger", "elder": "elder"}


def _save(widget: QWidget, path: Path) -> None:
    app = QApplication.instance()
    for _ in range(5):
        app.processEvents()
    widget.grab().save(str(path))
    print(path, widget.width(), "x", widget.height(), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", choices=("normal", "large", "larger", "elder"),
                        default="normal")
    parser.add_argument("--readme", action="store_true", help="refresh resources/screenshots/")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="shots-"))
    os.environ["GGTZ_CONFIG_DIR"] = str(work / "config")
    os.environ["GGTZ_DATA_DIR"] = str(work / "data")
    db_file = work / "关工台账" / "青山镇.sqlite"
    db_file.parent.mkdir()
    shutil.copy(args.db, db_file)

    from gui.app import install_translations
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
    from gui.fonts import load_fonts
    from gui.main_window import NAV, MainWindow
    from models import idcard, paths
    from models.db import Database

    app = QApplication(sys.argv[:1])
    install_translations(app)
    paths.write_config({"font_size": args.size})
    load_fonts(app)
    window = MainWindow(Database.open(db_file))
    window.restore_geometry()
    window.show()
    n = 0
    for name in NAV:
        window.page(name)
        n += 1
        target = args.out / f"{args.size}-{n:02d}-{name}.png"
        _save(window, target)
        if args.readme and name in README_SHOTS and args.size == "normal":
            shutil.copy(target, ROOT / "resources" / "screenshots" / f"{README_SHOTS[name]}.png")
        if args.readme and name == "首页" and args.size in SIZE_SHOTS:
            shutil.copy(target, ROOT / "resources" / "screenshots"
                        / f"{SIZE_SHOTS[args.size]}-home.png")
    db = window.ctx.db
    for dialog in (GroupDialog(window, db), VolunteerDialog(window, db), StudentDialog(window, db),
                   PairingDialog(window, db), AidDialog(window, db, 1, "演示学生"),
                   ActivityDialog(window, db), DonationDialog(window, db), HonorDialog(window, db),
                   CareDialog(window, db)):
        dialog.show()
        if isinstance(dialog, (VolunteerDialog, StudentDialog)):
            dialog.name.setText("张三")
            born = dt.date(1950, 3, 7) if isinstance(dialog, VolunteerDialog) else dt.date(2012, 5, 1)
            dialog.id_number.setText(idcard.make("230221", born, 12))
        n += 1
        target = args.out / f"{args.size}-{n:02d}-{type(dialog).__name__}.png"
        _save(dialog, target)
        if args.readme and isinstance(dialog, VolunteerDialog) and args.size in SIZE_SHOTS:
            shutil.copy(target, ROOT / "resources" / "screenshots"
                        / f"{SIZE_SHOTS[args.size]}-dialog.png")
        dialog.close()
    from gui.first_run import FirstRunDialog

    first = FirstRunDialog(window)  # a county's first run (its words, its 6-digit code)
    first.level.setCurrentText("县")
    first.name.setText("青山县关工委")
    first.code.setText("130102")
    first.show()
    n += 1
    target = args.out / f"{args.size}-{n:02d}-FirstRunDialog.png"
    _save(first, target)
    if args.readme and args.size == "normal":
        shutil.copy(target, ROOT / "resources" / "screenshots" / "first-run-county.png")
    first.close()
    box = QMessageBox(QMessageBox.Icon.Question, "删除", "确定要删除吗？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, window)
    box.show()
    n += 1
    _save(box, args.out / f"{args.size}-{n:02d}-messagebox.png")
    box.close()
    files = QFileDialog(window, "选择文件")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    files.show()
    n += 1
    _save(files, args.out / f"{args.size}-{n:02d}-filedialog.png")
    files.close()
    ask = QInputDialog(window)
    ask.setLabelText("名称：")
    ask.show()
    n += 1
    _save(ask, args.out / f"{args.size}-{n:02d}-inputdialog.png")
    ask.close()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
