"""Due now: the rules as a service, and the page that opens the form that fixes each item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from planner.model import Measurement, PerformanceMeasure
from planner.services import measurements as ms
from planner.services import projects as pj
from planner.services.due import due_now
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore
from tests.test_measurements import wig

TODAY = date(2025, 1, 15)


def test_due_rules(store: PlanStore) -> None:
    with store.reader() as s:
        rate = s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.name == "Chronic absenteeism rate")).one()
    first = due_now(store, 1, TODAY)
    assert {i.group for i in first} == {"Values to log", "Off-track WIGs without a note"}
    # the one goal off track with nothing logged: a milestone whose deadline (October 2024) has passed
    assert [i.title[:40] for i in first if i.group.startswith("Off-track")] == [
        "To develop, implement and manage a distr"]
    names = {i.title for i in due_now(store, 1, TODAY)}
    assert "Chronic absenteeism rate" in names
    ms.log_value(store, NodeKey(Kind.MEASURE, rate.id), "Q2 2024-25", "21")  # the last period: no longer due
    assert "Chronic absenteeism rate" not in {i.title for i in due_now(store, 1, TODAY)}
    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2024-12", "104")  # far behind, and no note
    off = [i for i in due_now(store, 1, TODAY) if i.group == "Off-track WIGs without a note"]
    assert partners in [i.key for i in off]
    ms.update_measurement(store, _latest(store, partners), {"note": "two partners delayed their MOUs"})
    assert partners not in [i.key for i in due_now(store, 1, TODAY) if i.key]
    pid = pj.create(store, pj.Entity.PROJECT, {"name": "Street teams", "status": "On track",
                                               "link": partners}).id
    pj.create(store, pj.Entity.MILESTONE, {"name": "Kick-off", "due": "2025-01-01"}, project_id=pid)
    found = {(i.group, i.title) for i in due_now(store, 1, TODAY)}
    assert ("Projects without an update", "Street teams") in found
    assert ("Overdue milestones", "Kick-off (Street teams)") in found
    pj.create(store, pj.Entity.UPDATE, {"update_date": "2025-01-10"}, project_id=pid)
    assert ("Projects without an update", "Street teams") not in {(i.group, i.title) for i in due_now(store, 1, TODAY)}


def test_due_page_counts_and_opens_the_form(qtbot, qt_isolated: Path, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    assert w.due_label.text().endswith("due now")
    w.tabs.setCurrentWidget(w.due)
    wellness = w.due.department.findText("Student Wellness")
    w.due.department.setCurrentIndex(wellness)
    group = w.due.tree.topLevelItem(0)
    assert group.text(0).startswith("Values to log")
    line = group.child(0)
    w.due.tree.itemActivated.emit(line, 0)
    key = w.page.current_key()
    assert w.tabs.currentWidget() is w.page and key is not None and key.kind is Kind.MEASURE
    assert w.page.form.heading.text().startswith("Performance measure")


def _latest(store: PlanStore, key: NodeKey) -> int:
    with store.reader() as s:
        return int(s.scalars(select(Measurement.id).where(Measurement.wig_id == key.id)
                             .order_by(Measurement.period_end.desc())).first())


def test_a_department_sees_only_its_own(store: PlanStore) -> None:
    from planner.model import Department, KeyLever

    with store.reader() as s:
        wellness = s.scalars(select(Department.id).where(Department.name == "Student Wellness")).one()
        other_lever = s.scalars(select(KeyLever.id).where(KeyLever.text.like("Plan the implementation of "
                                                                             "ServiceNow%"))).one()
    pj.create(store, pj.Entity.PROJECT, {"name": "ServiceNow", "status": "On track",
                                         "link": NodeKey(Kind.KEY_LEVER, other_lever)})
    everyone = {i.title for i in due_now(store, 1, TODAY)}
    theirs = due_now(store, 1, TODAY, wellness)
    assert "ServiceNow" in everyone and "ServiceNow" not in {i.title for i in theirs}
    assert {i.title for i in theirs if i.group == "Values to log"} >= {"Attendance Logs", "Mediation Logs"}
