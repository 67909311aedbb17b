"""The one PDF writer of every standard form (reportlab, drawn straight on the canvas).

A4 (landscape for wide rosters); the CJK font embedded as a subset (WenQuanYi Micro Hei, or
宋体/仿宋 on Windows when chosen); the header row repeated on every page; long text wrapped
inside its cell, never cut off; ``第 x 页 共 y 页`` and who exported it and when on every page.
Rows are measured and paginated before drawing, so the page count is known up front.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from exports.atomic import atomic_path
from exports.columns import display_text
from exports.formdata import FormTable
from models.resources import FONT_FILE, font_data

Progress = Callable[[float, str], None]
DEFAULT_FONT = "文泉驿微米黑"
WINDOWS_FONTS = {"宋体": ("simsun.ttc", 0), "仿宋": ("simfang.ttf", 0)}

MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 10 * mm, 12 * mm, 14 * mm
BODY, HEAD, TITLE, SMALL = 8.5, 9, 16, 6.5
LEADING = 1.25
NO_LINE_START = set("，。、；：？！）》」』】”’,.;:?!)%")
PAD = 2.2


def available_fonts() -> dict[str, tuple[Path, int]]:
    """Fonts a PDF can embed: the bundled one, plus 宋体/仿宋 on Windows when present."""
    fonts = {DEFAULT_FONT: (FONT_FILE, 0)}
    windir = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
    for name, (file, index) in WINDOWS_FONTS.items():
        if (windir / file).exists():
            fonts[name] = (windir / file, index)
    return fonts


@lru_cache(maxsize=8)
def register_font(name: str = DEFAULT_FONT) -> str:
    """Register a TrueType font with reportlab (embedded as a subset); returns its name."""
    path, index = available_fonts().get(name, (FONT_FILE, 0))
    internal = f"GGTZ-{abs(hash(name)) % 10**6}"
    # the bundled font is read through font_data (the bundle carries it packed)
    data = font_data() if path == FONT_FILE else None
    source = io.BytesIO(data) if data is not None else str(path)
    pdfmetrics.registerFont(TTFont(internal, source, subfontIndex=index))
    return internal


class Measure:
    """Fast text widths with a per-character cache (the font is proportional)."""

    def __init__(self, font: str, size: float) -> None:
        self.font, self.size = font, size
        self.cache: dict[str, float] = {}

    def width(self, text: str) -> float:
        cache = self.cache
        if len(text) == 1 and text in cache:
            return cache[text]
        total = 0.0
        for ch in text:
            w = cache.get(ch)
            if w is None:
                w = cache[ch] = pdfmetrics.stringWidth(ch, self.font, self.size)
            total += w
        return total

    def wrap(self, text: str, width: float) -> list[str]:
        """Lines of ``text`` that fit ``width``; breaks anywhere (CJK), keeps newlines."""
        lines: list[str] = []
        for para in text.split("\n"):
            if self.width(para) <= width:
                lines.append(para)
                continue
            line, used = "", 0.0
            for ch in para:
                w = self.cache.get(ch) or self.width(ch)
                if used + w > width and line:
                    if ch in NO_LINE_START and len(line) > 1:
                        # 避头: a closing mark never starts a line; take a character along
                        lines.append(line[:-1])
                        line = line[-1]
                    else:
                        lines.append(line)
                        line = ""
                    used = self.width(line)
                line += ch
                used += w
            lines.append(line)
        return lines or [""]


@dataclass
class Layout:
    page_w: float
    page_h: float
    col_w: list[float]
    aligns: list[str]


def _layout(table: FormTable) -> Layout:
    page_w, page_h = landscape(A4) if table.form.landscape else A4
    avail = page_w - 2 * MARGIN_X
    total = sum(c.width for c in table.columns)
    col_w = [avail * c.width / total for c in table.columns]
    aligns = [c.alignment for c in table.columns]
    return Layout(page_w, page_h, col_w, aligns)


def write_form(path: Path | str, table: FormTable, on_progress: Progress | None = None,
               font_name: str = DEFAULT_FONT) -> Path:
    """Write one form to ``path`` (.pdf). Raises FileProblem when it cannot be written."""
    font = register_font(font_name)
    lay = _layout(table)
    body, head = Measure(font, BODY), Measure(font, HEAD)
    kinds = [c.kind for c in table.columns]

    def cells_of(values: list) -> list[list[str]]:
        return [body.wrap(display_text(k, v), w - 2 * PAD)
                for k, v, w in zip(kinds, values, lay.col_w)]

    def height_of(cells: list[list[str]]) -> float:
        return max(len(c) for c in cells) * BODY * LEADING + 2 * PAD

    header = [head.wrap(c.label, w - 2 * PAD) for c, w in zip(table.columns, lay.col_w)]
    head_h = max(len(h) for h in header) * HEAD * LEADING + 2 * PAD
    # Measured first (for the page count). Only the heights are kept, and the lines of the
    # cells that wrap: a cell that fits on one line is drawn from its text again, so a
    # 30 000-row roster's lines never sit in memory all at once.
    rows = table.rows if table.total_row is None else [*table.rows, table.total_row]
    heights = []
    wrapped: dict[int, list[tuple[int, list[str]]]] = {}
    n_rows = len(rows)
    for i, values in enumerate(rows):
        cells = cells_of(values)
        heights.append(height_of(cells))
        multi = [(col, lines) for col, lines in enumerate(cells) if len(lines) > 1]
        if multi:
            wrapped[i] = multi
        if on_progress and (i + 1) % 2000 == 0:
            on_progress(0.5 * (i + 1) / n_rows, f"正在排版第 {i + 1} 行…")

    def drawn(i: int) -> list[list[str]]:
        cells = [[display_text(k, v)] for k, v in zip(kinds, rows[i])]
        for col, lines in wrapped.get(i, ()):
            cells[col] = lines
        return cells

    top_block = TITLE * 1.6 + 10 * 1.8
    foot_lines = [*table.foot_lines, table.signature]
    foot_block = len(foot_lines) * 10 * 1.9 + 6
    usable = lay.page_h - MARGIN_TOP - MARGIN_BOTTOM
    pages: list[list[int]] = [[]]
    room = usable - top_block - head_h
    for idx, h in enumerate(heights):
        if h > room and pages[-1]:
            pages.append([])
            room = usable - head_h
        pages[-1].append(idx)
        room -= h
    needs_extra = room < foot_block
    total_pages = len(pages) + (1 if needs_extra else 0)

    with atomic_path(path, "pdf") as tmp:
        c = Canvas(str(tmp), pagesize=(lay.page_w, lay.page_h), pageCompression=1,
                   initialFontName=font, initialFontSize=BODY)
        c.setTitle(table.title)
        c.setAuthor(table.provenance)
        c.setCreator("关工台账")
        rows_out = RowWriter(c, font, lay, {BODY: body, HEAD: head})
        for pno, page_rows in enumerate(pages, start=1):
            y = lay.page_h - MARGIN_TOP
            if pno == 1:
                y = _draw_top(c, table, lay, font, y)
            y = rows_out.draw(HEAD, header, y, head_h, fill=True)
            for idx in page_rows:
                y = rows_out.draw(BODY, drawn(idx), y, heights[idx])
            if pno == len(pages) and not needs_extra:
                _draw_foot(c, lay, font, foot_lines, y)
            _draw_page_foot(c, lay, font, table.provenance, pno, total_pages)
            c.showPage()
            _pack_last_page(c)
            if on_progress and pno % 20 == 0:
                on_progress(0.5 + 0.5 * pno / total_pages, f"正在生成第 {pno} 页…")
        if needs_extra:
            _draw_foot(c, lay, font, foot_lines, lay.page_h - MARGIN_TOP)
            _draw_page_foot(c, lay, font, table.provenance, total_pages, total_pages)
            c.showPage()
        c.save()
    return Path(path)


def _pack_last_page(c: Canvas) -> None:
    """Compress the page just finished (Flate, as ``Canvas.save`` would at the end, without
    its ASCII85 layer that only makes the file a quarter larger).

    reportlab keeps every page's drawing commands as text until the file is saved (for a
    30 000-row roster about 100 MB); compressing each page when it is done keeps only the
    compressed bytes. Leaves the page alone when reportlab's page object is not as expected."""
    pages = getattr(getattr(getattr(c, "_doc", None), "Pages", None), "pages", None)
    if not pages:
        return
    page = pages[-1]
    stream = getattr(page, "stream", None)
    if getattr(page, "Contents", None) or not stream or not getattr(page, "compression", 0):
        return
    flate = pdfdoc.PDFZCompress
    contents = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFArray([pdfdoc.PDFName(flate.pdfname)])}),
        content=flate.encode(stream))
    contents.__Comment__ = "page stream"
    page.Contents = contents
    page.stream = None


