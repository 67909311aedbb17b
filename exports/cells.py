"""Parsing what clerks type into cells (contract.md §2, rules 3, 4, 8, 9).

Each parser takes the raw cell value (str, int, float, datetime, date or None) and returns the
parsed value, or raises :class:`CellProblem` with a plain Chinese sentence. ``Ambiguous`` is the
special problem of a number cell like ``1955.1`` that cannot tell January from October.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from exports.chinese_numbers import CHINESE_DIGIT_CHARS, capital_amount, replace_numerals
from models import idcard
from models.codes import MULTI_SEP

_WS_RE = re.compile(r"[\s\u3000\u00a0\ufeff\u200b-\u200d\u2060\u00ad]+")
_QUOTES = "“”\"'「」‘’"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－／：（）＋", "0123456789.,-/:()+")


class CellProblem(ValueError):
    """The cell cannot be read; ``str()`` is the message for the clerk."""


class NoYear(CellProblem):
    """A date written without a year (``3月5日``) where no year is known to add."""


class Ambiguous(CellProblem):
    """A number cell that does not tell the month (``1955.1``)."""


#: the characters of ``_WS_RE`` that are not white space (``str.strip`` keeps them)
_WS_OTHER = "\ufeff\u200b\u200c\u200d\u2060\u00ad"


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    inner = value.strip()  # fast path: a visible first character decides
    if not inner:
        return True
    return inner[0] in _WS_OTHER and not _WS_RE.sub("", inner)


def filled(values: list[Any]) -> list[int]:
    """The indices of the cells that are not :func:`is_blank` (tested inline: one call a row)."""
    return [i for i, v in enumerate(values)
            if v is not None and (not isinstance(v, str) or (
                (inner := v.strip()) != "" and (inner[0] not in _WS_OTHER or not is_blank(inner))))]


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: characters nobody sees that come with text pasted from web pages, chats and other programs:
#: zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen, direction marks,
#: tabs and every control character except the line break (contract.md §2.14)
INVISIBLE = ("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
             "\u180e\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x7f"
             + "".join(chr(c) for c in range(32) if chr(c) not in "\n\r"))
_INVISIBLE_TABLE = str.maketrans("", "", INVISIBLE)


def clean_control(value: str) -> str:
    """Remove control characters that Excel cannot store (pasted from other programs)."""
    return _CONTROL_RE.sub("", value)


def visible(value: str) -> str:
    """The text without the characters nobody sees (:data:`INVISIBLE`)."""
    return value.translate(_INVISIBLE_TABLE)


def clean_cells(values: list[Any]) -> list[Any]:
    """A row with every text cell made :func:`visible` (other cells unchanged)."""
    # every INVISIBLE character is unprintable: a printable text has none (no copy made)
    return [v.translate(_INVISIBLE_TABLE) if type(v) is str and not v.isprintable() else v
            for v in values]


def texts(values: list[Any]) -> list[str]:
    """Every cell of a row as :func:`text`, in one pass: a printable text that does not start
    with Excel's apostrophe is only stripped, a whole number (a 序号, as an int or a float) and
    a plain date made as :func:`text` makes them (no call per cell)."""
    return ["" if v is None else t if type(v) is str and v.isprintable() and not
            (t := v.strip()).startswith("'") else str(v) if type(v) is int
            else str(int(v)) if type(v) is float and v.is_integer()
            else v.isoformat() if type(v) is _DATE else text(v)
            for v in values]


_DATE = dt.date


def filled_of(values: list[Any], shown: list[str]) -> list[int]:
    """:func:`filled` when the row's :func:`texts` are known (``shown``): a cell with text is
    filled (a text holds no character of ``_WS_OTHER``: every one is INVISIBLE, taken away by
    :func:`text`, and unprintable); one without text may be (an apostrophe)."""
    return [i for i, t in enumerate(shown)
            if t or (values[i] is not None and not is_blank(values[i]))]


def text(value: Any) -> str:
    """A cell as trimmed text without control characters; numbers without a spurious ``.0``."""
    if value is None:
        return ""
    if type(value) is str:  # the common case first; a printable text has no INVISIBLE one
        out = (value if value.isprintable() else value.translate(_INVISIBLE_TABLE)).strip()
        if out.startswith("'"):
            out = out[1:].strip()
        return out
    if type(value) is int:  # a 序号: its digits are the whole text
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):  # isoformat: the same text, without strftime's cost
        return value.date().isoformat() if value.year >= 1000 else f"{value:%Y-%m-%d}"
    out = str(value).translate(_INVISIBLE_TABLE).strip()
    if out.startswith("'"):  # Excel's "store as text" apostrophe, typed or pasted in
        out = out[1:].strip()
    return out


def squash(value: Any) -> str:
    """Text without any white space (names, ID numbers, phones)."""
    return _WS_RE.sub("", text(value))


_STARS = "*＊★☆※"
#: full-width forms folded and quotes removed, in one pass
_HEADER_TABLE = str.maketrans("０１２３４５６７８９．，－／：（）＋", "0123456789.,-/:()+", _QUOTES)
_TRAILING_BRACKET_RE = re.compile(r"\([^()]*\)$")
#: the printable characters :func:`header_key` may take away or change (white space, quotes,
#: stars, full-width forms, a colon, a bracket, Excel's text apostrophe)
_HEADER_TOUCHED = frozenset(" \u3000" + _QUOTES + _STARS + "０１２３４５６７８９．，－／：（）＋" + ":)'")


def header_key(value: Any) -> str:
    """A header cell reduced for matching: no white space or line break, no quotes, no leading
    or trailing ``*`` (required-column marks), no trailing bracketed unit or remark
    (``(元)``, ``（必填）``, ``(全称)``)."""
    if type(value) is str and value.isprintable() and _HEADER_TOUCHED.isdisjoint(value):
        return value  # nothing to take away (a name in a data row): no copy work
    key = squash(value).translate(_HEADER_TABLE)
    key = key.rstrip(":")  # a form's label: 姓名：
    for _ in range(2):  # 姓名（必填）* and *姓名(必填)
        key = key.strip(_STARS)
        if key.endswith(")"):
            key = _TRAILING_BRACKET_RE.sub("", key).strip(_STARS) or key
    return key


def _date(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as err:
        raise CellProblem(f"日期“{y}年{m}月{d}日”不存在，请核对") from err


@dataclass(frozen=True)
class DateRead:
    """A date cell as read (contract.md §2.4, §2.15)."""

    date: dt.date
    month_only: bool = False
    #: the whole text of a range (``2025.8.4-8.6``), whose first day is ``date``
    whole: str = ""
    #: the year was not written: it is the one of the sheet's title, sheet name or file name
    year_added: bool = False
    #: the century of a two-digit year was chosen (``25.6.18`` → 2025)
    century_added: bool = False


@dataclass(frozen=True)
class DateContext:
    """What a date cell may lean on: the one year the sheet or file names, where it was
    found (``表格标题“2025年活动台账”``), and the ages a birth date must give."""

    year: int | None = None
    year_from: str = ""
    ages: tuple[int, int] | None = None


NO_CONTEXT = DateContext()
#: a time after the date: ``2025-06-01 09:30``, ``2025-06-01T09:30:00``
_TIME_RE = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")
_FULL_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_SHORT_YEAR_RE = re.compile(r"^(\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_SHORT_MONTH_RE = re.compile(r"^(\d{2})[-/.年](\d{1,2})月?$")
_NO_YEAR_RE = re.compile(r"^(\d{1,2})(?:[-/.]|月)(\d{1,2})[日号]?$")
_WEEKDAY_RE = re.compile(r"[(（]?(?:星期|周|礼拜)[一二三四五六日天1-7][)）]?$")
_RANGE_SEP_RE = re.compile(r"[-~～—–－至到]+")
_RANGE_TAIL_RE = re.compile(r"^(?:\d{2,4}[-/.年])?(?:\d{1,2}[-/.月])?\d{1,2}[日号]?$")
_CHINESE_DATE_RE = re.compile(f"[{CHINESE_DIGIT_CHARS}十]")
DATE_HINT = "请写成 1955-03-12 或 1955.03 这样的格式"


def date_value(value: Any) -> tuple[dt.date, bool]:
    """Parse a date cell without context: returns (date, month_only). Raises CellProblem /
    Ambiguous (also for a date without a year and a range: see :func:`read_date`)."""
    got = read_date(value)
    if got.whole:
        raise CellProblem(f"“{got.whole}”是一段日期，请只写一天")
    return got.date, got.month_only


def read_date(value: Any, context: DateContext = NO_CONTEXT) -> DateRead:
    """A date cell as clerks write it: date cells; ``1955-03-12``, ``1955/3/12``,
    ``1955.3.12``, ``1955年3月12日``, ``19550312``; month only (``1955.03``, ``195503``);
    Chinese numerals (``二〇二五年五月二十日``); a trailing weekday (``（星期二）``); a two-digit
    year (``25.6.18``; a birth date takes the century that gives an age within
    ``context.ages``); a range (``2025.8.4-8.6``, ``11月10日—12日``: its first day, with
    ``whole`` set); no year (``3月5日``, ``4.3``: the year of ``context``).

    Raises CellProblem (with the sentence for the clerk) or Ambiguous."""
    if type(value) is str:  # the usual cell first: a text read once per day and context
        got = _read_date_once(value, context.year, context.ages, idcard.today())
        if isinstance(got, DateRead):
            return got
        raise got[0](got[1])
    if isinstance(value, dt.datetime):
        return _date_read(value.date())
    if isinstance(value, dt.date):
        return _date_read(value)
    if isinstance(value, bool):
        raise CellProblem(f"日期看不懂，{DATE_HINT}")
    if not isinstance(value, (str, int, float)):
        return _read_date(value, context)
    # a column repeats its dates (1955.03): each text is read once per day and context
    # (a number and a text are never equal keys; an int and a float that are read alike)
    got = _read_date_once(value, context.year, context.ages, idcard.today())
    if isinstance(got, DateRead):
        return got
    problem, message = got
    raise problem(message)


_MIDNIGHT_RE = re.compile(r"(\d)(?:00:00:00|0:00:00)$")
#: an Excel serial date that became text (45809)
_SERIAL_RE = re.compile(r"\d{5}(\.0+)?")
_EIGHT_DIGITS_RE = re.compile(r"\d{8}")
_SIX_DIGITS_RE = re.compile(r"\d{6}")
#: a date cell as read (frozen: one object a date, a column repeats its dates)
_date_read = functools.lru_cache(maxsize=4096)(DateRead)


@functools.lru_cache(maxsize=16384)
def _read_date_once(value: str | float, year: int | None,
                    ages: tuple[int, int] | None, _today: dt.date
                    ) -> DateRead | tuple[type[CellProblem], str]:
    """:func:`_read_date` of a text or number, or the problem's class and sentence."""
    try:
        return _read_date(value, DateContext(year, "", ages))
    except CellProblem as err:
        return type(err), str(err)


