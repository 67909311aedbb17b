"""The Excel import engine (contract.md §2): find the header, read every row, report, write.

``run_import`` reads the whole file first and validates every row against the rules and the
database; only then, and only when allowed (no row errors, or ``skip_invalid``; never with
``dry_run``), it writes all valid rows in **one transaction** with bulk inserts. A crash or a
kill during the write leaves the database exactly as before.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from exports import kinds
from exports.cells import header_key, is_blank, text
from exports.columns import SEQ, Col
from exports.forms import FORMS, IMPORT_KINDS, Form
from exports.readers import Sheet, open_sheets
from models.db import Database
from models.errors import DataError, FileProblem

HEADER_SCAN_ROWS = 15
FOOTER_WORDS = ("合计", "总计", "小计", "填表人", "审核人", "负责人", "制表", "注",
                "单位负责人", "填报单位", "填报日期")
MAX_ROWS = 500_000
WRITE_CLASH = ("写入时发现与数据库里已有的记录重复（可能另一个导入或窗口刚刚录入了同样的记录），"
               "这次没有写入任何数据。请重新导入这个文件。")
Progress = Callable[[float, str], None]


@dataclass
class Issue:
    row: int
    column: str
    message: str
    sheet: str = ""

    def where(self) -> str:
        """``新华村 第12行`` as the clerk finds it in Excel."""
        place = f"第{self.row}行" if self.row else ""
        return " ".join(p for p in (self.sheet, place) if p)


@dataclass
class SheetInfo:
    """One sheet that was read as data."""

    name: str
    header_row: int
    rows_read: int = 0


@dataclass
class ImportOptions:
    dry_run: bool = False
    skip_invalid: bool = False
    update: bool = False
    #: file column index -> form column key, chosen by the clerk in the wizard (overrides the
    #: detected mapping of every sheet whose header reads like the first one's)
    mapping: dict[int, str] | None = None
    #: create the 关工小组 the file names that the program does not have yet
    create_groups: bool = False
    #: read only this sheet (``--sheet``)
    sheet: str | None = None


@dataclass
class ImportReport:
    """What happened; ``as_json`` is the object of contract.md §2."""

    kind: str
    file: str
    sheet: str = ""
    header_row: int = 0
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    valid: int = 0
    pairings_created: int = 0
    #: header cells as in the file, and which form column each was taken as ("" = ignored)
    header: list[str] = field(default_factory=list)
    mapping: dict[int, str] = field(default_factory=dict)
    #: (sheet row number, raw cells, error text) of every refused row, for the error workbook
    error_rows: list[tuple[int, list[Any], str]] = field(default_factory=list)
    #: whether rows with errors are skipped (--skip-invalid) rather than refusing the file
    skip_allowed: bool = False
    #: 关工小组 named in the file that the program does not have
    unknown_groups: list[str] = field(default_factory=list)
    #: sentences about the whole file, said once (also among the warnings)
    notes: list[str] = field(default_factory=list)
    #: every sheet read as data, and the names of the sheets passed over (no header)
    sheets: list[SheetInfo] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "file": self.file, "sheet": self.sheet,
            "header_row": self.header_row, "rows_read": self.rows_read,
            "imported": self.imported, "updated": self.updated, "skipped": self.skipped,
            "errors": [asdict(e) for e in self.errors],
            "warnings": [asdict(w) for w in self.warnings],
            "dry_run": self.dry_run, "written": self.written, "valid": self.valid,
            "pairings_created": self.pairings_created, "unknown_groups": self.unknown_groups,
            "sheets": [asdict(i) for i in self.sheets], "passed_over": list(self.passed_over),
        }

    def summary(self) -> str:
        """One or two Chinese sentences for the clerk."""
        if len(self.sheets) > 1:
            head = "读了 {} 个工作表：{}".format(len(self.sheets), "，".join(
                f"“{i.name}”{i.rows_read} 行" for i in self.sheets))
        else:
            head = f"工作表“{self.sheet}”第 {self.header_row} 行是表头，读到 {self.rows_read} 行数据"
        if self.dry_run:
            verb = f"检查完毕（未写入）：可新增 {self.imported} 条，可更新 {self.updated} 条"
        elif self.written:
            verb = f"已导入：新增 {self.imported} 条，更新 {self.updated} 条"
        else:
            verb = "没有写入任何数据"
        tail = ""
        if self.errors and not self.skip_allowed:
            tail = f"。有 {len(self.errors)} 处错误，请改正后再导入（或选择跳过出错的行）"
        elif self.errors:
            tail = f"。{len({e.row for e in self.errors})} 行有错误，已跳过"
        if self.warnings:
            tail += f"；另有 {len(self.warnings)} 条提示"
        return f"{head}；{verb}{tail}。"


@functools.cache
def _known_names(form_id: str) -> tuple[dict[str, Col], list[tuple[str, Col]]]:
    """A form's column names -> column, and the same longest first (for prefixed names)."""
    form = FORMS[form_id]
    exact: dict[str, Col] = {}
    for col in form.columns + form.extra_import:
        for name in col.names():
            exact.setdefault(name, col)
    return exact, sorted(exact.items(), key=lambda kv: -len(kv[0]))


