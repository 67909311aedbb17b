"""The Excel import engine (contract.md §2): find the header, read every row, report, write.

``run_import`` reads the whole file first and validates every row against the rules and the
database; only then, and only when allowed (no row errors, or ``skip_invalid``; never with
``dry_run``), it writes all valid rows in **one transaction** with bulk inserts. A crash or a
kill during the write leaves the database exactly as before.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from exports import kinds, regforms
from exports.cells import DateContext, clean_cells, filled_of, header_key, is_blank, text
from exports.cells import filled as filled_cells
from exports.cells import texts as cell_texts
from exports.chinese_numbers import replace_numerals
from exports.columns import SEQ, Col, other_party
from exports.forms import FORMS, IMPORT_KINDS, Form
from exports.headers import known_names, match_header
from exports.legends import find_legends
from exports.readers import Row, Sheet, open_sheets
from exports.values import Answer, Question, Vocabulary, parse_map, value_key
from models import aliases
from models.db import Database
from models.errors import DataError, FileProblem
from models.synonyms import TABLE_LABELS

HEADER_SCAN_ROWS = 20
#: a header is at most this many rows (a group row, names split or merged over rows)
HEADER_MAX_ROWS = 4
FOOTER_WORDS = ("合计", "总计", "小计", "总合计", "汇总", "共计", "累计", "填表人", "审核人", "负责人",
                "制表", "注", "单位负责人", "填报单位", "填报日期")
MAX_ROWS = 500_000
WRITE_CLASH = ("写入时发现与数据库里已有的记录重复（可能另一个导入或窗口刚刚录入了同样的记录），"
               "这次没有写入任何数据。请重新导入这个文件。")
Progress = Callable[[float, str], None]


@dataclass(slots=True)  # one a row of a big file: no __dict__ each
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
    #: answers to the questions about unknown values: ``--map "COLUMN:VALUE=CODE"`` texts or
    #: parsed Answers (the wizard's pick lists); remembered when the import is written
    answers: list[str | Answer] = field(default_factory=list)
    #: the year of dates written without one (3月5日) when the sheet's title, sheet name and
    #: file name name none (the wizard asks for it)
    default_year: int | None = None


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
    #: the values of coded columns the import did not know (contract §2.13), in file order
    unknown_values: list[Question] = field(default_factory=list)
    #: answers stored in the database for later imports (only when written)
    remembered: int = 0
    #: code table -> what a question about it may be answered with (the wizard's pick lists)
    choices: dict[str, list[str]] = field(default_factory=dict)
    #: rows refused because a date had no year and none was found (the wizard asks for one)
    year_missing_rows: int = 0
    #: sheets read as one person's form (登记表), one record each
    form_sheets: list[str] = field(default_factory=list)

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
            "unknown_values": [q.as_json(len(self.sheets) > 1) for q in self.unknown_values],
            "remembered": self.remembered,
        }

    def summary(self) -> str:
        """One or two Chinese sentences for the clerk."""
        if self.sheets and len(self.form_sheets) == len(self.sheets):
            head = "按登记表（一个工作表一人）读了 {} 个工作表：{}".format(
                len(self.sheets), "、".join(f"“{i.name}”" for i in self.sheets[:10])
                + ("等" if len(self.sheets) > 10 else ""))
        elif len(self.sheets) > 1:
            head = "读了 {} 个工作表：{}".format(len(self.sheets), "，".join(
                f"“{i.name}”{i.rows_read} 行" for i in self.sheets))
        else:
            head = f"工作表“{self.sheet}”第 {self.header_row} 行是表头，读到 {self.rows_read} 行数据"
        if self.passed_over:
            head += "（没有读入：{}）".format("、".join(f"“{n}”" for n in self.passed_over))
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
        asked = [q for q in self.unknown_values if q.taken is None]
        if asked:
            tail += (f"；有 {len(asked)} 个值程序不认识（如{asked[0].column}“{asked[0].value}”）"
                     + ("，用到它们的格已留空或这些行没有导入，见提示" if self.written else
                        "，请选择它们对应的代码后再导入"))
        if self.remembered:
            tail += f"；已记住 {self.remembered} 个值的含义，以后导入直接使用"
        return f"{head}；{verb}{tail}。"


@dataclass
class Table:
    """A sheet's header (one or two rows) and the rows read while looking for it."""

    sheet: Sheet
    first_row: int
    header_row: int  # the last header row; data starts below it
    header: list[Any]
    mapping: dict[int, Col]
    pending: list[tuple[int, list[Any]]]
    #: the sheet is one person's form (登记表): one record, labels beside values
    form_sheet: bool = False

    def title_text(self) -> str:
        """The text of the rows above the header (the sheet's title, 填报日期 …)."""
        return " ".join(text(v) for n, values in self.pending if n < self.first_row
                        for v in values if not is_blank(v))

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, values in self.pending:
            if number > self.header_row:
                yield number, values
        yield from self.sheet.rows


