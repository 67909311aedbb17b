"""结对帮扶: the list of pairings, ending one and recording a 帮扶."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton
from sqlalchemy import Select

from gui.dialogs.records import AidDialog, PairingDialog
from gui.list_page import ListPage
from gui.ops import perform
from gui.pages.common import _date
from gui.table_model import ListColumn as C
from models import lists, pairings, records
from models.entities import Pairing, Student, Volunteer


class PairingsPage(ListPage):
    subject, title = "pairings", "结对帮扶"
    search_hint = "搜索五老或学生的姓名、拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("active", "范围", [("进行中", True), ("全部", False)])
        end = QPushButton("结束结对…")
        end.clicked.connect(self.end_current)
        aid = QPushButton("记一次帮扶")
        aid.clicked.connect(self.aid_current)
        self.toolbar.addWidget(end)
        self.toolbar.addWidget(aid)

    def relevant(self, changes: Any) -> bool:
        return changes.pairings or changes.volunteers or changes.students or changes.aid

    def columns(self) -> list[C]:
        return [C("五老", lambda r: r[1], Volunteer.name_initials, width=90),
                C("帮扶对象", lambda r: r[2], Student.name_initials, width=90),
                C("结对形式", lambda r: r[0].mode, Pairing.mode),
                C("开始日期", lambda r: _date(r[0].started_on), Pairing.started_on, "center"),
                C("结束日期", lambda r: _date(r[0].ended_on), Pairing.ended_on, "center"),
                C("最近帮扶", lambda r: _date(r[3]), None, "center"),
                C("状态", lambda r: "已结束" if r[0].ended_on and r[0].ended_on <= dt.date.today()
                  else "进行中", Pairing.ended_on)]

    def query(self) -> Select:
        return lists.pairings(self.search.text(),
                              dt.date.today() if self.filter("active") else None)

    def add(self) -> None:
        PairingDialog(self, self.db, on_save=self.save_with(pairings.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            p = records.live(s, Pairing, rid)
            initial = pairings.to_input(p)
            labels = (p.volunteer.name, p.student.name)
        PairingDialog(self, self.db, initial, labels=labels,
                      on_save=self.save_with(lambda s, v: pairings.update(s, rid, v))).exec()

    def end_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个结对。")
            return
        text, ok = QInputDialog.getText(self, "结束结对", "结束日期：", text=f"{dt.date.today():%Y.%m.%d}")
        if not ok:
            return
        from exports.cells import CellProblem, date_value

        try:
            day, _ = date_value(text)
        except CellProblem as err:
            QMessageBox.warning(self, "无法结束结对", str(err))
            return
        perform(self.ctx, self, pairings.end, rid, day, title="无法结束结对")

    def aid_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个结对。")
            return
        with self.db.reader() as s:
            p = records.live(s, Pairing, rid)
            sid, name, vid, vname = p.student_id, p.student.name, p.volunteer_id, p.volunteer.name
        AidDialog(self, self.db, sid, name, volunteer=(vid, vname),
                  on_save=self.save_with(pairings.add_aid)).exec()