def _draw_top(c: Canvas, table: FormTable, lay: Layout, font: str, y: float) -> float:
    c.setFont(font, TITLE)
    y -= TITLE
    c.drawCentredString(lay.page_w / 2, y, table.title)
    y -= TITLE * 0.6 + 10 * 1.2
    c.setFont(font, 10)
    c.drawString(MARGIN_X, y, table.unit_line)
    return y - 10 * 0.6


class RowWriter:
    """Draws a table row: its cell borders and all its text as PDF operators written straight
    into the page, one text object (``BT … ET``) per row.

    Looks exactly like reportlab's ``rect`` and ``drawString``/``drawCentredString``/
    ``drawRightString`` per cell (the same operators, positions and font subsets), but
    reportlab builds a text object for every string, which was most of a roster's time. The
    encoded form of a text (reportlab's own subset split and escaping) is kept while the
    document is written, since most cells repeat (categories, 是/否, units)."""

    #: encoded texts kept at most; then the memo starts again (memory stays bounded)
    MEMO = 4096

    def __init__(self, c: Canvas, font: str, lay: Layout, measures: dict[float, Measure]) -> None:
        self.c, self.lay, self.font_name, self.measures = c, lay, font, measures
        self.font = pdfmetrics.getFont(font)
        self.memo: dict[str, list[tuple[int, str]]] = {}
        self.subset_names: dict[int, str] = {}
        #: per column, as written: its left edge, its width, where left-aligned text starts
        self.columns: list[tuple[str, str, str]] = []
        x = MARGIN_X
        for w in lay.col_w:
            self.columns.append((fp_str(x), fp_str(w), f"{fp_str(x + PAD)} "))
            x += w

    def _encoded(self, text: str) -> list[tuple[int, str]]:
        found = self.memo.get(text)
        if found is None:
            if len(self.memo) >= self.MEMO:
                self.memo.clear()
            doc = self.c._doc
            found = self.memo[text] = [(subset, escapePDF(part)) for subset, part
                                       in self.font.splitString(text, doc)]
            for subset, _part in found:
                if subset not in self.subset_names:
                    self.subset_names[subset] = self.font.getSubsetInternalName(subset, doc)
        return found

    def draw(self, size: float, cells: list[list[str]], y: float, height: float,
             fill: bool = False) -> float:
        """Draw one row whose top is at ``y``; returns its bottom."""
        c, lay = self.c, self.lay
        x = MARGIN_X
        bottom = y - height
        if fill:
            c.setFillGray(0.9)
            c.rect(MARGIN_X, bottom, sum(lay.col_w), height, stroke=0, fill=1)
            c.setFillGray(0)
        c.setLineWidth(0.5)
        c.setFont(self.font_name, size)
        measure = self.measures[size]
        row_box = f"{fp_str(bottom)} "
        row_h = f" {fp_str(height)} re S"
        borders: list[str] = []
        text: list[str] = ["BT"]
        subset: int | None = None
        tf = f"{fp_str(size)} Tf {fp_str(size * 1.2)} TL"
        for lines, w, align, (fx, fw, fleft) in zip(cells, lay.col_w, lay.aligns, self.columns):
            borders.append(f"n {fx} {row_box}{fw}{row_h}")
            ty = y - PAD - size
            for line in lines:
                if line:
                    if fill or align == "center":
                        at = f"{fp_str(x + w / 2 - measure.width(line) / 2)} "
                    elif align == "right":
                        at = f"{fp_str(x + w - PAD - measure.width(line))} "
                    else:
                        at = fleft
                    text.append(f"1 0 0 1 {at}{fp_str(ty)} Tm")
                    for part_subset, part in self._encoded(line):
                        if part_subset != subset:
                            text.append(f"{self.subset_names[part_subset]} {tf}")
                            subset = part_subset
                        text.append(f"({part}) Tj")
                ty -= size * LEADING
            x += w
        code = c._code
        code.append(" ".join(borders))
        if len(text) > 1:
            text.append("ET")
            code.append(" ".join(text))
        return bottom


def _draw_foot(c: Canvas, lay: Layout, font: str, lines: list[str], y: float) -> None:
    c.setFont(font, 10)
    for text in lines:
        y -= 10 * 1.9
        c.drawString(MARGIN_X, y, text)


def _draw_page_foot(c: Canvas, lay: Layout, font: str, provenance: str, pno: int,
                    total: int) -> None:
    c.setFont(font, 9)
    c.drawCentredString(lay.page_w / 2, MARGIN_BOTTOM / 2, f"第 {pno} 页 共 {total} 页")
    c.setFont(font, SMALL)
    c.setFillGray(0.35)
    c.drawRightString(lay.page_w - MARGIN_X, MARGIN_BOTTOM / 2, provenance)
    c.setFillGray(0)