def _known(cell: Any, form: Form) -> bool:
    return not is_blank(cell) and bool(match_header([cell], form))


def combine_rows(rows: list[list[Any]], form: Form) -> list[Any]:
    """Header rows (up to four) as one: per column, the lowest name that is known, else the
    names joined from top to bottom (出生/年月), else a higher one (a merged name); a group
    row naming another person (监护人情况 over 姓名) makes the name that person's."""
    out: list[Any] = []
    for j in range(max(len(r) for r in rows)):
        stack: list[Any] = []
        for r in rows:
            v = r[j] if j < len(r) else None
            if not is_blank(v) and (not stack or v != stack[-1]):
                stack.append(v)
        out.append(_column_name(stack, form))
    return out


def _column_name(stack: list[Any], form: Form) -> Any:
    if not stack:
        return None
    texts = [text(v) for v in stack]
    for end in range(len(stack) - 1, -1, -1):
        above = "".join(texts[:end])
        # a short group cell right above (监护人情况, 父亲), not a long title
        near = header_key(texts[end - 1]) if end else ""
        party = other_party(near, "") if 0 < len(near) <= 8 else None
        if party is not None and party not in header_key(texts[end]):
            candidates = [party + texts[end], above + texts[end]]
        else:
            candidates = [texts[end]] + ["".join(texts[start:end + 1])
                                         for start in range(end - 1, -1, -1)]
        for cand in candidates:
            if _known(cand, form):
                return cand if cand != texts[end] else stack[end]
        if party is not None:
            return above + texts[end]
    return stack[-1]


def _find_header(sheet: Sheet, form: Form) -> Table | None:
    """The first row among the first 20 with two known column names, joined with up to three
    rows above or below when that names more columns (a title, group rows, a name split or
    merged over rows). A sheet of one person's form (登记表) gives a one-row table. None when
    the sheet has no header."""
    seen: list[tuple[int, list[Any]]] = []
    for number, values in sheet.rows:
        seen.append((number, values))
        mapping = match_header(values, form)
        if len(mapping) >= 2:
            break
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    else:
        mapping = {}
    if len(mapping) < 2:  # no header: perhaps a form of one label and its value a row
        if not any(regforms.has_pairs(v, form) for _n, v in seen):
            return None
        seen.extend(itertools.islice(sheet.rows, regforms.MAX_FORM_ROWS))
        return _form_table(sheet, seen, form)
    anchor = len(seen) - 1
    if regforms.has_pairs(values, form):
        seen.extend(itertools.islice(sheet.rows, regforms.MAX_FORM_ROWS))
        table = _form_table(sheet, seen, form)
        if table is not None:
            return table
    else:
        seen.extend(itertools.islice(sheet.rows, HEADER_MAX_ROWS - 1))
    best = Table(sheet, number, number, values, mapping, seen)
    for up in range(HEADER_MAX_ROWS):
        for down in range(HEADER_MAX_ROWS - up):
            if (up == 0 and down == 0) or anchor - up < 0 or anchor + down >= len(seen):
                continue
            block = seen[anchor - up:anchor + down + 1]
            joined = combine_rows([v for _n, v in block], form)
            found = match_header(joined, form)
            if len(found) > len(best.mapping):
                best = Table(sheet, block[0][0], block[-1][0], joined, found, seen)
    return best


