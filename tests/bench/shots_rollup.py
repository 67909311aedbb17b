"""Screenshots of the county's season for the README (not a test): the 汇总 page with units in
every state, and a township's 首页 after its 回执.

    xvfb-run -s "-screen 0 1366x728x24" /work/main/.venv/bin/python tests/bench/shots_rollup.py
    (or QT_QPA_PLATFORM=offscreen; the window is resized to 1366×728 either way)

Writes resources/screenshots/rollup-*.png.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

YEAR = dt.date.today().year - 1
TOWNS = [(61, "东山镇关工委", "130102001"), (62, "西河乡关工委", "130102002"),
         (63, "南岭镇关工委", "130102003")]


def _save(widget: QWidget, path: Path) -> None:
    app = QApplication.instance()
    for _ in range(10):
        app.processEvents()  # type: ignore[union-attr]
    widget.grab().save(str(path))
    print(path, widget.width(), "x", widget.height(), flush=True)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="shots-rollup-"))
    os.environ["GGTZ_CONFIG_DIR"] = str(work / "config")
    os.environ["GGTZ_DATA_DIR"] = str(work / "data")
    from exports import receipts, service
    from exports import rollup as taking
    from gui.app import install_translations
    from gui.fonts import load_fonts
    from gui.main_window import MainWindow
    from models import demo, settings
    from models.db import Database

    towns = []
    for seed, name, code in TOWNS:
        db = Database.open(work / f"{code}.sqlite")
        with db.session() as s:
            demo.build(s, seed=seed, committee=name, code=code,
                       today=dt.date(YEAR + 1, 1, 20))
        towns.append(db)
    pkgs = [service.build_package(db, YEAR, work / "usb" / str(i)) for i, db in enumerate(towns)]
    county = Database.open(work / "county.sqlite")
    with county.session() as s:
        settings.put(s, "committee_name", "示范县关工委")
        settings.save_unit(s, "130102", "县")
        settings.put(s, settings.EXPECTED_UNITS, "130102001，130102002，130102003，130102004")
    taking.take_packages(county, pkgs)
    back, _r = receipts.review(county, YEAR, "130102001", False, "请核实活动人次",
                               work / "receipts")
    receipts.review(county, YEAR, "130102002", True, "", work / "receipts")
    receipts.take_receipt(towns[0], back)
    county.close()

    app = QApplication(sys.argv[:1])
    install_translations(app)
    load_fonts(app)
    out = ROOT / "resources" / "screenshots"
    window = MainWindow(Database.open(work / "county.sqlite"))
    window.resize(1366, 728)
    window.show()
    page = window.page("汇总")
    op = page.check([str(p) for p in pkgs])  # the dry run's table above the grid
    finished: list[object] = []
    op.done.connect(lambda *_a: finished.append(1))
    while not finished:
        app.processEvents()
    _save(window, out / "rollup-grid.png")
    window.page("首页")
    _save(window, out / "rollup-county-home.png")
    window.close()
    town = MainWindow(towns[0])
    town.resize(1366, 728)
    town.show()
    home = town.page("首页")
    home.year.setCurrentIndex(home.year.findData(YEAR))
    _save(town, out / "rollup-township-home.png")
    town.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
