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
