"""The Due Now page makes its lines a batch at a time (ten thousand at ten times the district): every line
still comes, once, under its group, in order, and a new list started meanwhile replaces the old one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTreeWidget

from planner.services.due import due_now
from planner.ui import due_page
from planner.ui.due_page import ITEM_ROLE

TODAY = date(2025, 1, 15)


def shown(tree: QTreeWidget) -> list[tuple[str, str, int]]:
    out = []
    for g in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(g)
        for c in range(group.childCount()):
            line = group.child(c)
            out.append((group.text(0), line.text(0), int(line.data(0, ITEM_ROLE))))
    return out


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    monkeypatch.setattr(due_page, "FILL_BATCH", 4)
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.tabs.setCurrentWidget(w.due)
    return w


def test_every_line_comes_once_under_its_group_in_order(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    everything = due_now(win.store, win.due.plan_id, TODAY)
    assert len(everything) > 3 * due_page.FILL_BATCH
    page = win.due
    qtbot.waitUntil(lambda: len(shown(page.tree)) == len(page.items) == len(everything))
    lines = shown(page.tree)
    assert [index for _g, _t, index in lines] == list(range(len(everything)))
    assert [(g.rsplit(" (", 1)[0], t) for g, t, _i in lines] == [(i.group, i.title[:160]) for i in everything]
    for g in range(page.tree.topLevelItemCount()):
        group = page.tree.topLevelItem(g)
        assert group.text(0).endswith(f"({group.childCount()})")
    last = page.tree.topLevelItem(page.tree.topLevelItemCount() - 1)
    line = last.child(last.childCount() - 1)
    page.tree.itemActivated.emit(line, 0)
    assert everything[-1].key is not None and win.page.current_key() == everything[-1].key


def test_a_new_list_replaces_one_still_being_made(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = win.due
    page.refresh()  # the whole district's list, its first batch made
    assert 0 < len(shown(page.tree)) < len(page.items)
    page.department.setCurrentIndex(page.department.findText("Student Wellness"))
    department = page.department.currentData()
    wellness = due_now(win.store, page.plan_id, TODAY, department)
    qtbot.waitUntil(lambda: len(shown(page.tree)) == len(wellness))
    qtbot.wait(50)  # the old list's batches would have come by now
    assert [t for _g, t, _i in shown(page.tree)] == [i.title[:160] for i in wellness]
