"""The ORM model: typed SQLAlchemy classes and nothing else (no Qt, no I/O beyond the ORM)."""

from planner.model.base import Base, Record, utcnow
from planner.model.measurement import InterimTarget, Measurement
from planner.model.plan import (
    DEFAULT_LEVEL_NAMES,
    Department,
    Direction,
    DistrictGoal,
    Division,
    Frequency,
    Guardrail,
    KeyLever,
    PerformanceMeasure,
    Pillar,
    Plan,
    Priority,
    Strategy,
    Wig,
    WigKind,
    strategy_collaborator,
)

__all__ = [
    "DEFAULT_LEVEL_NAMES", "Base", "Department", "Direction", "DistrictGoal", "Division", "Frequency",
    "Guardrail", "InterimTarget", "KeyLever", "Measurement", "PerformanceMeasure", "Pillar", "Plan", "Priority",
    "Record", "Strategy", "Wig", "WigKind", "strategy_collaborator", "utcnow",
]
