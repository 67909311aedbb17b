"""Per-kind row rules of the import (contract.md §2, rules 3–12).

``RowReader`` reads one sheet row cell by cell, collecting errors and warnings under the
file's own column names. A handler per kind turns valid rows into records, finds duplicates in
the file and in the database, and writes everything with bulk statements in the caller's
transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import operator
import os
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from exports import cells
from exports.forms import STUDENTS
from exports.values import INSIDE, LEGEND, Vocabulary, value_key
from models import audit, faults, first_screen, idcard, people, rules, yearlock
from models.codes import join_multi
from models.entities import (
    Activity,
    Donation,
    Group,
    Pairing,
    Student,
    Venue,
    Volunteer,
    donation_recipients,
    new_uuid,
    now,
)
from models.errors import DataError
from models.money import to_fen
from models.pairings import overlaps
from models.pinyin import initials
from models.students import CIVIL_CODES, CIVIL_IDS, CIVIL_NAMES, CIVIL_PHONES, CIVIL_TEXTS
from models.subjects import form_keys, key_columns
from models.synonyms import CREATE, TABLE_LABELS

#: columns without which a file cannot be imported at all
KEY_COLUMNS: dict[str, tuple[str, ...]] = key_columns()
MAX_COUNT = 10_000_000  # no activity or group counts more people than this
_SCI_RE = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_NUMBER_TEXT_RE = re.compile(r"\d{15}(\d{2}[\dX])?\.0")
#: a Chinese name (2–10 characters, a middle dot allowed) followed by a bracketed remark
_REMARK_RE = re.compile(r"^([\u4e00-\u9fff·•]{1,10})[（(]([^（）()]+)[)）]$")
#: what clerks write in an ID cell for a person who has no number (yet)
NO_ID_WORDS = frozenset((
    "无", "暂无", "没有", "未办", "未办理", "未办证", "无户口", "未上户", "未上户口", "待办", "待办理",
    "在办", "正在办理", "办理中", "无身份证", "无证", "暂未办理", "尚未办理", "未登记", "未落户", "空",
    "/", "-", "--", "—", "——", "\\", "无号码"))
_NO_ID_SUFFIX_RE = re.compile(r"(?<=.)(?:身份证号码|身份证号|身份证|户口|号码)$")
NUMERIC_ID = ("身份证号被 Excel 存成了数字，后几位已经丢失，无法恢复。"
              "请把这一列设为“文本”格式，照原件重新输入身份证号")


class RowReader:
    """One row's cells by column key, with the issues found while reading them."""

    __slots__ = (
        "_texts",
        "context",
        "errors",
        "id_info",
        "labels",
        "no_id_said",
        "number",
        "remarks",
        "sheet",
        "values",
        "warnings",
        "year_missing",
    )

    def __init__(self, number: int, values: dict[str, Any], labels: dict[str, str],
                 context: cells.DateContext = cells.NO_CONTEXT,
                 texts: dict[str, str] | None = None) -> None:
        self.number = number
        self.values = values
        self.labels = labels
        #: the year a date without one takes (the sheet's title, sheet name or file name)
        self.context = context
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        #: remarks taken out of other cells (a bracket after a name), added to 备注
        self.remarks: list[str] = []
        #: the sheet the row is on (for the questions about unknown values)
        self.sheet = ""
        #: the ID cell said there is no number (暂无): warned once
        self.no_id_said = False
        #: a date had no year and none was known (the wizard then asks for one)
        self.year_missing = False
        #: column key -> what its valid ID number tells (:meth:`id_number` parses it once)
        self.id_info: dict[str, idcard.IdInfo] = {}
        #: every cell as :func:`exports.cells.text`, made at once (``texts``: made already,
        #: key by key as ``values``)
        self._texts: dict[str, str] = texts if texts is not None else \
            dict(zip(values, cells.texts(list(values.values()))))

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def error(self, key: str, message: str) -> None:
        self.errors.append((self.label(key), message))

    def warn(self, key: str, message: str) -> None:
        self.warnings.append((self.label(key), message))

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def blank(self, key: str) -> bool:
        # a cell with text is never blank; one without may be (an apostrophe alone is not)
        return not self._texts.get(key) and cells.is_blank(self.values.get(key))

    def text(self, key: str) -> str:
        """The cell as :func:`exports.cells.text` (made once per cell)."""
        return self._texts.get(key, "")

    def parts(self, key: str) -> list[str]:
        """The cell's codes, as :func:`exports.cells.split_list` gives them."""
        return cells.split_text(self._texts.get(key, ""))

    def name(self, key: str) -> str:
        return people.clean_name(self.text(key))

    def person_name(self, key: str) -> str:
        """A person's name; a bracketed remark (``王德（骨干）``) goes to 备注 with a warning."""
        name = self.name(key)
        m = _REMARK_RE.match(name) if name.endswith((")", "）")) else None
        if m is None:
            return name
        self.remarks.append(m[2])
        self.warn(key, f"姓名“{name}”里的括号内容“{m[2]}”已移到备注，姓名记为“{m[1]}”")
        return m[1]

    def note(self, key: str = "note") -> str:
        """The 备注 cell with the remarks taken out of other cells appended."""
        if not self.remarks:
            return self._texts.get(key, "")
        return "；".join(p for p in (self.text(key), *self.remarks) if p)

    def date(self, key: str, required: bool = False, what: str = "日期",
             context: cells.DateContext | None = None) -> tuple[dt.date | None, bool]:
        """(date, month_only). A date that cannot be read is a row error, required or not
        (never left empty because it was not understood); an empty required one too. A year
        taken from the sheet, a century chosen and a range read as its first day are warnings
        (the range's whole text goes to the record's note)."""
        if self.blank(key):
            if required:
                self.error(key, f"{what}为空，请填写")
            return None, False
        try:
            got = cells.read_date(self.raw(key), context or self.context)
        except cells.CellProblem as err:
            self.error(key, str(err))
            self.year_missing = self.year_missing or isinstance(err, cells.NoYear)
            return None, False
        if got.year_added or got.century_added or got.whole:
            self.explain_date(key, got, context or self.context)
        return got.date, got.month_only

    def explain_date(self, key: str, got: cells.DateRead, context: cells.DateContext) -> None:
        """The warnings of a date read with help (year, century, range)."""
        if not (got.year_added or got.century_added or got.whole):
            return
        shown = self.text(key)
        if got.year_added:
            self.warn(key, f"“{shown}”没有写年份，按{context.year_from}（{context.year} 年）"
                           f"记为 {got.date:%Y.%m.%d}，请核对")
        elif got.century_added:
            self.warn(key, f"“{shown}”的年份只有两位，按 {got.date:%Y} 年记为 "
                           f"{got.date:%Y.%m.%d}，请核对")
        if got.whole:
            self.remarks.append(f"日期原文：{got.whole}")
            self.warn(key, f"“{got.whole}”是一段日期，按第一天 {got.date:%Y.%m.%d} 记，原文已写入备注")

    def count(self, key: str) -> int:
        if self.blank(key):
            return 0
        try:
            n = cells.count(self.raw(key))
        except cells.CellProblem as err:
            self.error(key, str(err))
            return 0
        if n < 0:
            self.error(key, "人数不能是负数")
        elif n > MAX_COUNT:
            self.error(key, f"人数“{n}”不合理，请核对")
            return 0
        return n

    def money_fen(self, key: str) -> int:
        if self.blank(key):
            return 0
        try:
            fen = to_fen(cells.money(self.raw(key)))
        except (cells.CellProblem, ValueError) as err:
            self.error(key, str(err))  # never stored as 0 because it was not understood
            return 0
        if fen < 0:
            self.error(key, "金额不能是负数")
        return fen

    def phone(self, key: str) -> str:
        value = self.text(key)
        if not (value.isascii() and value.isdigit()):  # else already as normalize_phone makes it
            value = idcard.normalize_phone(value)
        if idcard.phone_looks_odd(value):
            self.warn(key, f"电话“{value}”的格式不常见，请核对")
        return value

    def id_number(self, key: str) -> tuple[str | None, bool]:
        """(normalised number or None, ok). Numeric cells and invalid numbers are errors. The
        number is parsed once: what a valid one tells is kept in ``id_info[key]``."""
        raw = self.values.get(key)
        if type(raw) is str:  # the usual cell: 18 ASCII characters, the first 17 digits,
            # which idcard.normalize only upper-cases; its one parse
            number = self._texts.get(key, "")
            if len(number) == 18 and number.isascii() and number[:17].isdigit():
                info = idcard.examine(number.upper())
                if type(info) is idcard.IdInfo:
                    self.id_info[key] = info
                    return info.number, True
        if cells.is_blank(raw):
            return None, True
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            self.error(key, NUMERIC_ID)
            return None, False
        number = idcard.normalize(self.text(key))
        if _NO_ID_SUFFIX_RE.sub("", number.strip("（）()。.")) in NO_ID_WORDS:
            self.warn(key, f"身份证号写的是“{self.text(key)}”，按没有身份证号处理，将按姓名和出生日期查重")
            self.no_id_said = True
            return None, True
        if _NUMBER_TEXT_RE.fullmatch(number):  # text of a number: 2302….0
            number = number[:-2]
        upgraded = ""
        if len(number) == 15 and number.isdigit():
            upgraded, number = number, upgrade_id(number)
        if "*" in number:
            self.error(key, "身份证号是打码后的（含*号），无法导入。请用导出时选择“完整身份证号”的文件")
            return None, False
        if _SCI_RE.match(number):
            self.error(key, NUMERIC_ID)
            return None, False
        info = idcard.examine(number)
        if upgraded and not isinstance(info, str):
            self.warn(key, f"15位老身份证号“{upgraded}”已换算为18位“{number}”，请核对")
        if isinstance(info, str):
            reason = info
            if number.isdigit() and number.endswith("000") and len(number) == 18:
                reason += "（末尾是000，可能被 Excel 当作数字截断过）"
            self.error(key, reason)
            return None, False
        self.id_info[key] = info
        return number, True


