"""Status of every WIG of a plan and the roll-ups above them, read in a few queries and computed by the
pure functions of progress.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.errors import ValidationError
from planner.model import Department, InterimTarget, Measurement, Pillar, Plan, PlanYear, Priority, Strategy, Wig
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import (
    Point,
    Progress,
    Rollup,
    RollupRule,
    RollupSettings,
    Thresholds,
    roll_up,
    wig_progress,
)
from planner.services.years import YearInfo, year_scope
from planner.store import PlanStore


@dataclass(frozen=True)
class StatusRules:
    thresholds: Thresholds
    rollup: RollupSettings

    def describe(self) -> str:
        return f"{self.thresholds.describe()} {self.rollup.describe()}"


def rules_of(plan: Plan) -> StatusRules:
    return StatusRules(Thresholds(plan.on_track_tolerance, plan.at_risk_tolerance),
                       RollupSettings(RollupRule(plan.rollup_rule), plan.rollup_on_track, plan.rollup_at_risk))


def plan_rules(store: PlanStore, plan_id: int) -> StatusRules:
    with store.reader() as s:
        plan = s.get(Plan, plan_id)
        if plan is None:
            raise ValidationError("That plan no longer exists.")
        return rules_of(plan)


def set_plan_rules(store: PlanStore, plan_id: int, rules: StatusRules) -> StatusRules:
    """Change a plan's status rules; returns the previous ones (for undo)."""
    t, r = rules.thresholds, rules.rollup
    for name, value in (("on-track tolerance", t.on_track), ("at-risk tolerance", t.at_risk),
                        ("on-track share", r.on_track_share), ("at-risk share", r.at_risk_share)):
        if not 0 <= value <= 1:
            raise ValidationError(f"The {name} must be between 0% and 100%.", field=name)
    if t.at_risk < t.on_track:
        raise ValidationError("The at-risk tolerance must be at least the on-track tolerance.", field="at_risk")
    if r.at_risk_share > r.on_track_share:
        raise ValidationError("The at-risk share must not be above the on-track share.", field="at_risk_share")
    with store.session() as s:
        plan = s.get(Plan, plan_id)
        if plan is None:
            raise ValidationError("That plan no longer exists.")
        before = rules_of(plan)
        plan.on_track_tolerance, plan.at_risk_tolerance = t.on_track, t.at_risk
        plan.rollup_rule, plan.rollup_on_track, plan.rollup_at_risk = r.rule.value, r.on_track_share, r.at_risk_share
        return before


@dataclass
class PlanStatus:
    rules: StatusRules
    wigs: dict[int, Progress] = field(default_factory=dict)
    rollups: dict[NodeKey, Rollup] = field(default_factory=dict)
    year: YearInfo | None = None  # the annual plan judged (None: a plan without years)
    as_of: date | None = None  # the day it was judged as of: today, or the year's last day once it ended

    def for_key(self, key: NodeKey) -> Progress | Rollup | None:
        if key.kind is Kind.WIG:
            return self.wigs.get(key.id)
        return self.rollups.get(key)


def wig_points(session: Session, wig_ids: list[int]) -> tuple[dict[int, list[Point]], dict[int, list]]:
    points: dict[int, list[Point]] = defaultdict(list)
    interim: dict[int, list] = defaultdict(list)
    if not wig_ids:
        return points, interim
    for wig_id, end, value, done, note in session.connection().execute(
            select(Measurement.wig_id, Measurement.period_end, Measurement.value, Measurement.done, Measurement.note)
            .where(Measurement.wig_id.in_(wig_ids))):
        points[wig_id].append(Point(end, value, done, note))
    for wig_id, start, end, value in session.connection().execute(
            select(InterimTarget.wig_id, InterimTarget.period_start, InterimTarget.period_end, InterimTarget.value)
            .where(InterimTarget.wig_id.in_(wig_ids))):
        interim[wig_id].append((start, end, value))
    return points, interim


def judged_on(session: Session, wig: Wig, today: date) -> date:
    """A WIG of a year that has ended is judged as of that year's last day, never against today."""
    year = session.get(PlanYear, wig.year_id) if wig.year_id else None
    return min(today, year.end_date) if year is not None else today


def wig_progress_of(session: Session, wig: Wig, today: date, rules: StatusRules) -> Progress:
    today = judged_on(session, wig, today)
    points, interim = wig_points(session, [wig.id])
    return wig_progress(wig.kind, wig.direction, wig.baseline, wig.target, wig.start_date, wig.deadline,
                        points[wig.id], today, rules.thresholds, interim[wig.id], wig.relative_change)


def plan_status(store: PlanStore, plan_id: int, today: date, year_id: int | None = None) -> PlanStatus:
    """Every WIG's progress and every strategy, priority, pillar, division and department's roll-up, for
    one year of the plan (the one asked for, else the one containing today), judged as of today or, for a
    year that has ended, its last day."""
    with store.reader() as s:
        plan = s.get(Plan, plan_id)
        if plan is None:
            raise ValidationError("That plan no longer exists.")
        rules = rules_of(plan)
        year = year_scope(s, plan_id, year_id, today)
        if year is not None:
            today = year.judged_on(today)
        result = PlanStatus(rules, year=year, as_of=today)
        in_year = Wig.year_id == year.id if year is not None else Wig.year_id.is_(None)
        rows = s.connection().execute(
            select(Wig.id, Wig.kind, Wig.direction, Wig.baseline, Wig.target, Wig.start_date, Wig.deadline,
                   Wig.weight, Wig.strategy_id, Wig.department_id, Strategy.priority_id, Strategy.division_id,
                   Priority.pillar_id, Department.division_id, Wig.relative_change)
            .outerjoin(Strategy, Wig.strategy_id == Strategy.id)
            .outerjoin(Priority, Strategy.priority_id == Priority.id)
            .outerjoin(Pillar, Priority.pillar_id == Pillar.id)
            .outerjoin(Department, Wig.department_id == Department.id)
            .where((Pillar.plan_id == plan_id) | (Department.plan_id == plan_id), in_year)).all()
        points, interim = wig_points(s, [r[0] for r in rows])
    groups: dict[NodeKey, dict[int, tuple]] = defaultdict(dict)
    for (wig_id, kind, direction, baseline, target, start, deadline, weight, strategy_id, department_id,
         priority_id, strategy_division, pillar_id, department_division, relative) in rows:
        progress = wig_progress(kind, direction, baseline, target, start, deadline, points[wig_id], today,
                                rules.thresholds, interim[wig_id], relative)
        result.wigs[wig_id] = progress
        item = (progress.status, weight)
        owners = [NodeKey(Kind.STRATEGY, strategy_id), NodeKey(Kind.PRIORITY, priority_id),
                  NodeKey(Kind.PILLAR, pillar_id), NodeKey(Kind.DEPARTMENT, department_id),
                  NodeKey(Kind.DIVISION, strategy_division), NodeKey(Kind.DIVISION, department_division)]
        for owner in owners:
            if owner.id is not None:
                groups[owner][wig_id] = item  # keyed by WIG: a WIG counts once per owner
    for owner, items in groups.items():
        result.rollups[owner] = roll_up(items.values(), rules.rollup)
    return result
