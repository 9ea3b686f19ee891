"""What a plan node is to the editor: its kind, its fields, and which parents it may have.

One table of rules, used by the tree (what may be dropped where), the forms (which fields to show) and the
edit services (what to validate). The UI reads these rules; it never restates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from planner.model import (
    Department,
    Direction,
    Division,
    Frequency,
    KeyLever,
    PerformanceMeasure,
    Pillar,
    Plan,
    Priority,
    Strategy,
    Wig,
    WigKind,
)
from planner.services.fields import FieldKind


class Kind(StrEnum):
    PLAN = "plan"
    PILLAR = "pillar"
    PRIORITY = "priority"
    STRATEGY = "strategy"
    WIG = "wig"
    KEY_LEVER = "key_lever"
    MEASURE = "measure"
    DIVISION = "division"
    DEPARTMENT = "department"
    GROUP = "group"  # a heading in a view ("Collaborating departments"); not a row of its own


class NodeKey(NamedTuple):
    kind: Kind
    id: int

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> NodeKey:
        kind, _, ident = text.partition(":")
        return cls(Kind(kind), int(ident))


# The table of each kind of node. Its fields are read and set by name (the field specs), so the class is Any.
MODEL: dict[Kind, type[Any]] = {
    Kind.PLAN: Plan, Kind.PILLAR: Pillar, Kind.PRIORITY: Priority, Kind.STRATEGY: Strategy, Kind.WIG: Wig,
    Kind.KEY_LEVER: KeyLever, Kind.MEASURE: PerformanceMeasure, Kind.DIVISION: Division,
    Kind.DEPARTMENT: Department,
}

# Default names of the kinds, for messages ("Delete this key lever?"). A plan's own level names win in views.
KIND_LABEL = {
    Kind.PLAN: "plan", Kind.PILLAR: "pillar", Kind.PRIORITY: "priority", Kind.STRATEGY: "strategy",
    Kind.WIG: "WIG", Kind.KEY_LEVER: "key lever", Kind.MEASURE: "performance measure",
    Kind.DIVISION: "division", Kind.DEPARTMENT: "department", Kind.GROUP: "group",
}


class Link(NamedTuple):
    """How a child hangs under a parent: the child's foreign key, its order column, and foreign keys that
    moving it there clears (a measure moved from a WIG to its strategy stops belonging to the WIG)."""

    fk: str
    position: str | None
    clears: tuple[str, ...] = ()


LINKS: dict[tuple[Kind, Kind], Link] = {
    (Kind.PILLAR, Kind.PLAN): Link("plan_id", "position"),
    (Kind.PRIORITY, Kind.PILLAR): Link("pillar_id", "position"),
    (Kind.STRATEGY, Kind.PRIORITY): Link("priority_id", "position"),
    (Kind.STRATEGY, Kind.DIVISION): Link("division_id", None),
    (Kind.WIG, Kind.STRATEGY): Link("strategy_id", "position"),
    (Kind.WIG, Kind.DEPARTMENT): Link("department_id", "department_position"),
    (Kind.KEY_LEVER, Kind.WIG): Link("wig_id", "position"),
    (Kind.MEASURE, Kind.WIG): Link("wig_id", "position", ("strategy_id",)),
    (Kind.MEASURE, Kind.STRATEGY): Link("strategy_id", "position", ("wig_id",)),
    (Kind.MEASURE, Kind.DEPARTMENT): Link("department_id", "department_position"),
    (Kind.DEPARTMENT, Kind.DIVISION): Link("division_id", "position"),
    (Kind.DIVISION, Kind.PLAN): Link("plan_id", "position"),
}


def allowed_parent(child: Kind, parent: Kind) -> bool:
    """Whether a plan permits `child` under `parent`: a key lever under a WIG, never under a pillar."""
    return (child, parent) in LINKS


def child_kinds(parent: Kind) -> list[Kind]:
    return [child for (child, p) in LINKS if p is parent]


FieldType = FieldKind  # the plan forms' kinds of value are the shared field rules' (fields.py)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()
    unique: bool = False  # unique among the node's siblings


FIELDS: dict[Kind, list[Field]] = {
    Kind.PLAN: [
        Field("name", "Name", FieldType.TEXT, required=True),
        Field("period_label", "Period", FieldType.TEXT),
        Field("mission", "Mission", FieldType.LONG_TEXT),
        Field("vision", "Vision", FieldType.LONG_TEXT),
        Field("strategy_statement", "Strategy", FieldType.LONG_TEXT),
        Field("tagline", "Tagline", FieldType.TEXT),
        Field("description", "Description", FieldType.LONG_TEXT),
    ],
    Kind.PILLAR: [
        Field("code", "Code", FieldType.CODE, required=True, unique=True),
        Field("name", "Name", FieldType.TEXT, required=True),
        Field("tagline", "Tagline", FieldType.TEXT),
        Field("commitment", "Commitment", FieldType.LONG_TEXT),
        Field("description", "Description", FieldType.LONG_TEXT),
    ],
    Kind.PRIORITY: [
        Field("code", "Code", FieldType.CODE, required=True, unique=True),
        Field("statement", "Statement", FieldType.LONG_TEXT, required=True),
    ],
    Kind.STRATEGY: [
        Field("code", "Code", FieldType.CODE, unique=True),
        Field("statement", "Statement", FieldType.LONG_TEXT, required=True),
        Field("division_id", "Division", FieldType.DIVISION),
        Field("collaborators", "Collaborating departments", FieldType.DEPARTMENTS),
    ],
    Kind.WIG: [
        Field("sentence", "Goal as written", FieldType.LONG_TEXT, required=True),
        Field("strategy_id", "Strategy", FieldType.STRATEGY),  # what it serves: near the top, seen first
        Field("kind", "Kind", FieldType.CHOICE, choices=tuple(k.value for k in WigKind)),
        Field("baseline", "Baseline", FieldType.NUMBER),
        Field("target", "Target", FieldType.NUMBER),
        Field("unit", "Unit", FieldType.TEXT),
        Field("direction", "Direction", FieldType.CHOICE, choices=tuple(d.value for d in Direction)),
        Field("relative_change", "Change from the baseline (%)", FieldType.NUMBER),
        Field("start_date", "Start", FieldType.DATE),
        Field("deadline", "Deadline", FieldType.DATE),
        Field("department_id", "Department", FieldType.DEPARTMENT),
        Field("weight", "Weight in roll-ups", FieldType.NUMBER),
    ],
    Kind.KEY_LEVER: [Field("text", "Key lever", FieldType.LONG_TEXT, required=True)],
    Kind.MEASURE: [
        Field("name", "Name", FieldType.TEXT, required=True),
        Field("unit", "Unit", FieldType.TEXT),
        Field("frequency", "Logged", FieldType.CHOICE, choices=tuple(f.value for f in Frequency)),
        Field("allow_over_100", "A percent may exceed 100", FieldType.FLAG),
        Field("goal_baseline", "Baseline (when the WIG names several quantities)", FieldType.NUMBER),
        Field("goal_target", "Target (when the WIG names several quantities)", FieldType.NUMBER),
    ],
    Kind.DIVISION: [
        Field("name", "Name", FieldType.TEXT, required=True, unique=True),
        Field("annual_plan_title", "Annual plan title", FieldType.TEXT),
    ],
    Kind.DEPARTMENT: [
        Field("name", "Name", FieldType.TEXT, required=True, unique=True),
        Field("division_id", "Division", FieldType.DIVISION),
    ],
}


def field(kind: Kind, name: str) -> Field:
    return next(f for f in FIELDS[kind] if f.name == name)


# "All Central Office Departments", "Central Office and School-Based Staff"
GROUP_WORDS = ("all ", "central office and ")


def is_department_group(name: str) -> bool:
    """Whether a department's name stands for a group of departments or staff (a plan lists "All Central
    Office Departments" beside real departments as the owner of shared WIGs): pickers show these apart."""
    text = " ".join(name.split()).lower()
    return text.startswith(GROUP_WORDS) or text.endswith((" staff", " divisions and departments"))
