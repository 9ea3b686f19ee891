"""Plan-file use cases: create a file (from the default plan or empty), open one, check one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from planner import clock
from planner.model import (
    Department,
    Division,
    KeyLever,
    PerformanceMeasure,
    Pillar,
    Plan,
    Priority,
    Strategy,
    Wig,
)
from planner.services.default_plan import add_default_plans
from planner.services.years import pick_year, years_of
from planner.store import FileReport, PlanStore, create_plan_file, init_server, inspect_plan_file, open_plan_file

LEVELS = ("pillars", "priorities", "strategies", "WIGs", "key levers", "performance measures",
          "departments", "divisions")


def new_plan_file(path: Path, *, empty: bool = False) -> PlanStore:
    """Create `path` holding the district's default plan (or nothing) and return it open.

    The rows are written in one transaction; if loading fails the half-made file is removed, so a
    failed create never leaves a file that looks like a plan.
    """
    store = create_plan_file(Path(path))
    if empty:
        return store
    try:
        with store.session(reason="New plan file holding the district's default plan") as session:
            add_default_plans(session)
    except BaseException:
        store.close()
        Path(path).unlink(missing_ok=True)
        raise
    return store


def init_district_server(url: str) -> PlanStore:
    """`planner server init`: the schema on the district server (created, or brought up to date), and the
    district's default plan loaded when the server holds no plan yet. Returns it open."""
    store = init_server(url)
    try:
        with store.session(reason="The district's default plan, loaded onto the server by planner server init"
                           ) as session:
            if session.scalar(select(func.count(Plan.id))) == 0:
                add_default_plans(session)
    except BaseException:
        store.close()
        raise
    return store


def open_or_create_default(path: Path) -> PlanStore:
    """The user's own plan file: opened if it exists, created from the default plan on first start."""
    path = Path(path)
    if path.exists():
        return open_plan_file(path)
    return new_plan_file(path)


TREE_LEVELS = LEVELS[:5]  # the levels a plan names for itself


def plural(name: str) -> str:
    if name == "Wildly Important Goal":
        return "WIGs"
    lower = name.lower()
    return lower[:-1] + "ies" if lower.endswith("y") else lower + "s"


@dataclass(frozen=True)
class PlanCounts:
    plan: str
    archived: bool
    level_names: list[str]
    counts: dict[str, int]

    def labelled(self) -> list[tuple[str, int]]:
        """(label, count) in the plan's own words: the 2018 plan has goals and focus areas, no strategies."""
        rows = [(plural(self.level_names[i]), self.counts[level])
                for i, level in enumerate(TREE_LEVELS) if i < len(self.level_names)]
        rows += [(level, self.counts[level]) for level in LEVELS[5:]
                 if self.counts[level] or not self.archived]
        return rows


def count_plan(session: Session, plan: Plan, year_id: int | None = None) -> PlanCounts:
    """Rows at each level of one plan, keyed by the names in LEVELS."""
    pid = plan.id
    pillar_ids = select(Pillar.id).where(Pillar.plan_id == pid)
    priority_ids = select(Priority.id).where(Priority.pillar_id.in_(pillar_ids))
    strategy_ids = select(Strategy.id).where(Strategy.priority_id.in_(priority_ids))
    dept_ids = select(Department.id).where(Department.plan_id == pid)
    wig_ids = select(Wig.id).where(Wig.strategy_id.in_(strategy_ids) | Wig.department_id.in_(dept_ids))
    in_year: ColumnElement[bool] = PerformanceMeasure.id.is_not(None)
    if year_id is not None:  # one school year's goals; the frame is the same in every year
        wig_ids = wig_ids.where(Wig.year_id == year_id)
        in_year = PerformanceMeasure.year_id == year_id

    def n(stmt: Select[Any]) -> int:
        return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    counts = {
        "pillars": n(pillar_ids),
        "priorities": n(priority_ids),
        "strategies": n(strategy_ids),
        "WIGs": n(wig_ids),
        "key levers": n(select(KeyLever.id).where(KeyLever.wig_id.in_(wig_ids))),
        "performance measures": n(select(PerformanceMeasure.id).where(
            PerformanceMeasure.wig_id.in_(wig_ids) | PerformanceMeasure.strategy_id.in_(strategy_ids)
            | PerformanceMeasure.department_id.in_(dept_ids)).where(in_year)),
        "departments": n(dept_ids),
        "divisions": n(select(Division.id).where(Division.plan_id == pid)),
    }
    return PlanCounts(plan.name, plan.archived, list(plan.level_names), counts)


@dataclass(frozen=True)
class PlanSummary:
    """What the overview shows of one plan: plain values, read in one transaction."""

    counts: PlanCounts
    period_label: str
    plan_year: str
    mission: str
    vision: str
    strategy_statement: str
    goals: list[str]
    guardrails: list[str]
    pillars: list[tuple[str, str]]


def plan_summaries(store: PlanStore, open_years: dict[int, int] | None = None) -> list[PlanSummary]:
    """Each plan with the counts of one of its years: the one `open_years` names for it, else the one
    containing today."""
    found = []
    with store.reader() as session:
        for plan in session.scalars(select(Plan).order_by(Plan.position, Plan.id)).all():
            years = years_of(session, plan.id)
            year = next((y for y in years if y.id == (open_years or {}).get(plan.id)), None) or pick_year(
                years, clock.today())
            found.append(PlanSummary(
                count_plan(session, plan, year.id if year else None), plan.period_label, year.label if year else "",
                plan.mission, plan.vision, plan.strategy_statement, [g.name for g in plan.goals],
                [g.name for g in plan.guardrails], [(p.code, p.name) for p in plan.pillars]))
    return found


def plan_counts(store: PlanStore) -> list[PlanCounts]:
    with store.reader() as session:
        plans = session.scalars(select(Plan).order_by(Plan.position, Plan.id)).all()
        return [count_plan(session, plan) for plan in plans]


@dataclass
class CheckResult:
    report: FileReport
    plans: list[PlanCounts] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_plan_file(path: Path) -> CheckResult:
    """Everything `planner check` reports. Opens read-only and changes nothing in the file."""
    report = inspect_plan_file(Path(path))
    result = CheckResult(report)
    if report.integrity != "ok":
        result.problems.append(f"integrity check failed: {report.integrity}")
    if report.foreign_key_problems:
        result.problems.append(f"{report.foreign_key_problems} rows point at rows that do not exist")
    if report.needs_upgrade:
        return result  # counted after the upgrade that the next normal open performs
    store = open_plan_file(Path(path), read_only=True)
    try:
        result.plans = plan_counts(store)
    finally:
        store.close()
    return result
