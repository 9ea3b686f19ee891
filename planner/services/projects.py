"""The project workbook's use cases: projects, milestones, tasks, RAID items and weekly updates, edited
with validation (one transaction each, undo snapshots for deletes), the overdue rules, RAID scoring,
cycle detection for task dependencies, and utilization (the number Oe 4.002's WIG asks for)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from planner import clock
from planner.errors import ValidationError
from planner.model import (
    Base,
    Department,
    KeyLever,
    Milestone,
    Pillar,
    Plan,
    Priority,
    Project,
    ProjectStatus,
    RaidItem,
    RaidStatus,
    RaidType,
    StatusUpdate,
    Strategy,
    Task,
    TaskStatus,
    Wig,
    task_dependency,
)
from planner.services import fields
from planner.services.fields import FieldKind
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.transaction import write
from planner.services.years import year_scope
from planner.store import PlanStore


class Entity(StrEnum):
    PROJECT = "project"
    MILESTONE = "milestone"
    TASK = "task"
    RAID = "raid_item"
    UPDATE = "status_update"


# The table of each entity, chosen at run time: its columns are read by name (COLUMNS), so the class is Any here.
MODELS: dict[Entity, type[Any]] = {Entity.PROJECT: Project, Entity.MILESTONE: Milestone, Entity.TASK: Task,
                              Entity.RAID: RaidItem, Entity.UPDATE: StatusUpdate}
LABEL = {Entity.PROJECT: "project", Entity.MILESTONE: "milestone", Entity.TASK: "task",
         Entity.RAID: "RAID item", Entity.UPDATE: "status update"}


@dataclass(frozen=True)
class Col:
    """One editable field of a workbook record: its name, label and kind of value."""

    name: str
    label: str
    kind: FieldKind  # the shared field rules (fields.py)
    required: bool = False
    choices: tuple[str, ...] = ()


def _values(e: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in e)


COLUMNS: dict[Entity, list[Col]] = {
    Entity.PROJECT: [
        Col("name", "Project", FieldKind.TEXT, required=True), Col("purpose", "Purpose (charter)", FieldKind.LONG_TEXT),
        Col("sponsor", "Sponsor", FieldKind.TEXT), Col("lead", "Lead", FieldKind.TEXT),
        Col("start_date", "Start", FieldKind.DATE),
        Col("end_date", "End", FieldKind.DATE), Col("status", "Status", FieldKind.CHOICE, True, _values(ProjectStatus)),
        Col("percent_complete", "% complete", FieldKind.PERCENT), Col("budget", "Budget", FieldKind.AMOUNT),
        Col("spent", "Spent", FieldKind.AMOUNT), Col("link", "Carries", FieldKind.LINK),
    ],
    Entity.MILESTONE: [
        Col("name", "Milestone", FieldKind.TEXT, required=True), Col("due", "Due", FieldKind.DATE),
        Col("done_on", "Done on", FieldKind.DATE),
    ],
    Entity.TASK: [
        Col("name", "Task", FieldKind.TEXT, required=True), Col("owner", "Owner", FieldKind.TEXT),
        Col("start_date", "Start", FieldKind.DATE),
        Col("due", "Due", FieldKind.DATE), Col("status", "Status", FieldKind.CHOICE, True, _values(TaskStatus)),
        Col("percent_complete", "%", FieldKind.PERCENT), Col("depends_on", "Depends on (task #)", FieldKind.TASKS),
    ],
    Entity.RAID: [
        Col("type", "Type", FieldKind.CHOICE, True, _values(RaidType)),
        Col("description", "Description", FieldKind.LONG_TEXT, True),
        Col("owner", "Owner", FieldKind.TEXT), Col("raised_on", "Raised", FieldKind.DATE),
        Col("status", "Status", FieldKind.CHOICE, True, _values(RaidStatus)),
        Col("response", "Response", FieldKind.LONG_TEXT),
        Col("closed_on", "Closed", FieldKind.DATE), Col("likelihood", "Likelihood (1-5)", FieldKind.SCORE),
        Col("impact", "Impact (1-5)", FieldKind.SCORE),
    ],
    Entity.UPDATE: [
        Col("update_date", "Week of", FieldKind.DATE, required=True),
        Col("status", "Status", FieldKind.CHOICE, True, _values(ProjectStatus)),
        Col("accomplishments", "Accomplishments", FieldKind.LONG_TEXT),
        Col("next_steps", "Next steps", FieldKind.LONG_TEXT),
        Col("blockers", "Blockers", FieldKind.LONG_TEXT),
    ],
}
ENUMS = {(Entity.PROJECT, "status"): ProjectStatus, (Entity.TASK, "status"): TaskStatus,
         (Entity.RAID, "type"): RaidType, (Entity.RAID, "status"): RaidStatus,
         (Entity.UPDATE, "status"): ProjectStatus}


def column(entity: Entity, name: str) -> Col:
    return next(c for c in COLUMNS[entity] if c.name == name)


# ---- pure rules ------------------------------------------------------------------------------------------


def find_cycle(edges: Mapping[int, Iterable[int]]) -> list[int] | None:
    """A dependency cycle among tasks (task -> tasks it depends on), as the tasks around it, or None."""
    state: dict[int, int] = {}  # 1 visiting, 2 done
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in list(edges):
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def project_overdue(end: date | None, status: ProjectStatus, today: date) -> bool:
    return end is not None and end < today and status is not ProjectStatus.COMPLETE


def milestone_overdue(due: date | None, done_on: date | None, today: date) -> bool:
    return due is not None and done_on is None and due < today


def task_overdue(due: date | None, status: TaskStatus, today: date) -> bool:
    return due is not None and due < today and status is not TaskStatus.DONE


def risk_level(score: int | None) -> str:
    """The usual 5x5 matrix: 1-6 low, 8-12 medium, 15-25 high."""
    if score is None:
        return ""
    return "High" if score >= 15 else "Medium" if score >= 8 else "Low"


ACTIVE = {ProjectStatus.ON_TRACK, ProjectStatus.AT_RISK, ProjectStatus.OFF_TRACK, ProjectStatus.NOT_STARTED}


# ---- reading ---------------------------------------------------------------------------------------------


def _plain(entity: Entity, obj: Any, session: Session, today: date) -> dict[str, Any]:
    row: dict[str, Any] = {"id": obj.id, "uuid": obj.uuid}
    for col in COLUMNS[entity]:
        if col.kind is FieldKind.TASKS:
            row[col.name] = [t.position + 1 for t in obj.depends_on]
        elif col.kind is FieldKind.LINK:
            row[col.name] = _Links.read(session, obj).text(obj)
            row["key_lever_id"], row["wig_id"], row["strategy_id"] = obj.key_lever_id, obj.wig_id, obj.strategy_id
        else:
            value = getattr(obj, col.name)
            row[col.name] = value.value if isinstance(value, StrEnum) else value
    if entity is Entity.PROJECT:
        row["overdue"] = project_overdue(obj.end_date, obj.status, today)
    elif entity is Entity.MILESTONE:
        row["overdue"] = milestone_overdue(obj.due, obj.done_on, today)
    elif entity is Entity.TASK:
        row["overdue"] = task_overdue(obj.due, obj.status, today)
        row["number"] = obj.position + 1
    elif entity is Entity.RAID:
        row["score"] = obj.score
        row["level"] = risk_level(obj.score)
    return row


def records(store: PlanStore, entity: Entity, project_id: int, today: date) -> list[dict[str, Any]]:
    """A project's milestones, tasks, RAID items or updates, as plain rows in their order."""
    model = MODELS[entity]
    with store.reader() as s:
        stmt = select(model).where(model.project_id == project_id)
        order = {Entity.MILESTONE: (Milestone.position, Milestone.id), Entity.TASK: (Task.position, Task.id),
                 Entity.RAID: (RaidItem.id,), Entity.UPDATE: (StatusUpdate.update_date.desc(), StatusUpdate.id)}
        return [_plain(entity, obj, s, today) for obj in s.scalars(stmt.order_by(*order[entity]))]


