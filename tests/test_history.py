"""The change history: every change to every kind of row is recorded, with who, when, why, before and after,
and nothing can rewrite it."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text

from planner.errors import SaveError, ValidationError
from planner.model import (
    Change,
    Department,
    DistrictGoal,
    Division,
    Guardrail,
    Measurement,
    PerformanceMeasure,
    Plan,
    PlanYear,
    Wig,
)
from planner.services import history, period_locks, plan_edit, wig_session, years
from planner.services import measurements as ms
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, audit
from tests.test_plan_edit import key_of, table_dump

E = pj.Entity
TODAY = date(2025, 1, 15)


def recorded(store: PlanStore, after_id: int) -> set[tuple[str, str]]:
    with store.reader() as s:
        return set(s.execute(select(Change.table_name, Change.action).where(Change.id > after_id)).tuples())


def last_id(store: PlanStore) -> int:
    with store.reader() as s:
        return int(s.scalar(select(func.max(Change.id))) or 0)


def test_every_kind_of_row_changed_through_the_services_is_recorded(store: PlanStore) -> None:
    store.actor = "R. Alvarez"
    start = last_id(store)
    plan = NodeKey(Kind.PLAN, store_plan_id(store))
    plan_edit.update_node(store, plan, {"tagline": "Every child, every day"})
    # every level of the plan: add, change, delete
    pillar = plan_edit.add_node(store, plan, Kind.PILLAR, {"code": "Ze", "name": "Zeal"})
    priority = plan_edit.add_node(store, pillar, Kind.PRIORITY, {"code": "Ze 1", "statement": "Zest"})
    strategy = plan_edit.add_node(store, priority, Kind.STRATEGY, {"code": "Ze 1.001", "statement": "Zoom"})
    wig = plan_edit.add_node(store, strategy, Kind.WIG, {"sentence": "Increase X from 10% to 20% by June 2025"})
    lever = plan_edit.add_node(store, wig, Kind.KEY_LEVER, {"text": "Coach every team"})
    measure = plan_edit.add_node(store, wig, Kind.MEASURE, {"name": "Teams coached", "frequency": "monthly"})
    division = plan_edit.add_node(store, plan, Kind.DIVISION, {"name": "Zone Office"})
    department = plan_edit.add_node(store, division, Kind.DEPARTMENT, {"name": "Zone Support"})
    plan_edit.update_node(store, strategy, {"collaborators": [department.id]})
    for key, change in [(pillar, {"name": "Zeal!"}), (priority, {"statement": "Zest!"}),
                        (strategy, {"statement": "Zoom!"}), (wig, {"target": 25}), (lever, {"text": "Coach all"}),
                        (measure, {"unit": "teams"}), (division, {"name": "Zone Office 2"}),
                        (department, {"name": "Zone Support 2"})]:
        plan_edit.update_node(store, key, change)
    # goals and guardrails have no form yet; the history records any path that changes them
    with store.session() as s:
        for model in (DistrictGoal, Guardrail):
            s.add(model(plan_id=plan.id, name="Added for the test", position=9))
            row = s.scalars(select(model)).first()
            row.name = row.name + " (revised)"
    with store.session() as s:
        for model in (DistrictGoal, Guardrail):
            s.delete(s.scalars(select(model).where(model.name == "Added for the test")).one())
    # values and interim targets
    logged = ms.log_value(store, measure, "2024-09", "3", entered_by="R. Alvarez")
    ms.update_measurement(store, logged.id, {"value": "4"})
    ms.set_interim_target(store, measure, "2024-12", "5")
    ms.set_interim_target(store, measure, "2024-12", "6")
    ms.set_interim_target(store, measure, "2024-12", None)
    ms.delete_measurement(store, logged.id)
    # the workbook
    pid = pj.create(store, E.PROJECT, {"name": "Pilot", "link": lever}, today=TODAY).id
    first = pj.create(store, E.TASK, {"name": "A"}, project_id=pid).id
    second = pj.create(store, E.TASK, {"name": "B", "depends_on": "1"}, project_id=pid).id
    milestone = pj.create(store, E.MILESTONE, {"name": "M"}, project_id=pid).id
    raid = pj.create(store, E.RAID, {"type": "Risk", "description": "Staff turnover"}, project_id=pid, today=TODAY).id
    update = pj.create(store, E.UPDATE, {"update_date": TODAY}, project_id=pid).id
    for entity, row_id, change in [(E.PROJECT, pid, {"lead": "M. Diaz"}), (E.TASK, first, {"owner": "K"}),
                                   (E.MILESTONE, milestone, {"name": "M2"}), (E.RAID, raid, {"owner": "K"}),
                                   (E.UPDATE, update, {"accomplishments": "Kick-off"}),
                                   (E.TASK, second, {"depends_on": ""})]:
        pj.update(store, entity, row_id, change)
    for entity, row_id in [(E.UPDATE, update), (E.RAID, raid), (E.MILESTONE, milestone), (E.TASK, second)]:
        pj.remove(store, entity, row_id)
    # period locks and the WIG session
    period_locks.lock(store, "Q1 2024-25", note="Sent in Q1 workbook")
    period_locks.unlock(store, "Q1 2024-25", "Late correction from a school")
    commitment = wig_session.add_commitment(store, wig.id, TODAY, "R. Alvarez", "Call three principals")
    wig_session.update_commitment(store, commitment, {"done": True, "note": "Called four"})
    wig_session.delete_commitment(store, commitment)
    # a year: started (with everything carried into it), changed by any path, and undone
    started = years.start_year(store, years.preview_next_year(store, plan.id))
    with store.session() as s:
        s.get(PlanYear, started.year_id).label = "2025-26 (renamed for the test)"
    years.undo_start_year(store, started)
    # deletes of the plan levels, last (a department, then the pillar with everything under it)
    with pytest.raises(ValidationError, match="“Pilot” is tied to this part of the plan"):
        plan_edit.delete_node(store, pillar)
    pj.remove(store, E.PROJECT, pid)
    plan_edit.delete_node(store, department)
    with store.session() as s:  # a division has no delete in the app; the history records any path
        s.delete(s.get(Division, division.id))
    plan_edit.delete_node(store, pillar)
    plan_edit.update_node(store, plan, {"tagline": ""})

    seen = recorded(store, start)
    with store.engine.connect() as conn:
        tables = set(audit.audited_tables(conn))
    # link rows and locks are added and deleted, never changed
    without_update = {"strategy_collaborator", "task_dependency", "period_lock"}
    for table in sorted(tables):
        actions = {"add", "delete"} if table in without_update else {"add", "change", "delete"}
        if table == "plan":
            actions = {"change"}  # the plan row itself is not deleted here
        missing = {a for a in actions if (table, a) not in seen}
        assert not missing, f"{table}: no {sorted(missing)} in the history"
    entries = history.changes(store, limit=None, since=date.today())
    assert {e.actor for e in entries if e.id > start} == {"R. Alvarez"}


def store_plan_id(store: PlanStore) -> int:
    with store.reader() as s:
        return s.scalar(select(Plan.id).where(Plan.archived.is_(False)).order_by(Plan.id))


def test_a_change_names_the_field_before_and_after_who_and_why(store: PlanStore) -> None:
    store.actor = "J. Chen"
    wig = key_of(store, Wig, sentence="Decrease the chronic%")
    assert plan_edit.node_values(store, wig)["target"] == 20
    with history.change_reason("Board asked for more"):
        plan_edit.update_node(store, wig, {"target": 19.5})
    entry = history.changes(store, item=history.item_of(wig), limit=1)[0]
    assert (entry.actor, entry.reason, entry.action, entry.kind) == ("J. Chen", "Board asked for more", "change", "WIG")
    assert entry.item.startswith("WIG “Decrease the chronic")
    assert [(f.field, f.before, f.after) for f in entry.fields] == [("Target", "20", "19.5")]
    assert "Target:" in entry.summary and "→" in entry.summary


def test_an_items_history_includes_its_values_and_a_cascade_delete_is_recorded(store: PlanStore) -> None:
    measure = key_of(store, PerformanceMeasure, name="Chronic absenteeism rate%")
    ms.log_value(store, measure, "Q1 2024-25", "12.5")
    ms.log_value(store, measure, "Q2 2024-25", "11")
    items = history.changes(store, item=history.item_of(measure))
    values = [e for e in items if e.table == "measurement"]
    assert len(values) == 2 and values[0].item.endswith("Q2 2024-25”")
    with store.reader() as s:
        wig_id = s.get(PerformanceMeasure, measure.id).wig_id
    plan_edit.delete_node(store, NodeKey(Kind.WIG, wig_id))
    deleted = [e for e in history.changes(store, item=history.item_of(measure)) if e.action == "delete"]
    assert {e.table for e in deleted} == {"performance_measure", "measurement"}  # the cascade, row by row
    assert any(f.field == "Value" and f.before == "12.5" for e in deleted for f in e.fields)


def test_a_refused_change_records_nothing(store: PlanStore) -> None:
    before = table_dump(store)
    wig = key_of(store, Wig, sentence="Decrease the chronic%")
    with pytest.raises(ValidationError):
        plan_edit.update_node(store, wig, {"target": "lots"})
    with pytest.raises(RuntimeError), store.session() as s:  # a failure after the change: rolled back whole
        s.get(Wig, wig.id).target = 1
        s.flush()
        raise RuntimeError("power cut")
    assert table_dump(store) == before


def test_the_history_is_append_only(store: PlanStore) -> None:
    with store.session() as s:
        s.scalars(select(Department)).first().name = "Renamed"
    for sql in ("UPDATE change_log SET actor = 'someone else'", "DELETE FROM change_log"):
        with pytest.raises(SaveError, match="refused the change: The change history is append-only"), \
                store.session() as s:
            s.execute(text(sql))
    assert history.count(store) > 0


def test_another_program_cannot_change_a_plan_behind_the_historys_back(plan_path) -> None:
    conn = sqlite3.connect(plan_path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="planner_context"):
            conn.execute("UPDATE wig SET target = 1")
    finally:
        conn.close()


def test_every_audited_table_has_triggers_matching_its_columns(store: PlanStore) -> None:
    """A migration that changes a table must reinstall its triggers; this finds one that forgot."""
    with store.engine.connect() as conn:
        tables = audit.audited_tables(conn)
        installed = audit.installed_columns(conn)
    assert set(installed) == set(tables)
    for table, columns in tables.items():
        assert installed[table] == audit.trigger_sql(table, columns)[0]


def test_filters_by_kind_person_date_and_words(store: PlanStore) -> None:
    measure = key_of(store, PerformanceMeasure, name="Chronic absenteeism rate%")
    store.actor = "A"
    ms.log_value(store, measure, "Q1 2024-25", "12.5", note="first count")
    store.actor = "B"
    plan_edit.update_node(store, key_of(store, Wig, sentence="Decrease the chronic%"), {"unit": "pct"})
    assert [e.actor for e in history.changes(store, tables=history.GROUPS["Logged values"])] == ["A"]
    assert {e.table for e in history.changes(store, actor="B")} == {"wig"}
    assert history.changes(store, search="first count")[0].table == "measurement"
    assert history.changes(store, until=date(2000, 1, 1)) == []
    assert {"A", "B"} <= set(history.actors(store))
    for name in ("Zoë Adams", "ben okafor", "B", "Ben Okafor"):  # each named once, in order, none left out
        store.actor = name
        plan_edit.update_node(store, key_of(store, Wig, sentence="Decrease the chronic%"), {"unit": name})
    with store.reader() as s:
        named = [a for a in s.scalars(select(Change.actor).distinct().order_by(Change.actor)) if a]
    assert history.actors(store) == named and {"Zoë Adams", "ben okafor", "Ben Okafor"} <= set(named)


def test_unlocking_a_period_needs_a_reason_which_the_history_keeps(store: PlanStore) -> None:
    measure = key_of(store, PerformanceMeasure, name="Chronic absenteeism rate%")
    logged = ms.log_value(store, measure, "Q1 2024-25", "12.5")
    period_locks.lock(store, "Q1 2024-25")
    ms.set_interim_target(store, measure, "Q1 2024-25", "9")  # targets are not what was sent; they stay open
    before = table_dump(store)
    with pytest.raises(period_locks.LockedPeriodError, match="Q1 2024-25 was locked"):
        ms.update_measurement(store, logged.id, {"value": "13"})
    with pytest.raises(period_locks.LockedPeriodError):
        ms.log_value(store, measure, "2024-08-15", "9")
    with pytest.raises(period_locks.LockedPeriodError):
        ms.delete_measurement(store, logged.id)
    with pytest.raises(ValidationError, match="Say why"):
        period_locks.unlock(store, "Q1 2024-25", "   ")
    assert table_dump(store) == before
    with pytest.raises(SaveError, match="locked period"), store.session() as s:  # any other path, too
        s.get(Measurement, logged.id).value = 99
    period_locks.unlock(store, "Q1 2024-25", "A school sent a correction")
    ms.update_measurement(store, logged.id, {"value": "13"})
    unlock = history.changes(store, tables=["period_lock"])[0]
    assert unlock.action == "delete" and unlock.reason == "Unlocked Q1 2024-25: A school sent a correction"
    assert [q.locked for q in period_locks.quarters(store, store_plan_id(store))] == [False] * 4


def test_the_change_json_holds_every_column(store: PlanStore) -> None:
    measure = key_of(store, PerformanceMeasure, name="Chronic absenteeism rate%")
    ms.log_value(store, measure, "Q1 2024-25", "12.5", note="n")
    with store.reader() as s:
        row = json.loads(s.scalars(select(Change.after).where(Change.table_name == "measurement")).one())
    assert {"id", "uuid", "measure_id", "period_start", "value", "note", "entered_by"} <= set(row)
    assert row["value"] == 12.5 and row["period_start"] == "2024-07-01"


def test_the_history_of_rows_is_found_by_uuid_in_any_spelling(store: PlanStore) -> None:
    measure = key_of(store, PerformanceMeasure, name="Chronic absenteeism rate%")
    logged = ms.log_value(store, measure, "Q1 2024-25", "12.5")
    ms.update_measurement(store, logged.id, {"value": "13"})
    with store.reader() as s:
        row_uuid = s.get(Measurement, logged.id).uuid
    for spelling in (row_uuid, str(row_uuid), row_uuid.hex, str(row_uuid).upper()):
        entries = history.for_rows(store, [spelling])
        assert [e.action for e in entries] == ["add", "change"], spelling
        assert {e.row_uuid for e in entries} == {str(row_uuid)}  # shown as a workbook shows a UUID
    assert history.for_rows(store, [uuid.uuid4()]) == []
