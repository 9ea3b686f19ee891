"""Editing the plan: change fields, add, delete (with everything under it), move. One transaction each.

Every function validates before it writes and raises ValidationError naming the field, so a form can put
the message beside it; nothing is written then. Deletes return a snapshot that `restore_deleted` puts back
exactly (same keys, same UUIDs), which is what undo needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from planner import clock
from planner.errors import RowChangedError, ValidationError
from planner.model import (
    Base,
    Department,
    Direction,
    Division,
    Frequency,
    KeyLever,
    Measurement,
    PerformanceMeasure,
    Pillar,
    PlanYear,
    Priority,
    Project,
    Strategy,
    Wig,
    WigKind,
)
from planner.services import fields
from planner.services.conflicts import keeping_mine
from planner.services.plan_nodes import FIELDS, KIND_LABEL, LINKS, MODEL, FieldType, Kind, NodeKey, field
from planner.services.transaction import write
from planner.services.wig_parser import parse_wig
from planner.services.wig_ties import strategy_choices
from planner.services.years import year_scope
from planner.store import PlanStore, server


def _get(session: Session, key: NodeKey) -> Any:
    obj = session.get(MODEL[key.kind], key.id)
    if obj is None:
        raise ValidationError(f"This {KIND_LABEL[key.kind]} no longer exists in the plan file.")
    return obj


def plan_id_of(session: Session, key: NodeKey) -> int:
    obj = _get(session, key)
    match key.kind:
        case Kind.PLAN:
            return int(obj.id)
        case Kind.PILLAR | Kind.DIVISION | Kind.DEPARTMENT:
            return int(obj.plan_id)
        case Kind.PRIORITY:
            return int(obj.pillar.plan_id)
        case Kind.STRATEGY:
            return int(obj.priority.pillar.plan_id)
        case Kind.WIG:
            return int(obj.strategy.priority.pillar.plan_id if obj.strategy else obj.department.plan_id)
        case Kind.KEY_LEVER:
            return plan_id_of(session, NodeKey(Kind.WIG, obj.wig_id))
        case Kind.MEASURE:
            if obj.wig_id:
                return plan_id_of(session, NodeKey(Kind.WIG, obj.wig_id))
            if obj.strategy_id:
                return plan_id_of(session, NodeKey(Kind.STRATEGY, obj.strategy_id))
            return int(obj.department.plan_id)
    raise ValueError(key)


# ---- reading a node's fields ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, (WigKind, Direction, Frequency)) else value


class NodeValues(dict[str, Any]):
    """A node's fields by name; beside them (not among them, so the values can be written back as they
    are) `references`: for a field naming another row, the rows it may name, as a picker lists them."""

    def __init__(self, values: dict[str, Any], references: dict[str, list[Any]] | None = None) -> None:
        super().__init__(values)
        self.references: dict[str, list[Any]] = references or {}


def node_values(store: PlanStore, key: NodeKey) -> NodeValues:
    """The node's editable fields as plain values (enums as their text, references as ids)."""
    with store.reader() as session:
        obj = _get(session, key)
        values = {f.name: _plain(getattr(obj, f.name)) for f in FIELDS[key.kind] if f.type != FieldType.DEPARTMENTS}
        if key.kind is Kind.STRATEGY:
            values["collaborators"] = sorted(d.id for d in obj.collaborators)
        references = {}
        if key.kind is Kind.WIG:
            references["strategy_id"] = strategy_choices(session, plan_id_of(session, key))
        return NodeValues(values, references)


# ---- validation ----------------------------------------------------------------------------------------


def _clean(kind: Kind, name: str, raw: Any) -> Any:
    """Turns a form's value into the stored type, or raises ValidationError naming the field (the shared
    field rules of fields.py)."""
    spec = field(kind, name)
    label = spec.label
    if spec.type in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.CODE):
        text = fields.read_text(raw, label=label, name=name, required=spec.required,
                                collapse=spec.type is FieldType.CODE)
        if spec.type is FieldType.CODE or name == "unit":
            return text or None
        return text
    if spec.type is FieldType.NUMBER:
        number = fields.read_quantity(raw, FieldType.NUMBER, label=label, name=name)
        if name == "weight" and number is not None and number <= 0:
            raise ValidationError("A weight must be more than 0 (1 is the usual weight).", field=name)
        return number
    if spec.type is FieldType.DATE:
        return fields.read_date(raw, label=label, name=name)
    if spec.type is FieldType.CHOICE:
        if raw is None or raw == "":
            raise ValidationError(f"{label} must be one of: {', '.join(spec.choices)}.", field=name)
        return {"kind": WigKind, "direction": Direction, "frequency": Frequency}[name](
            fields.read_choice(raw, spec.choices, label=label, name=name))
    if spec.type in (FieldType.DIVISION, FieldType.DEPARTMENT, FieldType.STRATEGY):
        return None if raw in (None, "", 0) else fields.read_row_id(raw, label=label, name=name)
    if spec.type is FieldType.DEPARTMENTS:
        return sorted({fields.read_row_id(v, label=label, name=name) for v in (raw or [])})
    if spec.type is FieldType.FLAG:
        return fields.read_flag(raw)
    raise ValueError(spec.type)


