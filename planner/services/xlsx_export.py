"""Export a workbook for central collection: a cover, a sheet per kind of row (each an Excel table with a
frozen, styled header, widths, formats, drop-down validation and status fills), data-entry sheets for people
who live in Excel, and a line chart per WIG. User text is always written as text, never as a formula."""

from __future__ import annotations

import json
import os
import uuid as uuid_mod
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

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
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from planner import __version__, clock
from planner.errors import PlannerError, ValidationError
from planner.model import (
    Base,
    Change,
    ExchangeState,
    Frequency,
    InterimTarget,
    PerformanceMeasure,
    Plan,
    utcnow,
)
from planner.services import history as history_words
from planner.services.due import export_check
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
    MAX_CELL,
    UUID_WIDTH,
    XCol,
    XSheet,
    base_value,
    looks_like_formula,
    normalise,
    row_hash,
    safe_text,
    short_hash,
    spreadsheet_alters,
    state_key,
    text_digest,
    without_cycle_collection,
)
from planner.services.exchange_rows import ExportScope, collect, plan_measurement_count
from planner.services.periods import periods_between
from planner.services.years import year_scope
from planner.store import PlanStore
from planner.store.migrate import head_revision

Progress = Callable[[float, str], None]
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
WORKED_OUT_FILL = PatternFill("solid", fgColor="E7E6E6")  # a grey: Planner works these out, nobody types them
WORKED_OUT_HEADER = PatternFill("solid", fgColor="7F7F7F")
WORKED_OUT_NOTE = ("{header} is worked out by Planner (read-only). The sheet is protected without a password so "
                   "it is not changed by accident; an edit here is not imported, and the import says so.")
UUID_FONT = Font(color="808080", size=8)
UUID_NOTE = ("Planner's key for the row (read-only), so the import knows which row it is. A row you add below "
             "the table needs none: leave it empty and the import makes one.")
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


DATE_FORMAT = "yyyy-mm-dd"
WHEN_FORMAT = "yyyy-mm-dd hh:mm:ss"


def convert(value: Any, kind: str = "text") -> tuple[Any, str, str]:
    """One value as the cell holds it: (value, openpyxl data type, what its style must add: "" | "date" |
    "quote"). Text stays text: never a formula, whatever it starts with."""
    if value is None or value == "":
        return None, "n", ""
    if kind == "date" and isinstance(value, (date, datetime)):
        return value, "d", "date"
    if kind in ("number", "int") and isinstance(value, (int, float)):
        return value, "b" if isinstance(value, bool) else "n", ""
    if kind == "bool":
        return "yes" if value else "no", "s", ""
    text = safe_text(str(value))[:MAX_CELL]
    # "s" even for "=..." (openpyxl would store it as a formula); a quote prefix so a spreadsheet that re-reads
    # the cell keeps it as text too
    return text, "s", "quote" if looks_like_formula(text) else ""


class _Cell(Cell):  # type: ignore[misc]  # openpyxl ships no types: its Cell is Any
    """A cell of a row streamed to a write-only sheet, its style given as a ready index into the workbook's
    styles (worked out once per kind of cell, not once per cell)."""

    __slots__ = ("sid",)

    def __init__(self, ws: Any, column: int, sid: int = 0) -> None:
        super().__init__(ws, row=1, column=column)
        self.sid = sid

    @property
    def style_id(self) -> int:
        return self.sid

    @property
    def has_style(self) -> bool:
        return self.sid != 0

    def set(self, value: Any, data_type: str, sid: int) -> _Cell:
        self._value, self.data_type, self.sid = value, data_type, sid  # type: ignore[misc]  # Cell's own slots
        return self


EXTRA: dict[str, tuple[tuple[str, Any], ...]] = {"": (), "date": (("number_format", DATE_FORMAT),),
                                                 "quote": (("quotePrefix", True),)}