def match_header(cells: list[Any], form: Form) -> dict[int, Col]:
    """Which form column each header cell means (exact names first, then prefixed names)."""
    exact, longest_first = _known_names(form.id)
    keys = [header_key(c) if not is_blank(c) else "" for c in cells]
    found: dict[int, Col] = {}
    used: set[str] = set()
    for i, key in enumerate(keys):
        col = exact.get(key)
        if key and col is not None and col.key not in used:
            found[i] = col
            used.add(col.key)
    for i, key in enumerate(keys):
        if not key or i in found or key in exact:
            continue
        for name, col in longest_first:
            if col.key not in used and len(name) >= 2 and key.endswith(name) and \
                    0 < len(key) - len(name) <= 4:
                found[i] = col
                used.add(col.key)
                break
    return found


@dataclass
class Table:
    """A sheet's header (one or two rows) and the rows read while looking for it."""

    sheet: Sheet
    first_row: int
    header_row: int  # the last header row; data starts below it
    header: list[Any]
    mapping: dict[int, Col]
    pending: list[tuple[int, list[Any]]]

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, values in self.pending:
            if number > self.header_row:
                yield number, values
        yield from self.sheet.rows


def _known(cell: Any, form: Form) -> bool:
    return not is_blank(cell) and bool(match_header([cell], form))


def combine_header(upper: list[Any], lower: list[Any], form: Form) -> list[Any]:
    """Two header rows as one: upper+lower when that is exactly a column's name (a group row
    父亲 over 姓名/状况 → 父亲姓名), else the lower name, else upper+lower (出生/年月), else
    the upper."""
    exact, _longest = _known_names(form.id)
    out: list[Any] = []
    for j in range(max(len(upper), len(lower))):
        a = upper[j] if j < len(upper) else None
        b = lower[j] if j < len(lower) else None
        joined = text(a) + text(b) if not is_blank(a) and not is_blank(b) and a != b else None
        named = joined if joined is not None and header_key(joined) in exact else None
        for cand in (named, b, joined, a):
            if cand is not None and _known(cand, form):
                out.append(cand)
                break
        else:
            out.append(b if not is_blank(b) else a)
    return out


def _find_header(sheet: Sheet, form: Form) -> Table | None:
    """The first row among the first 15 with two known column names, joined with the row above
    or below when that names more columns (a group row over the names, a name split or merged
    over two rows). None when the sheet has no header."""
    seen: list[tuple[int, list[Any]]] = []
    for number, values in sheet.rows:
        seen.append((number, values))
        mapping = match_header(values, form)
        if len(mapping) >= 2:
            break
        if len(seen) >= HEADER_SCAN_ROWS:
            return None
    else:
        return None
    best = Table(sheet, number, number, values, mapping, seen)
    if len(seen) > 1:
        above_no, above = seen[-2]
        joined = combine_header(above, values, form)
        found = match_header(joined, form)
        if len(found) > len(best.mapping):
            best = Table(sheet, above_no, number, joined, found, seen)
    below = next(sheet.rows, None)
    if below is not None:
        seen.append(below)
        joined = combine_header(values, below[1], form)
        found = match_header(joined, form)
        if len(found) > len(best.mapping):
            best = Table(sheet, number, below[0], joined, found, seen)
    return best


def _is_footer(values: list[Any]) -> bool:
    for v in values:
        if not is_blank(v):
            return text(v).replace(" ", "").replace("\u3000", "").startswith(FOOTER_WORDS)
    return False


