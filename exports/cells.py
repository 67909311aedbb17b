"""Parsing what clerks type into cells (contract.md §2, rules 3, 4, 8, 9).

Each parser takes the raw cell value (str, int, float, datetime, date or None) and returns the
parsed value, or raises :class:`CellProblem` with a plain Chinese sentence. ``Ambiguous`` is the
special problem of a number cell like ``1955.1`` that cannot tell January from October.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from models.codes import MULTI_SEP

_WS_RE = re.compile(r"[\s\u3000\u00a0\ufeff]+")
_QUOTES = "“”\"'「」‘’"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－／：（）＋", "0123456789.,-/:()+")


class CellProblem(ValueError):
    """The cell cannot be read; ``str()`` is the message for the clerk."""


class Ambiguous(CellProblem):
    """A number cell that does not tell the month (``1955.1``)."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not _WS_RE.sub("", value))


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_control(value: str) -> str:
    """Remove control characters that Excel cannot store (pasted from other programs)."""
    return _CONTROL_RE.sub("", value)


def text(value: Any) -> str:
    """A cell as trimmed text without control characters; numbers without a spurious ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}"
    out = clean_control(str(value)).strip().strip("\u3000\ufeff")
    if out.startswith("'"):  # Excel's "store as text" apostrophe, typed or pasted in
        out = out[1:].strip()
    return out


def squash(value: Any) -> str:
    """Text without any white space (names, ID numbers, phones)."""
    return _WS_RE.sub("", text(value))


def header_key(value: Any) -> str:
    """A header cell reduced for matching: no white space, no quotes, no trailing unit."""
    key = squash(value).translate(_FULLWIDTH)
    key = "".join(ch for ch in key if ch not in _QUOTES)
    return re.sub(r"\([^()]*\)$", "", key) or key


def _date(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as err:
        raise CellProblem(f"日期“{y}年{m}月{d}日”不存在，请核对") from err


#: a time after the date: ``2025-06-01 09:30``, ``2025-06-01T09:30:00``
_TIME_RE = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")
_FULL_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def date_value(value: Any) -> tuple[dt.date, bool]:
    """Parse a date cell: returns (date, month_only). Raises CellProblem / Ambiguous."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, bool):
        raise CellProblem("日期看不懂，请写成 1955-03-12 或 1955.03 这样的格式")
    if isinstance(value, (int, float)):
        return _date_number(value)
    raw = _TIME_RE.sub("", text(value).translate(_FULLWIDTH))
    raw = _WS_RE.sub("", raw)
    if not raw:
        raise CellProblem("日期为空")
    raw = re.sub(r"(\d)(?:00:00:00|0:00:00)$", r"\1", raw)
    if re.fullmatch(r"\d{5}(\.0+)?", raw):  # an Excel serial date that became text (45809)
        return _date_number(int(float(raw)))
    if m := _FULL_RE.match(raw):
        return _date(int(m[1]), int(m[2]), int(m[3])), False
    if m := _MONTH_RE.match(raw):
        return _date(int(m[1]), int(m[2]), 1), True
    if re.fullmatch(r"\d{8}", raw):
        return _date(int(raw[:4]), int(raw[4:6]), int(raw[6:])), False
    if re.fullmatch(r"\d{6}", raw):
        return _date(int(raw[:4]), int(raw[4:]), 1), True
    raise CellProblem(f"日期“{text(value)}”看不懂，请写成 1955-03-12 或 1955.03 这样的格式")


def _date_number(value: float) -> tuple[dt.date, bool]:
    if float(value).is_integer():
        n = int(value)
        if 19000101 <= n <= 21001231:
            return _date(n // 10000, n // 100 % 100, n % 100), False
        if 190001 <= n <= 210012:
            return _date(n // 100, n % 100, 1), True
        if 1 <= n <= 80000:  # an Excel serial date
            return dt.date(1899, 12, 30) + dt.timedelta(days=n), False
        raise CellProblem(f"日期“{n}”看不懂，请写成 1955-03-12 或 1955.03 这样的格式")
    digits = repr(float(value))
    year, _, frac = digits.partition(".")
    if len(year) == 4 and len(frac) == 2:
        return _date(int(year), int(frac), 1), True
    if len(year) == 4 and len(frac) == 1:
        raise Ambiguous(f"出生年月“{digits}”分不清是{frac}月还是{frac}0月，"
                        "请在 Excel 中把这一列设为文本后写成 1955.01 或 1955.10")
    raise CellProblem(f"日期“{digits}”看不懂，请写成 1955-03-12 或 1955.03 这样的格式")


_YES = {"是", "√", "✓", "✔", "Y", "YES", "1", "有", "TRUE", "对"}
_NO = {"否", "×", "✗", "X", "N", "NO", "0", "无", "FALSE", "", "不是"}


def yes_no(value: Any) -> bool:
    """是/√/✓/Y/1/有 → True; 否/×/N/0/无/empty → False; else CellProblem."""
    if isinstance(value, bool):
        return value
    key = squash(value).upper()
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
    m = _NUM_RE.search(raw)
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
    factor = Decimal(10000) if "万" in raw else Decimal(1)
    cleaned = raw.replace("￥", "").replace("¥", "").replace("RMB", "").replace("人民币", "")
    cleaned = cleaned.replace("万", "").replace("元", "").replace("整", "")
    try:
        number = Decimal(cleaned) * factor
    except InvalidOperation as err:
        raise CellProblem(f"金额“{text(value)}”看不懂，请只填数字") from err
    if not number.is_finite():
        raise CellProblem(f"金额“{text(value)}”看不懂，请只填数字")
    return number


def split_list(value: Any) -> list[str]:
    """Several codes in one cell, separated by 、，,；; or spaces."""
    raw = text(value).replace(MULTI_SEP, "、")
    return [p for p in re.split(r"[、，,；;\s\u3000]+", raw) if p]


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
