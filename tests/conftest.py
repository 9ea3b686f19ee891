"""Shared fixtures. Qt runs headless; settings and data folders are per test, never the user's own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One calendar for every test and every program a test starts: never the real date (planner/clock.py).
os.environ["PLANNER_TODAY"] = "2026-12-01"
os.environ.setdefault("PLANNER_SYNC_TASKS", "1")  # background work runs inline; one test checks the real thing

from planner.services.plan_file import new_plan_file
from planner.store import PlanStore, open_plan_file

# The district's documents, copied from the shared seeds so a clone with nothing beside it can check the
# default plan against them (tests/data/seeds/README.md says what each file is).
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"


def fetch_one(where_from: object, model: type, **where: object):  # type: ignore[no-untyped-def]
    """The first row of `model` matching `where` (a value with % is a LIKE pattern), read from a store or a
    window's store: what the GUI tests check after the clicks."""
    from sqlalchemy import select

    store = getattr(where_from, "store", where_from)
    with store.reader() as s:  # type: ignore[attr-defined]
        stmt = select(model)
        for name, value in where.items():
            column = getattr(model, name)
            stmt = stmt.where(column.like(value) if isinstance(value, str) and "%" in value else column == value)
        return s.scalars(stmt).first()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_tool(name): needs a Debian tool; a skip fails in CI")


def require_tool(name: str) -> None:
    """Skip when a system tool is missing, except in CI (PLANNER_REQUIRE_TOOLS=1), where that fails."""
    if shutil.which(name):
        return
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required in CI (PLANNER_REQUIRE_TOOLS=1) but is not installed")
    pytest.skip(f"{name} is not installed")


@pytest.fixture(scope="session")
def default_plan_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file with the default plan, built once; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "template.planner"
    new_plan_file(path).close()
    return path


@pytest.fixture
def plan_path(tmp_path: Path, default_plan_template: Path) -> Path:
    path = tmp_path / "plan.planner"
    shutil.copyfile(default_plan_template, path)
    return path


@pytest.fixture
def store(plan_path: Path) -> Iterator[PlanStore]:
    s = open_plan_file(plan_path)
    yield s
    s.close()


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"the district's seed documents are expected at {SEEDS}")
    return SEEDS


@pytest.fixture
def qt_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """QSettings and QStandardPaths pointed into tmp_path, so no test touches a real profile."""
    from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

    from planner import APP_NAME, ORG_NAME

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield home
    QStandardPaths.setTestModeEnabled(False)
