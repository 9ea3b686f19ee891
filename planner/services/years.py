"""Plan years: a strategic plan's annual plans, the year the app lives in, and starting the next one.

A plan's frame (pillars, priorities, strategies, goals, guardrails, divisions, departments) is kept once; each
school year has its own WIGs, key levers and measures, with their values. Starting a year carries the newest
year's goals forward: the new baseline is where the WIG got to, the dates move by whole years, and every
carried row keeps its lineage (the first year's UUID) and the row it came from.

A finished year is never judged against today: status and Due Now look at it as of its last day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from planner.errors import ValidationError
from planner.model import (
    Commitment,
    Direction,
    Frequency,
    InterimTarget,
    KeyLever,
    Measurement,
    PerformanceMeasure,
    PeriodLock,
    Plan,
    PlanYear,
    Project,
    ProjectStatus,
    Wig,
)
from planner.services.dates import FIRST_YEAR, LAST_YEAR, DateError, check_range
from planner.services.periods import periods_between, school_year_label
from planner.services.transaction import write
from planner.services.wig_parser import format_number
from planner.store import PlanStore, server


@dataclass(frozen=True)
class YearInfo:
    id: int
    plan_id: int
    label: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def judged_on(self, today: date) -> date:
        """The day a year's goals are judged as of: today, or the year's last day once it has ended."""
        return min(today, self.end)

    def ended_text(self) -> str:
        return f"The {self.label} plan year ended on {self.end.day} {self.end:%B %Y}."


def _info(row: PlanYear) -> YearInfo:
    return YearInfo(row.id, row.plan_id, row.label, row.start_date, row.end_date)


def years_of(session: Session, plan_id: int) -> list[YearInfo]:
    return [_info(y) for y in session.scalars(
        select(PlanYear).where(PlanYear.plan_id == plan_id).order_by(PlanYear.start_date))]


def list_years(store: PlanStore, plan_id: int) -> list[YearInfo]:
    with store.reader() as s:
        return years_of(s, plan_id)


def pick_year(years: list[YearInfo], today: date) -> YearInfo | None:
    """The year the app opens on: the one that contains today, else the newest that has begun, else the
    first (a plan whose years are all still to come)."""
    if not years:
        return None
    for year in years:
        if year.contains(today):
            return year
    begun = [y for y in years if y.start <= today]
    return begun[-1] if begun else years[0]


def year_scope(session: Session, plan_id: int, year_id: int | None, today: date) -> YearInfo | None:
    """The year a plan-wide view works on: the one asked for, else the one `pick_year` chooses. None for
    a plan without years (the archived 2018 plan)."""
    years = years_of(session, plan_id)
    if year_id is not None:
        found = next((y for y in years if y.id == year_id), None)
        if found is None:
            raise ValidationError("That plan year no longer exists.")
        return found
    return pick_year(years, today)


def current_year(store: PlanStore, plan_id: int, today: date, year_id: int | None = None) -> YearInfo | None:
    with store.reader() as s:
        return year_scope(s, plan_id, year_id, today)


@dataclass(frozen=True)
class YearBanner:
    """What the window says when the newest year has ended: the sentence and the year it offers to start."""

    text: str
    next_label: str


def ended_banner(years: list[YearInfo], today: date) -> YearBanner | None:
    """Said when every year of the plan has ended: "The 2024-25 plan year ended on 30 June 2025." with the
    offer to start the year that contains today."""
    if not years or today <= years[-1].end:
        return None
    newest = years[-1]
    return YearBanner(newest.ended_text(), school_year_label(today, newest.start.month))


# ---- moving dates by whole years ------------------------------------------------------------------------


def shift_years(day: date | None, years: int) -> date | None:
    """`day` moved by whole years: a month's last day stays its last day (28 Feb 2025 -> 29 Feb 2028), and
    29 Feb in a year without one becomes 28 Feb."""
    if day is None:
        return None
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, day.month, last)
    return date(year, day.month, min(day.day, last))


def parse_year_label(text: str) -> tuple[int, str]:
    """"2025-26" -> (2025, "2025-26"); refuses what is not a school year."""
    raw = " ".join(str(text).split())
    found = re.fullmatch(r"(\d{4})\s*[-–/]\s*(\d{2}|\d{4})", raw)
    if not found:
        raise ValidationError(f"“{raw}” is not a school year; write it as 2025-26.", field="year")
    first, second = int(found[1]), int(found[2])
    second_full = second if second >= 100 else (first + 1) // 100 * 100 + second
    if second_full != first + 1:
        raise ValidationError(f"“{raw}” is not a school year: the second year must follow the first (2025-26).",
                              field="year")
    if not FIRST_YEAR <= first < LAST_YEAR:
        raise ValidationError(f"“{raw}” is outside the years Planner works with.", field="year")
    return first, f"{first}-{str(first + 1)[-2:]}"


def carried_sentence(sentence: str, old_baseline: float | None, new_baseline: float | None, shift: int) -> str:
    """The sentence for the new year: every year in it moved by `shift` and the old baseline replaced by
    the new one where it is written ("from 102 approved partners" -> "from 131 approved partners")."""
    if shift:
        def school_year(m: re.Match[str]) -> str:
            first = int(m[1])
            if int(m[2]) != (first + 1) % 100:
                return m[0]  # a span such as the 2024-29 strategic plan is the frame's, not a school year
            return f"{first + shift}-{(first + 1 + shift) % 100:02d}"

        sentence = re.sub(r"\b((?:19|20|21)\d{2})-(\d{2})\b", school_year, sentence)
        sentence = re.sub(r"(?<![\d.,-])(19|20|21)(\d{2})(?![\d-])", lambda m: str(int(m[0]) + shift), sentence)
    if old_baseline is not None and new_baseline is not None and old_baseline != new_baseline:
        written = format_number(old_baseline)
        pattern = re.compile(rf"(?<![\d.,]){re.escape(written)}(?![\d,]|\.\d)")
        sentence = pattern.sub(format_number(new_baseline), sentence, count=1)
    return sentence


# ---- the preview of a new year --------------------------------------------------------------------------


@dataclass
class CarryWig:
    id: int
    title: str
    sentence: str  # the new year's, as the preview made it; start_year writes it from `written` again
    old_baseline: float | None
    baseline: float | None
    target: float | None
    start: date | None
    deadline: date | None
    milestone: bool
    note: str = ""  # "no value logged: baseline kept"
    include: bool = True
    written: str = ""  # the old year's sentence, the new one is made from
    decreasing: bool = False


@dataclass
class CarryItem:
    id: int
    kind: str  # "key lever", "measure", "project"
    title: str
    wig_id: int | None  # the WIG it is carried with (None: on its own)
    include: bool = True


@dataclass
class YearPreview:
    plan_id: int
    from_year: YearInfo
    label: str
    start: date
    end: date
    shift: int
    wigs: list[CarryWig] = field(default_factory=list)
    items: list[CarryItem] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)  # finished projects, said in the preview

    def counts(self) -> dict[str, int]:
        included = {w.id for w in self.wigs if w.include}
        counts = {"WIGs": len(included)}
        for kind in ("key lever", "measure", "project"):
            counts[kind + "s"] = sum(1 for i in self.items
                                     if i.kind == kind and i.include and (i.wig_id is None or i.wig_id in included))
        return counts


def _latest_values(session: Session, subject: Any, ids: list[int]) -> dict[int, float]:
    """The latest value logged for each of `ids`, by `subject` (Measurement.wig_id or .measure_id)."""
    latest: dict[int, tuple[date, float]] = {}
    if not ids:
        return {}
    for ident, end, value in session.execute(
            select(subject, Measurement.period_end, Measurement.value)
            .where(subject.in_(ids), Measurement.value.is_not(None))):
        if ident not in latest or end >= latest[ident][0]:
            latest[ident] = (end, value)
    return {k: v for k, (_, v) in latest.items()}


def _open_projects(session: Session, wig_ids: set[int], lever_ids: set[int]) -> tuple[list[Project], list[Project]]:
    linked = list(session.scalars(select(Project).where(
        Project.wig_id.in_(wig_ids) | Project.key_lever_id.in_(lever_ids)).order_by(Project.name)))
    open_ = [p for p in linked if p.status is not ProjectStatus.COMPLETE]
    done = [p for p in linked if p.status is ProjectStatus.COMPLETE]
    return open_, done


def preview_next_year(store: PlanStore, plan_id: int, label: str | None = None) -> YearPreview:
    """What starting `label` (default: the year after the newest) would carry, for a person to check,
    untick and edit. Writes nothing."""
    with store.reader() as s:
        if s.get(Plan, plan_id) is None:
            raise ValidationError("That plan no longer exists.")
        years = years_of(s, plan_id)
        if not years:
            raise ValidationError("This plan has no annual plan to carry forward (it is an archived plan).")
        newest = years[-1]
        if label is None:
            first = newest.start.year + 1
        else:
            first, label = parse_year_label(label)
        shift = first - newest.start.year
        label = label or f"{first}-{str(first + 1)[-2:]}"
        if any(y.label == label for y in years):
            raise ValidationError(f"{label} is already a year of this plan.", field="year")
        if shift <= 0:
            raise ValidationError(f"{label} is not after {newest.label}, the newest year of this plan; "
                                  "a new year follows the newest.", field="year")
        start, end = shift_years(newest.start, shift), shift_years(newest.end, shift)
        assert start is not None and end is not None
        preview = YearPreview(plan_id, newest, label, start, end, shift)
        wigs = list(s.scalars(select(Wig).where(Wig.year_id == newest.id).order_by(Wig.id)))
        latest = _latest_values(s, Measurement.wig_id, [w.id for w in wigs])
        for w in wigs:
            milestone = w.kind.value == "milestone"
            new_baseline, note = w.baseline, ""
            if w.direction is Direction.MAINTAIN:
                new_baseline, note = None, "a level to keep: no baseline"
            elif not milestone:
                if w.id in latest:
                    new_baseline = latest[w.id]
                else:
                    note = "no value logged: baseline kept"
            if _beyond(new_baseline, w.target, w.direction is Direction.DECREASE):
                note = "already reached: give a new target or untick it"
            preview.wigs.append(CarryWig(
                w.id, _title(w.sentence), carried_sentence(w.sentence, w.baseline, new_baseline, shift),
                w.baseline, new_baseline, w.target, shift_years(w.start_date, shift),
                shift_years(w.deadline, shift), milestone, note, written=w.sentence,
                decreasing=w.direction is Direction.DECREASE))
        wig_ids = {w.id for w in wigs}
        levers = list(s.scalars(select(KeyLever).where(KeyLever.wig_id.in_(wig_ids))
                                .order_by(KeyLever.wig_id, KeyLever.position)))
        preview.items += [CarryItem(k.id, "key lever", k.text, k.wig_id) for k in levers]
        measures = list(s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.year_id == newest.id)
                                  .order_by(PerformanceMeasure.id)))
        preview.items += [CarryItem(m.id, "measure", m.name, m.wig_id) for m in measures]
        open_, done = _open_projects(s, wig_ids, {k.id for k in levers})
        lever_wig = {k.id: k.wig_id for k in levers}
        preview.items += [CarryItem(p.id, "project", p.name,
                                     p.wig_id or (lever_wig.get(p.key_lever_id) if p.key_lever_id else None))
                          for p in open_]
        preview.left_behind = [f"{p.name} (complete)" for p in done]
    return preview


def _beyond(baseline: float | None, target: float | None, decreasing: bool) -> bool:
    """A baseline at or past its target: nothing is left to reach in the new year."""
    if baseline is None or target is None:
        return False
    return baseline <= target if decreasing else baseline >= target


def _title(sentence: str) -> str:
    return sentence if len(sentence) <= 90 else sentence[:87].rstrip() + "…"


# ---- starting it ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedYear:
    """What start_year wrote, for undo: the new year (deleting it removes every carried row with it) and the
    projects it moved onto the new year's WIGs and key levers, with their links before."""

    year_id: int
    label: str
    relinked: tuple[tuple[int, int | None, int | None], ...] = ()  # (project, key lever, WIG) before
    counts: dict[str, int] = field(default_factory=dict)
    locked: tuple[date, ...] = ()  # the quarters of the year before that starting this one locked


