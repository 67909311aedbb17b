"""First run: the committee's name, level, region and 行政区划代码 (contract §6: the code is asked
here), the 填表人, and an offer to try the demo township. The words and examples follow the level
chosen (a county is never asked about 本乡镇 with 青山镇 as the example)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui.chrome import dialog_buttons, scroll_area
from gui.style import fit_dialog

LEVELS = ("乡镇", "县", "市")

#: level -> (name example, region example, code example, what the code is)
EXAMPLES = {
    "乡镇": ("青山镇关工委", "某某县青山镇", "130102001",
             "本乡镇（街道）的统计用区划代码，9 位（也可以填完整的 12 位）"),
    "县": ("青山县关工委", "某某市青山县", "130102", "本县（区、市）的行政区划代码，6 位"),
    "市": ("某某市关工委", "某某省某某市", "130100", "本市的行政区划代码，6 位（或前 4 位）"),
}

WHERE = ("在哪里查：国家统计局网站“统计用区划和城乡划分代码”，或问县（区）民政局、统计局；"
         "上级关工委的通知里一般也有。上级靠这个代码认出本单位，不清楚可以先留空，"
         "生成上报包前到“设置”里补上。")


class FirstRunDialog(QDialog):
    """Asks for the unit; :meth:`value` gives what was typed. A code of the wrong length for
    the level is said beside the field and the dialog stays open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("欢迎使用关工台账")
        intro = QLabel("第一次使用，请填写本关工委的名称、级别和行政区划代码"
                       "（以后可以在“设置”里修改）。")
        intro.setWordWrap(True)
        self.level = QComboBox()
        self.level.addItems(list(LEVELS))
        self.name = QLineEdit()
        self.region = QLineEdit()
        self.code = QLineEdit()
        self.code.setMaxLength(14)
        self.code_note = QLabel()
        self.code_note.setWordWrap(True)
        self.code_note.setObjectName("hint")
        self.where = QLabel(WHERE)
        self.where.setWordWrap(True)
        self.where.setObjectName("hint")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("error")
        self.error.hide()
        self.filler = QLineEdit()
        self.filler.setPlaceholderText("如：王秀英（印在报表的“填表人”处）")
        self.demo = QCheckBox("先载入一个演示乡镇的数据试一试（标有“演示数据”，可一键清除）")
        form = QFormLayout()
        form.addRow("单位级别：", self.level)
        form.addRow("关工委名称：", self.name)
        form.addRow("所在地区：", self.region)
        form.addRow("行政区划代码：", self.code)
        form.addRow("", self.code_note)
        form.addRow("", self.where)
        form.addRow("", self.error)
        form.addRow("填表人：", self.filler)
        buttons = dialog_buttons(self, (QDialogButtonBox.StandardButton.Ok, "开始使用"),
                                 (QDialogButtonBox.StandardButton.Cancel, "以后再填"))
        self.body = QWidget()
        inner = QVBoxLayout(self.body)
        inner.addWidget(intro)
        inner.addLayout(form)
        inner.addWidget(self.demo)
        inner.addStretch(1)
        scroll = scroll_area(self.body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.level.currentTextChanged.connect(self._words)
        self._words(self.level.currentText())
        self._sized = False

    def showEvent(self, event: Any) -> None:
        if not self._sized:  # once: then it keeps its size and place (a message wraps)
            self._sized = True
            fit_dialog(self, self.fontMetrics().horizontalAdvance("汉") * 40, self.body)
        super().showEvent(event)

    def _words(self, level: str) -> None:
        name, region, code, what = EXAMPLES.get(level, EXAMPLES["乡镇"])
        self.name.setPlaceholderText(f"如：{name}")
        self.region.setPlaceholderText(f"如：{region}")
        self.code.setPlaceholderText(f"如：{code}")
        self.code_note.setText(f"{what}，例如 {code}。")
        self.demo.setVisible(level == "乡镇")  # the demo is a township
        if level != "乡镇":
            self.demo.setChecked(False)

    def accept(self) -> None:
        from models.settings import unit_code_problem

        problem = unit_code_problem(self.code.text(), self.level.currentText())
        if problem:
            self.error.setText(f"行政区划代码：{problem}。")
            self.error.show()
            self.code.setFocus()
            return
        super().accept()

    def value(self) -> tuple[str, str, bool]:
        return self.name.text().strip(), self.region.text().strip(), self.demo.isChecked()

    def unit(self) -> tuple[str, str]:
        """(行政区划代码, level) as typed."""
        from models.settings import clean_code

        return clean_code(self.code.text()), self.level.currentText()