def upgrade_id(old: str) -> str:
    """A 15-digit first-generation ID number as the 18-digit one (19 inserted, check char)."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + idcard.check_char(first17)


def core_insert(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column -> value dicts) into ``model``'s table in the session's
    transaction and in their order: the DBAPI cursor's executemany with one parameter tuple a
    row, no ORM bookkeeping and no SQLAlchemy work per row. Consecutive rows with the same keys
    go in one statement. The year lock (models.yearlock), which sees Core statements through the
    session's hook, is applied to the rows here first (raises YearLocked, nothing inserted).

    Columns a row does not give take their Python defaults as SQLAlchemy would give them: one
    ``created_at``/``updated_at`` for the call (``now()`` has whole seconds), a uuid each, the
    constants (``""``, ``0``, ``False``); values are converted by the columns' own SQLAlchemy
    bind processors (dates as SQLAlchemy's SQLite dialect stores them). Rows naming a column the
    table lacks, or a column whose default is another function, go through ``Session.execute``.
    """
    if not rows:
        return
    table = model.__table__
    yearlock.check_inserts(s, table.name, rows)
    conn = s.connection()
    stamp = now()
    with _stale_trigger_set_aside(conn, table.name, len(rows)):
        for keys, group in itertools.groupby(rows, key=_row_keys):
            plan = _insert_plan(table, keys, conn.dialect)
            if plan is None:
                s.execute(insert(table), list(group))
                continue
            conn.exec_driver_sql(plan.sql, plan.parameters(list(group), stamp))


#: rows inserted at once from which the 首页's stale-marking trigger is set aside: it fires on
#: every row and costs about as much as all seven indexes of the 五老 table together
BULK_TRIGGER_ROWS = 500
_TRIGGER_SQL = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?"


@contextlib.contextmanager
def _stale_trigger_set_aside(conn: Any, table: str, rows: int) -> Iterator[None]:
    """Around a bulk insert of ``rows`` rows into ``table``, in the caller's write transaction:
    the stored first-screen figures are marked stale once (what the trigger does on the first
    row: models.first_screen) and the table's insert trigger is dropped, then created again
    from its own text in sqlite_master, so the schema after the transaction is the same; a
    rollback or a crash restores it with the rows. Nothing is done below BULK_TRIGGER_ROWS
    rows or when the table has no such trigger."""
    name = first_screen.trigger_name(table, "insert")
    sql = conn.exec_driver_sql(_TRIGGER_SQL, (name,)).scalar() \
        if rows >= BULK_TRIGGER_ROWS else None
    if sql is None:
        yield
        return
    conn.exec_driver_sql(first_screen.MARK_STALE)
    conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        faults.point("import.trigger")
        yield
    finally:  # not there again unless SQLite rolled the transaction back (the drop with it)
        if conn.exec_driver_sql(_TRIGGER_SQL, (name,)).first() is None:
            conn.exec_driver_sql(sql)


#: rows inserted at once from which the table's indexes are set aside (see
#: :func:`indexes_set_aside`): built again after the rows, each in one sorted pass, they cost
#: about a third of what keeping them up to date row by row costs
BULK_INDEX_ROWS = 2000
_INDEXES_SQL = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL")
_SAVEPOINT = "bulk_insert_indexes"