def _check_preview(preview: YearPreview) -> None:
    for w in preview.wigs:
        if not w.include:
            continue
        where = f"WIG “{w.title}”"
        for name, value in (("baseline", w.baseline), ("target", w.target)):
            if value is not None and (not isinstance(value, int | float) or value != value
                                      or abs(value) == float("inf")):
                raise ValidationError(f"{where}: the {name} must be a number.", field=name)
        if not w.milestone and _beyond(w.baseline, w.target, w.decreasing):
            assert w.baseline is not None and w.target is not None
            raise ValidationError(f"{where}: the new baseline ({format_number(w.baseline)}) has already reached "
                                  f"the target ({format_number(w.target)}); give a new target or untick it.",
                                  field="target")
        for day in (w.start, w.deadline):
            if day is not None:
                try:
                    check_range(day)
                except DateError as exc:
                    raise ValidationError(f"{where}: {exc}.", field="deadline") from None
        if w.start and w.deadline and w.deadline <= w.start:
            raise ValidationError(f"{where}: the deadline is not after the start.", field="deadline")


def start_year(store: PlanStore, preview: YearPreview, *, reason: str | None = None) -> StartedYear:
    """Write the year the preview describes, in one transaction: the year, its carried WIGs (with their
    key levers and measures) and the open projects moved onto them."""
    _check_preview(preview)
    with write(store, reason=reason or f"Started the {preview.label} plan year") as s:
        if s.scalar(select(PlanYear.id).where(PlanYear.plan_id == preview.plan_id,
                                              PlanYear.label == preview.label)) is not None:
            raise ValidationError(f"{preview.label} is already a year of this plan.", field="year")
        newest = years_of(s, preview.plan_id)
        if not newest or newest[-1].id != preview.from_year.id:
            raise ValidationError("The plan's years changed since the preview was made; open it again.")
        # the goals, key levers and measures are carried as the preview read them: on a server, one someone else
        # changed since is named rather than carried without their change (their row itself is not written)
        server.check_seen(s, [("wig", w.id) for w in preview.wigs if w.include]
                          + [({"key lever": "key_lever", "measure": "performance_measure", "project": "project"}
                              [i.kind], i.id) for i in preview.items if i.include])
        year = PlanYear(plan_id=preview.plan_id, label=preview.label, start_date=preview.start,
                        end_date=preview.end, carried_from_id=preview.from_year.id)
        s.add(year)
        s.flush()
        wig_map: dict[int, int] = {}
        lever_map: dict[int, int] = {}
        counts = {"WIGs": 0, "key levers": 0, "measures": 0, "projects": 0}
        for carry in preview.wigs:
            if not carry.include:
                continue
            old = s.get(Wig, carry.id)
            if old is None:
                raise ValidationError(f"WIG “{carry.title}” no longer exists; open the preview again.")
            new = Wig(strategy_id=old.strategy_id, department_id=old.department_id, year_id=year.id,
                      carried_from_id=old.id, lineage_uuid=old.lineage_uuid or old.uuid, position=old.position,
                      department_position=old.department_position, kind=old.kind,
                      sentence=carried_sentence(carry.written, carry.old_baseline, carry.baseline, preview.shift)
                      if carry.written else carry.sentence,
                      baseline=carry.baseline, target=carry.target, unit=old.unit, direction=old.direction,
                      start_date=carry.start, deadline=carry.deadline, weight=old.weight,
                      relative_change=old.relative_change)
            s.add(new)
            s.flush()
            wig_map[old.id] = new.id
            counts["WIGs"] += 1
        included = {i.id for i in preview.items if i.include}
        for item in preview.items:
            if item.id not in included or (item.wig_id is not None and item.wig_id not in wig_map):
                continue
            if item.kind == "key lever":
                lever = s.get(KeyLever, item.id)
                if lever is None:
                    continue
                copy = KeyLever(wig_id=wig_map[lever.wig_id], carried_from_id=lever.id,
                                lineage_uuid=lever.lineage_uuid or lever.uuid, position=lever.position,
                                text=lever.text)
                s.add(copy)
                s.flush()
                lever_map[lever.id] = copy.id
                counts["key levers"] += 1
            elif item.kind == "measure":
                m = s.get(PerformanceMeasure, item.id)
                if m is None:
                    continue
                goal_baseline = m.goal_baseline
                if m.goal_target is not None:  # a quantity of its WIG starts from where its measure got to
                    goal_baseline = _latest_values(s, Measurement.measure_id, [m.id]).get(m.id, goal_baseline)
                s.add(PerformanceMeasure(
                    wig_id=wig_map.get(m.wig_id) if m.wig_id else None, strategy_id=m.strategy_id,
                    department_id=m.department_id, year_id=year.id, carried_from_id=m.id,
                    lineage_uuid=m.lineage_uuid or m.uuid, position=m.position,
                    department_position=m.department_position, name=m.name, unit=m.unit, frequency=m.frequency,
                    allow_over_100=m.allow_over_100, goal_baseline=goal_baseline, goal_target=m.goal_target))
                counts["measures"] += 1
        relinked: list[tuple[int, int | None, int | None]] = []
        for item in preview.items:
            if item.kind != "project" or item.id not in included:
                continue
            project = s.get(Project, item.id)
            if project is None:
                continue
            new_lever = lever_map.get(project.key_lever_id) if project.key_lever_id else None
            new_wig = wig_map.get(project.wig_id) if project.wig_id else None
            if new_lever is None and new_wig is None:
                continue  # what it carries stayed behind; so does the project's link
            relinked.append((project.id, project.key_lever_id, project.wig_id))
            project.key_lever_id = new_lever if project.key_lever_id else None
            project.wig_id = new_wig if project.wig_id else None
            counts["projects"] += 1
        locked = _close(s, preview.from_year, preview.label, store.actor)
        s.flush()
        return StartedYear(year.id, year.label, tuple(relinked), counts, locked)


