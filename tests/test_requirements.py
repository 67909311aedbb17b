"""The start command installs only the runtime; the test command adds the tools (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {"pytest", "pytest-qt", "pytest-timeout", "hypothesis", "pypdf", "ruff", "mypy",
            "pyinstaller"}


def names(path: Path) -> set[str]:
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            found.add(re.split(r"[<>=!~ \[]", line, maxsplit=1)[0].lower())
    return found


def test_runtime_requirements_hold_no_test_or_build_tools() -> None:
    runtime = names(ROOT / "requirements.txt")
    assert "pyside6-essentials" in runtime and "sqlalchemy" in runtime
    assert not runtime & DEV_ONLY


def test_dev_requirements_add_the_tools_on_top_of_the_runtime() -> None:
    dev_text = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert "-r requirements.txt" in dev_text
    assert names(ROOT / "requirements-dev.txt") >= DEV_ONLY


def test_readme_commands_install_the_right_files() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = next(line for line in readme.splitlines() if line.endswith("main.py"))
    assert "-r requirements.txt" in start and "requirements-dev" not in start
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert "-r requirements-dev.txt" in ci and ci in readme
