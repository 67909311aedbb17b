"""The draft's text, built from the year's figures and the county-editable wording template.

Pure: no database and no file but the template. ``compose`` returns a :class:`Draft` (title,
sections of paragraphs) that :mod:`exports.report.docx_writer` lays out. Every number is the
§3 figure as ``stats`` gives it, with its measure word; money of 1 万 or more in 万元 with two
decimals; percentages with one decimal; a sentence whose figures are all zero is left out.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from models.errors import FileProblem
from models.highlights import Commendation, Notable, UnitPart
from models.resources import RESOURCES

TEMPLATE_FILE = RESOURCES / "report" / "template.json"

#: placeholder -> (section, key) of the §3 figures (counts)
COUNTS: dict[str, tuple[str, str]] = {
    "groups_total": ("groups", "total"), "wuhao": ("groups", "wuhao"),
    "vol_total": ("volunteers", "total"), "backbone": ("volunteers", "backbone"),
    "party": ("volunteers", "party_members"), "joined": ("volunteers", "joined"),
    "left": ("volunteers", "left"), "stu_total": ("students", "total"),
    "paired": ("students", "paired"), "pairings": ("pairings", "active"),
    "aid_records": ("aid", "records"), "act_total": ("activities", "total"),
    "vol_part": ("activities", "volunteer_participations"),
    "youth": ("activities", "youth_participations"), "don_count": ("donations", "count"),
}
#: placeholder -> (section, key) of the §3 money figures (yuan)
MONEY: dict[str, tuple[str, str]] = {
    "aid_money": ("aid", "money_yuan"), "don_money": ("donations", "money_yuan"),
    "goods": ("donations", "goods_value_yuan"),
}
#: list placeholder -> (section, key) of a §3 ``by_*`` figure
LISTS: dict[str, tuple[str, str]] = {
    "groups_by_type": ("groups", "by_type"), "vol_by_category": ("volunteers", "by_category"),
    "stu_by_category": ("students", "by_category"), "act_by_theme": ("activities", "by_theme"),
}


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """The report's text in reading order."""

    title: str
    note: str
    opening: list[str]
    sections: list[Section]
    signature: list[str]
    fonts: dict[str, str]

    def text(self) -> str:
        lines = [self.title, self.note, *self.opening]
        for sec in self.sections:
            lines += [sec.heading, *sec.paragraphs]
        return "\n".join(lines + self.signature)


def load_template(path: Path | None = None) -> dict[str, Any]:
    """The wording template; FileProblem with a sentence when it is missing or not valid JSON."""
    path = path or TEMPLATE_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except OSError as err:
        raise FileProblem(f"找不到工作总结的措辞模板“{path}”，请重新安装程序。") from err
    except ValueError as err:
        raise FileProblem(f"工作总结的措辞模板“{path.name}”格式不对（{err}），"
                          "请改正（或换回原来的文件）后再试。") from err
    return data


