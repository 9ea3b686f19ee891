"""Export a workbook for central collection: a cover, a sheet per kind of row (each an Excel table with a
frozen, styled header, widths, formats, drop-down validation and status fills), data-entry sheets for people
who live in Excel, and a line chart per WIG. User text is always written as text, never as a formula."""

from __future__ import annotations

import json
import os
import uuid as uuid_mod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from planner import __version__, clock
from planner.errors import PlannerError, ValidationError
from planner.model import ExchangeState, Frequency, InterimTarget, PerformanceMeasure, Plan, utcnow
from planner.services.exchange import (
    BASE,
    BASE_HEADERS,
    CHARTS,
    COVER,
    DATA_SHEETS,
    FILLED_IN_BY,
    FORMAT_VERSION,
    HISTORY,
    KEPT_TEXT,
    MARKER,
    XSheet,
    base_value,
    looks_like_formula,
    normalise,
    row_hash,
    safe_text,
    spreadsheet_alters,
    state_key,
    text_digest,
)
from planner.services.exchange_rows import ExportScope, collect, plan_measurement_count
from planner.services.history import for_rows, iter_all
from planner.services.periods import periods_between
from planner.services.years import year_scope
from planner.store import PlanStore
from planner.store.migrate import head_revision

Progress = Callable[[float, str], None]
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WORKED_OUT_FILL = PatternFill("solid", fgColor="E7E6E6")  # a grey: Planner works these out, nobody types them
WORKED_OUT_HEADER = PatternFill("solid", fgColor="7F7F7F")
WORKED_OUT_NOTE = ("{header} is worked out by Planner (read-only). The sheet is protected without a password so "
                   "it is not changed by accident; an edit here is not imported, and the import says so.")
SPARE_ROWS = 200  # empty, editable rows below each table: a person adds rows at the bottom
STATUS_FILLS = {"On track": "C8E6C9", "Achieved": "BBDEFB", "Complete": "BBDEFB", "At risk": "FFE0B2",
                "Off track": "FFCDD2", "No data": "EEEEEE", "Not started": "EEEEEE", "On hold": "E0E0E0",
                "Blocked": "FFCDD2", "Open": "FFF9C4", "Done": "BBDEFB"}
MAX_CHARTS = 120
MAX_SHEET_ROWS = 1_048_575  # an Excel sheet's rows, less the header
LEVEL_INDENT = {"Plan": 0, "Division": 1, "Department": 2, "Pillar": 1, "Priority": 2, "Strategy": 3, "WIG": 4,
                "Key lever": 5}


class ExportCancelled(PlannerError):
    title = "Export cancelled"


