"""County roll-up (contract §6): townships → county → city, figures exact at every level, and
every bad package refused whole with the county file untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from exports import rollup as taking
from exports import service
from exports.formdata import FormContext, build_table
from exports.forms import FORMS
from models import rollup, settings, stats
from models.db import Database
from models.entities import Volunteer
from tests.helpers import cli, cli_json, demo_towns, file_sha

YEAR = 2025
TODAY = dt.date(2026, 11, 22)
TOWNS = [(11, "东山镇关工委", "130102001"), (22, "西河乡关工委", "130102002"),
         (33, "南岭镇关工委", "130102003")]


def _figures(db: Database) -> dict[str, Any]:
    with db.reader() as s:
        return stats.year_figures(s, YEAR)


def _package(db: Database, out: Path) -> Path:
    return service.build_package(db, YEAR, out)


def expected_sum(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The §3 sum worked out independently: Counters for counts, Decimal for money."""
    total: dict[str, Any] = {"year": YEAR}
    for section in parts[0]:
        if section in ("year", "format"):
            continue
        out: dict[str, Any] = {}
        for key, value in parts[0][section].items():
            values = [p[section][key] for p in parts]
            if isinstance(value, dict):
                c: Counter[str] = Counter()
                for v in values:
                    c.update(v)
                out[key] = dict(c) if key != "by_category" or section != "volunteers" else {
                    k: c[k] for k in value}
            elif key.endswith("_yuan"):
                out[key] = float(sum(Decimal(str(v)) for v in values))
            elif key != "wuhao_rate":
                out[key] = sum(values)
        total[section] = out
    g = total["groups"]
    g["wuhao_rate"] = round(g["wuhao"] / g["total"], 3)
    return total


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Three demo townships (different seeds, names, codes) and their first packages."""
    root = tmp_path_factory.mktemp("rollup")
    towns = demo_towns(root, TOWNS, TODAY)
    # one person in two townships' rosters: a possible duplicate for rollup-status
    with towns[0].reader() as s:
        twin = s.query(Volunteer).order_by(Volunteer.id).first()
        twin_name, twin_birth, twin_cat = twin.name, twin.birth_date, twin.category
    with towns[1].session() as s:
        s.add(Volunteer(name=twin_name, birth_date=twin_birth, category=twin_cat))
    packages = [_package(db, root / "usb" / f"{i}") for i, db in enumerate(towns)]
    figures = [_figures(db) for db in towns]
    yield {"root": root, "towns": towns, "packages": packages, "figures": figures,
           "twin": (twin_name, f"{twin_birth:%Y-%m}")}
    for db in towns:
        db.close()


def test_demo_seed_committee_and_code_name_the_unit(world):
    names = set()
    for db, (_seed, name, code) in zip(world["towns"], TOWNS):
        with db.reader() as s:
            assert rollup.own_unit(s) == (code, name, "乡镇")
            names.add(tuple(s.scalars(select(Volunteer.name).order_by(Volunteer.id).limit(20))))
    assert len(names) == 3  # the seed varies the people


def test_package_format_3_carries_unit_sequence_and_masked_data_with_uuids(world):
    pkg = world["packages"][0]
    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        figures = json.loads(zf.read("stats.json"))
        data = json.loads(zf.read("data.json"))
    assert manifest["format"] == 3 and figures["format"] == 3
    assert (manifest["unit_code"], manifest["unit_name"], manifest["level"]) == \
        ("130102001", "东山镇关工委", "乡镇")
    assert manifest["sequence"] == 1
    assert {f["form"] for f in manifest["files"]} == (
        {k for k, f in FORMS.items() if f.in_package} | {"stats", "data", "quality"})
    assert {k: v for k, v in figures.items() if k != "format"} == world["figures"][0]
    assert len(data["volunteers"]) == world["figures"][0]["volunteers"]["total"]
    assert len(data["students"]) == world["figures"][0]["students"]["total"]
    uuids = [r["uuid"] for sub in ("groups", "volunteers", "students", "activities")
             for r in data[sub]]
    assert all(len(u) == 36 for u in uuids) and len(set(uuids)) == len(uuids)
    ids = [r["id_number"] for r in data["volunteers"] if r["id_number"]]
    assert ids and all(i[6:17] == "*" * 11 for i in ids)
    phones = [r["phone"] for r in data["volunteers"] if r["phone"]]
    assert phones and all("****" in p for p in phones)
    assert taking.read_package(pkg).sequence == 1


def test_uuid_stays_across_edits(world):
    db = world["towns"][2]
    with db.session() as s:
        v = s.query(Volunteer).order_by(Volunteer.id).first()
        before = v.uuid
        v.note = "改过"
    with db.reader() as s:
        assert s.get(Volunteer, v.id).uuid == before


@pytest.fixture(scope="module")
def county(world):
    """The county database after taking the three packages through the command line."""
    path = world["root"] / "county.sqlite"
    result = cli_json("rollup", *world["packages"], "--db", path, "--json")
    return path, result


def test_county_takes_the_three_packages_and_adds_every_figure_exactly(world, county):
    path, result = county
    assert result["dry_run"] is False and result["refused"] == []
    assert [(t["unit_code"], t["unit_name"], t["year"], t["status"]) for t in result["taken"]] \
        == [(code, name, YEAR, "new") for _seed, name, code in TOWNS]
    figures = cli_json("stats", "--db", path, "--year", str(YEAR), "--json")
    assert figures == expected_sum(world["figures"])
    assert figures["donations"]["money_yuan"] == float(
        sum(Decimal(str(f["donations"]["money_yuan"])) for f in world["figures"]))


def test_units_form_has_a_row_per_unit_and_a_total_equal_to_stats(world, county):
    path, _result = county
    db = Database.open(path)
    try:
        with db.reader() as s:
            table = build_table(s, "units", FormContext(year=YEAR))
            figures = stats.year_figures(s, YEAR)
    finally:
        db.close()
    assert [r[:2] for r in table.rows] == [[name, code] for _s, name, code in TOWNS]
    total = dict(zip((c.key for c in table.columns), table.total_row))
    assert total["unit_name"] == "合计"
    assert total["groups"] == figures["groups"]["total"]
    assert total["wuhao"] == figures["groups"]["wuhao"]
    assert total["volunteers"] == figures["volunteers"]["total"]
    assert total["backbone"] == figures["volunteers"]["backbone"]
    assert total["students"] == figures["students"]["total"]
    assert total["paired"] == figures["students"]["paired"]
    assert total["activities"] == figures["activities"]["total"]
    assert total["youth_participations"] == figures["activities"]["youth_participations"]
    assert total["donation_money"] == Decimal(str(figures["donations"]["money_yuan"]))
    assert total["goods_value"] == Decimal(str(figures["donations"]["goods_value_yuan"]))
    assert "units" in cli("forms", check=True).stdout


def test_county_package_is_taken_by_the_city_with_the_same_figures(world, county):
    path, _result = county
    db = Database.open(path)
    try:
        pkg = _package(db, world["root"] / "county-usb")
        with db.reader() as s:
            county_figures = stats.year_figures(s, YEAR)
    finally:
        db.close()
    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        data = json.loads(zf.read("data.json"))
    assert (manifest["level"], manifest["unit_code"]) == ("县", "130102")
    # the townships' people travel up, so the city can find duplicates across counties
    assert len(data["rolled_up"]) == sum(f["volunteers"]["total"] + f["students"]["total"]
                                         for f in world["figures"])
    city = world["root"] / "city.sqlite"
    result = cli_json("rollup", pkg, "--db", city, "--json")
    assert [t["status"] for t in result["taken"]] == ["new"]
    assert cli_json("stats", "--db", city, "--year", str(YEAR), "--json") == county_figures
    db = Database.open(city)
    try:
        with db.reader() as s:
            assert rollup.own_unit(s)[::2] == ("1301", "市")
            table = build_table(s, "units", FormContext(year=YEAR))
        assert [r[:2] for r in table.rows] == [["本县关工委", "130102"]]
    finally:
        db.close()


def test_resent_package_is_unchanged_and_dry_run_writes_nothing(world, county):
    path, _result = county
    before = file_sha(path)
    result = cli_json("rollup", world["packages"][0], "--db", path, "--dry-run", "--json")
    assert result["dry_run"] is True and result["taken"][0]["status"] == "unchanged"
    assert file_sha(path) == before
    result = cli_json("rollup", world["packages"][1], "--db", path, "--json")
    assert result["taken"][0]["status"] == "unchanged"


def _rezip(src: Path, dst: Path, change: Any) -> Path:
    """Copy a package, letting ``change(name, data)`` return new bytes (or None to drop)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _refused(path: Path, pkg: Path) -> str:
    before = file_sha(path)
    proc = cli("rollup", pkg, "--db", path, "--json")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert result["taken"] == [] and len(result["refused"]) == 1
    assert file_sha(path) == before  # the county file is untouched
    reason: str = result["refused"][0]["reason"]
    assert pkg.name in reason
    return reason


