"""The audit log: who did what and when (domain.md §6)."""

from __future__ import annotations

import getpass
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import AuditEntry


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
