"""Status of every WIG of a plan and the roll-ups above them, read in a few queries and computed by the
pure functions of progress.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, column, select, values
from sqlalchemy.orm import Session

from planner.errors import ValidationError
from planner.model import (
    Department,
    Direction,
    InterimTarget,
    Measurement,
    PerformanceMeasure,
    Pillar,
    Plan,
    PlanYear,
    Priority,
    Strategy,
    ValueSums,
    Wig,
    WigKind,
)
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import (
    SEVERITY,
    Point,
    Progress,
    Rollup,
    RollupRule,
    RollupSettings,
    Status,
    Summary,
    Thresholds,
    roll_up,
    wig_progress,
)
from planner.services.wig_parser import format_number
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
    """One plan year's statuses, as of one day: every WIG's progress and every owner's roll-up. It also keeps
    which owners each WIG counts towards and with what weight, so `refreshed` can re-judge a few WIGs and
    roll up again only the owners above them."""

    rules: StatusRules
    wigs: dict[int, Progress] = field(default_factory=dict)
    rollups: dict[NodeKey, Rollup] = field(default_factory=dict)
    year: YearInfo | None = None  # the annual plan judged (None: a plan without years)
    as_of: date | None = None  # the day it was judged as of: today, or the year's last day once it ended
    plan_id: int | None = None
    today: date | None = None  # the day asked for (as_of is min(today, the year's end))
    owners: dict[int, tuple[NodeKey, ...]] = field(default_factory=dict)  # WIG -> the nodes it rolls up into
    weights: dict[int, float] = field(default_factory=dict)
    goals: dict[int, Goal] = field(default_factory=dict)

    def for_key(self, key: NodeKey) -> Progress | Rollup | None:
        if key.kind is Kind.WIG:
            return self.wigs.get(key.id)
        return self.rollups.get(key)


NOTHING = Summary()  # a goal or measure with nothing logged

Interim = list[tuple[date, date, float]]  # (period start, period end, target value) of a goal's interim targets


def wig_points(session: Session, wig_ids: list[int]) -> tuple[dict[int, list[Point]], dict[int, Interim]]:
    points: dict[int, list[Point]] = defaultdict(list)
    interim: dict[int, Interim] = defaultdict(list)
    if not wig_ids:
        return points, interim
    for wig_id, end, value, done, note in session.connection().execute(
            select(Measurement.wig_id, Measurement.period_end, Measurement.value, Measurement.done, Measurement.note)
            .where(Measurement.wig_id.in_(wig_ids)).order_by(Measurement.period_end, Measurement.period_start)):
        points[wig_id].append(Point(end, value, done, note))
    for wig_id, start, end, value in session.connection().execute(
            select(InterimTarget.wig_id, InterimTarget.period_start, InterimTarget.period_end, InterimTarget.value)
            .where(InterimTarget.wig_id.in_(wig_ids))):
        interim[wig_id].append((start, end, value))
    return points, interim


def summaries(session: Session, of: str, ids: list[int]) -> dict[int, Summary]:
    """Each goal's (of="wig_id") or measure's (of="measure_id") logged values summed up, by id: what judging
    needs (Summary), from the sums the database keeps as values are written (ValueSums, a row a goal) and the
    few rows on their days, not a row a value (a district has millions). Ids with nothing logged are left out."""
    found: dict[int, Summary] = {}
    if not ids:
        return found
    m = Measurement.__table__
    key, when, value = m.c[of], m.c.period_end, m.c.value
    sums: dict[int, Any] = {}
    newest: dict[int, date] = {}
    kept = ValueSums.__table__.c
    subject = "w" if of == "wig_id" else "m"
    for begin in range(0, len(ids), 5000):
        for row in session.execute(
                select(kept.subject_id, kept.newest, kept.first_day, kept.last_day, kept.n, kept.sx, kept.sy,
                       kept.sxx, kept.sxy)
                .where(kept.subject == subject, kept.subject_id.in_(ids[begin:begin + 5000]))):
            newest[row[0]] = row[1]  # a subject has a row once it has a value
            if row[4]:
                sums[row[0]] = row[2:]
    if not newest:
        return found
    days = {(k, day) for k, day in newest.items()} | {(k, got[i]) for k, got in sums.items() for i in (0, 1)}
    # two rows ending on one day (a month and the quarter ending with it): values are in order of period end,
    # then of period start, as wig_points reads them, so the newest is the one that started later
    picked: dict[tuple[int, date, str], tuple[date, Point]] = {}
    wanted = sorted(days)
    for begin in range(0, len(wanted), 5000):
        # joined to the (id, day) pairs as a table: each pair one look-up in the index on (id, period end),
        # where `(id, day) IN (...)` had the database read every value
        pairs = values(column("k", Integer), column("d", Date), name="wanted").data(
            wanted[begin:begin + 5000]).cte("wanted")
        for started, k, end, v, done, note in session.execute(
                select(m.c.period_start, key, when, value, m.c.done, m.c.note)
                .select_from(pairs).join(m, (key == pairs.c.k) & (when == pairs.c.d))):
            for slot, keep_later in (("any", True), ("first", False), ("last", True)) if v is not None else (
                    ("any", True),):
                mark = (k, end, slot)
                held = picked.get(mark)
                if held is None or (started > held[0]) == keep_later:
                    picked[mark] = (started, Point(end, v, done, note))

    def point(k: int, day: date | None, slot: str) -> Point | None:
        held = picked.get((k, day, slot)) if day is not None else None
        return held[1] if held else None

    for k, day in newest.items():
        first_day, last_day, n, sx, sy, sxx, sxy = sums.get(k, (None, None, 0, 0, 0, 0, 0))
        found[k] = Summary(point(k, day, "any"), point(k, first_day, "first"), point(k, last_day, "last"),
                           int(n or 0), float(sx or 0), float(sy or 0), float(sxx or 0), float(sxy or 0))
    return found


def interim_targets(session: Session, wig_ids: list[int]) -> dict[int, Interim]:
    interim: dict[int, Interim] = defaultdict(list)
    if wig_ids:
        for wig_id, start, end, value in session.connection().execute(
                select(InterimTarget.wig_id, InterimTarget.period_start, InterimTarget.period_end,
                       InterimTarget.value).where(InterimTarget.wig_id.in_(wig_ids))):
            interim[wig_id].append((start, end, value))
    return interim


def _quantity_rows(session: Session, wig_ids: list[int]) -> dict[int, list[tuple[int, str, str | None, float | None,
                                                                                float]]]:
    found: dict[int, list[tuple[int, str, str | None, float | None, float]]] = defaultdict(list)
    if not wig_ids:
        return found
    for mid, wig_id, name, unit, baseline, target in session.connection().execute(
            select(PerformanceMeasure.id, PerformanceMeasure.wig_id, PerformanceMeasure.name, PerformanceMeasure.unit,
                   PerformanceMeasure.goal_baseline, PerformanceMeasure.goal_target)
            .where(PerformanceMeasure.wig_id.in_(wig_ids), PerformanceMeasure.goal_target.is_not(None))
            .order_by(PerformanceMeasure.position)):
        found[wig_id].append((mid, name, unit, baseline, target))
    return found


def with_quantities(session: Session, wigs: dict[int, tuple[Direction, date | None, date | None]],
                    progress: dict[int, Progress], today: date, thresholds: Thresholds) -> None:
    """A WIG that names several quantities is judged by each, on its measure's values, and takes the worst
    of them (its own values, if any, are left aside). `wigs` gives each WIG's direction, start and deadline."""
    quantities = _quantity_rows(session, list(wigs))
    if not quantities:
        return
    summed = summaries(session, "measure_id", [q[0] for rows in quantities.values() for q in rows])
    for wig_id, rows in quantities.items():
        direction, start, deadline = wigs[wig_id]
        each = []
        for mid, name, unit, baseline, target in rows:
            kind = WigKind.PERCENT if (unit or "").strip() == "%" else WigKind.NUMBER
            way = direction if direction is Direction.MAINTAIN or baseline is None or baseline == target else (
                Direction.DECREASE if target < baseline else Direction.INCREASE)
            each.append((name, wig_progress(kind, way, baseline, target, start, deadline,
                                            summed.get(mid, NOTHING), today, thresholds)))
        progress[wig_id] = _worst_of(each)


