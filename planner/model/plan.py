"""The strategic plan: plan frame, pillars > priorities > strategies > WIGs > key levers, divisions, departments.

Level tables are typed because each level has its own fields. A plan names its own levels
(`Plan.level_names`): the 2018 plan keeps "Goal" and "Focus Area" in the pillar and priority tables.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from planner.model.base import Base, Record, enum_column


class WigKind(enum.StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    MILESTONE = "milestone"


class Direction(enum.StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    MAINTAIN = "maintain"  # keep at or above the target ("Maintain a 100% success rate"): no baseline


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMESTERLY = "semesterly"
    ANNUALLY = "annually"



DEFAULT_LEVEL_NAMES = ["Pillar", "Priority", "Strategy", "Wildly Important Goal", "Key Lever"]


class Plan(Record, Base):
    __tablename__ = "plan"

    name: Mapped[str] = mapped_column(Text)
    period_label: Mapped[str] = mapped_column(Text, default="")  # "2024-29"
    archived: Mapped[bool] = mapped_column(default=False)
    level_names: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_LEVEL_NAMES))
    mission: Mapped[str] = mapped_column(Text, default="")
    vision: Mapped[str] = mapped_column(Text, default="")
    strategy_statement: Mapped[str] = mapped_column(Text, default="")
    tagline: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Status rules, visible and settable per plan (see services/progress.py).
    on_track_tolerance: Mapped[float] = mapped_column(default=0.05, server_default="0.05")
    at_risk_tolerance: Mapped[float] = mapped_column(default=0.15, server_default="0.15")
    rollup_rule: Mapped[str] = mapped_column(String(16), default="worst", server_default="worst")
    rollup_on_track: Mapped[float] = mapped_column(default=0.8, server_default="0.8")
    rollup_at_risk: Mapped[float] = mapped_column(default=0.6, server_default="0.6")
    # Workbook utilization: a key lever counts when it has an active project updated within this window.
    utilization_window_days: Mapped[int] = mapped_column(default=30, server_default="30")

    goals: Mapped[list[DistrictGoal]] = relationship(
        back_populates="plan", order_by="DistrictGoal.position", cascade="all, delete-orphan")
    guardrails: Mapped[list[Guardrail]] = relationship(
        back_populates="plan", order_by="Guardrail.position", cascade="all, delete-orphan")
    pillars: Mapped[list[Pillar]] = relationship(
        back_populates="plan", order_by="Pillar.position", cascade="all, delete-orphan")
    divisions: Mapped[list[Division]] = relationship(
        back_populates="plan", order_by="Division.position", cascade="all, delete-orphan")
    departments: Mapped[list[Department]] = relationship(
        back_populates="plan", order_by="Department.position", cascade="all, delete-orphan")
    years: Mapped[list[PlanYear]] = relationship(
        back_populates="plan", order_by="PlanYear.start_date", cascade="all, delete-orphan")

    def level_name(self, depth: int) -> str:
        """The plan's own name for a level (0 = pillar), falling back to the 2024-29 names."""
        names = self.level_names or DEFAULT_LEVEL_NAMES
        return names[depth] if depth < len(names) else DEFAULT_LEVEL_NAMES[depth]


class PlanYear(Record, Base):
    """One annual plan of a strategic plan: a school year ("2024-25", July to June) with its own WIGs, key
    levers, measures and their values. The frame (pillars, priorities, strategies, goals, guardrails,
    divisions and departments) belongs to the plan and is shared by all its years."""

    __tablename__ = "plan_year"
    __table_args__ = (UniqueConstraint("plan_id", "label"), CheckConstraint("end_date > start_date", name="ordered"))

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date]
    end_date: Mapped[date]
    # The year it was started from (None for the first), so a year's lineage can be walked back.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("plan_year.id", ondelete="SET NULL"))
    plan: Mapped[Plan] = relationship(back_populates="years")


def _lineage_default(context: Any) -> Any:
    """A row that was not carried from another is the first of its lineage: its lineage is its own UUID."""
    return context.get_current_parameters().get("uuid")


class Carried:
    """What a WIG, key lever or measure keeps of the row of an earlier year it was carried from: the
    lineage (the first row's UUID, shared by every year's copy) and the row it came from."""

    lineage_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=_lineage_default, index=True)


class DistrictGoal(Record, Base):
    """One of the plan's district goals ("Improved Early Literacy in Grades K-2")."""

    __tablename__ = "district_goal"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    plan: Mapped[Plan] = relationship(back_populates="goals")


class Guardrail(Record, Base):
    __tablename__ = "guardrail"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    plan: Mapped[Plan] = relationship(back_populates="guardrails")


class Division(Record, Base):
    """An annual plan's owner (a division of the district), e.g. Strategy and Innovation."""

    __tablename__ = "division"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    annual_plan_title: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[Plan] = relationship(back_populates="divisions")
    departments: Mapped[list[Department]] = relationship(
        back_populates="division", order_by="Department.position")
    strategies: Mapped[list[Strategy]] = relationship(back_populates="division")