@contextlib.contextmanager
def indexes_set_aside(s: Session, table: str, rows: int) -> Iterator[None]:
    """Around the insert of ``rows`` rows into ``table`` in the session's write transaction:
    when they are at least BULK_INDEX_ROWS and at least as many as the table held (its
    largest rowid), the table's own indexes are dropped before the rows go in and created again
    from their own text in sqlite_master after them, so the schema after the transaction is the
    same. A row breaking a unique index then fails the index's creation (IntegrityError, as the
    insert would have failed). It all happens inside a savepoint: on any exception the rows and
    the drops are undone together (the indexes are there again) and the exception goes on; a
    kill or a crash rolls them back with the transaction. Otherwise nothing is done."""
    conn = s.connection()
    indexes: list[Any] = []
    if rows >= BULK_INDEX_ROWS:
        held = conn.exec_driver_sql(f'SELECT max(rowid) FROM "{table}"').scalar() or 0
        if held <= rows:
            indexes = list(conn.exec_driver_sql(_INDEXES_SQL, (table,)).all())
    if not indexes:
        yield
        return
    conn.exec_driver_sql(f"SAVEPOINT {_SAVEPOINT}")
    try:
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        faults.point("import.indexes")
        yield
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
    except BaseException:
        # unless SQLite rolled the whole transaction back already (the drops with it)
        raw = conn.connection.dbapi_connection
        if raw is not None and raw.in_transaction:
            conn.exec_driver_sql(f"ROLLBACK TO {_SAVEPOINT}")
            conn.exec_driver_sql(f"RELEASE {_SAVEPOINT}")
        raise
    conn.exec_driver_sql(f"RELEASE {_SAVEPOINT}")


#: the page cache (KiB) of a bulk insert's connection while the rows go in: the table's pages
#: and the sort of the indexes built again stay in memory (SQLite's default is 2000 KiB; it
#: grows only as pages are used). Memory only: what is written and when is unchanged.
BULK_CACHE_KIB = 65536


@contextlib.contextmanager
def page_cache_raised(s: Session, rows: int) -> Iterator[None]:
    """Around the insert of ``rows`` rows (at least BULK_INDEX_ROWS): the connection's page
    cache at least BULK_CACHE_KIB, set back to what it was after."""
    conn = s.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar() if rows >= BULK_INDEX_ROWS \
        else None
    # a negative size is in KiB, a positive one in pages (of at most 64 KiB)
    if before is None or -before >= BULK_CACHE_KIB or before * 64 >= BULK_CACHE_KIB:
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:  # best effort: a failure here must not hide the error that ended the insert
        with contextlib.suppress(DBAPIError):
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _row_keys(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)


def _date_text(processor: Any) -> Any:
    """The DATE bind processor, with the usual value (a plain date) made by ``isoformat``
    (the text SQLAlchemy's SQLite dialect makes: YYYY-MM-DD)."""
    def process(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is dt.date:
            return value.isoformat()
        return processor(value)
    process.general = processor  # type: ignore[attr-defined]
    return process


def _bool_values(processor: Any) -> Any:
    """The BOOLEAN bind processor, with what it makes of True and False known (``constants``:
    :meth:`_InsertPlan.parameters` gives a plain bool its value inline)."""
    def process(value: Any) -> Any:
        return processor(value)
    process.constants = (processor(True), processor(False))  # type: ignore[attr-defined]
    return process


class _InsertPlan:
    """One INSERT of a table for rows with given keys: the SQL, and how each parameter tuple
    is made (the rows' values through their processors, then the defaults)."""

    def __init__(self, sql: str, keys: tuple[str, ...], processors: list[tuple[int, Any]],
                 defaults: list[Any]) -> None:
        self.sql = sql
        self.getter = operator.itemgetter(*keys)
        self.single = len(keys) == 1
        self.processors = processors
        #: per default column: a constant, _STAMP (the call's time) or _UUID (one per row)
        self.defaults = defaults

    def parameters(self, rows: list[dict[str, Any]], stamp: dt.datetime) -> list[tuple[Any, ...]]:
        getter = self.getter
        columns: list[Any] = [list(map(getter, rows))] if self.single else \
            list(zip(*map(getter, rows)))
        date = dt.date
        for i, process in self.processors:
            general = getattr(process, "general", None)
            constants = getattr(process, "constants", None)
            if general is not None:  # _date_text's work inline: one call a column, not a cell
                columns[i] = [None if v is None else v.isoformat() if type(v) is date
                              else general(v) for v in columns[i]]
            elif constants is not None:  # _bool_values': a plain bool takes its known value
                yes, no = constants
                columns[i] = [yes if v is True else no if v is False else process(v)
                              for v in columns[i]]
            else:
                columns[i] = list(map(process, columns[i]))
        n = len(rows)
        for default in self.defaults:
            if default is _UUID:
                columns.append(new_uuids(n))
            else:
                columns.append(itertools.repeat(default[1](stamp) if default[0] is _STAMP
                                                 else default[1], n))
        return list(zip(*columns))


def new_uuids(n: int) -> list[str]:
    """``n`` of :func:`models.entities.new_uuid` at once: random version-4 uuids as
    ``uuid.uuid4`` makes them (16 random bytes, the version and variant bits set), from one
    read of the system's random source."""
    if n <= 0:
        return []
    data = bytearray(os.urandom(16 * n))
    data[6::16] = data[6::16].translate(_VERSION_4)
    data[8::16] = data[8::16].translate(_VARIANT)
    h = data.hex().encode("ascii")
    # 36 characters and a line break a uuid: each of the 32 hex digits put in its place for all
    # uuids at once (one slice assignment each), then one split
    out = bytearray(b"-" * 36 + b"\n") * n
    for k, place in enumerate(_UUID_PLACES):
        out[place::37] = h[k::32]
    return out[:-1].decode("ascii").split("\n")


#: a byte with the version (4) or the variant (10xx) bits set, by its value
_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))
_VARIANT = bytes(b & 0x3F | 0x80 for b in range(256))
#: where the 32 hex digits of a uuid go in its 36 characters (8-4-4-4-12)
_UUID_PLACES = [p for p in range(36) if p not in (8, 13, 18, 23)]


_STAMP, _UUID = object(), object()
_PLANS: dict[tuple[Any, tuple[str, ...], str], _InsertPlan | None] = {}


def _insert_plan(table: Any, keys: tuple[str, ...], dialect: Any) -> _InsertPlan | None:
    """The plan for rows with ``keys`` (cached), or None when they need SQLAlchemy."""
    cache_key = (table, keys, dialect.name)
    if cache_key in _PLANS:
        return _PLANS[cache_key]
    plan: _InsertPlan | None = None
    columns = table.c
    if dialect.paramstyle == "qmark" and keys and all(k in columns for k in keys):
        def processor(col: Any) -> Any:
            process = col.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and isinstance(col.type, Date) and \
                    not isinstance(col.type, DateTime):
                return _date_text(process)
            if process is not None and isinstance(col.type, Boolean):
                return _bool_values(process)
            return process

        names = list(keys)
        processors = [(i, p) for i, k in enumerate(keys) if (p := processor(columns[k]))]
        defaults: list[Any] = []
        for col in columns:
            if col.key in keys or col.default is None:
                continue
            default = col.default
            if default.is_scalar:
                process = processor(col)
                defaults.append((None, process(default.arg) if process else default.arg))
            elif _function_of(default) is now:
                defaults.append((_STAMP, processor(col) or (lambda v: v)))
            elif _function_of(default) is new_uuid:
                defaults.append(_UUID)
            else:
                _PLANS[cache_key] = None
                return None
            names.append(col.key)
        quote = dialect.identifier_preparer
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote.format_table(table), ", ".join(quote.quote(columns[n].name) for n in names),
            ", ".join("?" * len(names)))
        plan = _InsertPlan(sql, keys, processors, defaults)
    _PLANS[cache_key] = plan
    return plan