_HEADING_RE = re.compile(r"^([一二三四五六七八九十百]+|\d{1,2})[、.．]\D|^[（(][一二三四五六七八九十\d]+[)）]"
                         r"|^以[下上]|^第[一二三四五六七八九十\d]+[部批组片类]|[：:]$")
_STATS_WORDS = ("人数", "合计", "统计", "占比", "比例", "小计", "汇总")


def _single_text(values: list[Any]) -> str | None:
    """The text when every filled cell holds the same text (one cell, or one merged range)."""
    first: Any = None
    for v in values:
        if v is None or is_blank(v):
            continue
        if first is None:
            first = v
        elif v != first:
            return None
    if first is None:
        return None
    only = text(first)
    if not re.search(r"[^\W\d_]", only):  # digits, dates, punctuation: not a heading
        return None
    return only


def _section(values: list[Any], name_index: int | None) -> str:
    """Whether the row is a heading inside the table: "" (no), "sure" (一、村级关工小组,
    以下为2025年新增人员, a title merged across the row) or "likely" (one longer text outside
    the name column: skipped, with a warning)."""
    heading = _single_text(values)
    if heading is None:
        return ""
    filled = [i for i, v in enumerate(values) if not is_blank(v)]
    if len(filled) > 1 or _HEADING_RE.search(heading.replace(" ", "")):
        return "sure"
    return "likely" if filled[0] != name_index and len(heading) >= 6 else ""


def _header_like(values: list[Any], form: Form) -> bool:
    """A row that names columns (another table's header) or a statistics block."""
    if match_header(values, form):
        return True
    return any(isinstance(v, str) and any(w in v for w in _STATS_WORDS) for v in values)


def _table_rows(table: Table, form: Form, report: ImportReport
                ) -> Iterator[tuple[int, list[Any]]]:
    """The record rows of a table, in order. Skipped rows (blank, 序号 only, footer, repeated
    header, section heading) are counted in ``report.skipped``; the table ends at a blank gap
    of two or more rows followed by another table or a title (one warning names the row)."""
    seq_index = next((i for i, c in table.mapping.items() if c.kind == SEQ), None)
    name_index = next((i for i, c in table.mapping.items() if c.key == "name"), None)
    width = max(len(table.header), max(table.mapping, default=0) + 1) + 5
    header_keys = {i: c.key for i, c in table.mapping.items()}
    exact = _known_names(form.id)[0]
    key_index = next((i for i, c in table.mapping.items()
                      if c.key in kinds.KEY_COLUMNS[form.id]), None)
    name = table.sheet.name
    rows = table.rows()
    ahead: list[tuple[int, list[Any]]] = []
    blank_run = 0

    def pull() -> tuple[int, list[Any]] | None:
        return ahead.pop(0) if ahead else next(rows, None)

    while (item := pull()) is not None:
        number, values = item[0], item[1][:width]
        filled = [i for i, v in enumerate(values) if not is_blank(v)]
        if not filled:
            blank_run += 1
            report.skipped += 1
            continue
        after_gap, blank_run = blank_run >= 2, 0
        if filled == [seq_index] or _is_footer(values):
            report.skipped += 1
            continue
        repeated = key_index is not None and key_index < len(values) and \
            isinstance(values[key_index], str) and header_key(values[key_index]) in exact and \
            {i: c.key for i, c in match_header(values, form).items()} == header_keys
        if after_gap and not repeated and _ends_table(values, form, header_keys, rows, ahead):
            report.warnings.append(Issue(number, "", (
                f"第{number}行起（空行之后）是另一张表或标题，从这里起没有读入。"
                "如果下面也是要导入的数据，请删去中间的空行和标题后再导入"), name))
            return
        section = "" if repeated else _section(values, name_index)
        if section == "likely":
            report.warnings.append(Issue(number, "", (
                f"这一行只有“{_single_text(values)}”，看作小标题，已跳过；"
                "如果它是一条记录，请补上姓名等内容后再导入"), name))
        if repeated or section:
            report.skipped += 1
            continue
        yield number, values


