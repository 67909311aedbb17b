"""身份证号 (GB 11643-1999): validation, birth date and sex, masking.

Also phone masking, since the same privacy rules (domain.md §6) apply.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import time
from typing import NamedTuple

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_SPACE_RE = re.compile(r"[\s\u3000\u00a0]+")


class IdInfo(NamedTuple):
    """What a valid ID number tells: birth date and sex (男/女). (A named tuple: made once per
    row of an import, it costs a third of a frozen dataclass.)"""

    number: str
    birth_date: dt.date
    sex: str


#: (first and last moment of the day as timestamps, that day): :func:`today`'s memory
_DAY: tuple[float, float, dt.date] = (0.0, -1.0, dt.date.min)


def today() -> dt.date:
    """``dt.date.today()``, read from the clock again only when the local day it gave is over
    (or the clock was set back before it): one ``time.time()`` a call (an import asks for
    every row)."""
    global _DAY
    start, end, day = _DAY
    now = time.time()
    if not start <= now < end:
        day = dt.date.today()
        start = dt.datetime.combine(day, dt.time()).timestamp()
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).timestamp()
        _DAY = (start, end, day)
    return day


def normalize(raw: str | None) -> str:
    """Strip white space, make full-width digits ASCII and a lower-case x upper-case."""
    if raw is None:
        return ""
    if type(raw) is str and raw.isascii() and raw.isalnum():  # the usual 2302…X: no copy work
        return raw.upper()
    text = _SPACE_RE.sub("", str(raw)).translate(_FULLWIDTH)
    return text.upper()


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17:
        raise ValueError("check_char needs 17 digits")
    if first17.isascii() and first17.isdigit():
        # the weights are 2**(17-i) mod 11 and 13 = 2 (mod 11): the weighted sum is twice the
        # digits read in base 13, mod 11 (one C call)
        return CHECK_CHARS[2 * int(first17, 13) % 11]
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def _parse(number: str, today: dt.date) -> IdInfo | str:
    """The one parse of a normalised number: its IdInfo, or why it is not valid."""
    if len(number) != 18:
        return f"身份证号应为18位，现在是{len(number)}位，请核对"
    first17 = number[:17]
    if not first17.isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "身份证号只能由数字组成，最后一位可以是X，请核对"
    birth = _birth_date(number[6:14])
    if birth is None:
        return "身份证号中的出生日期不存在，请核对"
    if birth.year < 1900 or birth > today:
        return "身份证号中的出生日期不合理，请核对"
    if check_char(first17) != number[17]:
        return "身份证号校验位不对，请核对"
    sex = _SEX.get(number[16]) or ("男" if int(number[16]) % 2 == 1 else "女")  # another digit
    return _new_info((number, birth, sex))


#: the sex an ID number's 17th digit tells (odd: 男)
_SEX = {d: "男" if int(d) % 2 else "女" for d in "0123456789"}
#: an IdInfo from its three fields (the tuple's own constructor: no Python-level __new__)
_new_info = functools.partial(tuple.__new__, IdInfo)


@functools.lru_cache(maxsize=16384)
def _birth_date(digits: str) -> dt.date | None:
    """The date of an ID number's eight birth digits (``19391028``), None when none such
    exists (remembered: a roster's people share birth days)."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


#: :func:`_parse` remembered, for the callers that ask about one number several times (a
#: dialog checks it, then reads its birth date and sex)
_examine = functools.lru_cache(maxsize=4096)(_parse)


def examine(number: str) -> IdInfo | str:
    """The one parse of a normalised number: what it tells (birth date, sex), or the sentence
    saying why it is not a valid ID number. Not remembered: the import asks once a number."""
    return _parse(number, today())


def problem(number: str) -> str | None:
    """Why ``number`` (already normalised) is not a valid ID number, or None when it is."""
    found = _examine(number, dt.date.today())
    return found if isinstance(found, str) else None


def parse(number: str) -> IdInfo:
    """Birth date and sex of a valid, normalised number. Raises ValueError when invalid."""
    found = _examine(number, dt.date.today())
    if isinstance(found, str):
        raise ValueError(found)
    return found


def make(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number from a 6-digit region, a birth date and a 3-digit sequence."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask_id(number: str | None) -> str:
    """``230221***********X``: the birth date *and* the sequence digits hidden, the region and
    the check character shown (domain.md §6). A row that prints the birth date and sex beside
    it still leaves about 45 valid numbers (500 sequences of that sex / 11 check characters);
    with 出生年月 only, over a thousand. Other lengths keep only their first 4 and last 1."""
    if not number:
        return ""
    if len(number) == 18:
        return number[:6] + "*" * 11 + number[17]
    if len(number) > 8:
        return number[:4] + "*" * (len(number) - 5) + number[-1]
    return "*" * len(number)


def mask_phone(phone: str | None) -> str:
    """``139****5678`` for mobiles; other numbers keep only their last four digits."""
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[7:]
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone


PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")


def normalize_phone(raw: str | None) -> str:
    """Phones lose white space; full-width digits become ASCII."""
    if raw is None:
        return ""
    return _SPACE_RE.sub("", str(raw)).translate(_FULLWIDTH).replace("－", "-")


def phone_looks_odd(phone: str) -> bool:
    """True when a non-empty phone is neither a mobile nor a landline."""
    if len(phone) == 11 and phone[0] == "1" and phone.isascii() and phone.isdigit():
        return False  # a mobile (the usual phone): what PHONE_RE finds, without it
    return bool(phone) and not PHONE_RE.match(phone)
