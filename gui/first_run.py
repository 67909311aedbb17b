"""First run: the committee's name and region, and an offer to try the demo township."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class FirstRunDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("欢迎使用关工台账")
        intro = QLabel("第一次使用，请填写本关工委的名称和所在地区（以后可以在“设置”里修改）。")
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：青山镇关工委")
        self.region = QLineEdit()
        self.region.setPlaceholderText("如：某某县青山镇")
        self.demo = QCheckBox("先载入一个演示乡镇的数据试一试（标有“演示数据”，可一键清除）")
        form = QFormLayout()
        form.addRow("关工委名称：", self.name)
        form.addRow("所在地区：", self.region)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("开始使用")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.demo)
        layout.addWidget(buttons)

    def value(self) -> tuple[str, str, bool]:
        return self.name.text().strip(), self.region.text().strip(), self.demo.isChecked()
