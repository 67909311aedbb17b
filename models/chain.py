"""The chain between levels (contract §6 "Trust (format 3)", §7): each unit's Ed25519 key,
signatures over canonical JSON, keys pinned on first use, the receiver's reviews, the 回执 a
unit takes, and the year lock after 已通过.

Nothing here touches a file (zips are :mod:`exports.rollup` and :mod:`exports.receipts`).
Every function works in the caller's transaction.

Canonical bytes (what a signature covers): the JSON object without its ``signature`` member,
serialised with ``json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``
and encoded as UTF-8. ``public_key`` (64 lowercase hex digits) is inside the signed bytes;
``signature`` is 128 lowercase hex digits (Ed25519, PyNaCl).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit, settings
from models.entities import (
    ChainKey,
    ChainReceipt,
    ChainReview,
    ChainSent,
    ChainYear,
    RollupPackage,
    RollupUnit,
    now,
)
from models.errors import DataError
from models.rollup import latest_packages, own_unit

#: the unit's private signing key (32-byte seed, hex) in the settings table
PRIVATE_KEY = "sign_private_key"
ACCEPTED, RETURNED, PENDING, MISSING = "已通过", "已退回", "待审核", "未上报"
STATES = (MISSING, PENDING, RETURNED, ACCEPTED)


class KeyChanged(DataError):
    """A signature by another key than the one pinned for the code."""


# -- keys and signatures ---------------------------------------------------------------------

def canonical(obj: dict[str, Any]) -> bytes:
    """The bytes a signature covers (see the module docstring)."""
    body = {k: v for k, v in obj.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def signing_key(s: Session) -> SigningKey:
    """This unit's key pair, made (and kept in the settings) on first use."""
    seed = settings.get(s, PRIVATE_KEY)
    if len(seed) == 64:
        try:
            return SigningKey(bytes.fromhex(seed))
        except ValueError:
            pass
    key = SigningKey.generate()
    settings.put(s, PRIVATE_KEY, key.encode().hex())
    return key


def public_key_hex(key: SigningKey) -> str:
    return bytes(key.verify_key).hex()