def _function_of(default: Any) -> Any:
    """A column default's function (SQLAlchemy wraps it to take a context), or None."""
    return getattr(default.arg, "__wrapped__", None) if default.is_callable else None


class Handler:
    """Base: keeps the rows to insert and to update; subclasses read and write one kind."""

    subject = ""

    def __init__(self, s: Session, allow_update: bool) -> None:
        self.s = s
        self.allow_update = allow_update
        self.new: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        #: create the 关工小组 a roster names that are not in the program yet (--create-groups)
        self.create_groups = False
        #: such group names -> the sheet rows naming them
        self.unknown_groups: dict[str, list[int]] = {}
        #: unknown group names the clerk answered with 新建 (created like --create-groups)
        self.create_names: set[str] = set()
        #: codes, synonyms, answers and the questions about unknown values (§2.13)
        self.vocab = Vocabulary(s)

    def table(self, name: str) -> list[str]:
        return self.vocab.codes(name)

    def names(self, table: str) -> list[str]:
        """The existing names a name question may be answered with (关工小组, 在队五老)."""
        if not hasattr(self, "_names"):
            self._names: dict[str, list[str]] = {}
        if table not in self._names:
            self._names[table] = list(self.groups()) if table == "group" \
                else sorted(self.active_volunteers())
        return self._names[table]

    def active_volunteers(self) -> dict[str, list[int]]:
        """Names of the 五老 in the team -> their ids (read once per import)."""
        if not hasattr(self, "_active"):
            self._active = self.ids_by_name(Volunteer, Volunteer.left_on.is_(None))
        return self._active

    def code(self, row: RowReader, key: str, table: str, required: bool,
             blank: str | None = None) -> str | None:
        """A code-table cell (§2.13): the code it means, or ``blank`` for an empty cell. A value
        the import does not know becomes a question; while unanswered its row is refused
        (``required``) or the value is left empty with a warning — never 其他."""
        raw = row.text(key)
        found, how = self.vocab.resolve(table, raw)
        if found is not None and how is not INSIDE and how is not LEGEND:
            return found  # what known_code gives, without anything to say (the usual cell)
        if not value_key(raw):  # empty, or only invisible characters
            return blank
        return self.one_code(row, key, table, raw, required)

    def one_code(self, row: RowReader, key: str, table: str, raw: str, required: bool,
                 left: str = "已留空") -> str | None:
        """One value of a code column (also one part of a multi-code cell), see ``code``."""
        found, how = self.vocab.resolve(table, raw)
        if found is not None and how is not INSIDE and how is not LEGEND:
            return found  # what known_code gives, without anything to say (the usual cell)
        found = self.known_code(row, key, table, raw, required)
        if found is None:
            self.unknown(row, key, table, raw, required, left)
        return found

    def known_code(self, row: RowReader, key: str, table: str, raw: str, required: bool
                   ) -> str | None:
        """The code ``raw`` means, or None. A code found inside other words is said on the
        row; one taken from the file's legend is listed among the questions (said once)."""
        found, how = self.vocab.resolve(table, raw)
        if how == INSIDE:
            row.warn(key, f"“{raw}”按“{found}”处理")
        elif how == LEGEND:
            self.vocab.ask(table, row.label(key), raw, row.number, row.sheet, required,
                           taken=found)
        return found

    def unknown(self, row: RowReader, key: str, table: str, raw: str, required: bool,
                left: str = "已留空", names: list[str] | None = None) -> None:
        """Ask about ``raw`` and say so on the row: an error when ``required``, else a warning."""
        q = self.vocab.ask(table, row.label(key), raw, row.number, row.sheet, required, names)
        label = TABLE_LABELS.get(table, table)
        if table == "group":
            what = "程序里没有这个关工小组"
        elif table == "volunteer":
            what = "程序里没有这位在队五老"
        else:
            what = f"不是已有的{label}"
        hint = f"（可能是“{q.guess}”）" if q.guess and q.guess != CREATE else ""
        ask = f"请在导入向导里选择它对应的{label}（命令行用 --map \"{row.label(key)}:{raw}=…\"）"
        if required:
            row.error(key, f"“{raw}”{what}{hint}，这一行没有导入。{ask}")
        else:
            row.warn(key, f"“{raw}”{what}{hint}，{left}。{ask}")

    def counts(self) -> tuple[int, int]:
        return len(self.new), len(self.updates)

    def ids_by_name(self, model: Any, *where: Any) -> dict[str, list[int]]:
        """Live records of ``model`` by name -> their ids (several when names repeat)."""
        found: dict[str, list[int]] = {}
        for row in self.s.execute(select(model.id, model.name)
                                  .where(model.deleted_at.is_(None), *where)):
            found.setdefault(str(row[1]), []).append(int(row[0]))
        return found

    def groups(self) -> dict[str, int]:
        """Live group names -> id (read once per import)."""
        if not hasattr(self, "_groups"):
            self._groups = dict(self.s.execute(select(Group.name, Group.id)
                                               .where(Group.deleted_at.is_(None))).all())
        return self._groups

    def group_id(self, row: RowReader, key: str) -> int | None:
        """The live group a cell names; an unknown name is asked about (or created)."""
        name = "".join(row.text(key).split())
        if not name:
            return None
        groups = self.groups()
        found = groups.get(name) or groups.get(name + "关工小组")
        if found is not None:
            return found
        answer = self.vocab.learned_name("group", name)
        if answer is not None and answer in groups:
            return groups[answer]
        self.unknown_groups.setdefault(name, []).append(row.number)
        if answer == CREATE:
            self.create_names.add(name)
        if self.create_groups or answer == CREATE:
            self.vocab.ask("group", row.label(key), name, row.number, row.sheet, False,
                           self.names("group"), taken=CREATE)
        else:
            self.unknown(row, key, "group", name, False, names=self.names("group"))
        return None

    def read(self, row: RowReader) -> None:
        raise NotImplementedError

    def check(self, row: RowReader, values: dict[str, Any],
              facts: dict[str, Any] | None = None) -> None:
        """The subject's one rule set (models.rules), as the dialogs apply it: each problem is
        a row error under the file's column, except an optional date out of range, which is
        dropped with a warning. A column that already has an error gets no second one."""
        found = rules.problems(self.subject, values, facts)
        if not found:
            return
        taken = {label for label, _ in row.errors}
        for problem in found:
            key = FORM_KEYS.get(problem.key, problem.key)
            if problem.droppable:
                values[problem.key] = None
                row.warn(key, f"{problem.message}，已留空")
            elif row.label(key) not in taken:
                row.error(key, problem.message)

    def notes(self) -> list[str]:
        """Sentences about the whole file (said once, not on every row)."""
        made = self.groups_to_create()
        left = {n: r for n, r in self.unknown_groups.items() if n not in made}
        out = self.vocab.legend_notes()
        if made:
            rows = sum(len(self.unknown_groups[n]) for n in made)
            out.append(f"将新建 {len(made)} 个关工小组：{'、'.join(made)}（{rows} 行用到）")
        if left:
            rows = sum(len(r) for r in left.values())
            out.append(f"有 {len(left)} 个关工小组在程序里还没有：{'、'.join(left)}（共 {rows} 行），"
                       "这些行的关工小组已留空。如要一并建立这些关工小组，请在导入时选择“新建”"
                       "（命令行加 --create-groups，或 --map \"关工小组:名称=新建\"）")
        return out

    def groups_to_create(self) -> list[str]:
        """The unknown group names this import creates (all with --create-groups)."""
        return [n for n in self.unknown_groups if self.create_groups or n in self.create_names]

    def add_groups(self, s: Session) -> None:
        """Create the unknown groups (in the import's transaction) and give the rows naming
        them their new group."""
        made: dict[str, int] = {}
        for name in self.groups_to_create():
            values = {"name": name, "name_initials": initials(name), "type": guess_group_type(name),
                      "note": "导入时新建"}
            made[name] = s.execute(insert(Group).returning(Group.id), [values]).scalar_one()
            audit.log(s, "新增", "groups", made[name], f"{name}（导入时新建）")
        for rec in self.new + self.updates:
            name = rec.pop("_group_name", None)
            if name in made:
                rec["group_id"] = made[name]

    def recheck(self, s: Session) -> None:
        """Inside the write transaction (the write lock is held): refuse when the database
        changed since the rows were checked so that a row would now be a duplicate. Raises
        DataError; nothing is written then."""

    def write(self, s: Session, file_name: str) -> int:
        """Bulk-write in the caller's transaction; returns pairings created."""
        self.recheck(s)
        self.add_groups(s)
        for rec in self.new + self.updates:
            rec.pop("_group_name", None)
        model = self.model()
        with page_cache_raised(s, len(self.new)), \
                indexes_set_aside(s, model.__table__.name, len(self.new)):
            for i in range(0, len(self.new), 5000):
                core_insert(s, model, self.new[i:i + 5000])
                faults.point("import.insert")
        if self.updates:
            s.execute(update(model), self.updates)
        audit.log(s, "导入", self.subject, None,
                  f"{file_name}：新增 {len(self.new)} 条，更新 {len(self.updates)} 条")
        return 0

    def model(self) -> Any:
        raise NotImplementedError