def _check_wig(values: dict[str, Any]) -> None:
    if values.get("weight") is None:
        raise ValidationError("A WIG needs a weight (1 is the usual weight).", field="weight")
    kind, baseline, target = values["kind"], values["baseline"], values["target"]
    if kind is not WigKind.MILESTONE:
        if values["direction"] is Direction.MAINTAIN and target is None:
            raise ValidationError("A goal that keeps a level needs that level as its target.", field="target")
        if values["direction"] is Direction.MAINTAIN:
            baseline = None  # a level to keep has no distance to travel: no baseline to check against
        if baseline is not None and target is not None and baseline == target:
            raise ValidationError("The target equals the baseline, so there is nothing to reach.", field="target")
        if kind is WigKind.PERCENT:
            for name in ("baseline", "target"):
                v = values[name]
                if v is not None and not 0 <= v <= 100:
                    raise ValidationError(f"A percent goal's {name} must be between 0 and 100.", field=name)
        if baseline is not None and target is not None:
            rising = target > baseline
            if rising and values["direction"] is Direction.DECREASE:
                raise ValidationError("The target is above the baseline, but the direction says decrease.",
                                      field="direction")
            if not rising and values["direction"] is Direction.INCREASE:
                raise ValidationError("The target is below the baseline, but the direction says increase.",
                                      field="direction")
    start, deadline = values["start_date"], values["deadline"]
    if start and deadline and deadline < start:
        raise ValidationError(f"The deadline ({deadline:%d %b %Y}) is before the start ({start:%d %b %Y}).",
                              field="deadline")


def check_field(kind: Kind, name: str, raw: Any) -> Any:
    """One field's value as the forms take it, or the ValidationError they would show: the same rules for
    every writer (the workbook import calls this)."""
    return _clean(kind, name, raw)


def check_wig(values: dict[str, Any]) -> None:
    """A WIG's fields together (kind, baseline, target, direction, weight, start_date, deadline), as the
    forms check them."""
    _check_wig(values)


def _check_unique(session: Session, key: NodeKey, obj: Any, name: str, value: Any) -> None:
    if value is None:
        return
    cls = MODEL[key.kind]
    column = getattr(cls, name)
    scope: dict[Kind, Any] = {
        Kind.PILLAR: Pillar.plan_id == getattr(obj, "plan_id", None),
        Kind.PRIORITY: Priority.pillar_id == getattr(obj, "pillar_id", None),
        Kind.STRATEGY: Strategy.priority_id == getattr(obj, "priority_id", None),
        Kind.DIVISION: Division.plan_id == getattr(obj, "plan_id", None),
        Kind.DEPARTMENT: Department.plan_id == getattr(obj, "plan_id", None),
    }
    stmt = select(cls.id).where(scope[key.kind], func.lower(column) == str(value).lower())
    if obj.id is not None:
        stmt = stmt.where(cls.id != obj.id)
    if session.scalar(stmt) is not None:
        where = {Kind.PILLAR: "in this plan", Kind.PRIORITY: "under this pillar",
                 Kind.STRATEGY: "under this priority", Kind.DIVISION: "in this plan",
                 Kind.DEPARTMENT: "in this plan"}[key.kind]
        raise ValidationError(f"{field(key.kind, name).label} “{value}” is already used {where}.", field=name)


