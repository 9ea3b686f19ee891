"""The WIG form (issue 18): a department's goal is tied to its district strategy with a searchable picker,
saved with undo like every other field; and the goal's numbers disagreeing with its sentence are said in
words beside the fields, never refused. Each test checks the file after the clicks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from planner.errors import ValidationError
from planner.model import Strategy, Wig
from planner.services import plan_edit
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import View
from planner.services.wig_parser import disagreements
from planner.ui.main_window import MainWindow
from planner.ui.plan_form import StrategyField
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    w = MainWindow(data_dir=data_folder(), settings=settings, prompter=ScriptedPrompter())
    w.doc.today = lambda: date(2025, 1, 15)
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1366, 768)
    w.show()
    return w


def _form_for(w: MainWindow, wig_id: int) -> StrategyField:
    w.tabs.setCurrentWidget(w.page)
    w.page.select_plan(w.page.plan.id, View.DEPARTMENTS)  # a department's own goals live here
    w.page.select(NodeKey(Kind.WIG, wig_id))
    assert w.page.form.key == NodeKey(Kind.WIG, wig_id)
    field = w.page.form.editors["strategy_id"]
    assert isinstance(field, StrategyField)
    return field


def test_a_department_goal_shows_its_strategy_and_is_tied_by_finding_it(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    edtech = one(win, Wig, sentence="Increase school-level Technology Contact%")
    field = _form_for(win, edtech.id)
    # tied in the default plan: the form shows the strategy and its whole statement
    oe2003 = one(win, Strategy, code="Oe 2.003")
    assert field.current() == oe2003.id
    assert "device life cycle replacement protocol" in field.statement.text()
    assert field.statement.text().startswith("Strategy Oe 2.003:")

    # found by words in the finder, chosen from its list: saved at once
    completer = field.finder.completer()
    completer.setCompletionPrefix("cybersecurity infrastructure")
    found = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert len(found) == 1 and found[0].startswith("Strategy Oe 2.001:")
    completer.activated.emit(found[0])
    oe2001 = one(win, Strategy, code="Oe 2.001")
    assert one(win, Wig, id=edtech.id).strategy_id == oe2001.id
    assert one(win, Wig, id=edtech.id).department_id == edtech.department_id  # still its department's
    assert win.page.undo_action.text() == "&Undo Edit WIG strategy id"
    win.page.undo_action.trigger()
    assert one(win, Wig, id=edtech.id).strategy_id == oe2003.id
    win.page.redo_action.trigger()
    assert one(win, Wig, id=edtech.id).strategy_id == oe2001.id


def test_an_untied_goal_is_tied_from_the_list_and_untied_again(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    title_ix = one(win, Wig, sentence="Implement and monitor a standardized screening%")
    assert title_ix.strategy_id is None  # no strategy page speaks to it
    field = _form_for(win, title_ix.id)
    assert field.current() is None and field.picker.currentText() == "(no strategy)"
    assert field.statement.isHidden()
    picker = field.picker
    row = next(r for r in range(picker.count()) if str(picker.itemText(r)).startswith("Ae 5.005:"))
    picker.setCurrentIndex(row)
    picker.activated.emit(row)  # what a click on the line does
    tied = one(win, Wig, id=title_ix.id)
    assert tied.strategy_id == one(win, Strategy, code="Ae 5.005").id and tied.department_id == title_ix.department_id
    field = win.page.form.editors["strategy_id"]  # the tree regrouped: the form was shown again
    assert isinstance(field, StrategyField) and field.picker.currentText().startswith("Ae 5.005:")
    field.picker.setCurrentIndex(0)
    field.picker.activated.emit(0)  # "(no strategy)"
    assert one(win, Wig, id=title_ix.id).strategy_id is None


def test_a_strategy_goal_of_no_department_cannot_be_untied(store) -> None:  # type: ignore[no-untyped-def]
    with store.reader() as s:
        wig = s.query(Wig).filter(Wig.sentence.like("Decrease the chronic%")).one()
        key, strategy = NodeKey(Kind.WIG, wig.id), wig.strategy_id
    with pytest.raises(ValidationError) as refused:
        plan_edit.update_node(store, key, {"strategy_id": None})
    assert refused.value.field == "strategy_id" and "department" in refused.value.message
    with pytest.raises(ValidationError):
        plan_edit.update_node(store, key, {"strategy_id": "Ae 5.003"})  # a code typed, not a row
    assert plan_edit.node_values(store, key)["strategy_id"] == strategy


def test_numbers_that_disagree_with_the_sentence_are_said_not_refused(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    wig = one(win, Wig, sentence="Increase the replacement of wireless access points%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select_plan(win.page.plan.id, View.DEPARTMENTS)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    form = win.page.form
    assert form.key == NodeKey(Kind.WIG, wig.id)
    warning = form.findChild(QLabel, "numbers_disagree")
    assert warning is not None and warning.isHidden()  # the default plan agrees with its sentences
    target = form.editors["target"]
    target.setFocus()
    target.selectAll()
    qtbot.keyClicks(target, "90")
    qtbot.keyClick(target, Qt.Key.Key_Tab)
    assert one(win, Wig, id=wig.id).target == 90  # saved: a correction may be on purpose
    assert not warning.isHidden()
    assert warning.text() == "⚠ Target is 90, but the goal as written says 100."
    form.use_parsed.click()  # the sentence's numbers again
    assert one(win, Wig, id=wig.id).target == 100 and warning.isHidden()


def test_the_rule_compares_only_what_the_sentence_says() -> None:
    sentence = "Increase family engagement PD attendance from 48% to 75% trained staff by June 2025."
    agree = {"baseline": 48.0, "target": 75.0, "deadline": date(2025, 6, 30)}
    assert disagreements(sentence, agree) == []
    assert disagreements(sentence, agree | {"baseline": None, "deadline": date(2025, 5, 31)}) == [
        "Baseline is empty, but the goal as written says 48.",
        "Deadline is 31 May 2025, but the goal as written says 30 Jun 2025."]
    lone = "100% of 8th and 10th grade students will create a Career Development Plan by June 2025."
    assert disagreements(lone, {"baseline": 12.0, "target": 100.0, "deadline": date(2025, 6, 30)}) == []
    assert disagreements("Launch the new portal by March 2025.", {"deadline": date(2025, 3, 31)}) == []


def test_headings_name_the_department_and_the_strategy_never_the_word(win) -> None:  # type: ignore[no-untyped-def]
    from planner.model import Department

    edtech = one(win, Wig, sentence="Increase school-level Technology Contact%")
    _form_for(win, edtech.id)
    assert win.page.form.heading.text() == "WIG 1 · Educational Technology"
    dept = one(win, Department, name="Educational Technology")
    win.page.select(NodeKey(Kind.DEPARTMENT, dept.id))
    assert win.page.form.heading.text() == "Department: Educational Technology"
    # the same goal where its strategy lists it: after the strategy's own goal
    win.page.select_plan(win.page.plan.id, View.PILLARS)
    win.page.select(NodeKey(Kind.WIG, edtech.id))
    assert win.page.form.heading.text() == "WIG 2 · Oe 2.003"
    for text in ("Department Department", "· Department", "WIG 1 · Department"):
        assert text not in win.page.form.heading.text()