class GroupsHandler(Handler):
    subject = "groups"

    def __init__(self, s: Session, allow_update: bool) -> None:
        super().__init__(s, allow_update)
        self.existing = dict(s.execute(select(Group.name, Group.id)
                                       .where(Group.deleted_at.is_(None))).all())
        self.seen: dict[str, int] = {}

    def model(self) -> Any:
        return Group

    def recheck(self, s: Session) -> None:
        names = [r["name"] for r in self.new]
        for i in range(0, len(names), 500):
            taken = s.scalar(select(Group.name).where(Group.deleted_at.is_(None),
                                                      Group.name.in_(names[i:i + 500])).limit(1))
            if taken is not None:
                raise DataError(CHANGED_MEANWHILE.format(row=self.seen.get(taken, "?"),
                                                         what="关工组织", name=taken))

    def read(self, row: RowReader) -> None:
        name = "".join(row.text("name").split())
        if not name:
            row.error("name", "组织名称为空，请填写")
        gtype = self.code(row, "type", "group_type", True, blank="其他")
        founded, _ = row.date("founded_on")
        values = {"name": name, "name_initials": initials(name), "type": gtype,
                  "leader": row.name("leader"), "deputy": row.name("deputy"),
                  "phone": row.phone("phone"), "member_count": row.count("member_count"),
                  "founded_on": founded, "note": row.note()}
        if name in self.seen:
            row.error("name", f"与第 {self.seen[name]} 行的组织名称重复")
        self.check(row, values)
        if row.errors:
            return
        self.seen[name] = row.number
        if name in self.existing:
            if not self.allow_update:
                row.error("name", "数据库中已有同名的关工组织（如要更新，请选择“更新已有记录”）")
                return
            self.updates.append({"id": self.existing[name], **values})
        else:
            self.new.append(values)


