"""What a WIG chart shows, as plain data: the window, the scoreboard and (later) print draw from this one
function, so all three show the same thing."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from planner.errors import ValidationError
from planner.model import Department, Division, Pillar, Plan, Priority, Strategy, Wig, WigKind
from planner.services.plan_edit import plan_id_of
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import Point, Progress
from planner.services.status import (
    Goal,
    Interim,
    PlanStatus,
    interim_targets,
    judge,
    judged_day,
    rules_of,
    wig_points,
    wig_progress_of,
)
from planner.services.wig_parser import format_number
from planner.services.years import carried_chain, year_scope
from planner.store import PlanStore


@dataclass(frozen=True)
class ChartData:
    title: str
    kind: WigKind
    unit: str | None
    points: list[Point]  # logged values (milestones: 1 done / 0 not done)
    path: list[tuple[date, float]]  # the straight line from baseline at start to target at deadline
    target: float | None
    deadline: date | None
    forecast: list[tuple[date, float]]  # from the latest value to the trend's value at the deadline
    interim: list[tuple[date, float]]  # interim targets at their period ends
    progress: Progress
    # The values of the WIGs this one was carried from, oldest year first: (year label, values), so a
    # chart can draw last year's line beside this year's.
    earlier: tuple[tuple[str, tuple[Point, ...]], ...] = ()

    def value_text(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.kind is WigKind.MILESTONE:
            return "Done" if value >= 1 else "Not done"
        return format_number(value) + ("%" if self.kind is WigKind.PERCENT else (f" {self.unit}" if self.unit else ""))


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round values for a chart's axis that take in `low` to `high`: steps of 1, 2, 2.5 or 5 times a power of
    ten, at most `most` of them ("0, 20, 40, 60, 80" rather than "21.63 ... 79.2")."""
    if high < low:
        low, high = high, low
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):  # one value (or as good as): a band around it
        low, high = (low - 1, high + 1) if abs(low) >= 1 else (low - 0.5, high + 0.5)
    raw = (high - low) / max(1, most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    while round((last - first) / step) + 1 > most:  # the rounding out at both ends added a step too many
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10, 20, 25, 50, 100) if m * magnitude > step)
        first, last = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    digits = max(0, 1 - math.floor(math.log10(step)))
    return [round(first + i * step, digits) + 0.0 for i in range(round((last - first) / step) + 1)]


def _shown(kind: WigKind, points: list[Point]) -> list[Point]:
    """The points as a chart draws them, oldest first (a milestone's: 1 done, 0 not done)."""
    if kind is WigKind.MILESTONE:
        points = [Point(p.when, 1.0 if (p.done if p.done is not None else p.value) else 0.0, p.done, p.note)
                  for p in points]
    return sorted(points, key=lambda p: p.when)


