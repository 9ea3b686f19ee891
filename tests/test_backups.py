"""Automatic backups: made safely, at most one per half hour, kept on a schedule, restored on request, and
offered when a file is found damaged."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from planner.model import Pillar
from planner.store import backups as bk
from planner.store import open_plan_file


def test_a_backup_is_a_checked_copy_and_at_most_one_per_half_hour(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "Backups" / "plan"
    now = datetime(2025, 1, 15, 9, 0)
    with store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline = "in the backup"
    first = bk.make_backup(store.path, folder, now)  # while the file is open and in WAL mode
    assert first is not None and bk.is_good(first)
    with open_plan_file(first, read_only=True) as copy, copy.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline == "in the backup"
    assert bk.make_backup(store.path, folder, now + timedelta(minutes=20)) is None
    assert bk.make_backup(store.path, folder, now + timedelta(minutes=31)) is not None
    forced = bk.make_backup(store.path, folder, now + timedelta(minutes=31), force=True)
    assert forced is not None and forced.name.endswith("(2).planner")  # same second: a new name
    assert not list(folder.glob("*.partial")) and len(bk.list_backups(folder)) == 3


def test_the_schedule_keeps_daily_weekly_and_monthly_backups() -> None:
    start = datetime(2025, 1, 1, 8)
    taken = [start + timedelta(hours=6 * i) for i in range(4 * 400)]  # four a day for 400 days
    backups = sorted((bk.Backup(Path(f"{t:%Y%m%d%H}"), t) for t in taken), key=lambda b: b.taken, reverse=True)
    kept = bk.keep(backups)
    kept_times = sorted((b.taken for b in backups if b.path in kept), reverse=True)
    assert kept_times[0] == backups[0].taken  # the newest always
    days = {t.date() for t in kept_times}
    months = {(t.year, t.month) for t in kept_times}
    assert len(kept_times) <= 6 + 12 + 10 + 9
    assert len([d for d in days if d > backups[0].taken.date() - timedelta(days=12)]) == 12
    assert len(months) >= 9


def test_pruning_removes_what_the_schedule_drops(tmp_path: Path, plan_path: Path) -> None:
    folder = tmp_path / "Backups" / "plan"
    now = datetime(2025, 1, 15, 9)
    for i in range(40):
        bk.make_backup(plan_path, folder, now - timedelta(days=40 - i))
    names = bk.list_backups(folder)
    assert 12 <= len(names) <= 37 and names[0].taken.date() == (now - timedelta(days=1)).date()


def test_restore_saves_the_current_file_first(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "Backups" / "plan"
    old = bk.make_backup(store.path, folder, datetime(2025, 1, 1, 9))
    with store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline = "edited after the backup"
    path = store.path
    store.close()
    saved = bk.restore(old, path, folder, datetime(2025, 1, 2, 9))
    with open_plan_file(path) as restored, restored.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline == "Empower academic success"
    with open_plan_file(saved, read_only=True) as kept, kept.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline == "edited after the backup"


def test_a_damaged_file_is_set_aside_when_restored(plan_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "Backups" / "plan"
    good = bk.make_backup(plan_path, folder, datetime(2025, 1, 1, 9))
    data = bytearray(plan_path.read_bytes())
    data[4096 * 2: 4096 * 8] = b"\x00" * (4096 * 6)
    plan_path.write_bytes(bytes(data))
    assert not bk.is_good(plan_path) and bk.newest_good(folder).path == good
    bk.restore(good, plan_path, folder, datetime(2025, 1, 2, 9))
    assert bk.is_good(plan_path) and list(folder.glob("*damaged*.bad"))


def test_the_window_backs_up_on_open_and_offers_a_backup_for_a_damaged_file(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                          plan_path: Path) -> None:
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(confirm=True))
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    folder = w.backup_folder(plan_path)
    assert len(bk.list_backups(folder)) == 1  # made on open
    w._close_store()
    data = bytearray(plan_path.read_bytes())
    data[4096 * 2: 4096 * 8] = b"\x00" * (4096 * 6)
    plan_path.write_bytes(bytes(data))
    assert w.open_path(plan_path)  # the newest good backup was offered and restored
    assert any("damaged" in a for a in w.prompter.asked)
    with w.store.reader() as s:
        assert len(s.scalars(select(Pillar)).all()) == 10


def test_restore_from_backup_menu(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    with w.store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline = "after the backup"
    w.restore_action.trigger()
    dialog = w.prompter.dialogs[-1]
    assert dialog.list.topLevelItemCount() == 1 and "62 WIGs" in dialog.list.topLevelItem(0).text(1)
    with w.store.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline == "Empower academic success"
    assert len(bk.list_backups(w.backup_folder(plan_path))) == 2  # the file as it was is a backup now


def test_a_backup_that_cannot_be_copied_is_refused_in_words(store, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    from planner.errors import BackupError

    folder = tmp_path / "backups"
    damaged = tmp_path / "damaged 2026-11-30 120000.planner"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 8000)  # the header of a database, then garbage
    path = store.path
    store.close()
    with pytest.raises(BackupError) as caught:
        bk.restore(damaged, path, folder, datetime(2026, 12, 1, 9, 0))
    assert caught.value.message == ("The copy of “damaged 2026-11-30 120000.planner” could not be made: "
                                    "the file is damaged.")
    assert "malformed" not in str(caught.value) and "not a database" not in str(caught.value)  # the driver's text
    assert caught.value.detail and caught.value.detail in caplog.text  # is in the log instead
    with open_plan_file(path) as again, again.reader() as s:  # the plan file was left as it was
        assert len(s.scalars(select(Pillar)).all()) == 10


def test_restoring_a_damaged_backup_from_the_menu_says_so_and_keeps_the_plan(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, plan_path: Path) -> None:
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    with w.store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline = "kept through a failed restore"
    folder = w.backup_folder(plan_path)
    newest = max(b.taken for b in bk.list_backups(folder)) + timedelta(days=1)
    damaged = folder / f"{plan_path.stem} {newest:{bk.STAMP}}.planner"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 8000)
    w.restore_action.trigger()
    assert Path(w.prompter.dialogs[-1].chosen()) == damaged  # the newest is offered first
    error = w.prompter.errors[-1]
    assert error.message.startswith("The backup could not be restored: The copy of") and "damaged" in error.message
    assert error.message.endswith("could not be made: the file is damaged..")  # words, not "not a database"
    with w.store.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).one().tagline == "kept through a failed restore"
