"""The tabs the window does not show first (scoreboard, WIG session, workbook, history) are built when first
shown or first reached: they work the same when first opened, and everything that reaches into them (menus,
shortcuts, links from other pages, my department) works before they are built."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from sqlalchemy import select

from planner.model import Measurement, Project, Wig
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

LAZY = ("scoreboard", "session", "workbook", "changes")
TITLES = ["&Due Now", "&Plan", "&Scoreboard", "WIG Se&ssion", "&Workbook", "&History"]


def opened(qtbot, plan_path: Path, **answers: object) -> MainWindow:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(**answers))
    w.doc.today = lambda: date(2025, 1, 15)
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    return w


def rows(w: MainWindow, model: type) -> list:  # type: ignore[type-arg]
    with w.store.reader() as s:  # type: ignore[union-attr]
        return list(s.scalars(select(model).order_by(model.id)).all())  # type: ignore[attr-defined]


def titles(w: MainWindow) -> list[str]:
    return [w.tabs.tabText(i) for i in range(w.tabs.count())]


def test_the_window_opens_on_due_now_with_the_other_pages_unbuilt(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                  plan_path: Path) -> None:
    w = opened(qtbot, plan_path)
    assert w.tabs.currentWidget() is w.due
    assert [name for name in LAZY if w.is_built(name)] == []
    assert titles(w) == TITLES
    assert w.due_label.text().endswith("due now")  # the Due Now count is shown without opening anything


def test_clicking_a_tab_builds_it_in_place_and_it_shows_the_plan(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                 plan_path: Path) -> None:
    w = opened(qtbot, plan_path)
    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert w.is_built("scoreboard") and not w.is_built("session")
    assert w.tabs.currentWidget() is w.scoreboard and w.tabs.currentIndex() == 2
    assert titles(w) == TITLES  # the page took its placeholder's place and title
    wigs = rows(w, Wig)
    assert w.scoreboard.model.rowCount() > 0
    assert {card.wig_id for card in w.scoreboard.model.cards} <= {wig.id for wig in wigs}
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert w.tabs.currentWidget() is w.scoreboard  # built once, the same page the second time


def test_the_plan_menu_shortcuts_open_unbuilt_tabs(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = opened(qtbot, plan_path)
    for n, name in ((4, "session"), (5, "workbook"), (6, "changes"), (3, "scoreboard")):
        action = w.show_actions[n - 1]
        assert action.shortcut() == QKeySequence(f"Ctrl+{n}")
        action.trigger()
        assert w.is_built(name)
        assert w.tabs.currentIndex() == n - 1 and w.tabs.currentWidget() is getattr(w, name)
    assert w.workbook.projects.rowCount() == len(rows(w, Project))
    assert titles(w) == TITLES


def test_a_link_to_a_project_opens_it_in_the_unbuilt_workbook(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                              plan_path: Path) -> None:
    from planner.store import open_plan_file
    from tests.test_projects import new_project

    store = open_plan_file(plan_path)
    new_project(store, name="Street teams")
    project_id = new_project(store, name="Family nights")
    store.close()
    w = opened(qtbot, plan_path)
    w.show_project(project_id)  # as a project's row on Due Now does
    page = w.workbook
    assert w.tabs.currentWidget() is page
    current = page.table.currentIndex()
    assert current.isValid() and page.projects.rows[page.proxy.mapToSource(current).row()].id == project_id


def test_history_of_the_selected_item_opens_the_unbuilt_history(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                plan_path: Path) -> None:
    w = opened(qtbot, plan_path)
    key = NodeKey(Kind.WIG, one(w, Wig, sentence="Increase the number of CMS Partners%").id)
    w.tabs.setCurrentWidget(w.page)
    w.page.select(key)
    w.prompter.answers["log"] = {"period": "Dec 2024", "value": "105", "note": "", "entered_by": "Ana Ruiz"}
    w.page.log_action.trigger()
    assert len(rows(w, Measurement)) == 1
    assert not w.is_built("changes")
    w.item_history_action.trigger()
    assert w.tabs.currentWidget() is w.changes
    lines = [w.changes.table.topLevelItem(i) for i in range(w.changes.table.topLevelItemCount())]
    assert any("105" in line.text(4) for line in lines if line is not None), [
        line.text(4) for line in lines if line is not None]


def test_export_before_any_other_tab_is_opened(qtbot, qt_isolated: Path, plan_path: Path,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    out = tmp_path / "district.xlsx"
    w = opened(qtbot, plan_path, save_path=out)
    w.export_action.trigger()  # Ctrl+E
    assert w.export_action.shortcut() == QKeySequence("Ctrl+E")
    qtbot.waitUntil(lambda: out.exists(), timeout=60000)
    assert "written:Workbook" in w.prompter.asked
    assert [name for name in LAZY if w.is_built(name)] == []


def test_my_department_reaches_pages_built_later(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.set_my_department("Student Wellness")
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.show()
    assert not w.is_built("scoreboard") and not w.is_built("session")
    w.show_tab("scoreboard")
    assert w.scoreboard.scope_combo.currentText() == "Department: Student Wellness"
    w.show_tab("session")
    assert w.session.department.currentText().startswith("Student Wellness"), w.session.department.currentText()
