"""The project-management workbook: projects tied to the plan, their milestones, tasks, RAID log and weekly
status updates. A risk's score is likelihood x impact, worked out, not stored."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Column, ForeignKey, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from planner.model.base import Base, Record, enum_column


class ProjectStatus(enum.StrEnum):
    NOT_STARTED = "Not started"
    ON_TRACK = "On track"
    AT_RISK = "At risk"
    OFF_TRACK = "Off track"
    ON_HOLD = "On hold"
    COMPLETE = "Complete"


class TaskStatus(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    BLOCKED = "Blocked"
    DONE = "Done"


class RaidType(enum.StrEnum):
    RISK = "Risk"
    ASSUMPTION = "Assumption"
    ISSUE = "Issue"
    DEPENDENCY = "Dependency"


class RaidStatus(enum.StrEnum):
    OPEN = "Open"
    MONITORING = "Monitoring"
    CLOSED = "Closed"



class Project(Record, Base):
    """A project carrying part of the plan: tied to a key lever, or a WIG, or a strategy."""

    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("key_lever_id IS NOT NULL OR wig_id IS NOT NULL OR strategy_id IS NOT NULL",
                        name="tied_to_plan"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent"),
    )

    key_lever_id: Mapped[int | None] = mapped_column(ForeignKey("key_lever.id", ondelete="SET NULL"), index=True)
    wig_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="SET NULL"), index=True)
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    sponsor: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus, "project_status"),
                                                  default=ProjectStatus.NOT_STARTED)
    percent_complete: Mapped[float] = mapped_column(default=0.0)
    budget: Mapped[float | None]
    spent: Mapped[float | None]
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", order_by="Milestone.position", cascade="all, delete-orphan")
    tasks: Mapped[list[Task]] = relationship(
        back_populates="project", order_by="Task.position", cascade="all, delete-orphan")
    raid_items: Mapped[list[RaidItem]] = relationship(
        back_populates="project", order_by="RaidItem.id", cascade="all, delete-orphan")
    updates: Mapped[list[StatusUpdate]] = relationship(
        back_populates="project", order_by="StatusUpdate.update_date", cascade="all, delete-orphan")


class Milestone(Record, Base):
    __tablename__ = "milestone"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None]
    done_on: Mapped[date | None]
    project: Mapped[Project] = relationship(back_populates="milestones")


task_dependency = Table(
    "task_dependency",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("depends_on_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("task_id <> depends_on_id", name="not_itself"),
)


class Task(Record, Base):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("due IS NULL OR start_date IS NULL OR due >= start_date", name="dates"),
        CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    due: Mapped[date | None]
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus, "task_status"), default=TaskStatus.NOT_STARTED)
    percent_complete: Mapped[float] = mapped_column(default=0.0)
    project: Mapped[Project] = relationship(back_populates="tasks")
    depends_on: Mapped[list[Task]] = relationship(
        secondary=task_dependency, primaryjoin="Task.id == task_dependency.c.task_id",
        secondaryjoin="Task.id == task_dependency.c.depends_on_id", order_by="Task.position")


class RaidItem(Record, Base):
    """A Risk, Assumption, Issue or Dependency of a project."""

    __tablename__ = "raid_item"
    __table_args__ = (
        CheckConstraint("likelihood IS NULL OR (likelihood BETWEEN 1 AND 5)", name="likelihood"),
        CheckConstraint("impact IS NULL OR (impact BETWEEN 1 AND 5)", name="impact"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    type: Mapped[RaidType] = mapped_column(enum_column(RaidType, "raid_type"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text, default="")
    raised_on: Mapped[date | None]
    status: Mapped[RaidStatus] = mapped_column(enum_column(RaidStatus, "raid_status"), default=RaidStatus.OPEN)
    response: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None]
    likelihood: Mapped[int | None]
    impact: Mapped[int | None]
    project: Mapped[Project] = relationship(back_populates="raid_items")

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact


class StatusUpdate(Record, Base):
    """A weekly status update. Kept as history: a new week is a new row."""

    __tablename__ = "status_update"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    update_date: Mapped[date]
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus, "update_status"))
    accomplishments: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    project: Mapped[Project] = relationship(back_populates="updates")
