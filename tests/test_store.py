"""The plan file on disk: pragmas, transactions, every kind of bad file, the writer lock."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from planner.errors import (
    BackupError,
    DamagedPlanFileError,
    NewerPlanFileError,
    NotAPlanFileError,
    PlanFileExistsError,
    PlanFileLockedError,
    PlanFileNotFoundError,
    ReadOnlyError,
    SaveError,
)
from planner.model import Pillar, Wig
from planner.services.plan_file import new_plan_file
from planner.store import APPLICATION_ID, PlanStore, backup_file, create_plan_file, open_plan_file
from planner.store.location import _posix_fs_type, risky_location


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_connections_have_the_agreed_pragmas(store: PlanStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert conn.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID
    assert store.journal_mode == "wal"


def test_a_failed_action_writes_nothing(store: PlanStore) -> None:
    with store.reader() as s:
        before = s.scalar(select(func.count(Pillar.id)))
        name = s.scalars(select(Pillar).order_by(Pillar.id)).first().name
    with pytest.raises(RuntimeError), store.session() as s:
        s.scalars(select(Pillar).order_by(Pillar.id)).first().name = "changed"
        s.add(Pillar(plan_id=1, code="Xe", name="half-written"))
        s.flush()
        raise RuntimeError("the user's action failed half-way")
    with store.reader() as s:
        assert s.scalar(select(func.count(Pillar.id))) == before
        assert s.scalars(select(Pillar).order_by(Pillar.id)).first().name == name


def test_foreign_keys_are_enforced(store: PlanStore) -> None:
    with pytest.raises(SaveError, match="refers to an item that is no longer in the plan"), store.session() as s:
        s.execute(text("INSERT INTO key_lever (uuid, created_at, updated_at, wig_id, position, text) "
                       "VALUES ('00000000000000000000000000000001', '2025-01-01', '2025-01-01', 999999, 0, 'x')"))


def test_read_only_store_refuses_changes(plan_path: Path) -> None:
    before = digest(plan_path)
    ro = open_plan_file(plan_path, read_only=True)
    try:
        with pytest.raises(ReadOnlyError), ro.session() as s:
            s.scalars(select(Wig)).first().sentence = "edited"
    finally:
        ro.close()
    assert digest(plan_path) == before


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (b"", NotAPlanFileError, "empty (0 bytes)"),
        (b"PK\x03\x04 this is a zip, perhaps a workbook", NotAPlanFileError, "not a Planner plan file"),
        (bytes(range(256)) * 64, NotAPlanFileError, "not a Planner plan file"),
        (b"Name,Target\nWIG,100\n", NotAPlanFileError, "not a Planner plan file"),
    ],
)
def test_foreign_files_are_refused_and_left_alone(tmp_path: Path, content: bytes, error: type[Exception],
                                                  words: str) -> None:
    path = tmp_path / "plan.planner"
    path.write_bytes(content)
    before = digest(path)
    with pytest.raises(error) as caught:
        open_plan_file(path)
    assert words in str(caught.value) and "plan.planner" in str(caught.value)
    assert digest(path) == before
    assert not (tmp_path / "plan.planner.lock").exists() or _unlocked(path)


def _unlocked(path: Path) -> bool:
    # The lock was released: a second open attempt gets the same content error, not "in use".
    with pytest.raises(NotAPlanFileError):
        open_plan_file(path)
    return True


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('x')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(NotAPlanFileError, match="is a database, but not a Planner plan file"):
        open_plan_file(path)
    assert digest(path) == before


def test_a_damaged_file_is_named_and_left_alone(plan_path: Path) -> None:
    data = bytearray(plan_path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 12)):  # trash several b-tree pages, keep the header
        data[offset] = 0xA5
    plan_path.write_bytes(bytes(data))
    before = digest(plan_path)
    with pytest.raises(DamagedPlanFileError, match=r"plan\.planner"):
        open_plan_file(plan_path)
    assert digest(plan_path) == before


def test_a_truncated_file_is_damaged(plan_path: Path) -> None:
    data = plan_path.read_bytes()
    plan_path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DamagedPlanFileError):
        open_plan_file(plan_path)


def test_a_file_from_a_newer_planner_is_refused(plan_path: Path) -> None:
    conn = sqlite3.connect(plan_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = digest(plan_path)
    with pytest.raises(NewerPlanFileError, match="newer version of Planner") as caught:
        open_plan_file(plan_path)
    assert "Install the latest Planner" in str(caught.value)
    assert digest(plan_path) == before


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(PlanFileNotFoundError):
        open_plan_file(tmp_path / "nope.planner")
    with pytest.raises(NotAPlanFileError, match="is a folder"):
        open_plan_file(tmp_path)


def test_create_never_overwrites(plan_path: Path) -> None:
    before = digest(plan_path)
    with pytest.raises(PlanFileExistsError, match="will not overwrite"):
        create_plan_file(plan_path)
    with pytest.raises(PlanFileExistsError):
        new_plan_file(plan_path)
    assert digest(plan_path) == before


def test_second_writer_in_the_same_process_is_refused(store: PlanStore) -> None:
    with pytest.raises(PlanFileLockedError, match="already open in another Planner window"):
        open_plan_file(store.path)
    viewer = open_plan_file(store.path, read_only=True)  # but a read-only view works
    try:
        with viewer.reader() as s:
            assert s.scalar(select(func.count(Wig.id))) == 62
    finally:
        viewer.close()


def test_lock_is_released_on_close(plan_path: Path) -> None:
    open_plan_file(plan_path).close()
    open_plan_file(plan_path).close()


def test_second_process_is_refused_and_the_file_stays_whole(store: PlanStore) -> None:
    with store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline = "written by the first window"
    script = textwrap.dedent(f"""
        import sys
        from planner.errors import PlanFileLockedError
        from planner.store import open_plan_file
        try:
            open_plan_file({str(store.path)!r})
        except PlanFileLockedError as exc:
            print("LOCKED:", exc)
            sys.exit(3)
        sys.exit(0)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 3, result.stdout + result.stderr
    assert "already open" in result.stdout
    with store.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline == "written by the first window"


