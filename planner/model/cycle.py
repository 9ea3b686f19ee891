"""The reporting cycle: the change history, locked periods and the weekly WIG session's commitments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from planner.model.base import Base, Record, UuidText


class Change(Base):
    """One row added, changed or deleted, as the database saw it: written by SQLite triggers (see
    planner/store/audit.py), never by the ORM, and refused any update or delete by triggers too."""

    __tablename__ = "change_log"
    __table_args__ = (
        CheckConstraint("action IN ('add', 'change', 'delete')", name="action"),
        Index("ix_change_log_row", "table_name", "row_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)  # UTC
    actor: Mapped[str] = mapped_column(Text, index=True)  # the name in the person's settings
    reason: Mapped[str] = mapped_column(Text)  # "Undo", "Imported from …", an unlock's reason; often ""
    batch: Mapped[str] = mapped_column(Text, index=True)  # one id per saved action: its rows belong together
    action: Mapped[str] = mapped_column(Text)
    table_name: Mapped[str] = mapped_column(Text)
    row_id: Mapped[int | None]
    row_uuid: Mapped[uuid.UUID | None] = mapped_column(UuidText, index=True)  # the UUID of the row, if it has one
    before: Mapped[str | None] = mapped_column(Text)  # the whole row as JSON, before the change
    after: Mapped[str | None] = mapped_column(Text)


class PeriodLock(Record, Base):
    """A period whose values were sent to the central office: logged values whose period ends in it are
    read-only until someone unlocks it, giving a reason the history keeps."""

    __tablename__ = "period_lock"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)

    period_start: Mapped[date] = mapped_column(unique=True)
    period_end: Mapped[date]
    label: Mapped[str] = mapped_column(Text)  # "Q2 2024-25"
    locked_by: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. the workbook it was exported to


class Commitment(Record, Base):
    """A weekly WIG session commitment (4DX discipline 4): who will do what by when, then done or not."""

    __tablename__ = "commitment"

    wig_id: Mapped[int] = mapped_column(ForeignKey("wig.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(index=True)  # the Monday of the session's week
    who: Mapped[str] = mapped_column(Text)
    what: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None]
    done: Mapped[bool | None]  # None: not yet accounted for
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
