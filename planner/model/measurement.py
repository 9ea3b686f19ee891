"""A logged value of a performance measure or a WIG for one period. Forms come later; the table is here now."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from planner.model.base import Base, Record, utcnow
from planner.model.plan import PerformanceMeasure, Wig


class Measurement(Record, Base):
    __tablename__ = "measurement"
    __table_args__ = (
        CheckConstraint("(measure_id IS NULL) <> (wig_id IS NULL)", name="one_subject"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("value IS NOT NULL OR done IS NOT NULL", name="has_value"),
    )

    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("performance_measure.id", ondelete="CASCADE"), index=True)
    wig_id: Mapped[int | None] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    value: Mapped[float | None]
    done: Mapped[bool | None]  # milestone goals: done / not done
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(Text, default="")
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    measure: Mapped[PerformanceMeasure | None] = relationship()
    wig: Mapped[Wig | None] = relationship()
