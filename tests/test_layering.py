"""The core (model, store, services) never imports Qt: the layering rule of the design, checked."""

from __future__ import annotations

import ast
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