class PeopleHandler(Handler):
    """Shared rules of 五老 and students: ID authority, duplicates in file and database."""

    birth_key = "birth_date"
    #: the ages a birth date must give, to choose the century of a two-digit year
    birth_ages = (0, 120)

    def __init__(self, s: Session, allow_update: bool) -> None:
        super().__init__(s, allow_update)
        m = self.model()
        live = s.execute(select(m.id, m.id_number, m.name, m.birth_date)
                         .where(m.deleted_at.is_(None))).all()
        self.by_id = {r.id_number: r.id for r in live if r.id_number}
        self.by_name_birth = {(r.name, r.birth_date): r.id for r in live if r.birth_date}
        self.deleted_ids: set[str] = set(s.scalars(select(m.id_number).where(
            m.deleted_at.is_not(None), m.id_number.is_not(None))))
        self.seen_ids: dict[str, int] = {}
        self.seen_name_birth: dict[tuple[str, dt.date], int] = {}
        self.new_rows: list[int] = []

    def recheck(self, s: Session) -> None:
        """A person queued as new who meanwhile got into the database (another import, the
        window) refuses the whole write: checked under the write lock, so no duplicate."""
        m = self.model()
        what = "人员"
        numbers = {r["id_number"]: n for r, n in zip(self.new, self.new_rows) if r["id_number"]}
        keys = {(r["name"], r["birth_date"]): n for r, n in zip(self.new, self.new_rows)
                if not r["id_number"] and r["birth_date"] is not None}
        if numbers:  # one pass over the table's numbers (not one scan per 500 of the file's)
            clash = min(((numbers[number], name) for number, name in s.execute(
                select(m.id_number, m.name).where(m.id_number.is_not(None)))
                if number in numbers), default=None)
            if clash is not None:
                raise DataError(CHANGED_MEANWHILE.format(row=clash[0], what=what, name=clash[1]))
        if keys:
            names = sorted({k[0] for k in keys})
            for i in range(0, len(names), 500):
                for name, birth in s.execute(select(m.name, m.birth_date).where(
                        m.deleted_at.is_(None), m.name.in_(names[i:i + 500]))):
                    if (name, birth) in keys:
                        raise DataError(CHANGED_MEANWHILE.format(row=keys[(name, birth)],
                                                                 what=what, name=name))

    def _birth_context(self) -> cells.DateContext:
        """The context of a birth date: the ages it must give (made once per import)."""
        if not hasattr(self, "_birth"):
            self._birth = cells.DateContext(ages=self.birth_ages)
        return self._birth

    def sex(self, row: RowReader) -> tuple[str, str | None]:
        """(男/女 or "", why it was not understood): a value the import does not know (``1``
        without a legend) is a question, never guessed silently."""
        raw = row.text("sex")
        if not value_key(raw):
            return "", None
        found = self.known_code(row, "sex", "sex", raw, False)
        if found is not None:
            return found, None
        q = self.vocab.ask("sex", row.label("sex"), raw, row.number, row.sheet, False)
        hint = f"（可能是“{q.guess}”，请在导入时选择；命令行用 --map）" if q.guess else \
            "（请在导入时选择它表示男还是女；命令行用 --map）"
        return "", f"性别“{raw}”不认识{hint}"

    def identity(self, row: RowReader) -> dict[str, Any] | None:
        """Name, ID number, birth date and sex of the row (None when the row is refused)."""
        name = row.person_name("name")
        if not name:
            row.error("name", "姓名为空，请填写")
        number, ok = row.id_number("id_number")
        birth, month_only = (None, False)
        birth_problem: str | None = None
        if not row.blank(self.birth_key):
            birth_context = self._birth_context()
            try:
                got = cells.read_date(row.raw(self.birth_key), birth_context)
                birth, month_only = got.date, got.month_only
                if got.whole:
                    birth_problem = f"出生日期“{got.whole}”是一段日期"
                    birth = None
                elif got.year_added or got.century_added:
                    row.explain_date(self.birth_key, got, birth_context)
            except cells.CellProblem as err:
                birth_problem = str(err)
        sex, sex_problem = self.sex(row)
        if number and ok:
            info = row.id_info["id_number"]
            if birth_problem:
                row.warn(self.birth_key, f"{birth_problem}；已按身份证号填为{info.birth_date:%Y.%m.%d}")
            if sex_problem:
                row.warn("sex", f"{sex_problem}；已按身份证号填为{info.sex}")
            birth, sex, notes = people.identity_from(info, None if birth_problem else birth,
                                                     sex.strip(), birth_month_only=month_only)
            for column, message in notes:
                key = self.birth_key if column == "出生日期" else "sex"
                row.warn(key, message)
        else:
            if ok and not row.no_id_said:
                row.warn("id_number", "没有身份证号，将按姓名和出生日期查重")
            if birth_problem:
                row.warn(self.birth_key, f"{birth_problem}，已留空")
            if sex_problem:
                row.warn("sex", f"{sex_problem}，已留空")
        if not name or not ok:
            return None
        return {"name": name, "name_initials": initials(name), "id_number": number,
                "birth_date": birth, "sex": sex}

    def place(self, row: RowReader, values: dict[str, Any]) -> dict[str, Any] | None:
        """Duplicates in the file and in the database; queue as new or update.

        Returns the queued record, or None when the row was refused."""
        number, key = values["id_number"], (values["name"], values["birth_date"])
        if number:
            if number in self.seen_ids:
                row.error("id_number", f"与第 {self.seen_ids[number]} 行的身份证号重复")
                return None
            self.seen_ids[number] = row.number
            existing = self.by_id.get(number)
            if existing is None and number in self.deleted_ids:
                row.error("id_number", "回收站里有这个身份证号的记录，请先到回收站恢复它")
                return None
        elif values["birth_date"] is not None:
            if key in self.seen_name_birth:
                row.error("name", f"与第 {self.seen_name_birth[key]} 行的姓名和出生日期相同，可能重复")
                return None
            self.seen_name_birth[key] = row.number
            existing = self.by_name_birth.get(key)
        else:
            existing = None
        if existing is not None:
            if not self.allow_update:
                what = "身份证号" if number else "姓名和出生日期"
                row.error("id_number" if number else "name",
                          f"数据库中已有{what}相同的人员（如要更新，请选择“更新已有记录”）")
                return None
            record = {"id": existing, **values}
            self.updates.append(record)
        else:
            record = values
            self.new.append(record)
            self.new_rows.append(row.number)
        return record


def guess_group_type(name: str) -> str:
    """The group type a name suggests (红旗村 → 村, 东城社区 → 社区, 第一中学 → 学校)."""
    for words, kind in ((("社区", "居委会"), "社区"), (("学校", "小学", "中学", "幼儿园", "学院"), "学校"),
                        (("农场", "牧场"), "农牧场"), (("公司", "企业", "厂"), "企业"), (("村",), "村")):
        if any(w in name for w in words):
            return kind
    return "其他"


#: model column -> form column key, where the two differ (rule problems name form columns)
FORM_KEYS = form_keys()

CHANGED_MEANWHILE = ("导入期间，数据库里已经有人录入了与第 {row} 行相同的{what}（{name}），为避免重复，"
                     "这次没有写入任何数据。请重新导入这个文件（程序会重新查重）。")

class VolunteersHandler(PeopleHandler):
    subject = "volunteers"
    birth_ages = (30, 115)

    def model(self) -> Any:
        return Volunteer

    def read(self, row: RowReader) -> None:
        values = self.identity(row)
        category = None
        if not value_key(row.text("category")):
            row.error("category", "五老类别为空，请填写老干部、老战士、老专家、老教师或老模范")
        else:
            category = self.code(row, "category", "volunteer_category", True)
        political = self.code(row, "political_status", "political_status", False) or ""
        roles = []
        for part in filter(value_key, row.parts("roles")):
            found = self.one_code(row, "roles", "volunteer_role", part, False,
                                  left="这一项没有记入")
            if found:
                roles.append(found)
        backbone = False
        if not row.blank("is_backbone"):
            try:
                backbone = cells.yes_no(row.raw("is_backbone"))
            except cells.CellProblem:  # a question (§2.13), 否 until answered
                backbone = self.one_code(row, "is_backbone", "yes_no", row.text("is_backbone"),
                                         False, left="已按“否”处理") == "是"
        joined, _ = row.date("joined_on")
        left, _ = row.date("left_on")
        extra = {"category": category, "political_status": political,
                 "former_post": row.text("former_post"), "specialty": row.text("specialty"),
                 "roles": join_multi(roles), "is_backbone": backbone,
                 "group_id": self.group_id(row, "group"), "phone": row.phone("phone"),
                 "joined_on": joined, "note": row.note()}
        if extra["group_id"] is None and row.text("group"):  # an empty name is never unknown
            group_name = "".join(row.text("group").split())
            if group_name in self.unknown_groups:
                extra["_group_name"] = group_name
        if left is not None:
            extra.update(left_on=left, leave_reason=row.text("leave_reason"))
        if values is None or row.errors:
            return
        record = values  # made for this row: extended in place ({**values, **extra})
        record.update(extra)
        self.check(row, record)
        if not row.errors:
            self.place(row, record)