class _Out:
    """One sheet written row by row through openpyxl's write-only mode, which streams each row's XML to a
    temporary file as it comes instead of holding a cell object per cell until the end. What openpyxl writes
    above the rows (column widths, frozen panes) is set before the first row; what it writes below them
    (protection, validation, formatting, tables, charts, page set-up) may be set until the workbook is saved.

    Rows are handed straight to the sheet's writer (openpyxl's own `append` would try each cell as a value
    first and take it as a cell on the exception, per cell); pinned to openpyxl 3.1 in pyproject."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float] | None = None, freeze: bool = False,
                 header_height: float | None = None, hidden: bool = False) -> None:
        self.wb = wb
        self.ws: Any = wb.create_sheet(title)
        for col, width in enumerate(widths or [], start=1):
            self.ws.column_dimensions[get_column_letter(col)].width = width
        if freeze:
            self.ws.freeze_panes = "A2"
        if header_height:
            self.ws.row_dimensions[1].height = header_height
        if hidden:
            self.ws.sheet_state = "hidden"
        else:  # printed a page wide (the page set-up below the rows says how; the flag above them says so)
            self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self._styles: dict[tuple[Any, ...], int] = {}
        self._scratch = Cell(self.ws, row=1, column=1)
        self._started = False
        self.last_row = 0

    def style(self, *key: Any) -> int:
        """The index of a style made of these (name, value) attribute pairs, made once."""
        sid = self._styles.get(key)
        if sid is None:
            scratch = self._scratch
            scratch._style = StyleArray()
            for name, value in key:
                setattr(scratch, name, value)
            sid = self._styles[key] = int(scratch.style_id) if any(scratch._style) else 0
        return sid

    def _start(self) -> None:
        ws = self.ws
        ws._get_writer()  # writes what comes above the rows, from what is set by now

        def rows() -> Any:  # openpyxl's own write-only row loop, fed ready cells
            xf = ws._writer.xf.send(True)
            with xf.element("sheetData"):
                try:
                    while True:
                        number, cells = yield
                        ws._writer.write_row(xf, cells, number)
                except GeneratorExit:
                    pass
            ws._writer.xf.send(None)

        ws._rows = rows()
        next(ws._rows)
        self._started = True

    def row(self, number: int, cells: list[Any]) -> None:
        """Write row `number` (after every row written so far): cells in column order, None for an empty one."""
        if not self._started:
            self._start()
        assert number > self.last_row
        out = []
        for cell in cells:
            if cell is None or (cell._value is None and not cell.has_style):
                continue
            cell.row = number
            out.append(cell)
        self.ws._rows.send((number, out))
        self.last_row = number

    def variants(self, *key: tuple[str, Any]) -> dict[str, int]:
        """A style's index, and those of its date and quote-prefixed variants: {"": …, "date": …, "quote": …}."""
        return {extra: self.style(*key, *pairs) for extra, pairs in EXTRA.items()}

    def cells(self, values: list[Any], kinds: list[str] | None = None, *key: tuple[str, Any]) -> list[Any]:
        """New cells for a row of values, each of its kind ("text" unless told), styled alike."""
        styles = self.variants(*key)
        found = []
        for col, value in enumerate(values, start=1):
            value, data_type, extra = convert(value, kinds[col - 1] if kinds else "text")
            found.append(_Cell(self.ws, col).set(value, data_type, styles[extra]))
        return found

    def text(self, number: int, values: list[Any], *key: tuple[str, Any]) -> None:
        """A row of text cells, styled alike."""
        self.row(number, self.cells(values, None, *key))

    def header(self, headers: list[str], worked_out: set[int] | None = None,
               comments: dict[int, Comment] | None = None) -> None:
        """Row 1: the styled header (a worked-out column's header grey), with any comments."""
        normal = self.style(("fill", HEADER_FILL), ("font", HEADER_FONT), ("alignment", HEADER_ALIGNMENT))
        grey = self.style(("fill", WORKED_OUT_HEADER), ("font", HEADER_FONT), ("alignment", HEADER_ALIGNMENT))
        cells = self.cells(list(headers))
        for col, cell in enumerate(cells, start=1):
            cell.sid = grey if col in (worked_out or ()) else normal
            if comments and col in comments:
                cell.comment = comments[col]
        self.row(1, cells)

    def table(self, name: str, headers: list[str], rows: int) -> None:
        """The rows as an Excel table, printed landscape, a page wide, the header on every page."""
        ws = self.ws
        ref = f"A1:{get_column_letter(len(headers))}{max(rows + 1, 2)}"
        table = Table(displayName=name.replace(" ", ""), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        table._initialise_columns()  # a write-only sheet cannot be read back for the names: given here
        for column, header in zip(table.tableColumns, headers, strict=True):
            column.name = header
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "you must add table columns manually": they are, just above
            ws.add_table(table)
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        fit_width(ws)


def fit_width(ws: Any) -> None:
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: dict[str, int]
    quality: list[str]


def export_workbook(store: PlanStore, out: Path, scope: ExportScope, today: date, exported_by: str,
                    progress: Progress | None = None) -> ExportResult:
    """Write the workbook to `out` (under a temporary name, moved into place when complete)."""
    with without_cycle_collection():
        return _export_workbook(store, out, scope, today, exported_by, progress)


def _export_workbook(store: PlanStore, out: Path, scope: ExportScope, today: date, exported_by: str,
                     progress: Progress | None) -> ExportResult:
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
    quality = export_check(store, scope, today)  # the export dialog's check and Due Now's list, in one function
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
    wb = Workbook(write_only=True)
    tmp = out.with_name(f".{out.name}.partial")
    try:
        cover = _Out(wb, COVER, [24, 80])  # first in the workbook, written last: it counts what the others hold
        total = len(DATA_SHEETS)
        kept: list[list[str]] = []
        base: list[list[str]] = []
        bases = _exchange_bases(store)
        hashes: dict[tuple[str, str], str] = {}  # (sheet, row UUID): the row's hash as it went out
        for i, sheet in enumerate(DATA_SHEETS):
            report(0.1 + 0.6 * i / total, f"Writing {sheet.name}")
            found, rows_base = _data_sheet(wb, sheet, rows[sheet.name], bases, hashes)
            kept += found
            base += rows_base
        report(0.75, "Writing the data-entry sheets")
        _data_entry(wb, rows, measures, targets, year)
        report(0.85, "Drawing the charts")
        _charts(_Out(wb, CHARTS, [14]), rows)
        report(0.88, "Writing the change history")
        history = _history(wb, store, rows, scope)
        _cover(cover, plan_name, plan_year, scope, exported_by, quality, rows, history)
        if kept:
            _kept_text(wb, kept)
        _base_sheet(wb, base)
        report(0.92, "Saving")
        wb.save(tmp)
        os.replace(tmp, out)
    except BaseException:
        _discard(wb)
        tmp.unlink(missing_ok=True)
        raise
    if not store.read_only:
        _remember_exchange(store, rows, hashes)
    report(1.0, "Done")
    return ExportResult(out, {k: len(v) for k, v in rows.items()}, quality)


def _discard(wb: Workbook) -> None:
    """An export that stopped half-way (cancelled, or the disk full): each sheet's rows streamed so far are
    closed and their temporary files removed."""
    for ws in wb._sheets:
        writer = getattr(ws, "_writer", None)
        for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            try:
                if stream is not None:
                    stream.close()
            except Exception:  # already broken: the file is being thrown away anyway
                pass
        if writer is not None:
            Path(writer.out).unlink(missing_ok=True)


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


def _remember_exchange(store: PlanStore, rows: dict[str, list[dict[str, Any]]],
                       hashes: dict[tuple[str, str], str]) -> None:
    """The values as they went out: the base a later import compares against (each row's hash as the export
    worked it out, in `hashes`)."""
    states = {state_key(sheet.name, row["uuid"]): (sheet.table, hashes.get((sheet.name, str(row["uuid"])))
                                                   or row_hash(sheet, row))
              for sheet in DATA_SHEETS for row in rows[sheet.name]}
    with store.session() as s:  # plain rows and two statements, not an object per row (a district has 200,000)
        existing = {u: (row_id, digest) for row_id, u, digest in s.execute(
            select(ExchangeState.id, ExchangeState.row_uuid, ExchangeState.base_hash))}
        now = utcnow()
        added, changed = [], []
        for row_uuid, (table, digest) in states.items():
            state = existing.get(row_uuid)
            if state is None:
                added.append({"row_uuid": row_uuid, "table_name": table, "base_hash": digest})
            elif state[1] != digest:
                changed.append({"id": state[0], "base_hash": digest, "updated_at": now})
        if added:
            s.execute(insert(ExchangeState), added)
        if changed:
            s.execute(update(ExchangeState), changed)


def protect(ws: Any) -> None:
    """Protected without a password: locked cells are not changed by accident, and anybody can lift it (Review >
    Unprotect Sheet). Rows can still be added, deleted, sorted and filtered."""
    ws.protection.sheet = True
    for allowed in ("insertRows", "deleteRows", "sort", "autoFilter", "formatColumns", "formatRows",
                    "formatCells"):
        setattr(ws.protection, allowed, False)


UNLOCKED = Protection(locked=False)


def _data_sheet(wb: Workbook, sheet: XSheet, rows: list[dict[str, Any]], bases: dict[uuid_mod.UUID, str],
                hashes: dict[tuple[str, str], str]) -> tuple[list[list[str]], list[list[str]]]:
    """Write the sheet; returns the cells whose text a spreadsheet cannot hold as it is (sheet, UUID, column,
    digest of the text as written), so an import of this workbook leaves the plan file's text as it was, and
    each row's base: what the workbook holds now, for the import's three-way merge."""
    columns = sheet.columns
    out = _Out(wb, sheet.name, [c.width for c in columns], freeze=True, header_height=30)
    ws = out.ws
    worked = {c.attr for c in columns if c.exported_only}
    out.header(sheet.headers(), {i for i, c in enumerate(columns, start=1) if c.exported_only},
               {i: Comment(WORKED_OUT_NOTE.format(header=c.header) if c.exported_only else UUID_NOTE, "Planner",
                           width=260, height=110)
                for i, c in enumerate(columns, start=1) if c.exported_only or c.attr == "uuid"})
    editable = out.variants(("protection", UNLOCKED))
    grey = out.variants(("fill", WORKED_OUT_FILL))
    key = out.variants(("font", UUID_FONT))  # the row's UUID: locked, quiet, last
    percent = out.style(("fill", WORKED_OUT_FILL), ("number_format", "0%"))
    indented = {(indent, extra): out.style(("protection", UNLOCKED), ("alignment", Alignment(indent=indent)),
                                           *pairs)
                for indent in set(LEVEL_INDENT.values()) if indent for extra, pairs in EXTRA.items()}
    plan_titles = sheet.name == "Plan"
    plan: list[tuple[XCol, dict[str, int], bool, bool]] = [
        (c, grey if c.exported_only else key if c.attr == "uuid" else editable, c.attr == "progress",
         plan_titles and c.attr == "title") for c in columns]
    cells = [_Cell(ws, col) for col in range(1, len(columns) + 1)]
    kept: list[list[str]] = []
    base: list[list[str]] = []
    for r, row in enumerate(rows, start=2):
        derived: dict[str, Any] = {}
        for cell, (col, styles, is_progress, is_title) in zip(cells, plan, strict=True):
            value = row.get(col.attr)
            held, data_type, extra = convert(value, col.kind)
            sid = styles[extra]
            if is_progress and held is not None:
                sid = percent
            elif is_title and LEVEL_INDENT.get(row["level"], 0):
                sid = indented[(LEVEL_INDENT[row["level"]], extra)]
            cell.set(held, data_type, sid)
            if col.kind == "text" and isinstance(value, str) and spreadsheet_alters(value) and row.get("uuid"):
                kept.append([sheet.name, str(row["uuid"]), col.attr, text_digest(str(held or ""))])
            if col.attr in worked:
                derived[col.attr] = base_value(col.kind, held)
        out.row(r, cells)
        if sheet.name == "Measurements":
            derived["value"] = normalise("number", row.get("value"))  # also what its Data Entry cell held
            derived["key"] = [str(row.get("subject_uuid")), normalise("date", row.get("period_start"))]
        if row.get("uuid"):
            digest = hashes[(sheet.name, str(row["uuid"]))] = row_hash(sheet, row)
            before = bases.get(state_key(sheet.name, row["uuid"]), "")
            if (not before and bases.get(uuid_mod.UUID(str(row["uuid"]))) == UNTOUCHED) or before == UNTOUCHED:
                before = digest
            base.append([sheet.name, str(row["uuid"]), short_hash(digest),
                         SAME if before == digest else short_hash(before),
                         json.dumps(derived, ensure_ascii=False, separators=(",", ":"))])
    last = len(rows) + 1
    spare = [_Cell(ws, col, editable[""]) for col in range(1, len(columns) + 1)]
    for r in range(last + 1, last + 1 + SPARE_ROWS):  # empty, editable rows: a person adds rows at the bottom
        out.row(r, spare)
    for c, col in enumerate(columns, start=1):
        letter = get_column_letter(c)
        if col.kind == "choice":
            options = ",".join(col.choices)
            if len(options) < 250 and not col.exported_only:  # Excel's limit for a literal list
                validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=not col.required,
                                            showErrorMessage=True, errorTitle=col.header,
                                            error=f"Choose one of: {', '.join(col.choices)}")
                ws.data_validations.append(validation)
                validation.add(f"{letter}2:{letter}{max(last, 2) + SPARE_ROWS}")
            if col.attr == "status":
                for status, color in STATUS_FILLS.items():
                    if status in col.choices:
                        ws.conditional_formatting.add(
                            f"{letter}2:{letter}{max(last, 2)}",
                            FormulaRule(formula=[f'{letter}2="{status}"'], fill=PatternFill("solid", fgColor=color)))
    out.table(sheet.name, sheet.headers(), len(rows))
    protect(ws)
    return kept, base