def _quantize(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def money_text(yuan: float | Decimal, tpl: dict[str, Any]) -> str:
    """``5.23万元`` from 1 万 up (two decimals), else ``5230元`` or ``5230.50元``."""
    value = Decimal(str(yuan))
    rule = tpl["money"]
    if abs(value) >= Decimal(str(rule["wan_from"])):
        return _fill(str(rule["wan"]), {"value": f"{_quantize(value / 10000, '0.01')}"})
    plain = f"{int(value)}" if value == value.to_integral_value() else f"{_quantize(value, '0.01')}"
    return _fill(str(rule["yuan"]), {"value": plain})


def percent_value(part: int, whole: int) -> Decimal:
    """``part / whole`` as a percentage with one decimal (0 when ``whole`` is 0)."""
    return _quantize(Decimal(part) * 100 / Decimal(whole), "0.1") if whole else Decimal("0.0")


def _fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled; an unknown name is left visible (never a crash)."""
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out)


class _Values:
    """The placeholders of one figure set (and its previous year's, for the comparisons)."""

    def __init__(self, tpl: dict[str, Any], figures: dict[str, Any],
                 previous: dict[str, Any] | None) -> None:
        self.tpl = tpl
        self.text: dict[str, str] = {}
        self.raw: dict[str, Any] = {}
        measures: dict[str, str] = tpl["measures"]
        for key, (sec, name) in COUNTS.items():
            n = int(figures[sec][name])
            self.raw[key] = n
            self.text[key] = f"{n}{measures.get(key, '')}"
            if previous is not None:
                self.text[key + "_cmp"] = self._compare(
                    Decimal(n) - Decimal(int(previous[sec][name])), measures.get(key, ""), "")
        for key, (sec, name) in MONEY.items():
            value = Decimal(str(figures[sec][name]))
            self.raw[key] = value
            self.text[key] = money_text(value, tpl)
            if previous is not None:
                diff = value - Decimal(str(previous[sec][name]))
                self.text[key + "_cmp"] = self._compare_text(diff, money_text(abs(diff), tpl), "")
        total = self.raw["don_money"] + self.raw["goods"]
        self.raw["don_total"], self.text["don_total"] = total, money_text(total, tpl)
        groups = figures["groups"]
        rate = percent_value(int(groups["wuhao"]), int(groups["total"]))
        self.raw["wuhao_rate"] = rate
        self.text["wuhao_rate"] = _fill(str(tpl["percent"]), {"value": str(rate)})
        if previous is not None and previous["groups"]["total"]:
            before = percent_value(int(previous["groups"]["wuhao"]),
                                   int(previous["groups"]["total"]))
            self.text["wuhao_rate_cmp"] = self._compare_text(rate - before, f"{abs(rate - before)}",
                                                             "rate_")
        vols = figures["volunteers"]
        self.text["backbone_share"] = _fill(str(tpl["percent"]), {"value": str(
            percent_value(int(vols["backbone"]), int(vols["total"])))})
        for key, (sec, name) in LISTS.items():
            spec = tpl["lists"][key]
            items = [(k, int(v)) for k, v in figures[sec][name].items() if int(v)]
            self.raw[key] = len(items)
            self.text[key] = str(spec["sep"]).join(
                _fill(spec["item"], {"name": k, "count": f"{v}{spec['measure']}"})
                for k, v in items)
        for key in ("wuhao_rate_cmp", *(k + "_cmp" for k in (*COUNTS, *MONEY))):
            self.text.setdefault(key, "")

    def _compare(self, diff: Decimal, measure: str, prefix: str) -> str:
        return self._compare_text(diff, f"{abs(diff)}{measure}", prefix)

    def _compare_text(self, diff: Decimal, amount: str, prefix: str) -> str:
        words = self.tpl["compare"]
        if diff > 0:
            return _fill(words[prefix + "up"], {"diff": amount})
        if diff < 0:
            return _fill(words[prefix + "down"], {"diff": amount})
        return str(words[prefix + "same"])

    def holds(self, keys: list[str]) -> bool:
        return all(bool(self.raw.get(k)) for k in keys)


def _pick(item: dict[str, Any], values: _Values) -> str | None:
    """The sentence of a template item whose ``when`` figures are all non-zero, filled: the
    first such of its ``variants``, or its ``parts`` (clauses; the first decides) joined."""
    if "parts" in item:
        parts = item["parts"]
        if not parts or not values.holds(list(parts[0].get("when", []))):
            return None
        return "".join(_fill(p["text"], values.text) for p in parts
                       if values.holds(list(p.get("when", [])))) + str(item.get("end", ""))
    for variant in item.get("variants", [item]):
        if values.holds(list(variant.get("when", []))):
            return _fill(variant["text"], values.text)
    return None


def _date(tpl: dict[str, Any], day: dt.date | None) -> str:
    return _fill(tpl["date"], {"month": str(day.month), "day": str(day.day)}) if day else ""


def has_figures(figures: dict[str, Any] | None) -> bool:
    """Whether a figure set holds anything (a year with no records gives no comparison)."""
    if not figures:
        return False
    return any(int(figures[sec][name]) for sec, name in COUNTS.values()) or \
        any(Decimal(str(figures[sec][name])) for sec, name in MONEY.values())


def compose(tpl: dict[str, Any], unit: str, level: str, figures: dict[str, Any],
            previous: dict[str, Any] | None, notable: list[Notable],
            honors: list[Commendation], units: list[UnitPart], previous_honors: int | None,
            today: dt.date) -> Draft:
    """The draft for one year. ``previous`` is the year before's figures (None: no comparison);
    ``units`` the roll-up units (empty for a township)."""
    year = int(figures["year"])
    values = _Values(tpl, figures, previous if has_figures(previous) else None)
    common = {"unit": unit, "year": str(year), "scope": scope_word(unit, level),
              "today": f"{today.year}年{today.month}月{today.day}日",
              "units_count": f"{sum(1 for u in units if u.code)}"
                             f"{tpl['measures'].get('units_count', '')}"}
    values.text.update(common)
    n = len(honors)
    values.raw["honors_total"] = n
    values.text["honors_total"] = f"{n}{tpl['measures'].get('honors_total', '')}"
    values.text["honors_total_cmp"] = "" if previous_honors is None or previous is None \
        or not has_figures(previous) else values._compare(
            Decimal(n - previous_honors), tpl["measures"].get("honors_total", ""), "")
    spec = tpl["honor"]
    values.text["honors"] = str(spec["sep"]).join(
        _fill(spec["item"], {"date": _date(tpl, h.date), "recipient": h.recipient,
                             "level": h.level, "title": h.title}) for h in honors)
    spec = tpl["notable_activity"]
    values.raw["notable_activities"] = len(notable)
    values.text["notable_activities"] = str(spec["sep"]).join(
        _fill(spec["item"], {"date": _date(tpl, a.date), "title": a.title, "theme": a.theme,
                             "youth_part": _fill(spec["youth_part"], {
                                 "youth": f"{a.youth_count}{tpl['measures'].get('youth', '')}"})
                             if a.youth_count else ""}) for a in notable)
    numbers, ordinals = tpl["section_numbers"], tpl["ordinals"]
    sections: list[Section] = []

    def add(heading: str, paragraphs: list[str]) -> None:
        number = numbers[len(sections)] if len(sections) < len(numbers) else str(len(sections) + 1)
        sections.append(Section(f"{number}、{heading}", paragraphs))

    for sec in tpl["sections"]:
        sentences = [t for t in (_pick(item, values) for item in sec["items"]) if t]
        if len(sentences) > 1:
            sentences = [(ordinals[i] if i < len(ordinals) else "") + t
                         for i, t in enumerate(sentences)]
        if not sentences and sec.get("empty"):
            sentences = [_fill(sec["empty"], values.text)]
        if sentences:
            add(_fill(sec["heading"], values.text), sentences)
    if units:
        spec = tpl["units_section"]
        paragraphs = []
        for part in units:
            v = _Values(tpl, {**part.figures, "year": year}, None)
            clauses = [_fill(c["text"], v.text) for c in spec["clauses"]
                       if v.holds(list(c.get("when", [])))]
            body = str(spec["sep"]).join(clauses) + str(spec["end"]) if clauses \
                else str(spec["nothing"])
            paragraphs.append(_fill(spec["head"], {"unit_name": part.name}) + body)
        add(_fill(spec["heading"], values.text), paragraphs)
    closing = tpl.get("closing")
    if closing:
        add(_fill(closing["heading"], values.text), [_fill(closing["text"], values.text)])
    opening = [_fill(tpl["opening"], values.text)]
    if units and tpl.get("rollup_opening"):
        opening.append(_fill(tpl["rollup_opening"], values.text))
    return Draft(title=_fill(tpl["title"], values.text), note=_fill(tpl["draft_note"], values.text),
                 opening=opening, sections=sections,
                 signature=[_fill(line, values.text) for line in tpl["signature"]],
                 fonts=dict(tpl["fonts"]))


def scope_word(unit: str, level: str) -> str:
    """全镇 / 全乡 / 全街道 / 全县 / 全市 for the unit's name and level."""
    if level == "县":
        return "全区" if unit.removesuffix("关工委").endswith("区") else "全县"
    if level == "市":
        return "全市"
    for word in ("街道", "乡", "镇"):
        if word in unit:
            return "全" + word
    return "全镇"