def put(cell: Cell, value: Any, kind: str = "text") -> None:
    """Write one value. Text stays text: never a formula, whatever it starts with."""
    if value is None or value == "":
        cell.value = None
        return
    if kind == "date" and isinstance(value, (date, datetime)):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return
    if kind in ("number", "int") and isinstance(value, (int, float)):
        cell.value = value
        return
    if kind == "bool":
        cell.value = "yes" if value else "no"
        cell.data_type = "s"
        return
    text = safe_text(str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if looks_like_formula(text):
        cell.quotePrefix = True  # and a spreadsheet that re-reads the cell keeps it as text too


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: dict[str, int]
    quality: list[str]


def data_quality(rows: dict[str, list[dict[str, Any]]], today: date) -> list[str]:
    """What to fix before the central office sees it (shown before export and written on the cover)."""
    found: list[str] = []
    month_start = today.replace(day=1)
    last_month = (month_start - timedelta(days=1)).replace(day=1)
    latest_note: dict[str, str] = {}
    for m in rows["Measurements"]:
        latest_note[m["subject_uuid"]] = m["note"] or ""
    for w in rows["WIGs"]:
        if w["latest_date"] is None or w["latest_date"] < last_month:
            found.append(f"WIG {w['code']}: no value for this period or the last.")
        if w["status"] == "Off track" and not latest_note.get(w["uuid"]):
            found.append(f"WIG {w['code']} is off track and its latest value has no note.")
        if w["target"] is not None and w["baseline"] is None and w["kind"] != "milestone":
            found.append(f"WIG {w['code']} has a target but no baseline.")
    last_update: dict[str, date] = {}
    for u in rows["Weekly Updates"]:
        last_update[u["project_uuid"]] = max(u["update_date"], last_update.get(u["project_uuid"], date.min))
    for p in rows["Projects"]:
        if p["status"] not in ("Complete", "On hold") and last_update.get(p["uuid"], date.min) < today - timedelta(30):
            found.append(f"Project “{p['name']}” has no status update in the last 30 days.")
    for r in rows["RAID Log"]:
        if r["status"] != "Closed" and not r["owner"]:
            found.append(f"Open {r['type'].lower()} “{r['description'][:50]}” ({r['project']}) has no owner.")
    return found


def export_workbook(store: PlanStore, out: Path, scope: ExportScope, today: date, exported_by: str,
                    progress: Progress | None = None) -> ExportResult:
    """Write the workbook to `out` (under a temporary name, moved into place when complete)."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValidationError(f"“{out.name}” does not end in .xlsx; workbooks are saved as .xlsx.")
    if not out.parent.is_dir():
        raise ValidationError(f"The folder “{out.parent}” does not exist.")
    report = progress or (lambda fraction, text: None)
    report(0.02, "Reading the plan")
    if scope.division_id is None and scope.department_id is None:  # refuse before reading millions of rows
        _refuse_if_too_many({"Measurements": plan_measurement_count(store, scope.plan_id)})
    rows = collect(store, scope, today)
    _refuse_if_too_many({name: len(found) for name, found in rows.items()})
    quality = data_quality(rows, today)
    with store.reader() as s:
        plan = s.get(Plan, scope.plan_id)
        assert plan is not None
        shown = year_scope(s, scope.plan_id, scope.year_id, today)
        plan_name, plan_year = plan.name, shown.label if shown else ""
        year = (shown.start, shown.end) if shown else (None, None)
        measures = {str(m.uuid): m for m in s.scalars(select(PerformanceMeasure))}
        targets: dict[tuple[str, date], float] = {}
        for t in s.scalars(select(InterimTarget).where(InterimTarget.measure_id.is_not(None))):
            target_of = s.get(PerformanceMeasure, t.measure_id)
            assert target_of is not None  # the query kept only the targets of a measure (a foreign key)
            targets[(str(target_of.uuid), t.period_start)] = t.value
    wb = Workbook()
    cover = wb.active
    cover.title = COVER
    _cover(cover, plan_name, plan_year, scope, exported_by, quality, rows)
    total = len(DATA_SHEETS)
    kept: list[list[str]] = []
    base: list[list[str]] = []
    bases = _exchange_bases(store)
    for i, sheet in enumerate(DATA_SHEETS):
        report(0.1 + 0.6 * i / total, f"Writing {sheet.name}")
        found, rows_base = _data_sheet(wb.create_sheet(sheet.name), sheet, rows[sheet.name], bases)
        kept += found
        base += rows_base
    report(0.75, "Writing the data-entry sheets")
    _data_entry(wb, rows, measures, targets, year)
    report(0.85, "Drawing the charts")
    _charts(wb.create_sheet(CHARTS), rows)
    report(0.88, "Writing the change history")
    history_rows = _history(wb.create_sheet(HISTORY), store, rows, scope)
    _cover_history(cover, history_rows)
    if kept:
        _kept_text(wb.create_sheet(KEPT_TEXT), kept)
    _base_sheet(wb.create_sheet(BASE), base)
    report(0.92, "Saving")
    tmp = out.with_name(f".{out.name}.partial")
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not store.read_only:
        _remember_exchange(store, rows)
    report(1.0, "Done")
    return ExportResult(out, {k: len(v) for k, v in rows.items()}, quality)


def _refuse_if_too_many(counts: dict[str, int]) -> None:
    too_many = {name: n for name, n in counts.items() if n > MAX_SHEET_ROWS}
    if too_many:
        name, count = max(too_many.items(), key=lambda item: item[1])
        raise ValidationError(
            f"The {name} sheet would have {count:,} rows; an Excel sheet holds {MAX_SHEET_ROWS:,}. "
            "Nothing was written.", hint="Export one division or one department at a time: each fits.")


SAME = "same"  # on the base sheet: the row at the last exchange was as it is now (a hash fewer per row)
UNTOUCHED = "untouched"  # a row never exchanged and never edited since it was made: the base sheet says so


def _exchange_bases(store: PlanStore) -> dict[uuid_mod.UUID, str]:
    """Each row's hash at this file's last exchange, before this export replaces it; for a row never exchanged
    and never edited since it was made, UNTOUCHED (the exporting file changed nothing in it)."""
    from planner.services.xlsx_import import KIND_OF_MODEL

    found: dict[uuid_mod.UUID, str] = {}
    with store.reader() as s:
        for model in KIND_OF_MODEL:
            for u, created, updated in s.execute(select(model.uuid, model.created_at, model.updated_at)):
                if abs((updated - created).total_seconds()) < 2:
                    found[u] = UNTOUCHED
        found.update(s.execute(select(ExchangeState.row_uuid, ExchangeState.base_hash)).tuples().all())
    return found


def _remember_exchange(store: PlanStore, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The values as they went out: the base a later import compares against."""
    states = {state_key(sheet.name, row["uuid"]): (sheet.table, row_hash(sheet, row))
              for sheet in DATA_SHEETS for row in rows[sheet.name]}
    with store.session() as s:
        existing = {e.row_uuid: e for e in s.scalars(select(ExchangeState).where(
            ExchangeState.row_uuid.in_(list(states))))}
        now = utcnow()
        for row_uuid, (table, digest) in states.items():
            state = existing.get(row_uuid)
            if state is None:
                s.add(ExchangeState(row_uuid=row_uuid, table_name=table, base_hash=digest))
            elif state.base_hash != digest:
                state.base_hash = digest
                state.updated_at = now


def _header(ws: Worksheet, headers: list[str], widths: list[int]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=col)
        put(cell, text)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30


def _table(ws: Worksheet, name: str, columns: int, rows: int) -> None:
    ref = f"A1:{get_column_letter(columns)}{max(rows + 1, 2)}"
    table = Table(displayName=name.replace(" ", ""), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


class _Styles:
    """The few cell styles of a data sheet, made once per workbook and handed to each cell as a copy of a
    ready style (setting a cell's protection one attribute at a time costs as much as writing its value)."""

    def __init__(self, ws: Worksheet) -> None:
        scratch = ws.cell(row=1, column=1)
        self.editable = self._make(scratch, protection=Protection(locked=False))
        self.editable_date = self._make(scratch, protection=Protection(locked=False), number_format="yyyy-mm-dd")
        self.worked_out = self._make(scratch, fill=WORKED_OUT_FILL)
        self.worked_out_date = self._make(scratch, fill=WORKED_OUT_FILL, number_format="yyyy-mm-dd")
        self.worked_out_percent = self._make(scratch, fill=WORKED_OUT_FILL, number_format="0%")
        scratch._style = StyleArray()

    @staticmethod
    def _make(cell: Cell, **attrs: Any) -> StyleArray:
        cell._style = StyleArray()
        for name, value in attrs.items():
            setattr(cell, name, value)
        return StyleArray(cell._style)

    def apply(self, cell: Cell, worked_out: bool, percent: bool = False) -> None:
        is_date = cell.number_format == "yyyy-mm-dd"
        if cell.quotePrefix or cell.alignment.indent:  # the rare styled cell: attribute by attribute
            if worked_out:
                cell.fill = WORKED_OUT_FILL
            else:
                cell.protection = Protection(locked=False)
        elif worked_out:
            cell._style = StyleArray(self.worked_out_percent if percent else
                                     self.worked_out_date if is_date else self.worked_out)
        else:
            cell._style = StyleArray(self.editable_date if is_date else self.editable)


def protect(ws: Worksheet) -> None:
    """Protected without a password: locked cells are not changed by accident, and anybody can lift it (Review >
    Unprotect Sheet). Rows can still be added, deleted, sorted and filtered."""
    ws.protection.sheet = True
    for allowed in ("insertRows", "deleteRows", "sort", "autoFilter", "formatColumns", "formatRows",
                    "formatCells"):
        setattr(ws.protection, allowed, False)


def _data_sheet(ws: Worksheet, sheet: XSheet, rows: list[dict[str, Any]],
                bases: dict[uuid_mod.UUID, str]) -> tuple[list[list[str]], list[list[str]]]:
    """Write the sheet; returns the cells whose text a spreadsheet cannot hold as it is (sheet, UUID, column,
    digest of the text as written), so an import of this workbook leaves the plan file's text as it was, and
    each row's base: what the workbook holds now, for the import's three-way merge."""
    _header(ws, sheet.headers(), [c.width for c in sheet.columns])
    styles = _Styles(ws)
    kept: list[list[str]] = []
    base: list[list[str]] = []
    worked = {c.attr for c in sheet.columns if c.exported_only}
    for r, row in enumerate(rows, start=2):
        derived: dict[str, Any] = {}
        for c, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=r, column=c)
            value = row.get(col.attr)
            put(cell, value, col.kind)
            if col.kind == "text" and isinstance(value, str) and spreadsheet_alters(value) and row.get("uuid"):
                kept.append([sheet.name, str(row["uuid"]), col.attr, text_digest(str(cell.value or ""))])
            if col.attr == "title" and sheet.name == "Plan":
                cell.alignment = Alignment(indent=LEVEL_INDENT.get(row["level"], 0))
            if col.attr in worked:
                derived[col.attr] = base_value(col.kind, cell.value)
            styles.apply(cell, col.attr in worked, col.attr == "progress" and value is not None)
        if sheet.name == "Measurements":
            derived["value"] = normalise("number", row.get("value"))  # also what its Data Entry cell held
            derived["key"] = [str(row.get("subject_uuid")), normalise("date", row.get("period_start"))]
        if row.get("uuid"):
            before = bases.get(state_key(sheet.name, row["uuid"]), "")
            if (not before and bases.get(uuid_mod.UUID(str(row["uuid"]))) == UNTOUCHED) or before == UNTOUCHED:
                before = row_hash(sheet, row)
            digest = row_hash(sheet, row)
            base.append([sheet.name, str(row["uuid"]), digest, SAME if before == digest else before,
                         json.dumps(derived, ensure_ascii=False, separators=(",", ":"))])
    last = len(rows) + 1
    for r in range(last + 1, last + 1 + SPARE_ROWS):
        for c in range(1, len(sheet.columns) + 1):
            styles.apply(ws.cell(row=r, column=c), False)
    for c, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(c)
        if col.exported_only:
            header = ws.cell(row=1, column=c)
            header.fill = WORKED_OUT_HEADER
            header.comment = Comment(WORKED_OUT_NOTE.format(header=col.header), "Planner", width=260, height=110)
        if col.kind == "choice":
            options = ",".join(col.choices)
            if len(options) < 250 and not col.exported_only:  # Excel's limit for a literal list
                validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=not col.required,
                                            showErrorMessage=True, errorTitle=col.header,
                                            error=f"Choose one of: {', '.join(col.choices)}")
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}{max(last, 2) + SPARE_ROWS}")
            if col.attr == "status":
                for status, color in STATUS_FILLS.items():
                    if status in col.choices:
                        ws.conditional_formatting.add(
                            f"{letter}2:{letter}{max(last, 2)}",
                            FormulaRule(formula=[f'{letter}2="{status}"'], fill=PatternFill("solid", fgColor=color)))
    _table(ws, sheet.name, len(sheet.columns), len(rows))
    protect(ws)
    return kept, base


