"""Offline and back: a laptop takes its department from the district server into a plan file, works on it
with no network, and later sends it back through the same three-way merge a department's workbook goes
through (planner/services/xlsx_import.py): what only the laptop changed goes in, what both changed is a
conflict left for a person, what only the server changed stays.

Taking offline exports the department's workbook from the server (which records, on the server, each row as
it went out: the base of the later merge), then copies the server's whole plan into the file, that record
included. Sending back exports the department from the file (its workbook carries those bases) and imports
it into the server.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from planner.errors import ValidationError
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


def take_offline(server: PlanStore, department: str, path: Path, today: date, by: str) -> PlanStore:
    """The server's plan in a new file at `path`, its department's rows marked as they went out."""
    if not server.on_server:
        raise ValidationError("Only a plan on the district server can be taken offline.")
    scope = _scope(server, department)
    with tempfile.TemporaryDirectory(prefix="planner-offline-") as tmp:
        export_workbook(server, Path(tmp) / "taken.xlsx", scope, today, by)
    return copy_to_file(server, Path(path))


@dataclass(frozen=True)
class SentBack:
    file: FilePlan  # what the merge found: adds, updates, conflicts (left for a person), unchanged
    result: ImportResult


def send_back(laptop: PlanStore, server: PlanStore, department: str, today: date, by: str) -> SentBack:
    """The department's rows from the file into the server, through the workbook import's three-way merge."""
    if not server.on_server or laptop.on_server:
        raise ValidationError("Send back goes from a plan file to the district server.")
    with tempfile.TemporaryDirectory(prefix="planner-offline-") as tmp:
        workbook = Path(tmp) / f"{department} from {laptop.path.stem}.xlsx"
        export_workbook(laptop, workbook, _scope(laptop, department), today, by)
        plan = plan_import(server, [workbook], today)
        result = apply_import(server, plan)
    return SentBack(plan.files[0], result)
