"""Roll-up cost per package against its floor (issue 22): taking N signed township packages
into a fresh county database in one call (every check included: zip, SHA-256, signature,
bounds, figures recomputed from data.json, pinning, records stored, 相同记录), against the
floor of opening each zip, reading and hashing every member and parsing its JSON files.

Run: /work/main/.venv/bin/python tests/bench/bench_rollup.py [N]
     /work/main/.venv/bin/python tests/bench/bench_rollup.py --memory BIG.zip [N]   (peak RSS of
     taking N copies of one big package, e.g. a demo --scale 100 township's, in one call)
Floor's command: for each package: zipfile.ZipFile(p) → read every member → hashlib.sha256 →
json.loads(manifest.json, stats.json, data.json).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from exports import rollup as taking
from exports import service
from models import demo
from models.db import Database
from tests.bench.common import CACHE, best_of

YEAR = 2025


def packages(n: int) -> list[Path]:
    """``n`` township packages (demo, different seeds and codes), built once and cached."""
    folder = CACHE / "rollup-packages"
    have = sorted(folder.glob("*/*.zip"))
    if len(have) >= n:
        return have[:n]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        town = folder / f"{i:02d}"
        found = sorted(town.glob("*.zip"))
        if found:
            out.append(found[0])
            continue
        db = Database.open(folder / f"town{i:02d}.sqlite")
        with db.session() as s:
            demo.build(s, seed=100 + i, committee=f"第{i + 1}镇关工委", code=f"1301020{i:02d}",
                       today=dt.date(2026, 1, 20))
        out.append(service.build_package(db, YEAR, town))
        db.close()
    return out


def floor(paths: list[Path]) -> None:
    for p in paths:
        with zipfile.ZipFile(p) as zf:
            for info in zf.infolist():
                data = zf.read(info)
                hashlib.sha256(data).hexdigest()
                if info.filename.endswith(".json"):
                    json.loads(data)


def ours(paths: list[Path]) -> float:
    """Seconds ``take_packages`` takes for ``paths`` into a new, empty county database (made
    before the clock starts)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "county.sqlite")
        try:
            t = time.perf_counter()
            result = taking.take_packages(db, list(paths))
            took = time.perf_counter() - t
            assert not result["refused"], result["refused"]
        finally:
            db.close()
    return took


def median_of(fn: Callable[[], float], runs: int = 3) -> float:
    fn()
    return statistics.median(fn() for _ in range(runs))


def variants(big: Path, n: int, folder: Path) -> list[Path]:
    """``n`` copies of one big package as if sent by ``n`` townships (own code, own key)."""
    from nacl.signing import SigningKey

    from models import chain

    out = []
    with zipfile.ZipFile(big) as zin:
        members = [(i.filename, zin.read(i)) for i in zin.infolist()]
    for i in range(n):
        target = folder / f"big{i}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in members:
                if name == "manifest.json":
                    m = json.loads(data)
                    m.update(unit_code=f"1301020{i + 10}", unit_name=f"大镇{i}关工委")
                    data = json.dumps(chain.sign_with(SigningKey.generate(), m),
                                      ensure_ascii=False).encode()
                zout.writestr(name, data)
        out.append(target)
    return out


def memory(big: Path, n: int) -> None:
    """Peak memory of taking ``n`` big packages one after another in one call."""
    import resource

    with tempfile.TemporaryDirectory() as tmp:
        paths = variants(big, n, Path(tmp))
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        took = ours(paths)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data = zipfile.ZipFile(big).getinfo("data.json").file_size / 1e6
    print(f"memory {n} packages of {big.stat().st_size / 1e6:.1f} MB (data.json {data:.1f} MB) "
          f"in one call: peak {peak:.0f} MB (before: {base:.0f} MB), "
          f"{took / n:.2f} s per package")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--memory":
        memory(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 3)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    paths = packages(n)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1e6
    t_floor = best_of(lambda: floor(paths), runs=3)
    t_ours = median_of(lambda: ours(paths))
    t_one = median_of(lambda: ours(paths[:1]))
    per = (t_ours - t_one) / (n - 1) if n > 1 else t_ours
    print(f"packages: {n} township packages of {size:.2f} MB each (demo, signed, format 3)")
    print("floor  unzip + sha256 of every member + json.loads of the JSON files: "
          f"{t_floor / n * 1000:.1f} ms per package")
    print(f"ours   take_packages (all checks, signatures, stored): {t_ours / n * 1000:.1f} ms "
          f"per package in a call of {n}; marginal {per * 1000:.1f} ms; one package "
          f"{t_one * 1000:.0f} ms")
    print(f"ratio  ours / floor = {t_ours / t_floor:.2f}x (marginal {per / (t_floor / n):.2f}x)")
    print("floor's command, paths being the packages:\n" + __import__("inspect").getsource(floor))
    t = time.perf_counter()
    for p in paths:
        taking.read_package(p)
    print(f"check  read_package alone (no database): "
          f"{(time.perf_counter() - t) / n * 1000:.1f} ms per package")


if __name__ == "__main__":
    main()
