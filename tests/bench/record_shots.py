"""Screenshots of the dialogs of issue 23 (student, activity, 五好) at 标准 and 特大 on a
1366×728 screen, offscreen (not a test):

    QT_QPA_PLATFORM=offscreen /work/main/.venv/bin/python tests/bench/record_shots.py OUT_DIR

Builds a demo township in a temporary folder; prints each dialog's size and whether it fits.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "resources" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="record-shots-"))
    os.environ["GGTZ_CONFIG_DIR"] = str(work / "config")
    os.environ["GGTZ_DATA_DIR"] = str(work / "data")
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication, QWidget
    from sqlalchemy import select

    from gui import style
    from gui.app import install_translations
    from gui.context import AppContext
    from gui.dialogs.people import StudentDialog
    from gui.dialogs.records import ActivityDialog
    from gui.fonts import load_fonts
    from gui.pages.groups import WuhaoDialog
    from models import activities, demo, students
    from models.db import Database
    from models.entities import Activity, Group, Student

    screen = QRect(0, 0, 1366, 728)
    style.available_geometry = lambda _widget=None: QRect(screen)  # type: ignore[assignment]
    app = QApplication(sys.argv[:1])
    install_translations(app)
    db = Database.open(work / "town.sqlite")
    with db.session() as s:
        demo.build(s, scale=1, seed=3, today=dt.date(2026, 11, 22))
    with db.reader() as s:
        st = s.scalars(select(Student).where(Student.father_status == "外出务工")).first()
        initial = students.to_input(st)
        act = s.scalars(select(Activity).where(Activity.participants.any())
                        .order_by(Activity.id.desc())).first()
        act_input = activities.to_input(act)
        names = {v.id: v.name for v in act.participants}
        gid = s.scalars(select(Group.id)).first()
    ok = True

    def save(widget: QWidget, name: str) -> None:
        nonlocal ok
        widget.show()
        for _ in range(5):
            app.processEvents()
        fits = widget.width() <= screen.width() and widget.height() <= screen.height()
        ok &= fits
        widget.grab().save(str(out / f"{name}.png"))
        print(name, widget.width(), "x", widget.height(), "fits" if fits else "DOES NOT FIT")

    family = load_fonts(app)
    for size in ("normal", "larger"):
        style.apply(app, family, size)
        tag = size  # normal = 标准, larger = 特大
        dialog = StudentDialog(None, db, initial)
        assert dialog.tabs is not None
        for i in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(i)
            save(dialog, f"student-dialog-{tag}-{i + 1}")
        dialog.close()
        dialog2 = ActivityDialog(None, db, act_input, participants=names)
        save(dialog2, f"activity-dialog-{tag}")
        dialog2.close()
        ctx = AppContext(db)
        dialog3 = WuhaoDialog(None, ctx, gid)
        dialog3.year.setValue(2027)  # a year not assessed yet: the 考核细则 at full marks
        box, spin, reason, _item = dialog3.rows[0][0]
        box.setChecked(False)
        spin.setValue(3)
        reason.setText("班子只有2人，未配齐")
        save(dialog3, f"wuhao-dialog-{tag}")
        dialog3.close()
    db.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