def _base_sheet(ws: Worksheet, base: list[list[str]]) -> None:
    """Hidden and protected: each row as this workbook held it when it was exported (its hash, the hash of the
    exporting file's last exchange of it, and the worked-out values). The import compares the workbook with
    it to tell an edit made in the spreadsheet from a value that was already there."""
    ws.sheet_state = "hidden"
    _header(ws, list(BASE_HEADERS), [18, 38, 66, 66, 60])
    for r, entry in enumerate(base, start=2):
        for c, value in enumerate(entry, start=1):
            put(ws.cell(row=r, column=c), value)
    protect(ws)


def _kept_text(ws: Worksheet, kept: list[list[str]]) -> None:
    """A hidden list of the cells a spreadsheet holds differently from the plan file (control characters, a
    carriage return, text over 32,767 characters): while such a cell is as exported, an import keeps the plan
    file's text; once a person edits it, the edit is imported."""
    ws.sheet_state = "hidden"
    _header(ws, ["Sheet", "UUID", "Column", "Text as exported (SHA-256)"], [18, 38, 16, 66])
    for r, entry in enumerate(kept, start=2):
        for c, value in enumerate(entry, start=1):
            put(ws.cell(row=r, column=c), value)


def _cover(ws: Worksheet, plan_name: str, plan_year: str, scope: ExportScope, exported_by: str,
           quality: list[str], rows: dict[str, list[dict[str, Any]]]) -> None:
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 80
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    put(ws.cell(row=1, column=1), MARKER)
    ws.cell(row=1, column=1).font = Font(bold=True, size=16)
    department = scope.label.removeprefix("Department: ") if scope.department_id else ""
    division = scope.label.removeprefix("Division: ") if scope.division_id else ""
    facts = [("District plan", plan_name), ("Scope", scope.label), ("Division", division),
             ("Department", department), ("Plan year", plan_year),
             ("Exported at", clock.now().replace(microsecond=0).isoformat(sep=" ")),
             ("Exported by", exported_by), (FILLED_IN_BY, exported_by), ("Planner version", __version__),
             ("Schema version", head_revision()),
             ("Workbook format", FORMAT_VERSION)]
    for r, (key, value) in enumerate(facts, start=3):
        put(ws.cell(row=r, column=1), key)
        ws.cell(row=r, column=1).font = Font(bold=True)
        put(ws.cell(row=r, column=2), value)
    r = len(facts) + 4
    put(ws.cell(row=r, column=1), "Rows")
    ws.cell(row=r, column=1).font = Font(bold=True)
    put(ws.cell(row=r, column=2), ", ".join(f"{len(v)} {k}" for k, v in rows.items()))
    r += 2
    put(ws.cell(row=r, column=1), "Checks before export")
    ws.cell(row=r, column=1).font = Font(bold=True)
    if not quality:
        put(ws.cell(row=r, column=2), "Nothing to fix.")
    for i, problem in enumerate(quality):
        cell = ws.cell(row=r + i, column=2)
        put(cell, problem)
        cell.alignment = Alignment(wrap_text=True)