def _read_date(value: Any, context: DateContext) -> DateRead:
    """:func:`read_date` of a text or number (also of any other value: read as its text)."""
    if isinstance(value, (int, float)):
        return _date_number(value, context)
    shown = text(value)
    raw = _TIME_RE.sub("", shown.translate(_FULLWIDTH))
    raw = _WS_RE.sub("", raw)
    if not raw:
        raise CellProblem("日期为空")
    raw = _MIDNIGHT_RE.sub(r"\1", raw)
    raw = _WEEKDAY_RE.sub("", raw).rstrip(",，")
    if _CHINESE_DATE_RE.search(raw):
        raw = replace_numerals(raw)
    if _SERIAL_RE.fullmatch(raw):  # an Excel serial date that became text (45809)
        return _date_number(int(float(raw)), context)
    got = _plain_date(raw, context)
    if got is not None:
        return got
    for sep in _RANGE_SEP_RE.finditer(raw):
        first, tail = raw[:sep.start()], raw[sep.end():]
        if not _RANGE_TAIL_RE.match(tail):
            continue
        try:
            start = _plain_date(first, context)
        except CellProblem:
            continue
        if start is not None and not start.month_only:
            return DateRead(start.date, False, shown, start.year_added, start.century_added)
    raise CellProblem(f"日期“{shown}”看不懂，{DATE_HINT}")


