"""五老队伍: the list of 五老."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton
from sqlalchemy import Select

from gui.dialogs.people import VolunteerDialog, group_items
from gui.files import save_file
from gui.list_page import ListPage
from gui.ops import run_op
from gui.pages.common import _codes, _date
from gui.table_model import ListColumn as C
from models import lists, records, volunteers
from models.entities import Group, Volunteer
from models.people import age_day, age_on


class VolunteersPage(ListPage):
    subject, title = "volunteers", "五老队伍"

    def build_filters(self) -> None:
        self.add_filter("category", "类别", _codes(self.ctx, "volunteer_category"))
        self.add_filter("group", "关工小组", [("全部", None)], more=lambda: group_items(self.db))
        self.add_filter("active", "状态", [("在队", True), ("全部（含已退出）", False)])
        certificate = QPushButton("志愿服务证明…")
        certificate.setToolTip("为选中的五老出具本年度的志愿服务记录证明（PDF 或 Excel）")
        certificate.clicked.connect(self.service_record)
        self.toolbar.addWidget(certificate)

    def service_record(self) -> None:
        """The 志愿服务记录证明 of the selected 五老 for a year, as PDF or .xlsx."""
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一位五老。")
            return
        this_year = dt.date.today().year
        year, ok = QInputDialog.getInt(self, "志愿服务记录证明", "证明哪一年度的志愿服务：",
                                       this_year, 1949, this_year)
        if not ok:
            return
        with self.db.reader() as s:
            name = records.live(s, Volunteer, rid).name
        path = save_file(self, "保存志愿服务记录证明", f"{name}_{year}年度志愿服务记录证明.pdf",
                         "PDF 文件 (*.pdf);;Excel 文件 (*.xlsx)")
        if not path:
            return
        fmt = "xlsx" if path.lower().endswith(".xlsx") else "pdf"
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"

        def work(_progress: Any) -> Path:
            from exports import service  # openpyxl and reportlab: only when one is made

            return service.export_form(self.db, "service-record", fmt, path, year=year,
                                       person=rid)

        def done(p: Path) -> None:
            QMessageBox.information(self, "导出完成", f"已导出到“{p}”。")

        run_op(self, work, done, label="正在生成志愿服务记录证明…")

    def relevant(self, changes: Any) -> bool:
        return changes.volunteers or changes.groups or changes.settings

    def columns(self) -> list[C]:
        today = age_day(dt.date.today().year, dt.date.today())
        return [C("姓名", lambda r: r[0].name, Volunteer.name_initials, width=90),
                C("性别", lambda r: r[0].sex, Volunteer.sex, "center"),
                C("出生年月", lambda r: f"{r[0].birth_date:%Y.%m}" if r[0].birth_date else "",
                  Volunteer.birth_date, "center"),
                C("年龄", lambda r: age_on(r[0].birth_date, today), Volunteer.birth_date.desc(),
                  "right"),
                C("身份证号", lambda r: self.ctx.id_text(r[0].id_number), Volunteer.id_number,
                  width=170),
                C("五老类别", lambda r: r[0].category, Volunteer.category),
                C("政治面貌", lambda r: r[0].political_status, Volunteer.political_status),
                C("所在关工小组", lambda r: r[1] or "", Group.name, width=150),
                C("联系电话", lambda r: self.ctx.phone_text(r[0].phone), Volunteer.phone),
                C("骨干", lambda r: "是" if r[0].is_backbone else "", Volunteer.is_backbone, "center"),
                C("加入时间", lambda r: _date(r[0].joined_on), Volunteer.joined_on, "center"),
                C("状态", lambda r: f"{r[0].left_on:%Y.%m}退出" if r[0].left_on else "在队",
                  Volunteer.left_on)]

    def query(self) -> Select:
        return lists.volunteers(self.search.text(), self.filter("category") or "",
                                self.filter("group"), bool(self.filter("active")))

    def add(self) -> None:
        VolunteerDialog(self, self.db, on_save=self.save_with(volunteers.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = volunteers.to_input(records.live(s, Volunteer, rid))
        VolunteerDialog(self, self.db, initial,
                        on_save=self.save_with(lambda s, v: volunteers.update(s, rid, v))).exec()
