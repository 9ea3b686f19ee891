"""A logged value of a performance measure or a WIG for one period. Forms come later; the table is here now."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
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
        # a subject's values by period end: the statuses read the few rows on the days their sums name
        Index("ix_measurement_measure_end", "measure_id", "period_end"),
        Index("ix_measurement_wig_end", "wig_id", "period_end"),
    )

    measure_id: Mapped[int | None] = mapped_column(ForeignKey("performance_measure.id", ondelete="CASCADE"))
    wig_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"))
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


# The day the value sums count days from (x = a period end's day number less this), keeping the squares small.
SUMS_DAY0 = date(2000, 1, 1).toordinal()


class ValueSums(Base):
    """Each WIG's (subject "w") and each measure's (subject "m") logged values summed up, kept by the
    database's own triggers on `measurement` as values are logged, changed and deleted (planner/store/
    value_sums.py): what judging a goal needs (its newest period end, the first and last period ends with a
    value, how many values, and the sums of x, y, x², xy with x a period end's day number less SUMS_DAY0),
    so a whole plan's statuses read a row a goal, not a row a value. Derived, never edited, never in the
    history: a copy of a plan leaves it out and the copy's triggers make it again."""

    __tablename__ = "value_sums"

    subject: Mapped[str] = mapped_column(String(1), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    newest: Mapped[date | None]
    first_day: Mapped[date | None]
    last_day: Mapped[date | None]
    n: Mapped[int]
    sx: Mapped[float]
    sy: Mapped[float]
    sxx: Mapped[float]
    sxy: Mapped[float]
