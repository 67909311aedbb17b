"""Taking units' upward packages into a roll-up database (contract §6).

Every package is checked whole before anything of it is taken: the zip must be readable, every
member listed in ``manifest.json`` with its true size and SHA-256, nothing else in it, names
without paths, sizes and compression ratios within bounds (a zip bomb or a manifest that lies
about sizes is refused while reading at most a capped number of bytes); ``data.json`` is read as
a stream (exports.jsonstream), batch by batch, keeping only what the receiver stores, so memory
stays bounded whatever the package's size (issue 25). ``take_packages`` then
takes the good ones in one transaction: ``new``, ``replaced`` (higher sequence) or
``unchanged`` (the same manifest); an older package is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import defer

from exports import jsonstream
from models import audit, chain, rollup, settings, yearlock
from models.db import Database
from models.entities import RollupPackage, RollupRecord, RollupUnit, now
from models.subjects import figure_keys

ROLLUP_RECORDS: Any = RollupRecord.__table__
MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 64 << 20
MAX_TOTAL_BYTES = 1 << 30
#: manifest.json, stats.json, quality.json are read whole; data.json is streamed (jsonstream)
MAX_JSON_BYTES = 32 << 20
#: data.json: a demo×100 township's is ~40 MB, five times that ~200 MB; 2.5 times that allowed
MAX_DATA_BYTES = 512 << 20
DATA_NAME = "data.json"
YEAR_MIN, YEAR_MAX = 1949, 2100
#: a member bigger than 1 MB may not expand more than this (xlsx/pdf/json compress ~10×)
MAX_RATIO = 200
_CHUNK = 1 << 20

#: the §3 figures a package's stats.json must carry (section -> keys)
#: (the subjects' ``figures``, models.subjects)
FIGURE_KEYS: dict[str, tuple[str, ...]] = figure_keys()
#: sections a package of an older program does not carry (阵地): checked when present
OPTIONAL_FIGURES = frozenset(FIGURE_KEYS) - frozenset(figure_keys(optional=False))


class Refused(Exception):
    """A package that is not taken; ``str(err)`` is the sentence naming file and problem."""


@dataclass
class DataFile:
    """What the receiver keeps of a checked data.json (read as a stream, never whole)."""

    kept: str  # rollup.KeptWriter's stored form of the lists the county's forms read
    months: list[int]
    #: the people (rollup_records rows without package_id), one zlib-compressed JSON text (a
    #: list of rows) per batch read: a fifteenth of the memory the rows' dicts would take
    people: list[bytes]

    def people_rows(self) -> Iterator[list[dict[str, str]]]:
        """The people, batch by batch, as rollup_records rows (without package_id)."""
        for text in self.people:
            yield json.loads(zlib.decompress(text))


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
    data: DataFile | None
    public_key: str = ""
    quality_json: str | None = None


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
            if n > info.file_size or n > _member_cap(info.filename):
                break
            h.update(block)
            if kept is not None:
                kept.append(block)
    return (b"".join(kept) if kept is not None else None), h.hexdigest(), n


def _member_cap(name: str) -> int:
    return MAX_DATA_BYTES if name == DATA_NAME else MAX_MEMBER_BYTES


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
        if info.file_size > _member_cap(info.filename):
            raise _refuse(path, f"里的“{info.filename}”大得不合理（{info.file_size} 字节）")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _CHUNK and ratio > MAX_RATIO:
            raise _refuse(path, f"里的“{info.filename}”压缩比异常（{ratio:.0f} 倍），可能是恶意文件")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, "解压后大得不合理")


#: deepest nesting any file of the format needs (data.json: units → figures → section → by_*)
MAX_DEPTH = 6
#: sane bounds (contract §6): counts, sequences (JSON's exact integers), money in 分
MAX_COUNT = 10_000_000
MAX_SEQUENCE = 2**53
MAX_FEN = 10**13
MAX_TEXT = 2000
#: objects and lists one JSON file may hold (a demo×100 township's data.json has ~60 000)
MAX_CONTAINERS = 3_000_000


def _no_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name}")


def _json(path: Path, raw: bytes | None, name: str) -> Any:
    """Parse one JSON member, refusing NaN/Infinity, absurd numbers and nesting deeper than the
    format needs (a deeply nested file is refused, never a crash)."""
    if raw is None:
        raise _refuse(path, f"里的“{name}”太大")
    if raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS:  # a memory bomb of tiny objects
        raise _refuse(path, f"里的“{name}”结构异常（对象太多），不是关工台账写的数据文件")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError as err:
        raise _refuse(path, f"里的“{name}”嵌套层数异常，不是关工台账写的数据文件") from err
    except (UnicodeDecodeError, ValueError) as err:
        raise _refuse(path, f"里的“{name}”不是有效的数据文件") from err
    if not _shallow(value, MAX_DEPTH):
        raise _refuse(path, f"里的“{name}”嵌套层数异常，不是关工台账写的数据文件")
    return value


def _shallow(value: Any, depth: int) -> bool:
    """True when ``value`` nests at most ``depth`` containers deep (iterative, no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict):
            items: Any = item.values()
        elif isinstance(item, list):
            items = item
        else:
            continue
        if d >= depth:
            return False
        stack.extend((v, d + 1) for v in items if isinstance(v, (dict, list)))
    return True


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _money(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value < 1e11)


