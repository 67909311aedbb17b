"""Import templates and the error workbook (the rows that failed, with 错误说明)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from models.synonyms import CREATE, TABLE_LABELS

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


def _warnings_sheet(wb: Workbook, report: ImportReport) -> None:
    """Every warning (what was taken, skipped or left, and why) by sheet, row and column."""
    if not report.warnings:
        return
    ws = wb.create_sheet("提示")
    ws.append(["工作表", "行号", "列", "提示"])
    for i in range(1, 5):
        c = ws.cell(row=1, column=i)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
    for w in report.warnings:
        ws.append([w.sheet, w.row or None, w.column, w.message])
        keep_row_text(ws)
    for letter, width in zip("ABCD", (14, 7, 16, 80), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


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
    _overview_sheet(wb, report)
    if report.unknown_values:
        _questions_sheet(wb, report)
    _warnings_sheet(wb, report)
    with atomic_path(out, "xlsx") as tmp:
        wb.save(tmp)
    return Path(out)


def _head(ws: Any, names: list[str], widths: list[float]) -> None:
    ws.append(names)
    for i, w in enumerate(widths, start=1):
        c = ws.cell(row=1, column=i)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def _overview_sheet(wb: Workbook, report: ImportReport) -> None:
    """导入情况: per sheet what was read, refused and passed over, in the clerk's words."""
    ws = wb.create_sheet("导入情况")
    _head(ws, ["工作表", "读到的行", "出错未导入的行", "说明"], [18, 10, 14, 70])
    for info in report.sheets:
        bad = len({e.row for e in report.errors if e.sheet == info.name})
        if report.written:
            said = "其余的行已导入"
        elif report.dry_run:
            said = "只做了检查，没有写入"
        else:
            said = "没有写入任何数据（改正出错的行，或选择跳过出错的行后再导入）"
        ws.append([info.name, info.rows_read, bad, said])
        keep_row_text(ws)
    for name in report.passed_over:
        ws.append([name, 0, 0, "这个工作表没有表头（说明页、选项页或空表），没有读入"])
        keep_row_text(ws)


_ANSWER_HINT = "在导入向导里选择它对应的代码，或在命令行加 --map \"{column}:{value}=代码\"，再导入一次"


def _questions_sheet(wb: Workbook, report: ImportReport) -> None:
    """不认识的值: per sheet, column and value — rows, the guess, what was taken or left, why."""
    ws = wb.create_sheet("不认识的值")
    _head(ws, ["工作表", "列", "文件里写的", "行数", "行号", "程序的猜测", "这次怎么处理的", "怎么办"],
          [14, 12, 16, 6, 24, 14, 40, 50])
    for q in report.unknown_values:
        label = TABLE_LABELS.get(q.table, q.table)
        if q.taken == CREATE:
            done = f"新建了关工小组“{q.value}”" if report.written else f"将新建关工小组“{q.value}”"
            todo = ""
        elif q.taken is not None:
            done = f"按文件里的说明记为“{q.taken}”"
            todo = "如果不对，请在导入时改选"
        elif q.required:
            done = f"这些行没有导入：{label}必须是程序里已有的{label}"
            todo = _ANSWER_HINT.format(column=q.column, value=q.value)
        else:
            done = f"这些行已导入，{label}留空（程序不认识这个值）"
            todo = _ANSWER_HINT.format(column=q.column, value=q.value)
        rows = "、".join(str(r) for r in q.rows[:30]) + ("等" if len(q.rows) > 30 else "")
        ws.append([q.sheet, q.column, q.value, len(q.rows), rows, q.guess or "", done, todo])
        keep_row_text(ws)
