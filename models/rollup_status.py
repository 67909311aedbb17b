"""What the 汇总 page and ``rollup-status`` show for a year (contract §6, §7): every unit
known, its latest package (models.rollup), the review of it and its pinned key (models.chain),
and the people found in two units' data. Read-only."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import chain, rollup
from models.entities import RollupPackage, RollupRecord, RollupUnit


def status(s: Session, year: int) -> dict[str, Any]:
    """Every unit known (ever reported, or expected in settings) for ``year``: ``status``
    reported/missing, ``state`` 未上报/待审核/已退回/已通过 with the review's comment and date;
    people in two units' data files (same name and birth date, ``duplicates``, 可能重复) and
    records with the same uuid in two units' packages (``copies``, 相同记录)."""
    units = {u.code: u for u in s.scalars(select(RollupUnit))}
    taken = {p.unit_code: p for p in rollup.latest_packages(s, year)}
    states = chain.unit_states(s, year)
    codes = sorted(set(units) | set(rollup.expected_units(s)))
    rows = []
    for code in codes:
        unit = units.get(code)
        pkg = taken.get(code)
        state = states.get(code, {"state": chain.MISSING, "comment": "", "decided_at": None})
        key = chain.pinned(s, code)
        rows.append({"unit_code": code, "unit_name": unit.name if unit else "",
                     "level": unit.level if unit else "",
                     "status": "reported" if pkg else "missing",
                     "taken_at": pkg.taken_at.isoformat() if pkg else None,
                     "sequence": pkg.sequence if pkg else None,
                     "signed": bool(pkg and pkg.format >= 3),
                     "fingerprint": chain.fingerprint(key.public_key) if key else None,
                     "state": state["state"], "comment": state["comment"],
                     "decided_at": state["decided_at"],
                     "quality": json.loads(pkg.quality_json) if pkg and pkg.quality_json
                     else None})
    dupes = (select(RollupRecord.name, RollupRecord.birth_date,
                    func.group_concat(RollupPackage.unit_code.distinct()))
             .join(RollupPackage, RollupRecord.package_id == RollupPackage.id)
             .where(RollupPackage.year == year, RollupRecord.birth_date != "")
             .group_by(RollupRecord.name, RollupRecord.birth_date)
             .having(func.count(RollupPackage.unit_code.distinct()) > 1,
                     func.count(RollupRecord.uuid.distinct()) > 1)  # not only 相同记录
             .order_by(RollupRecord.name))
    duplicates = [{"name": n, "birth_date": b, "unit_codes": sorted(str(c).split(","))}
                  for n, b, c in s.execute(dupes)]
    return {"year": year, "units": rows,
            "reported": sum(r["status"] == "reported" for r in rows),
            "missing": sum(r["status"] == "missing" for r in rows),
            "duplicates": duplicates, "copies": rollup.copies(s, year)}
