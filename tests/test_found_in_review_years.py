"""Review: the year bar changed while the Workbook tab is on screen."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from planner.model import Wig
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.app import data_folder
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one
from tests.test_gui import ScriptedPrompter

TODAY = date(2026, 12, 1)


def _press_start(dialog) -> bool:  # type: ignore[no-untyped-def]
    dialog.start_button.click()
    return True


@pytest.fixture
def w(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(dialog=_press_start))
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    return w


def carried_keys(w: MainWindow) -> set[NodeKey]:
    items = w.workbook.charter.carries.items
    return {items.item(r).data(Qt.ItemDataRole.UserRole) for r in range(items.rowCount())} - {None}


def test_workbook_on_screen_follows_the_year_bar(w: MainWindow) -> None:
    w.year_bar.start_button.click()  # 2026-27 started and shown
    w.tabs.setCurrentWidget(w.workbook)
    new_year = w.year_bar.year
    expected_new = {c.label for c in pj.carry_choices(w.store, w.workbook.plan_id, new_year.id)}
    shown = lambda: {w.workbook.charter.carries.items.item(r).text()  # noqa: E731
                     for r in range(w.workbook.charter.carries.items.rowCount())}
    assert shown() == expected_new
    w.year_bar.combo.setCurrentIndex(0)  # back to 2024-25, the Workbook still on screen
    old_year = w.year_bar.year
    assert old_year.label == "2024-25"
    expected_old = [c for c in pj.carry_choices(w.store, w.workbook.plan_id, old_year.id)]
    old_wig = fetch_one(w, Wig, sentence="Increase the number of CMS Partners%")
    assert any(c.key == NodeKey(Kind.WIG, old_wig.id) for c in expected_old)
    carries = w.workbook.charter.carries
    offered = list(carries.choices) if hasattr(carries, "choices") else None
    # what the picker offers must be the 2024-25 WIGs and key levers
    assert shown() == {c.label for c in expected_old} and expected_old != expected_new, offered
