"""The main window (a first version: the 首页 figures; the full pages come with the desktop issue)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from models import backup, settings, stats
from models.db import Database


class MainWindow(QMainWindow):
    first_screen_ready = Signal()

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.setWindowTitle("关工台账")
        self.resize(1280, 720)
        body = QWidget()
        layout = QVBoxLayout(body)
        with db.reader() as s:
            committee = settings.committee(s)
            year = dt.date.today().year
            f = stats.year_figures(s, year)
        layout.addWidget(QLabel(f"<h2>{committee.display_name} {year}年工作概况</h2>"))
        layout.addWidget(QLabel(
            f"关工组织 {f['groups']['total']} 个，五老 {f['volunteers']['total']} 人，"
            f"帮扶对象 {f['students']['total']} 人，活动 {f['activities']['total']} 场"))
        layout.addStretch(1)
        self.setCentralWidget(body)
        self.statusBar().showMessage(f"数据库：{db.path}")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.first_screen_ready.emit()

    def closeEvent(self, event) -> None:
        try:
            if backup.auto_backup_due(self.db):
                backup.make_backup(self.db)
        finally:
            self.db.close()
        super().closeEvent(event)
