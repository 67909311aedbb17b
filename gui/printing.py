"""Printing exactly the PDF's pages: each page is rendered with PDFium and painted on the
printer page (print preview uses the same painting)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from gui.style import fit_on_screen


def page_image(pdf: pdfium.PdfDocument, index: int, dpi: float) -> QImage:
    """Page ``index`` as an image at ``dpi``."""
    bitmap = pdf[index].render(scale=dpi / 72)
    fmt = QImage.Format.Format_BGR888 if bitmap.n_channels == 3 else QImage.Format.Format_ARGB32
    image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, fmt)
    return image.copy()


def paint_pdf(printer: QPrinter, pdf_path: Path) -> int:
    """Paint every page of the PDF onto ``printer``; returns the number of pages."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        first = pdf[0]
        landscape = first.get_width() > first.get_height()
        printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape
                                   else QPageLayout.Orientation.Portrait)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        painter = QPainter(printer)
        try:
            dpi = min(printer.resolution(), 200)
            for i in range(len(pdf)):
                if i:
                    printer.newPage()
                image = page_image(pdf, i, dpi)
                target = QRectF(painter.viewport())
                scaled = image.size().scaled(target.size().toSize(),
                                             Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRectF(0, 0, scaled.width(), scaled.height()), image)
            return len(pdf)
        finally:
            painter.end()
    finally:
        pdf.close()


def preview_and_print(parent: QWidget, pdf_path: Path) -> None:
    """The print preview dialog of the PDF; 打印 there prints the same pages."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(lambda p: paint_pdf(p, pdf_path))
    fit_on_screen(dialog, 1100, 720)  # never under the taskbar
    dialog.exec()
