"""Review: the first start asked while the file is still opening off the GUI thread (as run_gui does)."""
from __future__ import annotations

from pathlib import Path

from planner.ui.main_window import MainWindow
from planner.ui.tasks import wait_for_background
from tests.test_gui import ScriptedPrompter


def test_first_start_offers_departments_when_the_file_opens_in_the_background(
        qtbot, qt_isolated: Path, plan_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    monkeypatch.setenv("PLANNER_SYNC_TASKS", "0")
    seen: list[int] = []

    def look(dialog) -> bool:  # type: ignore[no-untyped-def]
        seen.append(dialog.department.count())
        return False

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(dialog=look))
    qtbot.addWidget(w)
    assert w.open_path(plan_path)  # what create_main_window does for a file that exists
    w.show()
    w.ask_who_you_are()  # what run_gui does next
    wait_for_background()
    qtbot.waitUntil(lambda: w.store is not None, timeout=20000)
    assert seen and seen[0] > 1, f"departments offered: {seen}"