def _check_figures(path: Path, figures: Any, year: int) -> dict[str, Any]:
    if not isinstance(figures, dict) or figures.get("year") != year:
        raise _refuse(path, "的统计数字年度与清单不一致")
    for section, keys in FIGURE_KEYS.items():
        part = figures.get(section)
        if part is None and section in OPTIONAL_FIGURES:
            continue
        for key in keys:
            value = part.get(key) if isinstance(part, dict) else None
            ok = (isinstance(value, dict) and len(value) <= 200
                  and all(isinstance(k, str) and len(k) <= 100 and _count(v)
                          for k, v in value.items())
                  if key.startswith("by_") else _money(value) if key.endswith("_yuan")
                  else _count(value))
            if not ok:
                raise _refuse(path, f"的统计数字不完整或超出合理范围（{section}.{key}）")
    return {"year": year, **{sec: {k: figures[sec][k] for k in keys}
                             for sec, keys in FIGURE_KEYS.items() if sec in figures}}


#: data.json lists -> {field: kind} every record must have (format 2; format 3 adds more)
_RECORD_FIELDS: dict[str, dict[str, str]] = {
    "groups": {"uuid": "uuid", "type": "text"},
    "volunteers": {"uuid": "uuid", "name": "text", "category": "text", "is_backbone": "bool"},
    "students": {"uuid": "uuid", "name": "text", "categories": "text?"},
    "pairings": {"uuid": "uuid", "student": "text"},
    "aid": {"uuid": "uuid", "money_fen": "fen"},
    "activities": {"uuid": "uuid", "theme": "text", "volunteer_count": "count?",
                   "youth_count": "count?"},
    "donations": {"uuid": "uuid", "money_fen": "fen", "goods_value_fen": "fen"},
}
#: data.json lists a package of an older program does not carry (阵地), checked when present
_OPTIONAL_RECORD_FIELDS: dict[str, dict[str, str]] = {
    "venues": {"uuid": "uuid", "type": "text", "funds_fen": "fen", "funds_year": "count?"},
}


_FLAT = frozenset({str, int, float, bool, type(None)})
#: field kind -> (types allowed, upper bound for numbers or text length)
_KINDS: dict[str, tuple[frozenset[type], int]] = {
    "uuid": (frozenset({str}), 36), "text": (frozenset({str}), MAX_TEXT),
    "text?": (frozenset({str, type(None)}), MAX_TEXT), "bool": (frozenset({bool}), 1),
    "fen": (frozenset({int}), MAX_FEN), "count?": (frozenset({int, type(None)}), MAX_COUNT),
}


def _column_ok(kind: str, values: list[Any]) -> bool:
    """Every value of one field of a list of records is of its kind and within bounds
    (checked column-wise: a data file has tens of thousands of records)."""
    types, bound = _KINDS[kind]
    if not types.issuperset(map(type, values)):
        return False
    if bound == 1:  # bool
        return True
    if int in types:
        numbers = [v for v in values if v is not None]
        return not numbers or (min(numbers) >= 0 and max(numbers) <= bound)
    texts = [len(v) for v in values if v is not None]
    return not texts or (max(texts) <= bound and (kind != "uuid" or min(texts) > 0))


