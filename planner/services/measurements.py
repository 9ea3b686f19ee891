"""Logging values of performance measures and WIGs: validated, one period one value, with interim targets.

Everything a person or a script logs goes through `log_value`; its refusals say what is wrong and how to
say it right, and write nothing.
"""

from __future__ import annotations

import functools
import uuid as uuid_mod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, Update, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from planner.errors import PlannerError, ReadOnlyError, RowChangedError, ValidationError
from planner.model import (
    Base,
    Frequency,
    InterimTarget,
    Measurement,
    WigKind,
    utcnow,
)
from planner.services.conflicts import keeping_mine
from planner.services.numbers import read_number
from planner.services.period_locks import check_unlocked
from planner.services.periods import Period, check_period, parse_period, period_containing, periods_between
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.text import check_text
from planner.services.transaction import write
from planner.services.wig_parser import format_number
from planner.store import PlanStore, note_rows_read, server

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


# What a logged value holds besides its subject and period (what a replaced value hands back for undo).
LOGGED_FIELDS = ("value", "done", "note", "evidence", "entered_by", "entered_at")


# The statements of the logging path, built once on first use (not at import: the command line pays for what
# it runs) with bound parameters, so each call reuses their compiled form instead of building a new one.
@functools.cache
def _subject_query(kind: Kind) -> Select[Any]:
    year = _table("plan_year")
    if kind is Kind.MEASURE:
        pm = _table("performance_measure")
        return (select(pm.c.name, pm.c.unit, pm.c.frequency, pm.c.allow_over_100, year.c.start_date, year.c.end_date)
                .select_from(pm.outerjoin(year, year.c.id == pm.c.year_id)).where(pm.c.id == bindparam("id")))
    wig = _table("wig")
    return (select(wig.c.sentence, wig.c.kind, wig.c.unit, year.c.start_date, year.c.end_date)
            .select_from(wig.outerjoin(year, year.c.id == wig.c.year_id)).where(wig.c.id == bindparam("id")))


@functools.cache
def _logged_query(kind: Kind) -> Select[Any]:
    table = _table("measurement")
    subject = table.c.measure_id if kind is Kind.MEASURE else table.c.wig_id
    return (select(table.c.id, *(table.c[name] for name in LOGGED_FIELDS))
            .where(subject == bindparam("subject"), table.c.period_start == bindparam("start")).limit(1))


@functools.cache
def _logged_update() -> Update:
    table = _table("measurement")
    return update(table).where(table.c.id == bindparam("measurement_id"))


def _subject(session: Session, key: NodeKey) -> Subject:
    """The measure or WIG, with the dates of its own plan year (a value belongs to the year of its goal): one
    query, whatever the subject hangs from."""
    if key.kind not in (Kind.MEASURE, Kind.WIG):
        raise ValidationError("Values are logged for a performance measure or a WIG.")
    row = session.connection().execute(_subject_query(key.kind), {"id": key.id}).first()
    if key.kind is Kind.MEASURE:
        if row is None:
            raise ValidationError("That performance measure no longer exists.")
        name, unit, frequency, allow_over_100, start, end = row
        return Subject(key, name, unit, frequency, (unit or "").strip() == "%", allow_over_100, False, start, end)
    if row is None:
        raise ValidationError("That WIG no longer exists.")
    sentence, kind, unit, start, end = row
    return Subject(key, sentence, "%" if kind is WigKind.PERCENT else unit, Frequency.MONTHLY,
                   kind is WigKind.PERCENT, False, kind is WigKind.MILESTONE, start, end)


def subject_info(store: PlanStore, key: NodeKey) -> Subject:
    with store.reader() as session:
        return _subject(session, key)


