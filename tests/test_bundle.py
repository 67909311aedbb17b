"""Builds the one-folder bundle with PyInstaller and runs the built program (marked ``bundle``;
part of the CI run). Reports the bundle size."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.bundle,
              pytest.mark.skipif(shutil.which("pyinstaller", path=str(Path(sys.executable).parent))
                                 is None and shutil.which("pyinstaller") is None,
                                 reason="PyInstaller is not installed")]


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def test_bundle_builds_and_runs(tmp_path):
    exe_dir = Path(sys.executable).parent
    pyinstaller = shutil.which("pyinstaller", path=str(exe_dir)) or shutil.which("pyinstaller")
    dist, work = tmp_path / "dist", tmp_path / "work"
    proc = subprocess.run([pyinstaller, str(ROOT / "build.spec"), "--noconfirm", "--distpath",
                           str(dist), "--workpath", str(work)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bundle = dist / "关工台账"
    program = bundle / ("关工台账.exe" if os.name == "nt" else "关工台账")
    assert program.exists()
    assert (bundle / "_internal" / "resources" / "fonts" / "wqy-microhei.ttc").exists()
    size_mb = folder_size(bundle) / 1024 / 1024
    print(f"bundle size: {size_mb:.1f} MB")
    assert size_mb < 200

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GGTZ_DATA_DIR": str(tmp_path / "data"),
           "GGTZ_CONFIG_DIR": str(tmp_path / "cfg")}
    db = tmp_path / "town.sqlite"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(program), *args], capture_output=True, text=True, env=env,
                              timeout=300)

    assert run("demo", "--db", str(db)).returncode == 0
    smoke = run("--db", str(db), "--smoke")
    assert smoke.returncode == 0 and smoke.stdout.strip().startswith("startup_ms="), smoke.stderr
    stats = run("stats", "--db", str(db), "--year", "2025", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["volunteers"]["total"] > 300
    out = tmp_path / "roster.pdf"
    export = run("export", "volunteers", "--db", str(db), "--format", "pdf", "--out", str(out))
    assert export.returncode == 0 and out.read_bytes().startswith(b"%PDF")

    # issue 15: the bundle carries SQLCipher and opens an encrypted database
    secret = tmp_path / "secret.sqlite"
    shutil.copyfile(db, secret)
    plain_stats = json.loads(stats.stdout)
    env["GGTZ_NEW_PASSWORD"] = "青山2025"
    assert run("password", "--db", str(secret)).returncode == 0
    assert not secret.read_bytes().startswith(b"SQLite format 3")
    del env["GGTZ_NEW_PASSWORD"]
    refused = run("stats", "--db", str(secret), "--year", "2025", "--json")
    assert refused.returncode == 2 and "密码" in refused.stderr
    env["GGTZ_PASSWORD"] = "青山2025"
    opened = run("stats", "--db", str(secret), "--year", "2025", "--json")
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout) == plain_stats