def sign(s: Session, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with this unit's ``public_key`` and a ``signature`` over its canonical bytes."""
    return sign_with(signing_key(s), obj)


def sign_with(key: SigningKey, obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k != "signature"}
    out["public_key"] = public_key_hex(key)
    out["signature"] = key.sign(canonical(out)).signature.hex()
    return out


def verify(obj: dict[str, Any]) -> str:
    """The hex public key that signed ``obj``; raises ValueError when the signature is
    missing, malformed or wrong."""
    pub, sig = obj.get("public_key"), obj.get("signature")
    if not (isinstance(pub, str) and len(pub) == 64 and isinstance(sig, str) and len(sig) == 128):
        raise ValueError("no signature")
    try:
        VerifyKey(bytes.fromhex(pub)).verify(canonical(obj), bytes.fromhex(sig))
    except (BadSignatureError, ValueError, TypeError) as err:
        raise ValueError("bad signature") from err
    return pub


def fingerprint(public_key: str) -> str:
    """Sixteen digits in four groups, to read over the phone (about 53 bits of SHA-256)."""
    digest = hashlib.sha256(bytes.fromhex(public_key)).digest()
    number = int.from_bytes(digest[:8], "big") % 10**16
    text = f"{number:016d}"
    return " ".join(text[i:i + 4] for i in range(0, 16, 4))


def own_fingerprint_if_made(s: Session) -> str | None:
    """This unit's key fingerprint, or None before its first package (read-only)."""
    seed = settings.get(s, PRIVATE_KEY)
    try:
        return fingerprint(public_key_hex(SigningKey(bytes.fromhex(seed)))) if seed else None
    except ValueError:
        return None


def pinned(s: Session, code: str) -> ChainKey | None:
    return s.get(ChainKey, code)


def pin(s: Session, code: str, name: str, public_key: str, trust_new: bool = False,
        what: str = "上报包") -> str:
    """Pin ``public_key`` for ``code`` on first use: 'pinned' (first time), 'same', or 'renewed'
    (another key accepted with ``trust_new``). Raises KeyChanged for another key otherwise."""
    row = s.get(ChainKey, code)
    if row is None:
        s.add(ChainKey(code=code, name=name, public_key=public_key, pinned_at=now()))
        return "pinned"
    if row.public_key == public_key:
        return "same"
    if not trust_new:
        how = (f"rollup --trust-new-key {code}（或在汇总页确认）" if what == "上报包"
               else "receipt 回执文件 --trust-new-key")
        raise KeyChanged(
            f"{name or code}（{code}）这次的{what}换了签名密钥（新指纹 {fingerprint(public_key)}，"
            f"原来是 {fingerprint(row.public_key)}），没有收下。请打电话和对方核对新指纹；"
            f"确认是对方重装了程序后，用 {how} 再收。")
    old = fingerprint(row.public_key)
    row.public_key, row.name, row.pinned_at = public_key, name, now()
    audit.log(s, "更换单位密钥", "settings", None,
              f"{name}（{code}）：{old} → {fingerprint(public_key)}")
    return "renewed"


# -- the receiver: reviews -------------------------------------------------------------------

def review_of(s: Session, unit_code: str, year: int, manifest_sha256: str) -> ChainReview | None:
    """The latest decision on exactly this package (a newer package is 待审核 again)."""
    return s.scalar(select(ChainReview).where(
        ChainReview.unit_code == unit_code, ChainReview.year == year,
        ChainReview.manifest_sha256 == manifest_sha256).order_by(ChainReview.id.desc()).limit(1))


def unit_states(s: Session, year: int) -> dict[str, dict[str, Any]]:
    """unit code -> {"state", "comment", "decided_at"} for every unit with a package for
    ``year`` (units without one are 未上报)."""
    out: dict[str, dict[str, Any]] = {}
    for pkg in latest_packages(s, year):
        rev = review_of(s, pkg.unit_code, year, pkg.sha256)
        out[pkg.unit_code] = {
            "state": rev.status if rev else PENDING,
            "comment": rev.comment if rev else "",
            "decided_at": rev.decided_at.isoformat() if rev else None}
    return out


def decide(s: Session, unit_code: str, year: int, accept: bool, comment: str) -> dict[str, Any]:
    """Record the decision on the unit's latest package for ``year`` and return the signed
    receipt (contract §7). Raises DataError when there is no such package or a return has no
    comment."""
    comment = " ".join(comment.split())[:500]
    pkg = s.scalar(select(RollupPackage).where(RollupPackage.unit_code == unit_code,
                                               RollupPackage.year == year))
    unit = s.get(RollupUnit, unit_code)
    if pkg is None or unit is None:
        raise DataError(f"还没有收到单位“{unit_code}”{year}年度的上报包，无法审核。"
                        "请先用 rollup 收下它的上报包（区划代码见 rollup-status）。")
    if not accept and not comment:
        raise DataError("退回时请写明原因（例如“请核实活动人次”），对方才知道要改什么。")
    status = ACCEPTED if accept else RETURNED
    at = now()
    s.add(ChainReview(unit_code=unit_code, year=year, sequence=pkg.sequence,
                      manifest_sha256=pkg.sha256, status=status, comment=comment,
                      decided_at=at))
    code, name, level = own_unit(s)
    audit.log(s, "审核上报包", "", None,
              f"{unit.name}（{unit_code}）{year}年度第 {pkg.sequence} 次：{status}"
              + (f"，{comment}" if comment else ""))
    return sign(s, {
        "format": 1, "kind": "回执", "receiver_code": code, "receiver_name": name,
        "receiver_level": level, "unit_code": unit_code, "unit_name": unit.name, "year": year,
        "sequence": pkg.sequence, "manifest_sha256": pkg.sha256, "status": status,
        "comment": comment, "time": at.isoformat()})


# -- the unit: packages sent, 回执 taken, the year's state -----------------------------------

def record_sent(s: Session, year: int, sequence: int, manifest_sha256: str, file_name: str) -> None:
    """A package made: remembered so a 回执 can name it; a reopened year is sent again."""
    s.add(ChainSent(year=year, sequence=sequence, manifest_sha256=manifest_sha256,
                    file_name=file_name, made_at=now()))
    row = s.get(ChainYear, year)
    if row is not None and row.needs_resend:
        row.needs_resend, row.changed_at = False, now()


def take_receipt(s: Session, receipt: dict[str, Any], receipt_sha256: str,
                 trust_new_key: bool = False) -> dict[str, Any]:
    """Check and record a 回执 (contract §7). Returns ``{"year", "sequence", "status",
    "comment", "superseded"}``. Raises DataError (or KeyChanged, unless ``trust_new_key``:
    the receiver's new key, checked by phone, replaces the pinned one) with the sentence."""
    try:
        public_key = verify(receipt)
    except ValueError as err:
        raise DataError("这个回执没有有效的签名（可能被改动过），没有收下。"
                        "请向上级索取原来的回执文件。") from err
    fields = ("receiver_code", "receiver_name", "unit_code", "status", "comment",
              "manifest_sha256", "time")
    year, sequence = receipt.get("year"), receipt.get("sequence")
    if (receipt.get("kind") != "回执" or not all(isinstance(receipt.get(f), str) for f in fields)
            or not isinstance(year, int) or not isinstance(sequence, int)
            or receipt.get("status") not in (ACCEPTED, RETURNED)):
        raise DataError("这个文件不是有效的回执（内容不完整），没有收下。请向上级索取回执文件。")
    code = own_unit(s)[0]
    if receipt["unit_code"] != code:
        raise DataError(f"这个回执是写给“{receipt.get('unit_name') or receipt['unit_code']}”"
                        f"（{receipt['unit_code']}）的，不是本单位（{code}）的，没有收下。")
    sent = s.scalar(select(ChainSent).where(ChainSent.year == year,
                                            ChainSent.sequence == sequence,
                                            ChainSent.manifest_sha256 == receipt["manifest_sha256"]))
    if sent is None:
        raise DataError(f"这个回执说的{year}年度第 {sequence} 次上报包不是本数据库生成的，"
                        "没有收下。请确认打开的是生成上报包的那个数据库。")
    pin(s, receipt["receiver_code"], receipt["receiver_name"], public_key, trust_new_key,
        what="回执")
    latest = s.scalar(select(ChainSent.sequence).where(ChainSent.year == year)
                      .order_by(ChainSent.sequence.desc()).limit(1))
    superseded = latest is not None and sequence < latest
    row = s.scalar(select(ChainReceipt).where(ChainReceipt.receipt_sha256 == receipt_sha256))
    if row is not None:  # taken before: nothing new (it may have been overtaken since)
        row.superseded = row.superseded or superseded
        return {"year": row.year, "sequence": row.sequence, "status": row.status,
                "comment": row.comment, "superseded": row.superseded, "unchanged": True}
    s.add(ChainReceipt(year=year, sequence=sequence, manifest_sha256=receipt["manifest_sha256"],
                       status=receipt["status"], comment=receipt["comment"][:500],
                       receiver_code=receipt["receiver_code"],
                       receiver_name=receipt["receiver_name"][:100],
                       receiver_level=str(receipt.get("receiver_level") or "")[:10],
                       decided_at=receipt["time"][:40], received_at=now(),
                       superseded=superseded, receipt_sha256=receipt_sha256))
    if not superseded:
        row_year = s.get(ChainYear, year)
        if row_year is None:
            row_year = ChainYear(year=year, locked=False, needs_resend=False, reason="")
            s.add(row_year)
        row_year.locked = receipt["status"] == ACCEPTED
        row_year.changed_at = now()
    audit.log(s, "收到回执", "", None,
              f"{receipt['receiver_name']} {year}年度第 {sequence} 次：{receipt['status']}"
              + ("（已有更新的上报包，仅作记录）" if superseded else ""))
    return {"year": year, "sequence": sequence, "status": receipt["status"],
            "comment": receipt["comment"], "superseded": superseded}


def reopen(s: Session, year: int, reason: str) -> None:
    """Reopen an accepted year: the reason goes to the audit log, the year is 需重新上报 until
    a new package is made. Raises DataError when the year is not locked or no reason."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise DataError("重新打开已通过的年度时请写明原因（会记入操作日志）。")
    row = s.get(ChainYear, year)
    if row is None or not row.locked:
        raise DataError(f"{year}年度没有被锁定（上级还没有通过），不需要重新打开。")
    row.locked, row.needs_resend, row.reason, row.changed_at = False, True, reason, now()
    audit.log(s, "重新打开年度", "", None, f"{year}年度：{reason}")


def locked_years(s: Session) -> set[int]:
    return set(s.scalars(select(ChainYear.year).where(ChainYear.locked.is_(True))))


def year_state(s: Session, year: int) -> dict[str, Any]:
    """The unit's state for ``year`` as its 首页 and 报表中心 show it: ``sentence`` e.g.
    "2025年度：已上报（第3次），县关工委已退回：请核实活动人次"."""
    sent = list(s.scalars(select(ChainSent).where(ChainSent.year == year)
                          .order_by(ChainSent.sequence)))
    row = s.get(ChainYear, year)
    if not sent:
        return {"year": year, "state": "未上报", "sentence": f"{year}年度：还没有生成上报包",
                "locked": False}
    last = sent[-1]
    times = len(sent)
    receipt = s.scalar(select(ChainReceipt).where(ChainReceipt.year == year,
                                                  ChainReceipt.superseded.is_(False))
                       .order_by(ChainReceipt.id.desc()).limit(1))
    head = f"{year}年度：已上报（第{times}次）"
    if row is not None and row.needs_resend:
        return {"year": year, "state": "需重新上报", "locked": False,
                "sentence": f"{year}年度：已重新打开（{row.reason}），需重新上报"}
    if receipt is None or receipt.sequence != last.sequence:
        return {"year": year, "state": "已上报", "locked": False,
                "sentence": head + "，等待上级审核"}
    words = f"，{receipt.receiver_name}{receipt.status}"
    if receipt.status == RETURNED and receipt.comment:
        words += f"：{receipt.comment}"
    return {"year": year, "state": receipt.status, "sentence": head + words,
            "locked": bool(row and row.locked)}


def today() -> dt.date:
    return dt.date.today()
