"""The chain in the township's window (contract §7): the year's state sentence for 首页 and
报表中心 with 收下回执…, and the 设置 group for the units expected to report and reopening an
accepted year. Small widgets, so the pages that hold them change by a line or two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy.orm import Session

from gui.context import AppContext
from gui.files import open_file
from gui.ops import perform
from models import chain, rollup, settings
from models.changes import Changes
from models.errors import UserError


class YearState(QWidget):
    """"2025年度：已上报（第3次），县关工委已退回：请核实活动人次" and 收下回执…."""

    def __init__(self, ctx: AppContext, year: Callable[[], int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.year = ctx, year
        self.label = QLabel("")
        self.label.setObjectName("yearState")
        self.label.setWordWrap(True)
        take = QPushButton("收下回执…")
        take.setToolTip("上级审核后会给一个回执文件（…_回执_….zip），在这里收下")
        take.clicked.connect(lambda: self.take())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(take)
        ctx.bus.changed.connect(lambda _c: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.reader() as s:
            state = chain.year_state(s, self.year())
        self.label.setText(state["sentence"] + ("（已锁定，修改前要先在设置里重新打开）"
                                                if state["locked"] else ""))

    def take(self, path: str | None = None) -> object:
        from exports import receipts
        path = path or open_file(self, "选择上级给的回执", "回执 (*.zip)")
        if not path:
            return None
        try:
            receipt, sha = receipts.read_receipt(path)
        except UserError as err:
            QMessageBox.warning(self, "回执没有收下", err.message)
            return None
        result = perform(self.ctx, self, lambda s: (chain.take_receipt(s, receipt, sha),
                                                    Changes.of("settings")),
                         title="回执没有收下")
        if result:
            self.refresh()
            QMessageBox.information(self, "回执已收下", self.label.text())
        return result


class ChainSettings(QGroupBox):
    """设置 › 上报与汇总: units expected to report; reopening an accepted year."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("上报与汇总", parent)
        self.ctx = ctx
        self.expected = QLineEdit()
        self.expected.setPlaceholderText("各乡镇的区划代码，逗号分开")
        self.expected.setToolTip("县里填应当上报的各乡镇区划代码，用逗号分开，如 130102001，130102002")
        save = QPushButton("保存应报单位")
        save.clicked.connect(self.save_expected)
        self.reopen_year = QSpinBox()
        self.reopen_year.setRange(1949, 2100)
        reopen = QPushButton("重新打开这一年度…")
        reopen.clicked.connect(lambda: self.reopen())
        self.key = QLabel("")
        form = QFormLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.expected, 1)
        row.addWidget(save)
        form.addRow("应报单位：", row)
        row = QHBoxLayout()
        row.addWidget(self.reopen_year)
        row.addWidget(reopen)
        row.addStretch(1)
        form.addRow("已通过的年度：", row)
        form.addRow("本单位密钥指纹：", self.key)
        self.load()

    def load(self) -> None:
        with self.ctx.db.reader() as s:
            self.expected.setText("，".join(rollup.expected_units(s)))
            locked = sorted(chain.locked_years(s))
            fp = chain.own_fingerprint_if_made(s)
        self.reopen_year.setValue(locked[-1] if locked else dt.date.today().year - 1)
        self.key.setText(fp or "（生成第一个上报包时自动建立）")

    def save_expected(self) -> None:
        codes = self.expected.text().replace(",", " ").replace("，", " ").replace("、", " ").split()
        bad = [c for c in codes if not c.isdigit()]
        if bad:
            QMessageBox.warning(self, "应报单位", f"“{bad[0]}”不是区划代码（应为数字），请改正后再保存。")
            return
        perform(self.ctx, self, lambda s: settings.put(s, settings.EXPECTED_UNITS, "，".join(codes)))

    def reopen(self, reason: str | None = None) -> object:
        year = self.reopen_year.value()
        if reason is None:
            reason, ok = QInputDialog.getText(
                self, "重新打开年度", f"{year}年度已经上级审核通过。重新打开后可以修改，"
                "但要重新生成上报包报上去。请写明原因（记入操作日志）：")
            if not ok:
                return None

        def work(s: Session) -> Changes:
            chain.reopen(s, year, reason or "")
            return Changes.of("settings")

        result = perform(self.ctx, self, work, title="没有重新打开")
        if result:
            QMessageBox.information(self, "已重新打开", f"{year}年度已重新打开，可以修改了。"
                                    "改完后请重新生成上报包报上去。")
        return result