def _form_table(sheet: Sheet, seen: list[Row], form: Form) -> Table | None:
    """The sheet as a one-row table when it is one person's form (登记表), else None."""
    record = regforms.read_form(seen, form)
    if record is None:
        return None
    title = [r for r in seen if r[0] < record.first_row]
    return Table(Sheet(sheet.name, iter([record.row]), set()), record.first_row, record.row[0],
                 record.labels, record.mapping, title, form_sheet=True)


def _is_footer(values: list[Any], seq_index: int | None = None,
               filled: list[int] | None = None, shown_cells: list[str] | None = None) -> bool:
    """A total or signature row: its first filled cell (after the 序号) starts with 合计,
    总合计, 汇总, 填表人 … (``filled``, ``shown_cells``: the row's filled cells and its
    :func:`exports.cells.texts`, when known)"""
    for i in filled_cells(values) if filled is None else filled:
        shown = text(values[i]) if shown_cells is None else shown_cells[i]
        if not (i == seq_index and shown.isdigit()):
            return shown.replace(" ", "").replace("\u3000", "").startswith(FOOTER_WORDS)
    return False


#: the texts a pre-filled formula shows on an empty row
_ZERO_TEXTS = frozenset(("0", "0.00", "0.0", "#N/A", "#DIV/0!"))


