"""models/ and exports/ never import Qt (architecture.md)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_exports_import_without_pyside6():
    modules = sorted(
        f"{p.parent.name}.{p.stem}" for folder in ("models", "exports")
        for p in (ROOT / folder).glob("*.py") if p.stem != "__init__")
    assert "models.db" in modules and "models.stats" in modules
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):\n"
        "            raise ImportError('Qt is blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import importlib\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")


def test_pages_hold_no_sql():
    """A list page's query is one call into models.lists; a page names model attributes only
    as column sort keys."""
    pages = sorted((ROOT / "gui" / "pages").glob("*.py"))
    assert len(pages) >= 12
    offenders = [f"{p.name}:{n}: {line.strip()}" for p in pages
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"\bselect\(|\bfunc\.|\.where\(|\.(?:outer)?join\([A-Z]\w*[,)]|\.order_by\(|"
                              r"from sqlalchemy import (?!Select$)", line)]
    assert not offenders, offenders