class StudentsHandler(PeopleHandler):
    subject = "students"
    birth_ages = (0, 35)

    def model(self) -> Any:
        return Student

    def read(self, row: RowReader) -> None:
        values = self.identity(row)
        cats: list[str] = []
        allowed = self.table("student_category")
        parts = [p for p in row.parts("categories") if value_key(p)]
        unknown: list[str] = []
        for part in parts:
            found, _how = self.vocab.resolve("student_category", part)
            if found is None:
                unknown.append(part)
        for part in parts:
            # an unknown part is a row error only when nothing else in the cell is known
            found = self.one_code(row, "categories", "student_category", part,
                                  len(unknown) == len(parts), left="这一项没有记入")
            if found and found not in cats:
                cats.append(found)
        if not parts:
            row.error("categories", "帮扶类别为空，请填写" + "、".join(allowed[:4]) + "等类别")
        registered, _ = row.date("registered_on")
        status = self.code(row, "status", "student_status", True, blank="在帮") or "在帮"
        extra = {"categories": join_multi(cats), "school": row.text("school"),
                 "grade": row.text("grade"), "guardian": row.name("guardian"),
                 "guardian_relation": row.text("guardian_relation"),
                 "guardian_phone": row.phone("guardian_phone"), "address": row.text("address"),
                 "registered_on": registered, "status": status,
                 "closed_on": dt.date.today() if status != "在帮" else None,
                 "note": row.note()}
        extra.update(self.civil(row))
        extra["note"] = row.note()
        paired = [people.clean_name(n) for n in row.parts("volunteer")]
        if values is None or row.errors:
            return
        checked = {**values, **extra}
        self.check(row, checked)
        if row.errors:
            return
        record = self.place(row, checked)
        if paired and record is not None:
            self.queue_pairing(row, record, paired, registered)

    def civil(self, row: RowReader) -> dict[str, Any]:
        """The 民政 columns (exports.forms.CIVIL_COLUMNS). A value that is not one of its code
        table's is kept in 备注 with a warning, never dropped or stored as 其他."""
        out: dict[str, Any] = {}
        for key, table in CIVIL_CODES.items():
            raw = row.text(key)
            found = self.one_code(row, key, table, raw, False, left="已留空，原文记入备注") \
                if value_key(raw) else ""
            if found is None:  # a question (§2.13); the words are kept in 备注 meanwhile
                row.remarks.append(f"{STUDENTS.column(key).label}：{raw}")
            out[key] = found or ""
        for key in CIVIL_TEXTS:
            out[key] = row.text(key)
        for key in CIVIL_NAMES:
            out[key] = row.name(key)
        for key in CIVIL_IDS:
            number, _ok = row.id_number(key)
            out[key] = number or ""
        for key in CIVIL_PHONES:
            out[key] = row.phone(key)
        boarding = ""
        if not row.blank("boarding"):
            try:
                boarding = "是" if cells.yes_no(row.raw("boarding")) else "否"
            except cells.CellProblem as err:
                row.warn("boarding", f"{err}，已留空，原文记入备注")
                row.remarks.append(f"是否寄宿：{row.text('boarding')}")
        out["boarding"] = boarding
        relief: list[str] = []
        for part in row.parts("relief"):
            found = self.one_code(row, "relief", "relief_type", part, False,
                                  left="已记入备注")
            if found:
                relief.append(found)
            else:
                row.remarks.append(f"享受救助：{part}")
        out["relief"] = join_multi(relief)
        out["checked_on"], _ = row.date("checked_on")
        # a column the file does not have is not set: an update keeps what was recorded
        return {k: v for k, v in out.items() if k in row.values}

    def queue_pairing(self, row: RowReader, record: dict[str, Any], names: list[str],
                      start: dt.date | None) -> None:
        """Remember to pair the student with the one active 五老 of each name (rule 12)."""
        active = self.active_volunteers()
        found = []
        for name in names:
            matches = active.get(name, [])
            answer = self.vocab.learned_name("volunteer", name) if not matches else None
            if answer is not None:
                matches = active.get(answer, [])
            if not matches:
                self.unknown(row, "volunteer", "volunteer", name, False, left="未建立结对",
                             names=self.names("volunteer"))
            elif len(matches) != 1:
                why = "没有找到" if not matches else f"有 {len(matches)} 位同名的"
                row.warn("volunteer", f"{why}在队五老“{name}”，未建立结对")
            else:
                found.append(matches[0])
        record["_volunteer_ids"] = list(dict.fromkeys(found))
        record["_start"] = start or dt.date.today()

    def write(self, s: Session, file_name: str) -> int:
        next_id = (s.scalar(select(func.max(Student.id))) or 0) + 1
        pairs: list[dict[str, Any]] = []
        for rec in self.new:
            rec["id"] = next_id
            next_id += 1
        for rec in self.new + self.updates:
            start = rec.pop("_start", None)
            pairs.extend({"volunteer_id": vid, "student_id": rec["id"], "mode": "一对一",
                          "started_on": start, "ended_on": None, "note": "导入时建立"}
                         for vid in rec.pop("_volunteer_ids", []))
        super().write(s, file_name)
        created = 0
        for p in pairs:
            clash = s.scalar(select(Pairing.id).where(
                Pairing.deleted_at.is_(None), Pairing.volunteer_id == p["volunteer_id"],
                Pairing.student_id == p["student_id"],
                overlaps(Pairing.started_on, Pairing.ended_on, p["started_on"], None)).limit(1))
            if clash is None:
                s.execute(insert(Pairing), [p])
                created += 1
        return created


class PairingsHandler(Handler):
    subject = "pairings"

    def __init__(self, s: Session, allow_update: bool) -> None:
        super().__init__(s, allow_update)
        self.volunteers = self.ids_by_name(Volunteer)
        self.students = self.ids_by_name(Student)
        self.seen: dict[tuple[int, int], int] = {}

    def model(self) -> Any:
        return Pairing

    def _person(self, row: RowReader, key: str, table: dict[str, list[int]], what: str
                ) -> int | None:
        name = row.name(key)
        if not name:
            row.error(key, f"{what}姓名为空，请填写")
            return None
        ids = table.get(name, [])
        answer = self.vocab.learned_name("volunteer", name) if table is self.volunteers else None
        if not ids and answer is not None:
            ids = table.get(answer, [])
        hint = ""
        if not ids and table is self.volunteers:  # a question too (§2.13): --map 五老姓名:X=Y
            q = self.vocab.ask("volunteer", row.label(key), name, row.number, row.sheet, True,
                               self.names("volunteer"))
            hint = f"（可能是“{q.guess}”，可在导入时选择）" if q.guess else ""
        if len(ids) != 1:
            row.error(key, f"没有找到{what}“{name}”{hint}" if not ids else
                      f"有 {len(ids)} 位同名的{what}“{name}”，请在程序中手工结对")
            return None
        return ids[0]

    def read(self, row: RowReader) -> None:
        vid = self._person(row, "volunteer", self.volunteers, "五老")
        sid = self._person(row, "student", self.students, "帮扶对象")
        mode = self.code(row, "mode", "pairing_mode", True, blank="一对一")
        start, _ = row.date("started_on")
        end, _ = row.date("ended_on")
        if vid is None or sid is None or row.errors:
            return
        start = start or dt.date.today()
        left_on, name = self.left_on(vid)
        values = {"volunteer_id": vid, "student_id": sid, "mode": mode,
                  "started_on": start, "ended_on": end, "note": row.note()}
        self.check(row, values, {"volunteer_left_on": left_on, "volunteer_name": name})
        if row.errors:
            return
        if (vid, sid) in self.seen:
            row.error("student", f"与第 {self.seen[(vid, sid)]} 行是同一对结对")
            return
        clash = self.s.scalar(select(Pairing.id).where(
            Pairing.deleted_at.is_(None), Pairing.volunteer_id == vid, Pairing.student_id == sid,
            overlaps(Pairing.started_on, Pairing.ended_on, start, end)).limit(1))
        if clash is not None:
            row.error("student", "这位五老和这名学生在这段时间已经结对")
            return
        self.seen[(vid, sid)] = row.number
        self.new.append(values)

    def left_on(self, vid: int) -> tuple[dt.date | None, str]:
        """When the 五老 left (None while in the team) and their name."""
        if not hasattr(self, "_left"):
            self._left = {r.id: (r.left_on, r.name) for r in self.s.execute(
                select(Volunteer.id, Volunteer.left_on, Volunteer.name))}
        return self._left.get(vid, (None, ""))