def project(store: PlanStore, project_id: int, today: date) -> dict[str, Any]:
    with store.reader() as s:
        obj = s.get(Project, project_id)
        if obj is None:
            raise ValidationError("That project no longer exists.")
        return _plain(Entity.PROJECT, obj, s, today)


@dataclass(frozen=True)
class ProjectRow:
    """A line of the projects table."""

    id: int
    name: str
    lead: str
    status: ProjectStatus
    percent_complete: float
    start: date | None
    end: date | None
    pillar: str
    carries: str
    department: str
    last_update: date | None
    overdue: bool
    overdue_items: int  # overdue milestones and tasks
    open_raid: int


def project_rows(store: PlanStore, plan_id: int, today: date, only: int | None = None,
                 year_id: int | None = None) -> list[ProjectRow]:
    """Every project of a plan with what the table filters and marks on (or just the project `only`, to
    repaint its line after an edit). With `year_id`, the projects of that school year: those carrying its
    WIGs and key levers, and those carrying a strategy of the frame (the same in every year)."""
    with store.reader() as s:
        found = []
        last_update: dict[int, date] = {pid: when for pid, when in s.connection().execute(
            select(StatusUpdate.project_id, func.max(StatusUpdate.update_date))
            .group_by(StatusUpdate.project_id))}
        late_milestones: dict[int, int] = {pid: n for pid, n in s.connection().execute(
            select(Milestone.project_id, func.count()).where(Milestone.due < today, Milestone.done_on.is_(None))
            .group_by(Milestone.project_id))}
        late_tasks: dict[int, int] = {pid: n for pid, n in s.connection().execute(
            select(Task.project_id, func.count()).where(Task.due < today, Task.status != TaskStatus.DONE)
            .group_by(Task.project_id))}
        open_raid: dict[int, int] = {pid: n for pid, n in s.connection().execute(
            select(RaidItem.project_id, func.count()).where(RaidItem.status != RaidStatus.CLOSED)
            .group_by(RaidItem.project_id))}
        chosen = select(Project) if only is None else select(Project).where(Project.id == only)
        # The whole list reads the plan's links once a level (a district ten times ours has 5,000 projects:
        # looking them up a project at a time froze the Workbook tab 20 s); one project reads its own.
        projects = list(s.scalars(chosen.order_by(Project.name, Project.id)))
        links = _Links.read(s, projects[0] if only is not None and projects else None)
        for p in projects:
            (pillar, department, plan_of), year_of, link = links.place(p), links.year_of(p), links.text(p)
            if plan_of != plan_id or (year_id is not None and year_of not in (None, year_id)):
                continue
            found.append(ProjectRow(
                p.id, p.name, p.lead, p.status, p.percent_complete, p.start_date, p.end_date, pillar,
                link, department, last_update.get(p.id),
                project_overdue(p.end_date, p.status, today),
                late_milestones.get(p.id, 0) + late_tasks.get(p.id, 0), open_raid.get(p.id, 0)))
        return found


