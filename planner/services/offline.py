"""Offline and back: a laptop takes its department from the district server into a plan file, works on it
with no network, and later sends it back through the same three-way merge a department's workbook goes
through (planner/services/xlsx_import.py): what only the laptop changed goes in, what both changed is a
conflict left for a person, what only the server changed stays.

Taking offline copies the server's whole plan into the file (one snapshot), exports the department's
workbook from that copy (which records each row as it went out: the base of the later merge) and records the
same bases on the server. Sending back exports the department from the file (its workbook carries those
bases) and imports it into the server; what the workbook cannot carry (commitments, deletions) or what stays
in conflict is named item by item, never dropped without a word.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from planner.errors import ValidationError
from planner.model import Base, Change, ExchangeState
from planner.services.exchange_rows import ExportScope
from planner.services.report import active_plan_id, resolve_scope
from planner.services.xlsx_export import export_workbook
from planner.services.xlsx_import import FilePlan, ImportResult, apply_import, plan_import
from planner.store import PlanStore, copy_to_file


def _scope(store: PlanStore, department: str) -> ExportScope:
    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id, department=department)
    if scope.kind != "department":
        raise ValidationError(f"“{department}” is not a department of the plan.")
    return ExportScope(plan_id, scope.id, None, label)


def _bases(store: PlanStore) -> dict[uuid.UUID, tuple[str, str]]:
    with store.reader() as s:
        return {row_uuid: (table, digest) for row_uuid, table, digest in s.execute(
            select(ExchangeState.row_uuid, ExchangeState.table_name, ExchangeState.base_hash))}


def take_offline(server: PlanStore, department: str, path: Path, today: date, by: str) -> PlanStore:
    """The server's plan in a new file at `path`, its department's rows marked as they went out.

    One snapshot: the plan is copied in one transaction first, the marks (merge bases) are made from that
    copy, then the same marks are recorded on the server; a change someone saves meanwhile is then newer
    than the copy's base, as it should be (never a base of a row the copy does not hold)."""
    if not server.on_server:
        raise ValidationError("Only a plan on the district server can be taken offline.")
    _scope(server, department)  # a department of the plan, before anything is made
    laptop = copy_to_file(server, Path(path))
    try:
        before = _bases(laptop)
        with tempfile.TemporaryDirectory(prefix="planner-offline-") as tmp:
            export_workbook(laptop, Path(tmp) / "taken.xlsx", _scope(laptop, department), today, by)
        marked = {key: value for key, value in _bases(laptop).items() if before.get(key) != value}
        with server.session() as s:
            existing = {e.row_uuid: e for e in s.scalars(select(ExchangeState).where(
                ExchangeState.row_uuid.in_(list(marked))))} if marked else {}
            for row_uuid, (table, digest) in marked.items():
                state = existing.get(row_uuid)
                if state is None:
                    s.add(ExchangeState(row_uuid=row_uuid, table_name=table, base_hash=digest))
                else:
                    state.table_name, state.base_hash = table, digest
    except BaseException:
        laptop.close()
        Path(path).unlink(missing_ok=True)
        raise
    return laptop


@dataclass(frozen=True)
class SentBack:
    file: FilePlan  # what the merge found: adds, updates, conflicts (left for a person), unchanged
    result: ImportResult
    # what was done offline and is not on the server after the send, in words, one line an item: the
    # department's workbook carries neither every table (commitments) nor deletions, and a conflict is left
    not_sent: tuple[str, ...] = ()


# Fields of a row that are bookkeeping, never a value a person changed
_BOOKKEEPING = {"id", "uuid", "created_at", "updated_at", "row_version"}
_LABELS = ("name", "text", "what", "sentence", "title", "period_label", "label")
_ACTIONS = {"add": "added", "change": "changed", "delete": "deleted"}


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _label(table: str, row: dict[str, Any]) -> str:
    what = table.replace("_", " ")
    for key in _LABELS:
        if row.get(key):
            text = " ".join(str(row[key]).split())
            return f"the {what} “{text if len(text) <= 60 else text[:60] + '…'}”"
    return f"a {what}"


def _offline_changes(laptop: PlanStore, server: PlanStore) -> dict[tuple[str, str], list[Change]]:
    """The laptop's own history since it was taken (batches the server never saw), by row: oldest first."""
    with server.reader() as s:
        known = set(s.scalars(select(Change.batch).distinct()))
    rows: dict[tuple[str, str], list[Change]] = {}
    with laptop.reader() as s:
        own = select(Change).where(Change.row_uuid.is_not(None), Change.table_name != "exchange_state")
        for change in s.scalars(own.order_by(Change.id)):
            if change.batch not in known:
                rows.setdefault((change.table_name, str(change.row_uuid)), []).append(change)
    return rows


def _current(store: PlanStore, table: str, row_uuid: str) -> dict[str, Any] | None:
    found = Base.metadata.tables.get(table)
    if found is None or "uuid" not in found.c:
        return None
    with store.reader() as s:
        row = s.execute(select(found).where(found.c.uuid == uuid.UUID(row_uuid))).mappings().first()
    return dict(row) if row is not None else None


def _not_sent(laptop: PlanStore, server: PlanStore) -> tuple[str, ...]:
    """Each row changed offline whose change the server does not hold after the send, in words."""
    lines: list[str] = []
    for (table, row_uuid), changes in _offline_changes(laptop, server).items():
        first, last = changes[0].action, changes[-1].action
        if first == "add" and last == "delete":
            continue  # added and removed again offline: nothing to send
        before = json.loads(changes[0].before or "{}")
        after = json.loads(changes[-1].after or "{}")
        on_server = _current(server, table, row_uuid)
        if last == "delete":
            if on_server is not None:
                lines.append(f"{_upper(_label(table, before))} was deleted offline but is still on the server "
                             "(sending back never deletes): delete it there by hand if it should go.")
            continue
        mine = _current(laptop, table, row_uuid)
        if mine is None:
            continue
        if on_server is None:
            verb = "added" if first == "add" else "changed"
            lines.append(f"{_upper(_label(table, after))} {verb} offline was not sent (the department's "
                         "workbook does not carry it, or the server no longer has it): enter it on the server "
                         "by hand.")
            continue
        fields = [key for key in set(before) | set(after)
                  if key not in _BOOKKEEPING and before.get(key) != after.get(key)]
        differ = [key for key in fields if key in mine and mine[key] != on_server.get(key)]
        if differ:
            named = ", ".join(key.replace("_", " ") for key in sorted(differ))
            lines.append(f"{_upper(_label(table, after))} changed offline ({named}) "
                         "is not so on the server (in conflict with a change made there, or not carried by the "
                         "department's workbook): look at it there.")
    return tuple(lines)


def send_back(laptop: PlanStore, server: PlanStore, department: str, today: date, by: str) -> SentBack:
    """The department's rows from the file into the server, through the workbook import's three-way merge."""
    if not server.on_server or laptop.on_server:
        raise ValidationError("Send back goes from a plan file to the district server.")
    with tempfile.TemporaryDirectory(prefix="planner-offline-") as tmp:
        workbook = Path(tmp) / f"{department} from {laptop.path.stem}.xlsx"
        export_workbook(laptop, workbook, _scope(laptop, department), today, by)
        plan = plan_import(server, [workbook], today)
        result = apply_import(server, plan)
    return SentBack(plan.files[0], result, _not_sent(laptop, server))