def _ends_table(values: list[Any], form: Form, header_keys: dict[int, str],
                rows: Iterator[tuple[int, list[Any]]], ahead: list[tuple[int, list[Any]]]) -> bool:
    """After a blank gap: another table's header or a statistics row, or a title followed by
    one (or by nothing). A title over a repeat of this table's header is a section."""
    if _header_like(values, form):
        return True
    if _single_text(values) is None:
        return False
    while len(ahead) < 4:
        item = next(rows, None)
        if item is None:
            break
        ahead.append(item)
    following = [v for _n, v in ahead if any(not is_blank(c) for c in v)]
    if not following:
        return True
    repeat = {i: c.key for i, c in match_header(following[0], form).items()} == header_keys
    return not repeat and _header_like(following[0], form)


def run_import(db: Database, kind: str, path: Path | str, options: ImportOptions | None = None,
               on_progress: Progress | None = None,
               before_write: Callable[[], None] | None = None) -> ImportReport:
    """Import ``path`` as ``kind``: every sheet with a recognisable header (or only
    ``options.sheet``); sheets without one are passed over with a warning.

    Raises FileProblem (unknown kind, unreadable file, no header row found, a data sheet
    without a key column, more than 500 000 rows) before anything is written. Row problems are
    reported, not raised. Writes at most one transaction; calls ``before_write`` (e.g. a backup)
    just before it. ``on_progress`` may raise Cancelled.
    """
    options = options or ImportOptions()
    if kind not in IMPORT_KINDS:
        raise FileProblem(f"不认识的导入类别“{kind}”。可以导入：{'、'.join(IMPORT_KINDS)}。")
    form = FORMS[kind]
    path = Path(path)
    report = ImportReport(kind=kind, file=path.name, dry_run=options.dry_run,
                          skip_allowed=options.skip_invalid)
    progress = on_progress or (lambda _f, _t: None)
    progress(0.0, "正在读取文件…")

    with db.reader() as s:
        handler = kinds.HANDLERS[kind](s, options.update)
        handler.create_groups = options.create_groups
        n = 0
        for table in _tables(path, form, options.sheet, report):
            mapping = table.mapping
            chosen = options.mapping is not None and (
                not report.sheets or [text(c) for c in table.header] == report.header)
            if chosen and options.mapping is not None:
                by_key = {c.key: c for c in form.columns + form.extra_import}
                mapping = {i: by_key[k] for i, k in options.mapping.items() if k in by_key}
            info = SheetInfo(table.sheet.name, table.header_row)
            if not report.sheets:
                report.sheet, report.header_row = info.name, info.header_row
                report.header = [text(c) for c in table.header]
                report.mapping = {i: c.key for i, c in mapping.items()}
            report.sheets.append(info)
            labels = {c.key: c.label for c in form.import_columns()}
            labels.update({c.key: text(table.header[i]) or c.label for i, c in mapping.items()})
            matched = {text(table.header[i]) for i in mapping if i < len(table.header)}
            for i, cell in enumerate(table.header):
                if not is_blank(cell) and i not in mapping and not chosen and \
                        text(cell) not in matched:
                    report.warnings.append(Issue(table.header_row, text(cell),
                                                 "这一列不认识，已忽略", info.name))
            _require_key_columns(form, mapping, info.name if len(report.sheets) > 1 else "")
            importing = {i: c for i, c in mapping.items() if c.importable}
            for number, values in _table_rows(table, form, report):
                n += 1
                if n > MAX_ROWS:
                    raise FileProblem(f"文件“{path.name}”超过 {MAX_ROWS} 行，请拆分后再导入。")
                if n % 2000 == 0:
                    progress(min(0.7, n / 40000), f"正在检查第 {number} 行…")
                info.rows_read += 1
                report.rows_read += 1
                cells = {c.key: values[i] if i < len(values) else None
                         for i, c in importing.items()}
                row = kinds.RowReader(number, cells, labels)
                handler.read(row)
                report.warnings.extend(Issue(number, c, m, info.name) for c, m in row.warnings)
                if number in table.sheet.hidden:
                    report.warnings.append(Issue(number, "", "这一行在 Excel 里是隐藏的，已照常读入，"
                                                 "请核对是否应当导入", info.name))
                if row.errors:
                    report.errors.extend(Issue(number, c, m, info.name) for c, m in row.errors)
                    where = f"工作表“{info.name}”：" if len(report.sheets) > 1 else ""
                    report.error_rows.append((number, list(values), where + "；".join(
                        f"{c}：{m}" for c, m in row.errors)))
        report.valid = report.rows_read - len(report.error_rows)
        report.unknown_groups = sorted(handler.unknown_groups)
        group_label = next((c.label for c in form.import_columns() if c.key == "group"), "")
        report.notes = handler.notes()
        report.warnings.extend(Issue(0, group_label, note) for note in report.notes)
        if report.errors and not options.skip_invalid:
            progress(1.0, "检查完毕")
            return report
        new, updated = handler.counts()
        report.imported, report.updated = new, updated

    if options.dry_run or not (new or updated):
        progress(1.0, "检查完毕")
        return report
    progress(0.75, "正在写入数据库…")
    if before_write is not None:
        before_write()
    try:
        with db.session() as s:  # duplicates are checked again here, under the write lock
            report.pairings_created = handler.write(s, path.name)
            progress(0.95, "正在保存…")
    except IntegrityError as err:
        raise DataError(WRITE_CLASH) from err
    report.written = True
    progress(1.0, "导入完成")
    return report