@dataclass
class _Links:
    """What projects carry, read in one query a level (for every project, or only what `project` needs):
    its pillar, department and plan (`place`), its school year (`year_of`) and the words the table shows."""

    levers: dict[int, tuple[int, str]]  # key lever: (WIG, text)
    wigs: dict[int, tuple[int | None, int | None, int | None, str]]  # WIG: (strategy, department, year, sentence)
    strategies: dict[int, tuple[int, str | None, str]]  # strategy: (priority, code, statement)
    pillars: dict[int, tuple[str, int]]  # priority: (its pillar's code, the pillar's plan)
    departments: dict[int, tuple[str, int]]  # department: (name, plan)

    @classmethod
    def read(cls, s: Session, project: Project | None = None) -> _Links:
        c = s.connection()

        def rows(query: Any, column: Any, ids: set[int | None]) -> Any:
            return c.execute(query if project is None else query.where(column.in_(ids - {None})))

        levers = {i: (w, t) for i, w, t in rows(select(KeyLever.id, KeyLever.wig_id, KeyLever.text), KeyLever.id,
                                                 {project.key_lever_id} if project else set())}
        wigs = {i: (st, d, y, t) for i, st, d, y, t in rows(
            select(Wig.id, Wig.strategy_id, Wig.department_id, Wig.year_id, Wig.sentence), Wig.id,
            {project.wig_id, *(w for w, _ in levers.values())} if project else set())}
        strategies = {i: (pr, code, t) for i, pr, code, t in rows(
            select(Strategy.id, Strategy.priority_id, Strategy.code, Strategy.statement), Strategy.id,
            {project.strategy_id, *(w[0] for w in wigs.values())} if project else set())}
        pillars = {i: (code, plan) for i, code, plan in rows(
            select(Priority.id, Pillar.code, Pillar.plan_id).join(Pillar, Priority.pillar_id == Pillar.id),
            Priority.id, {st[0] for st in strategies.values()})}
        departments = {i: (n, plan) for i, n, plan in rows(
            select(Department.id, Department.name, Department.plan_id), Department.id,
            {w[1] for w in wigs.values()})}
        return cls(levers, wigs, strategies, pillars, departments)

    def _wig_of(self, p: Project) -> int | None:
        if p.key_lever_id:
            lever = self.levers.get(p.key_lever_id)
            return lever[0] if lever else None
        return p.wig_id or None

    def place(self, p: Project) -> tuple[str, str, int | None]:
        wig_id = self._wig_of(p)
        wig = self.wigs.get(wig_id) if wig_id else None
        strategy_id = (wig[0] if wig else None) if (p.key_lever_id or p.wig_id) else p.strategy_id
        strategy = self.strategies.get(strategy_id) if strategy_id else None
        dept = self.departments.get(wig[1]) if wig is not None and wig[1] else None
        department = dept[0] if dept else ""
        if strategy is not None:
            code, plan = self.pillars[strategy[0]]
            return code, department, plan
        if dept is not None:
            return "", department, dept[1]
        return "", department, None

    def year_of(self, p: Project) -> int | None:
        if not (p.key_lever_id or p.wig_id):
            return None
        wig_id = self._wig_of(p)
        wig = self.wigs.get(wig_id) if wig_id else None
        return wig[2] if wig else None

    def text(self, p: Project) -> str:
        if p.key_lever_id:
            lever = self.levers.get(p.key_lever_id)
            return f"Key lever: {lever[1]}" if lever else ""
        if p.wig_id:
            wig = self.wigs.get(p.wig_id)
            return f"WIG: {wig[3]}" if wig else ""
        strategy = self.strategies.get(p.strategy_id) if p.strategy_id else None
        return f"Strategy {strategy[1] or ''}: {strategy[2]}" if strategy else ""


