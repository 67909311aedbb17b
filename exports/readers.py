"""Reading clerks' files: .xlsx (openpyxl read-only), .xls (xlrd), .csv in UTF-8 or GBK.

A reader yields sheets; a sheet yields ``(row_number, values)`` with the sheet's own row
numbers (1-based, as Excel shows them). Everything that goes wrong with the file itself is a
:class:`FileProblem` with a plain Chinese sentence.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import FileProblem

MAX_BYTES = 200 * 1024 * 1024
Row = tuple[int, list[Any]]


@dataclass
class Sheet:
    name: str
    rows: Iterator[Row]


def _not_readable(path: Path, what: str = "") -> FileProblem:
    extra = f"（{what}）" if what else ""
    return FileProblem(f"无法读取“{path.name}”{extra}：它不是能打开的 Excel/CSV 文件，或文件已损坏。"
                       "请用 Excel 或 WPS 打开确认后，另存为 .xlsx 再导入。")


def open_sheets(path: Path) -> Iterator[Sheet]:
    """The sheets of a spreadsheet file, in order. Raises FileProblem."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"找不到文件“{path}”。请检查路径。")
    size = path.stat().st_size
    if size == 0:
        raise FileProblem(f"文件“{path.name}”是空的（0 字节）。请检查是否选错了文件。")
    if size > MAX_BYTES:
        raise FileProblem(f"文件“{path.name}”太大（超过 200MB），请拆分后再导入。")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path)
    if suffix == ".xls":
        return _xls(path)
    if suffix in (".csv", ".txt"):
        return _csv(path)
    raise FileProblem(f"不支持“{path.suffix or '无扩展名'}”格式的文件。请导入 .xlsx、.xls 或 .csv 文件。")


def _xlsx(path: Path) -> Iterator[Sheet]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(path):
        raise _not_readable(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            TypeError, AttributeError, IndexError) as err:
        raise _not_readable(path, type(err).__name__) from err

    def gen() -> Iterator[Sheet]:
        try:
            for ws in book.worksheets:
                if not hasattr(ws, "iter_rows"):
                    continue
                ws.reset_dimensions()
                yield Sheet(ws.title, _xlsx_rows(path, ws))
        finally:
            book.close()

    return gen()


def _xlsx_rows(path: Path, ws: Any) -> Iterator[Row]:
    try:
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, list(values)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as err:
        raise _not_readable(path, f"读到工作表“{ws.title}”时出错") from err


def _xls(path: Path) -> Iterator[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as err:
        raise _not_readable(path, type(err).__name__) from err

    def rows(sh: Any) -> Iterator[Row]:
        for r in range(sh.nrows):
            values = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError):
                        values.append(cell.value)
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    values.append(None)
                else:
                    values.append(cell.value)
            yield r + 1, values

    return iter([Sheet(sh.name, rows(sh)) for sh in book.sheets()])


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030 as Excel saves CSV on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "not UTF-8 or GBK")


def _csv(path: Path) -> Iterator[Sheet]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise _not_readable(path, "含有二进制内容")
    try:
        content = decode_text(raw)
    except UnicodeDecodeError as err:
        raise FileProblem(f"“{path.name}”的文字编码无法识别。"
                          "请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入。") from err
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[Row]:
        reader = csv.reader(io.StringIO(content), dialect)
        try:
            for number, values in enumerate(reader, start=1):
                yield number, [v if v != "" else None for v in values]
        except csv.Error as err:
            raise _not_readable(path, str(err)) from err

    return iter([Sheet(path.stem, rows())])


def is_date_like(value: Any) -> bool:
    return isinstance(value, (dt.date, dt.datetime))