def _flat_records(records: Any) -> bool:
    """A list of dicts whose values are all scalars."""
    return (isinstance(records, list) and len(records) <= MAX_COUNT
            and all(type(r) is dict and _FLAT.issuperset(map(type, r.values()))
                    for r in records))


#: records of one list checked and counted together (column-wise checks stay fast, memory small)
BATCH = 5000
#: records one data file may hold in all (its uuids and people are kept until it is taken: a
#: memory bomb of tiny records is refused; demo×100 has ~120 000, five times that ~600 000)
MAX_RECORDS = 1_000_000
#: longest record or top-level value of a data file, in characters (a record has at most a few
#: dozen fields of at most MAX_TEXT characters)
MAX_ITEM = 1 << 18
#: units a roll-up unit's data file may list
MAX_UNITS = 10_000


class _Uuids:
    """The record uuids of a data file, kept to count duplicates exactly in little memory: a
    canonical uuid (lower-case hex with dashes, as the program writes them) as its 16 bytes in
    one of 4096 byte strings (no object per uuid: a tenth of a set's memory), any other text in
    a set."""

    def __init__(self) -> None:
        self._buckets = [bytearray() for _ in range(4096)]
        self._other: set[str] = set()
        self.n = 0

    def add(self, uuids: list[str]) -> None:
        buckets, other = self._buckets, self._other
        self.n += len(uuids)
        for uuid in uuids:
            raw = None
            if len(uuid) == 36 and uuid[8] == uuid[13] == uuid[18] == uuid[23] == "-":
                plain = uuid.replace("-", "")
                try:
                    raw = bytes.fromhex(plain)
                except ValueError:
                    pass
                if raw is not None and raw.hex() != plain:  # upper case: kept as its text
                    raw = None
            if raw is None:
                other.add(uuid)
            else:
                buckets[(raw[0] << 4) | (raw[1] >> 4)] += raw

    def unique(self) -> int:
        """How many different uuids were added."""
        found = len(self._other)
        for bucket in self._buckets:
            found += len({bytes(bucket[i:i + 16]) for i in range(0, len(bucket), 16)})
        return found


def _batches(items: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(items, BATCH)):
        yield batch


