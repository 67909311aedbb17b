"""回执 files (contract §7): the receiver writes one per decision, the unit takes it.

A 回执 is ``<单位名称>_<年度>年度_回执_<YYYYMMDD>.zip`` holding one ``receipt.json`` signed by the
receiver (models.chain: canonical bytes, Ed25519).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from exports.atomic import atomic_path
from exports.service import safe_file_name
from models import chain
from models.db import Database
from models.errors import DataError, FileProblem

MAX_RECEIPT_BYTES = 64 << 10


def receipt_name(unit_name: str, year: int, day: dt.date) -> str:
    return f"{safe_file_name(unit_name)}_{year}年度_回执_{day:%Y%m%d}.zip"


def review(db: Database, year: int, unit_code: str, accept: bool, comment: str,
           out_dir: Path | str) -> tuple[Path, dict[str, Any]]:
    """Record the decision on the unit's latest package for ``year`` and write its 回执 into
    ``out_dir`` (one transaction, see :func:`write_review`)."""
    with db.session() as s:
        return write_review(s, year, unit_code, accept, comment, out_dir)


def write_review(s: Session, year: int, unit_code: str, accept: bool, comment: str,
                 out_dir: Path | str) -> tuple[Path, dict[str, Any]]:
    """In the caller's transaction: the decision (models.chain.decide) and its 回执 file,
    written whole before the transaction commits (a failed write rolls the decision back).
    Raises DataError (no such package, a return without reason) or FileProblem."""
    receipt = chain.decide(s, unit_code, year, accept, comment)
    target = Path(out_dir) / receipt_name(receipt["unit_name"], year, dt.date.today())
    body = json.dumps(receipt, ensure_ascii=False, indent=1).encode("utf-8")
    with atomic_path(target) as part, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("receipt.json", body)
    return target, receipt


def read_receipt(path: Path | str) -> tuple[dict[str, Any], str]:
    """(receipt.json, its SHA-256) from a 回执 file, read within bounds. Raises DataError."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"找不到回执文件“{path}”。请检查文件名和U盘是否插好。")
    bad = DataError(f"“{path.name}”不是有效的回执文件（可能已损坏或被改动过），没有收下。"
                    "请向上级索取原来的回执。")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if [i.filename for i in infos] != ["receipt.json"] \
                    or infos[0].file_size > MAX_RECEIPT_BYTES:
                raise bad
            with zf.open(infos[0]) as fh:
                raw = fh.read(MAX_RECEIPT_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError) as err:
        raise bad from err
    if len(raw) > MAX_RECEIPT_BYTES:
        raise bad
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise bad from err
    if not isinstance(value, dict) or any(isinstance(v, (dict, list)) for v in value.values()):
        raise bad
    return value, hashlib.sha256(raw).hexdigest()


def take_receipt(db: Database, path: Path | str, trust_new_key: bool = False) -> dict[str, Any]:
    """Take a 回执 at the unit (contract §7) in one transaction; returns ``{"year",
    "sequence", "status", "comment", "superseded"}``. Raises DataError with the sentence."""
    receipt, sha = read_receipt(path)
    with db.session() as s:
        result = chain.take_receipt(s, receipt, sha, trust_new_key)
    return {k: result[k] for k in ("year", "sequence", "status", "comment", "superseded")}
