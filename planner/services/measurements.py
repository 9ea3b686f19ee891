"""Logging values of performance measures and WIGs: validated, one period one value, with interim targets.

Everything a person or a script logs goes through `log_value`; its refusals say what is wrong and how to
say it right, and write nothing.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, delete, insert, select
from sqlalchemy.orm import Session

from planner.errors import PlannerError, ValidationError
from planner.model import (
    Base,
    Frequency,
    InterimTarget,
    Measurement,
    PerformanceMeasure,
    PlanYear,
    Wig,
    WigKind,
    utcnow,
)
from planner.services.numbers import read_number
from planner.services.period_locks import check_unlocked
from planner.services.periods import Period, check_period, parse_period, period_containing, periods_between
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.text import check_text
from planner.services.transaction import write
from planner.services.wig_parser import format_number
from planner.store import PlanStore

DONE_WORDS = {"done", "yes", "y", "true", "1", "complete", "completed", "achieved"}
NOT_DONE_WORDS = {"not done", "no", "n", "false", "0", "not yet", "incomplete"}


class NeedsConfirmation(PlannerError):
    """The value is fine but the person should confirm: outside the plan year, or replacing a value."""

    title = "Please confirm"

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason  # "outside_year" or "replace"


@dataclass(frozen=True)
class Subject:
    """What a value is logged for: a performance measure or a WIG, and how its values look."""

    key: NodeKey
    name: str
    unit: str | None
    frequency: Frequency
    percent: bool
    allow_over_100: bool
    milestone: bool
    year_start: date | None
    year_end: date | None

    @property
    def year_start_month(self) -> int:
        return self.year_start.month if self.year_start else 7

    def periods(self) -> list[Period]:
        if self.year_start is None or self.year_end is None:
            return []
        return periods_between(self.year_start, self.year_end, self.frequency, self.year_start_month)

    def default_period(self, today: date) -> Period:
        """The period a new value is most likely for: today's, within the goal's own year (the last period
        of a year that has ended, the first of one still to come)."""
        day = today
        if self.year_start is not None and self.year_end is not None:
            day = min(max(today, self.year_start), self.year_end)
        return period_containing(day, self.frequency, self.year_start_month)

    def format(self, value: float | None, done: bool | None) -> str:
        if self.milestone:
            return "" if done is None else ("Done" if done else "Not done")
        if value is None:
            return ""
        return format_number(value) + ("%" if self.percent else "")


def _year_dates(session: Session, year_id: int | None) -> tuple[date | None, date | None]:
    year = session.get(PlanYear, year_id) if year_id else None
    return (year.start_date, year.end_date) if year is not None else (None, None)


def _subject(session: Session, key: NodeKey) -> Subject:
    """The measure or WIG, with the dates of its own plan year (a value belongs to the year of its goal)."""
    if key.kind is Kind.MEASURE:
        measure = session.get(PerformanceMeasure, key.id)
        if measure is None:
            raise ValidationError("That performance measure no longer exists.")
        return Subject(key, measure.name, measure.unit, measure.frequency, (measure.unit or "").strip() == "%",
                       measure.allow_over_100, False, *_year_dates(session, measure.year_id))
    if key.kind is Kind.WIG:
        wig = session.get(Wig, key.id)
        if wig is None:
            raise ValidationError("That WIG no longer exists.")
        return Subject(key, wig.sentence, "%" if wig.kind is WigKind.PERCENT else wig.unit, Frequency.MONTHLY,
                       wig.kind is WigKind.PERCENT, False, wig.kind is WigKind.MILESTONE,
                       *_year_dates(session, wig.year_id))
    raise ValidationError("Values are logged for a performance measure or a WIG.")


def subject_info(store: PlanStore, key: NodeKey) -> Subject:
    with store.reader() as session:
        return _subject(session, key)


def find_measure(store: PlanStore, text: str) -> NodeKey:
    """A measure (or WIG) named by its UUID or its exact name, for scripts."""
    wanted = text.strip()
    with store.reader() as session:
        try:
            ident = uuid_mod.UUID(wanted)
        except ValueError:
            ident = None
        if ident is not None:
            found = session.scalar(select(PerformanceMeasure.id).where(PerformanceMeasure.uuid == ident))
            if found:
                return NodeKey(Kind.MEASURE, found)
            found = session.scalar(select(Wig.id).where(Wig.uuid == ident))
            if found:
                return NodeKey(Kind.WIG, found)
            raise ValidationError(f"No performance measure or WIG has the UUID {wanted}.", field="measure")
        ids = list(session.scalars(select(PerformanceMeasure.id).where(PerformanceMeasure.name == wanted)))
        if len(ids) == 1:
            return NodeKey(Kind.MEASURE, ids[0])
        if len(ids) > 1:
            uuids = ", ".join(str(u) for u in session.scalars(
                select(PerformanceMeasure.uuid).where(PerformanceMeasure.id.in_(ids))))
            raise ValidationError(f"{len(ids)} performance measures are named “{wanted}”.", field="measure",
                                  hint=f"Give the UUID of the one you mean: {uuids}.")
    raise ValidationError(f"No performance measure is named “{wanted}”.", field="measure",
                          hint="Use the exact name as the plan shows it, or the measure's UUID.")


def parse_value(subject: Subject, raw: Any) -> tuple[float | None, bool | None]:
    """A typed value as (number, done), checked against what the subject takes."""
    if subject.milestone:
        if isinstance(raw, bool):
            return None, raw
        word = str(raw).strip().lower()
        if word in DONE_WORDS:
            return None, True
        if word in NOT_DONE_WORDS:
            return None, False
        raise ValidationError(f"“{raw}” is not done or not done. A milestone goal is either done or not.",
                              field="value", hint="Enter done or not done.")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError("The value is missing.", field="value")
    value = read_number(raw)
    if subject.percent and not subject.allow_over_100 and not 0 <= value <= 100:
        raise ValidationError(f"{format_number(value)}% is outside 0 to 100.", field="value",
                              hint="A percent is between 0 and 100 (a measure can be set to allow more).")
    return value, None


def resolve_period(subject: Subject, period: Period | str | date) -> Period:
    if isinstance(period, Period):
        return check_period(period)
    if isinstance(period, date):
        return check_period(period_containing(period, subject.frequency, subject.year_start_month))
    return parse_period(str(period), subject.frequency, subject.year_start_month)


def _subject_filter(model: type[Measurement] | type[InterimTarget], key: NodeKey) -> ColumnElement[bool]:
    return (model.measure_id == key.id) if key.kind is Kind.MEASURE else (model.wig_id == key.id)


@dataclass(frozen=True)
class Logged:
    """What log_value did, for undo: a new row's id, or the values it replaced."""

    id: int
    replaced: dict[str, Any] | None


