"""A logged value of a performance measure or a WIG for one period. Forms come later; the table is here now."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from planner.model.base import Base, Record, utcnow
from planner.model.plan import PerformanceMeasure, Wig


def _one_per_period(table: str) -> tuple[Index, Index]:
    """At most one row per subject and period (partial unique indexes: the subject is a measure or a WIG).
    Only SQLite's keyword: naming another dialect's keyword loads that dialect (35 ms of every start)."""
    return (
        Index(f"uq_{table}_measure_period", "measure_id", "period_start", unique=True,
              sqlite_where=text("measure_id IS NOT NULL")),
        Index(f"uq_{table}_wig_period", "wig_id", "period_start", unique=True,
              sqlite_where=text("wig_id IS NOT NULL")),
    )


class Measurement(Record, Base):
    __tablename__ = "measurement"
    __table_args__ = (
        CheckConstraint("(measure_id IS NULL) <> (wig_id IS NULL)", name="one_subject"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("value IS NOT NULL OR done IS NOT NULL", name="has_value"),
        *_one_per_period("measurement"),
    )

    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("performance_measure.id", ondelete="CASCADE"), index=True)
    wig_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    value: Mapped[float | None]
    done: Mapped[bool | None]  # milestone goals: done / not done
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")  # a link or a file path
    entered_by: Mapped[str] = mapped_column(Text, default="")
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    measure: Mapped[PerformanceMeasure | None] = relationship()
    wig: Mapped[Wig | None] = relationship()


class InterimTarget(Record, Base):
    """A target for one period of the year (e.g. each quarter); status compares against it where set."""

    __tablename__ = "interim_target"
    __table_args__ = (
        CheckConstraint("(measure_id IS NULL) <> (wig_id IS NULL)", name="one_subject"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        *_one_per_period("interim_target"),
    )

    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("performance_measure.id", ondelete="CASCADE"), index=True)
    wig_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    value: Mapped[float]
