"""A package's data.json read as a stream (issue 25): whatever the window and batch sizes, the
receiver keeps exactly what reading the whole file gives (figures with 阵地, the forms' lists,
months, people), and a forged stream is refused with a sentence, never a crash."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from exports import jsonstream, service
from exports import rollup as taking
from models import demo, rollup
from models.db import Database
from tests.test_chain import forge

YEAR = 2025


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> dict[str, Any]:
    """A demo township as on 20 Dec 2025 (its 阵地 have funds for 2025) and its package."""
    root = tmp_path_factory.mktemp("stream")
    db = Database.open(root / "town.sqlite")
    try:
        with db.session() as s:
            demo.build(s, seed=5, committee="东山镇关工委", code="130102001",
                       today=dt.date(2025, 12, 20))
        path = service.build_package(db, YEAR, root / "usb")
    finally:
        db.close()
    with zipfile.ZipFile(path) as zf:
        data = json.loads(zf.read("data.json"))
        figures = json.loads(zf.read("stats.json"))
    return {"path": path, "data": data, "figures": figures}


def _kept(pkg: taking.Package) -> tuple[Any, list[int], list[dict[str, str]]]:
    assert pkg.data is not None
    people = [row for rows in pkg.data.people_rows() for row in rows]
    return rollup.kept_data(pkg.data.kept), pkg.data.months, people


@pytest.mark.parametrize(("chunk", "batch"), [(1 << 20, 5000), (61, 3), (4096, 1)])
def test_any_window_and_batch_keep_what_the_whole_file_gives(town, monkeypatch, chunk, batch):
    data = town["data"]
    assert data["venues"] and town["figures"]["venues"]["funds_yuan"] > 0
    assert rollup.figures_differ(town["figures"], rollup.figures_from_records(data, YEAR)) is None
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    monkeypatch.setattr(taking, "BATCH", batch)
    kept, months, people = _kept(taking.read_package(town["path"]))
    assert kept == {k: data[k] for k in rollup.KEPT_DATA}
    assert months == rollup.months_of(data) and sum(months) == len(data["activities"])
    assert people == taking._people(data)
    assert len(people) == len(data["volunteers"]) + len(data["students"])


def test_figures_tallied_in_batches_equal_those_of_whole_lists(town):
    data = town["data"]
    whole = rollup.figures_from_records(data, YEAR)
    tally = rollup.FigureTally(YEAR)
    for key in rollup.FigureTally.LISTS:
        tally.begin(key)
        for i in range(0, len(data[key]) if key in data else 0, 7):
            tally.add(key, data[key][i:i + 7])
    assert tally.figures(True) == whole
    assert whole["venues"] == {k: town["figures"]["venues"][k]
                               for k in ("total", "by_type", "funds_yuan")}


def _refused(path: Path) -> str:
    with pytest.raises(taking.Refused) as err:
        taking.read_package(path)
    reason = str(err.value)
    assert path.name in reason and "整个包没有收下" in reason and "请" in reason
    return reason


def test_forged_venues_are_refused_in_the_stream(town, tmp_path):
    key = SigningKey.generate()

    def more_funds(d: dict[str, Any]) -> None:
        d["venues"][0]["funds_fen"] += 100

    bad = forge(town["path"], tmp_path / "funds.zip", members={"data.json": more_funds}, key=key)
    assert "venues.funds_yuan" in _refused(bad)

    def scalar(d: dict[str, Any]) -> None:
        d["venues"] = 3

    bad = forge(town["path"], tmp_path / "scalar.zip", members={"data.json": scalar}, key=key)
    assert "“venues”缺少或格式不对" in _refused(bad)

    def nested(d: dict[str, Any]) -> None:
        d["venues"][0]["type"] = ["阵地"]

    bad = forge(town["path"], tmp_path / "nested.zip", members={"data.json": nested}, key=key)
    assert "“venues”缺少或格式不对" in _refused(bad)


def test_an_older_package_without_venues_is_taken_without_them(town, tmp_path):
    key = SigningKey.generate()

    def no_venues(d: dict[str, Any]) -> None:
        d.pop("venues")

    def no_section(f: dict[str, Any]) -> None:
        f.pop("venues")

    old = forge(town["path"], tmp_path / "old.zip", key=key,
                members={"data.json": no_venues, "stats.json": no_section})
    pkg = taking.read_package(old)
    assert "venues" not in pkg.figures
    assert pkg.figures["volunteers"] == town["figures"]["volunteers"]


def test_units_of_a_roll_up_package_are_checked_and_added_one_by_one(town, tmp_path):
    """A county's package: its units' figures are added to its own records' (folded as read)."""
    key = SigningKey.generate()
    unit = {k: v for k, v in town["figures"].items() if k not in ("format",)}

    def with_units(d: dict[str, Any]) -> None:
        d["units"] = [{"figures": unit, "months": [1] * 12}, {"figures": unit}]

    def doubled(f: dict[str, Any]) -> Any:
        return rollup.add_figures([f, unit, unit], YEAR)

    good = forge(town["path"], tmp_path / "units.zip", key=key,
                 members={"data.json": with_units, "stats.json": doubled})
    pkg = taking.read_package(good)
    assert pkg.figures["volunteers"]["total"] == 3 * town["figures"]["volunteers"]["total"]
    assert pkg.data is not None
    assert pkg.data.months == [m + 1 for m in rollup.months_of(town["data"])]

    def bad_unit(d: dict[str, Any]) -> None:
        d["units"] = [{"figures": unit}, {"figures": {"year": YEAR, "groups": [[[[[1]]]]]}}]

    bad = forge(town["path"], tmp_path / "badunit.zip", key=key,
                members={"data.json": bad_unit, "stats.json": doubled})
    assert "units" in _refused(bad)


def test_duplicate_uuids_are_counted_exactly_whatever_their_form():
    import uuid as uuidlib

    ids = [str(uuidlib.UUID(int=(i + 1) * 0x9E3779B97F4A7C15F39CC0605CEDC835 % 2**128))
           for i in range(20_000)]
    assert ids[0].upper() != ids[0]
    spaced = "ab cdef0-1234-5678-9abc-def012345678"  # dashes in place, a space among the digits
    odd = [ids[0].upper(), "not-a-uuid", spaced, "x" * 36]
    seen = taking._Uuids()
    seen.add(ids[:12_000])
    seen.add(ids[11_990:] + odd + odd[1:2] + ids[:3])
    assert seen.n == 12_000 + 8_010 + 4 + 1 + 3
    assert seen.unique() == 20_000 + 4  # 10 + 1 + 3 seen twice; upper case is another text
