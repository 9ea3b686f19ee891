"""Files the operating system will not let us change: a read-only plan file, a read-only folder, and a disk
that fills up mid-save. The tests run as root in CI, and root may write anything, so the child process that
opens the file drops to the unprivileged user `nobody` first (the real permission check), and the full disk
is a real file-size limit (RLIMIT_FSIZE) on the child: its writes past the limit fail as on a full disk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.store import open_plan_file

ROOT = Path(__file__).resolve().parents[1]

# Runs in the child: warm every import as the current user (Python's own files may be private to root),
# then become `nobody` (when root) and try the operations, printing one JSON line of what happened.
CHILD = r'''
import json, os, resource, signal, sys, tempfile
from planner.cli import main
from planner.errors import PlannerError
from planner.services import measurements
from planner.services.plan_file import new_plan_file, plan_summaries
from planner.store import open_plan_file
with tempfile.TemporaryDirectory() as warm:
    with new_plan_file(os.path.join(warm, "warm.planner")) as store:
        plan_summaries(store)
    open_plan_file(os.path.join(warm, "warm.planner")).close()  # reads the shipped revisions once
    open_plan_file(os.path.join(warm, "warm.planner"), read_only=True).close()
    main(["log", "--db", os.path.join(warm, "warm.planner"), "--measure", "Chronic absenteeism rate",
          "--period", "Q1 2024-25", "--value", "21"])
path, mode = sys.argv[1], sys.argv[2]
out = {}
if mode == "full-disk":
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
    with open_plan_file(path) as store:
        key = measurements.find_measure(store, "Chronic absenteeism rate")
        measurements.log_value(store, key, "Q1 2024-25", "21")  # fits
        limit = os.path.getsize(path) + os.path.getsize(path + "-wal") + 64 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            measurements.log_value(store, key, "Q2 2024-25", "20", note="x" * 4_000_000)
            out["saved"] = True
        except PlannerError as exc:
            out["error"] = str(exc)
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        out["after"] = [row.value for row in measurements.history(store, key)[1] if row.value is not None]
else:
    if os.geteuid() == 0:
        os.setgid(65534)
        os.setuid(65534)
    try:
        open_plan_file(path).close()
        out["opened"] = "for changes"
    except PlannerError as exc:
        out["error"] = str(exc)
        out["kind"] = type(exc).__name__
    try:
        with open_plan_file(path, read_only=True) as store:
            out["read_only_counts"] = plan_summaries(store)[0].counts.counts["WIGs"]
    except PlannerError as exc:
        out["read_only_error"] = str(exc)
    out["cli"] = main(["log", "--db", path, "--measure", "Chronic absenteeism rate", "--period", "Q1 2024-25",
                       "--value", "21"])
print(json.dumps(out))
'''


def run_child(path: Path, mode: str) -> tuple[dict, str]:
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def shared_dir(default_plan_template: Path) -> Iterator[Path]:
    """A folder `nobody` can reach (pytest's own temporary folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="planner-ro-"))
    folder.chmod(0o755)
    shutil.copyfile(default_plan_template, folder / "plan.planner")
    (folder / "plan.planner").chmod(0o644)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_file_is_named_as_such_opens_read_only_and_is_not_changed(shared_dir: Path) -> None:
    path = shared_dir / "plan.planner"
    path.chmod(0o444)
    shared_dir.chmod(0o777)  # the folder is open to all: only the file is read-only
    before = digest(path)
    found, stderr = run_child(path, "read-only")
    assert found["kind"] == "ReadOnlyPlanFileError"
    assert "“plan.planner” is read-only here: the file's permissions do not allow changes" in found["error"]
    assert found["read_only_counts"] == 62  # still readable
    assert found["cli"] != 0 and "read-only here" in stderr
    assert digest(path) == before


def test_a_file_in_a_read_only_folder_is_named_as_such(shared_dir: Path) -> None:
    path = shared_dir / "plan.planner"
    path.chmod(0o666)  # the file is open to all: only its folder is read-only
    shared_dir.chmod(0o555)
    before = digest(path)
    found, _stderr = run_child(path, "read-only")
    assert found["kind"] == "ReadOnlyPlanFileError" and "does not allow new files" in found["error"]
    assert found["read_only_counts"] == 62  # a view still opens
    assert found["cli"] != 0
    assert digest(path) == before
    assert sorted(p.name for p in shared_dir.iterdir()) == ["plan.planner"]  # no journal, no lock left behind


def test_a_full_disk_refuses_the_save_and_keeps_what_was_saved(tmp_path: Path, plan_path: Path) -> None:
    found, _stderr = run_child(plan_path, "full-disk")
    assert "saved" not in found
    assert found["error"].startswith("The plan file refused the change: the disk ")  # is full / could not be written
    assert "Nothing was changed" in found["error"] and "I/O" not in found["error"]  # words, not the driver's
    assert "disk has space" in found["error"]
    assert found["after"] == [21.0]  # the value saved before the disk filled is there; the refused one is not
    conn = sqlite3.connect(plan_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with open_plan_file(plan_path) as store:  # and the app opens it normally
        assert store.schema_revision() is not None


def test_the_window_offers_a_read_only_view_of_a_read_only_file(qtbot, qt_isolated: Path, plan_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    real_access = os.access
    monkeypatch.setattr("planner.store.os.access",
                        lambda p, mode: False if Path(p) == plan_path and mode & os.W_OK else real_access(p, mode))
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(read_only=True))
    qtbot.addWidget(w)
    assert w.open_path(plan_path) and w.store.read_only
    assert "read_only" in w.prompter.asked and "[read-only]" in w.windowTitle()