def test_altered_truncated_and_hostile_packages_are_refused_whole(world, county, tmp_path):
    path, _result = county
    src = world["packages"][2]

    def one_byte(name: str, data: bytes) -> bytes:
        if name != "stats.json":
            return data
        at = data.index(b'"total": ') + len(b'"total": ')
        digit = b"%d" % ((int(data[at:at + 1]) + 1) % 10)
        return data[:at] + digit + data[at + 1:]  # one byte changed, same size

    assert "校验值不符" in _refused(path, _rezip(src, tmp_path / "altered.zip", one_byte))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    assert "不完整" in _refused(path, truncated)
    dropped = _rezip(src, tmp_path / "dropped.zip",
                     lambda n, d: None if n == "data.json" else d)
    assert "缺少" in _refused(path, dropped)

    def traversal(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["files"].append({"name": "../../evil.txt", "form": "x", "format": "txt",
                                  "size": 4, "sha256": hashlib.sha256(b"evil").hexdigest()})
        return json.dumps(manifest).encode()

    evil = _rezip(src, tmp_path / "traversal.zip", traversal)
    with zipfile.ZipFile(evil, "a") as zf:
        zf.writestr("../../evil.txt", b"evil")
    assert "路径" in _refused(path, evil)

    bomb = shutil.copy(src, tmp_path / "bomb.zip")
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data2.json", b"\0" * (20 << 20))
    assert "压缩比" in _refused(path, Path(bomb))

    def lying(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        for item in manifest["files"]:
            item["size"] = 10
        return json.dumps(manifest).encode()

    assert "大小" in _refused(path, _rezip(src, tmp_path / "lying.zip", lying))
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello", "utf-8")
    assert "损坏" in _refused(path, not_zip)


def test_newer_package_replaces_and_older_is_refused(world, county, tmp_path):
    path, _result = county
    town = world["towns"][0]
    with town.session() as s:
        s.add(Volunteer(name="新来五老", category="老教师", joined_on=dt.date(YEAR, 5, 1)))
    newer = _package(town, tmp_path / "newer")
    assert taking.read_package(newer).sequence == 2
    result = cli_json("rollup", newer, "--db", path, "--json")
    assert result["taken"][0]["status"] == "replaced"
    figures = [_figures(town), *world["figures"][1:]]
    assert cli_json("stats", "--db", path, "--year", str(YEAR), "--json") == expected_sum(figures)
    reason = _refused(path, world["packages"][0])
    assert "旧" in reason
    status = cli_json("rollup-status", "--db", path, "--year", str(YEAR), "--json")
    first = next(u for u in status["units"] if u["unit_code"] == "130102001")
    assert first["status"] == "reported" and first["sequence"] == 2


def test_several_packages_in_one_call_take_the_good_and_refuse_the_bad(world, tmp_path):
    path = tmp_path / "county2.sqlite"
    bad = tmp_path / "bad.zip"
    bad.write_bytes(world["packages"][0].read_bytes()[:1000])
    proc = cli("rollup", world["packages"][1], bad, world["packages"][2], "--db", path, "--json")
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert [t["status"] for t in result["taken"]] == ["new", "new"]
    assert [r["file"] for r in result["refused"]] == ["bad.zip"]


def test_format_1_package_is_taken_for_its_figures(world, tmp_path):
    def as_format_1(name: str, data: bytes) -> bytes | None:
        if name == "data.json":
            return None
        if name == "stats.json":
            figures = json.loads(data)
            figures.pop("format")
            return json.dumps(figures, ensure_ascii=False).encode()
        if name == "manifest.json":
            m = json.loads(data)
            for key in ("format", "unit_code", "unit_name", "level", "sequence"):
                m.pop(key)
            m["files"] = [f for f in m["files"] if f["form"] != "data"]
            return json.dumps(m, ensure_ascii=False).encode()
        return data

    old = _rezip(world["packages"][1], tmp_path / "old.zip", as_format_1)
    # the rewritten stats.json needs its true checksum in the rewritten manifest
    with zipfile.ZipFile(old) as zf:
        stats_bytes = zf.read("stats.json")
        manifest = json.loads(zf.read("manifest.json"))
    for item in manifest["files"]:
        if item["name"] == "stats.json":
            item["size"], item["sha256"] = len(stats_bytes), hashlib.sha256(stats_bytes).hexdigest()
    final = _rezip(old, tmp_path / "format1.zip",
                   lambda n, d: json.dumps(manifest, ensure_ascii=False).encode()
                   if n == "manifest.json" else d)
    path = tmp_path / "county1.sqlite"
    result = cli_json("rollup", final, "--db", path, "--json")
    assert [(t["unit_code"], t["status"]) for t in result["taken"]] == [("西河乡关工委", "new")]
    assert cli_json("stats", "--db", path, "--year", str(YEAR), "--json") == \
        expected_sum([world["figures"][1]])


def test_rollup_status_lists_missing_units_and_possible_duplicates(world, tmp_path):
    path = tmp_path / "county3.sqlite"
    cli_json("rollup", *world["packages"][:2], "--db", path, "--json")
    db = Database.open(path)
    try:
        with db.session() as s:
            settings.put(s, settings.EXPECTED_UNITS, "130102003，130102009")
    finally:
        db.close()
    status = cli_json("rollup-status", "--db", path, "--year", str(YEAR), "--json")
    assert [(u["unit_code"], u["status"]) for u in status["units"]] == [
        ("130102001", "reported"), ("130102002", "reported"), ("130102003", "missing"),
        ("130102009", "missing")]
    assert status["units"][0]["sequence"] == 1 and status["units"][0]["taken_at"]
    name, birth = world["twin"]
    assert {"name": name, "birth_date": birth, "unit_codes": ["130102001", "130102002"]} \
        in status["duplicates"]
    text = cli("rollup-status", "--db", path, "--year", str(YEAR), check=True).stdout
    assert "未上报" in text and "可能重复" in text


def test_settings_page_stores_the_unit_code_and_refuses_a_wrong_one(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.pages.settings import SettingsPage

    said: list[str] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda _p, _t, text, *_a, **_k: said.append(text)
                            or QMessageBox.StandardButton.Ok)
    db = Database.open(tmp_path / "county.sqlite")
    try:
        page = SettingsPage(AppContext(db))
        qtbot.addWidget(page)
        page.name.setText("示范县关工委")
        page.unit_code.setText("13010")
        page.save()
        assert said and "行政区划代码" in said[-1]
        with db.reader() as s:
            assert settings.get(s, settings.UNIT_CODE) == ""
        page.unit_code.setText("130102")
        page.unit_level.setCurrentText("县")
        page.save()
        with db.reader() as s:
            assert rollup.own_unit(s) == ("130102", "示范县关工委", "县")
    finally:
        db.close()


def test_rollup_page_checks_first_then_takes_and_shows_the_units(world, qtbot, tmp_path,
                                                                 monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.main_window import NAV, page_factory
    from gui.pages import RollupPage

    assert "汇总" in NAV and page_factory("汇总") is RollupPage
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda *_a, **_k: QMessageBox.StandardButton.Ok)
    path = tmp_path / "county.sqlite"
    db = Database.open(path)
    try:
        page = RollupPage(AppContext(db))
        qtbot.addWidget(page)
        page.year.setCurrentIndex(page.year.findData(YEAR))
        bad = tmp_path / "bad.zip"
        bad.write_bytes(world["packages"][0].read_bytes()[:500])
        before = file_sha(path)
        with qtbot.waitSignal(page.check([*map(str, world["packages"]), str(bad)]).done,
                              timeout=60000):
            pass
        assert "还没有收下" in page.summary.text() and "不收 1 个" in page.summary.text()
        results = [page.checked.item(r, 4).text() for r in range(page.checked.rowCount())]
        assert results[:3] == ["将新收下"] * 3 and results[3].startswith("不收：")
        assert file_sha(path) == before and page.take_button.isEnabled()
        with qtbot.waitSignal(page.take().done, timeout=60000):
            pass
        assert "新收 3 个" in page.summary.text()
        assert page.units.rowCount() == 4 and page.units.item(3, 0).text() == "合计"
        assert [page.units.item(r, 2).text() for r in range(3)] == ["已上报"] * 3
        with db.reader() as s:
            assert stats.year_figures(s, YEAR) == expected_sum(world["figures"])
    finally:
        db.close()
