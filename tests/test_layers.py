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


#: the file layer: only models.db.Database hands the window what it needs of it
FILE_LAYER = ("models.sqlconnect", "models.filelock", "models.sqlitefile")


def _imports(path: Path) -> set[str]:
    """The modules a source file imports (``import a.b``, ``from a.b import c``, ``from a
    import b`` gives ``a`` and ``a.b``), at any depth of the file."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_window_never_imports_the_file_layer():
    """gui/ reaches the database file only through models.db.Database (its key, locks,
    restore, password): never through sqlconnect, filelock or sqlitefile."""
    files = sorted((ROOT / "gui").rglob("*.py"))
    assert len(files) >= 30
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in files for m in sorted(_imports(p))
                 if m in FILE_LAYER]
    assert not offenders, offenders


def test_the_guard_sees_a_file_layer_import():
    """The check above can fail: each way of writing the import is seen."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.py"
        probe.write_text("def f():\n    from models import sqlconnect\n"
                         "import models.filelock\nfrom models.sqlitefile import checkpoint\n",
                         encoding="utf-8")
        assert set(FILE_LAYER) <= _imports(probe)


def test_no_key_table_in_models():
    """No module of models/ keeps keys at module level: the key of a file lives in the
    Database that owns it (models.db), and the lower helpers are handed it."""
    import ast

    from models import sqlconnect

    assert not hasattr(sqlconnect, "_KEYS") and not hasattr(sqlconnect, "key_of")
    assert not hasattr(sqlconnect, "remember")
    offenders = []
    for path in sorted((ROOT / "models").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names, value = [node.target.id], node.value
                typed = re.search(r"\bKey\b", ast.unparse(node.annotation)) is not None
            elif isinstance(node, ast.Assign):
                names = [n.id for n in node.targets if isinstance(n, ast.Name)]
                value, typed = node.value, False
            else:
                continue
            # a table filled as the program runs: an empty dict or set (literal or call)
            empty = (isinstance(value, (ast.Dict, ast.Set)) and not getattr(value, "keys", None)
                     and not getattr(value, "elts", None)) or (
                isinstance(value, ast.Call) and ast.unparse(value.func) in ("dict", "set")
                and not value.args)
            if typed or (empty and any("KEY" in n.upper() for n in names)):
                offenders.append(f"{path.name}: {', '.join(names)}")
    assert not offenders, offenders
