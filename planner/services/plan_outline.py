"""The plan as an outline for the tree: plain rows (key, parent, code, title, owner), read in a few queries.

Three ways to see one plan: by pillar (the district plan), by division (each annual plan) and by department
(each Department Plans Index). The rows carry what the filters need (pillar, division, departments) so the
tree filters without asking the database again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, aliased

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
    strategy_collaborator,
)
from planner.services.plan_nodes import Kind, NodeKey, is_department_group
from planner.services.years import year_scope
from planner.store import PlanStore, role_department

TITLE_LENGTH = 160


class View(StrEnum):
    PILLARS = "pillars"
    DIVISIONS = "divisions"
    DEPARTMENTS = "departments"


VIEW_LABEL = {View.PILLARS: "By pillar", View.DIVISIONS: "By division", View.DEPARTMENTS: "By department"}

_KIND_ORDER = {Kind.KEY_LEVER: 0, Kind.MEASURE: 1}


@dataclass(slots=True)
class OutlineRow:
    key: NodeKey
    parent: NodeKey | None
    code: str
    title: str  # the full text; the tree shortens it
    owner: str
    sort: tuple[int, int, int] = (0, 0, 0)
    pillar: str | None = None
    division_id: int | None = None
    department_ids: tuple[int, ...] = ()

    @property
    def search_text(self) -> str:
        return f"{self.code}\n{self.title}\n{self.owner}".lower()


@dataclass(frozen=True)
class PlanInfo:
    id: int
    name: str
    archived: bool
    level_names: tuple[str, ...]
    has_divisions: bool


@dataclass(frozen=True)
class FilterChoices:
    pillars: list[tuple[str, str]]  # code, name
    divisions: list[tuple[int, str]]
    departments: list[tuple[int, str]]


def list_plans(store: PlanStore) -> list[PlanInfo]:
    with store.reader() as s:
        plans = s.scalars(select(Plan).order_by(Plan.archived, Plan.position, Plan.id)).all()
        with_divisions = set(s.scalars(select(Division.plan_id).distinct()))
        return [PlanInfo(p.id, p.name, p.archived, tuple(p.level_names), p.id in with_divisions) for p in plans]


def filter_choices(store: PlanStore, plan_id: int) -> FilterChoices:
    with store.reader() as s:
        conn = s.connection()
        pillars = conn.execute(select(Pillar.code, Pillar.name).where(Pillar.plan_id == plan_id)
                               .order_by(Pillar.position))
        divisions = conn.execute(select(Division.id, Division.name).where(Division.plan_id == plan_id)
                                 .order_by(Division.position))
        departments = conn.execute(select(Department.id, Department.name).where(Department.plan_id == plan_id)
                                   .order_by(Department.name))
        return FilterChoices([tuple(r) for r in pillars], [tuple(r) for r in divisions],
                             [tuple(r) for r in departments])


@dataclass(frozen=True)
class DepartmentOption:
    """A department as a person picks "my department": its division (None for a department no division's
    plan lists) and whether it stands for a group of departments rather than one."""

    id: int
    name: str
    division: str | None
    group: bool


def department_options(store: PlanStore, plan_id: int) -> list[DepartmentOption]:
    """Every department of a plan with its division, in the divisions' order, then by name."""
    with store.reader() as s:
        rows = s.connection().execute(
            select(Department.id, Department.name, Division.name, Division.position)
            .outerjoin(Division, Department.division_id == Division.id)
            .where(Department.plan_id == plan_id)).all()
    rows = sorted(rows, key=lambda r: (r[3] is None, r[3] or 0, r[1].casefold()))
    return [DepartmentOption(ident, name, division, is_department_group(name)) for ident, name, division, _ in rows]


def signed_in_department(store: PlanStore) -> str | None:
    """On a district server, the name of the department the signed-in role leads (what the first start offers
    as "my department"); None in a plan file and for the central office."""
    department_id = role_department(store)
    if department_id is None:
        return None
    with store.reader() as s:
        return s.scalar(select(Department.name).where(Department.id == department_id))


