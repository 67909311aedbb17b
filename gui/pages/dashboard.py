"""首页: the year's key figures, charts and reminders.

The page can be built before the database is open (``Dashboard(None, preview=...)``): it then
shows the figures stored in the file (models.first_screen) in exactly the places the full page
uses, and :meth:`Dashboard.attach` completes it once SQLAlchemy and the models are loaded. This
module therefore imports no SQLAlchemy and no models beyond the light ones at import time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from gui.charts import BarChart
from models.changes import Changes
from models.first_screen import FirstScreen

if TYPE_CHECKING:
    from gui.context import AppContext


#: how 本年新增 counts (said where the figure is shown)
NEW_THIS_YEAR = ("本年新增：加入时间在本年内的五老。没有填加入时间的不算新增"
                 "（导入后可在“五老队伍”里补填加入时间）。")


class Card(QFrame):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        self.value = QLabel("0")
        self.value.setObjectName("cardValue")
        self.detail = QLabel("")
        self.detail.setObjectName("cardDetail")
        self.detail.setWordWrap(True)
        for w in (self.title, self.value, self.detail):
            layout.addWidget(w)

    def set(self, value: str, detail: str) -> None:
        self.value.setText(value)
        self.detail.setText(detail)


class Dashboard(QWidget):
    #: the reminders list shows the result of the latest check
    reminders_shown = Signal()

    def __init__(self, ctx: AppContext | None, parent: QWidget | None = None,
                 preview: FirstScreen | None = None) -> None:
        super().__init__(parent)
        self.ctx: AppContext | None = None
        self.preview = preview
        self._reminder_round = 0
        #: the list shows the result of a check (not the placeholder)
        self.reminders_done = False
        self.figures: dict[str, Any] = {}
        self._stale = False
        self.heading = QLabel()
        self.heading.setObjectName("pageTitle")
        self.heading.setWordWrap(True)  # a long committee name wraps, never cut
        self.year = QComboBox()
        this = dt.date.today().year
        for y in range(this, this - 8, -1):
            self.year.addItem(f"{y}年", y)
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        # the 长辈版 switch, on the first screen (also in 设置): words say its state
        self.elder = QPushButton()
        self.elder.setCheckable(True)
        self.elder.setToolTip("长辈版：字更大（18 号）、按钮更大、行距更宽；再点一次回到原来的大小")
        self._show_elder()
        self.elder.toggled.connect(self._elder_toggled)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.elder)
        top.addWidget(QLabel("年度："))
        top.addWidget(self.year)
        self.cards = {k: Card(t) for k, t in (("groups", "关工组织"), ("volunteers", "五老队伍"),
                                              ("students", "帮扶对象"), ("activities", "活动开展"),
                                              ("donations", "捐钱捐物"))}
        self.cards["volunteers"].setToolTip(NEW_THIS_YEAR)
        cards = QHBoxLayout()
        for c in self.cards.values():
            cards.addWidget(c)
        self.months = BarChart("各月活动场次", horizontal=False)
        self.vol_chart = BarChart("五老类别")
        self.stu_chart = BarChart("帮扶对象类别")
        charts = QGridLayout()
        charts.addWidget(self.months, 0, 0, 1, 2)
        charts.addWidget(self.vol_chart, 1, 0)
        charts.addWidget(self.stu_chart, 1, 1)
        self.reminders = QListWidget()
        self.reminders.setWordWrap(True)
        self.reminders.setObjectName("reminders")
        side = QVBoxLayout()
        label = QLabel("提醒事项")
        label.setObjectName("sectionTitle")
        side.addWidget(label)
        side.addWidget(self.reminders, 1)
        body = QHBoxLayout()
        body.addLayout(charts, 3)
        body.addLayout(side, 2)
        # the charts and reminders scroll when the text is large (长辈版 on 1366×728): the
        # charts keep the height their labels need
        holder = QWidget()
        holder.setLayout(body)
        body.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        # the year's 上报 state (gui.chain_panel), filled once a database is open; its place is
        # kept from the start so nothing below it moves when it arrives
        self.state_row = QVBoxLayout()
        self.state_row.setContentsMargins(0, 0, 0, 0)
        self.state_holder = QWidget()
        self.state_holder.setLayout(self.state_row)
        self._fit_state_row()
        layout.addWidget(self.state_holder)
        layout.addLayout(cards)
        layout.addWidget(scroll, 1)
        if ctx is not None:
            self.attach(ctx)
        elif preview is not None:
            self.year.setEnabled(False)  # another year needs the database: after attach()
            self._select_year(preview.year)
            self._show(preview.year, preview.committee, preview.demo, preview.figures,
                       preview.months)
            self.reminders.addItem("正在检查提醒事项…")

    def _show_elder(self) -> None:
        from gui import style

        on = style.is_elder()
        self.elder.blockSignals(True)
        self.elder.setChecked(on)
        self.elder.blockSignals(False)
        self.elder.setText("长辈版：已打开" if on else "长辈版（大字）")

    def _elder_toggled(self, on: bool) -> None:
        from gui import style

        style.set_elder(on)
        self._show_elder()

    def _fit_state_row(self) -> None:
        """The state row's height is the button's at the text size in force (特大, 长辈版)."""
        self.state_holder.setFixedHeight(QPushButton("收下回执…").sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_state_row()

    def attach(self, ctx: AppContext) -> None:
        """Use the open database from now on: the figures (the stored ones when still
        current), then the reminders right after the next paint."""
        self.ctx = ctx
        self.year.setEnabled(True)
        from models import first_screen_store

        with ctx.db.reader() as s:
            self._select_year(first_screen_store.screen_year(s))
        from gui.chain_panel import YearState

        self.year_state = YearState(ctx, self.selected_year)
        self.state_row.addWidget(self.year_state)
        self.year.currentIndexChanged.connect(lambda _i: self.year_state.refresh())
        ctx.bus.changed.connect(self._changed)
        self.refresh(with_reminders=False)
        # the reminders follow right after the first paint (the figures come first)
        QTimer.singleShot(0, self.refresh_reminders)

    def _changed(self, _changes: Changes) -> None:
        """Recompute now when on screen; otherwise when next shown (saves on other pages
        would otherwise each pay for the year's figures)."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._show_elder()  # 设置 may have changed the size
        if self._stale:
            self._stale = False
            self.refresh()

    def _select_year(self, year: int) -> None:
        """Show ``year`` in the year box (added when older than its list) without a refresh."""
        if self.year.findData(year) < 0:
            self.year.addItem(f"{year}年", year)
        self.year.blockSignals(True)
        self.year.setCurrentIndex(self.year.findData(year))
        self.year.blockSignals(False)

    def selected_year(self) -> int:
        return int(self.year.currentData())

    def refresh(self, with_reminders: bool = True) -> None:
        """The selected year's figures: those the last write stored for this year when they are
        still current (models.first_screen), else computed now."""
        if self.ctx is None:  # not attached yet: attach() refreshes
            return
        from models import first_screen_store

        year = self.selected_year()
        with self.ctx.db.reader() as s:
            shown = first_screen_store.stored(s, year) or first_screen_store.compute_screen(s, year)
        self._show(shown.year, shown.committee, shown.demo, shown.figures, shown.months)
        if with_reminders:
            self.refresh_reminders()
        elif not self.reminders.count():
            self.reminders.addItem("正在检查提醒事项…")

    def _show(self, year: int, committee: str, demo: bool, f: dict[str, Any],
              months: list[int]) -> None:
        self.figures = f
        mark = "（演示数据）" if demo else ""
        self.heading.setText(f"{committee} {year}年工作概况{mark}")
        g, v, st, a, d = (f["groups"], f["volunteers"], f["students"], f["activities"],
                          f["donations"])
        self.cards["groups"].set(f"{g['total']} 个", f"五好达标 {g['wuhao']} 个，达标率 "
                                 f"{g['wuhao_rate'] * 100:.1f}%")
        self.cards["volunteers"].set(f"{v['total']} 人", f"骨干 {v['backbone']} 人，本年新增 "
                                     f"{v['joined']} 人（按加入时间）、退出 {v['left']} 人")
        self.cards["students"].set(f"{st['total']} 人", f"已结对 {st['paired']} 人，帮扶记录 "
                                   f"{f['aid']['records']} 次")
        self.cards["activities"].set(f"{a['total']} 场", f"五老参与 {a['volunteer_participations']} "
                                     f"人次，教育青少年 {a['youth_participations']} 人次")
        total = d["money_yuan"] + d["goods_value_yuan"]
        self.cards["donations"].set(f"¥{total:,.0f}", f"捐款 ¥{d['money_yuan']:,.2f}，物资折价 "
                                    f"¥{d['goods_value_yuan']:,.2f}")
        self.months.set_data([(f"{m}月", n) for m, n in enumerate(months, start=1)])
        self.vol_chart.set_data(list(v["by_category"].items()))
        self.stu_chart.set_data(list(st["by_category"].items())[:8])

    def refresh_reminders(self) -> None:
        """Check the reminders off the GUI thread (on a large file they take a while); the
        list shows them when done and ``reminders_shown`` is emitted."""
        if self.ctx is None:
            return
        from gui.ops import run_op
        from models import backup, reminders

        db = self.ctx.db
        self._reminder_round += 1
        round_ = self._reminder_round

        def work(_progress: Any) -> Any:
            with db.reader() as s:
                return reminders.reminders(s, dt.date.today(), backup.last_backup_time(db))

        def failed(_err: BaseException) -> None:
            if round_ == self._reminder_round and isValid(self.reminders):
                self.reminders.clear()
                self.reminders.addItem("提醒事项暂时无法检查，请稍后切换页面再回来。")
                self.reminders_done = True
                self.reminders_shown.emit()

        run_op(self, work, lambda notes: self._show_reminders(round_, notes), quiet=True,
               on_error=failed, reads=True)

    def _show_reminders(self, round_: int, notes: Any) -> None:
        if round_ != self._reminder_round or not isValid(self.reminders):
            return  # a newer check is on its way, or the page is gone
        self.reminders.clear()
        for r in notes:
            self.reminders.addItem(f"【{r.kind}】{r.text}")
        if not notes:
            self.reminders.addItem("暂无需要处理的事项。")
        self.reminders_done = True
        self.reminders_shown.emit()