def _base_sheet(wb: Workbook, base: list[list[str]]) -> None:
    """Hidden and protected: each row as this workbook held it when it was exported (its hash, the hash of the
    exporting file's last exchange of it, and the worked-out values). The import compares the workbook with
    it to tell an edit made in the spreadsheet from a value that was already there."""
    out = _Out(wb, BASE, [18, 38, 24, 24, 60], freeze=True, header_height=30, hidden=True)
    out.header(list(BASE_HEADERS))
    cells = [_Cell(out.ws, col) for col in range(1, len(BASE_HEADERS) + 1)]
    for r, entry in enumerate(base, start=2):
        for cell, value in zip(cells, entry, strict=True):
            cell.set(*convert(value)[:2], 0)
        out.row(r, cells)
    protect(out.ws)


def _kept_text(wb: Workbook, kept: list[list[str]]) -> None:
    """A hidden list of the cells a spreadsheet holds differently from the plan file (control characters, a
    carriage return, text over 32,767 characters): while such a cell is as exported, an import keeps the plan
    file's text; once a person edits it, the edit is imported."""
    out = _Out(wb, KEPT_TEXT, [18, 38, 16, 66], freeze=True, header_height=30, hidden=True)
    out.header(["Sheet", "UUID", "Column", "Text as exported (SHA-256)"])
    for r, entry in enumerate(kept, start=2):
        out.text(r, entry)


