"""Taking units' upward packages into a roll-up database (contract §6).

Every package is checked whole before anything of it is taken: the zip must be readable, every
member listed in ``manifest.json`` with its true size and SHA-256, nothing else in it, names
without paths, sizes and compression ratios within bounds (a zip bomb or a manifest that lies
about sizes is refused while reading at most a capped number of bytes). ``take_packages`` then
takes the good ones in one transaction: ``new``, ``replaced`` (higher sequence) or
``unchanged`` (the same manifest); an older package is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import delete, insert, select

from models import audit, rollup, settings
from models.db import Database
from models.entities import RollupPackage, RollupRecord, RollupUnit, now

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 64 << 20
MAX_TOTAL_BYTES = 512 << 20
MAX_JSON_BYTES = 32 << 20
#: a member bigger than 1 MB may not expand more than this (xlsx/pdf/json compress ~10×)
MAX_RATIO = 200
_CHUNK = 1 << 20

#: the §3 figures a package's stats.json must carry (section -> keys)
FIGURE_KEYS: dict[str, tuple[str, ...]] = {
    "groups": ("total", "by_type", "wuhao"),
    "volunteers": ("total", "backbone", "party_members", "by_category", "joined", "left"),
    "students": ("total", "paired", "by_category"),
    "pairings": ("active",),
    "aid": ("records", "money_yuan"),
    "activities": ("total", "by_theme", "volunteer_participations", "youth_participations"),
    "donations": ("count", "money_yuan", "goods_value_yuan"),
}


class Refused(Exception):
    """A package that is not taken; ``str(err)`` is the sentence naming file and problem."""


@dataclass
class Package:
    """A checked package, ready to be taken."""

    path: Path
    format: int
    unit_code: str
    unit_name: str
    level: str
    year: int
    sequence: int
    exported_at: str
    manifest_sha256: str
    figures: dict[str, Any]
    data: dict[str, Any] | None


def _refuse(path: Path, problem: str, advice: str = "请让该单位重新生成上报包后再拷贝过来。") -> Refused:
    return Refused(f"上报包“{path.name}”{problem}，整个包没有收下。{advice}")


def _safe_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return bool(name) and "\\" not in name and ":" not in name and not pure.is_absolute() \
        and ".." not in pure.parts and not name.endswith("/")


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> tuple[bytes | None, str, int]:
    """Stream one member: (its bytes when it is at most ``cap`` and wanted, sha256, size read).
    Never reads more than the member's checked size plus one chunk."""
    h = hashlib.sha256()
    kept: list[bytes] | None = [] if info.file_size <= cap else None
    n = 0
    with zf.open(info) as fh:
        while block := fh.read(_CHUNK):
            n += len(block)
            if n > info.file_size or n > MAX_MEMBER_BYTES:
                break
            h.update(block)
            if kept is not None:
                kept.append(block)
    return (b"".join(kept) if kept is not None else None), h.hexdigest(), n


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, f"里的文件太多（{len(infos)} 个），不像关工台账的上报包")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _refuse(path, "里有重名的文件，可能被改动过")
    total = 0
    for info in infos:
        if not _safe_name(info.filename):
            raise _refuse(path, f"里有带路径的文件名“{info.filename}”，可能是恶意文件")
        if info.file_size > MAX_MEMBER_BYTES:
            raise _refuse(path, f"里的“{info.filename}”大得不合理（{info.file_size} 字节）")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _CHUNK and ratio > MAX_RATIO:
            raise _refuse(path, f"里的“{info.filename}”压缩比异常（{ratio:.0f} 倍），可能是恶意文件")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, "解压后大得不合理")


def _json(path: Path, raw: bytes | None, name: str) -> Any:
    if raw is None:
        raise _refuse(path, f"里的“{name}”太大")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise _refuse(path, f"里的“{name}”不是有效的数据文件") from err


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _money(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value < 1e11)