def _quarters(year: YearInfo) -> list[Any]:
    return periods_between(year.start, year.end, Frequency.QUARTERLY, year.start.month)


def _close(s: Session, year: YearInfo, new_label: str, actor: str) -> tuple[date, ...]:
    """Lock the quarters of the year a new one starts from, so its values stay as they were reported; a
    person can still unlock a quarter, giving a reason (Plan > Period Locks)."""
    taken = set(s.scalars(select(PeriodLock.period_start)))
    locked = []
    for q in _quarters(year):
        if q.start not in taken:
            s.add(PeriodLock(period_start=q.start, period_end=q.end, label=q.label, locked_by=actor,
                             note=f"The {year.label} plan year closed when {new_label} was started."))
            locked.append(q.start)
    return tuple(locked)


def closed_years(store: PlanStore, plan_id: int) -> set[int]:
    """The years whose every quarter is locked: shown read-only until a quarter is unlocked with a reason."""
    with store.reader() as s:
        taken = set(s.scalars(select(PeriodLock.period_start)))
        return {y.id for y in years_of(s, plan_id) if all(q.start in taken for q in _quarters(y))}


def _reached_by_undo(s: Session, started: StartedYear) -> list[tuple[str, int]]:
    """Every row undoing the start of a year changes or deletes, the database's cascades included: the year, its
    carried goals with their key levers and measures, the values, targets and commitments logged for them
    since, the projects whose links it puts back (or the cascade clears), the rows carried on from these, and
    the locks it lifts."""
    year = started.year_id
    wigs = list(s.scalars(select(Wig.id).where(Wig.year_id == year)))
    levers = list(s.scalars(select(KeyLever.id).where(KeyLever.wig_id.in_(wigs))))
    measures = list(s.scalars(select(PerformanceMeasure.id).where(
        (PerformanceMeasure.year_id == year) | PerformanceMeasure.wig_id.in_(wigs))))
    reached: list[tuple[str, int]] = [("plan_year", year)]
    reached += [("plan_year", y) for y in s.scalars(select(PlanYear.id).where(PlanYear.carried_from_id == year))]
    reached += [("wig", w) for w in wigs]
    reached += [("wig", w) for w in s.scalars(select(Wig.id).where(Wig.carried_from_id.in_(wigs),
                                                                   Wig.year_id != year))]
    reached += [("key_lever", k) for k in levers]
    reached += [("key_lever", k) for k in s.scalars(select(KeyLever.id).where(
        KeyLever.carried_from_id.in_(levers), KeyLever.id.not_in(levers)))]
    reached += [("performance_measure", m) for m in measures]
    reached += [("performance_measure", m) for m in s.scalars(select(PerformanceMeasure.id).where(
        PerformanceMeasure.carried_from_id.in_(measures), PerformanceMeasure.id.not_in(measures)))]
    for model, table in ((Measurement, "measurement"), (InterimTarget, "interim_target")):
        reached += [(table, r) for r in s.scalars(select(model.id).where(
            model.wig_id.in_(wigs) | model.measure_id.in_(measures)))]
    reached += [("commitment", c) for c in s.scalars(select(Commitment.id).where(Commitment.wig_id.in_(wigs)))]
    projects = {p for p, _lever, _wig in started.relinked}
    projects |= set(s.scalars(select(Project.id).where(Project.wig_id.in_(wigs) | Project.key_lever_id.in_(levers))))
    reached += [("project", p) for p in sorted(projects)]
    if started.locked:
        reached += [("period_lock", lock) for lock in s.scalars(select(PeriodLock.id).where(
            PeriodLock.period_start.in_(started.locked)))]
    return reached


