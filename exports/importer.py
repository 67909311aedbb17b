"""The Excel import engine (contract.md §2): find the header, read every row, report, write.

``run_import`` reads the whole file first and validates every row against the rules and the
database; only then, and only when allowed (no row errors, or ``skip_invalid``; never with
``dry_run``), it writes all valid rows in **one transaction** with bulk inserts. A crash or a
kill during the write leaves the database exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass
class ImportOptions:
    dry_run: bool = False
    skip_invalid: bool = False
    update: bool = False
    #: file column index -> form column key, chosen by the clerk in the wizard (overrides)
    mapping: dict[int, str] | None = None
    #: create the 关工小组 the file names that the program does not have yet
    create_groups: bool = False


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

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "file": self.file, "sheet": self.sheet,
            "header_row": self.header_row, "rows_read": self.rows_read,
            "imported": self.imported, "updated": self.updated, "skipped": self.skipped,
            "errors": [asdict(e) for e in self.errors],
            "warnings": [asdict(w) for w in self.warnings],
            "dry_run": self.dry_run, "written": self.written, "valid": self.valid,
            "pairings_created": self.pairings_created, "unknown_groups": self.unknown_groups,
        }

    def summary(self) -> str:
        """One or two Chinese sentences for the clerk."""
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


def match_header(cells: list[Any], form: Form) -> dict[int, Col]:
    """Which form column each header cell means (exact names first, then prefixed names)."""
    exact: dict[str, Col] = {}
    for col in form.columns + form.extra_import:
        for name in col.names():
            exact.setdefault(name, col)
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
        for name, col in sorted(exact.items(), key=lambda kv: -len(kv[0])):
            if col.key not in used and len(name) >= 2 and key.endswith(name) and \
                    0 < len(key) - len(name) <= 4:
                found[i] = col
                used.add(col.key)
                break
    return found


def _find_header(sheet: Sheet, form: Form) -> tuple[int, list[Any], dict[int, Col], list[tuple]]:
    """(row number, header cells, mapping, rows read so far) or (0, …) when there is none."""
    seen: list[tuple[int, list[Any]]] = []
    for number, values in sheet.rows:
        seen.append((number, values))
        mapping = match_header(values, form)
        if len(mapping) >= 2:
            return number, values, mapping, seen
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    return 0, [], {}, seen


def _is_footer(values: list[Any]) -> bool:
    for v in values:
        if not is_blank(v):
            return text(v).replace(" ", "").replace("\u3000", "").startswith(FOOTER_WORDS)
    return False


def run_import(db: Database, kind: str, path: Path | str, options: ImportOptions | None = None,
               on_progress: Progress | None = None,
               before_write: Callable[[], None] | None = None) -> ImportReport:
    """Import ``path`` as ``kind``.

    Raises FileProblem (unknown kind, unreadable file, no header row found) before anything is
    written. Row problems are reported, not raised. Writes at most one transaction; calls
    ``before_write`` (e.g. a backup) just before it. ``on_progress`` may raise Cancelled.
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

    sheet, header_no, header, mapping, pending = _pick_sheet(path, form)
    seq_index = next((i for i, c in mapping.items() if c.kind == SEQ), None)
    chosen = options.mapping is not None
    if chosen:  # the clerk's choice in the wizard replaces the detected mapping
        by_key = {c.key: c for c in form.columns + form.extra_import}
        mapping = {i: by_key[k] for i, k in options.mapping.items() if k in by_key}
    report.sheet, report.header_row = sheet.name, header_no
    report.header = [text(c) for c in header]
    report.mapping = {i: c.key for i, c in mapping.items()}
    labels = {c.key: c.label for c in form.import_columns()}
    labels.update({c.key: text(header[i]) or c.label for i, c in mapping.items()})
    for i, cell in enumerate(header):
        if not is_blank(cell) and i not in mapping and i != seq_index and not chosen:
            report.warnings.append(Issue(header_no, text(cell), "这一列不认识，已忽略"))
    _require_key_columns(form, mapping)
    importing = {i: c for i, c in mapping.items() if c.importable}

    with db.reader() as s:
        handler = kinds.HANDLERS[kind](s, options.update)
        handler.create_groups = options.create_groups
        rows_iter = _rows_after(pending, header_no, sheet)
        for n, (number, values) in enumerate(rows_iter, start=1):
            if n > MAX_ROWS:
                raise FileProblem(f"文件“{path.name}”超过 {MAX_ROWS} 行，请拆分后再导入。")
            if n % 2000 == 0:
                progress(min(0.7, n / 40000), f"正在检查第 {number} 行…")
            filled = [i for i, v in enumerate(values) if not is_blank(v)]
            if not filled or filled == [seq_index] or _is_footer(values):
                report.skipped += 1
                continue
            report.rows_read += 1
            cells = {c.key: values[i] if i < len(values) else None for i, c in importing.items()}
            row = kinds.RowReader(number, cells, labels)
            handler.read(row)
            report.warnings.extend(Issue(number, c, m) for c, m in row.warnings)
            if row.errors:
                report.errors.extend(Issue(number, c, m) for c, m in row.errors)
                report.error_rows.append((number, list(values),
                                          "；".join(f"{c}：{m}" for c, m in row.errors)))
        report.valid = report.rows_read - len(report.error_rows)
        report.unknown_groups = sorted(handler.unknown_groups)
        group_label = next((c.label for c in form.import_columns() if c.key == "group"), "")
        report.notes = handler.notes()
        report.warnings.extend(Issue(header_no, group_label, note) for note in report.notes)
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
    """What the wizard shows before importing: the sheet, the header and a few rows."""

    sheet: str
    header_row: int
    header: list[str]
    mapping: dict[int, str]
    sample: list[tuple[int, list[Any]]]