def _plain_date(raw: str, context: DateContext) -> DateRead | None:
    """One date without range (None when the text is not of a known shape)."""
    if m := _FULL_RE.match(raw):
        return DateRead(_date(int(m[1]), int(m[2]), int(m[3])))
    if m := _MONTH_RE.match(raw):
        return DateRead(_date(int(m[1]), int(m[2]), 1), True)
    if _EIGHT_DIGITS_RE.fullmatch(raw):
        return DateRead(_date(int(raw[:4]), int(raw[4:6]), int(raw[6:])))
    if _SIX_DIGITS_RE.fullmatch(raw):
        return DateRead(_date(int(raw[:4]), int(raw[4:]), 1), True)
    if m := _SHORT_YEAR_RE.match(raw):
        year = _century(int(m[1]), int(m[2]), context)
        return DateRead(_date(year, int(m[2]), int(m[3])), century_added=True)
    m = _NO_YEAR_RE.match(raw)
    if m and 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 31:
        return _without_year(raw, int(m[1]), int(m[2]), context)
    if (m := _SHORT_MONTH_RE.match(raw)) and context.ages is not None and int(m[2]) <= 12:
        year = _century(int(m[1]), int(m[2]), context)
        return DateRead(_date(year, int(m[2]), 1), True, century_added=True)
    return None


