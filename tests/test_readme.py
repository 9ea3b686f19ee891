"""The README's promises: what Planner is, then exactly two set-up commands, and CI runs the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALL_AND_START = "python -m pip install . && planner"
TEST_COMMAND = "python -m pip install '.[test]' && python -m pytest"


def test_readme_has_exactly_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```\n(.*?)\n```", setup, flags=re.S)
    assert commands == [INSTALL_AND_START, TEST_COMMAND]
    assert readme.index("## Set up") < readme.index("## Using it")
    assert readme.startswith("# Planner\n\nPlanner is a desktop application")


def test_ci_runs_the_readme_test_command_in_a_fresh_venv() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in ci.splitlines()
    assert "python3 -m venv" in ci and "PLANNER_REQUIRE_TOOLS=1" in ci


def test_readme_screenshot_exists() -> None:
    assert (ROOT / "resources" / "screenshots" / "main-window.png").stat().st_size > 10_000


def test_the_console_command_is_the_cli() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'planner = "planner.cli:main"' in pyproject