MAX_HISTORY_ROWS = MAX_SHEET_ROWS


def _history(ws: Worksheet, store: PlanStore, rows: dict[str, list[dict[str, Any]]], scope: ExportScope) -> int:
    """Every recorded change to the rows in this workbook (everything, for the whole plan), oldest first,
    newest kept when a sheet cannot hold them all. Returns how many were written."""
    headers = ["When (UTC)", "Who", "Action", "Kind", "Item", "Item UUID", "Changes", "Reason"]
    _header(ws, headers, [19, 18, 9, 18, 50, 36, 80, 40])
    kept: list[Any] = []
    if scope.division_id is None and scope.department_id is None:
        for entry in iter_all(store):
            kept.append(entry)
            if len(kept) > 2 * MAX_HISTORY_ROWS:
                kept = kept[-MAX_HISTORY_ROWS:]
    else:
        kept = for_rows(store, {str(row["uuid"]).replace("-", "") for sheet in rows.values() for row in sheet
                                if row.get("uuid")})
    kept = kept[-MAX_HISTORY_ROWS:]
    actions = {"add": "Added", "change": "Changed", "delete": "Deleted"}
    for r, e in enumerate(kept, start=2):
        uuid_text = e.row_uuid or ""
        if len(uuid_text) == 32:
            uuid_text = f"{uuid_text[:8]}-{uuid_text[8:12]}-{uuid_text[12:16]}-{uuid_text[16:20]}-{uuid_text[20:]}"
        values = [e.at.replace(tzinfo=None, microsecond=0), e.actor, actions.get(e.action, e.action), e.kind,
                  e.item, uuid_text, e.summary, e.reason]
        for c, value in enumerate(values, start=1):
            put(ws.cell(row=r, column=c), value, "date" if c == 1 else "text")
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd hh:mm:ss"
    _table(ws, HISTORY, len(headers), len(kept))
    protect(ws)
    return len(kept)


