"""The print preview paints the PDF's own pages with QPainter (gui/printing.py reading them back
with gui/pdf_pages.py): the same picture as PDFium renders, the same text, every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPrintSupport import QPrinter

from exports import service
from gui.fonts import load_fonts
from gui.pdf_pages import PdfFile, PdfUnreadable
from gui.printing import PagePainter, paint_page, paint_pdf
from models import demo

DPI = 100


@pytest.fixture
def pdfs(db, tmp_path) -> dict[str, Path]:
    with db.session() as s:
        demo.build(s, scale=1)
    # a wide roster (landscape, two font subsets, gray header), a portrait form, a certificate
    return {form: service.export_form(db, form, "pdf", tmp_path / f"{form}.pdf")
            for form in ("volunteers", "groups", "service-record")}


def ours(page, width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_page(painter, PagePainter(painter), page, QRectF(0, 0, width, height))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_Grayscale8)


def grays(image: QImage, step: int = 4) -> list[int]:
    """The image shrunk ``step`` times (anti-aliasing differences average out), as gray values."""
    small = image.scaled(image.width() // step, image.height() // step,
                         Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    return [small.pixelColor(x, y).value() for y in range(small.height())
            for x in range(small.width())]


def test_each_page_looks_as_pdfium_renders_it(qapp, pdfs):
    pdfium = pytest.importorskip("pypdfium2")
    load_fonts(qapp)
    for form, path in pdfs.items():
        doc = pdfium.PdfDocument(str(path))
        pages = PdfFile(path).pages
        assert len(pages) == len(doc)
        for index in (0, len(doc) - 1):
            bitmap = doc[index].render(scale=DPI / 72, grayscale=True)
            theirs = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                            QImage.Format.Format_Grayscale8).copy()
            mine = ours(pages[index], theirs.width(), theirs.height())
            a, b = grays(theirs), grays(mine)
            ink_a, ink_b = sum(255 - v for v in a), sum(255 - v for v in b)
            assert ink_a > 0 and abs(ink_a - ink_b) < 0.15 * ink_a, (form, index, ink_a, ink_b)
            # the same lines and letters at the same places: shrunk 4×, pixels differ by little
            diff = sum(abs(x - y) for x, y in zip(a, b)) / len(a)
            assert diff < 10, (form, index, diff)
            # a blank page would be far off: the comparison can fail
            assert sum(abs(255 - x) for x in a) / len(a) > 2 * diff or diff < 2
        doc.close()


def test_printed_pages_carry_the_text_and_every_page(qapp, pdfs, tmp_path):
    from pypdf import PdfReader

    load_fonts(qapp)
    source = pdfs["volunteers"]
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert paint_pdf(printer, source) == len(PdfReader(source).pages) > 1
    printed = PdfReader(tmp_path / "printed.pdf")
    assert len(printed.pages) == len(PdfReader(source).pages)
    assert printed.pages[0].mediabox.width > printed.pages[0].mediabox.height  # landscape
    first = " ".join(printed.pages[0].extract_text().split())
    original = " ".join(PdfReader(source).pages[0].extract_text().split())
    assert "花名册" in first and "序号" in first
    # every cell's text of the first page is on the printed page (both subsets decoded)
    for word in original.split():
        assert word in first, word
    last = printed.pages[-1].extract_text()
    assert f"共 {len(printed.pages)} 页" in " ".join(last.split())


def test_text_without_a_unicode_map_and_other_operators(qapp, tmp_path):
    """reportlab's standard fonts (no ToUnicode) and paths beyond rectangles are painted."""
    from reportlab.pdfgen.canvas import Canvas

    pdf = tmp_path / "page.pdf"
    canvas = Canvas(str(pdf), pageCompression=0)
    canvas.drawString(100, 700, "Hello (world) \\ 1")
    canvas.setStrokeColorRGB(1, 0, 0)
    canvas.setLineWidth(4)
    canvas.line(100, 600, 400, 600)
    canvas.setFillColorRGB(0, 0, 1)
    canvas.circle(300, 300, 50, stroke=0, fill=1)
    canvas.showPage()
    canvas.drawString(100, 700, "2")
    canvas.save()
    pages = PdfFile(pdf).pages
    assert len(pages) == 2
    ops = [op for op, _ in pages[0].operations()]
    assert {"Tj", "m", "l", "S", "c"} <= set(ops) and {"f", "f*"} & set(ops), ops
    assert any(a == [b"Hello (world) \\ 1"] for op, a in pages[0].operations() if op == "Tj")
    image = QImage(int(pages[0].width), int(pages[0].height), QImage.Format.Format_RGB32)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    paint_page(painter, PagePainter(painter), pages[0], QRectF(image.rect()))
    painter.end()
    h = image.height()
    assert image.pixelColor(250, h - 600).red() > 200 > image.pixelColor(250, h - 600).green()
    assert image.pixelColor(300, h - 300).blue() > 200 > image.pixelColor(300, h - 300).red()
    text = [image.pixelColor(x, y).value() for x in range(100, 180) for y in range(h - 712, h - 698)]
    assert min(text) < 100  # letters were drawn where the string is


@pytest.mark.parametrize("content", [b"", b"not a pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n",
                                     b"%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< "
                                     b"/Root 9 0 R >>\nstartxref\n9\n%%EOF\n"])
def test_a_file_not_written_by_us_is_refused_plainly(tmp_path, content):
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    with pytest.raises(PdfUnreadable):
        PdfFile(path)


def test_a_truncated_pdf_is_refused(pdfs, tmp_path):
    data = pdfs["groups"].read_bytes()
    for cut in (len(data) // 2, len(data) - 40):
        path = tmp_path / "cut.pdf"
        path.write_bytes(data[:cut])
        with pytest.raises(PdfUnreadable):
            PdfFile(path)


def test_a_damaged_page_is_refused_when_painted(pdfs, tmp_path):
    """Pages are unpacked when painted (a long roster is not held in memory): a damaged
    content stream is refused then, not painted half."""
    data = bytearray(pdfs["groups"].read_bytes())
    pdf = PdfFile(pdfs["groups"])
    first = pdf.pages[0]
    assert first.content  # unpacked on demand, not kept
    assert not any(isinstance(v, tuple) for v in pdf.cache.values())
    # garble the deflated bytes of the first page's content (its length kept)
    contents_ref = data[data.index(b"/Contents") + 10:].split(b" ")[0]
    obj = data.index(b"\n" + contents_ref + b" 0 obj") + 1
    at = data.index(b"stream\n", obj) + len(b"stream\n")
    data[at + 2:at + 40] = bytes(38)
    path = tmp_path / "garbled.pdf"
    path.write_bytes(bytes(data))
    damaged = PdfFile(path)
    with pytest.raises(PdfUnreadable):
        list(damaged.pages[0].operations())