def test_lock_dies_with_a_killed_process(plan_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal, sys
        from planner.store import open_plan_file
        store = open_plan_file({str(plan_path)!r})
        print("OPEN", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[1])
    assert "OPEN" in result.stdout
    open_plan_file(plan_path).close()  # no stale lock


def test_save_copy_is_a_whole_consistent_file(store: PlanStore, tmp_path: Path) -> None:
    with store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Oe")).one().tagline = "latest edit"
    copy = store.save_copy(tmp_path / "copy.planner")
    with open_plan_file(copy) as c, c.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Oe")).one().tagline == "latest edit"
    with pytest.raises(PlanFileExistsError):
        store.save_copy(store.path)


def test_backup_file_leaves_no_partial_file_on_failure(tmp_path: Path) -> None:
    bad = tmp_path / "bad.planner"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="could not be made: the file is damaged"):
        backup_file(bad, tmp_path / "out.planner")
    assert not (tmp_path / "out.planner").exists() and not (tmp_path / "out.planner.partial").exists()


@pytest.mark.parametrize("folder", ["OneDrive", "OneDrive - Charlotte-Mecklenburg Schools", "Dropbox",
                                    "Google Drive"])
def test_cloud_folders_are_flagged(tmp_path: Path, folder: str) -> None:
    reason = risky_location(tmp_path / folder / "plan.planner")
    assert reason and "cloud-synced" in reason and folder in reason


def test_local_folders_are_not_flagged(tmp_path: Path) -> None:
    assert risky_location(tmp_path / "plan.planner") is None


def test_network_mounts_are_recognised(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\nserver:/export /mnt/share nfs4 rw 0 0\n"
                      "//srv/dept /mnt/dept\\040plans cifs rw 0 0\n")
    assert _posix_fs_type(Path("/mnt/share/plans/x.planner"), mounts) == "nfs4"
    assert _posix_fs_type(Path("/mnt/dept plans/x.planner"), mounts) == "cifs"
    assert _posix_fs_type(Path("/home/me/x.planner"), mounts) == "ext4"


def test_a_value_the_database_refuses_is_named_in_words_and_nothing_is_written(store: PlanStore) -> None:
    """A rule the form would have enforced, broken by a path that skipped it: the person reads which rule,
    not the driver's 'CHECK constraint failed'."""
    from planner.model import KeyLever, Project

    with store.reader() as s:
        lever = s.scalars(select(KeyLever.id)).first()
        before = s.scalar(select(func.count(Project.id)))
    with pytest.raises(SaveError) as caught, store.session() as s:
        s.add(Project(name="Too far", key_lever_id=lever, percent_complete=250))
    assert caught.value.message == ("The plan file refused the change: a value is outside what the plan allows "
                                    "(the rule “project percent”). Nothing was changed.")
    assert "constraint" not in str(caught.value) and "ck_project_percent" in caught.value.detail
    with store.reader() as s:
        assert s.scalar(select(func.count(Project.id))) == before
