"""Review: what the window does once an import has written (window_exchange.applied), on the selected WIG."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from planner.model import Wig
from planner.services import measurements
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.document import EVERYTHING
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter


def test_the_selected_wigs_progress_shows_imported_values(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: date(2025, 1, 15)
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    w.tabs.setCurrentWidget(w.page)
    key = NodeKey(Kind.WIG, one(w, Wig, sentence="Increase the number of CMS Partners%").id)
    w.page.select(key)
    before = [r.value for r in w.page.progress.model.rows if r.value is not None]
    measurements.log_value(w.store, key, "Dec 2024", "105")  # what apply_import writes for this WIG
    w.doc.undo_stack.clear()  # then exactly the steps of applied():
    w.doc.notify(EVERYTHING)
    w.page.reload()
    after = [r.value for r in w.page.progress.model.rows if r.value is not None]
    assert after != before and 105.0 in after, (before, after)


def test_sanity_a_fresh_show_has_it(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: date(2025, 1, 15)
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.show()
    w.tabs.setCurrentWidget(w.page)
    key = NodeKey(Kind.WIG, one(w, Wig, sentence="Increase the number of CMS Partners%").id)
    measurements.log_value(w.store, key, "Dec 2024", "105")
    w.page.select(key)
    assert 105.0 in [r.value for r in w.page.progress.model.rows if r.value is not None]
