"""The plan document the window owns: the statuses are worked out once and shared by every tab, a logged
value re-judges just its WIG (no whole-plan judgement), a page that is not on screen reads nothing until it
is shown, and undo goes through the same document. Each step checks what the file holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from planner.model import Measurement, Wig
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.document import Changed
from planner.ui.main_window import MainWindow
from planner.ui.plan_tree_model import PlanTreeModel
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

TODAY = date(2025, 1, 15)


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    return w


def logged(w: MainWindow, wig_id: int) -> list[float]:
    with w.store.reader() as s:
        return list(s.scalars(select(Measurement.value).where(Measurement.wig_id == wig_id)))


def test_every_tab_shares_one_judgement_and_a_logged_value_re_judges_only_its_wig(win: MainWindow) -> None:
    for page in (win.due, win.page, win.scoreboard, win.session):
        win.tabs.setCurrentWidget(page)
    assert win.doc.status_computations == 1  # Due Now, the tree, the Scoreboard and the WIG session share it
    key = NodeKey(Kind.WIG, one(win, Wig, sentence="Increase the number of CMS Partners%").id)
    win.tabs.setCurrentWidget(win.page)
    win.page.select(key)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "105", "note": "", "entered_by": "Ana Ruiz"}
    win.page.log_action.trigger()
    assert logged(win, key.id) == [105.0]
    status = win.page.model.index_for(key, PlanTreeModel.COL_STATUS)
    assert "Off track" in status.data()  # far behind 154: the tree says so at once
    win.tabs.setCurrentWidget(win.scoreboard)
    card = next(c for c in win.scoreboard.model.cards if c.wig_id == key.id)
    assert card.chart.progress.status.value == "Off track"
    assert win.doc.status_computations == 1  # the value re-judged its WIG and the owners above it, no more

    win.page.undo_action.trigger()
    assert logged(win, key.id) == []
    assert "Off track" not in (win.page.model.index_for(key, PlanTreeModel.COL_STATUS).data() or "")
    card = next(c for c in win.scoreboard.model.cards if c.wig_id == key.id)  # on screen: redrawn at once
    assert card.chart.progress.status.value != "Off track"


def test_a_page_off_screen_reads_nothing_until_it_is_shown(win: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win.tabs.setCurrentWidget(win.scoreboard)
    calls: list[int] = []
    real = win.scoreboard.refresh
    monkeypatch.setattr(win.scoreboard, "refresh", lambda: (calls.append(1), real())[1])
    win.tabs.setCurrentWidget(win.page)
    key = NodeKey(Kind.WIG, one(win, Wig, sentence="Decrease the chronic%").id)
    win.page.select(key)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "21.6", "note": "", "entered_by": "Ana Ruiz"}
    win.page.log_action.trigger()
    win.doc.notify(Changed(workbook=True))  # an edit the scoreboard does not show
    assert calls == []  # hidden: nothing read
    win.tabs.setCurrentWidget(win.scoreboard)
    assert calls == [1]  # shown: read once, with the value logged meanwhile
    card = next(c for c in win.scoreboard.model.cards if c.wig_id == key.id)
    assert card.latest_text.startswith("21.6%")
    win.tabs.setCurrentWidget(win.page)
    win.tabs.setCurrentWidget(win.scoreboard)
    assert calls == [1]  # nothing changed since: not read again


def test_opening_another_file_clears_the_undo_history_and_the_statuses(win: MainWindow, tmp_path: Path,
                                                                      plan_path: Path) -> None:
    other = tmp_path / "other.planner"
    other.write_bytes(plan_path.read_bytes())  # a copy with nothing logged
    key = NodeKey(Kind.WIG, one(win, Wig, sentence="Decrease the chronic%").id)
    win.tabs.setCurrentWidget(win.scoreboard)
    win.tabs.setCurrentWidget(win.page)
    win.page.select(key)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "21.6", "note": "", "entered_by": "Ana Ruiz"}
    win.page.log_action.trigger()
    assert win.doc.undo_stack.canUndo()
    before = win.doc.status_computations
    assert win.open_path(other)
    assert not win.doc.undo_stack.canUndo()  # undo never reaches into another file
    assert win.store.path == other
    win.tabs.setCurrentWidget(win.scoreboard)
    assert win.doc.status_computations == before + 1  # the new file's statuses, judged once
    card = next(c for c in win.scoreboard.model.cards if c.wig_id == key.id)
    assert card.latest_text == "nothing logged"  # the other file's own statuses, not the first one's