def _worst_of(each: list[tuple[str, Progress]]) -> Progress:
    measured = [(n, p) for n, p in each if p.status not in (Status.NO_DATA, Status.NOT_STARTED)]
    pool = measured or each
    name, worst = min(pool, key=lambda item: SEVERITY.index(item[1].status))
    reason = "; ".join(f"{n}: {p.status.value.lower()}" + (
        f" ({format_number(p.latest.value)})" if p.latest and p.latest.value is not None else "") for n, p in each)
    return Progress(worst.status, f"{reason}. The goal takes the worst of its quantities ({name}).",
                    share=worst.share, expected_today=worst.expected_today, latest=worst.latest,
                    baseline_used=worst.baseline_used, target_used=worst.target_used)


def judged_on(session: Session, wig: Wig, today: date) -> date:
    """A WIG of a year that has ended is judged as of that year's last day, never against today."""
    year = session.get(PlanYear, wig.year_id) if wig.year_id else None
    return min(today, year.end_date) if year is not None else today


@dataclass(frozen=True)
class Goal:
    """What judging a WIG needs of it, as a Wig row or a Core query's columns give it."""

    id: int
    kind: WigKind
    direction: Direction
    baseline: float | None
    target: float | None
    start: date | None
    deadline: date | None
    relative_change: float | None

    @classmethod
    def of(cls, wig: Wig) -> Goal:
        return cls(wig.id, wig.kind, wig.direction, wig.baseline, wig.target, wig.start_date, wig.deadline,
                   wig.relative_change)


