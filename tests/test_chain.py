"""The chain the county can trust and answer (contract §6 "Trust (format 3)", §7): forged
packages refused one by one with a sentence while the good ones beside them are taken, the
receiver's identity never changed by a package, signatures pinned on first use, 相同记录,
review → 回执 → year lock → reopen through the command line at three levels."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey
from sqlalchemy import func, select

from exports import rollup as taking
from exports import service
from models import chain, demo, rollup, settings, stats
from models.db import Database
from models.entities import Activity, Setting, Volunteer
from models.yearlock import YearLocked
from tests.helpers import cli, cli_json

YEAR = 2025
TODAY = dt.date(2026, 1, 20)
TOWNS = [(41, "东山镇关工委", "130102001"), (42, "西河乡关工委", "130102002"),
         (43, "南岭镇关工委", "130102003")]


def _town(root: Path, seed: int, name: str, code: str) -> Database:
    db = Database.open(root / f"{code}.sqlite", upgrade_backup_dir=root / "bk")
    with db.session() as s:
        demo.build(s, seed=seed, committee=name, code=code, today=TODAY)
    return db


@pytest.fixture(scope="module")
def towns(tmp_path_factory):
    root = tmp_path_factory.mktemp("chain")
    dbs = [_town(root, *t) for t in TOWNS]
    packages = [service.build_package(db, YEAR, root / "usb" / str(i)) for i, db in enumerate(dbs)]
    yield {"root": root, "dbs": dbs, "packages": packages}
    for db in dbs:
        db.close()


def forge(src: Path, dst: Path, manifest: Callable[[dict[str, Any]], None] | None = None,
          members: dict[str, Callable[[Any], Any]] | None = None,
          key: SigningKey | None = None, raw: dict[str, bytes] | None = None) -> Path:
    """A copy of ``src`` changed as a careful forger would: members rewritten (JSON functions
    or ``raw`` bytes), sizes and SHA-256 recomputed, the manifest changed and signed again with
    ``key`` (None: left unsigned as format 2 when the signature was removed)."""
    members = members or {}
    raw = dict(raw or {})
    with zipfile.ZipFile(src) as zin:
        content = {i.filename: zin.read(i) for i in zin.infolist()}
    for name, change in members.items():
        value = json.loads(content[name])
        new = change(value)
        raw[name] = json.dumps(value if new is None else new, ensure_ascii=False).encode()
    content.update(raw)
    m = json.loads(content["manifest.json"])
    for item in m["files"]:
        item["size"] = len(content[item["name"]])
        item["sha256"] = hashlib.sha256(content[item["name"]]).hexdigest()
    if manifest:
        manifest(m)
    if key is not None:
        m = chain.sign_with(key, m)
    content["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in content.items():
            zout.writestr(name, data)
    return dst


def _county(root: Path, name: str, *packages: Path) -> Path:
    path = root / f"{name}.sqlite"
    result = cli_json("rollup", *packages, "--db", path, "--json")
    assert result["refused"] == [], result["refused"]
    return path


def _identity(path: Path) -> tuple[str, str, str]:
    db = Database.open(path)
    try:
        with db.reader() as s:
            return rollup.own_unit(s)
    finally:
        db.close()


def _refused_beside_good(county: Path, bad: Path, good: Path) -> str:
    """Take ``bad`` with a good package in one call: the good one is taken, the bad one named."""
    proc = cli("rollup", bad, good, "--db", county, "--dry-run", "--json")
    result = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert [r["file"] for r in result["refused"]] == [bad.name]
    assert [t["file"] for t in result["taken"]] == [good.name]
    reason: str = result["refused"][0]["reason"]
    assert bad.name in reason and "程序遇到意外错误" not in reason
    return reason


@pytest.fixture(scope="module")
def county(towns):
    """A county that took the first two townships (the third is the good one beside forgeries)."""
    path = _county(towns["root"], "county", *towns["packages"][:2])
    return path


def test_manifest_is_signed_and_the_signature_covers_its_other_bytes(towns):
    with zipfile.ZipFile(towns["packages"][0]) as zf:
        m = json.loads(zf.read("manifest.json"))
    assert m["format"] == 3 and len(m["public_key"]) == 64 and len(m["signature"]) == 128
    assert chain.verify(m) == m["public_key"]
    m["sequence"] += 1
    with pytest.raises(ValueError):
        chain.verify(m)
    db = towns["dbs"][0]
    with db.reader() as s:  # the private key is in the database's settings
        seed = s.get(Setting, chain.PRIVATE_KEY).value
    assert chain.public_key_hex(SigningKey(bytes.fromhex(seed))) == m["public_key"]
    fp = chain.fingerprint(m["public_key"])
    assert len(fp) == 19 and fp.replace(" ", "").isdigit()


def test_forged_level_and_code_are_refused_and_the_county_keeps_its_identity(towns, county, tmp_path):
    before = _identity(county)
    assert before == ("130102", "本县关工委", "县")
    src, good = towns["packages"][0], towns["packages"][2]
    attacker = SigningKey.generate()

    def as_county(m: dict[str, Any]) -> None:
        m.update(level="县", unit_code="130300", unit_name="本市关工委")

    def as_city(m: dict[str, Any]) -> None:
        m.update(level="市", unit_code="1301", unit_name="本市关工委")

    reason = _refused_beside_good(county, forge(src, tmp_path / "level.zip", as_county,
                                                key=attacker), good)
    assert "只收下级单位" in reason
    reason = _refused_beside_good(county, forge(src, tmp_path / "city.zip", as_city,
                                                key=attacker), good)
    assert "只收下级单位" in reason

    def other_county(m: dict[str, Any]) -> None:
        m.update(unit_code="130999001", unit_name="外县某镇关工委")

    reason = _refused_beside_good(county, forge(src, tmp_path / "other.zip", other_county,
                                                key=attacker), good)
    assert "不是本县的单位" in reason
    proc = cli("rollup", tmp_path / "level.zip", tmp_path / "other.zip", "--db", county, "--json")
    assert proc.returncode == 1
    assert _identity(county) == before
    db = Database.open(county)
    try:  # the county's own package still says who it is
        pkg = service.build_package(db, YEAR, tmp_path / "up")
    finally:
        db.close()
    with zipfile.ZipFile(pkg) as zf:
        m = json.loads(zf.read("manifest.json"))
    assert (m["unit_code"], m["unit_name"], m["level"]) == before


def test_stats_that_differ_from_the_records_are_refused(towns, county, tmp_path):
    src, good = towns["packages"][0], towns["packages"][2]
    key = SigningKey.generate()

    def inflate(f: dict[str, Any]) -> None:
        f["volunteers"]["total"] = 999_999
        f["donations"]["money_yuan"] = 100_000_000

    bad = forge(src, tmp_path / "inflated.zip", members={"stats.json": inflate}, key=key)
    reason = _refused_beside_good(county, bad, good)
    assert "包里的统计数与明细不一致" in reason and "volunteers.total" in reason

    def more_money(d: dict[str, Any]) -> None:
        d["donations"][0]["money_fen"] += 100

    bad = forge(src, tmp_path / "money.zip", members={"data.json": more_money}, key=key)
    assert "包里的统计数与明细不一致" in _refused_beside_good(county, bad, good)


@pytest.mark.parametrize("case", ["count", "year", "sequence", "sequence64", "nested",
                                  "deep", "nan", "duplicate", "objects", "array"])
def test_numbers_out_of_bounds_nesting_and_duplicates_are_refused(towns, county, tmp_path, case):
    src, good = towns["packages"][0], towns["packages"][2]
    key = SigningKey.generate()
    kwargs: dict[str, Any] = {}
    if case == "count":
        def huge(f: dict[str, Any]) -> None:
            f["activities"]["youth_participations"] = 10_000_001
        kwargs = {"members": {"stats.json": huge}}
        word = "超出合理范围"
    elif case == "year":
        kwargs = {"manifest": lambda m: m.update(year=2101)}
        word = "年度"
    elif case in ("sequence", "sequence64"):
        value = 2**53 + 1 if case == "sequence" else 2**64
        kwargs = {"manifest": lambda m: m.update(sequence=value)}
        word = "序号"
    elif case == "nested":
        kwargs = {"raw": {"data.json": b"[" * 200_000 + b"]" * 200_000}}
        word = "data.json"
    elif case == "deep":
        def deep(d: dict[str, Any]) -> None:
            d["activities"][0]["title"] = [[[[[[["x"]]]]]]]
        kwargs = {"members": {"data.json": deep}}
        word = "data.json"
    elif case == "objects":
        import random

        rnd = random.Random(7)  # random order: it compresses too little for the ratio check
        body = b",".join(rnd.choice((b"{}", b'{"a":0}', b'{"b":1}', b'{"c":""}'))
                         for _ in range(3_600_000))
        # an object as the format's, one list of millions of tiny records: refused on the
        # way, long before the end (memory stays bounded: tests/bench/bench_rollup.py)
        kwargs = {"raw": {"data.json": b'{"format": 3, "year": 2025, "junk": [' + body + b"]}"}}
        word = "对象太多"
    elif case == "array":
        kwargs = {"raw": {"data.json": b"[" + b"{}," * 100_000 + b"{}]"}}
        word = "data.json"
    elif case == "nan":
        kwargs = {"raw": {"stats.json": b'{"year": 2025, "groups": NaN}'}}
        word = "stats.json"
    else:
        def twice(d: dict[str, Any]) -> None:
            d["volunteers"][1]["uuid"] = d["volunteers"][0]["uuid"]
        kwargs = {"members": {"data.json": twice}}
        word = "重复的记录编号"
    bad = forge(src, tmp_path / f"{case}.zip", key=key, **kwargs)
    assert word in _refused_beside_good(county, bad, good)


def test_one_bad_package_spoils_nothing_and_the_good_are_taken_in_one_call(towns, tmp_path):
    path = tmp_path / "c.sqlite"
    bad = forge(towns["packages"][0], tmp_path / "bad.zip",
                manifest=lambda m: m.update(sequence=2**64), key=SigningKey.generate())
    proc = cli("rollup", towns["packages"][1], bad, towns["packages"][2], "--db", path, "--json")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert [t["status"] for t in result["taken"]] == ["new", "new"]
    assert [r["file"] for r in result["refused"]] == ["bad.zip"]
    status = cli_json("rollup-status", "--db", path, "--year", str(YEAR), "--json")
    assert [u["state"] for u in status["units"]] == ["待审核", "待审核"]


def test_copied_database_is_named_as_same_records(towns, tmp_path):
    """A township that copied another's database file: its records keep the other's uuids."""
    copy = tmp_path / "copy.sqlite"
    towns["dbs"][0].close()
    shutil.copy(towns["root"] / f"{TOWNS[0][2]}.sqlite", copy)
    db = Database.open(copy)
    try:
        with db.session() as s:
            settings.put(s, "committee_name", "北坡乡关工委")
            settings.put(s, settings.UNIT_CODE, "130102004")
            settings.put(s, settings.PACKAGE_SEQUENCE, "0")
            s.delete(s.get(Setting, chain.PRIVATE_KEY))
        pkg = service.build_package(db, YEAR, tmp_path / "copy-usb")
    finally:
        db.close()
    county = tmp_path / "county.sqlite"
    cli_json("rollup", towns["packages"][0], "--db", county, "--json")
    dry = cli_json("rollup", pkg, "--db", county, "--dry-run", "--json")
    assert dry["taken"][0]["status"] == "new"
    (copies,) = dry["copies"]
    assert copies["unit_codes"] == ["130102001", "130102004"] and copies["count"] > 100
    cli_json("rollup", pkg, "--db", county, "--json")
    status = cli_json("rollup-status", "--db", county, "--year", str(YEAR), "--json")
    assert status["copies"] == [{"unit_codes": ["130102001", "130102004"],
                                 "count": copies["count"]}]
    text = cli("rollup-status", "--db", county, "--year", str(YEAR), check=True).stdout
    assert "相同记录" in text


def test_another_key_is_refused_until_trusted_and_unsigned_is_taken_with_a_warning(towns,
                                                                                   tmp_path):
    county = _county(tmp_path, "k", towns["packages"][1])
    src = towns["packages"][1]
    other = forge(src, tmp_path / "newkey.zip",
                  manifest=lambda m: m.update(sequence=m["sequence"] + 1),
                  key=SigningKey.generate())
    proc = cli("rollup", other, "--db", county, "--json")
    assert proc.returncode == 1
    reason = json.loads(proc.stdout)["refused"][0]["reason"]
    assert "换了签名密钥" in reason and "--trust-new-key 130102002" in reason
    result = cli_json("rollup", other, "--db", county, "--trust-new-key", "130102002", "--json")
    assert result["taken"][0]["status"] == "replaced" and result["taken"][0]["key"] == "renewed"

    def unsigned(m: dict[str, Any]) -> None:
        m["format"] = 2
        m.pop("signature")
        m.pop("public_key")

    def data2(d: dict[str, Any]) -> None:
        d["format"] = 2

    def stats2(f: dict[str, Any]) -> None:
        f["format"] = 2

    old = forge(towns["packages"][2], tmp_path / "format2.zip", unsigned,
                members={"data.json": data2, "stats.json": stats2})
    result = cli_json("rollup", old, "--db", county, "--json")
    assert result["taken"][0]["status"] == "new" and not result["taken"][0]["signed"]
    assert "没有签名" in result["taken"][0]["warnings"][0]
    # once a unit has signed, an unsigned package of it is a downgrade: refused
    strip = forge(src, tmp_path / "strip.zip", unsigned,
                  members={"data.json": data2, "stats.json": stats2})
    proc = cli("rollup", strip, "--db", county, "--json")
    assert "没有签名" in json.loads(proc.stdout)["refused"][0]["reason"]


def _state(path: Path, code: str) -> dict[str, Any]:
    status = cli_json("rollup-status", "--db", path, "--year", str(YEAR), "--json")
    unit: dict[str, Any] = next(u for u in status["units"] if u["unit_code"] == code)
    return unit


def _sentence(path: Path) -> str:
    db = Database.open(path)
    try:
        with db.reader() as s:
            sentence: str = chain.year_state(s, YEAR)["sentence"]
            return sentence
    finally:
        db.close()


def _one(folder: Path) -> Path:
    (found,) = sorted(folder.glob("*.zip"))
    return found


def test_three_levels_return_correct_accept_lock_and_reopen_through_the_command_line(tmp_path):
    root = tmp_path
    dbs = [_town(root, 50 + i, name, code) for i, (_s, name, code) in enumerate(TOWNS[:2])]
    paths = [db.path for db in dbs]
    for db in dbs:
        db.close()
    pkgs = []
    for i, p in enumerate(paths):
        cli("package", "--db", p, "--year", str(YEAR), "--out", root / f"t{i}", check=True)
        pkgs.append(_one(root / f"t{i}"))
    county = root / "county.sqlite"
    cli_json("rollup", *pkgs, "--db", county, "--json")
    assert _state(county, "130102001")["state"] == "待审核"
    # the county returns the first township
    cli("review", "--db", county, "--year", str(YEAR), "--unit", "130102001",
        "--return", "请核实活动人次", "--out", root / "r1", check=True)
    receipt = _one(root / "r1")
    assert receipt.name.startswith("东山镇关工委_2025年度_回执_")
    unit = _state(county, "130102001")
    assert (unit["state"], unit["comment"]) == ("已退回", "请核实活动人次") and unit["decided_at"]
    result = cli_json("receipt", receipt, "--db", paths[0], "--json")
    assert result == {"year": YEAR, "sequence": 1, "status": "已退回", "comment": "请核实活动人次",
                      "superseded": False}
    assert _sentence(paths[0]) == "2025年度：已上报（第1次），本县关工委已退回：请核实活动人次"
    # a 回执 for another unit is refused
    proc = cli("receipt", receipt, "--db", paths[1], "--json")
    assert proc.returncode == 1 and "不是本单位" in proc.stderr
    # corrected package: 待审核 again, then accepted
    db = Database.open(paths[0])
    try:
        with db.session() as s:
            a = s.scalars(select(Activity).where(Activity.date >= dt.date(YEAR, 1, 1))).first()
            a.youth_count = (a.youth_count or 0) + 1
    finally:
        db.close()
    cli("package", "--db", paths[0], "--year", str(YEAR), "--out", root / "t0b", check=True)
    result = cli_json("rollup", _one(root / "t0b"), "--db", county, "--json")
    assert result["taken"][0]["status"] == "replaced"
    assert _state(county, "130102001")["state"] == "待审核"
    cli("review", "--db", county, "--year", str(YEAR), "--unit", "130102001", "--accept",
        "--out", root / "r2", check=True)
    result = cli_json("receipt", _one(root / "r2"), "--db", paths[0], "--json")
    assert (result["status"], result["sequence"], result["superseded"]) == ("已通过", 2, False)
    assert _sentence(paths[0]) == "2025年度：已上报（第2次），本县关工委已通过"
    # the old 回执 taken late is recorded as superseded and changes nothing
    assert cli_json("receipt", receipt, "--db", paths[0], "--json")["superseded"] is True
    # locked: a change to 2025 is refused with the way to reopen; 2026 stays open
    db = Database.open(paths[0])
    try:
        with pytest.raises(YearLocked) as err, db.session() as s:
            s.add(Activity(date=dt.date(YEAR, 6, 1), title="补录", theme="其他"))
        assert "reopen" in err.value.message and "重新打开" in err.value.message
        with pytest.raises(YearLocked), db.session() as s:
            v = s.scalars(select(Volunteer).where(Volunteer.deleted_at.is_(None))).first()
            v.deleted_at = dt.datetime(2026, 1, 2)
        with db.session() as s:
            s.add(Activity(date=dt.date(YEAR + 1, 2, 1), title="新年", theme="其他"))
        with db.reader() as s:
            figures = stats.year_figures(s, YEAR)
    finally:
        db.close()
    proc = cli("reopen", "--db", paths[0], "--year", str(YEAR), "--reason", "补录一次活动")
    assert proc.returncode == 0, proc.stderr
    assert "重新打开" in _sentence(paths[0]) and "需重新上报" in _sentence(paths[0])
    db = Database.open(paths[0])
    try:
        with db.session() as s:
            s.add(Activity(date=dt.date(YEAR, 6, 1), title="补录", theme="其他"))
        with db.reader() as s:
            assert stats.year_figures(s, YEAR)["activities"]["total"] == \
                figures["activities"]["total"] + 1
            from models.entities import AuditEntry
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "重新打开年度"))
    finally:
        db.close()
    cli("package", "--db", paths[0], "--year", str(YEAR), "--out", root / "t0c", check=True)
    assert _sentence(paths[0]) == "2025年度：已上报（第3次），等待上级审核"
    cli_json("rollup", _one(root / "t0c"), "--db", county, "--json")
    for code, out in (("130102001", "r3"), ("130102002", "r4")):
        cli("review", "--db", county, "--year", str(YEAR), "--unit", code, "--accept",
            "--out", root / out, check=True)
    cli_json("receipt", _one(root / "r4"), "--db", paths[1], "--json")
    # county -> city: returned, corrected, accepted; the county's year then locked
    cli("package", "--db", county, "--year", str(YEAR), "--out", root / "c1", check=True)
    city = root / "city.sqlite"
    result = cli_json("rollup", _one(root / "c1"), "--db", city, "--json")
    assert result["taken"][0]["unit_code"] == "130102"
    assert _identity(city)[::2] == ("1301", "市")
    cli("review", "--db", city, "--year", str(YEAR), "--unit", "130102", "--return",
        "请补报南岭镇", "--out", root / "r5", check=True)
    assert cli_json("receipt", _one(root / "r5"), "--db", county, "--json")["status"] == "已退回"
    assert _sentence(county).endswith("本市关工委已退回：请补报南岭镇")
    cli("package", "--db", county, "--year", str(YEAR), "--out", root / "c2", check=True)
    assert cli_json("rollup", _one(root / "c2"), "--db", city, "--json")["taken"][0][
        "status"] == "replaced"
    cli("review", "--db", city, "--year", str(YEAR), "--unit", "130102", "--accept",
        "--out", root / "r6", check=True)
    assert cli_json("receipt", _one(root / "r6"), "--db", county, "--json")["status"] == "已通过"
    assert cli_json("rollup-status", "--db", city, "--year", str(YEAR), "--json")[
        "units"][0]["state"] == "已通过"
    # the county's accepted year takes no new township package until reopened
    cli("package", "--db", paths[1], "--year", str(YEAR), "--out", root / "t1b", check=True)
    proc = cli("rollup", _one(root / "t1b"), "--db", county, "--json")
    assert proc.returncode == 1 and "reopen" in json.loads(proc.stdout)["refused"][0]["reason"]
    # a receipt by another key than the pinned receiver's is refused
    forged = dict(json.loads(zipfile.ZipFile(_one(root / "r6")).read("receipt.json")))
    forged = chain.sign_with(SigningKey.generate(), {**forged, "comment": "伪造"})
    fake = root / "fake.zip"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("receipt.json", json.dumps(forged, ensure_ascii=False))
    proc = cli("receipt", fake, "--db", county, "--json")
    assert proc.returncode == 1 and "签名密钥" in proc.stderr
    assert "receipt 回执文件 --trust-new-key" in proc.stderr
    # after a phone call: the receiver's new key is trusted (the receipt itself stays valid)
    result = cli_json("receipt", fake, "--db", county, "--trust-new-key", "--json")
    assert result["comment"] == "伪造" and result["status"] == "已通过"


def test_review_refuses_an_unknown_unit_and_a_return_without_reason(towns, county, tmp_path):
    proc = cli("review", "--db", county, "--year", str(YEAR), "--unit", "999",
               "--accept", "--out", tmp_path)
    assert proc.returncode == 1 and "还没有收到" in proc.stderr
    proc = cli("review", "--db", county, "--year", str(YEAR), "--unit", "130102001",
               "--return", "  ", "--out", tmp_path)
    assert proc.returncode == 1 and "原因" in proc.stderr
    assert not list(tmp_path.glob("*.zip"))


def test_read_package_names_the_signature_when_a_signed_manifest_is_edited(towns, tmp_path):
    def edit(m: dict[str, Any]) -> None:
        m["unit_name"] = "改过的名字"

    bad = forge(towns["packages"][1], tmp_path / "edited.zip", edit)  # signature not redone
    with pytest.raises(taking.Refused, match="签名不对"):
        taking.read_package(bad)


def test_rollup_page_grid_reviews_with_buttons_and_follows_the_packages_year(towns, qtbot,
                                                                             tmp_path,
                                                                             monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton

    from exports import receipts
    from gui.chain_panel import YearState
    from gui.context import AppContext
    from gui.pages import RollupPage

    said: list[str] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda _p, _t, text, *_a, **_k: said.append(text)
                            or QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *_a, **_k: ("请核实活动人次", True))
    monkeypatch.setattr("gui.pages.rollup.pick_folder", lambda *_a: str(tmp_path / "out"))
    db = Database.open(tmp_path / "county.sqlite")
    try:
        page = RollupPage(AppContext(db))
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.check([str(p) for p in towns["packages"][1:]]).done,
                              timeout=60000):
            pass
        with qtbot.waitSignal(page.take().done, timeout=60000):
            pass
        assert page.selected_year() == YEAR  # the year of the packages just taken
        rows = page.units.rowCount()
        assert rows == 3 and page.units.item(2, 0).text() == "合计"
        assert [page.units.item(r, 2).text() for r in range(2)] == ["已上报", "已上报"]
        states = [page.units.item(r, 3).text() for r in range(2)]
        assert states == ["待审核", "待审核"]
        with db.reader() as s:
            figures = stats.year_figures(s, YEAR)
        assert page.units.item(2, 9).text() == str(figures["volunteers"]["total"])
        assert all(len(page.units.item(r, 16).text()) == 19 for r in range(2))  # fingerprints
        # 退回… on the first unit, 通过 on the second: the grid shows state, comment and date
        page.units.cellWidget(0, 4).findChild(QPushButton, "return_130102002").click()
        page.units.cellWidget(1, 4).findChild(QPushButton, "accept_130102003").click()
        assert [page.units.item(r, 3).text() for r in range(2)] == ["已退回", "已通过"]
        assert page.units.item(0, 5).text() == "请核实活动人次"
        assert page.units.item(0, 6).text() == dt.date.today().isoformat()
        written = sorted((tmp_path / "out").glob("*_回执_*.zip"))
        assert len(written) == 2 and "回执已保存" in said[-1]
        receipt, _sha = receipts.read_receipt(written[0])
        assert receipt["status"] in ("已退回", "已通过")
        assert "已通过 1 个" in page.units_line.text() and "已退回 1 个" in page.units_line.text()
    finally:
        db.close()
    # the township takes its 回执 in the window and its 报表中心/首页 line says so
    town = towns["dbs"][1]
    state = YearState(AppContext(town), lambda: YEAR)
    qtbot.addWidget(state)
    back = next(p for p in written if p.name.startswith("西河乡"))
    assert state.take(str(back))
    assert state.label.text() == "2025年度：已上报（第1次），本县关工委已退回：请核实活动人次"


def test_quality_findings_travel_beside_the_units_row(towns, tmp_path):
    findings = {"year": YEAR, "findings": [
        {"code": "no_guardian", "level": "错误", "title": "帮扶对象没有监护人", "count": 3,
         "records": ["张*"]}]}
    raw = json.dumps(findings, ensure_ascii=False).encode()

    def listed(m: dict[str, Any]) -> None:
        # the package's own quality.json (made by `package`) is replaced by these findings
        m["files"] = [f for f in m["files"] if f["name"] != "quality.json"]
        m["files"].append({"name": "quality.json", "form": "quality", "format": "json",
                           "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()})
        m["sequence"] += 1

    db = towns["dbs"][2]
    with db.reader() as s:
        key = chain.signing_key(s)  # the unit's own key: the package stays its own
    pkg = forge(towns["packages"][2], tmp_path / "q.zip", listed, raw={"quality.json": raw},
                key=key)
    county = _county(tmp_path, "q", pkg)
    unit = _state(county, "130102003")
    assert unit["quality"] == [{"code": "no_guardian", "level": "错误",
                                "title": "帮扶对象没有监护人", "count": 3}]


def test_window_asks_before_trusting_a_new_key(towns, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.pages import RollupPage

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text, *_a, **_k: asked.append(text)
                        or QMessageBox.StandardButton.Yes)
    county = _county(tmp_path, "w", towns["packages"][1])
    other = forge(towns["packages"][1], tmp_path / "newkey.zip",
                  manifest=lambda m: m.update(sequence=m["sequence"] + 1),
                  key=SigningKey.generate())
    db = Database.open(county)
    try:
        page = RollupPage(AppContext(db))
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.check([str(other)]).done, timeout=60000):
            pass
        assert asked and "换了签名密钥" in asked[0] and page.new_keys == {"130102002"}
        assert page.take_button.isEnabled()
        with qtbot.waitSignal(page.take().done, timeout=60000):
            pass
        assert "替换 1 个" in page.summary.text()
    finally:
        db.close()


def test_settings_reopen_a_locked_year_and_keep_the_expected_units(qtbot, tmp_path,
                                                                   monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.chain_panel import ChainSettings
    from gui.context import AppContext
    from models.entities import AuditEntry, ChainYear

    said: list[str] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda _p, _t, text, *_a, **_k: said.append(text)
                            or QMessageBox.StandardButton.Ok)
    db = Database.open(tmp_path / "town.sqlite")
    try:
        with db.session() as s:
            s.add(ChainYear(year=YEAR, locked=True, needs_resend=False, reason=""))
        with pytest.raises(YearLocked), db.session() as s:
            s.add(Activity(date=dt.date(YEAR, 3, 1), title="补录", theme="其他"))
        panel = ChainSettings(AppContext(db))
        qtbot.addWidget(panel)
        assert panel.reopen_year.value() == YEAR
        assert not panel.reopen(reason="  ")  # a reason is required
        assert "原因" in said[-1]
        assert panel.reopen(reason="补录一次活动")
        with db.session() as s:
            s.add(Activity(date=dt.date(YEAR, 3, 1), title="补录", theme="其他"))
        with db.reader() as s:
            assert s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "重新打开年度")) \
                == f"{YEAR}年度：补录一次活动"
            assert chain.year_state(s, YEAR)["locked"] is False
        panel.expected.setText("130102001，130102002 abc")
        panel.save_expected()
        assert "abc" in said[-1]
        panel.expected.setText("130102001，130102002  130102003")
        panel.save_expected()
        with db.reader() as s:
            assert rollup.expected_units(s) == ["130102001", "130102002", "130102003"]
    finally:
        db.close()


def test_an_import_into_an_accepted_year_is_refused_whole(tmp_path):
    """The import's bulk insert goes through the session, so the year lock sees it: nothing of
    the file is written and the sentence says how to reopen."""
    from models.entities import ChainYear
    from tests.helpers import cli
    from tests.sheets import xlsx

    path = tmp_path / "town.sqlite"
    db = Database.open(path)
    try:
        with db.session() as s:
            s.add(ChainYear(year=YEAR, locked=True, needs_resend=False, reason=""))
    finally:
        db.close()
    header = ["日期", "活动名称", "主题类别", "参加五老(人)", "受教育青少年(人次)"]
    sheet = xlsx(tmp_path / "活动.xlsx", header,
                 [[dt.date(YEAR, 5, 4), "五四报告会", "理论宣讲", 3, 120],
                  [dt.date(YEAR + 1, 1, 9), "寒假辅导", "其他", 2, 30]])
    proc = cli("import", "activities", sheet, "--db", path)
    assert proc.returncode != 0
    assert "重新打开" in proc.stdout + proc.stderr or "reopen" in proc.stdout + proc.stderr
    db = Database.open(path)
    try:
        with db.reader() as s:
            assert s.scalar(select(func.count()).select_from(Activity)) == 0
    finally:
        db.close()