def peek(path: Path | str, kind: str, rows: int = 8) -> Peek:
    """The detected header row, its column mapping and the first rows. Raises FileProblem."""
    if kind not in IMPORT_KINDS:
        raise FileProblem(f"不认识的导入类别“{kind}”。")
    sheet, header_no, header, mapping, pending = _pick_sheet(Path(path), FORMS[kind])
    sample = []
    for number, values in _rows_after(pending, header_no, sheet):
        if any(not is_blank(v) for v in values):
            sample.append((number, [text(v) for v in values]))
        if len(sample) >= rows:
            break
    return Peek(sheet.name, header_no, [text(c) for c in header],
                {i: c.key for i, c in mapping.items()}, sample)


def _rows_after(pending: list[tuple[int, list[Any]]], header_no: int, sheet: Sheet):
    for number, values in pending:
        if number > header_no:
            yield number, values
    yield from sheet.rows


def _pick_sheet(path: Path, form: Form) -> tuple[Sheet, int, list[Any], dict[int, Col], list]:
    """The first sheet with a recognisable header row. Raises FileProblem when none has one."""
    names = []
    for sheet in open_sheets(path):
        names.append(sheet.name)
        header_no, header, mapping, pending = _find_header(sheet, form)
        if header_no:
            return sheet, header_no, header, mapping, pending
    expected = "、".join(c.label for c in form.import_columns()[:5])
    where = f"（查看了工作表：{'、'.join(names)}）" if names else "（文件里没有工作表）"
    raise FileProblem(f"在“{path.name}”的前 {HEADER_SCAN_ROWS} 行里找不到表头{where}。"
                      f"表头应包含“{expected}”等列名。请检查是否选错了文件或导入类别。")


def _require_key_columns(form: Form, mapping: dict[int, Col]) -> None:
    have = {c.key for c in mapping.values()}
    missing = [form.column(k).label for k in kinds.KEY_COLUMNS[form.id] if k not in have]
    if missing:
        raise FileProblem(f"表头里没有“{'、'.join(missing)}”列，无法导入。请在表头中加上这一列。")
