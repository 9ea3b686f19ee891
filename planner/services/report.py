"""The status summary's content, as plain data: a report service builds it, a render module turns it
into pages (PDF or paper). Scope: one department, one division, one pillar, or the whole district."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from planner import __version__
from planner.errors import ValidationError
from planner.model import (
    Department,
    Division,
    Measurement,
    PerformanceMeasure,
    Pillar,
    Plan,
    Project,
    RaidItem,
    RaidStatus,
    RaidType,
    Wig,
)
from planner.services.charts import ChartData, Scope, scoreboard
from planner.services.progress import SEVERITY, Status
from planner.services.projects import milestone_overdue, utilization
from planner.services.status import PlanStatus, plan_rules, wig_progress_of
from planner.services.wig_parser import format_number
from planner.services.years import carried_chain, current_year
from planner.store import PlanStore

SECTIONS = ("cover", "wigs", "years", "scoreboards", "projects", "raid", "index")
SECTION_LABEL = {"cover": "Cover", "wigs": "WIG blocks", "years": "Year over year",
                 "scoreboards": "4DX scoreboard per WIG", "projects": "Projects", "raid": "RAID log",
                 "index": "Department Plans Index"}


@dataclass(frozen=True)
class ProjectLine:
    name: str
    status: str
    percent: float
    lead: str
    end: date | None
    open_issues: list[str]
    overdue_milestones: list[str]


@dataclass(frozen=True)
class WigBlock:
    code: str
    owner: str
    sentence: str
    structure: str  # "102 → 154 approved partners by 30 Jun 2025"
    latest: str
    share: float | None
    status: Status
    reason: str
    chart: ChartData
    key_levers: list[str]
    measures: list[tuple[str, str]]  # name, latest value and period
    projects: list[ProjectLine]


@dataclass(frozen=True)
class RaidLine:
    project: str
    type: str
    description: str
    owner: str
    status: str
    score: int | None


@dataclass
class Summary:
    title: str
    scope_label: str
    plan_name: str
    plan_year: str
    today: date
    counts: dict[Status, int]
    utilization: str
    rules: str
    wigs: list[WigBlock] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)
    raid: list[RaidLine] = field(default_factory=list)
    index: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # department, WIGs, measures
    # Per WIG carried from earlier years: its code and owner, then a line per year, oldest first
    # ("2024-25: 102 → 154 approved partners, reached 131 (At risk)").
    years: list[tuple[str, list[str]]] = field(default_factory=list)
    division: str = ""  # the division a department's summary belongs to, for the cover
    generator: str = f"Planner {__version__}"


def resolve_scope(store: PlanStore, plan_id: int, *, department: str | None = None, division: str | None = None,
                  pillar: str | None = None) -> tuple[Scope, str]:
    """A scope from names a person types (CLI) or picks; a name that matches nothing is a clear error."""
    with store.reader() as s:
        if department:
            found = s.scalars(select(Department).where(Department.plan_id == plan_id,
                                                       Department.name == department)).first()
            if found is None:
                names = ", ".join(s.scalars(select(Department.name).where(Department.plan_id == plan_id,
                                                                          Department.division_id.is_not(None))))
                raise ValidationError(f"No department is named “{department}”.", field="department",
                                      hint=f"Departments with a plan: {names}.")
            return Scope("department", found.id), f"Department: {found.name}"
        if division:
            div = s.scalars(select(Division).where(Division.plan_id == plan_id, Division.name == division)).first()
            if div is None:
                names = ", ".join(s.scalars(select(Division.name).where(Division.plan_id == plan_id)))
                raise ValidationError(f"No division is named “{division}”.", field="division",
                                      hint=f"Divisions: {names}.")
            return Scope("division", div.id), f"Division: {div.name}"
        if pillar:
            pil = s.scalars(select(Pillar).where(Pillar.plan_id == plan_id, Pillar.code == pillar)).first()
            if pil is None:
                codes = ", ".join(s.scalars(select(Pillar.code).where(Pillar.plan_id == plan_id)))
                raise ValidationError(f"No pillar has the code “{pillar}”.", field="pillar", hint=f"Pillars: {codes}.")
            return Scope("pillar", pil.id), f"Pillar {pil.code}: {pil.name}"
        plan = s.get(Plan, plan_id)
        return Scope(), f"Whole district: {plan.name if plan else ''}"


def active_plan_id(store: PlanStore) -> int:
    with store.reader() as s:
        found = s.scalars(select(Plan.id).where(Plan.archived.is_(False)).order_by(Plan.position, Plan.id)).first()
    if found is None:
        raise ValidationError("This file holds no current plan to report on.")
    return int(found)


def _structure(wig: Wig) -> str:
    unit = "%" if wig.kind.value == "percent" else (f" {wig.unit}" if wig.unit else "")
    by = f" by {wig.deadline:%d %b %Y}" if wig.deadline else ""
    if wig.kind.value == "milestone":
        return f"Milestone (done or not done){by}"
    target = "?" if wig.target is None else format_number(wig.target)
    if wig.direction.value == "maintain":
        return f"keep at or above {target}{unit}{by}"
    base = "?" if wig.baseline is None else format_number(wig.baseline)
    return f"{base} → {target}{unit}{by}"


def _year_line(s: Any, label: str, wig: Wig, today: date, rules: Any) -> str:
    """One year of a WIG's lineage: what it set out to do and where it got to, judged as of that year's end
    (or today, for the year still running)."""
    progress = wig_progress_of(s, wig, today, rules)
    latest = progress.latest
    if wig.kind.value == "milestone":
        reached = "done" if latest is not None and (latest.done or latest.value) else "not done"
    else:
        reached = "nothing logged" if latest is None or latest.value is None else \
            f"reached {format_number(latest.value)}"
    return f"{label}: {_structure(wig)}, {reached} ({progress.status.value})"


def lineage_lines(store: PlanStore, wig_id: int, today: date) -> list[str]:
    """A WIG's years, oldest first, when it was carried from earlier ones (empty for a first-year goal):
    "2024-25: 0 → 80% by 30 Jun 2025, reached 60 (Off track)"."""
    with store.reader() as s:
        wig = s.get(Wig, wig_id)
        if wig is None:
            return []
        chain = carried_chain(s, wig)
        if len(chain) < 2:
            return []
        rules = plan_rules(store, active_plan_id(store))
        return [_year_line(s, label, w, today, rules) for label, w in chain]


def build_summary(store: PlanStore, plan_id: int, scope: Scope, scope_label: str, today: date,
                  year_id: int | None = None, status: PlanStatus | None = None) -> Summary:
    """The status summary of one year of the plan (the one asked for, else the one containing today), as
    of today or, once that year has ended, its last day. `status`: the plan's statuses, when the caller
    holds them already (the window's shared snapshot)."""
    year = current_year(store, plan_id, today, year_id)
    if year is not None:
        today = year.judged_on(today)
    cards = scoreboard(store, plan_id, scope, today, year.id if year else None, status)
    counts = {status: 0 for status in SEVERITY}
    for card in cards:
        counts[card.chart.progress.status] += 1
    rules = plan_rules(store, plan_id)
    with store.reader() as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        if scope.kind == "department" and scope.id is not None:
            used = utilization(store, scope.id, today, year_id=year.id if year else None).describe()
        else:
            departments = list(s.scalars(select(Department.id).where(Department.plan_id == plan_id,
                                                                     Department.division_id.is_not(None))))
            if scope.kind == "division":
                departments = list(s.scalars(select(Department.id).where(Department.division_id == scope.id)))
            totals = [utilization(store, d, today, year_id=year.id if year else None) for d in departments]
            lever_count = sum(u.levers for u in totals)
            covered = sum(u.covered for u in totals)
            used = (f"{covered} of {lever_count} department key levers ({covered / lever_count:.0%}) have an active "
                    f"project updated in the last {plan.utilization_window_days} days.") if lever_count else \
                "No department key levers in this scope."
        summary = Summary("Status Summary", scope_label, plan.name, year.label if year else "", today, counts, used,
                          rules.describe())
        if scope.kind == "department" and scope.id is not None:
            department = s.get(Department, scope.id)
            if department is not None and department.division is not None:
                summary.division = department.division.name
        latest_measure: dict[int, tuple[str, str]] = {}
        for m_id, value, done, end in s.execute(
                select(Measurement.measure_id, Measurement.value, Measurement.done, Measurement.period_end)
                .where(Measurement.measure_id.is_not(None)).order_by(Measurement.period_end)):
            shown = ("Done" if done else "Not done") if value is None else format_number(value)
            latest_measure[m_id] = (shown, f"{end:%d %b %Y}")
        all_projects: dict[int, ProjectLine] = {}
        for card in cards:
            wig = s.get(Wig, card.wig_id)
            if wig is None:  # the cards were read in this same snapshot
                continue
            levers = [k.text for k in wig.key_levers]
            measures = []
            for m in s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.wig_id == wig.id)
                               .order_by(PerformanceMeasure.position)):
                value, when = latest_measure.get(m.id, ("—", ""))
                suffix = "%" if (m.unit or "") == "%" and value not in ("—", "Done", "Not done") else ""
                measures.append((m.name, f"{value}{suffix}" + (f" ({when})" if when else "")))
            lever_ids = [k.id for k in wig.key_levers]
            carrying = s.scalars(select(Project).where(
                (Project.wig_id == wig.id) | Project.key_lever_id.in_(lever_ids)).order_by(Project.name)).all()
            lines = []
            for p in carrying:
                issues = [r.description for r in p.raid_items if r.type is RaidType.ISSUE
                          and r.status is not RaidStatus.CLOSED]
                late = [f"{m.name} (due {m.due:%d %b %Y})" for m in p.milestones
                        if milestone_overdue(m.due, m.done_on, today)]
                line = ProjectLine(p.name, p.status.value, p.percent_complete, p.lead, p.end_date, issues, late)
                lines.append(line)
                all_projects[p.id] = line
            progress = card.chart.progress
            chain = carried_chain(s, wig)
            if len(chain) > 1:
                summary.years.append((f"{card.code} · {card.owner}" if card.owner not in card.code else card.code,
                                      [_year_line(s, label, w, today, rules) for label, w in chain]))
            summary.wigs.append(WigBlock(card.code, card.owner, wig.sentence, _structure(wig), card.latest_text,
                                         progress.share, progress.status, progress.reason, card.chart, levers,
                                         measures, lines))
        summary.projects = sorted(all_projects.values(), key=lambda p: p.name)
        if all_projects:
            for r in s.scalars(select(RaidItem).where(RaidItem.project_id.in_(list(all_projects)),
                                                      RaidItem.status != RaidStatus.CLOSED)):
                summary.raid.append(RaidLine(all_projects[r.project_id].name, r.type.value, r.description,
                                             r.owner, r.status.value, r.score))
            summary.raid.sort(key=lambda r: (-(r.score or 0), r.project))
        depts = s.scalars(select(Department).where(Department.plan_id == plan_id, Department.division_id.is_not(None))
                          .order_by(Department.position))
        for dept in depts:
            if scope.kind == "department" and dept.id != scope.id:
                continue
            if scope.kind == "division" and dept.division_id != scope.id:
                continue
            if scope.kind == "pillar":
                continue
            year_id = year.id if year else None  # the index of the year summarised
            summary.index.append((dept.name, [w.sentence for w in dept.wigs if w.year_id == year_id],
                                  [m.name for m in dept.measures if m.year_id == year_id]))
    return summary
