"""The one .xlsx writer of every standard form (contract.md §4), in openpyxl write-only mode.

Print-ready: A4 (landscape for wide rosters), fit to width, the header row repeated on every
printed page, frozen header, borders, ``第 &P 页 共 &N 页`` at the foot, ID numbers as text,
dates as real dates shown ``yyyy.mm.dd`` (出生年月 ``yyyy.mm``), money as numbers with two
decimals. Written through a temporary file, so a failure leaves no partial workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exports.atomic import atomic_path
from exports.cells import clean_control
from exports.columns import DATE, ID, INT, MONEY, MONTH, PHONE, SEQ, Col
from exports.formdata import FormTable

Progress = Callable[[float, str], None]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TIME_TYPES = (dt.date, dt.time, dt.timedelta)  # dt.datetime is a dt.date
FONT = "宋体"
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
NUMBER_FORMATS = {DATE: "yyyy.mm.dd", MONTH: "yyyy.mm", MONEY: "#,##0.00", INT: "0",
                  SEQ: "0", ID: "@", PHONE: "@"}


def keep_text(cell: Cell) -> Cell:
    """Text stays text: a value beginning with ``=`` is stored as a string, never a formula
    (openpyxl would otherwise write it as a live formula). ``+ - @`` are stored as strings
    already. Every .xlsx writer of the program passes its cells through here."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def text_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as given, text kept as text, control characters
    (which Excel cannot store) removed."""
    if isinstance(value, str) and _ILLEGAL.search(value):
        value = clean_control(value)
    return keep_text(WriteOnlyCell(ws, value=value))


def keep_row_text(ws: Worksheet, row: int | None = None) -> None:
    """:func:`keep_text` over every cell of ``row`` (default: the last) of a normal sheet."""
    for c in ws[row or ws.max_row]:
        keep_text(c)


def _styles(wb: Workbook) -> dict[str, NamedStyle]:
    """Named styles registered once (much faster than styling each cell)."""
    made: dict[str, NamedStyle] = {}

    def add(name: str, **kw: Any) -> None:
        style = NamedStyle(name=name, **kw)
        wb.add_named_style(style)
        made[name] = style

    body = Font(name=FONT, size=10)
    add("title", font=Font(name=FONT, size=16, bold=True),
        alignment=Alignment(horizontal="center", vertical="center"))
    add("line", font=body, alignment=Alignment(horizontal="left", vertical="center"))
    add("small", font=Font(name=FONT, size=8, color="555555"))
    add("head", font=Font(name=FONT, size=10, bold=True), border=BORDER,
        fill=PatternFill("solid", fgColor="E8EEF4"),
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    for kind in ("text", DATE, MONTH, MONEY, INT, SEQ, ID):
        for align in ("left", "center", "right"):
            add(f"c_{kind}_{align}", font=body, border=BORDER,
                number_format=NUMBER_FORMATS.get(kind, "General"),
                alignment=Alignment(horizontal=align, vertical="center",
                                    wrap_text=align != "right"))
    return made


def _style_of(col: Col) -> str:
    kind = col.kind
    if kind == PHONE:
        kind = ID
    elif kind not in (DATE, MONTH, MONEY, INT, SEQ, ID):
        kind = "text"
    return f"c_{kind}_{col.alignment}"


def _append_cells_directly(ws: Any) -> None:
    """Every row this module appends is made of cells; openpyxl's write-only sheet first tries
    to store each appended item as a value (building an error message for every cell before it
    takes it as a cell). Where the sheet has that step (openpyxl 3.1), it takes the cells as
    they are."""
    values_to_row = getattr(ws, "_values_to_row", None)
    if not callable(values_to_row):
        return

    def cells_to_row(cells: list[Any], row_idx: int) -> Any:
        if not all(type(c) is Cell for c in cells):
            yield from values_to_row(cells, row_idx)  # a plain value: openpyxl's own way
            return
        for col_idx, c in enumerate(cells, 1):
            c.column = col_idx
            c.row = row_idx
            yield c

    ws._values_to_row = cells_to_row


def add_form_sheet(wb: Workbook, table: FormTable, on_progress: Progress | None = None,
                   styles: dict[str, NamedStyle] | None = None) -> Worksheet:
    """Append one sheet holding ``table`` to a write-only workbook."""
    styles = styles or _styles(wb)
    cols = table.columns
    ncol = len(cols)
    last = get_column_letter(ncol)
    ws = wb.create_sheet(table.form.title.replace("\u201c", "").replace("\u201d", "")[:31])
    _append_cells_directly(ws)
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width + 1
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape" if table.form.landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.right.text = table.provenance
    ws.oddFooter.right.size = 7

    arrays: dict[str, Any] = {}

    def cell(value: Any, style: str) -> WriteOnlyCell:
        c = text_cell(ws, value)
        array = arrays.get(style)
        if array is None:
            c.style = style  # resolves the named style once …
            arrays[style] = copy(c._style)
        else:
            c._style = copy(array)  # … then reuses its style array (much faster per cell)
        return c

    row_no = 0

    def append(values: list[Any]) -> None:
        nonlocal row_no
        ws.append(values)
        row_no += 1

    append([cell(table.title, "title")])
    ws.row_dimensions[1].height = 30
    ws.merged_cells.add(f"A1:{last}1")
    append([cell(table.unit_line, "line")])
    ws.merged_cells.add(f"A2:{last}2")
    append([cell(c.label, "head") for c in cols])
    ws.row_dimensions[3].height = 30
    kinds = [_style_of(c) for c in cols]
    # The body rows reuse one styled cell per column: a write-only sheet writes each appended
    # row at once, so the cells can take the next row's values (a new styled cell per value
    # costs as much as writing it). A value that would change a reused cell's number format
    # (a date in a text column) gets a cell of its own.
    dated = [k.startswith((f"c_{DATE}_", f"c_{MONTH}_")) for k in kinds]
    body = [cell(None, k) for k in kinds]
    total = len(table.rows)
    for n, values in enumerate(table.rows, start=1):
        row_cells = []
        for c, v, k, is_date in zip(body, values, kinds, dated):
            if isinstance(v, _TIME_TYPES) and not is_date:
                row_cells.append(cell(v, k))
                continue
            if isinstance(v, str) and _ILLEGAL.search(v):
                v = clean_control(v)
            c.value = v
            row_cells.append(keep_text(c))
        append(row_cells)
        if on_progress and n % 2000 == 0:
            on_progress(n / total, f"正在写入第 {n} 行…")
    if table.total_row is not None:
        append([cell(v, k) for v, k in zip(table.total_row, kinds)])
    for text in [*table.foot_lines, table.signature]:
        append([cell(text, "line")])
        ws.merged_cells.add(f"A{row_no}:{last}{row_no}")
    append([cell(table.provenance, "small")])
    ws.merged_cells.add(f"A{row_no}:{last}{row_no}")
    return ws


def write_form(path: Path | str, table: FormTable, on_progress: Progress | None = None) -> Path:
    """Write one form to ``path`` (.xlsx). Raises FileProblem when it cannot be written."""
    wb = Workbook(write_only=True)
    add_form_sheet(wb, table, on_progress)
    with atomic_path(path, "xlsx") as tmp:
        wb.save(tmp)
    return Path(path)