def judged_day(year: YearInfo | None, today: date) -> tuple[date, bool]:
    """The day a year is judged as of (today, or its last day once it has ended) and whether it has ended."""
    if year is None:
        return today, False
    return year.judged_on(today), today > year.end


def judge(session: Session, goals: list[Goal], today: date, thresholds: Thresholds, *, over: bool,
          points: dict[int, list[Point]] | None = None,
          interim: dict[int, Interim] | None = None) -> dict[int, Progress]:
    """Every goal's progress as of `today`, its quantities included: the one judgement the tree, the form,
    Due Now and the scoreboard share. `points` and `interim` when the caller has read them already."""
    ids = [g.id for g in goals]
    logged: Mapping[int, list[Point] | Summary] = points if points is not None else summaries(session, "wig_id", ids)
    if interim is None:
        interim = interim_targets(session, ids)
    found = {g.id: wig_progress(g.kind, g.direction, g.baseline, g.target, g.start, g.deadline,
                                logged.get(g.id, NOTHING), today, thresholds, interim.get(g.id, ()),
                                g.relative_change, over) for g in goals}
    with_quantities(session, {g.id: (g.direction, g.start, g.deadline) for g in goals}, found, today, thresholds)
    return found


def wig_progress_of(session: Session, wig: Wig, today: date, rules: StatusRules) -> Progress:
    judged = judged_on(session, wig, today)
    return judge(session, [Goal.of(wig)], judged, rules.thresholds, over=judged < today)[wig.id]


_WIG_ROW = (Wig.id, Wig.kind, Wig.direction, Wig.baseline, Wig.target, Wig.start_date, Wig.deadline,
            Wig.relative_change, Wig.weight, Wig.strategy_id, Wig.department_id, Strategy.priority_id,
            Strategy.division_id, Priority.pillar_id, Department.division_id)


def _wig_rows(s: Session, plan_id: int, year: YearInfo | None, wig_ids: list[int] | None = None) -> list[Any]:
    in_year = Wig.year_id == year.id if year is not None else Wig.year_id.is_(None)
    stmt = (select(*_WIG_ROW)
            .outerjoin(Strategy, Wig.strategy_id == Strategy.id)
            .outerjoin(Priority, Strategy.priority_id == Priority.id)
            .outerjoin(Pillar, Priority.pillar_id == Pillar.id)
            .outerjoin(Department, Wig.department_id == Department.id)
            .where((Pillar.plan_id == plan_id) | (Department.plan_id == plan_id), in_year))
    if wig_ids is not None:
        stmt = stmt.where(Wig.id.in_(wig_ids))
    return list(s.connection().execute(stmt).all())