@dataclass
class Peek:
    """What the wizard shows before importing: the first data sheet's header and a few rows,
    and every data sheet with its number of rows."""

    sheet: str
    header_row: int
    header: list[str]
    mapping: dict[int, str]
    sample: list[tuple[int, list[Any]]]
    sheets: list[SheetInfo] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)


def peek(path: Path | str, kind: str, rows: int = 8) -> Peek:
    """The detected header, its column mapping, the first rows and the data sheets with their
    row counts. Raises FileProblem."""
    if kind not in IMPORT_KINDS:
        raise FileProblem(f"不认识的导入类别“{kind}”。")
    form = FORMS[kind]
    report = ImportReport(kind=kind, file=Path(path).name)
    result: Peek | None = None
    for table in _tables(Path(path), form, None, report):
        info = SheetInfo(table.sheet.name, table.header_row)
        report.sheets.append(info)
        if result is None:
            result = Peek(info.name, info.header_row, [text(c) for c in table.header],
                          {i: c.key for i, c in table.mapping.items()}, [])
        for number, values in _table_rows(table, form, report):
            info.rows_read += 1
            if result.sheet == info.name and len(result.sample) < rows:
                result.sample.append((number, [text(v) for v in values]))
    assert result is not None  # _tables raises when no sheet has a header
    result.sheets, result.passed_over = report.sheets, report.passed_over
    return result


def _tables(path: Path, form: Form, only: str | None, report: ImportReport) -> Iterator[Table]:
    """Every sheet with a recognisable header, read one after the other; the others are named
    in ``report.passed_over`` and a warning. Raises FileProblem when no sheet has a header."""
    names: list[str] = []
    found = 0
    for sheet in open_sheets(path):
        names.append(sheet.name)
        if only is not None and sheet.name.strip() != only.strip():
            continue
        table = _find_header(sheet, form)
        if table is None:
            report.passed_over.append(sheet.name)
            report.warnings.append(Issue(0, "", f"工作表“{sheet.name}”的前 {HEADER_SCAN_ROWS} 行里"
                                         "没有表头（可能是说明页或空表），没有读入", sheet.name))
            continue
        found += 1
        yield table
    if only is not None and only.strip() not in [n.strip() for n in names]:
        raise FileProblem(f"“{path.name}”里没有名为“{only}”的工作表。"
                          f"它的工作表是：{'、'.join(names) or '（没有）'}。")
    if not found:
        expected = "、".join(c.label for c in form.import_columns()[:5])
        where = f"（查看了工作表：{'、'.join(names)}）" if names else "（文件里没有工作表）"
        raise FileProblem(f"在“{path.name}”的前 {HEADER_SCAN_ROWS} 行里找不到表头{where}。"
                          f"表头应包含“{expected}”等列名。请检查是否选错了文件或导入类别。")


def _require_key_columns(form: Form, mapping: dict[int, Col], sheet: str = "") -> None:
    have = {c.key for c in mapping.values()}
    missing = [form.column(k).label for k in kinds.KEY_COLUMNS[form.id] if k not in have]
    if missing:
        where = f"工作表“{sheet}”的" if sheet else ""
        raise FileProblem(f"{where}表头里没有“{'、'.join(missing)}”列，无法导入。请在表头中加上这一列。")