def _check_figures(path: Path, figures: Any, year: int) -> dict[str, Any]:
    if not isinstance(figures, dict) or figures.get("year") != year:
        raise _refuse(path, "的统计数字年度与清单不一致")
    for section, keys in FIGURE_KEYS.items():
        part = figures.get(section)
        for key in keys:
            value = part.get(key) if isinstance(part, dict) else None
            ok = (isinstance(value, dict) and all(isinstance(k, str) and _count(v)
                                                  for k, v in value.items())
                  if key.startswith("by_") else _money(value) if key.endswith("_yuan")
                  else _count(value))
            if not ok:
                raise _refuse(path, f"的统计数字不完整（{section}.{key}）")
    return {"year": year, **{sec: {k: figures[sec][k] for k in keys}
                             for sec, keys in FIGURE_KEYS.items()}}


def read_package(path: Path | str) -> Package:
    """Check one package file whole against its manifest. Raises :class:`Refused`."""
    path = Path(path)
    if not path.is_file():
        raise Refused(f"找不到上报包“{path}”。请检查文件名和U盘是否插好。")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_members(path, infos)
            by_name = {i.filename: i for i in infos}
            if "manifest.json" not in by_name:
                raise _refuse(path, "里没有清单文件 manifest.json，不是完整的上报包")
            raw, manifest_sha, _n = _read(zf, by_name["manifest.json"], MAX_JSON_BYTES)
            manifest = _json(path, raw, "manifest.json")
            files = manifest.get("files") if isinstance(manifest, dict) else None
            year = manifest.get("year") if isinstance(manifest, dict) else None
            if not isinstance(files, list) or not isinstance(year, int) or not _count(year):
                raise _refuse(path, "的清单文件内容不完整")
            wanted: dict[str, bytes | None] = {}
            listed: set[str] = set()
            for item in files:
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str) or name not in by_name:
                    raise _refuse(path, f"缺少清单上列出的文件“{name}”")
                info = by_name[name]
                if item.get("size") != info.file_size:
                    raise _refuse(path, f"里的“{name}”大小与清单不符，可能被改动过")
                keep = MAX_JSON_BYTES if item.get("format") == "json" else 0
                data, sha, n = _read(zf, info, keep)
                if n != info.file_size:
                    raise _refuse(path, f"里的“{name}”不完整或大小与清单不符")
                if sha != item.get("sha256"):
                    raise _refuse(path, f"里的“{name}”与清单上的校验值不符，文件被改动过或已损坏")
                listed.add(name)
                if keep:
                    wanted[str(item.get("form"))] = data
            extra = sorted(set(by_name) - listed - {"manifest.json"})
            if extra:
                raise _refuse(path, f"里有清单上没有的文件“{extra[0]}”，可能被改动过")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as err:
        raise _refuse(path, "已损坏或不完整（可能在拷贝时被截断）") from err
    if "stats" not in wanted:
        raise _refuse(path, "里没有统计数字 stats.json")
    figures = _check_figures(path, _json(path, wanted["stats"], "stats.json"), year)
    fmt = manifest.get("format", 1)
    exported_at = str(manifest.get("exported_at", ""))
    if fmt == 1:
        name = str(manifest.get("committee") or "").strip()
        if not name:
            raise _refuse(path, "的清单里没有关工委名称")
        return Package(path, 1, name, name, "乡镇", year, 0, exported_at, manifest_sha,
                       figures, None)
    if fmt != 2:
        raise _refuse(path, f"的格式（{fmt}）比本程序新", "请先安装新版本的关工台账。")
    code, name = manifest.get("unit_code"), manifest.get("unit_name")
    level, sequence = manifest.get("level"), manifest.get("sequence")
    if not (isinstance(code, str) and code.strip() and isinstance(name, str)
            and level in settings.LEVELS and _count(sequence)):
        raise _refuse(path, "的清单里单位代码、名称、级别或序号不完整")
    data = _json(path, wanted["data"], "data.json") if "data" in wanted else None
    if not isinstance(data, dict):
        raise _refuse(path, "里没有数据文件 data.json")
    return Package(path, 2, code.strip(), name, str(level), year, int(sequence), exported_at,
                   manifest_sha, figures, data)