def _cover_history(ws: Worksheet, written: int) -> None:
    r = ws.max_row + 2
    put(ws.cell(row=r, column=1), "Change history")
    ws.cell(row=r, column=1).font = Font(bold=True)
    put(ws.cell(row=r, column=2), f"{written:,} recorded changes to these rows are on the History sheet "
        "(read-only: an import ignores it).")


def _data_entry(wb: Workbook, rows: dict[str, list[dict[str, Any]]], measures: dict[str, PerformanceMeasure],
                targets: dict[tuple[str, date], float], year: tuple[date | None, date | None]) -> None:
    """One sheet per frequency: a row per measure, a column per period of the plan year, targets beside."""
    start, end = year
    if start is None or end is None:
        return
    values = {(m["subject_uuid"], m["period_start"]): m["value"] for m in rows["Measurements"]}
    by_frequency: dict[Frequency, list[dict[str, Any]]] = {}
    for m in rows["Measures"]:
        by_frequency.setdefault(Frequency(m["frequency"]), []).append(m)
    for frequency in Frequency:
        found = by_frequency.get(frequency)
        if not found:
            continue
        periods = periods_between(start, end, frequency, start.month)
        if len(periods) > 60:  # daily and weekly measures are logged in the app, not in a grid of 365 columns
            continue
        ws = wb.create_sheet(f"Data Entry {frequency.value}"[:31])
        headers = ["Measure UUID", "Measure"] + [x for p in periods for x in (p.label, f"Target {p.label}")]
        _header(ws, headers, [38, 50] + [12, 12] * len(periods))
        for c in (1, 2):
            ws.cell(row=1, column=c).fill = WORKED_OUT_HEADER
        ws.cell(row=1, column=2).comment = Comment(
            "Which measure each row is for: read-only. Type each period's value, and its target, in the columns to "
            "the right; the same value is on the Measurements sheet, and the import takes the copy you changed.",
            "Planner", width=260, height=110)
        for r, m in enumerate(found, start=2):
            put(ws.cell(row=r, column=1), m["uuid"], "uuid")
            put(ws.cell(row=r, column=2), m["name"])
            ws.cell(row=r, column=1).fill = ws.cell(row=r, column=2).fill = WORKED_OUT_FILL
            for i, p in enumerate(periods):
                value = ws.cell(row=r, column=3 + 2 * i)
                put(value, values.get((m["uuid"], p.start)), "number")
                value.protection = Protection(locked=False)
                target = ws.cell(row=r, column=4 + 2 * i)
                put(target, targets.get((m["uuid"], p.start)), "number")
                target.font = Font(italic=True, color="666666")
                target.protection = Protection(locked=False)
        _table(ws, f"DataEntry{frequency.value}", len(headers), len(found))
        protect(ws)


