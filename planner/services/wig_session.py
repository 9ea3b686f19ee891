"""The weekly WIG session (4DX discipline 4): for each WIG, last week's commitments to account for and this
week's to make, reviewed beside the scoreboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from planner.errors import ValidationError
from planner.model import Base, Commitment, Department, Wig
from planner.services.dates import DateError, parse_date
from planner.services.progress import Progress
from planner.services.status import PlanStatus, plan_status
from planner.services.transaction import write
from planner.store import PlanStore

MAX_TEXT = 2000
FIELDS = ("who", "what", "due", "done", "note")


def week_of(day: date) -> date:
    """The Monday of the week `day` falls in: the key of a week's session."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class CommitmentRow:
    id: int
    who: str
    what: str
    due: date | None
    done: bool | None
    note: str

    def overdue(self, today: date) -> bool:
        return self.done is not True and self.due is not None and self.due < today


@dataclass
class WigSession:
    wig_id: int
    sentence: str
    department: str
    progress: Progress | None
    last_week: list[CommitmentRow] = field(default_factory=list)
    this_week: list[CommitmentRow] = field(default_factory=list)

    @property
    def unaccounted(self) -> int:
        return sum(1 for c in self.last_week if c.done is None)


def session_view(store: PlanStore, plan_id: int, week: date, today: date, department_id: int | None = None,
                 status: PlanStatus | None = None, year_id: int | None = None) -> list[WigSession]:
    """Every WIG of one year of the plan (or of one department), with its status and two weeks of
    commitments. `status` is the plan's status when the caller has it already: a commitment changes no
    score."""
    monday = week_of(week)
    previous = monday - timedelta(days=7)
    status = status or plan_status(store, plan_id, today, year_id)
    with store.reader() as s:
        wigs = [w for w in s.scalars(select(Wig).order_by(Wig.id)) if w.id in status.wigs
                and (department_id is None or w.department_id == department_id)]
        names = dict(s.execute(select(Department.id, Department.name)).tuples().all())
        rows = s.scalars(select(Commitment).where(Commitment.wig_id.in_([w.id for w in wigs]),
                                                  Commitment.week_start.in_([monday, previous]))
                         .order_by(Commitment.position, Commitment.id)).all()
        result = {w.id: WigSession(w.id, w.sentence, names.get(w.department_id, "") if w.department_id else "",
                                   status.wigs.get(w.id)) for w in wigs}
        for c in rows:
            item = CommitmentRow(c.id, c.who, c.what, c.due, c.done, c.note)
            (result[c.wig_id].this_week if c.week_start == monday else result[c.wig_id].last_week).append(item)
    return list(result.values())


def _text(name: str, raw: Any, *, required: bool) -> str:
    value = " ".join(str(raw or "").split()) if name != "note" else str(raw or "").strip()
    if required and not value:
        label = {"who": "Who", "what": "What"}[name]
        raise ValidationError(f"{label} is missing: a commitment says who will do what.", field=name)
    if len(value) > MAX_TEXT:
        raise ValidationError(f"{name.capitalize()} is {len(value):,} characters; at most {MAX_TEXT:,} fit.",
                              field=name)
    return value


def _due(raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return parse_date(raw)
    except DateError as exc:
        raise ValidationError(f"By: {exc}.", field="due") from None


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, raw in changes.items():
        if name in ("who", "what"):
            cleaned[name] = _text(name, raw, required=True)
        elif name == "note":
            cleaned[name] = _text(name, raw, required=False)
        elif name == "due":
            cleaned[name] = _due(raw)
        elif name == "done":
            if raw is not None and not isinstance(raw, bool):
                raise ValidationError("Done is yes, no, or not yet accounted for.", field="done")
            cleaned[name] = raw
        else:
            raise ValidationError(f"{name} is not part of a commitment.")
    return cleaned


def add_commitment(store: PlanStore, wig_id: int, week: date, who: Any, what: Any, due: Any = None,
                   note: Any = "") -> int:
    values = _clean({"who": who, "what": what, "due": due, "note": note})
    monday = week_of(week)
    if values["due"] is not None and values["due"] < monday:
        raise ValidationError(f"The due date {values['due']:%b %d} is before the week of {monday:%b %d} began.",
                              field="due")
    with write(store) as s:
        if s.get(Wig, wig_id) is None:
            raise ValidationError("That WIG no longer exists.")
        position = s.scalar(select(func.count(Commitment.id)).where(
            Commitment.wig_id == wig_id, Commitment.week_start == monday)) or 0
        row = Commitment(wig_id=wig_id, week_start=monday, position=position, **values)
        s.add(row)
        s.flush()
        return row.id


def update_commitment(store: PlanStore, commitment_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a commitment (done, note, …). Returns the previous values, for undo."""
    cleaned = _clean(changes)
    with write(store) as s:
        row = s.get(Commitment, commitment_id)
        if row is None:
            raise ValidationError("That commitment was deleted.")
        before = {name: getattr(row, name) for name in cleaned}
        for name, value in cleaned.items():
            setattr(row, name, value)
        return before


def delete_commitment(store: PlanStore, commitment_id: int) -> dict[str, Any]:
    table = Base.metadata.tables["commitment"]
    with write(store) as s:
        row = s.execute(select(table).where(table.c.id == commitment_id)).first()
        if row is None:
            raise ValidationError("That commitment was already deleted.")
        s.delete(s.get(Commitment, commitment_id))
        return dict(row._mapping)


def restore_commitment(store: PlanStore, row: dict[str, Any]) -> None:
    with write(store) as s:
        s.execute(insert(Base.metadata.tables["commitment"]), [row])