def _stream_data(path: Path, fh: jsonstream.Readable, year: int, figures: dict[str, Any],
                 signed: bool) -> DataFile:
    """Read data.json from ``fh`` as a stream, batch by batch: its shape and bounds, unique
    uuids, its figures recomputed (rollup.FigureTally) and equal to ``stats.json``; keeps only
    what the receiver stores (the forms' lists compressed, the months, the people)."""
    tally = rollup.FigureTally(year)
    kept = rollup.KeptWriter()
    months = [0] * 12
    people: list[bytes] = []
    uuids = _Uuids()
    n = total = units = 0
    scalars: dict[str, Any] = {}
    lists: set[str] = set()
    try:
        for key, value in jsonstream.members(fh, MAX_ITEM, jsonstream.CHUNK):
            if not isinstance(value, jsonstream.Items):
                if key in _RECORD_FIELDS or key in _OPTIONAL_RECORD_FIELDS:
                    raise _refuse(path, f"的数据文件 data.json 里“{key}”缺少或格式不对")
                if key == "units" or type(value) not in _FLAT:
                    raise _refuse(path, f"的数据文件 data.json 里“{str(key)[:40]}”的格式不对")
                if key in ("year", "format"):  # the others are checked and let go
                    scalars[key] = value
                continue
            lists.add(key)
            if key == "units":  # each unit checked as it is read; its figures folded at once
                for unit in value:
                    units += 1
                    if units > MAX_UNITS or not isinstance(unit, dict) \
                            or not _shallow(unit, 4):
                        raise _refuse(path, "的数据文件 data.json 里“units”的格式不对")
                    tally.add_unit(_check_figures(path, unit.get("figures"), year))
                    months = [a + b for a, b in zip(months, rollup.months_of({"units": [unit]}))]
                continue
            fields = _RECORD_FIELDS.get(key) or _OPTIONAL_RECORD_FIELDS.get(key)
            tally.begin(key)
            if key in rollup.KEPT_DATA:
                kept.start(key)
            for batch in _batches(iter(value)):
                total += len(batch)
                if total > MAX_RECORDS:
                    raise _refuse(path, "里的“data.json”结构异常（记录或对象太多），"
                                  "不是关工台账写的数据文件")
                if not _flat_records(batch):
                    raise _refuse(path, f"的数据文件 data.json 里“{str(key)[:40]}”"
                                  + ("缺少或格式不对" if fields else "的格式不对"))
                if fields:
                    for field, kind in fields.items():
                        if not _column_ok(kind, [rec.get(field) for rec in batch]):
                            raise _refuse(path, f"的数据文件 data.json 里“{key}”的“{field}”"
                                          "不对或超出合理范围")
                    uuids.add([rec["uuid"] for rec in batch])
                    n += len(batch)
                tally.add(key, batch)
                if key in rollup.KEPT_DATA:
                    kept.add(batch)
                if key == "activities":
                    months = [a + b for a, b in zip(months, rollup.months_of({key: batch}))]
                found = _people({key: batch})
                if found:
                    people.append(zlib.compress(
                        json.dumps(found, ensure_ascii=False).encode(), 1))
            if key in rollup.KEPT_DATA:
                kept.end()
    except jsonstream.Malformed as err:
        raise _refuse(path, "的数据文件 data.json 不是有效的数据文件（格式、嵌套或大小异常）") from err
    if scalars.get("year") != year:
        raise _refuse(path, "的数据文件 data.json 年度与清单不一致")
    fmt = scalars.get("format", 2)
    if fmt not in ((3,) if signed else (2, 3)):
        raise _refuse(path, "的数据文件 data.json 格式不对")
    missing = [key for key in _RECORD_FIELDS if key not in lists]
    if missing:
        raise _refuse(path, f"的数据文件 data.json 里“{missing[0]}”缺少或格式不对")
    unique = uuids.unique()
    if unique != n:
        raise _refuse(path, f"的数据文件 data.json 里有重复的记录编号（{n - unique} 条），"
                      "可能被改动过")
    del uuids
    recomputed = tally.figures(fmt >= 3)
    where = rollup.figures_differ(figures, recomputed)
    if where:
        raise _refuse(path, f"包里的统计数与明细不一致（{where}：统计数 "
                      f"{_show(figures, where)}，明细算出 {_show(recomputed, where)}），"
                      "可能被改动过")
    return DataFile(kept.text(), months, people)


class _Hashing:
    """A zip member read for :func:`_stream_data`, hashed on the way and never read past its
    declared size (plus one chunk)."""

    def __init__(self, fh: Any, size: int) -> None:
        self._fh, self._size = fh, size
        self.sha = hashlib.sha256()
        self.n = 0

    def read(self, n: int, /) -> bytes:
        block: bytes = self._fh.read(n)
        self.n += len(block)
        if self.n > self._size:
            raise jsonstream.Malformed("longer than declared")
        self.sha.update(block)
        return block


