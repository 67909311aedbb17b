"""The 五好 as a scored rubric (domain.md §8): 考核细则 with points, scored assessments, the
rubric file a county sends down.

The rubric is a code table with points kept in the settings (``wuhao_rubric``, JSON; the
default of :data:`DEFAULT_RUBRIC` until a county's file is taken): five dimensions (the five
好), each made of items worth points, and a threshold (达标线). An assessment scored against it
stores the rubric as it was with each item's 得分 and 扣分理由 (``wuhao_assessments.scores``),
so that a later rubric never changes an earlier year's scores. ``passed`` (达标) is the total
at or above the threshold; ``stats`` counts ``passed`` as before, so ``wuhao`` / ``wuhao_rate``
keep meaning 达标. An old assessment of five √/× (``scores`` empty) reads as full or zero marks
per dimension (:data:`OLD_DIMENSION_POINTS` each) and keeps its stored 达标.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit, records, settings
from models.changes import Changes
from models.codes import WUHAO_ITEMS
from models.entities import WuhaoAssessment
from models.errors import DataError, FileProblem, ValidationError, describe_os_error
from models.rules import year_problem

SETTING = "wuhao_rubric"
FILE_FORMAT = "ggtz-wuhao-rubric"
FILE_VERSION = 1
OLD_DIMENSION_POINTS = Decimal(20)
MAX_ITEMS = 30
MAX_FILE_BYTES = 1 << 20

#: the default 考核细则: five dimensions × 20 points, items of 5 points, 达标 at 85
DEFAULT_RUBRIC: dict[str, Any] = {
    "threshold": 85,
    "dimensions": [
        {"name": WUHAO_ITEMS[0], "items": [
            {"text": "班子成员不少于3人，分工明确", "points": 5},
            {"text": "常务副组长由热心关工事业的五老担任", "points": 5},
            {"text": "每年至少听取一次关工工作汇报", "points": 5},
            {"text": "班子成员参加上级培训学习", "points": 5}]},
        {"name": WUHAO_ITEMS[1], "items": [
            {"text": "五老名册齐全，动态更新", "points": 5},
            {"text": "五老参与关工活动达到半数以上", "points": 5},
            {"text": "开展结对帮扶，帮扶记录完整", "points": 5},
            {"text": "有五老先进典型", "points": 5}]},
        {"name": WUHAO_ITEMS[2], "items": [
            {"text": "有工作制度并落实", "points": 5},
            {"text": "有年度计划和总结", "points": 5},
            {"text": "台账资料齐全规范", "points": 5},
            {"text": "按时报送统计报表", "points": 5}]},
        {"name": WUHAO_ITEMS[3], "items": [
            {"text": "有特色品牌活动", "points": 5},
            {"text": "工作方法有创新", "points": 5},
            {"text": "阵地建设有新进展", "points": 5},
            {"text": "有经验材料或宣传报道", "points": 5}]},
        {"name": WUHAO_ITEMS[4], "items": [
            {"text": "每季度至少开展一次活动", "points": 5},
            {"text": "活动有记录、有照片", "points": 5},
            {"text": "关爱困境青少年成效明显", "points": 5},
            {"text": "青少年和家长满意", "points": 5}]},
    ],
}


def _number(value: Any, what: str) -> Decimal:
    """A point value: a number from 0 to 100 with at most one decimal. Raises DataError."""
    if isinstance(value, bool):
        raise DataError(f"{what}“{value}”不是分数")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as err:
        raise DataError(f"{what}“{value}”不是分数") from err
    if not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(Decimal("0.1")):
        raise DataError(f"{what}“{value}”不合理，应在 0 到 100 之间，最多一位小数")
    return number.normalize() if number != number.to_integral() else number.quantize(Decimal(1))


def points_text(value: Decimal | int | float) -> str:
    """``18`` / ``17.5`` as printed."""
    d = Decimal(str(value))
    return f"{d.quantize(Decimal(1))}" if d == d.to_integral() else f"{d.normalize():f}"


@dataclass
class Item:
    text: str
    points: Decimal


@dataclass
class Dimension:
    name: str
    items: list[Item]

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal(0))


@dataclass
class Rubric:
    """The 考核细则: five dimensions of items with points, and the 达标 threshold."""

    threshold: Decimal
    dimensions: list[Dimension]
    issuer: str = ""

    @property
    def points(self) -> Decimal:
        return sum((d.points for d in self.dimensions), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        return {"threshold": float(self.threshold), "issuer": self.issuer,
                "dimensions": [{"name": d.name, "items": [
                    {"text": i.text, "points": float(i.points)} for i in d.items]}
                    for d in self.dimensions]}


def parse_rubric(data: Any) -> Rubric:
    """A rubric from its JSON form, checked: five dimensions, each with 1–30 items of a text
    (at most 100 characters) and points, a threshold not above the total. Raises DataError
    with a sentence naming what is wrong."""
    if not isinstance(data, dict):
        raise DataError("考核细则的内容不完整")
    dims = data.get("dimensions")
    if not isinstance(dims, list) or len(dims) != len(WUHAO_ITEMS):
        raise DataError(f"考核细则应有 {len(WUHAO_ITEMS)} 个方面（{'、'.join(WUHAO_ITEMS)}）")
    out: list[Dimension] = []
    for n, dim in enumerate(dims, start=1):
        name = str(dim.get("name") or "").strip() if isinstance(dim, dict) else ""
        items = dim.get("items") if isinstance(dim, dict) else None
        if not name or len(name) > 20:
            raise DataError(f"考核细则第 {n} 个方面没有名称（或名称太长）")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
            raise DataError(f"考核细则“{name}”应有 1 到 {MAX_ITEMS} 个考核项")
        parsed = []
        for item in items:
            text = str(item.get("text") or "").strip() if isinstance(item, dict) else ""
            if not text or len(text) > 100:
                raise DataError(f"考核细则“{name}”里有一项没有内容（或超过 100 个字）")
            points = _number(item.get("points"), f"“{text}”的分值")
            if points <= 0:
                raise DataError(f"考核细则“{text}”的分值应大于 0")
            parsed.append(Item(text, points))
        out.append(Dimension(name, parsed))
    rubric = Rubric(_number(data.get("threshold"), "达标分数线"), out,
                    str(data.get("issuer") or "")[:100])
    if rubric.threshold > rubric.points or rubric.threshold <= 0:
        raise DataError(f"达标分数线 {points_text(rubric.threshold)} 分不合理，"
                        f"应大于 0、不超过总分 {points_text(rubric.points)} 分")
    return rubric


def current(s: Session) -> Rubric:
    """The rubric in force: the one taken from the county's file, else the default."""
    stored = settings.get(s, SETTING)
    if stored:
        try:
            return parse_rubric(json.loads(stored))
        except (ValueError, DataError):
            pass  # a damaged setting never stops an assessment: the default applies
    return parse_rubric(DEFAULT_RUBRIC)


