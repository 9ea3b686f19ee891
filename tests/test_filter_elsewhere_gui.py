"""The filter searches the whole plan: matches the tree does not show (under another department, in another
view) are said in words beside the filter, and one click shows them. Checked through the widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from planner.services.plan_nodes import Kind
from planner.services.plan_outline import View, filter_choices, outline
from planner.ui.main_window import MainWindow
from tests.test_gui import ScriptedPrompter


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    w.tabs.setCurrentWidget(w.page)
    return w


def type_filter(qtbot, w: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    w.page.filter_edit.clear()
    qtbot.keyClicks(w.page.filter_edit, text)
    w.page.apply_filter()  # the debounce timer, run now


def department_id(w: MainWindow, name: str) -> int:
    return next(i for i, n in filter_choices(w.store, w.page.plan.id).departments if n == name)


def test_matches_under_another_department_are_named_and_one_click_away(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = win.page
    page.department_combo.setCurrentIndex(page.department_combo.findData(department_id(win, "Data Strategy")))
    type_filter(qtbot, win, "prospecting")
    assert page.model.matches == 0 and page.match_label.text() == "no matches"
    button = page.elsewhere_button
    assert button.isVisible()
    assert button.text() == "2 more matches in Strategic Partnerships — show them"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert page.department_combo.currentText() == "Strategic Partnerships"
    assert page.model.matches == 2 and page.match_label.text() == "2 matches"
    shown = [page.model.row_for(k).title for k in page.model.matched_keys(10)]
    assert all("Prospecting" in title for title in shown)
    assert not button.isVisible()  # nothing left elsewhere


def test_matches_spread_over_departments_clear_the_picker(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = win.page
    page.department_combo.setCurrentIndex(page.department_combo.findData(department_id(win, "Data Strategy")))
    type_filter(qtbot, win, "partnership")
    hidden = [r for r in outline(win.store, page.plan.id, View.PILLARS) if "partnership" in r.search_text]
    in_data_strategy = [r for r in hidden if department_id(win, "Data Strategy") in r.department_ids]
    outside = len(hidden) - len(in_data_strategy)
    assert page.model.matches == len(in_data_strategy)
    assert page.elsewhere_button.text() == f"{outside} more matches outside the chosen department — show all"
    qtbot.mouseClick(page.elsewhere_button, Qt.MouseButton.LeftButton)
    assert page.department_combo.currentData() is None
    assert page.model.matches == len(hidden)


def test_matches_only_another_view_holds_are_said_and_the_click_switches_view(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = win.page
    assert page.view is View.PILLARS
    type_filter(qtbot, win, "supplier")
    pillars = {r.key for r in outline(win.store, page.plan.id, View.PILLARS)}
    elsewhere = [r for r in outline(win.store, page.plan.id, View.DEPARTMENTS)
                 if "supplier" in r.search_text and r.key not in pillars]
    assert elsewhere and all(r.key.kind is not Kind.GROUP for r in elsewhere)
    n = len(elsewhere)
    assert page.elsewhere_button.isVisible()
    assert page.elsewhere_button.text() == f"{n} more match{'' if n == 1 else 'es'} by department — show them"
    qtbot.mouseClick(page.elsewhere_button, Qt.MouseButton.LeftButton)
    assert page.view is View.DEPARTMENTS and page.filter_edit.text() == "supplier"
    matched = set(page.model.matched_keys(100))
    assert {r.key for r in elsewhere} <= matched
    assert all(page.model.index_for(k).isValid() for k in matched)


def test_nothing_elsewhere_says_nothing(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = win.page
    type_filter(qtbot, win, "absentee")
    shown = {r.key for r in outline(win.store, page.plan.id, View.PILLARS)}
    for view in (View.DIVISIONS, View.DEPARTMENTS):  # every match of the other views is in this one too
        assert all(r.key in shown for r in outline(win.store, page.plan.id, view) if "absentee" in r.search_text)
    assert page.model.matches == 2
    assert not page.elsewhere_button.isVisible()
    type_filter(qtbot, win, "supplier")
    assert page.elsewhere_button.isVisible()
    page.filter_edit.clear()
    page.apply_filter()
    assert not page.elsewhere_button.isVisible()  # no words without a filter