def thinned(points: list[Point], most: int, kind: WigKind = WigKind.NUMBER) -> list[Point]:
    """At most about `most` of a chart's points (oldest first) with the line's shape kept: the first and the
    last, and of each run of neighbours between them its lowest and its highest, in the order they came. A
    milestone keeps its first and last checkpoints and every one where done turned to not done or back. A
    small chart has fewer pixels across than a district's goal has values; what it leaves out it could not
    have shown. `most` is at least 4 (the ends, the lowest and the highest)."""
    most = max(most, 4)
    if len(points) <= most:
        return points
    if kind is WigKind.MILESTONE:
        return [p for i, p in enumerate(points)
                if i in (0, len(points) - 1) or p.value != points[i - 1].value]
    inner = points[1:-1]
    runs = max(1, (most - 2) // 2)
    kept: list[Point] = [points[0]]
    for r in range(runs):
        run = [p for p in inner[r * len(inner) // runs:(r + 1) * len(inner) // runs] if p.value is not None]
        if not run:
            continue
        low = min(run, key=lambda p: p.value or 0.0)
        high = max(run, key=lambda p: p.value or 0.0)
        kept += sorted({id(low): low, id(high): high}.values(), key=lambda p: p.when)
    kept.append(points[-1])
    return kept


def _chart(wig: Wig, points: list[Point], interim: Interim, progress: Progress) -> ChartData:
    if wig.kind is WigKind.MILESTONE:
        return ChartData(wig.sentence, wig.kind, None, _shown(wig.kind, points), [], 1.0, wig.deadline, [], [],
                         progress)
    base = progress.baseline_used if progress.baseline_used is not None else wig.baseline
    target = progress.target_used if progress.target_used is not None else wig.target
    path = []
    if base is not None and target is not None and wig.start_date and wig.deadline:
        path = [(wig.start_date, base), (wig.deadline, target)]
    forecast = []
    if progress.forecast is not None and progress.latest is not None and wig.deadline is not None \
            and progress.latest.value is not None and progress.latest.when < wig.deadline:
        forecast = [(progress.latest.when, progress.latest.value), (wig.deadline, progress.forecast)]
    return ChartData(wig.sentence, wig.kind, wig.unit, _shown(wig.kind, points), path, target,
                     wig.deadline, forecast, sorted((end, value) for _start, end, value in interim), progress)


def wig_chart(store: PlanStore, wig_id: int, today: date) -> ChartData:
    with store.reader() as s:
        wig = s.get(Wig, wig_id)
        if wig is None:
            raise ValidationError("That WIG no longer exists.")
        plan = s.get(Plan, plan_id_of(s, NodeKey(Kind.WIG, wig_id)))
        if plan is None:
            raise ValidationError("That WIG's plan no longer exists.")
        rules = rules_of(plan)
        progress = wig_progress_of(s, wig, today, rules)
        chain = carried_chain(s, wig)[:-1]
        points, interim = wig_points(s, [wig_id, *(w.id for _label, w in chain)])
        chart = _chart(wig, points[wig_id], interim[wig_id], progress)
        earlier = tuple((label, tuple(sorted(points[w.id], key=lambda p: p.when))) for label, w in chain)
        return replace(chart, earlier=earlier)



@dataclass(frozen=True)
class ScoreCard:
    wig_id: int
    code: str  # "Ae 1.004 · WIG 2" or the department's name
    owner: str
    chart: ChartData
    # False while the chart's points are still to be read (`card_points`): the status, latest value, path
    # and target are there already, from the shared statuses.
    charted: bool = True

    @property
    def latest_text(self) -> str:
        latest = self.chart.progress.latest
        if latest is None:
            return "nothing logged"
        value = 1.0 if self.chart.kind is WigKind.MILESTONE and latest.done else latest.value
        if self.chart.kind is WigKind.MILESTONE and latest.done is False:
            value = 0.0
        return f"{self.chart.value_text(value)} ({latest.when:%d %b %Y})"


@dataclass(frozen=True)
class Scope:
    """Which WIGs a scoreboard shows: the whole plan, or one pillar, division or department."""

    kind: str = "plan"  # plan | pillar | division | department
    id: int | None = None


def scoreboard(store: PlanStore, plan_id: int, scope: Scope, today: date,
               year_id: int | None = None, status: PlanStatus | None = None, *,
               points: bool = True) -> list[ScoreCard]:
    """One card per WIG in scope of one year (the one asked for, else the one containing today), in plan
    order, with its chart data and status as of today or the year's last day. With `points` False the
    cards come without their charts' values (`charted` False): a window reads those with `card_points`
    only for the cards scrolled into view, as a whole district's are hundreds of thousands of rows."""
    with store.reader() as s:
        plan = s.get(Plan, plan_id)
        if plan is None:
            raise ValidationError("That plan no longer exists.")
        rules = rules_of(plan)
        year = year_scope(s, plan_id, year_id, today)
        today, over = judged_day(year, today)
        stmt = (select(Wig, Strategy.code, Priority.code, Department.name, Division.name)
                .outerjoin(Strategy, Wig.strategy_id == Strategy.id)
                .outerjoin(Priority, Strategy.priority_id == Priority.id)
                .outerjoin(Pillar, Priority.pillar_id == Pillar.id)
                .outerjoin(Department, Wig.department_id == Department.id)
                .outerjoin(Division, Division.id == Strategy.division_id)
                .where((Pillar.plan_id == plan_id) | (Department.plan_id == plan_id),
                       Wig.year_id == year.id if year is not None else Wig.year_id.is_(None)))
        if scope.kind == "pillar":
            stmt = stmt.where(Pillar.id == scope.id)
        elif scope.kind == "division":
            stmt = stmt.where((Strategy.division_id == scope.id) | (Department.division_id == scope.id))
        elif scope.kind == "department":
            stmt = stmt.where(Wig.department_id == scope.id)
        # the district plan's WIGs in plan order first, then the departments' own goals
        stmt = stmt.order_by(Pillar.position.is_(None), Pillar.position, Priority.position, Strategy.position,
                             Wig.position, Department.position, Wig.department_position, Wig.id)
        found = s.execute(stmt).all()
        ids = [w.id for w, *_ in found]
        logged: dict[int, list[Point]] | None = None
        if points:
            logged, interim = wig_points(s, ids)
        else:
            interim = interim_targets(s, ids)
        if status is not None and status.plan_id == plan_id and status.as_of == today and status.year == year:
            judged = status.wigs  # the window's shared snapshot: judged once for every page
        else:
            judged = judge(s, [Goal.of(w) for w, *_ in found], today, rules.thresholds, over=over, points=logged,
                           interim=interim)
        cards = []
        for wig, strategy_code, priority_code, dept_name, division_name in found:
            if strategy_code or priority_code:
                code = f"{strategy_code or priority_code + ' (no code)'} · WIG {wig.position + 1}"
            else:
                code = f"{dept_name} · WIG {wig.department_position + 1}"
            progress = judged[wig.id]
            cards.append(ScoreCard(wig.id, code, dept_name or division_name or "",
                                   _chart(wig, logged.get(wig.id, []) if logged is not None else [],
                                          interim.get(wig.id, []), progress), charted=logged is not None))
        return cards


CARD_POINTS = 160  # the most points a card's chart draws: about one every two pixels across a card


def card_points(store: PlanStore, wig_ids: list[int], most: int = CARD_POINTS) -> dict[int, list[Point]]:
    """The points of these WIGs' cards, oldest first and `thinned` to `most` (every WIG asked for is in the
    answer, one with nothing logged with none): read for the few cards a person can see."""
    with store.reader() as s:
        kinds = dict(s.execute(select(Wig.id, Wig.kind).where(Wig.id.in_(wig_ids))).tuples().all())
        logged, _interim = wig_points(s, list(kinds))
    return {wig_id: thinned(_shown(kind, logged.get(wig_id, [])), most, kind) for wig_id, kind in kinds.items()}


def charted(card: ScoreCard, points: list[Point]) -> ScoreCard:
    """The card with its chart's points (as `card_points` gives them)."""
    return replace(card, chart=replace(card.chart, points=points), charted=True)


def scope_choices(store: PlanStore, plan_id: int) -> list[tuple[str, Scope]]:
    """The scoreboard's scopes: the whole plan, each pillar, each division, each department."""
    with store.reader() as s:
        conn = s.connection()
        name = conn.execute(select(Plan.name).where(Plan.id == plan_id)).scalar()
        if name is None:
            return []
        found = [(f"Whole district: {name}", Scope())]
        found += [(f"Pillar {code} {title}", Scope("pillar", ident)) for ident, code, title in conn.execute(
            select(Pillar.id, Pillar.code, Pillar.name).where(Pillar.plan_id == plan_id).order_by(Pillar.position))]
        found += [(f"Division: {title}", Scope("division", ident)) for ident, title in conn.execute(
            select(Division.id, Division.name).where(Division.plan_id == plan_id).order_by(Division.position))]
        found += [(f"Department: {title}", Scope("department", ident)) for ident, title in conn.execute(
            select(Department.id, Department.name).where(Department.plan_id == plan_id).order_by(Department.name))]
        return found
