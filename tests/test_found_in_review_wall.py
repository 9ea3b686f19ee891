"""Review: the wall scoreboard (its own window) while the desk tab shows the plan."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from planner.model import Wig
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter


def test_wall_follows_values_logged_on_the_plan_tab(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: date(2025, 1, 15)
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    w.tabs.setCurrentWidget(w.scoreboard)
    wall = w.scoreboard.show_wall()  # on the meeting room's screen
    key = NodeKey(Kind.WIG, one(w, Wig, sentence="Increase the number of CMS Partners%").id)
    w.tabs.setCurrentWidget(w.page)  # the lead goes back to the plan to log this week's value
    w.page.select(key)
    w.prompter.answers["log"] = {"period": "Dec 2024", "value": "105", "note": "", "entered_by": "Ana Ruiz"}
    w.page.log_action.trigger()
    assert wall.isVisible()
    card = next(c for c in w.scoreboard.model.cards if c.wig_id == key.id)
    assert card.chart.progress.status.value == "Off track", card.chart.progress.status
