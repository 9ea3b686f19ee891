"""The rows of a workbook, read from the plan file: the whole district, one division or one department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from planner.model import (
    Department,
    KeyLever,
    Measurement,
    PerformanceMeasure,
    Pillar,
    Plan,
    Priority,
    Project,
    Strategy,
    Task,
    Wig,
)
from planner.services.exchange import dependency_uuid
from planner.services.periods import Period
from planner.services.status import plan_status
from planner.store import PlanStore


@dataclass(frozen=True)
class ExportScope:
    plan_id: int
    department_id: int | None = None
    division_id: int | None = None
    label: str = "Whole district"
    year_id: int | None = None  # the annual plan exported (None: the one containing today)


def _u(obj: Any) -> str | None:
    return str(obj.uuid) if obj is not None else None


def _lineage(obj: Any) -> str:
    """The UUID every year's copy of a goal or measure shares (its own for the first year)."""
    return str(obj.lineage_uuid or obj.uuid)


def _plan_wigs(plan_id: int) -> Select[Any]:
    """The ids of a plan's WIGs: under its pillars, or its departments' own."""
    return (select(Wig.id).outerjoin(Strategy, Wig.strategy_id == Strategy.id)
            .outerjoin(Priority, Strategy.priority_id == Priority.id)
            .outerjoin(Pillar, Priority.pillar_id == Pillar.id)
            .outerjoin(Department, Wig.department_id == Department.id)
            .where((Pillar.plan_id == plan_id) | (Department.plan_id == plan_id)))


def plan_measurement_count(store: PlanStore, plan_id: int) -> int:
    """How many logged values the whole plan has, counted in SQL before anything is read into memory."""
    with store.reader() as s:
        wigs = _plan_wigs(plan_id)
        strategies = (select(Strategy.id).join(Priority, Strategy.priority_id == Priority.id)
                      .join(Pillar, Priority.pillar_id == Pillar.id).where(Pillar.plan_id == plan_id))
        departments = select(Department.id).where(Department.plan_id == plan_id)
        measures = select(PerformanceMeasure.id).where(
            PerformanceMeasure.wig_id.in_(wigs) | PerformanceMeasure.strategy_id.in_(strategies)
            | PerformanceMeasure.department_id.in_(departments))
        return int(s.scalar(select(func.count(Measurement.id)).where(
            Measurement.wig_id.in_(wigs) | Measurement.measure_id.in_(measures))) or 0)


def collect(store: PlanStore, scope: ExportScope, today: date) -> dict[str, list[dict[str, Any]]]:
    """Every sheet's rows for the scope, in plan order."""
    status = plan_status(store, scope.plan_id, today, scope.year_id)
    with store.reader() as s:
        return _collect(s, scope, status, today)