def receiver_of(scope: ExportScope) -> str:
    """Who a workbook of this scope goes to, named as the import names the sender of a workbook that comes back
    (its cover's Department, else Division, else Scope)."""
    if scope.department_id:
        return scope.label.removeprefix("Department: ")
    if scope.division_id:
        return scope.label.removeprefix("Division: ")
    return scope.label


def _cover(out: _Out, plan_name: str, plan_year: str, scope: ExportScope, exported_by: str,
           quality: list[str], rows: dict[str, list[dict[str, Any]]], history: tuple[int, datetime | None]) -> None:
    ws = out.ws
    fit_width(ws)
    bold = (("font", Font(bold=True)),)
    out.text(1, [MARKER], ("font", Font(bold=True, size=16)))
    department = scope.label.removeprefix("Department: ") if scope.department_id else ""
    division = scope.label.removeprefix("Division: ") if scope.division_id else ""
    facts = [("District plan", plan_name), ("Scope", scope.label), ("Division", division),
             ("Department", department), ("Plan year", plan_year),
             ("Exported at", clock.now().replace(microsecond=0).isoformat(sep=" ")),
             ("Exported by", exported_by), (FILLED_IN_BY, exported_by), ("Planner version", __version__),
             ("Schema version", head_revision()),
             ("Workbook format", FORMAT_VERSION)]

    def line(r: int, key: str, value: Any, *style: tuple[str, Any]) -> None:
        out.row(r, out.cells([key], None, *bold) + out.cells([None, value], None, *style)[1:])

    for r, (key, value) in enumerate(facts, start=3):
        line(r, key, value)
    r = len(facts) + 4
    line(r, "Rows", ", ".join(f"{len(v)} {k}" for k, v in rows.items()))
    r += 2
    wrapped = ("alignment", Alignment(wrap_text=True))
    line(r, "Checks before export", quality[0] if quality else "Nothing to fix.", *((wrapped,) if quality else ()))
    for i, problem in enumerate(quality[1:], start=1):
        out.row(r + i, [None, *out.cells([None, problem], None, wrapped)[1:]])
    written, since = history
    shown = "" if since is None else (f" since the last workbook that came back from {receiver_of(scope)} was "
                                      f"exported ({since.astimezone().replace(microsecond=0, tzinfo=None)}); "
                                      "the plan file has all of them")
    line(r + max(len(quality), 1) + 1, "Change history",
         f"{written:,} recorded changes to these rows are on the History sheet{shown} (read-only: an import "
         "ignores it).", wrapped)


