"""关工组织: the list of groups and their yearly 五好 assessment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Select

from gui import style
from gui.chrome import dialog_buttons, scroll_area
from gui.context import AppContext
from gui.dialogs.records import GroupDialog
from gui.list_page import ListPage
from gui.ops import perform
from gui.pages.common import _codes, _date
from gui.table_model import ListColumn as C
from models import groups, lists, records, wuhao
from models.entities import Group
from models.errors import UserError, ValidationError
from models.wuhao import DimensionScore, ItemScore, Scored


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
            initial = groups.to_input(records.live(s, Group, rid))
        GroupDialog(self, self.db, initial,
                    on_save=self.save_with(lambda s, v: groups.update(s, rid, v))).exec()

    def assess_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个关工组织。")
            return
        WuhaoDialog(self, self.ctx, rid).exec()


class WuhaoDialog(QDialog):
    """A group's yearly 五好 assessment as a scored checklist (models.wuhao): each item of the
    考核细则 ticked for full marks, or given its 得分 and 扣分理由; the total and 达标 shown as
    they change. An old assessment of five √/× shows as full or zero marks per dimension and
    is not rewritten unless something is changed."""

    def __init__(self, parent: QWidget | None, ctx: AppContext, gid: int) -> None:
        super().__init__(parent)
        self.ctx, self.gid = ctx, gid
        self.setWindowTitle("五好评定（按考核细则打分）")
        layout = QVBoxLayout(self)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        row = QHBoxLayout()
        row.addWidget(QLabel("年度："))
        row.addWidget(self.year)
        self.source = QLabel()
        self.source.setStyleSheet("color:#666;")
        row.addWidget(self.source, 1)
        layout.addLayout(row)
        self.checklist = scroll_area()
        layout.addWidget(self.checklist, 1)
        self.total = QLabel()
        self.total.setObjectName("sectionTitle")
        layout.addWidget(self.total)
        self.error = QLabel()
        self.error.setStyleSheet("color:#c0392b;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = dialog_buttons(self, (QDialogButtonBox.StandardButton.Save, "保存"),
                                 (QDialogButtonBox.StandardButton.Cancel, "取消"))
        layout.addWidget(buttons)
        self.rows: list[list[tuple[QCheckBox, QDoubleSpinBox, QLineEdit, ItemScore]]] = []
        self.subtotals: list[QLabel] = []
        self.year.valueChanged.connect(self.load)
        self.load()

    def load(self) -> None:
        with self.ctx.db.reader() as s:
            a = groups.assessment(s, self.gid, self.year.value())
            self.sheet: Scored = wuhao.scored(a) if a else wuhao.blank(wuhao.current(s))
        self.exists = a is not None
        if self.sheet.old:
            self.source.setText("这是按五项√/×做的旧评定：每项达到记满分、未达到记0分。"
                                "不改动就保存不会改写它。")
        else:
            self.source.setText(f"达标分数线 {wuhao.points_text(self.sheet.threshold)} 分")
        body = QWidget()
        grid = QGridLayout(body)
        grid.setColumnStretch(3, 1)
        self.rows, self.subtotals = [], []
        r = 0
        for d in self.sheet.dimensions:
            head = QLabel(d.name)
            head.setObjectName("sectionTitle")
            grid.addWidget(head, r, 0, 1, 2)
            sub = QLabel()
            grid.addWidget(sub, r, 2, 1, 2)
            self.subtotals.append(sub)
            r += 1
            items = []
            for item in d.items:
                box = QCheckBox(f"{item.text}（{wuhao.points_text(item.points)}分）")
                spin = QDoubleSpinBox()
                spin.setRange(0, float(item.points))
                spin.setDecimals(1)
                spin.setSingleStep(0.5)
                spin.setSuffix(" 分")
                spin.setValue(float(item.score))
                reason = QLineEdit(item.reason)
                reason.setPlaceholderText("扣分理由（扣分时必填）")
                box.setChecked(item.score == item.points)
                box.toggled.connect(lambda on, sp=spin, it=item: on and sp.setValue(float(it.points)))
                spin.valueChanged.connect(lambda v, b=box, it=item: self._score_changed(b, it, v))
                grid.addWidget(box, r, 0, 1, 2)
                grid.addWidget(spin, r, 2)
                grid.addWidget(reason, r, 3)
                items.append((box, spin, reason, item))
                r += 1
            self.rows.append(items)
        grid.setRowStretch(r, 1)
        self.checklist.setWidget(body)
        self.loaded = self._values()
        self._totals()
        self._fit()

    def _score_changed(self, box: QCheckBox, item: ItemScore, value: float) -> None:
        box.setChecked(Decimal(str(value)) == item.points)  # full marks ticks the box again
        self._totals()

    def _fit(self) -> None:
        """Big enough for the checklist, never larger than the screen's free area."""
        area = style.available_geometry(self)
        body = self.checklist.widget()
        need = body.sizeHint() if body is not None else self.sizeHint()
        self.resize(min(max(need.width() + 60, 760), area.width() - 16),
                    min(need.height() + 190, area.height() - 40))

    def _values(self) -> list[list[tuple[float, str]]]:
        return [[(spin.value(), reason.text()) for _b, spin, reason, _i in items]
                for items in self.rows]

    def _totals(self) -> None:
        total = Decimal(0)
        for items, sub, d in zip(self.rows, self.subtotals, self.sheet.dimensions):
            score = sum((Decimal(str(spin.value())) for _b, spin, _r, _i in items), Decimal(0))
            total += score
            sub.setText(f"{wuhao.points_text(score)} / {wuhao.points_text(d.points)} 分")
        passed = total >= self.sheet.threshold
        self.total.setText(f"总分 {wuhao.points_text(total)} 分，达标线 "
                           f"{wuhao.points_text(self.sheet.threshold)} 分："
                           f"{'达标' if passed else '未达标'}")

    def value(self) -> Scored:
        """The sheet with the scores and reasons as shown."""
        dims = [DimensionScore(d.name, [ItemScore(i.text, i.points, Decimal(str(spin.value())),
                                                   reason.text())
                                         for _b, spin, reason, i in items])
                for d, items in zip(self.sheet.dimensions, self.rows)]
        return Scored(self.sheet.threshold, dims, False, self.sheet.note)

    def accept(self) -> None:
        if self.exists and self._values() == self.loaded:
            super().accept()  # saved unchanged: nothing is rewritten
            return
        self.error.hide()
        try:
            done = perform(self.ctx, self, wuhao.assess, self.gid, self.year.value(),
                           self.value(), title="没有保存", raise_user_errors=True)
        except ValidationError as err:  # a deduction without its reason: said under the list
            self.error.setText(f"“{err.field}”：{err.reason}")
            self.error.show()
            return
        except UserError as err:
            self.error.setText(err.message)
            self.error.show()
            return
        if done:
            super().accept()