def _read_data(path: Path, item: dict[str, Any], year: int, figures: dict[str, Any],
               signed: bool) -> DataFile:
    """Stream the manifest's data file ``item`` (checked, size and SHA-256, by the first pass)
    again from the zip, checking it on the way; the bytes read must hash as the manifest says
    (the file may not change between the passes)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(str(item.get("name")))
            if info.file_size != item.get("size"):
                raise _refuse(path, f"里的“{info.filename}”大小与清单不符，可能被改动过")
            with zf.open(info) as raw:
                fh = _Hashing(raw, info.file_size)
                data = _stream_data(path, fh, year, figures, signed)
                while fh.read(_CHUNK):  # what follows the object (white space) is hashed too
                    pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError,
            NotImplementedError, RuntimeError, jsonstream.Malformed) as err:
        raise _refuse(path, "已损坏或不完整（可能在拷贝时被截断）") from err
    if fh.n != info.file_size or fh.sha.hexdigest() != item.get("sha256"):
        raise _refuse(path, f"里的“{info.filename}”与清单上的校验值不符，文件被改动过或已损坏")
    return data


def _show(figures: dict[str, Any], where: str) -> str:
    section, key = where.split(".")
    value = figures.get(section, {}).get(key)
    return str(value)[:60]


def _check_quality(raw: bytes | None, path: Path) -> str | None:
    """quality.json's findings kept compact for the receiver's grid (None when unusable)."""
    if raw is None:
        return None
    try:
        value = _json(path, raw, "quality.json")
    except Refused:
        return None
    findings = value.get("findings") if isinstance(value, dict) else None
    if not isinstance(findings, list):
        return None
    kept = [{"code": str(f.get("code", ""))[:40], "level": str(f.get("level", ""))[:4],
             "title": str(f.get("title", ""))[:200],
             "count": f.get("count") if _count(f.get("count")) else 0}
            for f in findings[:200] if isinstance(f, dict)]
    return json.dumps(kept, ensure_ascii=False)


def read_package(path: Path | str) -> Package:
    """Check one package file whole against its manifest (and, from format 3, its signature;
    its figures against its records; its numbers against sane bounds). Raises
    :class:`Refused`. The receiver's own rules (level, code, pinned key) are
    :func:`take_packages`'."""
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
            if not YEAR_MIN <= year <= YEAR_MAX:
                raise _refuse(path, f"的年度（{year}）不合理，应在 {YEAR_MIN} 到 {YEAR_MAX} 之间")
            wanted: dict[str, bytes | None] = {}
            data_item: dict[str, Any] | None = None
            listed: set[str] = set()
            for item in files:
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str) or name not in by_name:
                    raise _refuse(path, f"缺少清单上列出的文件“{str(name)[:80]}”")
                if name in listed:
                    raise _refuse(path, f"的清单里“{name}”列了两次，可能被改动过")
                info = by_name[name]
                if item.get("size") != info.file_size:
                    raise _refuse(path, f"里的“{name}”大小与清单不符，可能被改动过")
                streamed = item.get("form") == "data"
                keep = MAX_JSON_BYTES if item.get("format") == "json" and not streamed else 0
                data, sha, n = _read(zf, info, keep)
                if n != info.file_size:
                    raise _refuse(path, f"里的“{name}”不完整或大小与清单不符")
                if sha != item.get("sha256"):
                    raise _refuse(path, f"里的“{name}”与清单上的校验值不符，文件被改动过或已损坏")
                listed.add(name)
                if streamed:
                    data_item = item
                elif keep:
                    wanted[str(item.get("form"))] = data
                    if name == "quality.json":
                        wanted["quality"] = data
            extra = sorted(set(by_name) - listed - {"manifest.json"})
            if extra:
                raise _refuse(path, f"里有清单上没有的文件“{extra[0][:80]}”，可能被改动过")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as err:
        raise _refuse(path, "已损坏或不完整（可能在拷贝时被截断）") from err
    if "stats" not in wanted:
        raise _refuse(path, "里没有统计数字 stats.json")
    figures = _check_figures(path, _json(path, wanted["stats"], "stats.json"), year)
    fmt = manifest.get("format", 1)
    exported_at = str(manifest.get("exported_at", ""))[:40]
    if fmt == 1:
        name = str(manifest.get("committee") or "").strip()[:100]
        if not name:
            raise _refuse(path, "的清单里没有关工委名称")
        return Package(path, 1, name, name, "乡镇", year, 0, exported_at, manifest_sha,
                       figures, None)
    if fmt not in (2, 3):
        raise _refuse(path, f"的格式（{fmt}）比本程序新", "请先安装新版本的关工台账。")
    public_key = ""
    if fmt == 3:
        try:
            public_key = chain.verify(manifest)
        except ValueError as err:
            raise _refuse(path, "的签名不对（清单被改动过，或不是该单位的程序签的）") from err
    code, name = manifest.get("unit_code"), manifest.get("unit_name")
    level, sequence = manifest.get("level"), manifest.get("sequence")
    if not (isinstance(code, str) and code.strip() and len(code) <= 40
            and isinstance(name, str) and len(name) <= 100 and level in settings.LEVELS
            and isinstance(sequence, int) and not isinstance(sequence, bool)):
        raise _refuse(path, "的清单里单位代码、名称、级别或序号不完整")
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise _refuse(path, f"的序号（{str(sequence)[:30]}）超出合理范围，可能被改动过")
    if not (code.strip().isascii() and code.strip().isdigit()):  # a name in the code's place
        raise _refuse(path, f"里的单位代码“{code.strip()[:30]}”不是行政区划代码",
                      "请这个单位在“设置”里填好行政区划代码，再重新生成上报包。")
    if data_item is None:
        raise _refuse(path, "里没有数据文件 data.json")
    records = _read_data(path, data_item, year, figures, fmt == 3)
    name = "".join(ch for ch in name if ch.isprintable()).strip()  # no control characters
    code = "".join(ch for ch in code if ch.isprintable())
    return Package(path, int(fmt), code.strip(), name, str(level), year, sequence,
                   exported_at, manifest_sha, figures, records, public_key,
                   _check_quality(wanted.get("quality"), path))


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


