"""The main window: left navigation, one page per subject, status bar with the database
file and the last backup, 撤销删除, window size and place remembered.

The window can come up before the database is open (``MainWindow(None, preview=..., path=...)``,
issue 14): the 首页 shows the figures stored in the file, navigation already takes clicks, and
:meth:`MainWindow.attach` completes everything once SQLAlchemy and the models are loaded. So this
module imports no SQLAlchemy and no heavy models at import time (they are imported where used)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from gui import pages, style
from models import APP_VERSION, paths
from models.changes import Changes
from models.errors import UserError
from models.first_screen import FirstScreen
from models.subjects import subject

if TYPE_CHECKING:

    from gui.context import AppContext
    from gui.ops import Op
    from models.db import Database

#: how often the window checks whether the daily backup is due, and the first check
BACKUP_CHECK_MS = 30 * 60 * 1000
FIRST_BACKUP_CHECK_MS = 60 * 1000

#: navigation entry -> its page class in gui.pages (首页 is built at start-up): the subjects'
#: pages named by their descriptors' entries (models.subjects), between 首页 and the tools
PAGE_CLASSES = {"首页": "Dashboard",
                **{subject(key).nav: cls for key, cls in pages.SUBJECT_PAGES.items()},
                "报表中心": "ReportsPage", "汇总": "RollupPage", "数据管理": "DataPage",
                "设置": "SettingsPage"}
NAV = tuple(PAGE_CLASSES)


def page_factory(name: str) -> Any:
    """The page class for a navigation entry; gui.pages imports its module when first opened
    (fast start-up)."""
    return getattr(pages, PAGE_CLASSES[name])


class MainWindow(QMainWindow):
    first_screen_ready = Signal()
    #: every page can be used (the database is open and the 首页 complete)
    attached = Signal()

    def __init__(self, db: Database | None, preview: FirstScreen | None = None,
                 path: Path | None = None) -> None:
        """The window on ``db``; or, with ``db`` None, the first screen of the file at
        ``path`` showing ``preview`` until :meth:`attach` gives it the open database."""
        super().__init__()
        self.ctx: AppContext = None  # type: ignore[assignment]  # set by attach()
        self._preview = preview
        self._wanted_row = 0
        self.setWindowTitle(f"关工台账 {APP_VERSION}")
        self.setMinimumSize(1000, 640)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.addItems(list(NAV))
        self.nav.setFixedWidth(150)
        # the focus policy and the shortcuts wait for attach(): PySide's Qt namespace costs
        # ≈30-50 ms on first use, and the first screen does without it
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        for _name in NAV:
            self.stack.addWidget(QWidget())
        if db is None:
            self._preview_page()
        self.nav.currentRowChanged.connect(self.show_page)
        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)

        self.db_label = QLabel()
        self.backup_label = QLabel()
        self.undo_button = QPushButton("撤销删除")
        self.undo_button.setVisible(False)
        self.undo_button.clicked.connect(self.undo_delete)
        self.statusBar().addWidget(self.db_label, 1)
        self.statusBar().addPermanentWidget(self.undo_button)
        self.statusBar().addPermanentWidget(self.backup_label)
        self.restore_geometry()
        self.nav.setCurrentRow(0)
        self._first_shown = False
        self._backup_op: Op | None = None
        self.backup_timer = QTimer(self)
        if db is not None:
            self.attach(db)
        else:
            self.db_label.setText(f"数据库：{path}")
            self.backup_label.setText("正在载入…")

    def _preview_page(self) -> None:
        """The 首页 from the stored figures, in the place the full page takes."""
        page = pages.Dashboard(None, preview=self._preview)
        old = self.stack.widget(0)
        if old is not None:  # the placeholder the page takes the place of
            self.stack.removeWidget(old)
            old.deleteLater()
        self.stack.insertWidget(0, page)
        self.pages["首页"] = page

    def attach(self, db: Database) -> None:
        """Give the window its open database: the 首页 completes itself, the page the clerk
        asked for meanwhile opens, and the daily backup starts."""
        from PySide6.QtCore import Qt

        from gui.context import AppContext

        # the keyboard reaches every page: Tab into the navigation and the arrow keys, Alt+1 …
        # Alt+9 and Alt+0 for the first ten, Ctrl+PgDown / Ctrl+PgUp for the next / previous
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for i, name in enumerate(NAV[:10], start=1):  # (QKeySequence also builds the Qt
            act = QAction(name, self)  # namespace: after the first screen)
            act.setShortcut(QKeySequence(f"Alt+{i % 10}"))
            act.triggered.connect(lambda _c=False, r=i - 1: self.nav.setCurrentRow(r))
            self.addAction(act)
        for key, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            act = QAction(key, self)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(lambda _c=False, d=step: self.nav.setCurrentRow(
                (self.nav.currentRow() + d) % self.nav.count()))
            self.addAction(act)
        self.ctx = AppContext(db)
        home = self.pages.get("首页")
        if isinstance(home, pages.Dashboard):  # the preview 首页 takes the open database
            home.attach(self.ctx)
        else:
            self._page("首页")
        self.ctx.bus.changed.connect(self._changed)
        self.update_status()
        self.show_page(self._wanted_row)
        # the daily automatic backup while the window stays open (not only when it closes)
        self.backup_timer.setInterval(BACKUP_CHECK_MS)
        self.backup_timer.timeout.connect(self.daily_backup)
        self.backup_timer.start()
        QTimer.singleShot(FIRST_BACKUP_CHECK_MS, self.daily_backup)
        self.attached.emit()

    def daily_backup(self) -> Op | None:
        """Make the automatic backup in the background when the newest is over a day old
        (checked there too); returns the running operation, None if one is running already."""
        if self._backup_op is not None or self.ctx is None:
            return None
        from gui.ops import error_text, run_op
        from models import backup

        db = self.ctx.db

        def work(_progress: Any) -> Any:
            return backup.make_backup(db) if backup.auto_backup_due(db) else None

        def done(_path: Any) -> None:
            self._backup_op = None
            self.update_status()

        def failed(err: BaseException) -> None:
            self._backup_op = None
            self.statusBar().showMessage("自动备份没有完成", 60_000)
            QMessageBox.warning(self, "自动备份没有完成", error_text(err))

        self._backup_op = run_op(self, work, done, quiet=True, on_error=failed)
        return self._backup_op

    # -- pages -----------------------------------------------------------------------------------
    def _page(self, name: str) -> QWidget:
        """Pages are built when first opened (start-up stays fast)."""
        if name not in self.pages:
            index = NAV.index(name)
            page = page_factory(name)(self.ctx)
            old = self.stack.widget(index)
            if old is not None:  # the placeholder the page takes the place of
                self.stack.removeWidget(old)
                old.deleteLater()
            self.stack.insertWidget(index, page)
            self.pages[name] = page
        return self.pages[name]

    def show_page(self, row: int) -> None:
        if row < 0:
            return
        self._wanted_row = row
        if self.ctx is None:  # still loading: attach() opens the page asked for
            if NAV[row] in self.pages:
                self.stack.setCurrentWidget(self.pages[NAV[row]])
            return
        page = self._page(NAV[row])
        self.stack.setCurrentWidget(page)

    def page(self, name: str) -> Any:
        """The page called ``name``, shown, with its lists' first load (read in the background)
        waited for (for tests: a clerk sees the page at once and the list fill in)."""
        self.nav.setCurrentRow(NAV.index(name))
        page = self.pages[name]
        wait_loaded(page)
        return page

    # -- status ----------------------------------------------------------------------------------
    def update_status(self) -> None:
        from models import backup

        self.db_label.setText(f"数据库：{self.ctx.db.path}")
        last = backup.last_backup_time(self.ctx.db)
        self.backup_label.setText(f"上次备份：{last:%Y-%m-%d %H:%M}" if last else "尚未备份")

    def _changed(self, changes: Changes) -> None:
        self.update_status()
        deleted = self.ctx.last_deleted
        self.undo_button.setVisible(deleted is not None)
        if deleted is not None:
            self.undo_button.setText(f"撤销删除“{deleted[2]}”")

    def undo_delete(self) -> None:
        from gui.ops import perform
        from models import records

        if self.ctx.last_deleted is None:
            return
        subject, rid, _label = self.ctx.last_deleted
        self.ctx.last_deleted = None

        def undo(s: Any) -> Changes:
            if not records.in_trash(s, subject, rid):  # brought back another way meanwhile
                return Changes.of("trash")
            return records.restore(s, subject, rid)

        perform(self.ctx, self, undo, title="无法撤销删除")

    # -- first run, geometry, closing ------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._first_shown:
            self._first_shown = True
            self.first_screen_ready.emit()

    def maybe_first_run(self) -> None:
        from gui.ops import perform, run_op, write
        from models import demo, settings

        with self.ctx.db.reader() as s:
            named = bool(settings.committee(s).committee_name)
        if named:
            return
        from gui.first_run import FirstRunDialog

        dialog = FirstRunDialog(self)
        if not dialog.exec():
            return
        name, region, want_demo = dialog.value()
        code, level = dialog.unit()
        filler = dialog.filler.text().strip()

        def unit(s: Any) -> None:
            settings.save_unit(s, code, level)
            if filler:
                settings.put(s, settings.FILLER, filler)

        if want_demo:
            def work(progress: Any) -> None:
                def build(s: Any) -> None:
                    demo.build(s, on_progress=progress)
                    if name or region:  # the demo keeps the unit the clerk typed
                        base = settings.committee(s)
                        settings.save_committee(s, dataclasses.replace(
                            base, committee_name=name or base.committee_name,
                            region=region or base.region))
                    if code:
                        unit(s)
                    elif filler:
                        settings.put(s, settings.FILLER, filler)
                write(self.ctx.db, build)

            run_op(self, work, lambda _r: self.ctx.bus.publish(
                Changes.everything()),
                label="正在载入演示数据…")
            return

        def save(s: Any) -> Changes:
            settings.save_committee(s, settings.Committee(name or f"本{level}关工委", region))
            unit(s)
            return Changes.of("settings")

        perform(self.ctx, self, save)

    def restore_geometry(self) -> None:
        """The size saved at the last close, kept within the screen's free area (a geometry
        saved on a bigger monitor comes back onto this one); else at most 1280×720 within it,
        so the status bar is never under the taskbar of a 1366×768 laptop."""
        saved = paths.read_config().get("geometry")
        if saved:
            self.restoreGeometry(QByteArray.fromHex(saved.encode()))
        else:
            self.resize(1280, 720)
        area = style.available_geometry(self)
        decoration = self.frameGeometry().size() - self.geometry().size()
        width = min(self.width(), area.width() - decoration.width())
        height = min(self.height(), area.height() - max(decoration.height(), 30))
        if self.isMaximized():
            return
        self.resize(width, height)
        frame = self.frameGeometry()
        if not area.contains(frame):
            self.move(max(area.left(), min(frame.left(), area.right() + 1 - frame.width())),
                      max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height())))

    def save_geometry(self) -> None:
        try:
            config = paths.read_config()
            config["geometry"] = self.saveGeometry().toHex().toStdString()
            paths.write_config(config)
        except OSError:
            pass

    def closeEvent(self, event: Any) -> None:
        self.save_geometry()
        self.backup_timer.stop()
        if self.ctx is None:  # closed while still loading: nothing is open yet
            super().closeEvent(event)
            return
        from gui.ops import wait_for_workers
        from models import backup

        wait_for_workers(60_000)  # a background backup, export or list read finishes first
        try:
            if backup.auto_backup_due(self.ctx.db, max_age=dt.timedelta(hours=1)):
                backup.make_backup(self.ctx.db)
        except UserError as err:
            QMessageBox.warning(self, "自动备份没有完成", err.message)
        finally:
            self.ctx.db.close()
        super().closeEvent(event)


def schedule_first_run(window: MainWindow) -> None:
    QTimer.singleShot(0, window.maybe_first_run)


def wait_loaded(widget: QWidget, timeout: float = 60.0) -> None:
    """Process events until ``widget`` and the widgets in it that read their data in the
    background (those with a ``loading`` property: the lists, 数据管理) have it (at most
    ``timeout`` seconds)."""
    import time

    from PySide6.QtCore import QCoreApplication, QEventLoop

    parts = [w for w in (widget, *widget.findChildren(QWidget)) if hasattr(w, "loading")]
    deadline = time.monotonic() + timeout
    while any(p.loading for p in parts) and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
