"""Logging values, the history table, the chart data, the scoreboard and the status rules through the
widgets; each test checks what the file holds afterwards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import func, select

from planner.model import InterimTarget, Measurement, PerformanceMeasure, Plan, Wig
from planner.services import measurements as ms
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.document import Changed
from planner.ui.main_window import MainWindow
from planner.ui.plan_tree_model import PlanTreeModel
from planner.ui.progress_panel import HistoryModel
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



def values(w: MainWindow, **where: object) -> list[tuple]:
    with w.store.reader() as s:
        stmt = select(Measurement.period_start, Measurement.value, Measurement.done, Measurement.note)
        for name, value in where.items():
            stmt = stmt.where(getattr(Measurement, name) == value)
        return list(s.execute(stmt.order_by(Measurement.period_start)))


def absentee(w: MainWindow) -> NodeKey:
    return NodeKey(Kind.WIG, one(w, Wig, sentence="Decrease the chronic%").id)


def test_log_a_value_through_the_dialog_with_undo(win: MainWindow) -> None:
    key = absentee(win)
    win.page.select(key)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "21.6", "note": "after street teams",
                                   "entered_by": "Ana Ruiz"}
    win.page.log_action.trigger()
    assert win.prompter.saved
    assert values(win, wig_id=key.id) == [(date(2024, 12, 1), 21.6, None, "after street teams")]
    status = win.page.model.index_for(key, PlanTreeModel.COL_STATUS).data()
    assert status == "● On track"
    assert win.page.undo_action.text() == "&Undo Log Value Dec 2024"
    win.page.undo_action.trigger()
    assert values(win, wig_id=key.id) == []
    win.page.redo_action.trigger()
    assert values(win, wig_id=key.id)[0][1] == 21.6
    from PySide6.QtCore import QSettings

    assert QSettings().value("user/name") == "Ana Ruiz"  # remembered for next time


def test_the_dialog_says_what_is_wrong_and_writes_nothing(win: MainWindow) -> None:
    key = absentee(win)
    win.page.select(key)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "120"}
    win.page.log_action.trigger()
    assert not win.prompter.saved
    assert "outside 0 to 100" in win.prompter.dialog.error.text() and win.prompter.dialog.error.isVisibleTo(
        win.prompter.dialog)
    win.prompter.answers["log"] = {"period": "Dec 2024", "value": "about twenty"}
    win.page.log_action.trigger()
    assert "not a number" in win.prompter.dialog.error.text()
    assert values(win, wig_id=key.id) == [] and win.page.undo_stack.count() == 0


def test_a_second_value_asks_before_replacing(win: MainWindow) -> None:
    key = absentee(win)
    ms.log_value(win.store, key, "2024-12", "22")
    win.page.select(key)
    win.prompter.answers.update(log={"period": "Dec 2024", "value": "21"}, confirm=False)
    win.page.log_action.trigger()
    assert "already has a value (22%)" in win.prompter.asked[-1]
    assert values(win, wig_id=key.id)[0][1] == 22
    win.prompter.answers["confirm"] = True
    win.page.log_action.trigger()
    assert values(win, wig_id=key.id)[0][1] == 21
    win.page.undo_action.trigger()
    assert values(win, wig_id=key.id)[0][1] == 22


def test_history_table_edit_target_and_delete_with_undo(win: MainWindow) -> None:
    measure = one(win, PerformanceMeasure, name="Chronic absenteeism rate")
    key = NodeKey(Kind.MEASURE, measure.id)
    ms.log_value(win.store, key, "Q2 2024-25", "22")
    win.page.select(key)
    win.page.tabs.setCurrentIndex(1)
    panel = win.page.progress
    assert [panel.model.rows[i].period.label for i in range(4)] == ["Q1 2024-25", "Q2 2024-25", "Q3 2024-25",
                                                                    "Q4 2024-25"]
    proxy = panel.proxy
    q2_actual = proxy.index(1, HistoryModel.COL_ACTUAL)
    assert q2_actual.data() == "22%"
    assert proxy.setData(q2_actual, "21.5")
    assert values(win, measure_id=measure.id)[0][1] == 21.5
    win.page.undo_action.trigger()
    assert values(win, measure_id=measure.id)[0][1] == 22
    q3_target = proxy.index(2, HistoryModel.COL_TARGET)
    proxy.setData(q3_target, "21")
    with win.store.reader() as s:
        assert s.scalar(select(InterimTarget.value).where(InterimTarget.measure_id == measure.id)) == 21
    q1_actual = proxy.index(0, HistoryModel.COL_ACTUAL)  # an empty period: typing logs it
    proxy.setData(q1_actual, "23")
    assert [v[1] for v in values(win, measure_id=measure.id)] == [23, 22]
    panel.table.setCurrentIndex(proxy.index(1, 0))
    panel.delete_button.click()
    assert [v[1] for v in values(win, measure_id=measure.id)] == [23]
    win.page.undo_action.trigger()
    assert [v[1] for v in values(win, measure_id=measure.id)] == [23, 22]
    proxy.sort(HistoryModel.COL_ACTUAL, Qt.SortOrder.DescendingOrder)  # native sort: numbers, not text
    assert proxy.index(0, HistoryModel.COL_ACTUAL).data() == "23%"
    # the current cell follows its row through a sort; the header's sort holds when the rows are read again
    panel.table.setCurrentIndex(proxy.index(1, HistoryModel.COL_ACTUAL))
    assert panel.table.currentIndex().data() == "22%"
    panel.table.sortByColumn(HistoryModel.COL_ACTUAL, Qt.SortOrder.AscendingOrder)  # empty periods first
    assert [proxy.index(r, HistoryModel.COL_ACTUAL).data() for r in range(4)] == ["", "", "22%", "23%"]
    assert panel.table.currentIndex().row() == 2 and panel.table.currentIndex().data() == "22%"
    panel.table.sortByColumn(HistoryModel.COL_PERIOD, Qt.SortOrder.DescendingOrder)
    assert proxy.setData(proxy.index(0, HistoryModel.COL_ACTUAL), "24")  # Q4, empty: typing logs it
    assert [v[1] for v in values(win, measure_id=measure.id)] == [23, 22, 24]
    assert [proxy.index(r, HistoryModel.COL_PERIOD).data() for r in range(4)] == [
        "Q4 2024-25", "Q3 2024-25", "Q2 2024-25", "Q1 2024-25"]
    assert proxy.index(0, HistoryModel.COL_ACTUAL).data() == "24%"


def test_chart_data_and_hover_text(win: MainWindow) -> None:
    key = absentee(win)
    for period, value, note in [("2024-09", "22.6", ""), ("2024-10", "22.2", "street teams started"),
                                ("2024-12", "21.7", "")]:
        ms.log_value(win.store, key, period, value, note=note)
    win.page.select(key)
    chart = win.page.progress.chart
    data = chart.data
    assert [p.value for p in data.points] == [22.6, 22.2, 21.7]
    assert data.path == [(date(2024, 7, 1), 23.35), (date(2025, 6, 30), 20.0)]
    assert data.target == 20 and data.deadline == date(2025, 6, 30)
    assert data.forecast and data.forecast[0] == (date(2024, 12, 31), 21.7)
    assert chart.tip(1) == "22.2% for the period ending 31 Oct 2024\nstreet teams started"
    assert "On track" in win.page.progress.status_label.text()


def test_scoreboard_whole_district_and_one_department(win: MainWindow, tmp_path: Path) -> None:
    ms.log_value(win.store, absentee(win), "2024-12", "21.6")
    win.doc.notify(Changed(nodes=frozenset({absentee(win)})))  # as the Log Value dialog does
    win.tabs.setCurrentWidget(win.scoreboard)
    board = win.scoreboard
    assert board.model.rowCount() == 62
    first = board.model.cards[0]
    assert first.code == "Ae 1.004 · WIG 1"
    on_track = [c for c in board.model.cards if c.chart.progress.status.value == "On track"]
    assert len(on_track) == 1 and on_track[0].latest_text == "21.6% (31 Dec 2024)"
    board.select_scope("Department: Student Wellness")
    assert board.model.rowCount() == 7
    board.select_scope("Pillar Ee")
    # Ee 3.003's own goal is cut from its page; it holds Customer and Administrator Services' goal, tied to it
    assert {c.code.split(" ·")[0] for c in board.model.cards} == {"Ee 1.002", "Ee1 (no code)", "Ee2 (no code)",
                                                                  "Ee 3.003", "Ee 4.002"}
    board.select_scope("Whole district")
    image = board.grab()
    assert image.save(str(tmp_path / "scoreboard.png"))
    index = board.model.index(on_track_row := board.model.cards.index(on_track[0]))
    board.view.activated.emit(index)
    assert on_track_row >= 0 and win.tabs.currentWidget() is win.page
    assert win.page.current_key() == absentee(win)


def test_status_rules_dialog(win: MainWindow) -> None:
    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.rule.setCurrentIndex(dialog.rule.findData("weighted"))
        dialog.on_track.setValue(10)
        assert "weighted share" in dialog.explain.text()

    win.prompter.answers["rules"] = answer
    win.rules_action.trigger()
    plan = one(win, Plan, archived=False)
    assert (plan.rollup_rule, plan.on_track_tolerance) == ("weighted", 0.1)


def test_weight_is_edited_on_the_wig_form(win: MainWindow) -> None:
    key = absentee(win)
    win.page.select(key)
    editor = win.page.form.editors["weight"]
    editor.setText("0")
    editor.editingFinished.emit()
    assert "more than 0" in win.page.form.visible_errors()["weight"]
    editor.setText("3")
    editor.editingFinished.emit()
    assert one(win, Wig, id=key.id).weight == 3


def test_log_is_reachable_from_the_tree_form_and_keyboard(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    measure = one(win, PerformanceMeasure, name="Chronic absenteeism rate")
    win.page.select(NodeKey(Kind.MEASURE, measure.id))
    assert win.page.log_action.isEnabled() and win.page.log_action.shortcut().toString() == "Ctrl+L"
    win.prompter.answers["log"] = {"period": "Q2 2024-25", "value": "22"}
    win.page.tree.setFocus()
    qtbot.keyClick(win.page.tree, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert values(win, measure_id=measure.id)[0][1] == 22
    win.page.progress.log_button.click()  # the Progress tab's button
    win.page.form.findChild(QPushButton, "form_log_value").click()  # and the Details form's
    assert win.prompter.asked.count("log_value") == 3
    with win.store.reader() as s:
        assert s.scalar(select(func.count(Measurement.id))) == 1


def test_statuses_are_computed_off_the_gui_thread(win: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from planner.services import status as status_service

    ms.log_value(win.store, absentee(win), "2024-12", "21.6")
    monkeypatch.setenv("PLANNER_SYNC_TASKS", "0")
    threads: list[str] = []
    real = status_service.plan_status

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(status_service, "plan_status", recording)
    win.doc.notify(Changed(statuses=True))  # every status judged again, as after the status rules change
    win.page.reload()
    index = win.page.model.index_for(absentee(win), PlanTreeModel.COL_STATUS)
    qtbot.waitUntil(lambda: index.data() == "● On track", timeout=10000)
    assert threads and threads[0] != threading.main_thread().name


def test_a_goal_with_nothing_logged_is_charted_over_its_year_not_around_one_instant(win: MainWindow) -> None:
    # "80% of teachers ... by June 2025": no baseline, no values: only the target and the deadline to draw
    key = NodeKey(Kind.WIG, one(win, Wig, sentence="80% of teachers%").id)
    win.page.select(key)
    chart = win.page.progress.chart
    (x_low, x_high), (y_low, y_high) = chart.plot.viewRange()
    assert x_high - x_low > 300 * 86400  # the months up to the deadline, not a fraction of a second
    assert y_low <= 0 and 80 < y_high <= 110  # the target with room around it
    assert not chart.legend.isVisible()  # no empty legend box
