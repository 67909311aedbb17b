"""One column of a standard form: its header, the names clerks use for it, its cell type.

The same :class:`Col` drives the .xlsx writer, the PDF writer and the Excel import, so that an
exported roster imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from exports.cells import header_key

#: cell kinds: how a value is written and parsed
TEXT, NAME, ID, PHONE, DATE, MONTH, INT, MONEY, BOOL, CODE, MULTI, SEQ = (
    "text", "name", "id", "phone", "date", "month", "int", "money", "bool", "code", "multi", "seq")
NUMERIC = (INT, MONEY, SEQ)


@dataclass(frozen=True)
class Col:
    """A form column."""

    key: str
    label: str
    kind: str = TEXT
    width: float = 10
    variants: tuple[str, ...] = ()
    importable: bool = True
    code_table: str | None = None
    #: prefixes clerks put before the label that still mean this column (活动日期 → 日期)
    prefixes: tuple[str, ...] = ()
    #: "left" / "center" / "right"; by default numbers right, dates centred, text left
    align: str = ""

    @property
    def alignment(self) -> str:
        if self.align:
            return self.align
        if self.kind in NUMERIC:
            return "right"
        return "center" if self.kind in (DATE, MONTH) else "left"

    def names(self) -> set[str]:
        """Every header text (already reduced by header_key) that means this column."""
        found = {header_key(self.label)} | {header_key(v) for v in self.variants}
        return found | {p + n for p in self.prefixes for n in set(found)}


#: words that make a column another person's (监护人身份证号, 户主姓名, 父亲电话): a column
#: named so is never matched to the person's own field by sharing its ending — only to a
#: column whose own name carries the same word (监护人电话)
OTHER_PARTIES = ("监护人", "户主", "父亲", "母亲", "父母", "家长", "联系人", "配偶", "爷爷", "奶奶",
                 "外公", "外婆", "祖父", "祖母", "兄弟", "姐妹", "子女", "法定代表人", "法人", "经办人",
                 "负责人", "填表人", "审核人", "介绍人", "推荐人", "委托人", "帮扶人", "结对人", "亲属",
                 "紧急")
#: kinds whose short names (日期, 姓名, 电话) may carry any prefix that is not another
#: party's (活动日期, 儿童姓名, 办公电话); other short names (类别, 类型, 名称, 地址, 人数)
#: only match exactly, so 户籍类别, 贫困类型 and 职务类别 are not 五老类别
PREFIXABLE_KINDS = (NAME, ID, PHONE, DATE, MONTH)


def other_party(prefix: str, name: str) -> str | None:
    """The other person ``prefix`` names, unless the matched ``name`` names them too."""
    return next((w for w in OTHER_PARTIES if w in prefix and w not in name), None)


SEQ_COL = Col("seq", "序号", SEQ, 5, ("编号", "序"), importable=False)


def display_text(kind: str, value: object) -> str:
    """A cell as printed on paper and shown on screen: 1955.03, 2025.06.01, 1,234.50."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value:%Y.%m}" if kind == MONTH else f"{value:%Y.%m.%d}"
    if kind == MONEY and isinstance(value, (int, float, Decimal)):
        return f"{value:,.2f}"
    return str(value)
