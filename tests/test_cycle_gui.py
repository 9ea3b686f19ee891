"""The reporting cycle in the window: Due Now first with my department remembered, the History tab, period
locks with an unlock reason, and the weekly WIG session. Each test checks what the file holds after the clicks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from planner.model import Commitment, Measurement, PerformanceMeasure, PeriodLock, Wig
from planner.services import history, period_locks
from planner.services import measurements as ms
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.app import data_folder
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one
from tests.test_gui import ScriptedPrompter

TODAY = date(2025, 1, 15)  # a Wednesday


@pytest.fixture
def make(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    def build(**answers: object) -> MainWindow:
        w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(**answers))
        w.doc.today = lambda: TODAY
        w.session.week = TODAY
        qtbot.addWidget(w)
        assert w.open_path(plan_path)
        return w

    return build


def test_due_now_opens_first_on_my_department_remembered(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    first = make()
    assert first.tabs.currentWidget() is first.due and first.tabs.tabText(0) == "&Due Now"
    assert first.due.department.currentText() == "All departments"
    everyone = len(first.due.items)
    first.due.department.setCurrentIndex(first.due.department.findText("Student Wellness"))
    wellness = len(first.due.items)
    assert 0 < wellness < everyone
    first.close()
    second = make()  # the next start
    assert second.tabs.currentWidget() is second.due
    assert second.due.department.currentText() == "Student Wellness"
    assert second.session.department.currentText() == "Student Wellness"
    assert len(second.due.items) == wellness and second.due_label.text() == f"{wellness} due now"


def test_history_tab_shows_who_changed_what_and_filters(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    QSettings().setValue("user/name", "Dana Whitfield")
    w = make()
    assert w.store.actor == "Dana Whitfield"
    rate = fetch_one(w, PerformanceMeasure, name="Chronic absenteeism rate")
    ms.log_value(w.store, NodeKey(Kind.MEASURE, rate.id), "Q1 2024-25", "22", note="from the SIS")
    w.show_node(NodeKey(Kind.MEASURE, rate.id))
    w.item_history_action.trigger()  # History of Selected Item
    assert w.tabs.currentWidget() is w.changes
    table = w.changes.table
    assert table.topLevelItemCount() == 2  # the measure's own creation, and its value
    assert table.topLevelItem(1).text(3) == "Performance measure “Chronic absenteeism rate”"
    line = table.topLevelItem(0)
    assert (line.text(1), line.text(2)) == ("Dana Whitfield", "Added")
    assert line.text(3) == "Logged value “Chronic absenteeism rate, Q1 2024-25”"
    fields = {w.changes.detail.topLevelItem(i).text(0): w.changes.detail.topLevelItem(i).text(2)
              for i in range(w.changes.detail.topLevelItemCount())}
    assert fields["Value"] == "22" and fields["Note"] == "from the SIS"
    w.changes.clear_item.click()
    assert table.topLevelItemCount() > 100  # the plan's own creation is in the history too
    w.changes.person.setCurrentIndex(w.changes.person.findData("Dana Whitfield"))
    assert table.topLevelItemCount() == 1
    w.changes.person.setCurrentIndex(0)
    w.changes.kind.setCurrentIndex(w.changes.kind.findData("RAID log"))
    assert table.topLevelItemCount() == 0 and w.changes.summary.text() == "0 changes"
    w.changes.kind.setCurrentIndex(0)
    w.changes.words.setText("from the SIS")
    w.changes.words.returnPressed.emit()
    assert table.topLevelItemCount() == 1
    table.itemActivated.emit(table.topLevelItem(0), 0)  # back to the measure in the plan
    assert w.tabs.currentWidget() is w.page and w.page.current_key() == NodeKey(Kind.MEASURE, rate.id)


def test_undo_is_recorded_with_its_reason(make) -> None:  # type: ignore[no-untyped-def]
    w = make()
    wig = fetch_one(w, Wig, sentence="Decrease the chronic%")
    w.show_node(NodeKey(Kind.WIG, wig.id))
    editor = w.page.form.editors["target"]
    editor.setText("19")
    editor.editingFinished.emit()
    assert fetch_one(w, Wig, id=wig.id).target == 19
    w.page.undo_action.trigger()
    assert fetch_one(w, Wig, id=wig.id).target == 20
    latest = history.changes(w.store, item=history.item_of(NodeKey(Kind.WIG, wig.id)), limit=2)
    assert latest[0].reason.startswith("Undo") and latest[0].fields[0].after == "20"
    assert latest[1].reason == "" and latest[1].fields[0].after == "19"


def test_lock_after_export_and_unlock_with_a_reason(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = make(save_path=tmp_path / "Student Wellness.xlsx", confirm=True, text="A school sent a late correction")
    rate = fetch_one(w, PerformanceMeasure, name="Chronic absenteeism rate")
    key = NodeKey(Kind.MEASURE, rate.id)
    ms.log_value(w.store, key, "Q2 2024-25", "21")  # Q2 ended Dec 31; it is January 15
    w.export_workbook()
    assert any(q.startswith("confirm:Lock the 1 values of Q2 2024-25") for q in w.prompter.asked)
    assert fetch_one(w, PeriodLock, label="Q2 2024-25") is not None
    logged = fetch_one(w, Measurement, measure_id=rate.id)
    with pytest.raises(period_locks.LockedPeriodError):
        ms.update_measurement(w.store, logged.id, {"value": "20"})
    # Plan > Period Locks: unlock Q2, giving the reason the prompter types
    w.prompter.answers["dialog"] = lambda dialog: (dialog.select_label("Q2 2024-25"), dialog.unlock_button.click(),
                                                   True)[-1]
    w.locks_action.trigger()
    assert "ask:Unlock Q2 2024-25" in w.prompter.asked
    assert fetch_one(w, PeriodLock, label="Q2 2024-25") is None
    unlock = history.changes(w.store, tables=["period_lock"], limit=1)[0]
    assert unlock.reason == "Unlocked Q2 2024-25: A school sent a late correction"
    ms.update_measurement(w.store, logged.id, {"value": "20"})


def test_unlock_without_a_reason_changes_nothing(make) -> None:  # type: ignore[no-untyped-def]
    w = make(text="   ")
    period_locks.lock(w.store, "Q1 2024-25")
    w.prompter.answers["dialog"] = lambda dialog: (dialog.select_label("Q1 2024-25"), dialog.unlock_button.click(),
                                                   True)[-1]
    w.locks_action.trigger()
    assert fetch_one(w, PeriodLock, label="Q1 2024-25") is not None
    assert "Say why Q1 2024-25 is being unlocked" in w.prompter.errors[-1].message


def test_weekly_wig_session(make, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    QSettings().setValue("user/name", "Dana Whitfield")
    w = make()
    w.tabs.setCurrentWidget(w.session)
    page = w.session
    page.department.setCurrentIndex(page.department.findText("Student Wellness"))
    assert page.wigs.count() >= 1
    wig_id = page.current_wig()
    # last week: a commitment to account for
    page.set_week(date(2025, 1, 6))
    page.new_what.setText("Call the five schools with the most absences")
    page.new_due.setText("2025-01-10")
    page.add_button.click()
    row = fetch_one(w, Commitment, wig_id=wig_id)
    assert (row.who, row.week_start, row.due, row.done) == ("Dana Whitfield", date(2025, 1, 6), date(2025, 1, 10),
                                                            None)
    page.set_week(TODAY)  # this week's session shows it under last week
    assert page.last_week.rowCount() == 1 and page.this_week.rowCount() == 0
    assert "1 to account for" in page.wigs.currentItem().text()
    page.last_week.cellWidget(0, 3).setCurrentIndex(1)  # Done
    assert fetch_one(w, Commitment, id=row.id).done is True
    page.last_week.item(0, 4).setText("Reached four of five")
    assert fetch_one(w, Commitment, id=row.id).note == "Reached four of five"
    page.new_what.setText("Meet the attendance team")
    page.add_button.click()
    assert page.this_week.rowCount() == 1
    page.new_what.setText("   ")
    page.add_button.click()  # nothing to commit to: refused, nothing written
    assert "What is missing" in w.prompter.errors[-1].message
    with w.store.reader() as s:
        assert s.query(Commitment).count() == 2
    w.page.undo_action.trigger()  # undo the second commitment
    with w.store.reader() as s:
        assert s.query(Commitment).count() == 1
    w.page.undo_action.trigger()  # undo the note
    assert fetch_one(w, Commitment, id=row.id).note == ""
    w.resize(1200, 760)
    assert w.grab().save(str(tmp_path / "session.png"))


def test_a_commitment_with_a_bad_date_is_refused_where_it_was_typed(make) -> None:  # type: ignore[no-untyped-def]
    w = make()
    page = w.session
    page.refresh()
    page.new_what.setText("Visit two schools")
    page.new_due.setText("next Friday")
    page.add_button.click()
    assert "“next Friday” is not a date" in w.prompter.errors[-1].message
    assert fetch_one(w, Commitment) is None
    assert page.new_what.text() == "Visit two schools"  # kept, to correct
