"""Plan years in the window, on a clock set to 2026-12-01: the banner says the 2024-25 year has ended, starting
2026-27 from it makes every tab work on 2026-27, undo takes it back, and the closed year is read-only.
Each test checks what the file holds after the clicks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from planner.model import PeriodLock, PlanYear, Wig
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
def window(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    def build(**answers: object) -> MainWindow:
        w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(**answers))
        w.doc.today = lambda: TODAY
        qtbot.addWidget(w)
        assert w.open_path(plan_path)
        return w

    return build


def test_the_banner_offers_the_year_of_today_and_starting_it_moves_every_tab(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = window(dialog=_press_start)
    bar = w.year_bar
    assert bar.isVisibleTo(w) and bar.banner.text().startswith("The 2024-25 plan year ended on 30 June 2025.")
    assert bar.start_button.isVisibleTo(w) and bar.start_button.text() == "Start 2026-27…"
    asked = [i.reason for i in w.due.items if i.group == "Values to log"]
    assert asked and all("2024-25" in r or "2025" in r for r in asked)  # the ended year, as of its last day

    bar.start_button.click()
    dialog = w.prompter.dialogs[-1]
    assert dialog.windowTitle() == "Start 2026-27"
    new_year = fetch_one(w, PlanYear, label="2026-27")
    assert new_year is not None and (new_year.start_date, new_year.end_date) == (date(2026, 7, 1), date(2027, 6, 30))
    assert bar.year is not None and bar.year.label == "2026-27"
    assert not bar.start_button.isVisibleTo(w)
    asked = [i.reason for i in w.due.items if i.group == "Values to log"]
    assert asked and all("2026" in r and "2025" not in r and "2024" not in r for r in asked), asked[:3]
    assert w.due_label.text() == f"{len(w.due.items)} due now"
    # the tree shows the new year's WIGs, not the old year's
    old = fetch_one(w, Wig, sentence="Increase the number of CMS Partners%")
    copy = fetch_one(w, Wig, carried_from_id=old.id)
    assert copy.year_id == new_year.id
    assert w.page.model.index_for(NodeKey(Kind.WIG, copy.id)).isValid()
    assert not w.page.model.index_for(NodeKey(Kind.WIG, old.id)).isValid()

    w.show_node(NodeKey(Kind.WIG, copy.id))  # its form lists the years it was carried through
    assert "Year over year:" in w.page.details_extra.text()
    assert "2024-25: 102 → 154 approved partners by 30 Jun 2025" in w.page.details_extra.text()
    assert "2026-27: 102 → 154" in w.page.details_extra.text()  # nothing logged: the baseline was kept

    w.page.undo_action.trigger()  # Undo Start 2026-27
    assert fetch_one(w, PlanYear, label="2026-27") is None
    assert fetch_one(w, PeriodLock, label="Q1 2024-25") is None
    assert bar.year is not None and bar.year.label == "2024-25"
    w.page.redo_action.trigger()
    assert fetch_one(w, PlanYear, label="2026-27") is not None and bar.year.label == "2026-27"


def test_unticked_wigs_stay_behind_and_the_closed_year_is_read_only(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    def untick_first(dialog) -> bool:  # type: ignore[no-untyped-def]
        first = dialog.tree.topLevelItem(0)
        first.setCheckState(0, Qt.CheckState.Unchecked)
        first.setText(2, "99")  # a new target, typed in the preview
        second = dialog.tree.topLevelItem(1)
        second.setText(3, "6/30/2027")  # a US date
        return _press_start(dialog)

    w = window(dialog=untick_first)
    w.start_year_action.trigger()
    dialog = w.prompter.dialogs[-1]
    year = fetch_one(w, PlanYear, label="2025-26")
    assert year is not None
    skipped, edited = dialog.preview.wigs[0], dialog.preview.wigs[1]
    assert fetch_one(w, Wig, carried_from_id=skipped.id) is None
    carried = fetch_one(w, Wig, carried_from_id=edited.id)
    assert carried is not None and carried.deadline == date(2027, 6, 30) and carried.year_id == year.id
    # 2024-25 is closed: back on it, the tree is read-only and Log Value is off
    w.year_bar.combo.setCurrentIndex(0)
    assert w.year_bar.year.label == "2024-25"
    assert "closed and shown read-only" in w.year_bar.banner.text()
    assert not w.page.writable and w.page.model.read_only
    w.tabs.setCurrentWidget(w.page)
    w.page.select_plan(1)
    assert not w.page.log_action.isEnabled()


def test_a_department_with_no_goals_of_its_own_is_told_so_not_praised(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = window()
    choice = w.due.department
    group = next(i for i in range(choice.count()) if choice.itemText(i).startswith("  All"))
    choice.setCurrentIndex(group)
    assert w.due.items == []
    assert "has no WIGs or performance measures of its own" in w.due.summary.text()
    assert "Well done" not in w.due.summary.text()
