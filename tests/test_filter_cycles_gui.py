"""Filtering and clearing the filter again and again leaves the tree as it was: every row in its place among
its siblings, and a row clicked after the cycles edits that row in the file, not one a filter had put there."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QLineEdit

from planner.model import Pillar
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from planner.ui.plan_tree_model import PlanTreeModel
from tests.conftest import fetch_one
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


def shown(model: PlanTreeModel) -> list[tuple[NodeKey | None, int, NodeKey | None]]:
    """Every row the model hands the view: its key, its row number and its parent's key, walked as Qt does."""
    found: list[tuple[NodeKey | None, int, NodeKey | None]] = []

    def walk(parent: QModelIndex | QPersistentModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            assert model.parent(index) == (parent if parent.isValid() else QModelIndex())
            found.append((model.key(index), index.row(), model.key(parent)))
            walk(index)

    walk(QModelIndex())
    return found


def type_filter(win: MainWindow, text: str) -> None:
    win.page.filter_edit.setText(text)
    win.page.apply_filter()  # the debounce timer, run now


def test_the_tree_is_the_same_after_filters_come_and_go(win: MainWindow) -> None:
    model = win.page.model
    before = shown(model)
    assert len(before) > 100
    for text in ("s", "st", "strat", "", "a", "absentee", "", "strategic", ""):
        type_filter(win, text)
        if text:
            assert model.matches > 0
            assert len(shown(model)) <= len(before)
            if text == "absentee":
                assert len(shown(model)) < 12
        else:
            assert shown(model) == before
        for key, row, _parent in shown(model):
            assert key is not None and model.index_for(key).row() == row


def test_a_row_clicked_after_filtering_edits_that_row(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = win.page
    for text in ("absentee", "", "strat", ""):
        type_filter(win, text)
    pillar = fetch_one(win, Pillar, code="Oe")
    index = page.model.index_for(NodeKey(Kind.PILLAR, pillar.id), PlanTreeModel.COL_TITLE)
    page.tree.scrollTo(index)
    rect = page.tree.visualRect(index)
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.current_key() == NodeKey(Kind.PILLAR, pillar.id)
    editor = page.form.editors["name"]
    assert isinstance(editor, QLineEdit)
    editor.setText("Operations that serve every school")
    editor.editingFinished.emit()
    assert fetch_one(win, Pillar, code="Oe").name == "Operations that serve every school"
    assert fetch_one(win, Pillar, code="Ae").name == "Academic Excellence"
