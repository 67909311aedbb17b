"""The layers (architecture.md): models/ and exports/ never import Qt; gui/ holds no SQL and
never touches the file layer."""

import ast
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


# -- gui/ as a whole: no SQL, no file layer, no commits (issue 20 item 4) -------------------------

#: the file layer: only models (the Database object) opens, keys and locks the file
FILE_LAYER = ("models.sqlconnect", "models.filelock", "models.sqlitefile")
#: sqlalchemy names that build or run SQL; gui/ may name types only (Select, Session, Row)
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "literal_column",
                "column", "table", "and_", "or_", "not_", "exists", "case", "union"}
SQL_STRING = re.compile(r"\b(?:SELECT\s+\S|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|"
                        r"DELETE\s+FROM|PRAGMA\s+\w|(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|TRIGGER|"
                        r"VIEW)|VACUUM\b|ATTACH\s+DATABASE)")

#: Where gui/ may still break a rule (nothing now: the storage and circles branches removed the
#: last). Each entry must still occur (a stale entry fails), so the list only shrinks.
ALLOWED: set[tuple[str, str]] = set()


def _gui_files() -> list[Path]:
    files = sorted((ROOT / "gui").rglob("*.py"))
    assert len(files) >= 20 and ROOT / "gui" / "main_window.py" in files
    return files


def _imported(node: ast.AST) -> list[str]:
    """The modules (and ``package.name`` for ``from package import name``) ``node`` imports."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


def _gui_findings() -> set[tuple[str, str]]:
    """Every (file, what) in gui/ that imports the file layer, builds or runs SQL, holds an SQL
    string or commits; the place (line) is left out so that edits elsewhere keep the keys."""
    found: set[tuple[str, str]] = set()
    for path in _gui_files():
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), name)):
            for module in _imported(node):
                if module in FILE_LAYER:
                    found.add((name, f"imports {module}"))
                if module == "sqlalchemy" and isinstance(node, ast.Import):
                    found.add((name, "imports sqlalchemy whole (only named types may be)"))
                if (module.startswith("sqlalchemy.") and isinstance(node, ast.ImportFrom)
                        and module.rsplit(".", 1)[1] in SQL_BUILDERS):
                    found.add((name, module))
                if module.startswith("sqlalchemy.sql"):
                    found.add((name, f"imports {module}"))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                hit = SQL_STRING.search(node.value)
                if hit:
                    found.add((name, f"SQL string: {hit.group(0)}"))
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("commit", "execute", "executemany", "executescript")):
                found.add((name, "commits" if node.func.attr == "commit"
                           else f"runs SQL: .{node.func.attr}()"))
    return found


def test_gui_imports_no_file_layer():
    """The window asks models (the Database) for the file; it never imports the modules that
    open, key or lock it."""
    found = {f for f in _gui_findings() if f[1].startswith("imports models.")}
    assert not found - ALLOWED, sorted(found - ALLOWED)


def test_gui_holds_no_sql():
    """No SQL anywhere in gui/: no sqlalchemy statement builders (select, insert, update,
    delete, text, func …), no statement run, no SQL in a string; queries live in models."""
    found = {f for f in _gui_findings() if not f[1].startswith("imports models.")
             and f[1] != "commits"}
    assert not found - ALLOWED, sorted(found - ALLOWED)


def test_gui_never_commits():
    """Every write from the window goes through gui/ops into a models service, one transaction
    per user action (``with db.session()`` in models): no ``.commit()`` in gui/."""
    found = {f for f in _gui_findings() if f[1] == "commits"}
    assert not found, sorted(found)


def test_gui_allow_list_holds_only_what_still_occurs():
    """An entry whose breach is gone must leave ALLOWED (the list only shrinks)."""
    stale = ALLOWED - _gui_findings()
    assert not stale, f"remove from ALLOWED in tests/test_layers.py: {sorted(stale)}"


def test_the_gui_checks_see_what_they_forbid(tmp_path, monkeypatch):
    """The checks themselves: each kind of breach planted in a copy of gui/ is found."""
    import shutil

    shutil.copytree(ROOT / "gui", tmp_path / "gui")
    (tmp_path / "gui" / "planted.py").write_text(
        "from models import filelock\n"
        "from models.sqlitefile import inspect_file\n"
        "from sqlalchemy import select, Select\n"
        "import sqlalchemy\n"
        "def f(s):\n"
        "    s.execute(sqlalchemy.text(f'PRAGMA user_version'))\n"
        "    s.commit()\n"
        "    return 'DELETE FROM volunteers'\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "_gui_files",
                        lambda: sorted((tmp_path / "gui").rglob("*.py")))
    planted = {what for name, what in _gui_findings() if name == "gui/planted.py"}
    assert planted == {"imports models.filelock", "imports models.sqlitefile", "sqlalchemy.select",
                       "imports sqlalchemy whole (only named types may be)", "runs SQL: .execute()",
                       "commits", "SQL string: PRAGMA u", "SQL string: DELETE FROM"}


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
                annotation = ast.unparse(node.annotation)  # a list of hooks taking a key is no table
                typed = re.search(r"\bKey\b", annotation) is not None and "Callable" not in annotation
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


def _production_modules() -> dict[str, Path]:
    """Module name -> file of every production module (models/, exports/, gui/, main.py)."""
    files = [p for folder in ("models", "exports", "gui") for p in (ROOT / folder).rglob("*.py")]
    modules = {}
    for path in [*files, ROOT / "main.py"]:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that ``name`` imports anywhere in its file (at the top, inside
    functions, under TYPE_CHECKING): ``from a import b`` counts a.b when that is a module."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(n for n in names if n in known and n != name)
    return found


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
    return found


def test_the_finder_sees_a_circle_made_by_an_import_inside_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_among_the_project_modules():
    """Counting imports inside functions too: a module never reaches back to itself."""
    modules = _production_modules()
    assert {"main", "models.db", "models.entities", "exports.importer", "gui.app"} <= set(modules)
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    assert "models.sqlitefile" in graph["models.peek"]  # imports are seen (sanity)
    circles = _circles(graph)
    assert not circles, circles