def find_measure(store: PlanStore, text: str) -> NodeKey:
    """A measure (or WIG) named by its UUID or its exact name, for scripts."""
    wanted = text.strip()
    pm, wig = _table("performance_measure"), _table("wig")
    with store.reader() as session:
        conn = session.connection()
        try:
            ident = uuid_mod.UUID(wanted)
        except ValueError:
            ident = None
        if ident is not None:
            found = conn.execute(select(pm.c.id).where(pm.c.uuid == ident)).scalar()
            if found:
                return NodeKey(Kind.MEASURE, found)
            found = conn.execute(select(wig.c.id).where(wig.c.uuid == ident)).scalar()
            if found:
                return NodeKey(Kind.WIG, found)
            raise ValidationError(f"No performance measure or WIG has the UUID {wanted}.", field="measure")
        named = conn.execute(select(pm.c.id, pm.c.uuid).where(pm.c.name == wanted).order_by(pm.c.id)).all()
        if len(named) == 1:
            return NodeKey(Kind.MEASURE, named[0][0])
        if len(named) > 1:
            uuids = ", ".join(str(u) for _id, u in named)
            raise ValidationError(f"{len(named)} performance measures are named “{wanted}”.", field="measure",
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
    period is outside the plan year or already has a value; writes nothing in either case.

    The hot path of the command line and the log form, so it runs Core statements (a handful of indexed
    queries and one INSERT or UPDATE) on the transaction's connection rather than loading ORM objects: the
    same transaction, the same change history (the file's triggers record the row), the same checks."""
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
        conn = session.connection()
        existing = conn.execute(_logged_query(key.kind), {"subject": key.id, "start": when.start}).first()
        fields = {"value": number, "done": done, "note": note.strip(), "evidence": evidence.strip(),
                  "entered_by": entered_by.strip(), "entered_at": utcnow()}
        if existing is not None and not replace:
            shown = subject.format(existing.value, existing.done)
            raise NeedsConfirmation(f"{when.label} already has a value ({shown}).", reason="replace",
                                    hint="Replace it with the new value?")
        if store.read_only:  # what session() says of ORM changes, said before a Core statement is tried
            raise ReadOnlyError(f"“{store.path.name}” is open read-only; the change was not saved.")
        if existing is not None:
            server.check_core_write(session, "measurement", [existing.id])  # a Core write: no flush checks it
            conn.execute(_logged_update(), {"measurement_id": existing.id, **fields})
            return Logged(existing.id, {name: getattr(existing, name) for name in fields})
        subject_column = "measure_id" if key.kind is Kind.MEASURE else "wig_id"
        result = conn.execute(insert(_table("measurement")),
                              {"period_start": when.start, "period_end": when.end, subject_column: key.id, **fields})
        inserted = result.inserted_primary_key
        assert inserted is not None  # an insert of one row always gives its key
        return Logged(int(inserted[0]), None)


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


def _read_again(store: PlanStore, measurement_id: int) -> None:
    """The logged value as it is now on the server, read through the ORM so the row counts as seen."""
    with store.reader() as session:
        if session.get(Measurement, measurement_id) is None:
            raise ValidationError("That value was deleted.")


def keep_mine_value(store: PlanStore, measurement_id: int, changes: dict[str, Any],
                    conflict: RowChangedError) -> dict[str, Any]:
    """The person chose to keep their edit of a logged value (its value, note or evidence) over the change
    `conflict` names: the row is read again, a third change since is refused in turn, and `changes` saved over
    theirs, the history's reason saying whose change it overwrote. Returns the previous values, for undo."""
    _read_again(store, measurement_id)
    with keeping_mine(store, conflict):
        return update_measurement(store, measurement_id, changes)


def keep_mine_logged(store: PlanStore, key: NodeKey, period: Period | str | date, value: Any,
                     conflict: RowChangedError, **options: Any) -> Logged:
    """The person chose to keep the value they logged over a replacement of the period's value that `conflict`
    names (someone else's change since they read it): as `keep_mine_value`, then `log_value` replacing it."""
    if conflict.row_id is not None:
        _read_again(store, conflict.row_id)
    with keeping_mine(store, conflict):
        return log_value(store, key, period, value, **options | {"replace": True})


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
        server.check_core_write(session, "measurement", [measurement_id])  # a Core write: no flush checks it
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
        # columns, not objects: a goal logged monthly for years has a thousand values, read on every selection
        values = {m.period_start: m for m in session.execute(
            select(Measurement.id, Measurement.period_start, Measurement.period_end, Measurement.value,
                   Measurement.done, Measurement.note, Measurement.evidence, Measurement.entered_by,
                   Measurement.entered_at).where(_subject_filter(Measurement, key)))}
        note_rows_read(session, "measurement", [m.id for m in values.values()])  # the table's edits are checked
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
