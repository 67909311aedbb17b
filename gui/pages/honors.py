"""表彰慰问: the 表彰 and 慰问 lists in two tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget
from sqlalchemy import Select

from gui.context import AppContext
from gui.dialogs.records import CareDialog, HonorDialog
from gui.list_page import ListPage
from gui.pages.common import _date
from gui.table_model import ListColumn as C
from models import honors, lists, records
from models.entities import Honor, Volunteer, VolunteerCare
from models.money import format_yuan


class HonorsList(ListPage):
    subject, title = "honors", "表彰"
    search_hint = "搜索表彰对象或荣誉名称"

    def columns(self) -> list[C]:
        return [C("年度", lambda r: r[0].year, Honor.year, "center"),
                C("荣誉名称", lambda r: r[0].title, Honor.title, width=200),
                C("表彰对象", lambda r: r[0].recipient_name, Honor.recipient_name, width=160),
                C("级别", lambda r: r[0].level, Honor.level),
                C("授予单位", lambda r: r[0].issuer, Honor.issuer),
                C("表彰日期", lambda r: _date(r[0].date), Honor.date, "center")]

    def query(self) -> Select:
        return lists.honors(self.search.text())

    def add(self) -> None:
        HonorDialog(self, self.db, on_save=self.save_with(honors.create_honor)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = honors.honor_to_input(records.live(s, Honor, rid))
        HonorDialog(self, self.db, initial,
                    on_save=self.save_with(lambda s, v: honors.update_honor(s, rid, v))).exec()


class CaresList(ListPage):
    subject, title = "cares", "慰问"
    search_hint = "搜索五老姓名"

    def columns(self) -> list[C]:
        return [C("日期", lambda r: _date(r[0].date), VolunteerCare.date, "center"),
                C("五老", lambda r: r[1], Volunteer.name_initials),
                C("慰问事由", lambda r: r[0].occasion, VolunteerCare.occasion),
                C("慰问内容", lambda r: r[0].content, width=200),
                C("金额(元)", lambda r: format_yuan(r[0].money_fen), VolunteerCare.money_fen, "right")]

    def query(self) -> Select:
        return lists.cares(self.search.text())

    def add(self) -> None:
        CareDialog(self, self.db, on_save=self.save_with(honors.create_care)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            c = records.live(s, VolunteerCare, rid)
            initial, name = honors.care_to_input(c), c.volunteer.name
        CareDialog(self, self.db, initial, volunteer_name=name,
                   on_save=self.save_with(lambda s, v: honors.update_care(s, rid, v))).exec()


class HonorsPage(QTabWidget):
    """表彰慰问: two lists in tabs."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.honors = HonorsList(ctx)
        self.cares = CaresList(ctx)
        self.addTab(self.honors, "表彰")
        self.addTab(self.cares, "慰问")