def _take_rows(result: PlanStatus, rows: list[Any]) -> None:
    for (wig_id, *_goal, weight, strategy_id, department_id, priority_id, strategy_division, pillar_id,
         department_division) in rows:
        owners = (NodeKey(Kind.STRATEGY, strategy_id), NodeKey(Kind.PRIORITY, priority_id),
                  NodeKey(Kind.PILLAR, pillar_id), NodeKey(Kind.DEPARTMENT, department_id),
                  NodeKey(Kind.DIVISION, strategy_division), NodeKey(Kind.DIVISION, department_division))
        result.owners[wig_id] = tuple(dict.fromkeys(o for o in owners if o.id is not None))  # a WIG counts once
        result.weights[wig_id] = weight
        result.goals[wig_id] = Goal(wig_id, *_goal)


def _roll_up(result: PlanStatus, owners: set[NodeKey] | None = None) -> None:
    """The roll-up of every owner in `owners` (all of them when None) from its WIGs' statuses."""
    groups: dict[NodeKey, list[tuple[Status, float]]] = defaultdict(list)
    for wig_id, wig_owners in result.owners.items():
        for owner in wig_owners:
            if owners is None or owner in owners:
                groups[owner].append((result.wigs[wig_id].status, result.weights[wig_id]))
    if owners is None:
        result.rollups = {}
    else:
        for owner in owners:
            result.rollups.pop(owner, None)
    for owner, items in groups.items():
        result.rollups[owner] = roll_up(items, result.rules.rollup)


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
        judged, over = judged_day(year, today)
        result = PlanStatus(rules, year=year, as_of=judged, plan_id=plan_id, today=today)
        _take_rows(result, _wig_rows(s, plan_id, year))
        result.wigs = judge(s, list(result.goals.values()), judged, rules.thresholds, over=over)
    _roll_up(result)
    return result


def wigs_of(store: PlanStore, keys: Iterable[NodeKey]) -> set[int]:
    """The WIGs whose status a change to these nodes can move: a WIG itself, a measure's WIG, a key lever's."""
    keys = list(keys)
    wigs = {k.id for k in keys if k.kind is Kind.WIG}
    measures = [k.id for k in keys if k.kind is Kind.MEASURE]
    if measures:
        with store.reader() as s:
            wigs |= {w for w in s.scalars(select(PerformanceMeasure.wig_id)
                                           .where(PerformanceMeasure.id.in_(measures))) if w is not None}
    return wigs


def refreshed(store: PlanStore, before: PlanStatus, wig_ids: Iterable[int]) -> PlanStatus:
    """`before` with these WIGs judged again from the file and only the owners above them rolled up again:
    what logging one value costs, instead of the whole plan. A WIG that left the year (or the plan) is
    dropped; one that joined it is added. The result is a new snapshot; `before` is left as it was."""
    assert before.plan_id is not None and before.today is not None
    wig_ids = list(dict.fromkeys(wig_ids))
    result = PlanStatus(before.rules, dict(before.wigs), dict(before.rollups), before.year, before.as_of,
                        before.plan_id, before.today, dict(before.owners), dict(before.weights), dict(before.goals))
    touched: set[NodeKey] = set()
    for wig_id in wig_ids:
        touched.update(result.owners.pop(wig_id, ()))
        result.weights.pop(wig_id, None)
        result.goals.pop(wig_id, None)
        result.wigs.pop(wig_id, None)
    if not wig_ids:
        return result
    with store.reader() as s:
        rows = _wig_rows(s, before.plan_id, before.year, wig_ids)
        _take_rows(result, rows)
        judged, over = judged_day(before.year, before.today)
        goals = [result.goals[r[0]] for r in rows]
        result.wigs.update(judge(s, goals, judged, before.rules.thresholds, over=over))
    for row in rows:
        touched.update(result.owners[row[0]])
    _roll_up(result, touched)
    return result
