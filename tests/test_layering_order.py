"""The whole downward order of the house, checked on every module's imports:

    model < store < services < render < ui < cli

A module may import its own layer and those below it, never one above. The shared ground (errors, paths,
the clock, the package's own __init__) sits under all of them. And inside the UI, only the plan document and
the file flows (with the restore dialog they open) reach the store's package: every page reads the open
file through the document."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
ORDER = ["ground", "model", "store", "services", "render", "ui", "cli"]
GROUND = {"planner", "planner.errors", "planner.paths", "planner.clock"}
TOP = {"planner.cli", "planner.cli_years", "planner.__main__", "planner.selftest"}
UI_STORE_DOORS = {"planner.ui.document", "planner.ui.window_files", "planner.ui.restore_dialog"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    if module in GROUND:
        return "ground"
    if module in TOP:
        return "cli"
    second = module.split(".")[1] if module.count(".") >= 1 else ""
    if second in ORDER:
        return second
    raise AssertionError(f"{module} belongs to no layer: place it in tests/test_layering_order.py")


def planner_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "planner"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "planner":
            found.append((node.lineno, node.module))
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def target_layer(imported: str) -> str:
    """The layer of what an import names (a module, or the package whose names it takes)."""
    return layer(imported)


def test_every_module_imports_only_its_own_layer_and_below() -> None:
    upward = []
    for path in modules():
        here = module_name(path)
        mine = ORDER.index(layer(here))
        for line, imported in planner_imports(path):
            theirs = ORDER.index(target_layer(imported))
            if theirs > mine:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({layer(here)}) imports {imported} "
                              f"({target_layer(imported)})")
    assert len(modules()) > 50, "found too few modules: is PACKAGE right?"
    assert not upward, "imports that go up the order model < store < services < render < ui < cli:\n" + \
        "\n".join(upward)


def test_the_ui_reaches_the_store_only_through_the_document() -> None:
    doors = []
    for path in modules():
        here = module_name(path)
        if layer(here) != "ui" or here in UI_STORE_DOORS:
            continue
        doors += [f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}"
                  for line, imported in planner_imports(path) if imported.startswith("planner.store")]
    assert not doors, "UI modules reaching the store's package (go through planner.ui.document):\n" + \
        "\n".join(doors)


def test_the_checks_see_an_upward_import_when_there_is_one(tmp_path: Path) -> None:
    """The walk itself works: an import of the UI from the services is one it reports."""
    probe = tmp_path / "probe.py"
    probe.write_text("from planner.ui.document import PlanDocument\nimport planner.store\n", encoding="utf-8")
    names = [name for _line, name in planner_imports(probe)]
    assert names == ["planner.ui.document", "planner.store"]
    assert ORDER.index(target_layer(names[0])) > ORDER.index(layer("planner.services.status"))
