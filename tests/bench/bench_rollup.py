"""Roll-up cost per package against its floor (issue 22): taking N signed township packages
into a fresh county database in one call (every check included: zip, SHA-256, signature,
bounds, figures recomputed from data.json, pinning, records stored, 相同记录), against the
floor of opening each zip, reading and hashing every member and parsing its JSON files.

Run: /work/main/.venv/bin/python tests/bench/bench_rollup.py [N]
     /work/main/.venv/bin/python tests/bench/bench_rollup.py --memory [SCALE...]
Floor's command: for each package: zipfile.ZipFile(p) → read every member → hashlib.sha256 →
json.loads(manifest.json, stats.json, data.json).

``--memory`` (issue 25): peak RSS of whole ``main.py rollup`` processes (os.wait4's rusage) taking
big township packages built by the command line (``main.py demo --scale N`` then ``main.py
package``, cached in the temp folder): one demo×100, several in one call, the largest the
contract's count bound allows (a count above 10 000 000 is refused: demo×N's
youth_participations is ~48 000·N, so N ≤ 208; default SCALEs 100 200), five times demo×100
with that bound lifted for the measurement only, and hostile packages (refused: time, peak,
sentence). Memory floor's command: ``main.py rollup`` of one demo×1 package (interpreter,
imports, one small package).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        target = folder / f"big{i}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in members:
                if name == "manifest.json":
                    m = json.loads(data)
                    m.update(unit_code=f"1301029{i:02d}", unit_name=f"大镇{i}关工委")
                    data = json.dumps(chain.sign_with(SigningKey.generate(), m),
                                      ensure_ascii=False).encode()
                zout.writestr(name, data)
        out.append(target)
    return out


PYTHON = sys.executable
MAIN = str(Path(__file__).resolve().parents[2] / "main.py")


def big_package(scale: int) -> Path:
    """A demo×``scale`` township's package for YEAR, built by the command line (cached)."""
    folder = CACHE / "rollup-big" / f"x{scale}"
    found = sorted(folder.glob("*.zip"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "town.sqlite"
    db.unlink(missing_ok=True)
    for cmd in ([PYTHON, MAIN, "demo", "--db", str(db), "--scale", str(scale),
                 "--code", f"1301020{scale // 10:02d}", "--committee", f"大{scale}镇关工委"],
                [PYTHON, MAIN, "package", "--db", str(db), "--year", str(YEAR),
                 "--out", str(folder)]):
        print("build  " + " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    db.unlink()
    return sorted(folder.glob("*.zip"))[0]


#: run in the measured Python process before its script: at exit it writes its peak RSS
#: (VmHWM: the high-water mark of the memory map made at exec; a child's rusage would also
#: count the pages of the parent it was forked from)
_HWM = ("import atexit, os, runpy, sys\n"
        "def _hwm():\n"
        "    with open('/proc/self/status') as f, open(os.environ['BENCH_HWM'], 'w') as out:\n"
        "        out.write(next(l for l in f if l.startswith('VmHWM')).split()[1])\n"
        "atexit.register(_hwm)\n"
        "sys.argv = sys.argv[1:]\n"
        "sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n")


def peak_of(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of the Python process ``cmd`` ([python, script,
    args...] or [python, "-c", code, args...])."""
    with tempfile.TemporaryDirectory() as tmp:
        hwm = Path(tmp) / "hwm"
        if cmd[1] == "-c":
            script = Path(tmp) / "child.py"
            script.write_text(cmd[2], encoding="utf-8")
            cmd = [cmd[0], str(script), *cmd[3:]]
        t = time.perf_counter()
        proc = subprocess.run([cmd[0], "-c", _HWM, *cmd[1:]], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env={**os.environ, "BENCH_HWM": str(hwm)})
        took = time.perf_counter() - t
        peak = int(hwm.read_text()) / 1024
    return took, peak, proc.stdout.decode("utf-8", "replace")


#: a child taking packages with the count bound lifted (five times demo×100 exceeds it only by
#: its youth_participations): the same take_packages, for measuring memory only
_LIFTED = ("import sys; sys.path.insert(0, {root!r}); from pathlib import Path; "
           "from exports import rollup as r; from models.db import Database; "
           "r.MAX_COUNT = 10**9; db = Database.open(Path(sys.argv[1])); "
           "res = r.take_packages(db, sys.argv[2:]); db.close(); "
           "print([t['status'] for t in res['taken']], [x['reason'][:80] for x in res['refused']])")


def rollup_peak(label: str, paths: list[Path], tmp: Path, lifted: bool = False) -> float:
    """Print and return the peak RSS of one roll-up process taking ``paths`` into a new county
    database."""
    county = tmp / f"county-{time.monotonic_ns()}.sqlite"
    if lifted:
        cmd = [PYTHON, "-c", _LIFTED.format(root=str(Path(MAIN).parent)), str(county),
               *map(str, paths)]
        shown = f"{PYTHON} -c '<take_packages, MAX_COUNT lifted>' COUNTY " + " ".join(
            p.name for p in paths)
    else:
        cmd = [PYTHON, MAIN, "rollup", *map(str, paths), "--db", str(county), "--json"]
        shown = " ".join(cmd)
    took, peak, out = peak_of(cmd)
    data = sum(zipfile.ZipFile(p).getinfo("data.json").file_size for p in paths) / 1e6
    if lifted:
        result = out.strip()[:160]
    else:
        parsed = json.loads(out)
        result = (f"taken {[t['status'] for t in parsed['taken']]}, refused "
                  f"{[r['reason'][:90] for r in parsed['refused']]}")
    print(f"{label:<34} peak {peak:6.0f} MB  {took:6.1f} s  data.json {data:6.1f} MB  {result}")
    print(f"    command: {shown}")
    return peak


def hostile(tmp: Path, src: Path) -> list[tuple[str, Path]]:
    """Hostile packages made from ``src`` (a small signed package): a 400 MB data.json that is
    an object holding millions of tiny records, one nested 10 million deep (white space at
    random: the compression ratio check lets it through), a zip bomb, and a
    data.json whose zip header claims a size it does not have (the manifest agrees with it)."""
    import random
    import struct

    from nacl.signing import SigningKey

    from models import chain

    with zipfile.ZipFile(src) as zin:
        members = {i.filename: zin.read(i) for i in zin.infolist()}
    rnd = random.Random(25)
    block = b",".join(rnd.choice((b"{}", b'{"a":0}', b'{"b":1}', b'{"c":""}'))
                      for _ in range(200_000)) + b","
    out: list[tuple[str, Path]] = []

    def write(name: str, parts: Callable[[], Any], size: int, digest: str,
              level: int = 6) -> Path:
        manifest = json.loads(members["manifest.json"])
        for item in manifest["files"]:
            if item["name"] == "data.json":
                item.update(size=size, sha256=digest)
        manifest = chain.sign_with(SigningKey.generate(), manifest)
        target = tmp / name
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
            for member, data in members.items():
                if member == "manifest.json":
                    data = json.dumps(manifest, ensure_ascii=False).encode()
                if member == "data.json":
                    with zout.open("data.json", "w") as fh:
                        for part in parts():
                            fh.write(part)
                else:
                    zout.writestr(member, data)
        return target

    def streamed(parts: Callable[[], Any]) -> tuple[int, str]:
        h, n = hashlib.sha256(), 0
        for part in parts():
            h.update(part)
            n += len(part)
        return n, h.hexdigest()

    def records() -> Any:
        yield b'{"format": 3, "year": %d, "junk": [' % YEAR
        for _ in range(400 * (1 << 20) // len(block)):
            yield block
        yield b"{}]}"

    # white space at random: it compresses too little for the ratio check
    brackets = [b"".join(bracket + rnd.choice((b"", b" ", b"\n", b"\t"))
                         for _ in range(1_000_000)) for bracket in (b"[", b"]")]

    def nested() -> Any:
        yield b'{"format": 3, "year": %d, "junk": ' % YEAR
        for part in brackets:
            for _ in range(10):
                yield part
        yield b"}"

    def zeros() -> Any:
        for _ in range(400):
            yield b"0" * (1 << 20)

    for name, parts in (("objects.zip", records), ("nested.zip", nested),
                        ("bomb.zip", zeros)):
        size, digest = streamed(parts)
        out.append((name, write(name, parts, size, digest, 9 if name == "bomb.zip" else 6)))
    # the lie: a 400 MB data.json whose headers (and manifest) say 1 000 bytes
    size, digest = streamed(records)
    liar = write("liar.zip", records, 1000, digest)
    raw = bytearray(liar.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(sig)
        while at >= 0:
            local = sig == b"PK\x03\x04"
            name_len = struct.unpack_from("<H", raw, at + (26 if local else 28))[0]
            start = at + (30 if local else 46)
            if raw[start:start + name_len] == b"data.json":
                struct.pack_into("<I", raw, at + offset, 1000)  # uncompressed size
                break
            at = raw.find(sig, at + 4)
    liar.write_bytes(bytes(raw))
    out.append(("liar.zip", liar))
    return out


def memory(scales: list[int]) -> None:
    """Peak memory of roll-up processes (issue 25: goal ≤ 300 MB)."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        small = packages(1)[0]
        print("floor  (the roll-up process's fixed cost: interpreter, imports, one demo×1 package)")
        rollup_peak("demo×1 (floor)", [small], tmp)
        big = {scale: big_package(scale) for scale in scales}
        for scale, path in big.items():
            rollup_peak(f"one demo×{scale}", [path], tmp)
        copies = variants(big[scales[0]], 2, tmp)
        several = [big[s] for s in scales] + copies
        rollup_peak(f"{len(several)} in one call ({'+'.join(map(str, scales))}+2 copies)",
                    several, tmp)
        five = big_package(5 * 100)
        rollup_peak("demo×500 (count bound lifted)", [five], tmp, lifted=True)
        fives = [five, *variants(five, 2, tmp / "five")]
        rollup_peak("3×demo×500 in one call (lifted)", fives, tmp, lifted=True)
        for name, path in hostile(tmp, small):
            rollup_peak(f"hostile {name}", [path], tmp)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--memory":
        memory([int(a) for a in sys.argv[2:]] or [100, 200])
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