def undo_start_year(store: PlanStore, started: StartedYear) -> None:
    """Remove a started year and everything carried into it, and put its projects back where they were.
    Plain SQL statements, which no ORM flush checks: on a district server, every row they (and the database's
    cascades) reach is checked first, so a change someone else made since (a value logged in the new year, a
    project moved, a lock taken again) is named, and nothing is removed or put back over it."""
    with write(store) as s:
        if store.on_server:
            server.check_rows(s, _reached_by_undo(s, started))
        if started.locked:
            s.execute(delete(PeriodLock).where(PeriodLock.period_start.in_(started.locked)))
        for project_id, lever_id, wig_id in started.relinked:
            s.execute(update(Project).where(Project.id == project_id)
                      .values(key_lever_id=lever_id, wig_id=wig_id))
        s.execute(delete(PlanYear).where(PlanYear.id == started.year_id))


def carried_chain(session: Session, wig: Wig) -> list[tuple[str, Wig]]:
    """The WIG and the WIGs it was carried from, oldest first, each with its year's label."""
    chain: list[tuple[str, Wig]] = []
    seen: set[int] = set()
    current: Wig | None = wig
    while current is not None and current.id not in seen:
        seen.add(current.id)
        year = session.get(PlanYear, current.year_id) if current.year_id else None
        chain.append((year.label if year else "", current))
        current = session.get(Wig, current.carried_from_id) if current.carried_from_id else None
    return list(reversed(chain))


def lineage(store: PlanStore, wig_id: int) -> list[tuple[str, Wig]]:
    """`carried_chain` read from the file, the rows detached for the caller to keep."""
    with store.reader() as s:
        wig = s.get(Wig, wig_id)
        if wig is None:
            raise ValidationError("That WIG no longer exists.")
        chain = carried_chain(s, wig)
        for _label, row in chain:
            s.expunge(row)
    return chain
