"""The optional program password: only a salted scrypt hash is stored (in the database, so
backups and packages never hold the password itself)."""

from __future__ import annotations

import hashlib
import hmac
import os

from sqlalchemy.orm import Session

from models import audit, settings
from models.changes import Changes
from models.errors import ValidationError

N, R, P = 2**14, 8, 1
KEY = "password_hash"


def _hash(password: str, salt: bytes, n: int = N, r: int = R, p: int = P) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)


def has_password(s: Session) -> bool:
    return bool(settings.get(s, KEY))


def set_password(s: Session, password: str) -> Changes:
    """Set (or with an empty string, remove) the program password. Raises ValidationError."""
    if password and len(password) < 4:
        raise ValidationError("密码", "密码至少 4 位")
    if not password:
        settings.put(s, KEY, "")
        audit.log(s, "取消密码", "settings")
        return Changes.of("settings")
    salt = os.urandom(16)
    stored = f"scrypt${N}${R}${P}${salt.hex()}${_hash(password, salt).hex()}"
    settings.put(s, KEY, stored)
    audit.log(s, "设置密码", "settings")
    return Changes.of("settings")


def check_password(s: Session, password: str) -> bool:
    """True when no password is set or ``password`` matches it."""
    stored = settings.get(s, KEY)
    if not stored:
        return True
    try:
        _algo, n, r, p, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        got = _hash(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(expected, got)


def lock_minutes(s: Session) -> int:
    """Minutes of no use after which the window locks (0 = never)."""
    try:
        return max(0, int(settings.get(s, "lock_minutes", "10") or 10))
    except ValueError:
        return 10