def _collect(s: Session, scope: ExportScope, status: Any, today: date) -> dict[str, list[dict[str, Any]]]:
    plan = s.get(Plan, scope.plan_id)
    assert plan is not None
    # every relationship the rows below walk is loaded here, a query per relationship rather than one per row
    all_wigs = list(s.scalars(select(Wig).where(Wig.id.in_(list(status.wigs))).order_by(Wig.id).options(
        selectinload(Wig.key_levers), selectinload(Wig.strategy).selectinload(Strategy.division),
        selectinload(Wig.department).selectinload(Department.division))))  # the year's
    in_year = {w.id for w in all_wigs}
    departments: list[Department]
    if scope.department_id is not None:
        wigs = [w for w in all_wigs if w.department_id == scope.department_id]
        department = s.get(Department, scope.department_id)
        assert department is not None  # the scope is built from a department of this plan
        departments = [department]
    elif scope.division_id is not None:
        departments = list(s.scalars(select(Department).where(Department.division_id == scope.division_id)))
        dept_ids = {d.id for d in departments}
        wigs = [w for w in all_wigs if (w.strategy and w.strategy.division_id == scope.division_id)
                or w.department_id in dept_ids]
    else:
        wigs = all_wigs
        departments = list(s.scalars(select(Department).where(Department.plan_id == plan.id)
                                     .order_by(Department.position).options(selectinload(Department.wigs),
                                                                            selectinload(Department.division))))
    wig_ids = {w.id for w in wigs}
    strategies = {w.strategy.id: w.strategy for w in wigs if w.strategy}
    if scope.department_id is None:
        for st in s.scalars(select(Strategy).join(Priority).join(Pillar).where(Pillar.plan_id == plan.id).options(
                selectinload(Strategy.wigs), selectinload(Strategy.division),
                selectinload(Strategy.priority).selectinload(Priority.pillar))):
            if scope.division_id is None or st.division_id == scope.division_id:
                strategies[st.id] = st
    for w in wigs:
        if w.department and w.department not in departments:
            departments.append(w.department)
    priorities = {st.priority.id: st.priority for st in strategies.values()}
    pillars = {pr.pillar.id: pr.pillar for pr in priorities.values()}
    divisions = {d.division.id: d.division for d in departments if d.division}
    divisions |= {st.division.id: st.division for st in strategies.values() if st.division}

    year = status.year
    plan_rows: list[dict[str, Any]] = [{"level": "Plan", "code": year.label if year else "", "title": plan.name,
                                        "uuid": _u(plan), "position": plan.position}]
    for div in sorted(divisions.values(), key=lambda div: div.position):
        plan_rows.append({"level": "Division", "title": div.name, "uuid": _u(div), "parent_uuid": _u(plan),
                          "position": div.position})
    for dept in sorted(departments, key=lambda dept: dept.position):
        plan_rows.append({"level": "Department", "title": dept.name, "uuid": _u(dept),
                          "parent_uuid": _u(dept.division) or _u(plan),
                          "parent_code": dept.division.name if dept.division else "", "position": dept.position})
    for p in sorted(pillars.values(), key=lambda p: p.position):
        plan_rows.append({"level": "Pillar", "code": p.code, "title": p.name, "uuid": _u(p), "parent_uuid": _u(plan),
                          "position": p.position})
        for pr in sorted((x for x in priorities.values() if x.pillar_id == p.id), key=lambda x: x.position):
            plan_rows.append({"level": "Priority", "code": pr.code, "parent_code": p.code, "title": pr.statement,
                              "uuid": _u(pr), "parent_uuid": _u(p), "position": pr.position})
            for st in sorted((x for x in strategies.values() if x.priority_id == pr.id), key=lambda x: x.position):
                plan_rows.append({"level": "Strategy", "code": st.code, "parent_code": pr.code,
                                  "title": st.statement, "uuid": _u(st), "parent_uuid": _u(pr),
                                  "owner_uuid": _u(st.division), "position": st.position})
                for w in sorted((w for w in st.wigs if w.id in in_year and (
                        w.id in wig_ids or scope.department_id is None)), key=lambda w: w.position):
                    plan_rows += _wig_rows(w, f"WIG {w.position + 1}", st.code or pr.code, st)
    for dept in sorted(departments, key=lambda dept: dept.position):
        for w in dept.wigs:
            if w.strategy is None and w.id in in_year:
                plan_rows += _wig_rows(w, f"WIG {w.department_position + 1}", dept.name, dept)
    exported_wigs = [r for r in plan_rows if r["level"] == "WIG"]  # the year's goals only
    wig_objs = {str(w.uuid): w for w in all_wigs}

    wig_rows = []
    for r in exported_wigs:
        w = wig_objs[r["uuid"]]
        progress = status.wigs.get(w.id)
        latest = progress.latest if progress else None
        wig_rows.append({
            "uuid": r["uuid"], "code": f"{r['parent_code']} · {r['code']}",
            "owner": w.department.name if w.department else (w.strategy.division.name if w.strategy and
                                                              w.strategy.division else ""),
            "sentence": w.sentence, "kind": w.kind.value, "baseline": w.baseline, "target": w.target,
            "unit": w.unit, "direction": w.direction.value, "start_date": w.start_date, "deadline": w.deadline,
            "weight": w.weight, "relative_change": w.relative_change, "lineage_uuid": _lineage(w),
            "latest_value": (1.0 if latest.done else 0.0) if latest and latest.value is None and latest.done is not None
            else (latest.value if latest else None),
            "latest_date": latest.when if latest else None,
            "progress": progress.share if progress else None,
            "status": progress.status.value if progress else "No data"})

    exported_wig_ids = {wig_objs[r["uuid"]].id for r in exported_wigs}
    measures = list(s.scalars(select(PerformanceMeasure).where(
        PerformanceMeasure.wig_id.in_(exported_wig_ids) | PerformanceMeasure.strategy_id.in_(list(strategies))
        | PerformanceMeasure.department_id.in_([d.id for d in departments]))
        .where(PerformanceMeasure.year_id == year.id if year else PerformanceMeasure.year_id.is_(None))
        .order_by(PerformanceMeasure.id)))
    measure_rows = [{"uuid": _u(m), "name": m.name, "unit": m.unit, "frequency": m.frequency.value,
                     "wig_uuid": _u(m.wig), "strategy_uuid": _u(m.strategy), "department_uuid": _u(m.department),
                     "position": m.position, "goal_baseline": m.goal_baseline, "goal_target": m.goal_target,
                     "allow_over_100": m.allow_over_100, "lineage_uuid": _lineage(m)}
                    for m in measures]
    measure_ids = {m.id: m for m in measures}
    year_start_month = year.start.month if year else 7
    measurement_rows = []
    wigs_by_id = {w.id: w for w in all_wigs}
    labels: dict[tuple[Any, ...], str] = {}  # a period's label, worked out once per period and frequency
    subjects: dict[tuple[str, int], tuple[str, str, Any]] = {}  # (uuid, name, frequency) of each measured thing
    # read as plain rows, not objects: a district has hundreds of thousands of values
    for (m_uuid, measure_id, wig_id, start, end, value, done, note, evidence,
         entered_by) in s.execute(select(
            Measurement.uuid, Measurement.measure_id, Measurement.wig_id, Measurement.period_start,
            Measurement.period_end, Measurement.value, Measurement.done, Measurement.note, Measurement.evidence,
            Measurement.entered_by).where(Measurement.measure_id.in_(list(measure_ids))
                                          | Measurement.wig_id.in_(exported_wig_ids))
            .order_by(Measurement.period_start, Measurement.id)):
        key = ("measure", measure_id) if measure_id else ("wig", wig_id)
        found = subjects.get(key)
        if found is None:
            if measure_id:
                measure = measure_ids[measure_id]
                found = (str(measure.uuid), measure.name, measure.frequency)
            else:
                measured_wig = wigs_by_id[wig_id]  # the query selected values of these WIGs
                found = (str(measured_wig.uuid), measured_wig.sentence[:60], None)
            subjects[key] = found
        subject_uuid, subject_name, frequency = found
        period = labels.get((start, end, frequency))
        if period is None:
            period = labels[(start, end, frequency)] = (
                Period(start, end, frequency, year_start_month).label if frequency is not None else f"{start:%b %Y}")
        measurement_rows.append({
            "uuid": str(m_uuid), "subject": subject_name,
            "subject_uuid": subject_uuid, "period": period, "period_start": start,
            "period_end": end, "value": value, "done": done, "note": note, "evidence": evidence,
            "entered_by": entered_by})

    lever_ids = [k.id for w in (wig_objs[r["uuid"]] for r in exported_wigs) for k in w.key_levers]
    projects = list(s.scalars(select(Project).where(
        Project.key_lever_id.in_(lever_ids) | Project.wig_id.in_(exported_wig_ids)
        | Project.strategy_id.in_(list(strategies))).order_by(Project.name, Project.id).options(
        selectinload(Project.milestones), selectinload(Project.tasks).selectinload(Task.depends_on),
        selectinload(Project.raid_items), selectinload(Project.updates))))
    project_rows, milestone_rows, task_rows, raid_rows, update_rows = [], [], [], [], []
    dependency_rows: list[dict[str, Any]] = []
    for proj in projects:
        carried = s.get(KeyLever, proj.key_lever_id) if proj.key_lever_id else (
            s.get(Wig, proj.wig_id) if proj.wig_id else s.get(Strategy, proj.strategy_id))
        carried_text = getattr(carried, "text", None) or getattr(carried, "sentence", None) or getattr(
            carried, "statement", "")
        project_rows.append({"uuid": _u(proj), "name": proj.name, "carries_uuid": _u(carried),
                             "carries": carried_text, "purpose": proj.purpose, "sponsor": proj.sponsor,
                             "lead": proj.lead, "start_date": proj.start_date, "end_date": proj.end_date,
                             "status": proj.status.value, "percent_complete": proj.percent_complete,
                             "budget": proj.budget, "spent": proj.spent})
        for ms in proj.milestones:
            milestone_rows.append({"uuid": _u(ms), "project_uuid": _u(proj), "project": proj.name, "name": ms.name,
                                   "due": ms.due, "done_on": ms.done_on, "position": ms.position})
        for t in proj.tasks:
            task_rows.append({"uuid": _u(t), "project_uuid": _u(proj), "project": proj.name, "number": t.position + 1,
                              "name": t.name, "owner": t.owner, "start_date": t.start_date, "due": t.due,
                              "status": t.status.value, "percent_complete": t.percent_complete})
            for dep in t.depends_on:
                dependency_rows.append({"uuid": dependency_uuid(str(t.uuid), str(dep.uuid)), "task_uuid": _u(t),
                                        "task": f"#{t.position + 1} {t.name}", "depends_on_uuid": _u(dep),
                                        "depends_on": f"#{dep.position + 1} {dep.name}"})
        for item in proj.raid_items:
            raid_rows.append({"uuid": _u(item), "project_uuid": _u(proj), "project": proj.name, "type": item.type.value,
                              "description": item.description, "owner": item.owner, "raised_on": item.raised_on,
                              "status": item.status.value, "response": item.response, "closed_on": item.closed_on,
                              "likelihood": item.likelihood, "impact": item.impact, "score": item.score})
        for u in sorted(proj.updates, key=lambda u: u.update_date):
            update_rows.append({"uuid": _u(u), "project_uuid": _u(proj), "project": proj.name,
                                "update_date": u.update_date, "status": u.status.value,
                                "accomplishments": u.accomplishments, "next_steps": u.next_steps,
                                "blockers": u.blockers})
    return {"Plan": plan_rows, "WIGs": wig_rows, "Measures": measure_rows, "Measurements": measurement_rows,
            "Projects": project_rows, "Milestones": milestone_rows, "Tasks": task_rows,
            "Task Dependencies": dependency_rows, "RAID Log": raid_rows,
            "Weekly Updates": update_rows}


def _wig_rows(w: Wig, code: str, parent_code: str, parent: Any) -> list[dict[str, Any]]:
    rows = [{"level": "WIG", "code": code, "parent_code": parent_code, "title": w.sentence, "uuid": _u(w),
             "parent_uuid": _u(parent), "owner_uuid": _u(w.department) if isinstance(parent, Strategy) else None,
             "position": w.position if isinstance(parent, Strategy) else w.department_position}]
    for lever in w.key_levers:
        rows.append({"level": "Key lever", "code": f"KL {lever.position + 1}", "parent_code": code,
                     "title": lever.text, "uuid": _u(lever), "parent_uuid": _u(w), "position": lever.position})
    return rows
