"""Opening a plan file: the window shows the plan first and checks every page of the file behind it, off the
GUI thread; damage found then closes the file before anything is written to it and is told in words."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from planner.errors import DamagedPlanFileError
from planner.ui import window_files
from planner.ui.main_window import MainWindow
from tests.test_gui import ScriptedPrompter


def window(qtbot, prompter: ScriptedPrompter) -> MainWindow:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=prompter)
    qtbot.addWidget(w)
    w.show()
    return w


def damage_an_index(path: Path) -> None:
    """An index page of the change history made unreadable: nothing the window shows on opening reads it,
    only the check of every page finds it."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_change_log_actor'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start:start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))


def test_the_plan_is_shown_before_its_pages_are_checked(qtbot, qt_isolated: Path, plan_path: Path,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bool, int]] = []
    real = window_files.check_plan_pages

    def check(path: Path) -> None:
        seen.append((w.store is not None and w.store.path == path, w.page.model.rowCount()))
        real(path)

    monkeypatch.setattr(window_files, "check_plan_pages", check)
    w = window(qtbot, ScriptedPrompter())
    assert w.open_path(plan_path)
    assert seen == [(True, 4)]  # the file open and its tree filled when the check ran
    assert w.store is not None and not w.prompter.errors
    assert "checked" in w.statusBar().currentMessage()


def test_damage_found_after_the_plan_is_shown_closes_it_and_says_so(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                    plan_path: Path) -> None:
    damage_an_index(plan_path)
    before = plan_path.read_bytes()
    w = window(qtbot, ScriptedPrompter(confirm=False))
    w.open_path(plan_path)
    assert w.store is None  # closed: nothing is written to a damaged file
    assert [type(e) for e in w.prompter.errors] == [DamagedPlanFileError]
    message = w.prompter.errors[0].message
    assert message.startswith("“plan.planner” is damaged") and "Traceback" not in message
    assert "backup" in (w.prompter.errors[0].hint or "").lower()
    assert plan_path.read_bytes() == before  # left as it was


def test_damage_found_after_the_plan_is_shown_offers_the_newest_good_backup(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                            plan_path: Path) -> None:
    w = window(qtbot, ScriptedPrompter(confirm=True))
    assert w.open_path(plan_path)  # a good backup is made on open
    w._close_store()
    damage_an_index(plan_path)
    assert w.open_path(plan_path)
    assert any("damaged" in a and "Restore the newest good backup" in a for a in w.prompter.asked)
    assert w.store is not None and not w.prompter.errors  # the backup was restored and opened
    conn = sqlite3.connect(plan_path)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    conn.close()