def _is_zero(value: Any) -> bool:
    """What a pre-filled formula shows on an empty row (=SUM(…) → 0). Its
    :func:`exports.cells.text` is then one of ``_ZERO_TEXTS``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 0
    return isinstance(value, str) and value.strip() in _ZERO_TEXTS


_ORDINAL_RE = re.compile(r"^[（(]?[一二三四五六七八九十百]+[)）]?[、.．,，]?$")
_EXAMPLE_NAME_RE = re.compile(r"^(?:示例|样例|范例|例)[:：]|[（(](?:示例|样例|例)[)）]$")
_EXAMPLE_RE = re.compile(r"^(?:示例|样例|范例|填写示例|填表示例)|^例\d*[:：]?$|此行为示例|示例行")
#: the ID number printed in textbooks and templates (GB 11643's example), never a person's
TEXTBOOK_ID = "11010519491231002X"


_HEADING_RE = re.compile(r"^([一二三四五六七八九十百]+|\d{1,2})[、.．]\D|^[（(][一二三四五六七八九十\d]+[)）]"
                         r"|^以[下上]|^第[一二三四五六七八九十\d]+[部批组片类]|[：:]$")
_LETTER_RE = re.compile(r"[^\W\d_]")
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
    if not _LETTER_RE.search(only):  # digits, dates, punctuation: not a heading
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
                ) -> Iterator[tuple[int, list[Any], list[str]]]:
    """The record rows of a table, in order. Skipped rows (blank or only formulas giving 0,
    序号 only, total or signature rows anywhere, a Chinese ordinal in 序号, a template's example
    row (with a warning), repeated header, section heading) are counted in ``report.skipped``;
    the table ends at a blank gap of two or more rows followed by another table or a title
    (one warning names the row). Each row comes with its cells' :func:`exports.cells.texts`
    (made once, shared with the row's reading)."""
    seq_index = next((i for i, c in table.mapping.items() if c.kind == SEQ), None)
    name_index = next((i for i, c in table.mapping.items() if c.key == "name"), None)
    id_index = next((i for i, c in table.mapping.items() if c.key == "id_number"), None)
    note_index = next((i for i, c in table.mapping.items() if c.key == "note"), None)
    width = max(len(table.header), max(table.mapping, default=0) + 1) + 5
    header_keys = {i: c.key for i, c in table.mapping.items()}
    exact = known_names(form.id)[0]
    key_index = next((i for i, c in table.mapping.items()
                      if c.key in kinds.KEY_COLUMNS[form.id]), None)
    name = table.sheet.name
    rows = table.rows()
    ahead: list[tuple[int, list[Any]]] = []
    blank_run = 0

    while (item := ahead.pop(0) if ahead else next(rows, None)) is not None:
        number, values = item
        if len(values) > width:
            values = values[:width]
        shown = cell_texts(values)
        filled = filled_of(values, shown)
        if not filled or (filled != [seq_index] and  # empty, or only formulas that give 0
                          # (the first filled cell after the 序号 shows a zero, then all do)
                          shown[filled[1] if filled[0] == seq_index else filled[0]] in _ZERO_TEXTS
                          and all(i == seq_index or _is_zero(values[i]) for i in filled)):
            blank_run += 1
            report.skipped += 1
            continue
        after_gap, blank_run = blank_run >= 2, 0
        if filled == [seq_index] or _is_footer(values, seq_index, filled, shown):
            report.skipped += 1
            continue
        seq_text = shown[seq_index] if seq_index is not None and seq_index < len(values) else ""
        if seq_text and not seq_text.isdigit() and _ORDINAL_RE.match(seq_text.replace(" ", "")):
            report.skipped += 1  # 一、 / （三） in the 序号 column: a section heading
            continue
        example = _example(shown, seq_text, note_index, id_index, name_index)
        if example:
            report.warnings.append(Issue(number, "", example, name))
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
        # two different filled cells: no heading (what _single_text finds, without its loop)
        section = "" if repeated or (len(filled) > 1 and values[filled[0]] != values[filled[1]]) \
            else _section(values, name_index)
        if section == "likely":
            report.warnings.append(Issue(number, "", (
                f"这一行只有“{_single_text(values)}”，看作小标题，已跳过；"
                "如果它是一条记录，请补上姓名等内容后再导入"), name))
        if repeated or section:
            report.skipped += 1
            continue
        yield number, values, shown


def _example(shown: list[str], seq_text: str, note_index: int | None,
             id_index: int | None, name_index: int | None = None) -> str:
    """Why the row is a template's example (marked 示例/例 in 序号 or 备注, a name like
    ``例：张三`` or ``张三（示例）``, or the textbook ID number), or "" (``shown``: the row's
    cells as :func:`exports.cells.texts`)."""
    name = shown[name_index] if name_index is not None and name_index < len(shown) else ""
    if "例" in name and _EXAMPLE_NAME_RE.search(name.replace(" ", "")):  # every mark has 例
        return f"这一行的姓名写着“{name}”，是填写示例，已跳过"
    note = shown[note_index] if note_index is not None and note_index < len(shown) else ""
    for cell in (seq_text, note):
        if "例" in cell and _EXAMPLE_RE.search(cell.replace(" ", "")):
            return f"这一行标着“{cell}”，是填写示例，已跳过"
    if id_index is not None and id_index < len(shown) and \
            shown[id_index].replace(" ", "").upper() == TEXTBOOK_ID:
        return f"这一行的身份证号 {TEXTBOOK_ID} 是模板里的示例号码，看作填写示例，已跳过"
    return ""


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
               before_write: Callable[[], object] | None = None) -> ImportReport:
    """Import ``path`` as ``kind``: every sheet with a recognisable header (or only
    ``options.sheet``); sheets without one are passed over with a warning.

    Raises FileProblem (unknown kind, unreadable file, no header row found, a data sheet
    without a key column, more than 500 000 rows, an answer that names no code) before
    anything is written. Row problems and unknown values are reported, not raised. Writes at
    most one transaction — the records and, with them, the answers given (``options.answers``)
    for later imports; calls ``before_write`` (e.g. a backup) just before it.
    ``on_progress`` may raise Cancelled.
    """
    with _young_collections_only():
        return _run_import(db, kind, path, options, on_progress, before_write)