MAX_HISTORY_ROWS = MAX_SHEET_ROWS


def _history_since(store: PlanStore, scope: ExportScope) -> datetime | None:
    """What the receiver has already: the changes recorded before the newest workbook this plan file took from
    the receiver was exported (that workbook carried them, or the receiver's own file did). None when nothing
    came back from the receiver yet: then the History sheet carries everything."""
    receiver = receiver_of(scope)
    with store.reader() as s:
        since = s.scalar(select(func.max(ExchangeState.source_exported_at)).where(
            ExchangeState.source_department == receiver, ExchangeState.imported_at.is_not(None)))
    if since is None:
        return None
    return since if since.tzinfo is not None else since.replace(tzinfo=UTC)


class _TableLabels(history_words.RowLabels):
    """The History tab's names of the rows a change mentions, each table read whole the first time one of its
    rows is named (a query per table instead of one per row); a row not there any more is looked up as the
    History tab looks it up (its last name in the history)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.tables_read: set[str] = set()

    def of(self, table: str, row_id: int) -> str:
        if (table, row_id) not in self.cache and table not in self.tables_read:
            self.tables_read.add(table)
            tbl = Base.metadata.tables.get(table)
            if tbl is not None and "id" in tbl.c:
                for row in self.session.execute(select(tbl)).mappings().all():
                    self.cache.setdefault((table, row["id"]), self.label(table, dict(row)))
        return str(super().of(table, row_id))


CHANGE_COLUMNS = (Change.id, Change.at, Change.actor, Change.reason, Change.batch, Change.action, Change.table_name,
                  Change.row_id, Change.row_uuid, Change.before, Change.after)
HISTORY_BATCH = 20_000


def _as_changes(rows: Sequence[Any]) -> Iterable[Change]:
    """Plain rows of CHANGE_COLUMNS taken for the History tab's Change objects: its words read only those
    columns, by name."""
    return cast(Iterable[Change], rows)


def _changes(store: PlanStore, row_uuids: set[str] | None) -> list[history_words.ChangeEntry]:
    """The recorded changes (every one, or those to the rows with these UUIDs), oldest first, in the History
    tab's words: read as plain rows in one reading of the file, the names of the rows they mention looked up
    once per table. The whole history keeps at most the newest MAX_HISTORY_ROWS (a sheet holds no more)."""
    kept: list[history_words.ChangeEntry] = []
    with store.reader() as s:
        labels = _TableLabels(s)
        if row_uuids is None:
            last = 0
            while True:
                found = s.execute(select(*CHANGE_COLUMNS).where(Change.id > last).order_by(Change.id)
                                  .limit(HISTORY_BATCH)).all()
                if not found:
                    break
                kept += history_words.entries_of(store, _as_changes(found), labels)
                last = found[-1].id
                if len(kept) > 2 * MAX_HISTORY_ROWS:
                    kept = kept[-MAX_HISTORY_ROWS:]
        else:
            wanted = sorted(uuid_mod.UUID(u) for u in row_uuids)
            for start in range(0, len(wanted), HISTORY_BATCH):
                kept += history_words.entries_of(store, _as_changes(s.execute(select(*CHANGE_COLUMNS).where(
                    Change.row_uuid.in_(wanted[start:start + HISTORY_BATCH]))).all()), labels)
            kept.sort(key=lambda e: e.id)
    return kept


def _history(wb: Workbook, store: PlanStore, rows: dict[str, list[dict[str, Any]]],
             scope: ExportScope) -> tuple[int, datetime | None]:
    """The recorded changes to the rows in this workbook (every row, for the whole plan) that its receiver does
    not have yet (see _history_since), oldest first, newest kept when a sheet cannot hold them all. Returns how
    many were written, and since when."""
    headers = ["When (UTC)", "Who", "Action", "Kind", "Item", "Changes", "Reason", "Item UUID"]
    out = _Out(wb, HISTORY, [19, 18, 9, 18, 50, 80, 40, UUID_WIDTH], freeze=True, header_height=30)
    out.header(headers)
    since = _history_since(store, scope)
    kept = _changes(store, None if scope.division_id is None and scope.department_id is None else {
        str(row["uuid"]) for sheet in rows.values() for row in sheet if row.get("uuid")})
    if since is not None:
        kept = [e for e in kept if (e.at if e.at.tzinfo is not None else e.at.replace(tzinfo=UTC)) > since]
    kept = kept[-MAX_HISTORY_ROWS:]
    actions = {"add": "Added", "change": "Changed", "delete": "Deleted"}
    when = out.style(("number_format", WHEN_FORMAT))
    text = out.variants()
    cells = [_Cell(out.ws, col) for col in range(1, len(headers) + 1)]
    for r, e in enumerate(kept, start=2):
        uuid_text = e.row_uuid or ""
        if len(uuid_text) == 32:
            uuid_text = f"{uuid_text[:8]}-{uuid_text[8:12]}-{uuid_text[12:16]}-{uuid_text[16:20]}-{uuid_text[20:]}"
        cells[0].set(e.at.replace(tzinfo=None, microsecond=0), "d", when)
        for cell, value in zip(cells[1:], (e.who, actions.get(e.action, e.action), e.kind, e.item, e.summary,
                                           e.reason, uuid_text), strict=True):
            held, data_type, extra = convert(value)
            cell.set(held, data_type, text[extra])
        out.row(r, cells)
    out.table(HISTORY, headers, len(kept))
    protect(out.ws)
    return len(kept), since


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
        headers = ["Measure"] + [x for p in periods for x in (p.label, f"Target {p.label}")] + ["Measure UUID"]
        out = _Out(wb, f"Data Entry {frequency.value}"[:31], [50] + [12, 12] * len(periods) + [UUID_WIDTH],
                   freeze=True, header_height=30)
        out.header(headers, {1, len(headers)}, {1: Comment(
            "Which measure each row is for: read-only. Type each period's value, and its target, in the columns to "
            "the right; the same value is on the Measurements sheet, and the import takes the copy you changed.",
            "Planner", width=260, height=110)})
        value_style = out.style(("protection", UNLOCKED))
        target_style = out.style(("font", Font(italic=True, color="666666")), ("protection", UNLOCKED))
        for r, m in enumerate(found, start=2):
            cells = out.cells([m["name"]], None, ("fill", WORKED_OUT_FILL))
            for i, p in enumerate(periods):
                for offset, held, sid in ((2, values.get((m["uuid"], p.start)), value_style),
                                          (3, targets.get((m["uuid"], p.start)), target_style)):
                    value, data_type, _extra = convert(held, "number")
                    cells.append(_Cell(out.ws, offset + 2 * i).set(value, data_type, sid))
            key = out.cells([m["uuid"]], None, ("font", UUID_FONT))[0]
            key.column = len(headers)
            out.row(r, [*cells, key])
        out.table(f"DataEntry{frequency.value}", headers, len(found))
        protect(out.ws)


def _charts(out: _Out, rows: dict[str, list[dict[str, Any]]]) -> None:
    """A native line chart per WIG with values: the values and the straight path to the target."""
    ws = out.ws
    fit_width(ws)
    out.text(1, ["Each chart shows a WIG's logged values and its straight path from baseline to target. The numbers "
                 "beside each chart are what it draws."])
    by_wig: dict[str, list[dict[str, Any]]] = {}
    for m in rows["Measurements"]:
        by_wig.setdefault(m["subject_uuid"], []).append(m)
    drawn = [(w, points) for w in rows["WIGs"]
             if (points := [m for m in by_wig.get(w["uuid"], []) if m["value"] is not None])]
    if len(drawn) >= MAX_CHARTS:
        out.text(2, [f"Charts for the first {MAX_CHARTS} WIGs with values; the plan file has all."])
    bold = (("font", Font(bold=True)),)
    row = 3
    for w, points in drawn[:MAX_CHARTS]:
        out.text(row, [w["code"]], *bold)
        out.text(row + 1, ["Period end", "Value", "Path"])
        span = (w["deadline"] - w["start_date"]).days if w["start_date"] and w["deadline"] else 0
        base = w["baseline"] if w["baseline"] is not None else points[0]["value"]
        for i, m in enumerate(points, start=row + 2):
            path = None
            if span > 0 and w["target"] is not None:
                share = min(1.0, max(0.0, (m["period_end"] - w["start_date"]).days / span))
                path = base + (w["target"] - base) * share
            out.row(i, out.cells([m["period_end"], m["value"], path], ["date", "number", "number"]))
        last = row + 1 + len(points)
        chart = LineChart()
        chart.title = safe_text(w["code"])[:60]
        chart.y_axis.title = "%" if w["kind"] == "percent" else (w["unit"] or "value")
        chart.height, chart.width = 7, 16
        chart.x_axis.delete = False  # openpyxl hides both axes unless told otherwise
        chart.y_axis.delete = False
        chart.x_axis.number_format = DATE_FORMAT
        data = Reference(ws, min_col=2, max_col=3, min_row=row + 1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=row + 2, max_row=last))
        ws.add_chart(chart, f"E{row}")
        row = max(last, row + 15) + 2