def _without_year(raw: str, month: int, day: int, context: DateContext) -> DateRead:
    if context.ages is not None or context.year is None:
        raise NoYear(f"日期“{raw}”没有写年份，表格标题、工作表名和文件名里也找不到唯一的年份。"
                          "请写成 2025.3.5 这样的完整日期（在导入向导里也可以指定年份）")
    return DateRead(_date(context.year, month, day), year_added=True)


def _century(yy: int, month: int, context: DateContext) -> int:
    """The full year of a two-digit one: the century that gives an age within
    ``context.ages`` (a birth date), else this century when not in the future."""
    today = dt.date.today()
    candidates = [c + yy for c in (2000, 1900) if c + yy <= today.year]
    if context.ages is not None:
        low, high = context.ages
        fit = [y for y in candidates if low <= today.year - y <= high]
        if len(fit) == 1:
            return fit[0]
        raise CellProblem(f"出生日期的年份“{yy:02d}”只有两位，看不出是哪一年，"
                          f"请写成四位年份（如 19{yy:02d}）")
    if not candidates:
        raise CellProblem(f"年份“{yy:02d}”只有两位，请写成四位年份")
    return candidates[0]


def _date_number(value: float, context: DateContext = NO_CONTEXT) -> DateRead:
    if float(value).is_integer():
        n = int(value)
        if 19000101 <= n <= 21001231:
            return DateRead(_date(n // 10000, n // 100 % 100, n % 100))
        if 190001 <= n <= 210012:
            return DateRead(_date(n // 100, n % 100, 1), True)
        if 1 <= n <= 80000:  # an Excel serial date
            return DateRead(dt.date(1899, 12, 30) + dt.timedelta(days=n))
        raise CellProblem(f"日期“{n}”看不懂，{DATE_HINT}")
    digits = repr(float(value))
    year, _, frac = digits.partition(".")
    if len(year) == 4 and len(frac) == 2:
        return DateRead(_date(int(year), int(frac), 1), True)
    if len(year) == 4 and len(frac) == 1:
        raise Ambiguous(f"出生年月“{digits}”分不清是{frac}月还是{frac}0月，"
                        "请在 Excel 中把这一列设为文本后写成 1955.01 或 1955.10")
    if len(year) <= 2 and 1 <= int(year) <= 12 and len(frac) <= 2 and context.ages is None:
        # a month.day number cell without a year (4.3 → 4月3日; 4.1 may be 4月10日)
        if len(frac) == 1 and frac in "123":
            raise Ambiguous(f"日期“{digits}”分不清是{year}月{frac}日还是{year}月{frac}0日，"
                            "请在 Excel 中把这一列设为文本后写成完整日期，如 2025.4.3")
        return _without_year(digits, int(year), int(frac), context)
    raise CellProblem(f"日期“{digits}”看不懂，{DATE_HINT}")


_YES = {"是", "√", "✓", "✔", "Y", "YES", "1", "有", "TRUE", "对"}
_NO = {"否", "×", "✗", "X", "N", "NO", "0", "无", "FALSE", "", "不是"}
#: the words themselves as cells (:func:`yes_no` of each is its set's answer)
_PLAIN_YES_NO = {**{w: True for w in _YES}, **{w: False for w in _NO}}


def yes_no(value: Any) -> bool:
    """是/√/✓/Y/1/有 → True; 否/×/N/0/无/empty → False; else CellProblem."""
    if type(value) is str:  # the usual cell, written as one of the words exactly
        plain = _PLAIN_YES_NO.get(value)
        if plain is not None:
            return plain
    if isinstance(value, bool):
        return value
    key = _WS_RE.sub("", text(value)).upper()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellProblem(f"“{text(value)}”应填“是”或“否”")


_NUM_RE = re.compile(r"-?\d+(?:\.\d+)?")


def count(value: Any) -> int:
    """``35人`` → 35, ``约200人次`` → 200. Raises CellProblem; negative numbers are returned."""
    if isinstance(value, bool):
        raise CellProblem("人数应是数字")
    if isinstance(value, (int, float)):
        if not float(value).is_integer():
            raise CellProblem(f"人数“{value}”应是整数")
        return int(value)
    raw = squash(value).translate(_FULLWIDTH).replace(",", "")
    if not raw:
        return 0
    m = _NUM_RE.search(raw) or _NUM_RE.search(replace_numerals(raw))  # 三十人
    if not m or not float(m[0]).is_integer():
        raise CellProblem(f"人数“{text(value)}”看不懂，请只填数字")
    if raw.startswith("-") or raw.startswith("负"):
        return -abs(int(float(m[0])))
    return int(float(m[0]))


def money(value: Any) -> Decimal:
    """Yuan: ``5,000.00``, ``￥2000``, ``2000元``, ``1.5万元`` → Decimal. Raises CellProblem."""
    if isinstance(value, bool):
        raise CellProblem("金额应是数字")
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
        if not number.is_finite():
            raise CellProblem(f"金额“{value}”看不懂，请只填数字")
        return number
    raw = squash(value).translate(_FULLWIDTH).replace(",", "").replace("，", "")
    if not raw:
        return Decimal(0)
    if re.search(r"\d|[壹贰叁肆伍陆柒捌玖拾佰仟]", re.sub(r"\([^()]*\)", "", raw)):
        raw = re.sub(r"\([^()]*\)", "", raw)  # 5000元(现金), 伍仟元(5000元): the remark goes
    factor = Decimal(10000) if "万" in raw else Decimal(1)
    cleaned = raw.replace("￥", "").replace("¥", "").replace("RMB", "").replace("人民币", "")
    cleaned = cleaned.replace("万", "").replace("元", "").replace("整", "")
    try:
        number = Decimal(cleaned) * factor
    except InvalidOperation as err:
        written = capital_amount(raw)  # 壹万贰仟元整, 人民币伍仟元整, 1万2千元
        if written is None:
            raise CellProblem(f"金额“{text(value)}”看不懂，请只填数字（如 5000 或 1.5万元）") from err
        number = written
    if not number.is_finite():
        raise CellProblem(f"金额“{text(value)}”看不懂，请只填数字")
    return number


_GOODS_VALUE_RE = re.compile(
    r"(?:折价|折合|价值|折款|合计|共计|计|约|值)[：:为约]*([\d.,，]+万?元|[^\d（）()，,；;、]*?[元圆])")


def goods_value_in(value: Any) -> Decimal | None:
    """The value a goods cell names: ``书包50个（折价2500元）`` → 2500 (None when it names
    none, or when the amount cannot be read)."""
    raw = squash(value).translate(_FULLWIDTH)
    found = _GOODS_VALUE_RE.findall(raw)
    if len(found) != 1:
        return None
    try:
        return money(found[0])
    except CellProblem:
        return None


def split_list(value: Any) -> list[str]:
    """Several codes in one cell, separated by 、，,；; or spaces."""
    return list(_split_text(text(value)))


def split_text(shown: str) -> list[str]:
    """:func:`split_list` of a cell whose :func:`text` is ``shown``."""
    return list(_split_text(shown))


_LIST_SEP_RE = re.compile(r"[、，,；;\s\u3000]+")


@functools.lru_cache(maxsize=4096)
def _split_text(raw: str) -> tuple[str, ...]:
    return tuple(p for p in _LIST_SEP_RE.split(raw.replace(MULTI_SEP, "、")) if p)


def sex(value: Any) -> str:
    """男/女 (also M/F); empty for empty; CellProblem otherwise."""
    key = squash(value).upper()
    if key in ("男", "M", "MALE", "男性"):
        return "男"
    if key in ("女", "F", "FEMALE", "女性"):
        return "女"
    if not key:
        return ""
    raise CellProblem(f"性别“{text(value)}”应填“男”或“女”")
