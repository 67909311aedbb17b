"""Committee settings (name, region, leaders) and other key/value settings."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from models import audit
from models.changes import Changes
from models.entities import Setting
from models.errors import ValidationError


@dataclass
class Committee:
    """The township committee that uses the program."""

    committee_name: str = ""
    region: str = ""
    director: str = ""
    deputy_director: str = ""

    @property
    def display_name(self) -> str:
        return self.committee_name or "本乡镇关工委"


#: the unit's 行政区划代码, its level (乡镇/县/市), the package counter, units expected to report
UNIT_CODE = "unit_code"
UNIT_LEVEL = "unit_level"
PACKAGE_SEQUENCE = "package_sequence"
EXPECTED_UNITS = "rollup_expected_units"
LEVELS = ("乡镇", "县", "市")
#: the clerk who fills the forms in (填表人), printed on every form and package; asked once
FILLER = "filler"


#: the lengths of a 行政区划代码 each level may have (统计用区划代码: a township's 9 digits or
#: the full 12; a county's 6; a city's 4 or 6; the full 12 for any of them)
CODE_LENGTHS = {"乡镇": (9, 12), "县": (6, 12), "市": (4, 6, 12)}
#: what a package without a code is refused with (command line and window)
MISSING_CODE = ("还没有填写本单位的行政区划代码，不能生成上报包（上级靠这个代码认出本单位）。"
                "请在“设置”里填写：乡镇填 9 位统计用区划代码（如 130102001），县填 6 位（如 130102）。")


def clean_code(code: str) -> str:
    """A typed code without spaces, full-width digits made plain (１３０ → 130)."""
    return "".join(unicodedata.normalize("NFKC", code).split())


def unit_code_problem(code: str, level: str) -> str:
    """Why ``code`` cannot be the 行政区划代码 of a unit of ``level``, or "" when it can
    (an empty code is allowed here: a package asks for it)."""
    code = clean_code(code)
    if not code:
        return ""
    lengths = CODE_LENGTHS.get(level, (6, 9, 12))
    if code.isascii() and code.isdigit() and len(code) in lengths:
        return ""
    if level == "乡镇":
        return "乡镇的代码应为 9 位数字（统计用区划代码的前 9 位，如 130102001），或完整的 12 位"
    if level == "县":
        return "县的代码应为 6 位数字（如 130102），或完整的 12 位"
    return "市的代码应为 4 位或 6 位数字（如 1301 或 130100），或完整的 12 位"


def save_unit(s: Session, code: str, level: str) -> Changes:
    """Set the unit's 行政区划代码 (digits of a length its level has, or empty) and level in
    the caller's transaction. Raises ValidationError naming the field."""
    code = check_unit(code, level)
    put(s, UNIT_CODE, code)
    put(s, UNIT_LEVEL, level)
    return Changes.of("settings")


def check_unit(code: str, level: str) -> str:
    """The 行政区划代码 without white space, after checking it and the level (no database
    needed: ``init`` checks before it creates the file). Raises ValidationError."""
    code = clean_code(code)
    if level not in LEVELS:
        raise ValidationError("单位级别", "请选择乡镇、县或市")
    problem = unit_code_problem(code, level)
    if problem:
        raise ValidationError("行政区划代码", problem + "；不清楚可以先留空，生成上报包前再填")
    return code


def get(s: Session, key: str, default: str = "") -> str:
    row = s.get(Setting, key)
    return row.value if row else default


def put(s: Session, key: str, value: str) -> Changes:
    """Set one setting in the caller's transaction."""
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value
    return Changes.of("settings")


def committee(s: Session) -> Committee:
    return Committee(**{k: get(s, k) for k in Committee.__dataclass_fields__})


def save_committee(s: Session, data: Committee) -> Changes:
    for key, value in asdict(data).items():
        put(s, key, value.strip())
    audit.log(s, "修改设置", "settings", None, data.committee_name)
    return Changes.of("settings")