def _people(data: dict[str, Any] | None) -> list[dict[str, str]]:
    """Own people and, for a county's package, its townships' people (``rolled_up``)."""
    def listed(key: str) -> list[Any]:
        value = (data or {}).get(key)
        return value if isinstance(value, list) else []

    found = [(subject, rec) for subject in ("volunteers", "students") for rec in listed(subject)]
    found += [(str(rec.get("subject", ""))[:20], rec) for rec in listed("rolled_up")
              if isinstance(rec, dict)]
    return [{"subject": subject, "uuid": str(rec.get("uuid") or "")[:36], "name": rec["name"][:40],
             "birth_date": str(rec.get("birth_date") or "")[:10]}
            for subject, rec in found
            if isinstance(rec, dict) and isinstance(rec.get("name"), str)]


class _DryRun(Exception):
    pass


def take_packages(db: Database, paths: list[Path | str], dry_run: bool = False) -> dict[str, Any]:
    """Check and take ``paths`` in one transaction (contract §6); ``dry_run`` writes nothing.

    Returns ``{"taken": [{"file", "unit_code", "unit_name", "year", "status"}],
    "refused": [{"file", "reason"}], "dry_run": bool}``."""
    taken: list[dict[str, Any]] = []
    refused: list[dict[str, str]] = []
    checked: list[Package] = []
    for p in paths:
        try:
            checked.append(read_package(p))
        except Refused as err:
            refused.append({"file": Path(p).name, "reason": str(err)})
    try:
        with db.session() as s:
            own_code = rollup.own_unit(s)[0]
            for pkg in checked:
                status = _take_one(s, pkg, own_code)
                if status.startswith("refused:"):
                    refused.append({"file": pkg.path.name, "reason": status[8:]})
                    continue
                taken.append({"file": pkg.path.name, "unit_code": pkg.unit_code,
                              "unit_name": pkg.unit_name, "year": pkg.year, "status": status})
            written = [t for t in taken if t["status"] != "unchanged"]
            if written:
                audit.log(s, "汇总", "rollup", None, "；".join(
                    f"{t['unit_name']} {t['year']}年度（{t['status']}）" for t in written)[:2000])
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return {"taken": taken, "refused": refused, "dry_run": dry_run}


def _take_one(s: Any, pkg: Package, own_code: str) -> str:
    if pkg.unit_code == own_code:
        return (f"refused:上报包“{pkg.path.name}”是本单位自己的上报包，整个包没有收下。"
                "请选择下级单位报来的上报包。")
    old = s.scalar(select(RollupPackage).where(RollupPackage.unit_code == pkg.unit_code,
                                               RollupPackage.year == pkg.year))
    if old is not None and old.sha256 == pkg.manifest_sha256:
        return "unchanged"
    if old is not None and (pkg.sequence, pkg.exported_at) <= (old.sequence, old.exported_at):
        return (f"refused:上报包“{pkg.path.name}”比已经收下的{pkg.unit_name}{pkg.year}年度上报包旧"
                f"（序号 {pkg.sequence}，已收下的是 {old.sequence}），整个包没有收下。"
                "如要更正，请让该单位重新生成上报包。")
    unit = s.get(RollupUnit, pkg.unit_code)
    if unit is None:
        s.add(RollupUnit(code=pkg.unit_code, name=pkg.unit_name, level=pkg.level))
    else:
        unit.name, unit.level = pkg.unit_name, pkg.level
    s.flush()
    if old is None:
        old = RollupPackage(unit_code=pkg.unit_code, year=pkg.year)
        s.add(old)
    else:
        s.execute(delete(RollupRecord).where(RollupRecord.package_id == old.id))
    status = "new" if old.id is None else "replaced"
    old.sequence, old.format, old.file_name = pkg.sequence, pkg.format, pkg.path.name
    old.sha256, old.exported_at, old.taken_at = pkg.manifest_sha256, pkg.exported_at, now()
    old.figures_json = json.dumps(pkg.figures, ensure_ascii=False)
    old.data_json = rollup.units_data(pkg.data)
    s.flush()
    people = _people(pkg.data)
    if people:
        s.execute(insert(RollupRecord), [{"package_id": old.id, **p} for p in people])
    return status