def log_value(store: PlanStore, key: NodeKey, period: Period | str | date, value: Any, *, note: str = "",
              evidence: str = "", entered_by: str = "", replace: bool = False,
              outside_year_ok: bool = False) -> Logged:
    """Record one value for one period. Raises ValidationError for bad input, NeedsConfirmation when the
    period is outside the plan year or already has a value; writes nothing in either case."""
    with write(store) as session:
        subject = _subject(session, key)
        when = resolve_period(subject, period)
        number, done = parse_value(subject, value)
        if (not outside_year_ok and subject.year_start and subject.year_end
                and (when.end < subject.year_start or when.start > subject.year_end)):
            raise NeedsConfirmation(
                f"{when.label} is outside the plan year ({subject.year_start:%b %Y} to {subject.year_end:%b %Y}).",
                reason="outside_year", hint="Log it anyway only if the period is right.")
        check_text(note, "The note", field="note")
        check_text(evidence, "The evidence link", field="evidence")
        check_text(entered_by, "The name it is entered by", field="entered_by", one_line=True)
        check_text(store.actor, "The name the change history records", field="entered_by", one_line=True)
        check_unlocked(session, when.end)
        existing = session.scalars(select(Measurement).where(
            _subject_filter(Measurement, key), Measurement.period_start == when.start)).first()
        fields = {"value": number, "done": done, "note": note.strip(), "evidence": evidence.strip(),
                  "entered_by": entered_by.strip(), "entered_at": utcnow()}
        if existing is not None:
            if not replace:
                shown = subject.format(existing.value, existing.done)
                raise NeedsConfirmation(f"{when.label} already has a value ({shown}).", reason="replace",
                                        hint="Replace it with the new value?")
            before = {name: getattr(existing, name) for name in fields}
            for name, new in fields.items():
                setattr(existing, name, new)
            return Logged(existing.id, before)
        row = Measurement(period_start=when.start, period_end=when.end, **fields)
        if key.kind is Kind.MEASURE:
            row.measure_id = key.id
        else:
            row.wig_id = key.id
        session.add(row)
        session.flush()
        return Logged(row.id, None)


EDITABLE = ("value", "done", "note", "evidence")


