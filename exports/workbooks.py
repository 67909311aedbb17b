"""Import templates and the error workbook (the rows that failed, with 错误说明)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from exports.atomic import atomic_path
from exports.columns import ID, PHONE
from exports.forms import FORMS, IMPORT_KINDS
from exports.importer import ImportReport
from exports.xlsx import keep_row_text, keep_text
from models.codes import DEFAULT_TABLES
from models.errors import FileProblem

HEAD_FONT = Font(name="宋体", size=11, bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E8EEF4")


def write_template(kind: str, out: Path | str) -> Path:
    """An empty import template for ``kind``: title, the header row, text-formatted ID and
    phone columns, drop-downs for code columns. Raises FileProblem."""
    if kind not in IMPORT_KINDS:
        raise FileProblem(f"不认识的导入类别“{kind}”。可以生成：{'、'.join(IMPORT_KINDS)}。")
    form = FORMS[kind]
    cols = [c for c in form.columns if c.importable or c.key == "seq"]
    wb = Workbook()
    ws = wb.active
    ws.title = "导入模板"
    ws.append([f"{form.title}（导入模板）"])
    ws["A1"].font = Font(name="宋体", size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    ws.append([c.label for c in cols])
    keep_row_text(ws)
    lists = wb.create_sheet("可选值")
    list_col = 0
    for i, col in enumerate(cols, start=1):
        letter = get_column_letter(i)
        head = ws.cell(row=2, column=i)
        head.font, head.fill = HEAD_FONT, HEAD_FILL
        head.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.column_dimensions[letter].width = col.width + 2
        if col.kind in (ID, PHONE):
            for r in range(3, 503):
                ws.cell(row=r, column=i).number_format = "@"
        values = DEFAULT_TABLES.get(col.code_table or "")
        if values:
            list_col += 1
            ll = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=col.label)
            for r, v in enumerate(values, start=2):
                keep_text(lists.cell(row=r, column=list_col, value=v))
            if col.kind != "multi":
                dv = DataValidation(type="list", formula1=f"=可选值!${ll}$2:${ll}${len(values) + 1}",
                                    allow_blank=True, showErrorMessage=False)
                ws.add_data_validation(dv)
                dv.add(f"{letter}3:{letter}502")
    ws.freeze_panes = "A3"
    with atomic_path(out, "xlsx") as tmp:
        wb.save(tmp)
    return Path(out)


def write_error_book(out: Path | str, report: ImportReport) -> Path:
    """The refused rows as the clerk gave them, plus 错误说明, to fix and import again."""
    wb = Workbook()
    ws = wb.active
    ws.title = "出错的行"
    header = [*report.header, "原行号", "错误说明"]
    ws.append(header)
    keep_row_text(ws)
    for i in range(1, len(header) + 1):
        c = ws.cell(row=1, column=i)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
    width = len(report.header)
    id_cols = {i for i, key in report.mapping.items() if FORMS[report.kind].column(key).kind == ID}
    for number, values, message in report.error_rows:
        cells = list(values[:width]) + [None] * (width - len(values))
        ws.append([*cells, number, message])
        keep_row_text(ws)
        r = ws.max_row
        for i in id_cols:
            cell = ws.cell(row=r, column=i + 1)
            if isinstance(cell.value, str):
                cell.number_format = "@"
        ws.cell(row=r, column=width + 2).font = Font(color="C00000")
    ws.column_dimensions[get_column_letter(width + 2)].width = 60
    ws.freeze_panes = "A2"
    with atomic_path(out, "xlsx") as tmp:
        wb.save(tmp)
    return Path(out)