def _peek(path: Path | str) -> tuple[str, str] | None:
    """(unit code, level) a package's manifest claims, read within bounds (None when it
    cannot be read: the full check names the problem)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("manifest.json")
            if info.file_size > MAX_JSON_BYTES:
                return None
            raw, _sha, _n = _read(zf, info, MAX_JSON_BYTES)
        manifest = _json(Path(path), raw, "manifest.json")
    except (Refused, zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError,
            RuntimeError, NotImplementedError):
        return None
    if not isinstance(manifest, dict):
        return None
    if manifest.get("format", 1) == 1:
        return str(manifest.get("committee") or ""), "乡镇"
    code, level = manifest.get("unit_code"), manifest.get("level")
    return (code, level) if isinstance(code, str) and level in settings.LEVELS else None


def take_packages(db: Database, paths: list[Path | str], dry_run: bool = False,
                  trust_new_keys: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """Check and take ``paths`` (contract §6); ``dry_run`` writes nothing.

    Each package is checked on its own (file, signature, figures, then the receiver's rules:
    level, code, pinned key, sequence) and taken inside its own savepoint, so a refused one
    spoils nothing; the good ones are committed in one transaction. ``trust_new_keys``: unit
    codes whose new signing key the receiver accepts. A roll-up database without a level
    settles its own level (and code) once, from the packages it takes first; no package ever
    changes them afterwards.

    Returns ``{"taken": [{"file", "unit_code", "unit_name", "year", "status", "signed",
    "fingerprint", "key", "warnings"}], "refused": [{"file", "reason"}], "copies": [...],
    "dry_run": bool}``; ``copies`` lists 相同记录 (record uuids in two units' packages) of the
    years taken."""
    taken: list[dict[str, Any]] = []
    refused: list[dict[str, str]] = []
    copies: list[dict[str, Any]] = []
    arriving = [unit for unit in map(_peek, paths) if unit is not None]
    try:
        with db.session() as s:
            receiver = rollup.settle_receiver(s, arriving) if arriving else rollup.own_unit(s)
            # one package at a time: checked, taken in its savepoint and let go, so a call of
            # many packages holds no more than one of them in memory
            for p in paths:
                try:
                    pkg = read_package(p)
                    with s.begin_nested():
                        item = _take_one(s, pkg, receiver, pkg.unit_code in trust_new_keys)
                except Refused as err:
                    refused.append({"file": Path(p).name, "reason": str(err)})
                    continue
                except chain.KeyChanged as err:
                    refused.append({"file": pkg.path.name,
                                    "reason": f"上报包“{pkg.path.name}”：{err.message}",
                                    "key_changed": pkg.unit_code})
                    continue
                finally:
                    pkg = None  # type: ignore[assignment]
                taken.append(item)
            written = [t for t in taken if t["status"] != "unchanged"]
            if written:
                audit.log(s, "汇总", "rollup", None, "；".join(
                    f"{t['unit_name']} {t['year']}年度（{t['status']}）" for t in written)[:2000])
            for year in sorted({t["year"] for t in taken}):
                copies += [{"year": year, **c} for c in rollup.copies(s, year)]
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return {"taken": taken, "refused": refused, "copies": copies, "dry_run": dry_run}


def _take_one(s: Any, pkg: Package, receiver: tuple[str, str, str],
              trust_new_key: bool) -> dict[str, Any]:
    """Take one checked package in the caller's savepoint; raises Refused / KeyChanged."""
    own_code, _own_name, own_level = receiver
    name = pkg.path.name
    if pkg.unit_code == own_code:
        raise Refused(f"上报包“{name}”是本单位自己的上报包，整个包没有收下。"
                      "请选择下级单位报来的上报包。")
    if not rollup.below(pkg.level, own_level):
        raise Refused(f"上报包“{name}”自称是{pkg.level}级单位（{pkg.unit_name}），"
                      f"本单位是{own_level}级，只收下级单位的上报包，整个包没有收下。"
                      "请核对是不是拿错了文件。")
    if own_code.isdigit() and pkg.format >= 2 and not pkg.unit_code.startswith(own_code):
        raise Refused(f"上报包“{name}”的单位“{pkg.unit_name}”（{pkg.unit_code}）"
                      f"不是本{own_level}的单位（本单位代码 {own_code}），整个包没有收下。"
                      "请核对是不是拿错了文件。")
    warnings: list[str] = []
    key_state = "unsigned"
    if pkg.public_key:
        key_state = chain.pin(s, pkg.unit_code, pkg.unit_name, pkg.public_key, trust_new_key)
    elif pkg.format == 2:
        warnings.append("这个上报包没有签名（旧版本程序生成），无法确认是对方做的，请电话核实。")
        if chain.pinned(s, pkg.unit_code) is not None:
            raise Refused(f"上报包“{name}”没有签名，而{pkg.unit_name}以前的上报包是签了名的，"
                          "整个包没有收下。请让对方用新版本程序重新生成上报包。")
    old = s.scalar(select(RollupPackage).options(defer(RollupPackage.data_json))
                   .where(RollupPackage.unit_code == pkg.unit_code,
                          RollupPackage.year == pkg.year))
    key = chain.pinned(s, pkg.unit_code)
    item = {"file": name, "unit_code": pkg.unit_code, "unit_name": pkg.unit_name,
            "year": pkg.year, "signed": bool(pkg.public_key),
            "fingerprint": chain.fingerprint(key.public_key) if key else None,
            "key": key_state, "warnings": warnings}
    if old is not None and old.sha256 == pkg.manifest_sha256:
        return {**item, "status": "unchanged"}
    if old is not None and (pkg.sequence, pkg.exported_at) <= (old.sequence, old.exported_at):
        raise Refused(f"上报包“{name}”比已经收下的{pkg.unit_name}{pkg.year}年度上报包旧"
                      f"（序号 {pkg.sequence}，已收下的是 {old.sequence}），整个包没有收下。"
                      "如要更正，请让该单位重新生成上报包。")
    if pkg.year in chain.locked_years(s):
        raise Refused(f"上报包“{name}”没有收下：" + yearlock.lock_sentence(pkg.year))
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
    old.sequence, old.format, old.file_name = pkg.sequence, pkg.format, name
    old.sha256, old.exported_at, old.taken_at = pkg.manifest_sha256, pkg.exported_at, now()
    old.figures_json = json.dumps(pkg.figures, ensure_ascii=False)
    old.data_json = pkg.data.kept if pkg.data else ""
    old.quality_json = pkg.quality_json
    old.months_json = json.dumps(pkg.data.months) if pkg.data else None
    s.flush()
    s.expire(old, ["data_json"])  # written: the session need not hold it until the commit
    # Core, not the ORM's bulk path: a third of the cost of a package (nothing to track);
    # batch by batch, so the rows' dicts never exist all at once
    for rows in pkg.data.people_rows() if pkg.data else ():
        s.connection().execute(insert(ROLLUP_RECORDS),
                               [{"package_id": old.id, **row} for row in rows])
    return {**item, "status": status}
