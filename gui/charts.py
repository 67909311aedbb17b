"""Simple bar charts painted with QPainter (no QtCharts needed).

Alignments are Qt's int flags, which ``QPainter.drawText(QRectF, int, str)`` takes as they are.
PySide's ``Qt`` namespace (≈100 Python enums, ≈12 ms to build on first use) is imported here,
before the first screen, on purpose: the first ``QPainter.setPen`` builds it anyway (its
overloads are resolved against ``Qt.PenStyle``), so deferring the import would only move that
cost from before the window shows to its first paint."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Qt::AlignmentFlag values (qnamespace.h)
ALIGN_LEFT, ALIGN_RIGHT, ALIGN_HCENTER, ALIGN_VCENTER = 0x1, 0x2, 0x4, 0x80
ALIGN_CENTER = ALIGN_HCENTER | ALIGN_VCENTER

PALETTE = ["#3b7dd8", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#d35400",
           "#2c3e50", "#f39c12", "#7f8c8d", "#1abc9c", "#9b59b6", "#34495e", "#e74c3c"]


class BarChart(QWidget):
    """Labelled bars, vertical (months) or horizontal (categories)."""

    def __init__(self, title: str, horizontal: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.horizontal = horizontal
        self.items: list[tuple[str, float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def minimumSizeHint(self) -> QSize:
        """Tall enough for the title and every bar with its label in the current text size
        (labels never overlap, in 长辈版 too), wide enough for the longest label; asked of the
        font each time, so a new text size needs no event."""
        fm = self.fontMetrics()
        line = fm.height()
        if self.horizontal:
            bars = int(line * 1.15 * max(len(self.items), 3))
            height = line + 10 + bars
        else:
            height = line + 10 + line * 6 + 8
        width = 0
        if self.horizontal and self.items:  # the longest label, its number and a bar
            labels = max(fm.horizontalAdvance(k) for k, _ in self.items)
            numbers = fm.horizontalAdvance(str(int(max(v for _, v in self.items))))
            width = labels + numbers + 24 + fm.horizontalAdvance("一") * 4
        return QSize(width, max(160, height))

    def set_data(self, items: list[tuple[str, float]]) -> None:
        self.items = items
        self.updateGeometry()
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = p.fontMetrics()
        line = fm.height()
        p.setPen(QColor("#222"))
        title_font = p.font()
        title_font.setBold(True)
        p.setFont(title_font)
        p.drawText(QRectF(0, 0, self.width(), line + 4), ALIGN_LEFT, self.title)
        p.setFont(self.font())
        area = QRectF(0, line + 8, self.width(), self.height() - line - 10)
        if not self.items or max(v for _, v in self.items) <= 0:
            p.setPen(QColor("#555555"))  # contrast ≥ 4.5:1 on white
            p.drawText(area, ALIGN_CENTER, "暂无数据")
            return
        top = max(v for _, v in self.items)
        if self.horizontal:
            label_w = min(max(fm.horizontalAdvance(k) for k, _ in self.items) + 8, area.width() * 0.7)
            value_w = fm.horizontalAdvance(str(int(top))) + 8
            bar_h = min(area.height() / len(self.items), line * 1.6)
            for i, (label, value) in enumerate(self.items):
                y = area.top() + i * bar_h
                p.setPen(QColor("#333"))
                shown = label if fm.horizontalAdvance(label) <= label_w - 6 else _elided(
                    fm, label, int(label_w - 6))
                p.drawText(QRectF(0, y, label_w - 6, bar_h), ALIGN_RIGHT | ALIGN_VCENTER, shown)
                w = (area.width() - label_w - value_w) * value / top
                p.fillRect(QRectF(label_w, y + bar_h * 0.15, w, bar_h * 0.7),
                           QColor(PALETTE[i % len(PALETTE)]))
                p.drawText(QRectF(label_w + w + 4, y, value_w, bar_h), ALIGN_VCENTER,
                           str(int(value)))
        else:
            n = len(self.items)
            slot = area.width() / n
            chart_h = area.height() - line * 2 - 4
            for i, (label, value) in enumerate(self.items):
                x = area.left() + i * slot
                h = chart_h * value / top
                y = area.top() + line + chart_h - h
                p.fillRect(QRectF(x + slot * 0.18, y, slot * 0.64, h), QColor(PALETTE[0]))
                p.setPen(QColor("#333"))
                p.drawText(QRectF(x, y - line, slot, line), ALIGN_HCENTER,
                           str(int(value)))
                p.drawText(QRectF(x, area.bottom() - line, slot, line),
                           ALIGN_HCENTER, label)


def _elided(fm: QFontMetrics, text: str, width: int) -> str:
    """``text`` shortened in the middle to fit ``width`` pixels."""
    return fm.elidedText(text, Qt.TextElideMode.ElideMiddle, width)