def projects_for(store: PlanStore, key: NodeKey) -> list[tuple[int, str, ProjectStatus]]:
    """Projects carrying a key lever, or a WIG (directly or through its key levers), or a strategy."""
    with store.reader() as s:
        if key.kind is Kind.KEY_LEVER:
            where = Project.key_lever_id == key.id
        elif key.kind is Kind.WIG:
            levers = select(KeyLever.id).where(KeyLever.wig_id == key.id)
            where = (Project.wig_id == key.id) | Project.key_lever_id.in_(levers)
        elif key.kind is Kind.STRATEGY:
            where = Project.strategy_id == key.id
        else:
            return []
        return [(p.id, p.name, p.status) for p in s.scalars(select(Project).where(where).order_by(Project.name))]


# ---- editing ---------------------------------------------------------------------------------------------


def _clean(entity: Entity, name: str, raw: Any) -> Any:
    """A typed value as it is stored, or the ValidationError naming the field (the shared field rules)."""
    col = column(entity, name)
    if col.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        return fields.read_text(raw, label=col.label, name=name, required=col.required)
    if col.kind is FieldKind.DATE:
        return fields.read_date(raw, label=col.label, name=name, required=col.required)
    if col.kind in (FieldKind.AMOUNT, FieldKind.PERCENT, FieldKind.SCORE):
        number = fields.read_quantity(raw, col.kind, label=col.label, name=name)
        return 0.0 if number is None and col.kind is FieldKind.PERCENT else number
    if col.kind is FieldKind.CHOICE:
        return ENUMS[(entity, name)](fields.read_choice(raw, col.choices, label=col.label, name=name))
    if col.kind is FieldKind.TASKS:
        return fields.read_task_numbers(raw, name=name)
    if col.kind is FieldKind.LINK:
        if not isinstance(raw, NodeKey) or raw.kind not in (Kind.KEY_LEVER, Kind.WIG, Kind.STRATEGY):
            raise ValidationError("A project carries a key lever, a WIG or a strategy.", field=name)
        return raw
    raise ValueError(col.kind)


def check_field(entity: Entity, name: str, raw: Any) -> Any:
    """One field's value as the forms take it, or the ValidationError they would show: the same rules for
    every writer (the workbook import calls this)."""
    return _clean(entity, name, raw)


def check_dates(entity: Entity, start: date | None, end: date | None) -> None:
    """A project's end (a task's due date) is not before its start."""
    if start and end and end < start:
        name = "end_date" if entity is Entity.PROJECT else "due"
        word = "end" if entity is Entity.PROJECT else "due date"
        raise ValidationError(f"The {word} ({end:%d %b %Y}) is before the start ({start:%d %b %Y}).", field=name)


