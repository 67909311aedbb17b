"""志愿服务记录证明 (domain.md §8, 民政部令第67号): one A4 page per 五老.

Each page states the 五老's name and masked ID number, their category and group, the period,
the total hours, the activities and 帮扶记录 of the period (dates, what, hours; never the names
of the children helped), the issuing 关工委, the date and a line for its seal. The same
content as .xlsx: one sheet, one print page per person (page breaks between people).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.pagebreak import Break
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from exports import pdf
from exports.atomic import atomic_path
from models import APP_VERSION, settings
from models.idcard import mask_id
from models.service_hours import ServiceRecord, hours_text, records

TITLE = "志愿服务记录证明"
BASIS = "依据《志愿服务记录与证明出具办法》（民政部令第67号）出具"
#: entries listed on one page; more are summed in one line (one page per person)
MAX_ENTRIES = 28


@dataclass
class Certificate:
    """What one page says, masked unless asked otherwise."""

    record: ServiceRecord
    id_text: str
    issuer: str
    issued_on: dt.date

    def paragraph(self) -> str:
        r = self.record
        where = f"{r.group}的" if r.group else ""
        id_part = f"（身份证号：{self.id_text}）" if self.id_text else ""
        if r.start is None:
            return (f"兹证明 {r.name}{id_part} 为{self.issuer}{where}“五老”志愿者（{r.category}）。"
                    "在所查期间内暂无志愿服务记录。")
        return (f"兹证明 {r.name}{id_part} 为{self.issuer}{where}“五老”志愿者（{r.category}），"
                f"于 {r.start:%Y年%m月%d日} 至 {r.end or r.start:%Y年%m月%d日} 期间参加志愿服务 "
                f"{len(r.entries())} 次，累计服务时长 {hours_text(r.minutes) or '0'} 小时。"
                "具体记录如下：")


def certificates(s: Session, year: int | None, person: str | int | None, full_id: bool = False,
                 today: dt.date | None = None) -> list[Certificate]:
    """The pages for ``person`` (name or ID number) or for everyone who served in ``year``.
    Raises ValidationError when ``person`` names nobody or several people."""
    issuer = settings.committee(s).display_name
    day = today or dt.date.today()
    return [Certificate(r, (r.id_number or "") if full_id else mask_id(r.id_number), issuer, day)
            for r in records(s, year, person)]


def _entry_rows(rec: ServiceRecord) -> list[tuple[str, str, str]]:
    entries = rec.entries()
    rows = [(f"{e.date:%Y.%m.%d}", e.what, hours_text(e.minutes) or "—")
            for e in entries[:MAX_ENTRIES]]
    if len(entries) > MAX_ENTRIES:
        rest = entries[MAX_ENTRIES:]
        rows.append(("", f"另有 {len(rest)} 次服务（见“五老”志愿服务时长统计表）",
                     hours_text(sum(e.minutes for e in rest)) or "—"))
    return rows


def write_pdf(path: Path | str, pages: list[Certificate], provenance: str,
              font_name: str | None = None) -> Path:
    """One A4 page per certificate; the font embedded. Raises FileProblem (exports.atomic)."""
    font = pdf.register_font(font_name or pdf.DEFAULT_FONT)
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    text = pdf.Measure(font, 12)
    with atomic_path(path) as tmp:
        c = Canvas(str(tmp), pagesize=A4, pageCompression=1, initialFontName=font)
        c.setTitle(TITLE)
        c.setAuthor(provenance)
        c.setCreator("关工台账")
        for n, cert in enumerate(pages or [None], start=1):  # type: ignore[list-item]
            y = height - 30 * mm
            c.setFont(font, 22)
            c.drawCentredString(width / 2, y, TITLE)
            y -= 16 * mm
            if cert is None:
                c.setFont(font, 12)
                c.drawString(left, y, "所选期间没有五老的志愿服务记录。")
                c.showPage()
                continue
            c.setFont(font, 12)
            for line in text.wrap(cert.paragraph(), right - left):
                c.drawString(left, y, line)
                y -= 12 * 1.7
            y -= 3 * mm
            cols = (left, left + 28 * mm, right - 25 * mm, right)
            c.setFont(font, 10.5)
            c.setLineWidth(0.5)
            rows = [("日期", "服务内容", "时长(小时)"), *_entry_rows(cert.record)]
            body = pdf.Measure(font, 10.5)
            for i, (day, what, hrs) in enumerate(rows):
                what = body.wrap(what, cols[2] - cols[1] - 6)[0]
                top, bottom = y, y - 6.2 * mm
                if i == 0:
                    c.setFillGray(0.9)
                    c.rect(cols[0], bottom, cols[3] - cols[0], top - bottom, stroke=0, fill=1)
                    c.setFillGray(0)
                for a, b in itertools.pairwise(cols):
                    c.rect(a, bottom, b - a, top - bottom, stroke=1, fill=0)
                base = bottom + 2 * mm
                c.drawCentredString((cols[0] + cols[1]) / 2, base, day)
                c.drawString(cols[1] + 3, base, what)
                c.drawRightString(cols[3] - 3, base, hrs)
                y = bottom
            y -= 8 * mm
            c.setFont(font, 12)
            c.drawString(left, y, "特此证明。")
            y -= 22 * mm
            c.drawRightString(right, y, f"出具单位：{cert.issuer}（盖章）")
            y -= 9 * mm
            c.drawRightString(right, y, f"{cert.issued_on.year}年{cert.issued_on.month}月"
                                        f"{cert.issued_on.day}日")
            y -= 9 * mm
            c.drawRightString(right, y, "经办人：                ")
            c.setFont(font, 9)
            c.setFillGray(0.35)
            c.drawString(left, 18 * mm, BASIS)
            c.drawString(left, 13 * mm, provenance)
            c.drawRightString(right, 13 * mm, f"第 {n} 页 共 {len(pages)} 页")
            c.setFillGray(0)
            c.showPage()
        c.save()
    return Path(path)


def write_xlsx(path: Path | str, pages: list[Certificate], provenance: str) -> Path:
    """The same certificates on one sheet, one printed A4 page per person."""
    wb = Workbook()
    ws = wb.active
    ws.title = TITLE
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 52
    ws.column_dimensions["C"].width = 12
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = "宋体"
    row = 1
    for cert in pages:
        ws.cell(row, 1, TITLE).font = Font(name=font, size=20, bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
        row += 2
        para = ws.cell(row, 1, cert.paragraph())
        para.font = Font(name=font, size=12)
        para.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 75
        row += 2
        for i, values in enumerate((("日期", "服务内容", "时长(小时)"), *_entry_rows(cert.record))):
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row, col, value)
                cell.font = Font(name=font, size=11, bold=i == 0)
                cell.border = border
                cell.number_format = "@"
            row += 1
        row += 1
        ws.cell(row, 1, "特此证明。").font = Font(name=font, size=12)
        row += 3
        for text in (f"出具单位：{cert.issuer}（盖章）",
                     f"{cert.issued_on.year}年{cert.issued_on.month}月{cert.issued_on.day}日",
                     "经办人："):
            cell = ws.cell(row, 3, text)
            cell.font = Font(name=font, size=12)
            cell.alignment = Alignment(horizontal="right")
            row += 1
        row += 1
        ws.cell(row, 1, BASIS).font = Font(name=font, size=9, color="555555")
        ws.cell(row + 1, 1, provenance).font = Font(name=font, size=9, color="555555")
        row += 2
        ws.row_breaks.append(Break(id=row - 1))
    if not pages:
        ws.cell(1, 1, "所选期间没有五老的志愿服务记录。")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def provenance_line(who: str, at: dt.datetime, full_id: bool) -> str:
    return (f"由 {who} 于 {at:%Y-%m-%d %H:%M} 导出（关工台账 {APP_VERSION}）"
            + ("；含完整身份证号，注意保密" if full_id else ""))