@contextlib.contextmanager
def _young_collections_only() -> Iterator[None]:
    """While an import runs on the main thread with Python's automatic collector on (the
    command line): no full collection, and the youngest generation collected every 20 000
    new objects instead of 700. A 20 000-row import keeps its rows: the full collection their
    count triggers walks every object of the program (≈35 ms), and the young ones walk the
    same kept rows again and again (≈15 ms) — together 4 % of the import. Cyclic garbage,
    which dies young, is still collected. Nothing changes in the window, whose collector
    runs on the GUI thread only (gui.collector)."""
    if not gc.isenabled() or threading.current_thread() is not threading.main_thread():
        yield
        return
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, 20_000), middle, 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def _run_import(db: Database, kind: str, path: Path | str, options: ImportOptions | None,
                on_progress: Progress | None,
                before_write: Callable[[], object] | None) -> ImportReport:
    options = options or ImportOptions()
    if kind not in IMPORT_KINDS:
        raise FileProblem(f"不认识的导入类别“{kind}”。可以导入：{'、'.join(IMPORT_KINDS)}。")
    path = Path(path)
    progress = on_progress or (lambda _f, _t: None)
    progress(0.0, "正在读取文件…")
    report, handler, ready = _read_file(db, kind, path, options, progress, None)
    open_questions = [q for q in report.unknown_values if q.taken is None]
    if report.passed_over and open_questions:
        # a 说明 sheet may explain the codes (1 = 男): read it, and read again if it does
        explained = _legends_of_sheets(db, path, report.passed_over, open_questions)
        if explained:
            report, handler, ready = _read_file(db, kind, path, options, progress, explained)
    if not ready:
        progress(1.0, "检查完毕")
        return report
    new, updated = report.imported, report.updated
    if options.dry_run or not (new or updated):
        progress(1.0, "检查完毕")
        return report
    progress(0.75, "正在写入数据库…")
    if before_write is not None:
        before_write()
    try:
        with db.session() as s:  # duplicates are checked again here, under the write lock
            report.pairings_created = handler.write(s, path.name)
            report.remembered = aliases.remember(s, handler.vocab.given)
            progress(0.95, "正在保存…")
    except IntegrityError as err:
        raise DataError(WRITE_CLASH) from err
    report.written = True
    progress(1.0, "导入完成")
    return report


def answer_table(form: Form, column: str) -> str | None:
    """The code table (or name list) a ``--map`` column means: a column name of the form
    (as the file or the form writes it) or the name of a code table (五老类别, 性别 …)."""
    key = header_key(column)
    exact, longest_first = known_names(form.id)
    col = exact.get(key)
    if col is None:
        col = next((c for n, c in longest_first if len(n) >= 2 and key.endswith(n)), None)
    names = {"sex": "sex", "group": "group", "volunteer": "volunteer", "roles": "volunteer_role",
             "is_backbone": "yes_no"}
    if col is not None and (col.code_table or col.key in names):
        return col.code_table or names[col.key]
    return next((t for t, label in TABLE_LABELS.items() if header_key(label) == key), None)


def _apply_answers(handler: kinds.Handler, form: Form, answers: list[str | Answer]) -> None:
    """Give the handler's vocabulary the clerk's answers. Raises FileProblem for an answer
    that names an unknown column or a code that is not in the table."""
    for given in answers:
        answer = parse_map(given) if isinstance(given, str) else given
        table = answer.table or answer_table(form, answer.column)
        if table is None:
            coded = "、".join(dict.fromkeys(
                c.label for c in form.import_columns()
                if c.code_table or c.key in ("sex", "group", "volunteer", "is_backbone")))
            raise FileProblem(f"回答“{answer.column}:{answer.value}={answer.code}”里的列"
                              f"“{answer.column}”不是这类导入里有代码的列。可以回答的列：{coded}。")
        names = handler.names(table) if table in ("group", "volunteer") else None
        handler.vocab.answer(table, answer.value, answer.code, names)


def _legends_of_sheets(db: Database, path: Path, names: list[str], asked: list[Question]
                       ) -> list[str]:
    """The texts of the first 60 rows of the sheets passed over (说明, 填表说明) when they
    hold a legend that answers one of the ``asked`` questions; [] otherwise."""
    texts: list[str] = []
    for sheet in open_sheets(path):
        if sheet.name not in names:
            continue
        for i, (_n, values) in enumerate(sheet.rows):
            if i >= 60:
                break
            texts.extend(_row_texts(values))
    with db.reader() as s:
        found = find_legends(texts, Vocabulary(s))
    answers = any(q.table in found and value_key(q.value) in found[q.table][0] for q in asked)
    return texts if answers else []


def _row_texts(values: list[Any]) -> list[str]:
    """A row's text cells one by one, and joined (a legend may be split over cells)."""
    cells = [text(v) for v in values if isinstance(v, str) and v.strip()]
    return [*cells, " ".join(cells)] if len(cells) > 1 else cells