def wig_code(position: int) -> str:
    return f"WIG {position + 1}"


def outline(store: PlanStore, plan_id: int, view: View, year_id: int | None = None) -> list[OutlineRow]:
    """The tree's rows: the plan's frame and one year's WIGs, key levers and measures (the year asked for,
    else the one containing today)."""
    with store.reader() as s:
        year = year_scope(s, plan_id, year_id, clock.today())
        in_year = _YearFilter(year.id if year else None)
        if view is View.PILLARS:
            return _by_pillar(s, plan_id, in_year)
        if view is View.DIVISIONS:
            return _by_division(s, plan_id, in_year)
        return _by_department(s, plan_id, in_year)


@dataclass(frozen=True)
class _YearFilter:
    year_id: int | None

    def __call__(self, column: Any) -> Any:
        return column == self.year_id if self.year_id is not None else column.is_(None)


def _strategy_rows(s: Session, plan_id: int) -> list[Row[Any]]:
    return list(s.connection().execute(
        select(Strategy.id, Strategy.priority_id, Strategy.code, Strategy.statement, Strategy.position,
               Strategy.division_id, Division.name, Priority.code, Pillar.code, Priority.position, Pillar.position)
        .join(Priority, Strategy.priority_id == Priority.id).join(Pillar, Priority.pillar_id == Pillar.id)
        .outerjoin(Division, Strategy.division_id == Division.id).where(Pillar.plan_id == plan_id)))


def _collaborators(s: Session, plan_id: int) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    rows = s.connection().execute(select(strategy_collaborator.c.strategy_id, strategy_collaborator.c.department_id)
                     .join(Department, Department.id == strategy_collaborator.c.department_id)
                     .where(Department.plan_id == plan_id))
    for strategy_id, dept_id in rows:
        found.setdefault(strategy_id, []).append(dept_id)
    return {k: tuple(v) for k, v in found.items()}


def _wig_rows(s: Session, where: object, in_year: _YearFilter) -> list[Row[Any]]:
    dept_division = aliased(Division)
    strat_division = aliased(Division)
    return list(s.connection().execute(
        select(Wig.id, Wig.strategy_id, Wig.department_id, Wig.position, Wig.department_position, Wig.sentence,
               Department.name, Department.division_id, Strategy.division_id, strat_division.name,
               dept_division.name, Pillar.code)
        .outerjoin(Department, Wig.department_id == Department.id)
        .outerjoin(dept_division, Department.division_id == dept_division.id)
        .outerjoin(Strategy, Wig.strategy_id == Strategy.id)
        .outerjoin(strat_division, Strategy.division_id == strat_division.id)
        .outerjoin(Priority, Strategy.priority_id == Priority.id)
        .outerjoin(Pillar, Priority.pillar_id == Pillar.id)
        .where(where, in_year(Wig.year_id))))  # type: ignore[arg-type]


def _add_wig_children(s: Session, rows: list[OutlineRow], wigs: dict[int, OutlineRow]) -> None:
    """Key levers and measures under the WIGs already in `rows`; they inherit the WIG's filter attributes."""
    if not wigs:
        return
    ids = list(wigs)
    for lever_id, wig_id, position, text in s.connection().execute(
            select(KeyLever.id, KeyLever.wig_id, KeyLever.position, KeyLever.text).where(KeyLever.wig_id.in_(ids))):
        parent = wigs[wig_id]
        rows.append(OutlineRow(NodeKey(Kind.KEY_LEVER, lever_id), parent.key, f"KL {position + 1}", text,
                               parent.owner, (0, position, lever_id), parent.pillar, parent.division_id,
                               parent.department_ids))
    for measure_id, wig_id, dept_id, position, name in s.connection().execute(
            select(PerformanceMeasure.id, PerformanceMeasure.wig_id, PerformanceMeasure.department_id,
                   PerformanceMeasure.position, PerformanceMeasure.name)
            .where(PerformanceMeasure.wig_id.in_(ids))):
        parent = wigs[wig_id]
        depts = tuple(sorted({*parent.department_ids, *([dept_id] if dept_id else [])}))
        rows.append(OutlineRow(NodeKey(Kind.MEASURE, measure_id), parent.key, f"PM {position + 1}", name,
                               parent.owner, (1, position, measure_id), parent.pillar, parent.division_id, depts))


