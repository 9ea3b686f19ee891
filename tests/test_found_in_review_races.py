"""Review: real threads (PLANNER_SYNC_TASKS=0) between the document's status refreshes and the pages."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from planner.model import Wig
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from planner.ui.tasks import wait_for_background
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

SYNC = __import__("os").environ.get("REVIEW_SYNC", "0")
TODAY = date(2025, 1, 15)


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(20):
        wait_for_background()
        qtbot.wait(20)


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    monkeypatch.setenv("PLANNER_SYNC_TASKS", SYNC)
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    w.open_path(plan_path)
    qtbot.waitUntil(lambda: w.store is not None, timeout=20000)
    w.resize(1300, 800)
    w.show()
    settle(qtbot)
    yield w
    wait_for_background()


def test_due_now_follows_a_logged_value(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    key = NodeKey(Kind.WIG, one(win, Wig, sentence="Increase the number of CMS Partners%").id)
    win.tabs.setCurrentWidget(win.page)
    win.page.select(key)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "105", "note": "", "entered_by": "Ana Ruiz"}
    win.page.log_action.trigger()
    settle(qtbot)
    status = win.doc.status(win.due.plan_id)
    assert status is not None and status.wigs[key.id].status.value == "Off track"  # the document knows
    off = [i for i in win.due.items if i.group.startswith("Off-track") and i.key == key]
    assert off, "Due Now still shows what was due before the value was logged"


def test_a_value_logged_while_the_statuses_are_worked_out_is_not_lost(win: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from planner.services import status as status_service
    from planner.ui.document import Changed

    real = status_service.plan_status

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)  # read the file as it is now...
        time.sleep(0.8)  # ...and take a large plan's time to hand it back
        return found

    monkeypatch.setattr(status_service, "plan_status", slow)
    key = NodeKey(Kind.WIG, one(win, Wig, sentence="Increase the number of CMS Partners%").id)
    win.tabs.setCurrentWidget(win.page)
    win.page.select(key)
    win.doc.notify(Changed(statuses=True))  # e.g. Status Rules saved: every status judged again, off the GUI thread
    qtbot.wait(200)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "105", "note": "", "entered_by": "Ana Ruiz"}
    win.page.log_action.trigger()  # logged while that judgement is still on its way
    settle(qtbot)
    qtbot.wait(1000)
    settle(qtbot)
    status = win.doc.status(win.page.plan.id)
    assert status is not None
    assert status.wigs[key.id].status.value == "Off track", status.wigs[key.id]