def set_current(s: Session, rubric: Rubric, source: str) -> Changes:
    """Make ``rubric`` the one in force (in the caller's transaction); logs ``source``."""
    settings.put(s, SETTING, json.dumps(rubric.to_json(), ensure_ascii=False))
    audit.log(s, "五好考核细则", "settings", None,
              f"{source}：{sum(len(d.items) for d in rubric.dimensions)} 项，"
              f"达标线 {points_text(rubric.threshold)} 分")
    return Changes.of("settings", "groups")


# -- the rubric file (county -> townships) ---------------------------------------------------

def write_file(rubric: Rubric, path: Path | str, issuer: str) -> Path:
    """Write the rubric file a county sends its townships (UTF-8 JSON). Raises FileProblem."""
    body = {"format": FILE_FORMAT, "version": FILE_VERSION, "issued_on": dt.date.today().isoformat(),
            **rubric.to_json(), "issuer": issuer}
    path = Path(path)
    if path.exists():  # never replace what is not a rubric file (a database, a roster …)
        try:
            read_file(path)
        except FileProblem as err:
            raise FileProblem(f"“{path.name}”已经存在，而且不是五好考核细则文件，没有覆盖它。"
                              "请换一个文件名。") from err
    try:
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), "utf-8")
        tmp.replace(path)
    except OSError as err:
        raise FileProblem(describe_os_error(err, path)) from err
    return path