strategy_collaborator = Table(
    "strategy_collaborator",
    Base.metadata,
    Column("strategy_id", ForeignKey("strategy.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Record, Base):
    """A department. Those in a Department Plans Index belong to a division; collaborators may not."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    division_id: Mapped[int | None] = mapped_column(
        ForeignKey("division.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    plan: Mapped[Plan] = relationship(back_populates="departments")
    division: Mapped[Division | None] = relationship(back_populates="departments")
    wigs: Mapped[list[Wig]] = relationship(
        back_populates="department", order_by="Wig.department_position")
    measures: Mapped[list[PerformanceMeasure]] = relationship(
        back_populates="department", order_by="PerformanceMeasure.department_position")
    collaborates_on: Mapped[list[Strategy]] = relationship(
        secondary=strategy_collaborator, back_populates="collaborators")


class Pillar(Record, Base):
    __tablename__ = "pillar"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(Text, default="")
    tagline: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[Plan] = relationship(back_populates="pillars")
    priorities: Mapped[list[Priority]] = relationship(
        back_populates="pillar", order_by="Priority.position", cascade="all, delete-orphan")


class Priority(Record, Base):
    __tablename__ = "priority"
    __table_args__ = (UniqueConstraint("pillar_id", "code"),)

    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillar.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    pillar: Mapped[Pillar] = relationship(back_populates="priorities")
    strategies: Mapped[list[Strategy]] = relationship(
        back_populates="priority", order_by="Strategy.position", cascade="all, delete-orphan")


class Strategy(Record, Base):
    """A strategy. `code` is None where the source document lost it."""

    __tablename__ = "strategy"
    __table_args__ = (UniqueConstraint("priority_id", "code"),)

    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), index=True)
    division_id: Mapped[int | None] = mapped_column(
        ForeignKey("division.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    priority: Mapped[Priority] = relationship(back_populates="strategies")
    division: Mapped[Division | None] = relationship(back_populates="strategies")
    wigs: Mapped[list[Wig]] = relationship(
        back_populates="strategy", order_by="Wig.position", cascade="all, delete-orphan")
    measures: Mapped[list[PerformanceMeasure]] = relationship(
        back_populates="strategy", order_by="PerformanceMeasure.position", cascade="all, delete-orphan")
    collaborators: Mapped[list[Department]] = relationship(
        secondary=strategy_collaborator, back_populates="collaborates_on", order_by="Department.name")


class Wig(Carried, Record, Base):
    """A Wildly Important Goal: its sentence as written and the structure parsed from it.

    It hangs under a strategy, or under a department (a Department Plans Index goal), or both when the
    index repeats the strategy's goal.
    """

    __tablename__ = "wig"
    __table_args__ = (
        CheckConstraint("strategy_id IS NOT NULL OR department_id IS NOT NULL", name="has_owner"),
    )

    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True)
    year_id: Mapped[int | None] = mapped_column(ForeignKey("plan_year.id", ondelete="CASCADE"), index=True)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    department_position: Mapped[int] = mapped_column(default=0)
    sentence: Mapped[str] = mapped_column(Text)
    kind: Mapped[WigKind] = mapped_column(enum_column(WigKind, "wig_kind"), default=WigKind.MILESTONE)
    baseline: Mapped[float | None]
    target: Mapped[float | None]
    unit: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "direction"), default=Direction.INCREASE)
    start_date: Mapped[date | None]
    deadline: Mapped[date | None]
    weight: Mapped[float] = mapped_column(default=1.0, server_default="1.0")  # in a weighted roll-up
    # "Reduce the number of data requests by 50%": a change relative to a baseline still to be measured,
    # in percent (-50 halves it). The target is then the baseline (the first value logged) moved by it.
    relative_change: Mapped[float | None]
    year: Mapped[PlanYear | None] = relationship()
    strategy: Mapped[Strategy | None] = relationship(back_populates="wigs")
    department: Mapped[Department | None] = relationship(back_populates="wigs")
    key_levers: Mapped[list[KeyLever]] = relationship(
        back_populates="wig", order_by="KeyLever.position", cascade="all, delete-orphan")
    measures: Mapped[list[PerformanceMeasure]] = relationship(
        back_populates="wig", order_by="PerformanceMeasure.position", cascade="all, delete-orphan")


class KeyLever(Carried, Record, Base):
    __tablename__ = "key_lever"

    wig_id: Mapped[int] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"), index=True)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("key_lever.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    wig: Mapped[Wig] = relationship(back_populates="key_levers")


class PerformanceMeasure(Carried, Record, Base):
    """Something a planner logs values for. Attached where the source puts it: a WIG, a strategy
    (when the source's WIG was lost), and/or a department's index entry."""

    __tablename__ = "performance_measure"
    __table_args__ = (
        CheckConstraint(
            "wig_id IS NOT NULL OR strategy_id IS NOT NULL OR department_id IS NOT NULL", name="has_owner"),
    )

    wig_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"), index=True)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True)
    year_id: Mapped[int | None] = mapped_column(ForeignKey("plan_year.id", ondelete="CASCADE"), index=True)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("performance_measure.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    department_position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    frequency: Mapped[Frequency] = mapped_column(
        enum_column(Frequency, "frequency"), default=Frequency.QUARTERLY)
    allow_over_100: Mapped[bool] = mapped_column(default=False, server_default="0")  # a percent may exceed 100
    # One quantity of a WIG that names several ("FAM-S from 69% to 80% and FAM-D from 69% to 75%"): the
    # measure's own baseline and target, judged on its values; the WIG's status is then their roll-up.
    goal_baseline: Mapped[float | None]
    goal_target: Mapped[float | None]
    year: Mapped[PlanYear | None] = relationship()

    @property
    def is_quantity(self) -> bool:
        return self.goal_target is not None
    wig: Mapped[Wig | None] = relationship(back_populates="measures")
    strategy: Mapped[Strategy | None] = relationship(back_populates="measures")
    department: Mapped[Department | None] = relationship(back_populates="measures")