def _read_file(db: Database, kind: str, path: Path, options: ImportOptions, progress: Progress,
               extra_texts: list[str] | None
               ) -> tuple[ImportReport, kinds.Handler, bool]:
    """Read and check every row (nothing is written). Returns the report, the handler with
    the queued records and whether writing may go ahead (no row errors, or skip_invalid)."""
    form = FORMS[kind]
    report = ImportReport(kind=kind, file=path.name, dry_run=options.dry_run,
                          skip_allowed=options.skip_invalid)
    with db.reader() as s:
        handler = kinds.HANDLERS[kind](s, options.update)
        handler.create_groups = options.create_groups
        _apply_answers(handler, form, options.answers)
        if extra_texts:
            for code_table, (legend, snippet) in find_legends(extra_texts, handler.vocab).items():
                handler.vocab.add_legend(code_table, legend, snippet)
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
            titles = [t for number, values in table.pending if number <= table.header_row
                      for t in _row_texts(values)]
            for code_table, (legend, snippet) in find_legends(
                    titles + [text(c) for c in table.header], handler.vocab).items():
                handler.vocab.add_legend(code_table, legend, snippet)
            if table.form_sheet:
                report.form_sheets.append(info.name)
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
            keys = [c.key for c in importing.values()]
            # the row's cells of the importing columns, by key, in one C call (short rows padded)
            width = max(importing, default=-1) + 1
            pick = _picker(list(importing))
            context = date_context(table, path.name, options.default_year)
            for number, values, shown in _table_rows(table, form, report):
                n += 1
                if n > MAX_ROWS:
                    raise FileProblem(f"文件“{path.name}”超过 {MAX_ROWS} 行，请拆分后再导入。")
                if n % 2000 == 0:
                    progress(min(0.7, n / 40000), f"正在检查第 {number} 行…")
                info.rows_read += 1
                report.rows_read += 1
                if not keys:
                    cells: dict[str, Any] = {}
                    cells_shown: dict[str, str] = {}
                elif len(values) >= width:
                    cells = dict(zip(keys, pick(values)))
                    cells_shown = dict(zip(keys, pick(shown)))
                else:
                    short = width - len(values)
                    cells = dict(zip(keys, pick(values + [None] * short)))
                    cells_shown = dict(zip(keys, pick(shown + [""] * short)))
                row = kinds.RowReader(number, cells, labels, context, cells_shown)
                row.sheet = info.name
                handler.read(row)
                for c, m in row.warnings:
                    report.warnings.append(Issue(number, c, m, info.name))
                if number in table.sheet.hidden:
                    report.warnings.append(Issue(number, "", "这一行在 Excel 里是隐藏的，已照常读入，"
                                                 "请核对是否应当导入", info.name))
                report.year_missing_rows += row.year_missing
                if row.errors:
                    report.errors.extend(Issue(number, c, m, info.name) for c, m in row.errors)
                    where = f"工作表“{info.name}”：" if len(report.sheets) > 1 else ""
                    report.error_rows.append((number, list(values), where + "；".join(
                        f"{c}：{m}" for c, m in row.errors)))
        report.valid = report.rows_read - len(report.error_rows)
        report.unknown_groups = sorted(handler.unknown_groups)
        report.unknown_values = list(handler.vocab.questions.values())
        for q in report.unknown_values:
            if q.table not in report.choices:
                report.choices[q.table] = handler.names(q.table) \
                    if q.table in ("group", "volunteer") else list(handler.vocab.codes(q.table))
        group_label = next((c.label for c in form.import_columns() if c.key == "group"), "")
        report.notes = handler.notes()
        report.warnings.extend(Issue(0, group_label, note) for note in report.notes)
        if report.errors and not options.skip_invalid:
            return report, handler, False
        report.imported, report.updated = handler.counts()
    return report, handler, True


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
        for number, _values, shown in _table_rows(table, form, report):
            info.rows_read += 1
            if result.sheet == info.name and len(result.sample) < rows:
                result.sample.append((number, shown))
    assert result is not None  # _tables raises when no sheet has a header
    result.sheets, result.passed_over = report.sheets, report.passed_over
    return result


