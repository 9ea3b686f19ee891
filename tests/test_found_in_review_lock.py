"""Review: the quarter locked after an export closes the year, and the window does not notice."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from planner.model import Wig
from planner.services import measurements, period_locks, years
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.report import active_plan_id
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one
from tests.test_gui import ScriptedPrompter

TODAY = date(2025, 7, 15)  # the 2024-25 year has just ended; its last quarter Apr-Jun 2025 is still open


def test_locking_the_last_quarter_after_an_export_shows_the_year_closed(qtbot, qt_isolated: Path,
                                                                        plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    wig = fetch_one(w, Wig, sentence="Increase the number of CMS Partners%")
    measurements.log_value(w.store, NodeKey(Kind.WIG, wig.id), "May 2025", "120", outside_year_ok=True)
    for q in ("2024-07-15", "2024-10-15", "2025-01-15"):
        period_locks.lock(w.store, date.fromisoformat(q))
    w._load_years()
    assert not w.year_bar.is_closed() and w.page.writable
    w.prompter.confirm = lambda *a, **k: True  # type: ignore[method-assign]
    w._offer_lock(TODAY)  # what export_workbook's done() does
    plan_id = active_plan_id(w.store)
    assert w.year_bar.year.id in years.closed_years(w.store, plan_id)  # the file says: closed
    assert not w.page.writable, "the plan page still edits a closed year"
