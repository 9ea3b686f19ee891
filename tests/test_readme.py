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


def test_installer_reads_name_and_version_from_one_place() -> None:
    spec = (ROOT / "installer" / "planner.spec").read_text(encoding="utf-8")
    assert 'tomllib.loads((ROOT / "pyproject.toml")' in spec and "console=False" in spec
    assert "COLLECT(" in spec  # one folder, never one file
    iss = (ROOT / "installer" / "planner.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in iss and "AppId={{6F1C2B7E-4B0A-4E3B-9C5D-2A8E7F31D4C9}" in iss
    assert "AppVersion={#AppVersion}" in iss and "[UninstallDelete]" not in iss.split("; Nothing in")[0]
    ps1 = (ROOT / "installer" / "build.ps1").read_text(encoding="utf-8")
    assert "pyproject.toml" in ps1 and "--self-test" in ps1 and "signtool" in ps1
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash installer/build.sh" in ci


def test_self_test_passes_from_source(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "planner", "--self-test"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300,
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen",
                                 "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Self-test passed" in result.stdout and "main window with the plan tree" in result.stdout
