"""The project workbook through its services, without Qt: validation, dependencies, RAID scoring, overdue
rules, utilization, delete and restore."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from planner.errors import ValidationError
from planner.model import Department, KeyLever, Project, ProjectStatus, StatusUpdate, Task, TaskStatus, Wig
from planner.services import plan_edit
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore
from tests.test_plan_edit import table_dump

E = pj.Entity
TODAY = date(2025, 1, 15)


def lever(store: PlanStore, like: str) -> NodeKey:
    with store.reader() as s:
        return NodeKey(Kind.KEY_LEVER, s.scalars(select(KeyLever.id).where(KeyLever.text.like(like))).first())


def new_project(store: PlanStore, **values: object) -> int:
    base = {"name": "Street teams", "link": lever(store, "Revise, implement and monitor the effectiveness of "
                                                         "district \"street teams\"%"),
            "start_date": "2024-08-01", "end_date": "2025-06-30", "status": "On track", "lead": "M. Diaz"}
    return pj.create(store, E.PROJECT, base | values, today=TODAY).id


def test_create_a_project_tied_to_a_key_lever(store: PlanStore) -> None:
    pid = new_project(store, budget="12,500", purpose="Find and re-engage chronically absent students")
    p = pj.project(store, pid, TODAY)
    assert (p["name"], p["status"], p["budget"], p["start_date"]) == ("Street teams", "On track", 12500,
                                                                      date(2024, 8, 1))
    assert p["link"].startswith("Key lever: Revise, implement") and p["key_lever_id"] is not None


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"end_date": "2024-07-01"}, "end_date", "before the start"),
    ({"percent_complete": "120"}, "percent_complete", "between 0 and 100"),
    ({"name": " "}, "name", "cannot be empty"),
    ({"status": "Done-ish"}, "status", "must be one of"),
    ({"link": None}, "link", "carries a key lever"),
    ({"budget": "-5"}, "budget", "cannot be negative"),
    ({"start_date": "Aug 1"}, "start_date", "2026-09-01 or 9/1/2026"),
])
def test_bad_project_input_writes_nothing(store: PlanStore, values: dict, field: str, words: str) -> None:
    before = table_dump(store)
    with pytest.raises(ValidationError) as caught:
        new_project(store, **values)
    assert caught.value.field == field and words in caught.value.message
    assert table_dump(store) == before


def test_task_dependencies_refuse_itself_and_cycles(store: PlanStore) -> None:
    pid = new_project(store)
    a = pj.create(store, E.TASK, {"name": "Hire"}, project_id=pid).id
    b = pj.create(store, E.TASK, {"name": "Train", "depends_on": "1"}, project_id=pid).id
    c = pj.create(store, E.TASK, {"name": "Deploy", "depends_on": "#2"}, project_id=pid).id
    with pytest.raises(ValidationError, match="cannot depend on itself"):
        pj.update(store, E.TASK, a, {"depends_on": "1"})
    before = table_dump(store)
    with pytest.raises(ValidationError, match=r"closes a circle of dependencies \(#1 → #3 → #2 → #1\)"):
        pj.update(store, E.TASK, a, {"depends_on": "3"})
    assert table_dump(store) == before
    with pytest.raises(ValidationError, match="no task #9"):
        pj.update(store, E.TASK, c, {"depends_on": "9"})
    assert pj.find_cycle({1: [2], 2: [3], 3: []}) is None
    assert pj.find_cycle({1: [2], 2: [1]}) == [1, 2, 1]
    assert [r["depends_on"] for r in pj.records(store, E.TASK, pid, TODAY)] == [[], [1], [2]]
    assert b


def test_task_due_before_start_and_percent(store: PlanStore) -> None:
    pid = new_project(store)
    with pytest.raises(ValidationError, match=r"due date .* is before the start"):
        pj.create(store, E.TASK, {"start_date": "2024-10-01", "due": "2024-09-01"}, project_id=pid)
    with pytest.raises(ValidationError, match="between 0 and 100"):
        pj.create(store, E.TASK, {"percent_complete": "-1"}, project_id=pid)


def test_milestone_outside_the_project_is_a_warning(store: PlanStore) -> None:
    pid = new_project(store)
    saved = pj.create(store, E.MILESTONE, {"name": "Board report", "due": "2025-08-15"}, project_id=pid)
    assert saved.warnings and "outside the project's dates" in saved.warnings[0]
    assert pj.records(store, E.MILESTONE, pid, TODAY)[0]["name"] == "Board report"  # saved all the same


def test_raid_items_score_and_need_a_type(store: PlanStore) -> None:
    pid = new_project(store)
    rid = pj.create(store, E.RAID, {"type": "Risk", "description": "Staff turnover", "likelihood": "4",
                                    "impact": "5"}, project_id=pid).id
    row = pj.records(store, E.RAID, pid, TODAY)[0]
    assert (row["score"], row["level"]) == (20, "High")
    with pytest.raises(ValidationError, match="scored 1 to 5"):
        pj.update(store, E.RAID, rid, {"impact": "6"})
    with pytest.raises(ValidationError, match="Choose a type"):
        pj.create(store, E.RAID, {"type": "", "description": "x"}, project_id=pid)
    assert [pj.risk_level(s) for s in (None, 2, 8, 15)] == ["", "Low", "Medium", "High"]


def test_overdue_rules() -> None:
    assert pj.project_overdue(date(2025, 1, 1), ProjectStatus.ON_TRACK, TODAY)
    assert not pj.project_overdue(date(2025, 1, 1), ProjectStatus.COMPLETE, TODAY)
    assert not pj.project_overdue(None, ProjectStatus.ON_TRACK, TODAY)
    assert pj.milestone_overdue(date(2025, 1, 1), None, TODAY)
    assert not pj.milestone_overdue(date(2025, 1, 1), date(2025, 1, 2), TODAY)
    assert pj.task_overdue(date(2025, 1, 14), TaskStatus.BLOCKED, TODAY)
    assert not pj.task_overdue(date(2025, 1, 15), TaskStatus.IN_PROGRESS, TODAY)


def test_project_rows_mark_overdue_items_and_open_raid(store: PlanStore) -> None:
    pid = new_project(store, end_date="2025-01-10")
    pj.create(store, E.MILESTONE, {"name": "Hire", "due": "2024-12-01"}, project_id=pid)
    pj.create(store, E.TASK, {"name": "Train", "due": "2025-01-01"}, project_id=pid)
    pj.create(store, E.RAID, {"type": "Issue", "description": "Vacancies"}, project_id=pid, today=TODAY)
    row = next(r for r in pj.project_rows(store, 1, TODAY) if r.id == pid)
    assert (row.overdue, row.overdue_items, row.open_raid, row.pillar, row.department) == (True, 2, 1, "Ae", "")
    assert pj.project_rows(store, 2, TODAY) == []  # the archived plan has none


def test_projects_show_on_their_key_lever_and_wig(store: PlanStore) -> None:
    pid = new_project(store)
    key = lever(store, "Revise, implement and monitor the effectiveness of district \"street teams\"%")
    with store.reader() as s:
        wig = NodeKey(Kind.WIG, s.get(KeyLever, key.id).wig_id)
    assert pj.projects_for(store, key) == [(pid, "Street teams", ProjectStatus.ON_TRACK)]
    assert pj.projects_for(store, wig) == [(pid, "Street teams", ProjectStatus.ON_TRACK)]


def test_utilization_counts_key_levers_with_an_active_recent_project(store: PlanStore) -> None:
    with store.reader() as s:
        dept = s.scalars(select(Department).where(Department.name == "Data Analytics")).one()
        wig_id = s.scalars(select(Wig.id).where(Wig.department_id == dept.id)).first()
    # Data Analytics' goals have no key levers in the source: give one two, as a department lead would.
    from planner.services import plan_edit

    first = plan_edit.add_node(store, NodeKey(Kind.WIG, wig_id), Kind.KEY_LEVER, {"text": "Launch the tracker"})
    plan_edit.add_node(store, NodeKey(Kind.WIG, wig_id), Kind.KEY_LEVER, {"text": "Publish a data catalog"})
    assert pj.utilization(store, dept.id, TODAY).describe().startswith("0 of 2 key levers (0%)")
    pid = new_project(store, link=first)
    assert pj.utilization(store, dept.id, TODAY).covered == 0  # no update yet
    pj.create(store, E.UPDATE, {"update_date": TODAY - timedelta(days=10)}, project_id=pid)
    u = pj.utilization(store, dept.id, TODAY)
    assert (u.covered, u.levers, u.share, u.window_days) == (1, 2, 0.5, 30)
    assert pj.utilization(store, dept.id, TODAY, window_days=7).covered == 0
    pj.update(store, E.PROJECT, pid, {"status": "On hold"})
    assert pj.utilization(store, dept.id, TODAY).covered == 0
    assert pj.set_utilization_window(store, 1, "14") == 30
    with pytest.raises(ValidationError):
        pj.set_utilization_window(store, 1, "0")


def test_delete_a_project_and_restore_everything(store: PlanStore) -> None:
    pid = new_project(store)
    pj.create(store, E.TASK, {"name": "A"}, project_id=pid)
    pj.create(store, E.TASK, {"name": "B", "depends_on": "1"}, project_id=pid)
    pj.create(store, E.MILESTONE, {"name": "M"}, project_id=pid)
    pj.create(store, E.RAID, {"type": "Risk", "description": "R"}, project_id=pid, today=TODAY)
    pj.create(store, E.UPDATE, {"update_date": TODAY}, project_id=pid)
    before = table_dump(store, with_history=False)
    removed = pj.remove(store, E.PROJECT, pid)
    with store.reader() as s:
        assert s.scalar(select(func.count(Task.id))) == 0 and s.scalar(select(func.count(StatusUpdate.id))) == 0
    pj.restore(store, removed)
    assert table_dump(store, with_history=False) == before


def test_delete_a_task_renumbers_and_restore_puts_it_back(store: PlanStore) -> None:
    pid = new_project(store)
    ids = [pj.create(store, E.TASK, {"name": n}, project_id=pid).id for n in "ABC"]
    pj.update(store, E.TASK, ids[2], {"depends_on": "2"})
    before = table_dump(store, with_updated_at=False, with_history=False)
    removed = pj.remove(store, E.TASK, ids[1])
    assert [(r["name"], r["number"]) for r in pj.records(store, E.TASK, pid, TODAY)] == [("A", 1), ("C", 2)]
    pj.restore(store, removed)
    assert table_dump(store, with_updated_at=False, with_history=False) == before


def test_timeline_bars(store: PlanStore) -> None:
    pid = new_project(store)
    pj.create(store, E.TASK, {"name": "Hire", "start_date": "2024-08-01", "due": "2024-09-30"}, project_id=pid)
    pj.create(store, E.MILESTONE, {"name": "Launch", "due": "2024-10-01", "done_on": "2024-10-03"}, project_id=pid)
    bars = pj.timeline(store, [pid], TODAY)
    assert [(b.kind, b.label, b.overdue) for b in bars] == [
        ("project", "Street teams", False), ("task", "#1 Hire", True), ("milestone", "Launch", False)]
    with store.reader() as s:
        assert s.get(Project, pid).status is ProjectStatus.ON_TRACK


def test_what_a_project_can_carry_is_the_open_years_levers_wigs_and_strategies(store: PlanStore) -> None:
    from planner.services import years

    choices = pj.carry_choices(store, 1)
    assert {c.key.kind for c in choices if c.key} == {Kind.STRATEGY, Kind.WIG, Kind.KEY_LEVER}
    before = {c.key for c in choices if c.key and c.key.kind is Kind.WIG}
    started = years.start_year(store, years.preview_next_year(store, 1, "2026-27"))
    now = {c.key for c in pj.carry_choices(store, 1) if c.key and c.key.kind is Kind.WIG}
    assert len(now) == len(before) and not now & before  # the new year's goals, not last year's
    assert {c.key for c in pj.carry_choices(store, 1, years.list_years(store, 1)[0].id)
            if c.key and c.key.kind is Kind.WIG} == before
    assert started.year_id


def test_deleting_the_plan_a_project_is_tied_to_is_refused_or_undone_whole(store: PlanStore) -> None:
    pid = new_project(store)
    with store.reader() as s:
        lever_row = s.get(Project, pid).key_lever_id
        wig_id = s.get(KeyLever, lever_row).wig_id
    wig = NodeKey(Kind.WIG, wig_id)
    before = table_dump(store)
    with pytest.raises(ValidationError, match="“Street teams” is tied to this part of the plan"):
        plan_edit.delete_node(store, wig)
    assert table_dump(store) == before
    pj.update(store, E.PROJECT, pid, {"link": NodeKey(Kind.WIG, wig_id)})
    with store.session() as s:  # tied to a lever elsewhere and to this WIG: the delete unties, undo reties
        s.get(Project, pid).key_lever_id = s.scalars(select(KeyLever.id).where(KeyLever.wig_id != wig_id)).first()
    before = table_dump(store, with_updated_at=False, with_history=False)
    snapshot = plan_edit.delete_node(store, wig)
    with store.reader() as s:
        assert s.get(Project, pid).wig_id is None
    plan_edit.restore_deleted(store, snapshot)
    assert table_dump(store, with_updated_at=False, with_history=False) == before


def test_the_project_list_reads_each_projects_place_as_one_project_alone_does(store: PlanStore) -> None:
    """The whole list reads what projects carry once a level (not one row at a time): every row, for every
    year, is the row that project's own repaint (`only`) gives."""
    from planner.model import PlanYear, Strategy

    with store.reader() as s:
        dept_wig = s.scalars(select(Wig.id).where(Wig.department_id.is_not(None), Wig.strategy_id.is_(None))).first()
        tied_wig = s.scalars(select(Wig.id).where(Wig.department_id.is_not(None),
                                                  Wig.strategy_id.is_not(None))).first()
        strategy = s.scalars(select(Strategy.id).where(Strategy.code.is_not(None))).first()
        years = [None, *s.scalars(select(PlanYear.id))]
    new_project(store)
    new_project(store, name="Department goal", link=NodeKey(Kind.WIG, dept_wig))
    new_project(store, name="Tied goal", link=NodeKey(Kind.WIG, tied_wig))
    new_project(store, name="Strategy work", link=NodeKey(Kind.STRATEGY, strategy))
    with store.reader() as s:
        ids = list(s.scalars(select(Project.id)))
    for plan_id in (1, 2):
        for year in years:
            rows = pj.project_rows(store, plan_id, TODAY, year_id=year)
            alone = [r for pid in ids for r in pj.project_rows(store, plan_id, TODAY, only=pid, year_id=year)]
            assert rows == sorted(alone, key=lambda r: (r.name, r.id))
    rows = {r.name: r for r in pj.project_rows(store, 1, TODAY)}
    assert len(rows) == 4 and rows["Department goal"].department
    assert rows["Strategy work"].carries.startswith("Strategy ")
    assert rows["Tied goal"].pillar and rows["Street teams"].carries.startswith("Key lever: ")
