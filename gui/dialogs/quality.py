"""上报前自查 dialog: the year's findings (models.quality), 错误 first, each with its records.

Shown before 生成上报包 (``sending=True``: 仍然生成上报包 / 返回修改) and from 报表中心 at any time
(关闭). It only shows a computed list; nothing here reads or writes the database.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import style
from models.quality import ERROR, Finding, summary

ERROR_COLOR = "#c0392b"


class QualityDialog(QDialog):
    """The findings of one year; ``exec()`` is Accepted when the clerk chose to send anyway."""

    def __init__(self, parent: QWidget | None, year: int, findings: list[Finding],
                 sending: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"上报前自查 — {year}年度")
        self.findings = findings
        head = QLabel(f"{year}年度{summary(findings)}")
        head.setObjectName("sectionTitle")
        explain = QLabel("“错误”会使上报的报表不准确，建议改正后再上报；“提醒”请核实，确实如此的可以不改。"
                         "改正请到相应页面找到记录修改。")
        explain.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("findings")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["问题 / 记录", "说明"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        for f in findings:
            top = QTreeWidgetItem([f"【{f.level}】{f.title}", f"{f.count} 条"])
            if f.level == ERROR:
                top.setForeground(0, QBrush(QColor(ERROR_COLOR)))
            for r in f.records:
                top.addChild(QTreeWidgetItem([r["name"], r["detail"]]))
            if f.count > len(f.records):
                top.addChild(QTreeWidgetItem(["……", f"只列出前 {len(f.records)} 条，共 {f.count} 条"]))
            self.tree.addTopLevelItem(top)
            top.setExpanded(f.level == ERROR)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(explain)
        layout.addWidget(self.tree, 1)
        if sending:
            note = QLabel("仍然上报时，这些问题会写进上报包（quality.json），县里能看到。")
            note.setWordWrap(True)
            layout.addWidget(note)
            buttons = QDialogButtonBox()
            self.send_button = buttons.addButton("仍然生成上报包",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
            back = buttons.addButton("返回修改", QDialogButtonBox.ButtonRole.RejectRole)
            back.setDefault(True)
        else:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
            buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen = style.available_geometry(self)
        self.resize(min(900, screen.width() - 40), min(600, screen.height() - 60))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