class ActivitiesHandler(Handler):
    subject = "activities"

    def model(self) -> Any:
        return Activity

    def read(self, row: RowReader) -> None:
        date, _ = row.date("date", required=True, what="活动日期")
        title = row.text("title")
        if not title:
            row.error("title", "活动名称为空，请填写")
        theme = self.code(row, "theme", "activity_theme", True, blank="其他")
        organiser = row.text("organiser")
        values = {"date": date, "title": title, "title_initials": initials(title),
                  "theme": theme, "organiser": organiser,
                  "group_id": self.groups().get("".join(organiser.split())),
                  "place": row.text("place"), "volunteer_count": row.count("volunteer_count"),
                  "youth_count": row.count("youth_count"), "summary": row.note("summary")}
        self.check(row, values)
        if not row.errors:
            self.new.append(values)


class DonationsHandler(Handler):
    subject = "donations"

    def __init__(self, s: Session, allow_update: bool) -> None:
        super().__init__(s, allow_update)
        self.students = self.ids_by_name(Student)

    def model(self) -> Any:
        return Donation

    def read(self, row: RowReader) -> None:
        date, _ = row.date("date", required=True, what="捐赠日期")
        donor = row.text("donor")
        if not donor:
            row.error("donor", "捐赠方为空，请填写")
        donor_type = self.code(row, "donor_type", "donor_type", True, blank="其他")
        recipients = row.text("recipients")
        named = [self.students.get(people.clean_name(n), []) for n in cells.split_list(recipients)]
        ids = [found[0] for found in named if len(found) == 1]
        values = {"date": date, "donor": donor, "donor_initials": initials(donor),
                  "donor_type": donor_type, "money_fen": row.money_fen("money"),
                  "goods": row.text("goods"), "goods_value_fen": self.goods_value(row),
                  "purpose": row.text("purpose"), "recipients_text": recipients,
                  "note": row.note(),
                  "_recipients": ids}
        self.check(row, {k: v for k, v in values.items() if not k.startswith("_")})
        if not row.errors:
            self.new.append(values)

    @staticmethod
    def goods_value(row: RowReader) -> int:
        """物资折价 in fen; when it is empty, the value the goods cell names
        (``书包50个（折价2500元）`` → 2500, with a warning)."""
        if not row.blank("goods_value") or row.blank("goods"):
            return row.money_fen("goods_value")
        named = cells.goods_value_in(row.raw("goods"))
        if named is None:
            return 0
        try:
            fen = to_fen(named)
        except ValueError:
            return 0
        row.warn("goods_value", f"物资折价为空，按捐物名称“{row.text('goods')}”里写的 "
                                f"{named:,.2f} 元计，请核对")
        return fen

    def write(self, s: Session, file_name: str) -> int:
        next_id = (s.scalar(select(func.max(Donation.id))) or 0) + 1
        links: list[dict[str, Any]] = []
        for rec in self.new:
            rec["id"] = next_id
            next_id += 1
            links.extend({"donation_id": rec["id"], "student_id": sid}
                         for sid in dict.fromkeys(rec.pop("_recipients")))
        super().write(s, file_name)
        if links:
            s.execute(insert(donation_recipients), links)
        return 0


class VenuesHandler(Handler):
    """阵地: a name already in the program is an update (with ``--update``) or a row error; the
    经费 is for the year its 经费年度 cell names, or this year."""

    subject = "venues"

    def __init__(self, s: Session, allow_update: bool) -> None:
        super().__init__(s, allow_update)
        self.existing = dict(s.execute(select(Venue.name, Venue.id)
                                       .where(Venue.deleted_at.is_(None))).all())
        self.seen: dict[str, int] = {}

    def model(self) -> Any:
        return Venue

    def read(self, row: RowReader) -> None:
        name = "".join(row.text("name").split())
        if not name:
            row.error("name", "阵地名称为空，请填写")
        vtype = self.code(row, "type", "venue_type", True, blank="其他")
        opened, _ = row.date("opened_on")
        funds = row.money_fen("funds")
        year = row.count("funds_year") if not row.blank("funds_year") else None
        values = {"name": name, "name_initials": initials(name), "type": vtype,
                  "group_id": self.group_id(row, "group"), "address": row.text("address"),
                  "opened_on": opened, "funds_fen": funds,
                  "funds_year": year or (dt.date.today().year if funds else None),
                  "note": row.note()}
        group_name = "".join(row.text("group").split())
        if values["group_id"] is None and group_name in self.unknown_groups:
            values["_group_name"] = group_name
        if name in self.seen:
            row.error("name", f"与第 {self.seen[name]} 行的阵地名称重复")
        self.check(row, {k: v for k, v in values.items() if not k.startswith("_")})
        if row.errors:
            return
        self.seen[name] = row.number
        if name in self.existing:
            if not self.allow_update:
                row.error("name", "数据库中已有同名的阵地（如要更新，请选择“更新已有记录”）")
                return
            self.updates.append({"id": self.existing[name], **values})
        else:
            self.new.append(values)

    def recheck(self, s: Session) -> None:
        names = [r["name"] for r in self.new]
        for i in range(0, len(names), 500):
            taken = s.scalar(select(Venue.name).where(Venue.deleted_at.is_(None),
                                                      Venue.name.in_(names[i:i + 500])).limit(1))
            if taken is not None:
                raise DataError(CHANGED_MEANWHILE.format(row=self.seen.get(taken, "?"),
                                                         what="阵地", name=taken))


HANDLERS: dict[str, type[Handler]] = {
    "groups": GroupsHandler, "volunteers": VolunteersHandler, "students": StudentsHandler,
    "pairings": PairingsHandler, "activities": ActivitiesHandler,
    "donations": DonationsHandler, "venues": VenuesHandler,
}
