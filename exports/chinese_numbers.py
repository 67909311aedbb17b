"""Numbers as Chinese clerks write them: 二〇二五 (a year digit by digit), 二十二 (a day),
壹万贰仟元整 (a capital amount on a receipt).

Pure functions without dependencies; every reader returns None for text it does not read, so
the caller decides what a sentence to say.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: the digits, in lower-case and capital (financial) writing; 〇/○/O/零 are zero, 两 is two
DIGITS = {"〇": 0, "○": 0, "Ｏ": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9, "两": 2,
          "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6,
          "柒": 7, "捌": 8, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CHINESE_DIGIT_CHARS = "".join(DIGITS)
_NUMERAL_RE = re.compile(f"[{CHINESE_DIGIT_CHARS}{''.join(SMALL_UNITS)}]+")


def digit_by_digit(text: str) -> int | None:
    """``二〇二五`` → 2025 (each character one digit, as years are written)."""
    if not text or any(ch not in DIGITS or ch == "两" for ch in text):
        return None
    return int("".join(str(DIGITS[ch]) for ch in text))


def small_number(text: str) -> int | None:
    """``二十二`` → 22, ``十二`` → 12, ``三十`` → 30, ``九`` → 9 (below 10 000)."""
    if not text:
        return None
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            if digit is not None:  # two digits in a row: not a counted number
                return None
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            total += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def replace_numerals(text: str) -> str:
    """Every run of Chinese numerals as Arabic digits: a run of four or two digit characters
    before 年 digit by digit (二〇二五年), any other run as a counted number (二十二日)."""
    def one(m: re.Match[str]) -> str:
        run = m[0]
        after = text[m.end():m.end() + 1]
        if after == "年":
            year = digit_by_digit(run)
            if year is not None:
                return str(year)
        value = small_number(run)
        return run if value is None else str(value)

    return _NUMERAL_RE.sub(one, text)


_AMOUNT_WORDS = ("人民币", "人民幣", "RMB", "￥", "¥", "大写", "大寫", "金额", "：", ":")


def capital_amount(text: str) -> Decimal | None:
    """A written-out amount in yuan: ``壹万贰仟元整`` → 12000, ``人民币伍仟元整`` → 5000,
    ``叁仟陆佰伍拾元`` → 3650, ``捌佰元`` → 800, ``伍拾元伍角`` → 50.5, ``1万2千元`` → 12000.

    Arabic digits may stand for single digits or whole numbers before a unit. None when the
    text is not such an amount (also when it holds no Chinese numeral or unit at all)."""
    raw = "".join(text.split())
    for word in _AMOUNT_WORDS:
        raw = raw.replace(word, "")
    raw = raw.replace("圆", "元").removesuffix("整").removesuffix("正")
    if not raw or not any(ch in DIGITS or ch in SMALL_UNITS or ch in BIG_UNITS for ch in raw):
        return None
    total = Decimal(0)       # amounts of completed 亿/万 sections
    section = Decimal(0)     # the current section below 万
    number: Decimal | None = None
    fraction = Decimal(0)
    yuan_done = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch.isdigit() and ch.isascii():
            j = i
            while j < len(raw) and ((raw[j].isdigit() and raw[j].isascii()) or raw[j] == "."):
                j += 1
            try:
                number = Decimal(raw[i:j])
            except ArithmeticError:
                return None
            i = j
            continue
        if ch in DIGITS:
            number = Decimal(DIGITS[ch])
        elif ch in SMALL_UNITS:
            if yuan_done:
                return None
            section += (Decimal(1) if number is None else number) * SMALL_UNITS[ch]
            number = None
        elif ch in BIG_UNITS:
            if yuan_done:
                return None
            unit = BIG_UNITS[ch]
            total = (total + section + (number or 0)) * unit if unit > 10_000 or total == 0 \
                else total + (section + (number or 0)) * unit
            section, number = Decimal(0), None
        elif ch in "元块":
            if yuan_done:
                return None
            section += number or 0
            number, yuan_done = None, True
        elif ch == "角" and number is not None:
            fraction += number / 10
            number = None
        elif ch == "分" and number is not None:
            fraction += number / 100
            number = None
        else:
            return None
        i += 1
    if not yuan_done and number is not None:
        section += number
    elif number is not None:  # 伍拾元伍 (a trailing digit after 元 without 角)
        return None
    return total + section + fraction
