"""The command line loads only what its subcommand runs: no Qt, no charting, no spreadsheet library, and the
migration tools only when the file needs migrating. Each run is a fresh process, as a script's is."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from planner.store import create_plan_file, revisions

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("PySide6", "pyqtgraph", "numpy", "openpyxl", "alembic")

# Runs the command as `planner` does, then says which of the heavy packages the process loaded.
CHILD = f"""
import json, sys
from planner.cli import main
code = main(sys.argv[1:])
print(json.dumps({{"code": code, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def run(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def values_logged(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT period_start, value FROM measurement ORDER BY id").fetchall()


def measure_uuid(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT uuid FROM performance_measure WHERE frequency = 'quarterly' "
                                "ORDER BY id LIMIT 1").fetchone()[0])


def test_planner_log_loads_no_qt_no_workbook_library_and_no_migration_tools(plan_path: Path) -> None:
    measure = measure_uuid(plan_path)
    found = run("log", "--db", str(plan_path), "--measure", measure, "--period", "Q2 2024-25", "--value", "7")
    assert found == {"code": 0, "loaded": []}
    assert values_logged(plan_path) == [("2024-10-01", 7.0)]


@pytest.mark.parametrize("argv", [["check"], ["due"], ["year", "list"]])
def test_reading_subcommands_load_none_of_them(plan_path: Path, argv: list[str]) -> None:
    found = run(*argv, "--db", str(plan_path))
    assert found == {"code": 0, "loaded": []}


def test_export_loads_the_workbook_library_but_no_qt(plan_path: Path, tmp_path: Path) -> None:
    found = run("export", "--db", str(plan_path), "--out", str(tmp_path / "plan.xlsx"))
    assert found["code"] == 0
    assert "openpyxl" in found["loaded"]
    assert not {"PySide6", "pyqtgraph"} & set(found["loaded"])


def test_the_migration_tools_load_when_a_file_needs_migrating(tmp_path: Path) -> None:
    old = tmp_path / "old.planner"
    create_plan_file(old, revision="0006").close()
    found = run("log", "--db", str(old), "--measure", "Attendance", "--period", "Q2 2024-25", "--value", "7")
    # the file holds no plan, so nothing is logged; but it was opened for writing, so first migrated
    assert found == {"code": 1, "loaded": ["alembic"]}
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revisions.head_revision()
    assert list(tmp_path.glob("old.before-upgrade-from-0006-*.planner"))  # after a backup, as always


def test_the_revisions_read_from_the_scripts_are_the_ones_alembic_reads() -> None:
    from planner.store import migrate

    assert revisions.known_revisions() == migrate.known_revisions()
    assert revisions.head_revision() == migrate.head_revision()
