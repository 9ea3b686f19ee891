"""Reading the change history: who changed what, when, from what to what, and why.

The history itself is written by the database (planner/store/audit.py); this module only reads it and puts
it in a planner's words: "WIG “Increase …”: Target 80 → 85".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, Select, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from planner.errors import DamagedPlanFileError
from planner.model import Base, Change, Frequency
from planner.services.periods import Period
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, change_reason, server

__all__ = ["GROUPS", "KIND_NAMES", "ChangeEntry", "FieldChange", "Item", "actors", "change_reason", "changes",
           "count", "item_of"]

KIND_NAMES = {
    "plan": "Plan", "district_goal": "District goal", "guardrail": "Guardrail", "division": "Division",
    "department": "Department", "pillar": "Pillar", "priority": "Priority", "strategy": "Strategy",
    "strategy_collaborator": "Collaborating department", "wig": "WIG", "key_lever": "Key lever",
    "performance_measure": "Performance measure", "measurement": "Logged value", "interim_target": "Interim target",
    "project": "Project", "milestone": "Milestone", "task": "Task", "task_dependency": "Task dependency",
    "raid_item": "RAID item", "status_update": "Weekly update", "period_lock": "Period lock",
    "commitment": "WIG commitment",
}

# What the History panel filters by.
GROUPS: dict[str, tuple[str, ...]] = {
    "Plan": ("plan", "district_goal", "guardrail", "division", "department", "pillar", "priority", "strategy",
             "strategy_collaborator", "wig", "key_lever", "performance_measure", "interim_target"),
    "Logged values": ("measurement",),
    "Projects": ("project", "milestone", "task", "task_dependency", "status_update"),
    "RAID log": ("raid_item",),
    "Period locks": ("period_lock",),
    "WIG sessions": ("commitment",),
}

_LABEL_FIELDS = {
    "plan": ("name",), "pillar": ("code", "name"), "priority": ("code", "statement"),
    "strategy": ("code", "statement"), "wig": ("sentence",), "key_lever": ("text",),
    "raid_item": ("type", "description"), "period_lock": ("label",), "commitment": ("what",),
    "status_update": ("update_date",),
}
_HIDDEN = {"id", "uuid", "created_at", "updated_at", "entered_at"}
_BOOLEAN = {"done", "archived", "allow_over_100", "active"}
_REFERENCES = {
    "plan_id": "plan", "division_id": "division", "department_id": "department", "pillar_id": "pillar",
    "priority_id": "priority", "strategy_id": "strategy", "wig_id": "wig", "key_lever_id": "key_lever",
    "measure_id": "performance_measure", "project_id": "project", "task_id": "task", "depends_on_id": "task",
}
_FIELD_NAMES = {"wig_id": "WIG", "measure_id": "Measure", "key_lever_id": "Key lever", "raid": "RAID",
                "depends_on_id": "Depends on", "period_start": "Period start", "period_end": "Period end"}
# An item's history includes the rows that belong to it: a measure's values, a project's tasks.
_BELONGING = {
    "performance_measure": (("measurement", "measure_id"), ("interim_target", "measure_id")),
    "wig": (("measurement", "wig_id"), ("interim_target", "wig_id"), ("commitment", "wig_id")),
    "strategy": (("strategy_collaborator", "strategy_id"),),
    "project": (("milestone", "project_id"), ("task", "project_id"), ("raid_item", "project_id"),
                ("status_update", "project_id")),
    "task": (("task_dependency", "task_id"),),
}
_NODE_TABLES = {Kind.PLAN: "plan", Kind.PILLAR: "pillar", Kind.PRIORITY: "priority", Kind.STRATEGY: "strategy",
                Kind.WIG: "wig", Kind.KEY_LEVER: "key_lever", Kind.MEASURE: "performance_measure",
                Kind.DEPARTMENT: "department", Kind.DIVISION: "division"}


@dataclass(frozen=True)
class Item:
    """One row whose history is asked for: a table and its row id."""

    table: str
    row_id: int


def item_of(key: NodeKey) -> Item | None:
    """The history item of a node of the plan tree (None for a heading such as "Collaborating departments")."""
    table = _NODE_TABLES.get(key.kind)
    return None if table is None else Item(table, key.id)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeEntry:
    id: int
    at: datetime  # UTC
    actor: str
    reason: str
    batch: str
    action: str  # "add", "change", "delete"
    table: str
    row_id: int | None
    row_uuid: str | None  # as the workbooks and the History tab show it: 8-4-4-4-12 hex digits
    item: str  # "WIG “Increase …”"
    fields: list[FieldChange] = field(default_factory=list)
    # on a district server, the role the person was signed in as (whatever name they gave as the actor)
    signed_in_as: str = ""

    @property
    def who(self) -> str:
        """The name given, and the role signed in as when that is not the same: "Ana Ruiz (signed in as
        lead_wellness)"; a plan file, or a server entry whose name is its role, shows the name alone."""
        if self.signed_in_as and self.signed_in_as != self.actor:
            return f"{self.actor} (signed in as {self.signed_in_as})" if self.actor else self.signed_in_as
        return self.actor

    @property
    def kind(self) -> str:
        return KIND_NAMES.get(self.table, self.table)

    @property
    def summary(self) -> str:
        if self.action in ("add", "delete"):  # the row's own values first, as it came or went
            shown = sorted((f for f in self.fields if "position" not in f.field.lower()),
                           key=lambda f: f.field in _REFERENCE_FIELDS)
            values = [f"{f.field}: {f.after if self.action == 'add' else f.before}" for f in shown[:4]]
            return "; ".join(values) + ("; …" if len(shown) > 4 else "")
        return "; ".join(f"{f.field}: {f.before or '(blank)'} → {f.after or '(blank)'}" for f in self.fields)