def _apply(session: Session, key: NodeKey, obj: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Validates `changes` against the whole node and writes them. Returns the previous values."""
    cleaned = {name: _clean(key.kind, name, raw) for name, raw in changes.items()}
    before: dict[str, Any] = {}
    for name, value in cleaned.items():
        if field(key.kind, name).unique:
            _check_unique(session, key, obj, name, value)
        if name == "collaborators":
            before[name] = sorted(d.id for d in obj.collaborators)
        else:
            before[name] = _plain(getattr(obj, name))
    if key.kind is Kind.WIG:
        _check_wig({f.name: getattr(obj, f.name) for f in FIELDS[Kind.WIG]} | cleaned)
        strategy_id = cleaned.get("strategy_id", obj.strategy_id)
        if "department_id" in cleaned and cleaned["department_id"] is None and strategy_id is None:
            raise ValidationError("A WIG that is not under a strategy must belong to a department.",
                                  field="department_id")
        if "strategy_id" in cleaned:
            _check_tie(session, key, obj, cleaned)
    for name, value in cleaned.items():
        if name == "collaborators":
            obj.collaborators = [session.get(Department, d) for d in value]
        elif name in ("division_id", "department_id") and value is not None:
            target_cls = Division if name == "division_id" else Department
            if session.get(target_cls, value) is None:
                raise ValidationError(f"That {name.split('_')[0]} no longer exists.", field=name)
            setattr(obj, name, value)
        else:
            setattr(obj, name, value)
    return before


def _check_tie(session: Session, key: NodeKey, wig: Wig, cleaned: dict[str, Any]) -> None:
    """A WIG's strategy: one of its own plan's, or none for a department's goal. A WIG moved to another
    strategy comes last among that strategy's goals."""
    strategy_id = cleaned["strategy_id"]
    if strategy_id is None:
        if cleaned.get("department_id", wig.department_id) is None:
            raise ValidationError("A WIG of no department must stay under a strategy: choose one, or give the "
                                  "WIG a department first.", field="strategy_id")
        return
    if session.get(Strategy, strategy_id) is None:
        raise ValidationError("That strategy no longer exists.", field="strategy_id")
    if plan_id_of(session, NodeKey(Kind.STRATEGY, strategy_id)) != plan_id_of(session, key):
        raise ValidationError("That strategy belongs to another plan.", field="strategy_id")
    if strategy_id != wig.strategy_id:
        last = session.scalar(select(func.max(Wig.position)).where(Wig.strategy_id == strategy_id))
        wig.position = 0 if last is None else last + 1


def update_node(store: PlanStore, key: NodeKey, changes: dict[str, Any]) -> dict[str, Any]:
    """Write `changes` (field name → value from a form). Returns the previous values, for undo."""
    with write(store) as session:
        obj = _get(session, key)
        changes = dict(changes)
        if key.kind is Kind.WIG and "sentence" in changes:
            changes = _follow_sentence(session, obj, changes)
        return _apply(session, key, obj, changes)


def _follow_sentence(session: Session, wig: Wig, changes: dict[str, Any]) -> dict[str, Any]:
    """A new sentence re-reads the structure, unless the planner had corrected what the old one gave."""
    old = parse_wig(wig.sentence, default_start=wig.start_date)
    as_parsed = (wig.kind, wig.baseline, wig.target, wig.unit, wig.direction, wig.deadline,
                 wig.relative_change) == (old.kind, old.baseline, old.target, old.unit, old.direction, old.deadline,
                                          old.relative_change)
    structural = {"kind", "baseline", "target", "unit", "direction", "deadline", "relative_change"}
    if not as_parsed or structural & changes.keys():
        return changes
    new = parse_wig(str(changes["sentence"]), default_start=wig.start_date)
    return changes | {"kind": new.kind.value, "baseline": new.baseline, "target": new.target, "unit": new.unit,
                      "direction": new.direction.value, "deadline": new.deadline,
                      "relative_change": new.relative_change}


# ---- adding ----------------------------------------------------------------------------------------------


def _siblings(session: Session, kind: Kind, parent: NodeKey) -> list[Any]:
    link = LINKS[(kind, parent.kind)]
    cls = MODEL[kind]
    stmt = select(cls).where(getattr(cls, link.fk) == parent.id)
    if kind is Kind.MEASURE and parent.kind is Kind.STRATEGY:
        stmt = stmt.where(PerformanceMeasure.wig_id.is_(None))
    order = getattr(cls, link.position) if link.position else cls.id
    return list(session.scalars(stmt.order_by(order, cls.id)))


def _renumber(items: Iterable[Any], position: str | None) -> None:
    if position is None:
        return
    for i, item in enumerate(items):
        if getattr(item, position) != i:
            setattr(item, position, i)


def check_parent(kind: Kind, parent_kind: Kind) -> None:
    if (kind, parent_kind) not in LINKS:
        raise ValidationError(f"A {KIND_LABEL[kind]} cannot go under a {KIND_LABEL[parent_kind]}.")


DEFAULT_TEXT: dict[Kind, dict[str, Any]] = {
    Kind.PILLAR: {"code": "New", "name": "New pillar"},
    Kind.PRIORITY: {"code": "New", "statement": "New priority"},
    Kind.STRATEGY: {"code": None, "statement": "New strategy"},
    Kind.WIG: {"sentence": "New goal: from X to Y by Month YYYY"},
    Kind.KEY_LEVER: {"text": "New key lever"},
    Kind.MEASURE: {"name": "New performance measure"},
    Kind.DIVISION: {"name": "New division"},
    Kind.DEPARTMENT: {"name": "New department"},
}


def add_node(store: PlanStore, parent: NodeKey, kind: Kind, values: dict[str, Any] | None = None,
             index: int | None = None, year_id: int | None = None) -> NodeKey:
    """A new `kind` under `parent`, at `index` among its siblings (the end by default). A new WIG or
    measure belongs to its parent WIG's year, else to `year_id`, else to the year containing today."""
    check_parent(kind, parent.kind)
    values = dict(DEFAULT_TEXT[kind] if values is None else values)
    with write(store) as session:
        parent_obj = _get(session, parent)
        link = LINKS[(kind, parent.kind)]
        obj = MODEL[kind]()
        setattr(obj, link.fk, parent_obj.id)
        key = NodeKey(kind, 0)
        if kind in (Kind.WIG, Kind.MEASURE):
            obj.year_id = _year_for(session, parent, year_id)
        if kind is Kind.WIG:
            sentence = str(values.get("sentence", ""))
            start = _year_start(session, obj.year_id)
            parsed = parse_wig(sentence, default_start=start)
            defaults = {"kind": parsed.kind.value, "baseline": parsed.baseline, "target": parsed.target,
                        "unit": parsed.unit, "direction": parsed.direction.value, "start_date": parsed.start,
                        "deadline": parsed.deadline, "relative_change": parsed.relative_change}
            values = defaults | values
            obj.kind, obj.direction, obj.weight = WigKind.MILESTONE, Direction.INCREASE, 1.0
        if kind is Kind.DEPARTMENT:
            obj.plan_id = parent_obj.plan_id
        if kind is Kind.MEASURE:
            obj.frequency = Frequency.QUARTERLY
        _apply(session, key, obj, values)
        siblings = _siblings(session, kind, parent)
        index = len(siblings) if index is None else max(0, min(index, len(siblings)))
        siblings.insert(index, obj)
        session.add(obj)
        _renumber(siblings, link.position)
        session.flush()
        return NodeKey(kind, obj.id)


def _year_for(session: Session, parent: NodeKey, year_id: int | None) -> int | None:
    if parent.kind is Kind.WIG:
        wig = session.get(Wig, parent.id)
        if wig is not None and wig.year_id is not None:
            return int(wig.year_id)
    if year_id is not None:
        return year_id
    year = year_scope(session, plan_id_of(session, parent), None, clock.today())
    return year.id if year else None


def _year_start(session: Session, year_id: int | None) -> date | None:
    year = session.get(PlanYear, year_id) if year_id else None
    return year.start_date if year else None


# ---- deleting, with a snapshot for undo ------------------------------------------------------------------


@dataclass
class DeletedSubtree:
    """Everything a delete removed or unlinked, so that undo puts it back exactly."""

    key: NodeKey
    rows: list[tuple[str, list[dict[str, Any]]]] = dc_field(default_factory=list)  # table, rows (parents first)
    unlinked: list[tuple[str, int, str, Any]] = dc_field(default_factory=list)  # table, id, column, old value


def _rows(session: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(select(table).where(where))]


def _collect(session: Session, key: NodeKey) -> tuple[DeletedSubtree, dict[str, int]]:
    t = Base.metadata.tables
    snap = DeletedSubtree(key)
    ids: dict[Kind, set[int]] = {k: set() for k in Kind}
    ids[key.kind].add(key.id)
    if key.kind is Kind.PILLAR:
        ids[Kind.PRIORITY] = set(session.scalars(select(Priority.id).where(Priority.pillar_id == key.id)))
    if ids[Kind.PRIORITY]:
        ids[Kind.STRATEGY] |= set(session.scalars(
            select(Strategy.id).where(Strategy.priority_id.in_(ids[Kind.PRIORITY]))))
    if key.kind is Kind.PRIORITY:
        ids[Kind.STRATEGY] |= set(session.scalars(select(Strategy.id).where(Strategy.priority_id == key.id)))
    if ids[Kind.STRATEGY]:
        # The strategy's own goals go with it; a department's goal tied to it stays the department's, untied.
        for wig_id, strategy_id, department_id in session.execute(
                select(Wig.id, Wig.strategy_id, Wig.department_id).where(Wig.strategy_id.in_(ids[Kind.STRATEGY]))):
            if department_id is None:
                ids[Kind.WIG].add(wig_id)
            else:
                snap.unlinked.append(("wig", wig_id, "strategy_id", strategy_id))
        ids[Kind.MEASURE] |= set(session.scalars(select(PerformanceMeasure.id).where(
            PerformanceMeasure.strategy_id.in_(ids[Kind.STRATEGY]))))
    if key.kind is Kind.DEPARTMENT:
        # The department's own goals go with it; goals it shares with a strategy stay, unlinked.
        own = set(session.scalars(select(Wig.id).where(Wig.department_id == key.id, Wig.strategy_id.is_(None))))
        ids[Kind.WIG] |= own
        for wig_id in session.scalars(select(Wig.id).where(Wig.department_id == key.id, Wig.strategy_id.is_not(None))):
            snap.unlinked.append(("wig", wig_id, "department_id", key.id))
        for m in session.scalars(select(PerformanceMeasure).where(PerformanceMeasure.department_id == key.id)):
            if (m.wig_id is None and m.strategy_id is None) or m.wig_id in own:
                ids[Kind.MEASURE].add(m.id)
            else:
                snap.unlinked.append(("performance_measure", m.id, "department_id", key.id))
        # Being a collaborator is a link row; it goes and comes back with the department.
    if ids[Kind.WIG]:
        ids[Kind.KEY_LEVER] |= set(session.scalars(select(KeyLever.id).where(KeyLever.wig_id.in_(ids[Kind.WIG]))))
        ids[Kind.MEASURE] |= set(session.scalars(select(PerformanceMeasure.id).where(
            PerformanceMeasure.wig_id.in_(ids[Kind.WIG]))))
    measurement_where = Measurement.measure_id.in_(ids[Kind.MEASURE]) | Measurement.wig_id.in_(ids[Kind.WIG])
    # A project tied here loses that tie (and gets it back on undo); one left tied to nothing stops the delete.
    ties = {"key_lever_id": ids[Kind.KEY_LEVER], "wig_id": ids[Kind.WIG], "strategy_id": ids[Kind.STRATEGY]}
    stranded = []
    for project in session.scalars(select(Project).where(or_(*(getattr(Project, c).in_(v) for c, v in ties.items())))):
        kept = [c for c, v in ties.items() if getattr(project, c) is not None and getattr(project, c) not in v]
        if not kept:
            stranded.append(project.name)
        for column, deleted in ties.items():
            if getattr(project, column) in deleted:
                snap.unlinked.append(("project", project.id, column, getattr(project, column)))
    if stranded:
        names = ", ".join(f"“{n}”" for n in sorted(stranded)[:5]) + (" and others" if len(stranded) > 5 else "")
        raise ValidationError(
            f"The project{'s' if len(stranded) > 1 else ''} {names} {'are' if len(stranded) > 1 else 'is'} tied to "
            "this part of the plan and would be tied to nothing.",
            hint="In the Workbook, tie the project to another key lever, WIG or strategy, or delete it, first.")
    order = [(Kind.PILLAR, "pillar"), (Kind.PRIORITY, "priority"), (Kind.DEPARTMENT, "department"),
             (Kind.STRATEGY, "strategy"), (Kind.WIG, "wig"), (Kind.KEY_LEVER, "key_lever"),
             (Kind.MEASURE, "performance_measure")]
    for kind, name in order:
        if ids[kind]:
            snap.rows.append((name, _rows(session, t[name], t[name].c.id.in_(ids[kind]))))
    collab = t["strategy_collaborator"]
    links = _rows(session, collab, collab.c.strategy_id.in_(ids[Kind.STRATEGY])
                  | collab.c.department_id.in_(ids[Kind.DEPARTMENT]))
    if links:
        snap.rows.append(("strategy_collaborator", links))
    measurements = _rows(session, t["measurement"], measurement_where)
    if measurements:
        snap.rows.append(("measurement", measurements))
    counts = {KIND_LABEL[k]: len(v) for k, v in ids.items() if v and k is not key.kind}
    if measurements:
        counts["logged measurement"] = len(measurements)
    return snap, counts


def keep_mine(store: PlanStore, key: NodeKey, changes: dict[str, Any], conflict: RowChangedError) -> dict[str, Any]:
    """The person chose to keep their change over the one `conflict` names: the row is read again (its current
    version becomes the one this save expects, so a third change since is refused in turn) and `changes` saved
    over it, the history's reason saying whose change it overwrote. Returns the previous values, for undo."""
    node_values(store, key)  # the row as it is now on the server: their change, seen
    with keeping_mine(store, conflict):  # a change after the one the person chose to overwrite: refused
        return update_node(store, key, changes)


def keep_theirs(store: PlanStore, key: NodeKey) -> NodeValues:
    """The person chose the change `RowChangedError` named over their own: nothing is written; the row's
    values as they are now on the server, for the form to show (read, so theirs counts as seen)."""
    return node_values(store, key)


def describe_delete(store: PlanStore, key: NodeKey) -> dict[str, int]:
    """What a delete takes with it, by kind ("WIG": 2, "key lever": 4, ...), for the confirmation."""
    with store.reader() as session:
        _get(session, key)
        return _collect(session, key)[1]


DELETABLE = {Kind.PILLAR, Kind.PRIORITY, Kind.STRATEGY, Kind.WIG, Kind.KEY_LEVER, Kind.MEASURE, Kind.DEPARTMENT}


def delete_node(store: PlanStore, key: NodeKey) -> DeletedSubtree:
    if key.kind not in DELETABLE:
        raise ValidationError(f"A {KIND_LABEL[key.kind]} cannot be deleted here.")
    with write(store) as session:
        _get(session, key)
        snap, _ = _collect(session, key)
        t = Base.metadata.tables
        # Core statements, which no ORM flush checks: on a server, the rows they clear or delete are checked
        # first (an undo of an add never deletes a row someone else changed since)
        for table, rows in snap.rows:
            server.check_core_write(session, table, [r["id"] for r in rows if "id" in r])
        for table, column_id, _column, _old in snap.unlinked:
            server.check_core_write(session, table, [column_id])
        for table, column_id, column, _old in snap.unlinked:
            session.execute(update(t[table]).where(t[table].c.id == column_id).values({column: None}))
        for table, rows in reversed(snap.rows):
            tbl = t[table]
            if table == "strategy_collaborator":
                for row in rows:
                    session.execute(delete(tbl).where(tbl.c.strategy_id == row["strategy_id"],
                                                      tbl.c.department_id == row["department_id"]))
            else:
                session.execute(delete(tbl).where(tbl.c.id.in_([r["id"] for r in rows])))
        session.expire_all()
        return snap


def restore_deleted(store: PlanStore, snap: DeletedSubtree) -> None:
    """Undo of a delete: the same rows, keys and UUIDs, and the links the delete cleared."""
    t = Base.metadata.tables
    with write(store) as session:
        for table, rows in snap.rows:
            session.execute(insert(t[table]), rows)
        for table, row_id, column, old in snap.unlinked:
            session.execute(update(t[table]).where(t[table].c.id == row_id).values({column: old}))


# ---- moving ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    parent: NodeKey
    index: int


def placement(store: PlanStore, key: NodeKey, parent: NodeKey) -> Placement:
    """Where `key` sits under `parent` now (for undoing a move)."""
    with store.reader() as session:
        siblings = _siblings(session, key.kind, parent)
        ids = [s.id for s in siblings]
        return Placement(parent, ids.index(key.id) if key.id in ids else len(ids))


@dataclass(frozen=True)
class Moved:
    """A move done, with what undoing it needs: where the item was, where it is, its links before."""

    key: NodeKey
    before: Placement
    after: Placement
    links: dict[str, Any]


def move(store: PlanStore, key: NodeKey, parent: NodeKey, index: int, *, old_parent: NodeKey) -> Moved:
    """A user's move, in one transaction: `key` from under `old_parent` to `index` under `parent`."""
    check_parent(key.kind, parent.kind)
    if key == parent:
        raise ValidationError("An item cannot be moved under itself.")
    with write(store) as session:
        obj = _get(session, key)
        names = {link.fk for (kind, _), link in LINKS.items() if kind is key.kind}
        names |= {c for (kind, _), link in LINKS.items() if kind is key.kind for c in link.clears}
        links = {name: getattr(obj, name) for name in names}
        ids = [s.id for s in _siblings(session, key.kind, old_parent)] if (key.kind, old_parent.kind) in LINKS else []
        before = Placement(old_parent, ids.index(key.id) if key.id in ids else len(ids))
        _move(session, key, parent, index, old_parent, None)
        ids = [s.id for s in _siblings(session, key.kind, parent)]
        return Moved(key, before, Placement(parent, ids.index(key.id) if key.id in ids else len(ids)), links)


def keep_mine_move(store: PlanStore, key: NodeKey, parent: NodeKey, index: int, *, old_parent: NodeKey,
                   conflict: RowChangedError) -> Moved:
    """The person chose to keep their move over the change `conflict` names (to the item, or to a sibling the
    move renumbers): the item and its siblings, where they are now and where they go, are read again (theirs
    seen; a third change since is refused in turn), and the move made from where the item is now, the history's
    reason saying whose change it went over. Only the links and places a move sets are written, so the rest of
    their change (a sentence, a unit) stays as they saved it."""
    with store.reader() as session:
        obj = _get(session, key)
        if (key.kind, old_parent.kind) in LINKS:  # where it is now, if someone else moved it meanwhile
            now = getattr(obj, LINKS[(key.kind, old_parent.kind)].fk)
            if now is not None:
                old_parent = NodeKey(old_parent.kind, now)
            _siblings(session, key.kind, old_parent)
        if (key.kind, parent.kind) in LINKS:
            _siblings(session, key.kind, parent)
    with keeping_mine(store, conflict):
        return move(store, key, parent, index, old_parent=old_parent)


def move_node(store: PlanStore, key: NodeKey, parent: NodeKey, index: int, *,
              old_parent: NodeKey | None = None, restore: dict[str, Any] | None = None) -> None:
    """Put `key` under `parent` at `index` among its siblings there. Refuses moves a plan does not permit.
    `restore` sets links back as they were (undo of a move that cleared them), in the same transaction."""
    check_parent(key.kind, parent.kind)
    if key == parent:
        raise ValidationError("An item cannot be moved under itself.")
    with write(store) as session:
        _move(session, key, parent, index, old_parent, restore)


def _move(session: Session, key: NodeKey, parent: NodeKey, index: int, old_parent: NodeKey | None,
          restore: dict[str, Any] | None) -> None:
    obj = _get(session, key)
    target = _get(session, parent)
    if key.kind is Kind.PILLAR and target.id != obj.plan_id:
        raise ValidationError("A pillar can only be reordered within its own plan.")
    if plan_id_of(session, key) != plan_id_of(session, parent):
        raise ValidationError("Items can only be moved within the same plan.")
    link = LINKS[(key.kind, parent.kind)]
    if old_parent is not None and old_parent != parent and (key.kind, old_parent.kind) in LINKS:
        old_link = LINKS[(key.kind, old_parent.kind)]
        remaining = [s for s in _siblings(session, key.kind, old_parent) if s.id != obj.id]
        _renumber(remaining, old_link.position)
    for name in link.clears:
        setattr(obj, name, None)
    setattr(obj, link.fk, target.id)
    for name, value in (restore or {}).items():
        setattr(obj, name, value)
    if key.kind is Kind.WIG and obj.strategy_id is None and obj.department_id is None:
        raise ValidationError("A WIG must stay under a strategy or a department.")
    session.flush()
    siblings = [s for s in _siblings(session, key.kind, parent) if s.id != obj.id]
    index = max(0, min(index, len(siblings)))
    siblings.insert(index, obj)
    _renumber(siblings, link.position)


def link_values(store: PlanStore, key: NodeKey) -> dict[str, Any]:
    """The foreign keys a move may change, as they are now."""
    with store.reader() as session:
        obj = _get(session, key)
        names = {link.fk for (kind, _), link in LINKS.items() if kind is key.kind}
        names |= {c for (kind, _), link in LINKS.items() if kind is key.kind for c in link.clears}
        return {name: getattr(obj, name) for name in names}
