"""What is due now: measures with no value for the current or the last period, off-track WIGs whose latest
value has no note, active projects with no update in 30 days, overdue milestones.

The export's data-quality check is the same list (`export_check`, one function with Due Now), and then the
two things a workbook is checked for besides, which are not work that is due: a WIG with a target but no
baseline, and an open RAID item with no owner."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from planner.model import (
    Department,
    Direction,
    Frequency,
    KeyLever,
    Measurement,
    Milestone,
    PerformanceMeasure,
    Project,
    ProjectStatus,
    RaidItem,
    RaidStatus,
    StatusUpdate,
    Wig,
    WigKind,
)
from planner.services.exchange_rows import ExportScope
from planner.services.periods import period_containing
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import Status
from planner.services.status import PlanStatus, plan_status
from planner.services.years import year_scope
from planner.store import PlanStore

UPDATE_WINDOW = timedelta(days=30)
DUE_GROUPS = ("Values to log", "Off-track WIGs without a note", "Projects without an update", "Overdue milestones")
# What a workbook is checked for besides what is due: fixed once, not work that comes round each period.
CHECK_GROUPS = ("WIGs with a target but no baseline", "Open RAID items without an owner")


@dataclass(frozen=True)
class DueItem:
    group: str  # "Values to log", "Off-track WIGs without a note", "Projects without an update", "Overdue milestones"
    title: str
    reason: str
    key: NodeKey | None = None  # a WIG or measure to open in the plan tree
    project_id: int | None = None  # a project to open in the workbook


def owns_goals(store: PlanStore, plan_id: int, department_id: int, today: date, year_id: int | None = None) -> bool:
    """Whether a department has any WIG or measure of its own in the year (the one asked for, else the one
    containing today): with none, "nothing is due" would be praise for an empty page."""
    with store.reader() as s:
        year = year_scope(s, plan_id, year_id, today)
        year_id = year.id if year else None
        wig = s.scalar(select(Wig.id).where(Wig.department_id == department_id, Wig.year_id == year_id).limit(1))
        measure = s.scalar(select(PerformanceMeasure.id).where(PerformanceMeasure.department_id == department_id,
                                                              PerformanceMeasure.year_id == year_id).limit(1))
    return wig is not None or measure is not None


def due_now(store: PlanStore, plan_id: int, today: date, department_id: int | None = None,
            year_id: int | None = None, status: PlanStatus | None = None, *,
            departments: Collection[int] | None = None, checks: bool = False) -> list[DueItem]:
    """What is due in one year of the plan (the one asked for, else the one containing today), as of today
    or, once that year has ended, its last day: a finished year never asks for next year's periods.
    `status` is the plan's statuses when the caller holds them already (the window's shared snapshot).
    `departments` scopes it to several departments (a division's); `checks` adds the CHECK_GROUPS."""
    scope: set[int] | None = set(departments) if departments is not None else (
        {department_id} if department_id is not None else None)
    if status is None or status.plan_id != plan_id or status.today != today or (
            year_id is not None and (status.year is None or status.year.id != year_id)):
        status = plan_status(store, plan_id, today, year_id)
    today = status.as_of or today
    start_month = status.year.start.month if status.year else 7
    items: list[DueItem] = []
    with store.reader() as s:
        # Columns, not ORM objects: at ten times the district, loading every row as an object was most of it.
        wigs = [w for w in s.execute(select(Wig.id, Wig.department_id, Wig.sentence)) if w.id in status.wigs]
        plan_wigs = {w.id for w in wigs}
        in_scope = {w.id for w in wigs if scope is None or w.department_id in scope}
        measures = s.execute(select(PerformanceMeasure.id, PerformanceMeasure.department_id,
                                    PerformanceMeasure.wig_id, PerformanceMeasure.frequency,
                                    PerformanceMeasure.name).where(
            PerformanceMeasure.year_id == status.year.id if status.year else PerformanceMeasure.year_id.is_(None))
            .order_by(PerformanceMeasure.id)).all()
        # Only the current and the last period of each frequency are asked about: read just those values.
        # At a year's start the last period is the year before's: ask only for this year's.
        current_periods = {f: period_containing(today, f, start_month) for f in Frequency}
        asked = {f: (p, period_containing(p.start - timedelta(days=1), f, start_month))
                 for f, p in current_periods.items()}
        starts = sorted({p.start for pair in asked.values() for p in pair})
        measures = [m for m in measures
                    if (scope is None or m.department_id in scope or m.wig_id in in_scope)
                    and (m.wig_id is None or m.wig_id in plan_wigs)]
        # Looked up by (measure, period start) in the unique index, for the measures listed only: a filter on
        # the period alone walked the index of every measure's values (1.4 million at ten times the district).
        logged: set[tuple[int | None, date]] = set()
        ids = [m.id for m in measures]
        for begin in range(0, len(ids), 5000):
            logged.update(s.execute(select(Measurement.measure_id, Measurement.period_start).where(
                Measurement.measure_id.is_not(None), Measurement.measure_id.in_(ids[begin:begin + 5000]),
                Measurement.period_start.in_(starts))).tuples())
        for m in measures:
            current, last = asked[m.frequency]
            if status.year is not None and last.end < status.year.start:
                if (m.id, current.start) not in logged:
                    items.append(DueItem("Values to log", m.name, f"No value for {current.label}.",
                                         NodeKey(Kind.MEASURE, m.id)))
            elif (m.id, current.start) not in logged and (m.id, last.start) not in logged:
                items.append(DueItem("Values to log", m.name, f"No value for {current.label} or {last.label}.",
                                     NodeKey(Kind.MEASURE, m.id)))
        for w in wigs:
            progress = status.wigs.get(w.id)
            latest_note = progress.latest.note if progress and progress.latest else ""
            if w.id in in_scope and progress and progress.status is Status.OFF_TRACK and not latest_note:
                items.append(DueItem("Off-track WIGs without a note", w.sentence,
                                     "Off track, and its latest value has no note saying why.",
                                     NodeKey(Kind.WIG, w.id)))
        last_update = {pid: when for pid, when in s.execute(
            select(StatusUpdate.project_id, func.max(StatusUpdate.update_date)).group_by(StatusUpdate.project_id))}
        lever_wig = {lever: wig for lever, wig in s.execute(select(KeyLever.id, KeyLever.wig_id))}

        def carried_by_scope(p: Any) -> bool:
            wig_id = p.wig_id or lever_wig.get(p.key_lever_id)
            if scope is None:  # this year's projects, and those that carry a strategy of the frame
                return wig_id in plan_wigs or wig_id is None
            return wig_id in in_scope

        projects = [p for p in s.execute(select(Project.id, Project.name, Project.status, Project.wig_id,
                                                Project.key_lever_id).order_by(Project.name))
                    if carried_by_scope(p)]
        for p in projects:
            if p.status in (ProjectStatus.COMPLETE, ProjectStatus.ON_HOLD):
                continue
            latest = last_update.get(p.id)
            if latest is None or latest < today - UPDATE_WINDOW:
                since = f"since {latest:%d %b %Y}" if latest else "ever"
                items.append(DueItem("Projects without an update", p.name, f"No weekly update {since}.",
                                     project_id=p.id))
        shown = [p.id for p in projects]
        for late in s.execute(select(Milestone.name, Milestone.due, Milestone.project_id, Project.name.label("project"))
                           .join(Project).where(Milestone.due < today, Milestone.done_on.is_(None),
                                                Milestone.project_id.in_(shown)).order_by(Milestone.due)):
            items.append(DueItem("Overdue milestones", f"{late.name} ({late.project})", f"Was due {late.due:%d %b %Y}.",
                                 project_id=late.project_id))
        if checks:
            for goal in s.execute(select(Wig.id, Wig.sentence).where(
                    Wig.id.in_(in_scope), Wig.target.is_not(None), Wig.baseline.is_(None),
                    Wig.kind != WigKind.MILESTONE, Wig.direction != Direction.MAINTAIN).order_by(Wig.id)):
                items.append(DueItem(CHECK_GROUPS[0], goal.sentence,
                                     "It has a target but no baseline to measure from.", NodeKey(Kind.WIG, goal.id)))
            for r, name in s.execute(select(RaidItem, Project.name).join(Project)
                                     .where(RaidItem.project_id.in_(shown), RaidItem.status != RaidStatus.CLOSED)
                                     .order_by(Project.name, RaidItem.id)):
                if not r.owner.strip():
                    items.append(DueItem(CHECK_GROUPS[1], f"{r.type.value}: {r.description[:60]} ({name})",
                                         "Open, and no one owns it.", project_id=r.project_id))
    return items


def item_line(item: DueItem) -> str:
    """One item in words, as the export's check lists it."""
    return f"{item.group}: {' '.join(item.title.split())} — {item.reason}"


def export_check(store: PlanStore, scope: ExportScope, today: date, status: PlanStatus | None = None) -> list[str]:
    """The export's data-quality check for a workbook's scope: exactly what Due Now lists for that scope and
    day (the same function), then the CHECK_GROUPS, marked as checked rather than due. A division's scope is
    its departments."""
    departments: list[int] | None = None
    if scope.department_id is not None:
        departments = [scope.department_id]
    elif scope.division_id is not None:
        with store.reader() as s:
            departments = list(s.scalars(select(Department.id).where(Department.division_id == scope.division_id)))
    items = due_now(store, scope.plan_id, today, year_id=scope.year_id, status=status, departments=departments,
                    checks=True)
    return [item_line(i) if i.group in DUE_GROUPS else f"Checked before sending, not due: {item_line(i)}"
            for i in items]
