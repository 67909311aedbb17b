"""关工组织: the list of groups and their yearly 五好 assessment."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Select

from gui.context import AppContext
from gui.dialogs.records import GroupDialog
from gui.list_page import ListPage
from gui.ops import perform
from gui.pages.common import _codes, _date
from gui.table_model import ListColumn as C
from models import groups, lists
from models.codes import WUHAO_ITEMS
from models.entities import Group


class GroupsPage(ListPage):
    subject, title = "groups", "关工组织"
    search_hint = "搜索组织名称或拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("type", "类型", _codes(self.ctx, "group_type"))
        assess = QPushButton("五好评定…")
        assess.clicked.connect(self.assess_current)
        self.toolbar.addWidget(assess)

    def columns(self) -> list[C]:
        return [C("组织名称", lambda r: r[0].name, Group.name, width=220),
                C("类型", lambda r: r[0].type, Group.type),
                C("组长", lambda r: r[0].leader, Group.leader),
                C("常务副组长", lambda r: r[0].deputy),
                C("联系电话", lambda r: self.ctx.phone_text(r[0].phone)),
                C("成员数", lambda r: r[0].member_count, Group.member_count, "right"),
                C("五老数", lambda r: r[1], None, "right"),
                C("成立时间", lambda r: _date(r[0].founded_on), Group.founded_on, "center"),
                C("撤销时间", lambda r: _date(r[0].dissolved_on), Group.dissolved_on, "center")]

    def query(self) -> Select:
        return lists.groups(self.search.text(), self.filter("type") or "")

    def add(self) -> None:
        GroupDialog(self, self.db, on_save=self.save_with(groups.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = groups.to_input(s.get(Group, rid))
        GroupDialog(self, self.db, initial,
                    on_save=self.save_with(lambda s, v: groups.update(s, rid, v))).exec()

    def assess_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个关工组织。")
            return
        WuhaoDialog(self, self.ctx, rid).exec()


class WuhaoDialog(QDialog):
    """The five items of a group's yearly 五好 assessment."""

    def __init__(self, parent: QWidget, ctx: AppContext, gid: int) -> None:
        super().__init__(parent)
        self.ctx, self.gid = ctx, gid
        self.setWindowTitle("五好评定")
        layout = QVBoxLayout(self)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        self.year.valueChanged.connect(self.load)
        row = QHBoxLayout()
        row.addWidget(QLabel("年度："))
        row.addWidget(self.year)
        row.addStretch(1)
        layout.addLayout(row)
        self.items = [QCheckBox(text) for text in WUHAO_ITEMS]
        for box in self.items:
            layout.addWidget(box)
        layout.addWidget(QLabel("五项全部达到即为“五好”达标。"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        with self.ctx.db.reader() as s:
            a = groups.assessment(s, self.gid, self.year.value())
        self.note = a.note if a else ""  # not shown here: kept as it is
        for box, passed in zip(self.items, a.items() if a else [False] * 5):
            box.setChecked(passed)

    def accept(self) -> None:
        if perform(self.ctx, self, groups.assess, self.gid, self.year.value(),
                   [b.isChecked() for b in self.items], self.note, title="没有保存"):
            super().accept()
