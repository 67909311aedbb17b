"""捐资助学: the list of donations."""

from __future__ import annotations

from sqlalchemy import Select

from gui.dialogs.records import DonationDialog
from gui.list_page import ListPage
from gui.pages.common import _codes, _date, _year_items
from gui.table_model import ListColumn as C
from models import donations, lists, records
from models.entities import Donation
from models.money import format_yuan


class DonationsPage(ListPage):
    subject, title = "donations", "捐资助学"
    search_hint = "搜索捐赠方名称或拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("type", "类型", _codes(self.ctx, "donor_type"))
        self.add_filter("year", "年份", _year_items())

    def columns(self) -> list[C]:
        return [C("日期", lambda r: _date(r[0].date), Donation.date, "center"),
                C("捐赠方", lambda r: r[0].donor, Donation.donor, width=180),
                C("捐赠方类型", lambda r: r[0].donor_type, Donation.donor_type),
                C("捐款金额(元)", lambda r: format_yuan(r[0].money_fen), Donation.money_fen, "right"),
                C("捐物名称", lambda r: r[0].goods, Donation.goods),
                C("物资折价(元)", lambda r: format_yuan(r[0].goods_value_fen) if r[0].goods_value_fen
                  else "", Donation.goods_value_fen, "right"),
                C("用途", lambda r: r[0].purpose, Donation.purpose),
                C("受助对象", lambda r: r[0].recipients_text)]

    def query(self) -> Select:
        return lists.donations(self.search.text(), self.filter("type") or "",
                               self.filter("year"))

    def add(self) -> None:
        DonationDialog(self, self.db, on_save=self.save_with(donations.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            d = records.live(s, Donation, rid)
            initial = donations.to_input(d)
            chosen = {r.id: r.name for r in d.recipients}
        DonationDialog(self, self.db, initial, recipients=chosen,
                       on_save=self.save_with(lambda s, v: donations.update(s, rid, v))).exec()
