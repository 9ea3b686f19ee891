"""Found by the damaged-file property test once the default plan's ties moved its bytes: a zero byte
scribbled into a history record's JSON made `planner export` end in a JSONDecodeError traceback. A damaged
history record is damage to the file: one clear refusal that names it, and the file is not changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_adversarial_plan_files import _scribble, commands, refused, run, snapshot, unchanged


def test_a_scribbled_history_record_is_named_as_damage_not_a_traceback(
        default_plan_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.planner"
    shutil.copyfile(default_plan_template, path)
    _scribble(path, 0.8309702345670387, 1, 0)  # the example hypothesis kept
    before = snapshot(path)
    code, _out, err = run(commands(path, tmp_path)["export"], capsys)
    if code == 0:  # the byte fell where SQLite does not look: nothing to refuse
        pytest.fail("the kept example no longer lands in a history record; find another offset")
    refused(code, err, path.name)
    assert "damaged" in err and "Traceback" not in err
    unchanged(before, snapshot(path), path)
