"""Printing exactly the PDF's pages: each page of the PDF (one this program wrote) is read back
by :mod:`gui.pdf_pages` and drawn with QPainter on the printer page — the same lines, grays and
text at the same places, in the same font, as vectors (print preview uses the same painting).
PDFium is not needed for it (7 MB less in the bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPen,
    QTransform,
)
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from gui.fonts import register_bundled_font
from gui.pdf_pages import Font, Page, PdfFile
from gui.style import fit_on_screen


def colour(operands: list[Any]) -> QColor:
    """The colour of ``g``/``rg``/``k`` (and their stroking ``G``/``RG``/``K``) operands."""
    v = [min(max(float(x), 0.0), 1.0) for x in operands]
    if len(v) == 1:
        return QColor.fromRgbF(v[0], v[0], v[0])
    if len(v) == 3:
        return QColor.fromRgbF(v[0], v[1], v[2])
    return QColor.fromCmykF(v[0], v[1], v[2], v[3])


def qt_family(font: Font) -> str:
    """The Qt family of a PDF font: the installed or registered family whose name without
    spaces is the PDF's (``WenQuanYiMicroHei`` → ``WenQuanYi Micro Hei``), else the PDF's name."""
    wanted = font.family.replace(" ", "").lower()
    for families in (QFontDatabase.families, register_bundled_font):
        for family in families():
            if family.replace(" ", "").lower() == wanted:
                return family
    return {"helvetica": "Arial", "times-roman": "Times New Roman",
            "courier": "Courier New"}.get(wanted, font.family)


class PagePainter:
    """Paints one :class:`~gui.pdf_pages.Page` with ``painter`` (whose transform maps the
    page's points to the target)."""

    def __init__(self, painter: QPainter) -> None:
        self.painter = painter
        self.dpi = painter.device().logicalDpiY() or 72
        self.qfonts: dict[tuple[str, float], QFont] = {}

    def qfont(self, font: Font, size: float) -> QFont:
        key = (font.base, size)
        if key not in self.qfonts:
            q = QFont(qt_family(font))
            # in points of the device: one PDF unit of text is one unit of the page's transform
            q.setPointSizeF(max(size, 0.01) * 72 / self.dpi)
            self.qfonts[key] = q
        return self.qfonts[key]

    def paint(self, page: Page) -> None:
        p = self.painter
        pen, fill = QPen(QColor(0, 0, 0)), QColor(0, 0, 0)
        pen.setWidthF(1.0)
        stack: list[tuple[QPen, QColor, Any]] = []
        path = QPainterPath()
        text_line = text_m = QTransform()
        font: Font | None = None
        size = leading = 0.0

        def show(raw: bytes) -> None:
            nonlocal text_m
            if font is None:
                return
            q = self.qfont(font, size)
            p.save()
            p.setWorldTransform(QTransform(1, 0, 0, -1, 0, 0) * text_m * p.worldTransform())
            p.setFont(q)
            p.setPen(QPen(fill))
            text = font.decode(raw)
            p.drawText(QPointF(0, 0), text)
            p.restore()
            advance = font.width(raw)
            if advance is None:
                advance = QFontMetricsF(q, p.device()).horizontalAdvance(text) * 1000 / size \
                    if size else 0.0
            text_m = QTransform().translate(advance * size / 1000, 0) * text_m

        def paint_path(stroke: bool, filled: bool, odd_even: bool = False) -> None:
            nonlocal path
            if filled:
                path.setFillRule(Qt.FillRule.OddEvenFill if odd_even else Qt.FillRule.WindingFill)
                p.fillPath(path, QBrush(fill))
            if stroke:
                p.strokePath(path, pen)
            path = QPainterPath()

        for op, a in page.operations():
            if op == "re":
                x, y, w, h = (float(v) for v in a)
                path.addRect(QRectF(x, y, w, h))
            elif op == "m":
                path.moveTo(float(a[0]), float(a[1]))
            elif op == "l":
                path.lineTo(float(a[0]), float(a[1]))
            elif op == "c":
                path.cubicTo(*(float(v) for v in a))
            elif op == "h":
                path.closeSubpath()
            elif op in ("S", "s"):
                if op == "s":
                    path.closeSubpath()
                paint_path(True, False)
            elif op in ("f", "F", "f*"):
                paint_path(False, True, op == "f*")
            elif op in ("B", "B*", "b", "b*"):
                if op.startswith("b"):
                    path.closeSubpath()
                paint_path(True, True, op.endswith("*"))
            elif op == "n":
                path = QPainterPath()
            elif op == "w":
                pen = QPen(pen)
                pen.setWidthF(float(a[0]))
            elif op in ("g", "rg", "k"):
                fill = colour(a)
            elif op in ("G", "RG", "K"):
                pen = QPen(pen)
                pen.setColor(colour(a))
            elif op == "q":
                stack.append((pen, fill, p.worldTransform()))
            elif op == "Q" and stack:
                pen, fill, transform = stack.pop()
                p.setWorldTransform(transform)
            elif op == "cm":
                p.setWorldTransform(QTransform(*(float(v) for v in a)) * p.worldTransform())
            elif op == "BT":
                text_line = text_m = QTransform()
            elif op == "Tf":
                font, size = page.fonts.get(str(a[0])), float(a[1])
            elif op == "TL":
                leading = float(a[0])
            elif op == "Tm":
                text_line = text_m = QTransform(*(float(v) for v in a))
            elif op in ("Td", "TD"):
                if op == "TD":
                    leading = -float(a[1])
                text_line = text_m = QTransform().translate(float(a[0]), float(a[1])) * text_line
            elif op in ("T*", "'", '"'):
                text_line = text_m = QTransform().translate(0, -leading) * text_line
                if op != "T*":
                    show(a[-1])
            elif op == "Tj":
                show(a[0])
            elif op == "TJ":
                for part in a[0]:
                    if isinstance(part, bytes):
                        show(part)
                    else:
                        text_m = QTransform().translate(-float(part) * size / 1000, 0) * text_m


def paint_pdf(printer: QPrinter, pdf_path: Path) -> int:
    """Paint every page of the PDF onto ``printer``; returns the number of pages. Raises
    :class:`~gui.pdf_pages.PdfUnreadable` for a PDF this program did not write."""
    pdf = PdfFile(pdf_path)
    first = pdf.pages[0]
    landscape = first.width > first.height
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape
                               else QPageLayout.Orientation.Portrait)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(printer)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        drawer = PagePainter(painter)
        for i, page in enumerate(pdf.pages):
            if i:
                printer.newPage()
            paint_page(painter, drawer, page, QRectF(painter.viewport()))
        return len(pdf.pages)
    finally:
        painter.end()


def paint_page(painter: QPainter, drawer: PagePainter, page: Page, target: QRectF) -> None:
    """Paint ``page`` scaled to fit ``target`` (its top left corner at the target's)."""
    scale = min(target.width() / page.width, target.height() / page.height)
    painter.save()
    # PDF space (points, y upwards) onto the target (device pixels, y downwards)
    painter.setWorldTransform(QTransform(scale, 0, 0, -scale, target.left(),
                                         target.top() + page.height * scale))
    try:
        drawer.paint(page)
    finally:
        painter.restore()


def preview_and_print(parent: QWidget, pdf_path: Path) -> None:
    """The print preview dialog of the PDF; 打印 there prints the same pages."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(lambda p: paint_pdf(p, pdf_path))
    fit_on_screen(dialog, 1100, 720)  # never under the taskbar
    dialog.exec()