def update_measurement(store: PlanStore, measurement_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit a logged value in place (value, note, evidence). Returns the previous values, for undo."""
    with write(store) as session:
        row = session.get(Measurement, measurement_id)
        if row is None:
            raise ValidationError("That value was deleted.")
        check_unlocked(session, row.period_end)
        key = NodeKey(Kind.MEASURE, row.measure_id) if row.measure_id else NodeKey(Kind.WIG, cast(int, row.wig_id))
        subject = _subject(session, key)
        cleaned: dict[str, Any] = {}
        for name, raw in changes.items():
            if name == "value":
                number, done = parse_value(subject, raw)
                cleaned["value"] = number
                if subject.milestone:
                    cleaned["done"] = done
            elif name == "done":
                cleaned["done"] = bool(raw) if raw is not None else None
            elif name in ("note", "evidence", "entered_by"):
                cleaned[name] = check_text(str(raw or "").strip(), f"The {name.replace('_', ' ')}", field=name)
            elif name == "entered_at":
                cleaned[name] = raw if isinstance(raw, datetime) else row.entered_at
            else:
                raise ValidationError(f"{name} cannot be edited here.")
        before = {name: getattr(row, name) for name in cleaned}
        for name, value in cleaned.items():
            setattr(row, name, value)
        return before


def update_measurement_fields(store: PlanStore, measurement_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Put stored values back as they were (undo and redo): no parsing, the values are already clean.
    Returns the values it replaced."""
    with write(store) as session:
        row = session.get(Measurement, measurement_id)
        if row is None:
            raise ValidationError("That value was deleted.")
        check_unlocked(session, row.period_end)
        unknown = set(values) - {"value", "done", "note", "evidence", "entered_by", "entered_at"}
        if unknown:
            raise ValueError(f"not measurement fields: {sorted(unknown)}")
        before = {name: getattr(row, name) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
        return before


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def delete_measurement(store: PlanStore, measurement_id: int) -> dict[str, Any]:
    """Delete a logged value; returns the whole row so undo can put it back as it was."""
    table = _table("measurement")
    with write(store) as session:
        row = session.execute(select(table).where(table.c.id == measurement_id)).first()
        if row is None:
            raise ValidationError("That value was already deleted.")
        check_unlocked(session, row.period_end)
        session.execute(delete(table).where(table.c.id == measurement_id))
        return dict(row._mapping)


def restore_measurement(store: PlanStore, row: dict[str, Any]) -> None:
    with write(store) as session:
        check_unlocked(session, row["period_end"])
        session.execute(insert(_table("measurement")), [row])


def set_interim_target(store: PlanStore, key: NodeKey, period: Period | str | date,
                       value: Any) -> float | None:
    """Set (or clear, with None or "") the target for one period. Returns the previous target."""
    with write(store) as session:
        subject = _subject(session, key)
        if subject.milestone:
            raise ValidationError("A milestone goal has no interim targets.", field="target")
        when = resolve_period(subject, period)
        existing = session.scalars(select(InterimTarget).where(
            _subject_filter(InterimTarget, key), InterimTarget.period_start == when.start)).first()
        previous = existing.value if existing else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if existing is not None:
                session.delete(existing)
            return previous
        try:
            number, _ = parse_value(subject, value)
        except ValidationError as exc:
            raise ValidationError(exc.message.replace("The value", "The target"), field="target",
                                  hint=exc.hint) from None
        if existing is None:
            existing = InterimTarget(period_start=when.start, period_end=when.end, value=number)
            if key.kind is Kind.MEASURE:
                existing.measure_id = key.id
            else:
                existing.wig_id = key.id
            session.add(existing)
        else:
            existing.value = number  # type: ignore[assignment]
        return previous


@dataclass(frozen=True)
class HistoryRow:
    period: Period
    measurement_id: int | None
    value: float | None
    done: bool | None
    target: float | None
    note: str
    evidence: str
    entered_by: str
    entered_at: datetime | None


def history(store: PlanStore, key: NodeKey) -> tuple[Subject, list[HistoryRow]]:
    """Every period of the plan year (logged or not) and every logged period outside it, with targets."""
    with store.reader() as session:
        subject = _subject(session, key)
        values = {m.period_start: m for m in session.scalars(
            select(Measurement).where(_subject_filter(Measurement, key)))}
        targets = {t.period_start: t.value for t in session.scalars(
            select(InterimTarget).where(_subject_filter(InterimTarget, key)))}
    periods = {p.start: p for p in subject.periods()}
    for start, logged in values.items():
        if start not in periods:
            periods[start] = Period(logged.period_start, logged.period_end, subject.frequency, subject.year_start_month)
    for start in targets:
        if start not in periods:
            periods[start] = period_containing(start, subject.frequency, subject.year_start_month)
    rows = []
    for start in sorted(periods):
        m = values.get(start)
        rows.append(HistoryRow(periods[start], m.id if m else None, m.value if m else None,
                               m.done if m else None, targets.get(start), m.note if m else "",
                               m.evidence if m else "", m.entered_by if m else "", m.entered_at if m else None))
    return subject, rows