def _picker(indices: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A function giving a row's cells at ``indices`` (at least one) as a tuple, in one C call."""
    if len(indices) == 1:
        only = indices[0]
        return lambda values: (values[only],)
    return operator.itemgetter(*indices)


def _cleaned(rows: Iterator[Row]) -> Iterator[Row]:
    """Every text cell without the characters nobody sees (contract.md §2.14)."""
    for number, values in rows:
        yield number, clean_cells(values)


def _tables(path: Path, form: Form, only: str | None, report: ImportReport) -> Iterator[Table]:
    """Every sheet with a recognisable header that has the kind's key columns (or only the
    sheet ``only``); the others (option lists, 说明 pages, empty sheets) are named in
    ``report.passed_over`` and a warning. Raises FileProblem when no sheet has data."""
    names: list[str] = []
    found = 0
    lacking: FileProblem | None = None
    for sheet in open_sheets(path):
        names.append(sheet.name)
        if only is not None and sheet.name.strip() != only.strip():
            continue
        if not sheet.clean:
            sheet.rows = _cleaned(sheet.rows)
        table = _find_header(sheet, form)
        if table is None:
            report.passed_over.append(sheet.name)
            report.warnings.append(Issue(0, "", f"工作表“{sheet.name}”的前 {HEADER_SCAN_ROWS} 行里"
                                         "没有表头（可能是说明页或空表），没有读入", sheet.name))
            continue
        missing = _missing_key_columns(form, table.mapping)
        if missing:
            problem = _key_columns_problem(missing, sheet.name if only is None else "")
            if only is not None:
                raise problem
            lacking = lacking or problem
            report.passed_over.append(sheet.name)
            report.warnings.append(Issue(0, "", (
                f"工作表“{sheet.name}”没有“{'、'.join(missing)}”列（可能是下拉选项、名单或说明页），"
                "没有读入"), sheet.name))
            continue
        found += 1
        yield table
    if only is not None and only.strip() not in [n.strip() for n in names]:
        raise FileProblem(f"“{path.name}”里没有名为“{only}”的工作表。"
                          f"它的工作表是：{'、'.join(names) or '（没有）'}。")
    if not found and lacking is not None and len(report.passed_over) == 1:
        raise lacking
    if not found and lacking is not None:
        reasons = "；".join(w.message for w in report.warnings if w.sheet in report.passed_over)
        raise FileProblem(f"“{path.name}”里没有可以导入的工作表：{reasons}。"
                          "请在数据所在的工作表的表头中加上缺少的列，或检查是否选错了导入类别。")
    if not found:
        expected = "、".join(c.label for c in form.import_columns()[:5])
        where = f"（查看了工作表：{'、'.join(names)}）" if names else "（文件里没有工作表）"
        raise FileProblem(f"在“{path.name}”的前 {HEADER_SCAN_ROWS} 行里找不到表头{where}。"
                          f"表头应包含“{expected}”等列名。请检查是否选错了文件或导入类别。")


_YEAR_RE = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d|2100)(?!\d)")


def date_context(table: Table, file_name: str, default_year: int | None = None) -> DateContext:
    """The year of dates written without one: the one year 1949–2100 that the sheet's title
    rows, the sheet name and the file name name (together); else ``default_year`` (asked by
    the wizard); else none (such dates are row errors)."""
    places = (("表格标题", table.title_text()), ("工作表名", table.sheet.name),
              ("文件名", Path(file_name).stem))
    years: dict[int, str] = {}
    for place, words in places:
        for m in _YEAR_RE.finditer(replace_numerals(words)):
            years.setdefault(int(m[1]), f"{place}“{words[:30]}”")
    if len(years) == 1:
        year, where = next(iter(years.items()))
        return DateContext(year, where)
    if default_year is not None:
        return DateContext(default_year, "导入时指定的年份")
    return DateContext()


def _missing_key_columns(form: Form, mapping: dict[int, Col]) -> list[str]:
    have = {c.key for c in mapping.values()}
    return [form.column(k).label for k in kinds.KEY_COLUMNS[form.id] if k not in have]


def _key_columns_problem(missing: list[str], sheet: str = "") -> FileProblem:
    where = f"工作表“{sheet}”的" if sheet else ""
    return FileProblem(f"{where}表头里没有“{'、'.join(missing)}”列，无法导入。请在表头中加上这一列。")


def _require_key_columns(form: Form, mapping: dict[int, Col], sheet: str = "") -> None:
    missing = _missing_key_columns(form, mapping)
    if missing:
        raise _key_columns_problem(missing, sheet)