def _wig_row(row: Row[Any], parent: NodeKey, *, in_department: bool) -> OutlineRow:
    (wig_id, _strategy_id, dept_id, position, dept_position, sentence, dept_name, dept_division_id,
     strat_division_id, strat_division_name, dept_division_name, pillar_code) = row
    owner = dept_name or strat_division_name or dept_division_name or ""
    division_id = strat_division_id or dept_division_id
    pos = dept_position if in_department else position
    return OutlineRow(NodeKey(Kind.WIG, wig_id), parent, wig_code(pos), sentence, owner, (0, pos, wig_id),
                      pillar_code, division_id, (dept_id,) if dept_id else ())


def _by_pillar(s: Session, plan_id: int, in_year: _YearFilter) -> list[OutlineRow]:
    rows: list[OutlineRow] = []
    for pid, code, name, position in s.connection().execute(
            select(Pillar.id, Pillar.code, Pillar.name, Pillar.position).where(Pillar.plan_id == plan_id)):
        rows.append(OutlineRow(NodeKey(Kind.PILLAR, pid), None, code, name, "", (0, position, pid), code))
    pillar_code = {r.key.id: r.code for r in rows}
    for pid, pillar_id, code, statement, position in s.connection().execute(
            select(Priority.id, Priority.pillar_id, Priority.code, Priority.statement, Priority.position)
            .join(Pillar, Priority.pillar_id == Pillar.id).where(Pillar.plan_id == plan_id)):
        rows.append(OutlineRow(NodeKey(Kind.PRIORITY, pid), NodeKey(Kind.PILLAR, pillar_id), code, statement, "",
                               (0, position, pid), pillar_code[pillar_id]))
    collaborators = _collaborators(s, plan_id)
    strategies: dict[int, OutlineRow] = {}
    for (sid, priority_id, code, statement, position, division_id, division_name, _pc, pillar, _pp,
         _plp) in _strategy_rows(s, plan_id):
        row = OutlineRow(NodeKey(Kind.STRATEGY, sid), NodeKey(Kind.PRIORITY, priority_id), code or "(no code)",
                         statement, division_name or "", (0, position, sid), pillar, division_id,
                         collaborators.get(sid, ()))
        strategies[sid] = row
        rows.append(row)
    wigs: dict[int, OutlineRow] = {}
    if strategies:
        for w in _wig_rows(s, Wig.strategy_id.in_(list(strategies)), in_year):
            row = _wig_row(w, strategies[w[1]].key, in_department=False)
            wigs[row.key.id] = row
            rows.append(row)
        for mid, strategy_id, dept_id, position, name in s.connection().execute(
                select(PerformanceMeasure.id, PerformanceMeasure.strategy_id, PerformanceMeasure.department_id,
                       PerformanceMeasure.position, PerformanceMeasure.name)
                .where(PerformanceMeasure.strategy_id.in_(list(strategies)), PerformanceMeasure.wig_id.is_(None),
                       in_year(PerformanceMeasure.year_id))):
            parent = strategies[strategy_id]
            rows.append(OutlineRow(NodeKey(Kind.MEASURE, mid), parent.key, f"PM {position + 1}", name, parent.owner,
                                   (1, position, mid), parent.pillar, parent.division_id,
                                   (dept_id,) if dept_id else ()))
    _add_wig_children(s, rows, wigs)
    return rows


