"""关工阵地: the list of 阵地 (校外辅导站、留守儿童之家 …) and their 经费."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox
from sqlalchemy import Select

from gui.dialogs.records import VenueDialog
from gui.list_page import ListPage
from gui.pages.common import _codes, _date
from gui.table_model import ListColumn as C
from models import lists, venues
from models.entities import Venue
from models.money import format_yuan
from models.subjects import subject


class VenuesPage(ListPage):
    subject, title = "venues", "关工阵地"
    search_hint = "搜索阵地名称或拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("type", "类型", _codes(self.ctx, "venue_type"))

    def columns(self) -> list[C]:
        label = subject("venues").label_of
        return [C(label("name"), lambda r: r[0].name, Venue.name, width=220),
                C(label("type"), lambda r: r[0].type, Venue.type),
                C(label("group_id"), lambda r: r[1] or "", None),
                C(label("address"), lambda r: r[0].address, Venue.address),
                C(label("opened_on"), lambda r: _date(r[0].opened_on), Venue.opened_on, "center"),
                C(label("funds_fen"), lambda r: format_yuan(r[0].funds_fen) if r[0].funds_fen
                  else "", Venue.funds_fen, "right"),
                C(label("funds_year"), lambda r: r[0].funds_year or "", Venue.funds_year,
                  "center")]

    def query(self) -> Select:
        return lists.venues(self.search.text(), self.filter("type") or "")

    def add(self) -> None:
        VenueDialog(self, self.db, on_save=self.save_with(venues.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            venue = s.get(Venue, rid)
            if venue is None or venue.deleted_at is not None:
                QMessageBox.information(self, "提示", "这个阵地已被删除（可能在回收站里）。")
                self.refresh()
                return
            initial = venues.to_input(venue)
        VenueDialog(self, self.db, initial,
                    on_save=self.save_with(lambda s, v: venues.update(s, rid, v))).exec()
