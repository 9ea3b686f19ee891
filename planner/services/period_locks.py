"""Period locks: once a quarter's values have gone to the central office, they stay as sent.

A logged value whose period ends inside a locked quarter cannot be added, changed or deleted. The service
says so in words before anything is tried; a trigger in the file (migration 0006) refuses it on every other
path too. Unlocking needs a reason, which the change history keeps beside the unlock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from planner import clock
from planner.errors import ValidationError
from planner.model import Frequency, Measurement, PeriodLock, Plan, PlanYear
from planner.services.periods import Period, parse_period, period_containing, periods_between
from planner.services.transaction import write
from planner.services.years import year_scope
from planner.store import PlanStore


class LockedPeriodError(ValidationError):
    title = "That period is locked"


@dataclass(frozen=True)
class QuarterState:
    period: Period
    values: int  # logged values whose period ends in the quarter
    locked_at: datetime | None
    locked_by: str
    note: str

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


@functools.cache
def _covering_query() -> Select[Any]:
    table = PeriodLock.__table__
    return (select(table.c.label, table.c.created_at, table.c.locked_by)
            .where(table.c.period_start <= bindparam("day"), table.c.period_end >= bindparam("day")).limit(1))


def _lock_covering(session: Session, day: date) -> Any:
    """The lock (label, created_at, locked_by) covering `day`, or None: one Core query, built once, as every
    logged value asks it before it is written."""
    return session.connection().execute(_covering_query(), {"day": day}).first()


def check_unlocked(session: Session, period_end: date, what: str = "A value") -> None:
    """Raises LockedPeriodError when a value for a period ending on `period_end` may not change."""
    lock = _lock_covering(session, period_end)
    if lock is not None:
        raise LockedPeriodError(
            f"{what} for {lock.label} cannot change: {lock.label} was locked on {lock.created_at:%b %d, %Y}"
            + (f" by {lock.locked_by}" if lock.locked_by else "") + " after it was sent to the central office.",
            field="value", hint=f"To change it, unlock {lock.label} (Plan > Period Locks) and give a reason.")


def locked_ends(store: PlanStore) -> list[tuple[date, date, str]]:
    with store.reader() as s:
        return [(lk.period_start, lk.period_end, lk.label) for lk in s.scalars(select(PeriodLock))]


def _year_start_month(s: Session) -> int:
    year = s.scalars(select(PlanYear).join(Plan, PlanYear.plan_id == Plan.id).where(Plan.archived.is_(False))
                     .order_by(Plan.position, Plan.id, PlanYear.start_date)).first()
    return year.start_date.month if year is not None else 7


def quarters(store: PlanStore, plan_id: int, year_id: int | None = None) -> list[QuarterState]:
    """The quarters of one plan year (the one asked for, else the one containing today), each with its
    values counted and its lock, if any."""
    with store.reader() as s:
        if s.get(Plan, plan_id) is None:
            return []
        year = year_scope(s, plan_id, year_id, clock.today())
        if year is None:
            return []
        month = year.start.month
        locks = {lk.period_start: lk for lk in s.scalars(select(PeriodLock))}
        result = []
        for q in periods_between(year.start, year.end, Frequency.QUARTERLY, month):
            n = s.scalar(select(func.count(Measurement.id)).where(Measurement.period_end.between(q.start, q.end)))
            lk = locks.get(q.start)
            result.append(QuarterState(q, int(n or 0), lk.created_at if lk else None, lk.locked_by if lk else "",
                                       lk.note if lk else ""))
        return result


def quarter(store: PlanStore, which: Period | str | date) -> Period:
    if isinstance(which, Period):
        return which
    with store.reader() as s:
        month = _year_start_month(s)
    if isinstance(which, date):
        return period_containing(which, Frequency.QUARTERLY, month)
    return parse_period(which, Frequency.QUARTERLY, month)


def lock(store: PlanStore, which: Period | str | date, *, note: str = "") -> Period:
    """Lock a quarter's values. Locking a locked quarter is refused, so the first lock's record stands."""
    period = quarter(store, which)
    with write(store) as s:
        if s.scalar(select(PeriodLock.id).where(PeriodLock.period_start == period.start)) is not None:
            raise ValidationError(f"{period.label} is already locked.")
        s.add(PeriodLock(period_start=period.start, period_end=period.end, label=period.label,
                         locked_by=store.actor, note=note.strip()))
    return period


def unlock(store: PlanStore, which: Period | str | date, reason: str) -> Period:
    """Unlock a quarter; the reason is required and is recorded in the change history with the unlock."""
    period = quarter(store, which)
    why = " ".join(str(reason or "").split())
    if not why:
        raise ValidationError(f"Say why {period.label} is being unlocked.", field="reason",
                              hint="The reason is kept in the change history, for the central office.")
    with write(store, reason=f"Unlocked {period.label}: {why}") as s:
        row = s.scalars(select(PeriodLock).where(PeriodLock.period_start == period.start)).first()
        if row is None:
            raise ValidationError(f"{period.label} is not locked.")
        s.delete(row)
    return period