def _apply(session: Session, entity: Entity, obj: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
    before: dict[str, Any] = {}
    for name, value in cleaned.items():
        col = column(entity, name)
        if col.kind is FieldKind.TASKS:
            before[name] = [t.position + 1 for t in obj.depends_on]
            tasks = session.scalars(select(Task).where(Task.project_id == obj.project_id))
            siblings = {t.position + 1: t for t in tasks}
            missing = [n for n in value if n not in siblings]
            if missing:
                raise ValidationError(f"There is no task #{missing[0]} in this project.", field=name)
            if obj.position + 1 in value:
                raise ValidationError("A task cannot depend on itself.", field=name)
            obj.depends_on = [siblings[n] for n in sorted(set(value))]
        elif col.kind is FieldKind.LINK:
            before[name] = _link_key(obj)
            obj.key_lever_id = value.id if value.kind is Kind.KEY_LEVER else None
            obj.wig_id = value.id if value.kind is Kind.WIG else None
            obj.strategy_id = value.id if value.kind is Kind.STRATEGY else None
            if session.get({Kind.KEY_LEVER: KeyLever, Kind.WIG: Wig, Kind.STRATEGY: Strategy}[value.kind],
                           value.id) is None:
                raise ValidationError("That part of the plan no longer exists.", field=name)
        else:
            current = getattr(obj, name)
            before[name] = current.value if isinstance(current, StrEnum) else current
            setattr(obj, name, value)
    return before


def _link_key(project: Project) -> NodeKey | None:
    if project.key_lever_id:
        return NodeKey(Kind.KEY_LEVER, project.key_lever_id)
    if project.wig_id:
        return NodeKey(Kind.WIG, project.wig_id)
    if project.strategy_id:
        return NodeKey(Kind.STRATEGY, project.strategy_id)
    return None


def _check(session: Session, entity: Entity, obj: Any) -> list[str]:
    """Rules across fields; raises for what must not be saved, returns warnings for what may."""
    warnings: list[str] = []
    if entity in (Entity.PROJECT, Entity.TASK):
        check_dates(entity, obj.start_date, obj.end_date if entity is Entity.PROJECT else obj.due)
    if entity is Entity.PROJECT and _link_key(obj) is None:
        raise ValidationError("A project carries a key lever, a WIG or a strategy.", field="link")
    if entity is Entity.TASK:
        session.flush()
        edges: dict[int, list[int]] = {}
        for task_id, depends_on in session.connection().execute(
                select(task_dependency.c.task_id, task_dependency.c.depends_on_id)
                .join(Task, Task.id == task_dependency.c.task_id).where(Task.project_id == obj.project_id)):
            edges.setdefault(task_id, []).append(depends_on)
        cycle = find_cycle(edges)
        if cycle:
            numbers = {t.id: t.position + 1 for t in session.scalars(select(Task).where(Task.id.in_(cycle)))}
            path = " → ".join(f"#{numbers[t]}" for t in cycle)
            raise ValidationError(f"That closes a circle of dependencies ({path}); a task would wait for itself.",
                                  field="depends_on")
    if entity is Entity.MILESTONE and obj.due:
        owner = session.get(Project, obj.project_id)
        early = owner is not None and owner.start_date is not None and obj.due < owner.start_date
        late = owner is not None and owner.end_date is not None and obj.due > owner.end_date
        if owner and (early or late):
            span = f"{owner.start_date or '…'} to {owner.end_date or '…'}"
            warnings.append(f"Due {obj.due:%d %b %Y} is outside the project's dates ({span}).")
    if entity is Entity.RAID and obj.type is None:
        raise ValidationError("Choose whether this is a Risk, Assumption, Issue or Dependency.", field="type")
    return warnings


DEFAULTS: dict[Entity, dict[str, Any]] = {
    Entity.PROJECT: {"name": "New project", "status": "Not started"},
    Entity.MILESTONE: {"name": "New milestone"},
    Entity.TASK: {"name": "New task", "status": "Not started"},
    Entity.RAID: {"type": "Risk", "description": "New risk", "status": "Open"},
    Entity.UPDATE: {"status": "On track"},
}


@dataclass
class Saved:
    id: int
    before: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def create(store: PlanStore, entity: Entity, values: dict[str, Any] | None = None, *,
           project_id: int | None = None, today: date | None = None) -> Saved:
    """A new record (with sensible defaults for what is not given). Children need their project's id."""
    values = dict(DEFAULTS[entity]) | dict(values or {})
    if entity is Entity.UPDATE:
        values.setdefault("update_date", today or clock.today())
    if entity is Entity.RAID:
        values.setdefault("raised_on", today or clock.today())
    with write(store) as session:
        model = MODELS[entity]
        obj = model()
        if entity is not Entity.PROJECT:
            if project_id is None or session.get(Project, project_id) is None:
                raise ValidationError("Choose the project first.")
            obj.project_id = project_id
        if entity in (Entity.MILESTONE, Entity.TASK):
            obj.position = int(session.scalar(select(func.count()).select_from(model).where(
                model.project_id == project_id)) or 0)
        if entity in (Entity.PROJECT, Entity.TASK):
            obj.percent_complete = 0.0
        cleaned = {name: _clean(entity, name, raw) for name, raw in values.items() if name != "depends_on"}
        session.add(obj)
        _apply(session, entity, obj, cleaned)
        if "depends_on" in values:
            session.flush()
            _apply(session, entity, obj, {"depends_on": _clean(entity, "depends_on", values["depends_on"])})
        warnings = _check(session, entity, obj)
        session.flush()
        return Saved(obj.id, {}, warnings)


def update(store: PlanStore, entity: Entity, record_id: int, changes: dict[str, Any]) -> Saved:
    """Change fields; returns the previous values (for undo) and any warnings."""
    with write(store) as session:
        obj = session.get(MODELS[entity], record_id)
        if obj is None:
            raise ValidationError(f"That {LABEL[entity]} no longer exists.")
        cleaned = {name: _clean(entity, name, raw) for name, raw in changes.items()}
        before = _apply(session, entity, obj, cleaned)
        warnings = _check(session, entity, obj)
        return Saved(record_id, before, warnings)


@dataclass
class Removed:
    entity: Entity
    rows: list[tuple[str, list[dict[str, Any]]]]


def _dump(session: Session, table: str, where: Any) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    return [dict(r._mapping) for r in session.connection().execute(select(t).where(where(t)))]


def remove(store: PlanStore, entity: Entity, record_id: int) -> Removed:
    """Delete a record and what belongs to it; returns everything, so undo restores it exactly."""
    with write(store) as session:
        if session.get(MODELS[entity], record_id) is None:
            raise ValidationError(f"That {LABEL[entity]} was already deleted.")
        rows: list[tuple[str, list[dict[str, Any]]]] = []
        if entity is Entity.PROJECT:
            rows.append(("project", _dump(session, "project", lambda t: t.c.id == record_id)))
            for child in ("milestone", "task", "raid_item", "status_update"):
                rows.append((child, _dump(session, child, lambda t: t.c.project_id == record_id)))
            task_ids = [r["id"] for r in rows[2][1]]
            rows.append(("task_dependency", _dump(
                session, "task_dependency", lambda t: t.c.task_id.in_(task_ids) | t.c.depends_on_id.in_(task_ids))))
        else:
            rows.append((entity.value, _dump(session, entity.value, lambda t: t.c.id == record_id)))
            if entity is Entity.TASK:
                rows.append(("task_dependency", _dump(
                    session, "task_dependency",
                    lambda t: (t.c.task_id == record_id) | (t.c.depends_on_id == record_id))))
        model = MODELS[entity]
        session.execute(delete(model).where(model.id == record_id))  # children and dependencies cascade
        if entity in (Entity.MILESTONE, Entity.TASK):
            project_id = rows[0][1][0]["project_id"]
            for i, sibling in enumerate(session.scalars(select(model).where(model.project_id == project_id)
                                                        .order_by(model.position, model.id))):
                sibling.position = i
        return Removed(entity, rows)


def restore(store: PlanStore, removed: Removed) -> None:
    with write(store) as session:
        for table, rows in removed.rows:
            if rows:
                session.connection().execute(insert(Base.metadata.tables[table]), rows)
        if removed.entity in (Entity.MILESTONE, Entity.TASK):
            model = MODELS[removed.entity]
            project_id = removed.rows[0][1][0]["project_id"]
            siblings = list(session.scalars(select(model).where(model.project_id == project_id)
                                            .order_by(model.position, model.id)))
            restored_id = removed.rows[0][1][0]["id"]
            restored = next(s for s in siblings if s.id == restored_id)
            siblings.remove(restored)
            siblings.insert(removed.rows[0][1][0]["position"], restored)
            for i, sibling in enumerate(siblings):
                sibling.position = i


# ---- utilization ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Utilization:
    levers: int
    covered: int
    window_days: int

    @property
    def share(self) -> float | None:
        return self.covered / self.levers if self.levers else None

    def describe(self) -> str:
        if not self.levers:
            return "This department has no key levers yet."
        return (f"{self.covered} of {self.levers} key levers ({self.share:.0%}) have an active project updated in "
                f"the last {self.window_days} days.")


def utilization(store: PlanStore, department_id: int, today: date, window_days: int | None = None,
                year_id: int | None = None) -> Utilization:
    """The share of a department's key levers of one year (the one asked for, else the one containing
    today) with at least one active project (not complete, not on hold) that has a status update within
    the window (the plan's, 30 days by default)."""
    with store.reader() as s:
        department = s.get(Department, department_id)
        if department is None:
            raise ValidationError("That department no longer exists.")
        plan = s.get(Plan, department.plan_id)
        window = window_days if window_days is not None else plan.utilization_window_days if plan else 30
        since = today - timedelta(days=window)
        year = year_scope(s, department.plan_id, year_id, today)
        levers = set(s.scalars(select(KeyLever.id).join(Wig, KeyLever.wig_id == Wig.id)
                               .where(Wig.department_id == department_id,
                                      Wig.year_id == year.id if year else Wig.year_id.is_(None))))
        if not levers:
            return Utilization(0, 0, window)
        recent = select(StatusUpdate.project_id).where(StatusUpdate.update_date >= since,
                                                       StatusUpdate.update_date <= today)
        covered = set(s.scalars(select(Project.key_lever_id).where(
            Project.key_lever_id.in_(levers), Project.status.in_(ACTIVE), Project.id.in_(recent))))
        return Utilization(len(levers), len(covered), window)


def set_utilization_window(store: PlanStore, plan_id: int, days: Any) -> int:
    try:
        value = int(str(days).strip())
    except ValueError:
        raise ValidationError("The window is a number of days, like 30.", field="window") from None
    if not 1 <= value <= 366:
        raise ValidationError("The window is between 1 and 366 days.", field="window")
    with write(store) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise ValidationError("That plan no longer exists.")
        before = plan.utilization_window_days
        plan.utilization_window_days = value
        return before


# ---- the timeline ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineBar:
    kind: str  # project | task | milestone
    label: str
    start: date | None
    end: date | None
    status: str
    done: bool
    overdue: bool
    project_id: int


def timeline(store: PlanStore, project_ids: list[int], today: date) -> list[TimelineBar]:
    """Projects with their milestones and tasks, in order, for the Gantt chart."""
    bars: list[TimelineBar] = []
    with store.reader() as s:
        chosen = select(Project).where(Project.id.in_(project_ids)).order_by(Project.start_date, Project.name)
        for p in s.scalars(chosen):
            bars.append(TimelineBar("project", p.name, p.start_date, p.end_date, p.status.value,
                                    p.status is ProjectStatus.COMPLETE, project_overdue(p.end_date, p.status, today),
                                    p.id))
            for t in p.tasks:
                bars.append(TimelineBar("task", f"#{t.position + 1} {t.name}", t.start_date, t.due, t.status.value,
                                        t.status is TaskStatus.DONE, task_overdue(t.due, t.status, today), p.id))
            for m in p.milestones:
                bars.append(TimelineBar("milestone", m.name, m.due, m.due, "Done" if m.done_on else "Open",
                                        m.done_on is not None, milestone_overdue(m.due, m.done_on, today), p.id))
    return bars


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class CarryChoice:
    """One line of the Carries picker: a key lever, WIG or strategy a project can carry (key set), or a
    heading that groups them (a pillar, a department; key None). depth is its level under the headings."""

    key: NodeKey | None
    label: str  # short, for the list
    depth: int
    path: str  # where it sits and its whole text: for a tooltip and for searching



def carry_choices(store: PlanStore, plan_id: int, year_id: int | None = None) -> list[CarryChoice]:
    """What a project can carry in one year of a plan (the one asked for, else the one containing today),
    grouped as the plan is: pillar > strategy > WIG > key lever, then each department's own WIGs and their
    key levers. Read in five queries whatever the plan's size (one a strategy and one a WIG took 40 s on a
    plan of 10,000 WIGs, with the window frozen, each time the Workbook tab was shown)."""
    found: list[CarryChoice] = []
    with store.reader() as s:
        conn = s.connection()
        year = year_scope(s, plan_id, year_id, clock.today())
        in_year = Wig.year_id == year.id if year is not None else Wig.year_id.is_(None)
        pillars = conn.execute(select(Pillar.id, Pillar.code, Pillar.name).where(Pillar.plan_id == plan_id)
                               .order_by(Pillar.position, Pillar.id)).all()
        strategies: dict[int, list[tuple[int, str | None, str, str]]] = {}
        for pillar_id, sid, code, statement, priority_code in conn.execute(
                select(Priority.pillar_id, Strategy.id, Strategy.code, Strategy.statement, Priority.code)
                .join(Priority, Strategy.priority_id == Priority.id).join(Pillar, Priority.pillar_id == Pillar.id)
                .where(Pillar.plan_id == plan_id).order_by(Priority.position, Strategy.position, Strategy.id)):
            strategies.setdefault(pillar_id, []).append((sid, code, statement, priority_code))
        wigs: dict[int, list[tuple[int, int, str]]] = {}
        for wid, strategy_id, position, sentence in conn.execute(
                select(Wig.id, Wig.strategy_id, Wig.position, Wig.sentence)
                .join(Strategy, Wig.strategy_id == Strategy.id).join(Priority, Strategy.priority_id == Priority.id)
                .join(Pillar, Priority.pillar_id == Pillar.id).where(Pillar.plan_id == plan_id, in_year)
                .order_by(Wig.position, Wig.id)):
            wigs.setdefault(strategy_id, []).append((wid, position, sentence))
        own = conn.execute(select(Wig.id, Wig.department_position, Wig.sentence, Department.name)
                           .join(Department, Wig.department_id == Department.id)
                           .where(Department.plan_id == plan_id, Wig.strategy_id.is_(None), in_year)
                           .order_by(Department.name, Wig.department_position, Wig.id)).all()
        levers: dict[int, list[tuple[int, int, str]]] = {}
        wanted = [w for group in wigs.values() for w, _p, _s in group] + [w for w, *_rest in own]
        for chunk in range(0, len(wanted), 500):
            for lid, wig_id, position, text in conn.execute(
                    select(KeyLever.id, KeyLever.wig_id, KeyLever.position, KeyLever.text)
                    .where(KeyLever.wig_id.in_(wanted[chunk:chunk + 500]))
                    .order_by(KeyLever.position, KeyLever.id)):
                levers.setdefault(wig_id, []).append((lid, position, text))
    for pillar_id, pillar_code, pillar_name in pillars:
        found.append(CarryChoice(None, f"{pillar_code} {pillar_name}".strip(), 0, f"{pillar_code} {pillar_name}"))
        for sid, strategy_code, statement, priority_code in strategies.get(pillar_id, []):
            code = strategy_code or f"{priority_code} (no code)"
            found.append(CarryChoice(NodeKey(Kind.STRATEGY, sid), f"Strategy {code}: {_short(statement, 70)}", 1,
                                     f"Strategy {code}: {statement}"))
            for wid, position, sentence in wigs.get(sid, []):
                where = f"Strategy {code} · WIG {position + 1}"
                found.append(CarryChoice(NodeKey(Kind.WIG, wid), f"WIG {position + 1}: {_short(sentence, 70)}", 2,
                                         f"{where}: {sentence}"))
                for lid, lever_position, text in levers.get(wid, []):
                    found.append(CarryChoice(NodeKey(Kind.KEY_LEVER, lid),
                                             f"Key lever {lever_position + 1}: {_short(text, 70)}", 3,
                                             f"{where} · Key lever {lever_position + 1}: {text}"))
    heading = None
    for wid, department_position, sentence, dept in own:
        if dept != heading:
            heading = dept
            found.append(CarryChoice(None, f"Department: {dept}", 0, f"Department: {dept}"))
        number = department_position + 1
        found.append(CarryChoice(NodeKey(Kind.WIG, wid), f"WIG {number}: {_short(sentence, 70)}", 1,
                                 f"{dept} · WIG {number}: {sentence}"))
        for lid, lever_position, text in levers.get(wid, []):
            found.append(CarryChoice(NodeKey(Kind.KEY_LEVER, lid),
                                     f"Key lever {lever_position + 1}: {_short(text, 70)}", 2,
                                     f"{dept} · WIG {number} · Key lever {lever_position + 1}: {text}"))
    return found


def default_carry(selected: NodeKey | None, choices: list[CarryChoice]) -> NodeKey | None:
    """What a new project carries when it is made with `selected` chosen in the plan: that key lever, WIG or
    strategy if the plan offers it; otherwise nothing (the person chooses, rather than a guess)."""
    if selected is None or selected.kind not in (Kind.KEY_LEVER, Kind.WIG, Kind.STRATEGY):
        return None
    return selected if any(c.key == selected for c in choices) else None
