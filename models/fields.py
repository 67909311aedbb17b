"""One field of a subject (:mod:`models.subjects`): what it is called, how clerks head its
column, its cell kind and code table, whether it must be filled, and how it is masked.

Pure data. The dialogs, the rule set (models.rules), the forms and the import
(exports.forms, exports.kinds) all read a field's label and synonyms from here: a second
spelling anywhere else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

#: cell kinds: how a value is shown, written and parsed (exports.columns uses the same)
TEXT, NAME, ID, PHONE, DATE, MONTH, INT, MONEY, BOOL, CODE, MULTI, SEQ = (
    "text", "name", "id", "phone", "date", "month", "int", "money", "bool", "code", "multi", "seq")
#: minutes stored, hours shown (志愿服务时长)
MINUTES = "minutes"
#: a reference to another subject's record (shown by name)
REF = "ref"
#: a year (年度), checked as one
YEAR = "year"
#: kinds whose values are masked in screens, exports and packages unless asked for in full
MASKED = (ID, PHONE)
#: kinds that may not be negative
NON_NEGATIVE = (INT, MONEY, MINUTES)


@dataclass(frozen=True)
class Field:
    """One column of a subject's record.

    ``key`` is the model's column; ``column`` the form's and import's key for it where the two
    differ (``money_fen`` is read and printed as ``money`` in 元). ``synonyms`` are the other
    header texts clerks and other systems' templates use for it (contract §2 rule 1)."""

    key: str
    label: str
    kind: str = TEXT
    synonyms: tuple[str, ...] = ()
    code_table: str | None = None
    required: bool = False
    column: str = ""

    @property
    def form_key(self) -> str:
        """The key of the form and import column that shows this field."""
        return self.column or self.key

    @property
    def masked(self) -> bool:
        """Shown masked (ID numbers, phones) unless the full value is asked for."""
        return self.kind in MASKED

    @property
    def non_negative(self) -> bool:
        return self.kind in NON_NEGATIVE


def f(key: str, label: str, kind: str = TEXT, *synonyms: str, code_table: str | None = None,
      required: bool = False, column: str = "") -> Field:
    """A field, its synonyms given inline (the descriptors read like a table)."""
    return Field(key, label, kind, synonyms, code_table, required, column)


#: the names other systems' templates give phone and ID columns, collected from real templates:
#: 民政 留守/困境儿童 information system (儿童姓名、公民身份号码、与儿童关系、监护人联系电话、现居住地址),
#: 学籍 rosters (学生姓名、身份证件号、学校名称/学校全称、就读年级), 建档立卡 poverty-relief lists
#: (证件号码、户主姓名、与户主关系、贫困户属性/贫困类型、联系电话), 志愿服务 systems (证件类型、证件号码、
#: 手机号码、注册时间、服务类别) and 智慧团建 youth-league lists (联系方式、所在团支部).
PHONE_VARIANTS = ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "联系电话号码",
                  "移动电话", "联系手机", "本人电话", "本人手机", "个人电话")
ID_VARIANTS = ("身份证号码", "公民身份号码", "身份证", "身份证号码（18位）", "证件号码", "证件号",
               "身份证件号", "身份证件号码", "公民身份证号", "公民身份证号码", "居民身份证号码",
               "居民身份证号", "身份证编号", "本人身份证号", "本人身份证号码")
GROUP_VARIANTS = ("关工小组", "所在组织", "所属关工小组", "所属组织", "所在关工组织", "所属关工组织",
                  "所在关工委")
