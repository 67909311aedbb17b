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
from models.subjects import SUBJECT_LABELS, subject


class DonationsPage(ListPage):
    subject, title = "donations", SUBJECT_LABELS["donations"]
    search_hint = "搜索捐赠方名称或拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("type", "类型", _codes(self.ctx, "donor_type"))
        self.add_filter("year", "年份", _year_items())

    def columns(self) -> list[C]:
        label = subject("donations").label_of
        return [C(label("date"), lambda r: _date(r[0].date), Donation.date, "center"),
                C(label("donor"), lambda r: r[0].donor, Donation.donor, width=180),
                C(label("donor_type"), lambda r: r[0].donor_type, Donation.donor_type),
                C(label("money_fen"), lambda r: format_yuan(r[0].money_fen), Donation.money_fen,
                  "right"),
                C(label("goods"), lambda r: r[0].goods, Donation.goods),
                C(label("goods_value_fen"), lambda r: format_yuan(r[0].goods_value_fen)
                  if r[0].goods_value_fen else "", Donation.goods_value_fen, "right"),
                C(label("purpose"), lambda r: r[0].purpose, Donation.purpose),
                C(label("recipients_text"), lambda r: r[0].recipients_text)]

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
