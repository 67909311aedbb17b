"""Committee settings (name, region, leaders) and other key/value settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from models import audit
from models.changes import Changes
from models.entities import Setting


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


def save_unit(s: Session, code: str, level: str) -> Changes:
    """Set the unit's 行政区划代码 (6, 9 or 12 digits, or empty) and level in the caller's
    transaction. Raises ValidationError naming the field."""
    code = check_unit(code, level)
    put(s, UNIT_CODE, code)
    put(s, UNIT_LEVEL, level)
    return Changes.of("settings")


def check_unit(code: str, level: str) -> str:
    """The 行政区划代码 without white space, after checking it and the level (no database
    needed: ``init`` checks before it creates the file). Raises ValidationError."""
    from models.errors import ValidationError

    code = "".join(code.split())
    if code and not (code.isdigit() and len(code) in (6, 9, 12)):
        raise ValidationError("行政区划代码", "应为 6 位（县）、9 位或 12 位数字，例如 130102001；"
                              "不清楚可以先留空")
    if level not in LEVELS:
        raise ValidationError("单位级别", "请选择乡镇、县或市")
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
