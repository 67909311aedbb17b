"""Build spreadsheets the way township clerks make them, for the import tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from models import idcard

D = dt.date


def vid(year: int, month: int, day: int, seq: int, region: str = "230221") -> str:
    return idcard.make(region, D(year, month, day), seq)


def xlsx(path: Path, header: list[str], rows: list[list[Any]], title: str | None = None,
         date_row: str | None = None, footer: list[list[Any]] | None = None,
         sheet: str = "Sheet1", before_sheets: list[str] | None = None,
         text_cols: tuple[int, ...] = ()) -> Path:
    """A workbook with an optional merged title row and date row above the header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for name in before_sheets or []:
        other = wb.create_sheet(name, 0)
        other.append(["说明：本工作簿记录本镇五老情况"])
    if title:
        ws.append([title])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row,
                       end_column=len(header))
    if date_row:
        ws.append([date_row])
    ws.append(header)
    for row in rows:
        ws.append(row)
        for c in text_cols:
            ws.cell(row=ws.max_row, column=c + 1).number_format = "@"
    for row in footer or []:
        ws.append(row)
    wb.save(path)
    return path


def csv_file(path: Path, header: list[str], rows: list[list[Any]], encoding: str = "gbk") -> Path:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def big_roster(path: Path, n: int, seed: int = 1) -> Path:
    """A valid 五老 roster of ``n`` rows as clerks lay it out (title row, header, footer)."""
    import random

    from openpyxl.cell import WriteOnlyCell

    r = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("五老")
    ws.append(["某镇关工委\u201c五老\u201d队伍花名册"])
    ws.append(["序号", "姓名", "性别", "出生年月", "身份证号", "政治面貌", "五老类别", "原工作单位及职务",
               "专业特长", "担任角色", "是否骨干", "所在关工小组", "联系电话", "加入时间", "备注"])
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "国建志明永军伟强秀英兰芳玉华桂珍"
    cats = ("老干部", "老战士", "老专家", "老教师", "老模范")
    used: set[str] = set()
    for i in range(1, n + 1):
        birth = D(1935 + r.randint(0, 30), r.randint(1, 12), r.randint(1, 28))
        while True:
            number = idcard.make("23022" + str(r.randint(0, 9)), birth, r.randint(0, 999))
            if number not in used:
                used.add(number)
                break
        id_cell = WriteOnlyCell(ws, value=number)
        id_cell.number_format = "@"
        ws.append([i, r.choice(surnames) + r.choice(given) + r.choice(given), "", f"{birth:%Y.%m}",
                   id_cell, "中共党员", r.choice(cats), "原镇中心小学教师", "书法", "校外辅导员",
                   r.choice(("是", "否")), "", f"139{r.randint(0, 99999999):08d}",
                   D(2010 + r.randint(0, 14), 1, 1), ""])
    ws.append(["合计", f"{n}人"])
    ws.append(["填表人：", None, None, "审核人："])
    wb.save(path)
    return path


def ods(path: Path, sheets: dict[str, tuple[list[list[Any]], list[str], list[int]]]) -> Path:
    """An OpenDocument spreadsheet as LibreOffice/WPS write it: ``{name: (rows, merged ranges
    like "C2:C4", hidden row numbers)}``; a merged range's covered cells are
    ``table:covered-table-cell``, the sheet ends with LibreOffice's repeated empty tail."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    from exports.readers import parse_range

    def cell(value: Any, span: tuple[int, int] | None) -> str:
        attrs = ""
        if span is not None:
            attrs = (f' table:number-rows-spanned="{span[0]}"'
                     f' table:number-columns-spanned="{span[1]}"')
        if value is None:
            return f"<table:table-cell{attrs}/>"
        if isinstance(value, bool):
            kind = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
        elif isinstance(value, (int, float)):
            kind = f'office:value-type="float" office:value="{value}"'
        elif isinstance(value, dt.date):
            kind = f'office:value-type="date" office:date-value="{value.isoformat()}"'
        else:
            kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}{attrs}><text:p>{escape(str(value))}</text:p></table:table-cell>"

    tables = []
    for name, (rows, merges, hidden) in sheets.items():
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for ref in merges:
            r1, c1, r2, c2 = parse_range(ref) or (0, 0, 0, 0)
            spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
            covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
        body = ['<table:table-column table:number-columns-repeated="1024"/>']
        width = max((len(r) for r in rows), default=0)
        for r, row in enumerate(rows, start=1):
            cells = "".join("<table:covered-table-cell/>" if (r, c) in covered else
                            cell(row[c - 1] if c <= len(row) else None, spans.get((r, c)))
                            for c in range(1, width + 1))
            cells += f'<table:table-cell table:number-columns-repeated="{1024 - width}"/>'
            visible = ' table:visibility="collapse"' if r in hidden else ""
            body.append(f"<table:table-row{visible}>{cells}</table:table-row>")
        body.append('<table:table-row table:number-rows-repeated="1048000">'
                    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
        tables.append(f"<table:table table:name={quoteattr(name)}>{''.join(body)}</table:table>")
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet>"
               "</office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path