def field_name(column: str) -> str:
    """A column as a form would label it: "period_start" is "Period start", "wig_id" is "WIG"."""
    if column in _FIELD_NAMES:
        return _FIELD_NAMES[column]
    words = column.removesuffix("_id").replace("_", " ")
    return words[:1].upper() + words[1:]


_REFERENCE_FIELDS = {field_name(column) for column in _REFERENCES}


def _short(value: str, limit: int = 80) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


class RowLabels:
    """Names of the rows a change mentions, read once per call: current names, else the last name the
    history knows (for rows since deleted)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[str, int], str] = {}

    def of(self, table: str, row_id: int) -> str:
        key = (table, row_id)
        if key not in self.cache:
            tbl = Base.metadata.tables.get(table)
            row = (self.session.execute(select(tbl).where(tbl.c.id == row_id)).mappings().first()
                   if tbl is not None and "id" in tbl.c else None)
            if row is None:
                last = self.session.scalar(
                    select(func.coalesce(Change.after, Change.before)).where(
                        Change.table_name == table, Change.row_id == row_id).order_by(Change.id.desc()).limit(1))
                row = json.loads(last) if last else None
            self.cache[key] = self.label(table, dict(row)) if row else f"#{row_id} (gone)"
        return self.cache[key]

    def label(self, table: str, row: dict[str, Any]) -> str:
        if table == "measurement":
            subject = (self.of("performance_measure", row["measure_id"]) if row.get("measure_id")
                       else self.of("wig", row["wig_id"]) if row.get("wig_id") else "?")
            return f"{subject}, {_period(row.get('period_start'), row.get('period_end'))}"
        if table == "interim_target":
            subject = self.of("performance_measure", row["measure_id"]) if row.get("measure_id") else \
                self.of("wig", row["wig_id"])
            return f"{subject}, target for {_period(row.get('period_start'), row.get('period_end'))}"
        if table == "strategy_collaborator":
            return f"{self.of('department', row['department_id'])} on {self.of('strategy', row['strategy_id'])}"
        if table == "task_dependency":
            return f"{self.of('task', row['task_id'])} after {self.of('task', row['depends_on_id'])}"
        if table == "commitment":
            return f"{row.get('who', '')}: {_short(str(row.get('what', '')), 60)} (week of {row.get('week_start')})"
        fields = _LABEL_FIELDS.get(table, ("name",))
        words = [str(row[f]) for f in fields if row.get(f)]
        return _short(" ".join(words) or f"#{row.get('id')}")

    def value(self, column: str, value: Any) -> str:
        if value is None:
            return ""
        if column in _BOOLEAN:
            return "Yes" if value else "No"
        if column in _REFERENCES and isinstance(value, int):
            return self.of(_REFERENCES[column], value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return _short(str(value))


def _period(start: Any, end: Any) -> str:
    try:
        first, last = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    except ValueError:
        return f"{start} to {end}"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    frequency = {1: Frequency.MONTHLY, 3: Frequency.QUARTERLY, 6: Frequency.SEMESTERLY, 12: Frequency.ANNUALLY}
    if first.day == 1 and (last + timedelta(days=1)).day == 1 and months in frequency:
        return Period(first, last, frequency[months]).label
    return f"{first:%b %d, %Y} to {last:%b %d, %Y}"


def _entry(change: Change, labels: RowLabels) -> ChangeEntry:
    before = json.loads(change.before) if change.before else None
    after = json.loads(change.after) if change.after else None
    row = after or before or {}
    fields: list[FieldChange] = []
    for column in row:
        if column in _HIDDEN:
            continue
        old = labels.value(column, before.get(column)) if before else ""
        new = labels.value(column, after.get(column)) if after else ""
        if change.action != "change" or old != new:
            fields.append(FieldChange(field_name(column), old, new))
    if change.action != "change":
        fields = [f for f in fields if f.before or f.after]
    kind = KIND_NAMES.get(change.table_name, change.table_name)
    return ChangeEntry(change.id, change.at, change.actor, change.reason, change.batch, change.action,
                       change.table_name, change.row_id, None if change.row_uuid is None else str(change.row_uuid),
                       f"{kind} “{labels.label(change.table_name, row)}”", fields)


def entries_of(store: PlanStore, rows: Iterable[Change], labels: RowLabels) -> list[ChangeEntry]:
    """The changes read into entries; a record whose stored text was damaged (a scribbled byte in its JSON)
    is damage to the file, named as such, not a traceback."""
    try:
        entries = [_entry(c, labels) for c in rows]
    except json.JSONDecodeError as exc:
        raise DamagedPlanFileError(
            store.path, f"“{store.path.name}” is damaged: a change in its history cannot be read ({exc.msg}).",
            hint="Restore it from a backup. Nothing was changed.") from exc
    if store.on_server and entries:
        roles = server.signed_in_as_of(labels.session, [e.id for e in entries])
        entries = [replace(e, signed_in_as=roles[e.id]) if e.id in roles else e for e in entries]
    return entries


def _query(*, tables: Iterable[str] | None = None, item: Item | None = None, actor: str | None = None,
           since: date | None = None, until: date | None = None, search: str | None = None) -> Select[tuple[Change]]:
    query = select(Change)
    if tables is not None:
        query = query.where(Change.table_name.in_(list(tables)))
    if item is not None:
        own = (Change.table_name == item.table) & (Change.row_id == item.row_id)
        row = type_coerce(func.coalesce(Change.after, Change.before), JSON)  # the row as it came or went
        belonging = [(Change.table_name == child) & (row[column].as_integer() == item.row_id)
                     for child, column in _BELONGING.get(item.table, ())]
        query = query.where(or_(own, *belonging))
    if actor:
        query = query.where(Change.actor == actor)
    if since is not None:
        query = query.where(Change.at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        query = query.where(Change.at < datetime.combine(until + timedelta(days=1), time.min, UTC))
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Change.after.like(pattern, escape="\\"), Change.before.like(pattern, escape="\\"),
                                Change.reason.like(pattern, escape="\\")))
    return query


def changes(store: PlanStore, *, tables: Iterable[str] | None = None, item: Item | None = None,
            actor: str | None = None, since: date | None = None, until: date | None = None,
            search: str | None = None, limit: int | None = 2000) -> list[ChangeEntry]:
    """The newest changes first, filtered by kind of row, one item (with the rows that belong to it), person,
    dates (inclusive, in UTC) and words in the values."""
    query = _query(tables=tables, item=item, actor=actor, since=since, until=until, search=search)
    query = query.order_by(Change.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with store.reader() as s:
        labels = RowLabels(s)
        return entries_of(store, s.scalars(query), labels)


def iter_all(store: PlanStore, batch_size: int = 5000) -> Iterator[ChangeEntry]:
    """Every change, oldest first, read in batches (for the workbook export)."""
    last = 0
    while True:
        with store.reader() as s:
            labels = RowLabels(s)
            rows = s.scalars(select(Change).where(Change.id > last).order_by(Change.id).limit(batch_size)).all()
            entries = entries_of(store, rows, labels)
        if not entries:
            return
        yield from entries
        last = entries[-1].id


def for_rows(store: PlanStore, row_uuids: Iterable[uuid.UUID | str], chunk: int = 20_000) -> list[ChangeEntry]:
    """Every change to the rows with these UUIDs (uuid.UUID, or text in any of its spellings), oldest first: a
    department's workbook carries the history of its own rows, read by index rather than by reading the whole
    history."""
    wanted = sorted({u if isinstance(u, uuid.UUID) else uuid.UUID(str(u)) for u in row_uuids})
    entries: list[ChangeEntry] = []
    with store.reader() as s:
        labels = RowLabels(s)
        for start in range(0, len(wanted), chunk):
            part = wanted[start:start + chunk]
            entries += entries_of(store, s.scalars(select(Change).where(Change.row_uuid.in_(part))), labels)
    entries.sort(key=lambda e: e.id)
    return entries


def count(store: PlanStore, **filters: Any) -> int:
    with store.reader() as s:
        return int(s.scalar(select(func.count()).select_from(_query(**filters).subquery())) or 0)


def actors(store: PlanStore) -> list[str]:
    """Everyone the history names, in order. Read by stepping from one name to the next along the index of
    names (a look-up a person), not by a DISTINCT over every change: a district's history holds millions, and
    the History tab asks each time it is shown."""
    step = select(func.min(Change.actor).label("actor")).cte("names", recursive=True)
    step = step.union_all(
        select(select(func.min(Change.actor)).where(Change.actor > step.c.actor).scalar_subquery())
        .where(step.c.actor.is_not(None)))
    with store.reader() as s:
        return [a for a in s.scalars(select(step.c.actor).order_by(step.c.actor)) if a]


def locate(store: PlanStore, item: Item) -> tuple[NodeKey | None, int | None]:
    """Where to show an item: a node of the plan tree, or a project of the workbook (or neither)."""
    tables = {table: kind for kind, table in _NODE_TABLES.items()}
    if item.table in tables:
        return NodeKey(tables[item.table], item.row_id), None
    tbl = Base.metadata.tables.get(item.table)
    if tbl is None or "id" not in tbl.c:
        return None, None
    with store.reader() as s:
        row = s.execute(select(tbl).where(tbl.c.id == item.row_id)).mappings().first()
    if row is None:
        return None, None
    if item.table == "project":
        return None, item.row_id
    if "project_id" in row:
        return None, row["project_id"]
    if row.get("measure_id"):
        return NodeKey(Kind.MEASURE, row["measure_id"]), None
    if row.get("wig_id"):
        return NodeKey(Kind.WIG, row["wig_id"]), None
    return None, None
