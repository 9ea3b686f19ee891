"""The type checker runs with the tests: mypy, configured in pyproject.toml ([tool.mypy]: strict on the core,
every body checked in the UI), must find nothing. Its cache is .mypy_cache in the repository (gitignored), so a
second run checks only what changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_type_errors() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, env=env,
                            timeout=900)
    assert result.returncode == 0, f"mypy found type errors:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout, result.stdout + result.stderr
