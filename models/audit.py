"""The audit log: who did what and when (domain.md §6)."""

from __future__ import annotations

import getpass
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import AuditEntry
from models.subjects import SUBJECT_LABELS

#: what the audit log calls the subjects that are not records (code tables, settings …)
OTHER_SUBJECTS: dict[str, str] = {
    "settings": "设置",
    "privacy": "完整号码",
    "group_type": "代码表：组织类型",
    "volunteer_category": "代码表：五老类别",
    "political_status": "代码表：政治面貌",
    "volunteer_role": "代码表：担任角色",
    "student_category": "代码表：帮扶类别",
    "student_status": "代码表：帮扶状态",
    "aid_kind": "代码表：帮扶方式",
    "activity_theme": "代码表：活动主题",
    "donor_type": "代码表：捐赠方类型",
    "honor_level": "代码表：表彰级别",
    "pairing_mode": "代码表：结对形式",
    "venue_type": "代码表：阵地类型",
}


def subject_label(subject: str, forms: dict[str, str] | None = None) -> str:
    """The Chinese name of an audit line's subject: a kind of record, a form (``forms`` maps
    form ids to titles, exports.forms being out of models' reach), a code table, the settings.
    An unknown code is shown as it is rather than hidden."""
    if not subject:
        return ""
    return (SUBJECT_LABELS.get(subject) or (forms or {}).get(subject)
            or OTHER_SUBJECTS.get(subject) or subject)


def current_user() -> str:
    """The operating-system user name (the program's own user once a password is set)."""
    try:
        return os.environ.get("GGTZ_USER") or getpass.getuser()
    except Exception:
        return "未知用户"


def log(s: Session, action: str, subject: str = "", record_id: int | None = None,
        detail: str = "", user: str | None = None) -> None:
    """Add one audit line in the caller's transaction."""
    s.add(AuditEntry(action=action, subject=subject, record_id=record_id, detail=detail,
                     user=user or current_user()))


def recent(s: Session, limit: int = 200) -> list[AuditEntry]:
    return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
