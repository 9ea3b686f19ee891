"""The `planner` command from a terminal: new, check, and their answers to bad input."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from planner.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_new_then_check_prints_every_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "district.planner"
    assert main(["new", "--db", str(path)]) == 0
    assert "Created" in capsys.readouterr().out
    assert main(["check", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Schema version:   0009 (current)" in out
    assert "Integrity check:  ok" in out
    for line in ("pillars:", "priorities:", "strategies:", "WIGs:", "key levers:", "performance measures:",
                 "departments:", "divisions:", "goals:", "focus areas:"):
        assert line in out, line
    assert "  WIGs:                       62" in out
    assert "Strategic Plan 2018: For a Better Tomorrow (archived)" in out


def test_new_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.planner"
    assert main(["new", "--db", str(path), "--empty"]) == 0
    assert main(["check", "--db", str(path)]) == 0
    assert "The file holds no plan." in capsys.readouterr().out


def test_new_refuses_to_overwrite(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = hashlib.sha256(plan_path.read_bytes()).hexdigest()
    assert main(["new", "--db", str(plan_path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert hashlib.sha256(plan_path.read_bytes()).hexdigest() == before


def test_check_reports_a_foreign_file_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "budget.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    assert main(["check", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "budget.xlsx" in err and "not a Planner plan file" in err


def test_check_reports_damage_and_fails(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray(plan_path.read_bytes())
    for offset in range(4096 * 2, 4096 * 10):
        data[offset] = 0
    plan_path.write_bytes(bytes(data))
    assert main(["check", "--db", str(plan_path)]) == 1
    assert "damaged" in capsys.readouterr().err


def test_check_works_while_the_file_is_open_for_writing(store: object, plan_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--db", str(plan_path)]) == 0
    assert "Integrity check:  ok" in capsys.readouterr().out


def test_wrong_arguments_exit_2_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check"])
    assert exited.value.code == 2
    assert "--db" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2


def test_python_dash_m_planner_is_the_same_command(tmp_path: Path) -> None:
    path = tmp_path / "m.planner"
    result = subprocess.run([sys.executable, "-m", "planner", "new", "--db", str(path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    version = subprocess.run([sys.executable, "-m", "planner", "--version"], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
    assert version.stdout.startswith("Planner ")