def _charts(ws: Worksheet, rows: dict[str, list[dict[str, Any]]]) -> None:
    """A native line chart per WIG with values: the values and the straight path to the target."""
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.column_dimensions["A"].width = 14
    put(ws.cell(row=1, column=1), "Each chart shows a WIG's logged values and its straight path from baseline "
                                  "to target. The numbers beside each chart are what it draws.")
    by_wig: dict[str, list[dict[str, Any]]] = {}
    for m in rows["Measurements"]:
        by_wig.setdefault(m["subject_uuid"], []).append(m)
    row = 3
    drawn = 0
    for w in rows["WIGs"]:
        points = [m for m in by_wig.get(w["uuid"], []) if m["value"] is not None]
        if not points or drawn >= MAX_CHARTS:
            continue
        put(ws.cell(row=row, column=1), w["code"])
        ws.cell(row=row, column=1).font = Font(bold=True)
        put(ws.cell(row=row + 1, column=1), "Period end")
        put(ws.cell(row=row + 1, column=2), "Value")
        put(ws.cell(row=row + 1, column=3), "Path")
        span = (w["deadline"] - w["start_date"]).days if w["start_date"] and w["deadline"] else 0
        base = w["baseline"] if w["baseline"] is not None else points[0]["value"]
        for i, m in enumerate(points, start=row + 2):
            put(ws.cell(row=i, column=1), m["period_end"], "date")
            put(ws.cell(row=i, column=2), m["value"], "number")
            if span > 0 and w["target"] is not None:
                share = min(1.0, max(0.0, (m["period_end"] - w["start_date"]).days / span))
                put(ws.cell(row=i, column=3), base + (w["target"] - base) * share, "number")
        last = row + 1 + len(points)
        chart = LineChart()
        chart.title = safe_text(w["code"])[:60]
        chart.y_axis.title = "%" if w["kind"] == "percent" else (w["unit"] or "value")
        chart.height, chart.width = 7, 16
        chart.x_axis.delete = False  # openpyxl hides both axes unless told otherwise
        chart.y_axis.delete = False
        chart.x_axis.number_format = "yyyy-mm-dd"
        data = Reference(ws, min_col=2, max_col=3, min_row=row + 1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=row + 2, max_row=last))
        ws.add_chart(chart, f"E{row}")
        row = max(last, row + 15) + 2
        drawn += 1
    if drawn >= MAX_CHARTS:
        put(ws.cell(row=2, column=1), f"Charts for the first {MAX_CHARTS} WIGs with values; the plan file has all.")