def _division_rows(s: Session, plan_id: int) -> list[OutlineRow]:
    """The divisions at the top of the division and department views."""
    return [OutlineRow(NodeKey(Kind.DIVISION, did), None, "Division", name, "", (0, position, did), None, did)
            for did, name, position in s.connection().execute(
                select(Division.id, Division.name, Division.position).where(Division.plan_id == plan_id))]


def _by_division(s: Session, plan_id: int, in_year: _YearFilter) -> list[OutlineRow]:
    rows = _division_rows(s, plan_id)
    no_division = NodeKey(Kind.GROUP, 1)
    collaborators = _collaborators(s, plan_id)
    strategies: dict[int, OutlineRow] = {}
    for (sid, _priority_id, code, statement, position, division_id, division_name, _pc, pillar, priority_pos,
         pillar_pos) in _strategy_rows(s, plan_id):
        parent = NodeKey(Kind.DIVISION, division_id) if division_id else no_division
        row = OutlineRow(NodeKey(Kind.STRATEGY, sid), parent, code or f"{_pc} (no code)", statement,
                         division_name or "", (pillar_pos, priority_pos * 1000 + position, sid), pillar,
                         division_id, collaborators.get(sid, ()))
        strategies[sid] = row
        rows.append(row)
    if any(r.parent == no_division for r in strategies.values()):
        rows.append(OutlineRow(no_division, None, "", "Strategies of no division", "", (1, 0, 0)))
    wigs: dict[int, OutlineRow] = {}
    if strategies:
        for w in _wig_rows(s, Wig.strategy_id.in_(list(strategies)), in_year):
            row = _wig_row(w, strategies[w[1]].key, in_department=False)
            wigs[row.key.id] = row
            rows.append(row)
    _add_wig_children(s, rows, wigs)
    return rows


def _by_department(s: Session, plan_id: int, in_year: _YearFilter) -> list[OutlineRow]:
    rows = _division_rows(s, plan_id)
    others = NodeKey(Kind.GROUP, 2)
    departments: dict[int, OutlineRow] = {}
    for dept_id, name, division_id, division_name, position in s.connection().execute(
            select(Department.id, Department.name, Department.division_id, Division.name, Department.position)
            .outerjoin(Division, Department.division_id == Division.id).where(Department.plan_id == plan_id)):
        parent = NodeKey(Kind.DIVISION, division_id) if division_id else others
        row = OutlineRow(NodeKey(Kind.DEPARTMENT, dept_id), parent, "Department", name, division_name or "",
                         (0, position, dept_id) if division_id else (0, 0, dept_id), None, division_id, (dept_id,))
        departments[dept_id] = row
        rows.append(row)
    if any(r.parent == others for r in departments.values()):
        rows.append(OutlineRow(others, None, "", "Collaborating departments (no plan of their own)", "",
                               (1, 0, 0)))
    wigs: dict[int, OutlineRow] = {}
    if departments:
        for w in _wig_rows(s, Wig.department_id.in_(list(departments)), in_year):
            wig_row = _wig_row(w, departments[w[2]].key, in_department=True)
            wigs[wig_row.key.id] = wig_row
            rows.append(wig_row)
        for mid, wig_id, dept_id, position, name in s.connection().execute(
                select(PerformanceMeasure.id, PerformanceMeasure.wig_id, PerformanceMeasure.department_id,
                       PerformanceMeasure.department_position, PerformanceMeasure.name)
                .where(PerformanceMeasure.department_id.in_(list(departments)), in_year(PerformanceMeasure.year_id))):
            if wig_id in wigs and wigs[wig_id].parent == departments[dept_id].key:
                continue  # shown under its WIG already
            dept = departments[dept_id]
            rows.append(OutlineRow(NodeKey(Kind.MEASURE, mid), dept.key, f"PM {position + 1}", name, dept.title,
                                   (1, position, mid), None, dept.division_id, (dept_id,)))
    _add_wig_children(s, rows, wigs)
    return rows
