"""The core (model, store, services) never imports Qt: the layering rule of the design, checked."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
CORE = ["model", "store", "services", "errors.py", "paths.py", "clock.py"]
FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6")
# The CLI uses the services and, for `planner report`, the QtGui page renderer; never a widget.
CLI_FORBIDDEN = ("PySide6.QtWidgets", "PySide6.QtPrintSupport", "pyqtgraph")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
    return found


def _core_files() -> list[Path]:
    files: list[Path] = []
    for entry in CORE:
        target = PACKAGE / entry
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return files


def test_core_modules_do_not_import_qt() -> None:
    leaks = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in _core_files()
        for line, name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert _core_files(), "found no core modules to check"
    assert not leaks, "Qt imported in the core:\n" + "\n".join(leaks)


def test_cli_never_imports_widgets() -> None:
    cli = PACKAGE / "cli.py"
    leaks = [f"cli.py:{line} imports {name}" for line, name in _imports(cli)
             if any(name == f or name.startswith(f + ".") for f in CLI_FORBIDDEN)]
    ui = [name for _line, name in _imports(cli) if name.startswith("planner.ui")]
    assert ui == ["planner.ui.app"], "the CLI reaches the window only through planner.ui.app (no subcommand)"
    assert not leaks, "\n".join(leaks)
    render = PACKAGE / "render"
    widget_leaks = [f"{p.name}:{line} imports {name}" for p in render.rglob("*.py") for line, name in _imports(p)
                    if name.startswith(("PySide6.QtWidgets", "planner.ui", "pyqtgraph"))]
    assert not widget_leaks, "render is QtGui only:\n" + "\n".join(widget_leaks)


def test_services_never_import_the_ui() -> None:
    leaks = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in _core_files()
        for line, name in _imports(path)
        if name.startswith("planner.ui") and path.name != "cli.py"
    ]
    assert not leaks, "\n".join(leaks)


def test_cli_commands_run_without_loading_qt(tmp_path: Path) -> None:
    code = (
        "import sys; from planner.cli import main; "
        f"rc = main(['new', '--db', {str(tmp_path / 'x.planner')!r}]); "
        f"rc2 = main(['check', '--db', {str(tmp_path / 'x.planner')!r}]); "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]; "
        "print('LOADED', loaded); sys.exit(rc or rc2 or (1 if loaded else 0))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LOADED []" in result.stdout


# Only planner/store may know the database is SQLite: the driver, SQLAlchemy's SQLite dialect, and SQL that
# only SQLite speaks stay there, so a server database can be added in one place.
SQLITE_IMPORTS = ("sqlite3", "pysqlite2", "aiosqlite", "sqlalchemy.dialects.sqlite")
SQLITE_SQL = re.compile(
    r"\b(json_extract|json_object|json_each|json_tree|json_group_array|json_group_object|json_set|json_insert|"
    r"json_patch|json_quote|pragma|sqlite_master|sqlite_schema|sqlite_sequence|strftime|julianday|rowid|"
    r"autoincrement|insert\s+or\s+(?:replace|ignore)|sqlite:///)\b", re.IGNORECASE)


def _sqlite_leaks(path: Path) -> list[str]:
    where = path.relative_to(PACKAGE.parent)
    leaks = [f"{where}:{line} imports {name}" for line, name in _imports(path)
             if any(name == f or name.startswith(f + ".") for f in SQLITE_IMPORTS)]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):  # `from sqlalchemy.dialects import sqlite`
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy.dialects":
            leaks += [f"{where}:{node.lineno} imports sqlalchemy.dialects.{a.name}" for a in node.names
                      if a.name == "sqlite"]
    for node in ast.walk(tree):  # SQL text in a string, or a SQL function called through `func.`
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "func":
            text = node.attr
        else:
            continue
        if found := SQLITE_SQL.search(text):
            leaks.append(f"{where}:{node.lineno} has SQLite's SQL ({found.group(0)}): {text.strip()[:80]!r}")
    return leaks


def test_only_the_store_knows_the_database_is_sqlite() -> None:
    files = [p for p in sorted(PACKAGE.rglob("*.py")) if (PACKAGE / "store") not in p.parents]
    assert len(files) > 20, "found too few modules to check"
    leaks = [leak for path in files for leak in _sqlite_leaks(path)]
    assert not leaks, "SQLite outside planner/store:\n" + "\n".join(leaks)


def test_the_sqlite_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The check above cannot pass by looking at nothing: each kind of leak it names is found."""
    sample = PACKAGE / "_layering_sample_.py"
    sample.write_text("import sqlite3\nfrom sqlalchemy.dialects import sqlite\n"
                      "from sqlalchemy.dialects.sqlite import insert\n"
                      "q = func.json_extract(col, '$.a')\nconn.execute('PRAGMA user_version')\n", encoding="utf-8")
    try:
        leaks = _sqlite_leaks(sample)
    finally:
        sample.unlink()
    assert len(leaks) == 5, "\n".join(leaks)