def read_file(path: Path | str) -> Rubric:
    """The rubric in a county's file. Raises FileProblem saying what is wrong with the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FileProblem(f"“{path.name}”太大，不是五好考核细则文件。")
        data = json.loads(path.read_text("utf-8-sig"))
    except FileNotFoundError as err:
        raise FileProblem(f"找不到文件“{path}”。请检查文件名和U盘是否插好。") from err
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise FileProblem(f"“{path.name}”不是五好考核细则文件（无法读取）。"
                          "请向县关工委要“导出考核细则”生成的文件。") from err
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        raise FileProblem(f"“{path.name}”不是五好考核细则文件。请向县关工委要“导出考核细则”生成的文件。")
    if not isinstance(data.get("version"), int) or data["version"] > FILE_VERSION:
        raise FileProblem(f"“{path.name}”是新版本程序生成的考核细则，请先升级关工台账。")
    try:
        return parse_rubric(data)
    except DataError as err:
        raise FileProblem(f"考核细则文件“{path.name}”有问题：{err.message}。文件没有导入。") from err


def load_file(s: Session, path: Path | str) -> tuple[Rubric, Changes]:
    """Take a county's rubric file as the rubric in force. Raises FileProblem; nothing
    changes then. Assessments already made keep the rubric they were scored with."""
    rubric = read_file(path)
    return rubric, set_current(s, rubric, f"导入“{Path(path).name}”（{rubric.issuer or '未注明单位'}）")


# -- assessments ------------------------------------------------------------------------------

@dataclass
class ItemScore:
    text: str
    points: Decimal
    score: Decimal
    reason: str = ""


@dataclass
class DimensionScore:
    name: str
    items: list[ItemScore]

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal(0))

    @property
    def score(self) -> Decimal:
        return sum((i.score for i in self.items), Decimal(0))

    def reasons(self) -> list[str]:
        return [f"{i.reason}（-{points_text(i.points - i.score)}）" for i in self.items
                if i.score < i.points]


@dataclass
class Scored:
    """An assessment as scores (from its own rubric, or full/zero marks for an old one)."""

    threshold: Decimal
    dimensions: list[DimensionScore]
    passed: bool
    note: str = ""
    old: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((d.score for d in self.dimensions), Decimal(0))

    def reasons_text(self) -> str:
        parts = [f"{d.name}：{'；'.join(d.reasons())}" for d in self.dimensions if d.reasons()]
        return "。".join(parts)


def blank(rubric: Rubric) -> Scored:
    """A new assessment against ``rubric``: every item at full marks."""
    return Scored(rubric.threshold, [DimensionScore(d.name, [ItemScore(i.text, i.points, i.points)
                                                             for i in d.items])
                                     for d in rubric.dimensions], True)


def scored(a: WuhaoAssessment) -> Scored:
    """The assessment as scores. An old one (five √/×) is one item per dimension at full or
    zero marks, its stored 达标 kept."""
    if a.scores:
        data = json.loads(a.scores)
        dims = [DimensionScore(d["name"], [ItemScore(i["text"], Decimal(str(i["points"])),
                                                     Decimal(str(i["score"])), i.get("reason", ""))
                                           for i in d["items"]]) for d in data["dimensions"]]
        return Scored(Decimal(str(data["threshold"])), dims, bool(a.passed), a.note)
    dims = [DimensionScore(name, [ItemScore(name, OLD_DIMENSION_POINTS,
                                            OLD_DIMENSION_POINTS if ok else Decimal(0),
                                            "" if ok else "原评定为未达到")])
            for name, ok in zip(WUHAO_ITEMS, a.items())]
    return Scored(Decimal(85), dims, bool(a.passed), a.note, old=True)


def _payload(sheet: Scored) -> str:
    return json.dumps({"threshold": float(sheet.threshold), "dimensions": [
        {"name": d.name, "items": [{"text": i.text, "points": float(i.points),
                                    "score": float(i.score), "reason": i.reason}
                                   for i in d.items]} for d in sheet.dimensions]},
        ensure_ascii=False)


def assess(s: Session, gid: int, year: int, sheet: Scored) -> Changes:
    """Record (or replace) a group's scored 五好 assessment for ``year`` in the caller's
    transaction: 达标 when the total reaches the sheet's threshold; each dimension's √ (the
    old items) when it has full marks. Raises ValidationError naming the item: a score outside
    0…its points, or a deduction without its 扣分理由."""
    why = year_problem(year)
    if why:
        raise ValidationError("年度", why)
    records.get_live(s, "groups", gid)
    if len(sheet.dimensions) != len(WUHAO_ITEMS):
        raise ValidationError("五好", "五好评定需要五个方面")
    for d in sheet.dimensions:
        for i in d.items:
            if not 0 <= i.score <= i.points:
                raise ValidationError(i.text, f"得分应在 0 到 {points_text(i.points)} 分之间")
            i.reason = " ".join(i.reason.split())[:200]
            if i.score < i.points and not i.reason:
                raise ValidationError(i.text, "扣了分，请填写扣分理由")
    row = s.scalar(select(WuhaoAssessment).where(WuhaoAssessment.group_id == gid,
                                                 WuhaoAssessment.year == year))
    if row is None:
        row = WuhaoAssessment(group_id=gid, year=year)
        s.add(row)
    full = [d.score == d.points for d in sheet.dimensions]
    row.item1, row.item2, row.item3, row.item4, row.item5 = full
    row.passed = sheet.total >= sheet.threshold
    row.scores = _payload(sheet)
    row.note = sheet.note
    s.flush()
    audit.log(s, "五好评定", "groups", gid,
              f"{year}年 {points_text(sheet.total)} 分，{'达标' if row.passed else '未达标'}")
    return Changes.of("groups")
