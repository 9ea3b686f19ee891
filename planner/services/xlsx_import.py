"""Import Planner workbooks: check the file is safe and a Planner workbook, read and validate every sheet
(reporting file, sheet, row and column), then match rows by UUID against the plan file: new rows are added,
rows changed in the workbook are updated, rows changed on both sides since the last exchange are conflicts
for a person to decide. A file with problems changes nothing; each good file goes in whole."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import uuid as uuid_mod
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner import clock
from planner.errors import PlannerError, ValidationError
from planner.model import (
    DEFAULT_LEVEL_NAMES,
    Department,
    Direction,
    Division,
    ExchangeState,
    Frequency,
    InterimTarget,
    KeyLever,
    Measurement,
    Milestone,
    PerformanceMeasure,
    Pillar,
    Plan,
    PlanYear,
    Priority,
    Project,
    ProjectStatus,
    RaidItem,
    RaidStatus,
    RaidType,
    Record,
    StatusUpdate,
    Strategy,
    Task,
    TaskStatus,
    Wig,
    WigKind,
    utcnow,
)
from planner.services.dates import DateError, in_range, parse_date
from planner.services.exchange import (
    BASE,
    COVER,
    DATA_SHEETS,
    FILLED_IN_BY,
    FORMAT_VERSION,
    KEPT_TEXT,
    MARKER,
    MEASUREMENTS,
    PLAN,
    SHORT_HASH,
    XCol,
    XSheet,
    base_value,
    dependency_uuid,
    normalise,
    row_hash,
    same_value,
    state_key,
    text_digest,
    without_cycle_collection,
)
from planner.services.exchange_rows import ExportScope, collect
from planner.services.period_locks import locked_ends
from planner.services.periods import parse_period
from planner.services.xlsx_merge import BaseRow, FileState, decide, legacy_decide, older_than_taken, took_this_export
from planner.services.years import year_scope
from planner.store import PlanStore
from planner.store.migrate import known_revisions

MAX_FILE_BYTES = 150_000_000  # a district workbook with its base sheet is about 65 MB
MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 1_000_000_000
MAX_RATIO = 150  # unpacked / packed, for any member over 1 MB: beyond this is a zip bomb, not a workbook
MAX_ROWS = 400_000
MAX_SHEETS = 200
MAX_CELLS = 6_000_000  # cells in one sheet, counted as the sheet is read
MAX_WHOLE = 2_000_000_000  # whole-number columns (positions, task numbers, scores): far beyond any plan
KNOWN_FORMATS = {"1", FORMAT_VERSION}  # the workbook formats this Planner reads (1: full hashes, UUID first)


class ImportRefused(PlannerError):
    title = "This file cannot be imported"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, where a planner can find it: file, sheet, row, column."""

    file: str
    sheet: str
    row: int | None
    column: str | None  # the column's header
    message: str
    letter: str | None = None  # the column's letter, when known

    def __str__(self) -> str:
        where = [self.file] + ([f"{self.sheet} sheet"] if self.sheet else [])
        where += [f"row {self.row}"] if self.row else []
        if self.letter and self.column and self.letter != self.column:
            where.append(f"column {self.letter} (“{self.column}”)")
        elif self.letter or self.column:
            where.append(f"column “{self.column}”" if self.column else f"column {self.letter}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class Change:
    sheet: str
    uuid: str
    action: str  # add | update | conflict | same | locked (a value of a locked period: left as it is)
    label: str
    row: dict[str, Any]
    digest: str = ""
    db: dict[str, Any] | None = None
    detail: str = ""  # a conflict in a person's words: what, which period, both values, who changed each side
    lines: list[str] = field(default_factory=list)  # the same, a line each: the values, each side's who and when


@dataclass
class FilePlan:
    path: Path
    department: str = ""
    exported_at: datetime | None = None
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    targets: list[tuple[str, date, date, float]] = field(default_factory=list)  # measure UUID, period, target
    # targets as read, checked against the measure's rules before they become `targets`
    target_cells: list[tuple[str, date, date, float | None, bool, tuple[str, int, str, str]]] = field(
        default_factory=list)
    columns: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> attr -> column number
    pending_refs: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)  # row, column, UUID
    digest: str = ""  # the file's bytes, to import a file named twice once
    kept: dict[tuple[str, str, str], str] = field(default_factory=dict)  # cells the spreadsheet holds altered
    base: dict[tuple[str, str], BaseRow] = field(default_factory=dict)  # (sheet, UUID): the row as exported
    has_base: bool = False  # the workbook carries its base sheet (exported by this Planner)
    hash_len: int = 64  # hex digits of the base sheet's row hashes (shorter than the plan file's): every
    # hash of the merge is compared at that length
    entry_base: dict[tuple[str, str], Any] = field(default_factory=dict)  # (measure, period start): value exported
    exported_by: str = ""
    typed_by: str = ""  # who typed into the workbook: the cover names them
    notes: list[Problem] = field(default_factory=list)  # said in the preview, but the file still goes in

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


# ---- reading a file safely -------------------------------------------------------------------------------


def check_container(path: Path) -> None:
    """Refuse what is not a workbook Planner wrote, before any XML is parsed."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods", ".csv"):
        kind = {".xls": "an old Excel 97-2003 workbook", ".xlsb": "a binary Excel workbook",
                ".ods": "an OpenDocument spreadsheet", ".csv": "a CSV file"}[suffix]
        raise ImportRefused(f"“{name}” is {kind}. Planner imports the .xlsx workbooks it exports.",
                            hint="Open it in Excel and save it as an Excel Workbook (.xlsx) first.")
    if not path.is_file():
        if path.is_dir():
            raise ImportRefused(f"“{path}” is a folder, not a workbook; name the .xlsx files in it.")
        if path.exists():
            raise ImportRefused(f"“{path}” is not an ordinary file (a pipe or a device), not a workbook.")
        raise ImportRefused(f"There is no file “{path}”.")
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(f"“{name}” is empty (0 bytes).")
    if size > MAX_FILE_BYTES:
        raise ImportRefused(f"“{name}” is {size / 1e6:.0f} MB, more than a Planner workbook can be "
                            f"({MAX_FILE_BYTES / 1e6:.0f} MB).")
    if not zipfile.is_zipfile(path):
        raise ImportRefused(f"“{name}” is not an Excel workbook (.xlsx files are zip archives; this is not one).")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise ImportRefused(f"“{name}” holds {len(members):,} parts; a Planner workbook has far fewer.")
            unpacked = sum(m.file_size for m in members)
            if unpacked > MAX_UNPACKED_BYTES:
                raise ImportRefused(f"“{name}” would unpack to {unpacked / 1e6:,.0f} MB: refused as a zip bomb.")
            for m in members:
                if m.file_size > 1_000_000 and m.compress_size and m.file_size / m.compress_size > MAX_RATIO:
                    ratio = m.file_size // max(1, m.compress_size)
                    raise ImportRefused(f"“{name}” has a part ({m.filename}) that unpacks {ratio} times larger "
                                        "than it is stored: refused as a zip bomb.")
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise ImportRefused(f"“{name}” is a zip archive but not an Excel workbook.")
    except zipfile.BadZipFile as exc:
        raise ImportRefused(f"“{name}” is damaged: {exc}.") from exc


def _shown(value: Any) -> str:
    """A cell's value inside a message: on one line, and short."""
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "…"


def _parse(col: XCol, value: Any) -> Any:
    """A cell as the column's kind, or ValueError with a message for the person."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if col.required:
            raise ValueError("is empty but must have a value")
        return None
    if col.kind == "uuid":
        try:
            return str(uuid_mod.UUID(str(value).strip()))
        except ValueError:
            raise ValueError(f"“{_shown(value)}” is not a UUID") from None
    if col.kind == "date":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 10_000 <= value < 200_000:
            # a date pasted as a value (or typed in a cell without a date format) is its spreadsheet serial:
            # 45519 is 15 Aug 2024, whatever the cell's format says
            value = date(1899, 12, 30) + timedelta(days=int(value))
        try:
            return parse_date(value)
        except DateError as exc:
            raise ValueError(str(exc)) from None
    if col.kind in ("number", "int"):
        if isinstance(value, bool):
            raise ValueError(f"“{_shown(value)}” is not a number")
        if isinstance(value, (date, time, timedelta)):
            raise ValueError(f"holds a date or time ({value}), not a number: the cell is formatted as a date; "
                             "format it as a number")
        try:
            # "4,512.75" and "45%" as people type them (a percent column keeps percents as 0-100)
            number = float(str(value).replace(",", "").strip().removesuffix("%").strip()) if isinstance(
                value, str) else float(value)
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"“{str(value)[:60]}” is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"“{str(value)[:60]}” is not a number Planner can store")
        if col.kind == "int":
            if not number.is_integer():
                raise ValueError(f"“{_shown(value)}” is not a whole number")
            if abs(number) > MAX_WHOLE:
                raise ValueError(f"{value} is far too large")
            return int(number)
        return number
    if col.kind == "bool":
        word = str(value).strip().lower()
        if word in ("yes", "true", "1", "done", "y"):
            return True
        if word in ("no", "false", "0", "not done", "n"):
            return False
        raise ValueError(f"“{_shown(value)}” is not yes or no")
    if col.kind == "choice":
        match = next((c for c in col.choices if c.lower() == str(value).strip().lower()), None)
        if match is None:
            raise ValueError(f"“{_shown(value)}” is not one of: {', '.join(col.choices)}")
        return match
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2024 typed in a text column reads as 2024, not 2024.0
    return str(value)


# ---- reading cells as they are in the file ----------------------------------------------------------------
# Read-only openpyxl trusts a sheet's <dimension>: a stale one skips rows, a huge one pads every row to 16,384
# columns. The import reads the cells the sheet XML actually holds instead, through openpyxl's own parser
# (and so through defusedxml), one cell at a time, so a damaged cell is a problem named by its row and column
# and the work done is bounded by the cells in the file, whatever the file says about itself.


class _Unreadable(Exception):
    """A sheet (or the whole file) that cannot be read: the message says why, in the planner's words."""


@dataclass(frozen=True)
class _Cell:
    value: Any
    percent: bool = False  # a number the spreadsheet shows as a percent (45% is 0.45 in the cell)
    error: str | None = None  # the cell cannot be used: why


class _CellParser(WorkSheetParser):  # type: ignore[misc]  # openpyxl ships no types: its parser is Any
    """openpyxl's sheet parser, with each cell's damage caught and formulas noted (their cached value is used)."""

    row_counter: int  # the parser's position, set by openpyxl as it reads
    col_counter: int

    def parse_cell(self, element: Any) -> dict[str, Any]:
        raw = element.findtext(VALUE_TAG, None)
        try:
            cell: dict[str, Any] = super().parse_cell(element)
        except (ValueError, IndexError, TypeError, KeyError, OverflowError):
            ref = element.get("r")
            try:
                row, column = coordinate_to_tuple(ref) if ref else (self.row_counter, self.col_counter + 1)
            except (ValueError, TypeError, IndexError):
                raise _Unreadable(f"a cell has a damaged reference (“{str(ref)[:20]}”); the sheet cannot be "
                                  "read.") from None
            self.col_counter = column
            shown = str(raw)[:40]
            message = {
                "s": f"the cell points at shared text number {shown}, which the workbook does not have (the "
                     "file is damaged).",
                "n": f"the cell is marked as a number but holds “{shown}”.",
                "b": f"the cell is marked as yes/no but holds “{shown}”.",
                "d": f"the cell is marked as a date but holds “{shown}”.",
            }.get(element.get("t", "n"), f"the cell cannot be read (“{shown}”).")
            return {"row": row, "column": column, "value": None, "data_type": "e", "style_id": 0,
                    "error": message}
        if element.find(FORMULA_TAG) is not None:
            cell["formula"] = True
        return cell


def _unsafe_or_damaged(exc: BaseException) -> str | None:
    """What an exception from openpyxl's XML reading means to a person, or None when it is something else."""
    seen = exc
    for _ in range(5):
        if isinstance(seen, DefusedXmlException):
            return ("holds XML that a workbook never has (entity or document-type declarations, a known way to "
                    "attack a program): refused as unsafe.")
        if isinstance(seen, ParseError):
            return f"its XML is damaged ({seen}); open it in Excel, let Excel repair it, and save it again."
        nxt = seen.__cause__ or seen.__context__
        if nxt is None:
            break
        seen = nxt
    return None


def _is_percent(workbook: Any, style_id: Any) -> bool:
    try:
        fmt_id = workbook._cell_styles[int(style_id or 0)].numFmtId
        fmt = BUILTIN_FORMATS.get(fmt_id, "General") if fmt_id < BUILTIN_FORMATS_MAX_SIZE else \
            workbook._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
    except (IndexError, TypeError, ValueError, AttributeError):
        return False
    return "%" in str(fmt)


def _to_cell(workbook: Any, raw: dict[str, Any]) -> _Cell:
    value = raw.get("value")
    if raw.get("error"):
        return _Cell(None, error=raw["error"])
    if raw.get("data_type") == "e":
        return _Cell(None, error=f"the cell holds the spreadsheet error {str(value)[:20]}.")
    if raw.get("formula") and value is None:
        return _Cell(None, error="the cell holds a formula with no saved result; open the workbook in Excel, let "
                                 "it calculate, and save it again.")
    percent = isinstance(value, (int, float)) and not isinstance(value, bool) and _is_percent(
        workbook, raw.get("style_id"))
    return _Cell(value, percent)


def _sheet_rows(workbook: Any, title: str, max_row: int | None = None) -> Iterator[tuple[int, dict[int, _Cell]]]:
    """(row number, {column number: cell}) for every row the sheet's XML holds, in file order."""
    ws = workbook[title]
    ws.reset_dimensions()
    rows = cells = 0
    try:
        with ws._get_source() as src:
            parser = _CellParser(src, ws._shared_strings, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
            for number, found in parser.parse():
                if max_row is not None and number > max_row:
                    return
                rows += 1
                cells += len(found)
                if rows > MAX_ROWS:
                    raise _Unreadable(f"has more than {MAX_ROWS:,} rows; a Planner workbook is never that large.")
                if cells > MAX_CELLS:
                    raise _Unreadable(f"has more than {MAX_CELLS:,} cells; a Planner workbook is never that large.")
                yield number, {c["column"]: _to_cell(workbook, c) for c in found}
    except _Unreadable:
        raise
    except Exception as exc:  # the sheet's XML or a row of it is damaged: one problem for the sheet
        known = _unsafe_or_damaged(exc)
        if known is None and isinstance(exc, (ValueError, TypeError, KeyError, IndexError, AttributeError)):
            known = f"a row in it is damaged ({str(exc)[:80]}); open it in Excel and save it again."
        if known is None:
            raise
        raise _Unreadable(known) from None


def _open_workbook(path: Path) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's warnings name its own source files: not for a planner
            return load_workbook(path, read_only=True, data_only=True)  # XML through defusedxml
    except Exception as exc:
        known = _unsafe_or_damaged(exc)
        if known is None:
            missing = next((e for e in (exc, exc.__cause__, exc.__context__) if isinstance(e, KeyError)), None)
            known = (f"a part of the workbook is missing ({str(missing).strip(chr(39))[:80]}); it is damaged."
                     if missing is not None else f"cannot be read as a workbook: a part of it is damaged "
                     f"({type(exc).__name__}: {str(exc).splitlines()[0][:80] if str(exc) else 'no detail'}).")
        raise _Unreadable(known) from None


def read_workbook(path: Path) -> FilePlan:
    """Everything in one workbook, validated; problems are collected, not raised."""
    path = Path(path)
    plan = FilePlan(path)
    try:
        check_container(path)
        workbook = _open_workbook(path)
    except ImportRefused as exc:
        plan.problems.append(Problem(path.name, "", None, None, str(exc)))
        return plan
    except _Unreadable as exc:
        text = str(exc)
        if not text.startswith("cannot be read"):
            text = f"cannot be read as a workbook: {text}"
        plan.problems.append(Problem(path.name, "", None, None, text))
        return plan
    try:
        if len(workbook.sheetnames) > MAX_SHEETS:
            plan.problems.append(Problem(path.name, "", None, None, f"has {len(workbook.sheetnames):,} sheets; a "
                                         f"Planner workbook has about 15 (refused above {MAX_SHEETS})."))
            return plan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _read_cover(workbook, plan)
            if plan.problems:
                return plan
            for sheet in DATA_SHEETS:
                plan.rows[sheet.name] = _read_sheet(workbook, sheet, plan)
            _read_base(workbook, plan)
            _read_data_entry(workbook, plan)
            _read_kept_text(workbook, plan)
    finally:
        workbook.close()
    if not plan.problems:
        _check_references(plan)
        _check_dependencies(plan)
    return plan


def _check_dependencies(plan: FilePlan) -> None:
    """A dependency a person added in the spreadsheet may close a circle: refuse the file then."""
    from planner.services.projects import find_cycle

    edges: dict[str, list[str]] = {}
    for row in plan.rows.get("Task Dependencies", []):
        if row["task_uuid"] == row["depends_on_uuid"]:
            plan.problems.append(Problem(plan.path.name, "Task Dependencies", row["_row"], "Depends on UUID",
                                         "a task cannot depend on itself.", "D"))
        edges.setdefault(row["task_uuid"], []).append(row["depends_on_uuid"])
    cycle = find_cycle(edges)  # type: ignore[arg-type]
    if cycle:
        plan.problems.append(Problem(plan.path.name, "Task Dependencies", None, None,
                                     f"the dependencies close a circle ({len(cycle) - 1} tasks wait for each other)."))


def _read_cover(workbook: Any, plan: FilePlan) -> None:
    name = plan.path.name
    if COVER not in workbook.sheetnames:
        plan.problems.append(Problem(name, "", None, None, "is not a Planner workbook (it has no Cover sheet)."))
        return
    facts: dict[str, Any] = {}
    try:
        rows = dict(_sheet_rows(workbook, COVER, max_row=40))
    except _Unreadable as exc:
        plan.problems.append(Problem(name, COVER, None, None, str(exc)))
        return
    first = rows.get(1, {}).get(1)
    if first is None or first.value != MARKER:
        plan.problems.append(Problem(name, COVER, 1, None, f"should say “{MARKER}”: this is not a Planner "
                                                         "workbook.", "A"))
        return
    for cells in rows.values():
        key, value = cells.get(1), cells.get(2)
        if key is not None and key.value:
            facts[str(key.value)] = value.value if value is not None else None
    schema = str(facts.get("Schema version") or "").strip()
    if schema not in known_revisions():
        said = f"schema “{schema[:40]}”" if schema else "no schema version"
        plan.problems.append(Problem(name, COVER, None, None, f"says {said}, which this Planner does not know: "
                                                             "it was written by a newer Planner or changed by "
                                                             "hand; install the latest Planner to import it."))
    fmt = facts.get("Workbook format")
    fmt_text = str(int(fmt) if isinstance(fmt, float) and fmt.is_integer() else fmt or "").strip()
    if fmt_text not in KNOWN_FORMATS:
        said = f"workbook format “{fmt_text[:40]}”" if fmt_text else "no workbook format"
        plan.problems.append(Problem(name, COVER, None, None, f"says {said}; this Planner reads workbook format "
                                                             f"{', '.join(sorted(KNOWN_FORMATS))}. Install the "
                                                             "latest Planner to import it."))
    plan.department = str(facts.get("Department") or facts.get("Division") or facts.get("Scope") or "")
    plan.exported_by = str(facts.get("Exported by") or "").strip()
    plan.typed_by = str(facts.get(FILLED_IN_BY) or "").strip() or plan.exported_by or plan.department
    exported = facts.get("Exported at")
    try:
        plan.exported_at = exported if isinstance(exported, datetime) else datetime.fromisoformat(str(exported))
        if not in_range(plan.exported_at.date()):
            plan.exported_at = None  # provenance only: a date no plan can have is dropped, not stored
    except (ValueError, TypeError):
        plan.exported_at = None


def _blank(cell: _Cell | None) -> bool:
    return cell is None or (cell.error is None and (cell.value is None or (isinstance(cell.value, str)
                                                                             and not cell.value.strip())))


def _read_sheet(workbook: Any, sheet: XSheet, plan: FilePlan) -> list[dict[str, Any]]:
    name = plan.path.name
    if sheet.name not in workbook.sheetnames:
        plan.problems.append(Problem(name, sheet.name, None, None, "the sheet is missing."))
        return []
    found: list[dict[str, Any]] = []
    positions: dict[str, int] = {}
    try:
        for number, cells in _sheet_rows(workbook, sheet.name):
            if not positions:
                if number != 1:
                    positions = {"": 0}  # no header row: every column is missing
                else:
                    for index, header in sorted(cells.items()):
                        if header.value is not None:
                            positions.setdefault(str(header.value).strip(), index)
                missing = [c.header for c in sheet.columns if c.header not in positions and not c.exported_only]
                if missing:
                    plan.problems.append(Problem(name, sheet.name, 1, None, "missing column(s): " + ", ".join(
                        f"“{m}”" for m in missing) + " (renamed or deleted?)."))
                    return []
                if number == 1:
                    continue
            used = {positions[c.header]: c for c in sheet.columns if not c.exported_only}
            derived = {positions[c.header]: c for c in sheet.columns if c.exported_only and c.header in positions}
            plan.columns[sheet.name] = {c.attr: i for i, c in (used | derived).items()}
            if all(_blank(cells.get(index)) for index in used):
                continue
            row: dict[str, Any] = {"_row": number, "_sheet": sheet.name, "_pct": set(), "_derived": {
                c.attr: base_value(c.kind, cells[i].value if i in cells else None) for i, c in derived.items()
                if not (i in cells and cells[i].error)}}
            for index, col in used.items():
                cell = cells.get(index)
                try:
                    if cell is not None and cell.error:
                        raise ValueError(cell.error)
                    row[col.attr] = _parse(col, cell.value if cell is not None else None)
                    if cell is not None and cell.percent:
                        row["_pct"].add(col.attr)
                except ValueError as exc:
                    plan.problems.append(Problem(name, sheet.name, number, col.header, str(exc), _letter(index)))
            found.append(row)
    except _Unreadable as exc:
        plan.problems.append(Problem(name, sheet.name, None, None, str(exc)))
        return []
    if not positions:
        plan.problems.append(Problem(name, sheet.name, 1, None, "the sheet is empty: its header row is missing."))
    return found


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index)
    return letter


VALUE_COLUMN = next(c for c in MEASUREMENTS.columns if c.attr == "value")  # how a Data Entry value is read


def _read_data_entry(workbook: Any, plan: FilePlan) -> None:
    """Values typed into a Data Entry sheet become measurements like any other."""
    measurements = {(r.get("subject_uuid"), r.get("period_start")): r for r in plan.rows.get("Measurements", [])}
    percent_measures = {r.get("uuid") for r in plan.rows.get("Measures", []) if (r.get("unit") or "").strip() == "%"}
    for sheet_name in workbook.sheetnames:
        if not sheet_name.startswith("Data Entry "):
            continue
        try:
            frequency = Frequency(sheet_name.removeprefix("Data Entry ").strip())
        except ValueError:
            continue
        header: dict[int, str] = {}
        key = 1  # the Measure UUID's column: found by its header (last since workbook format 2, first before)
        try:
            for number, cells in _sheet_rows(workbook, sheet_name):
                if number == 1:
                    header = {i: str(c.value) for i, c in cells.items() if c.value is not None}
                    key = next((i for i, label in header.items() if label.strip() == "Measure UUID"), 1)
                    continue
                first = cells.get(key)
                if _blank(first):
                    continue
                assert first is not None
                try:
                    if first.error:
                        raise ValueError(first.error)
                    measure_uuid = str(uuid_mod.UUID(str(first.value).strip()))
                except ValueError as exc:
                    message = first.error or f"“{str(first.value)[:60]}” is not a UUID."
                    plan.problems.append(Problem(plan.path.name, sheet_name, number, "Measure UUID",
                                                 str(message if first.error else exc and message),
                                                 _letter(key)))
                    continue
                for index in sorted(cells):
                    cell, label = cells[index], header.get(index, "")
                    if index == key or label.strip() in ("Measure", "Measure UUID") or not label or _blank(cell):
                        continue
                    where = (sheet_name, number, _letter(index), label)
                    try:
                        if cell.error:
                            raise ValueError(cell.error)
                        is_target = label.startswith("Target ")
                        period = parse_period(label.removeprefix("Target ") if is_target else label, frequency)
                        value = _parse(VALUE_COLUMN, cell.value)
                    except (ValueError, PlannerError) as exc:
                        plan.problems.append(Problem(plan.path.name, sheet_name, number, label, str(exc),
                                                     _letter(index)))
                        continue
                    if is_target:
                        plan.target_cells.append((measure_uuid, period.start, period.end, value, cell.percent,
                                                  where))
                        continue
                    if cell.percent and measure_uuid in percent_measures and value is not None:
                        value = round(value * 100, 9)  # "45%" typed: 0.45 in the cell, 45 in Planner
                    existing = measurements.get((measure_uuid, period.start))
                    if existing is not None:
                        _entry_beside_row(plan, existing, value, where, measure_uuid in percent_measures)
                        continue
                    new = {"uuid": str(uuid_mod.uuid5(uuid_mod.UUID(measure_uuid), period.start.isoformat())),
                           "subject_uuid": measure_uuid, "period_start": period.start, "period_end": period.end,
                           "value": value, "done": None, "note": "", "evidence": "",
                           "entered_by": plan.typed_by, "_row": number, "_sheet": sheet_name, "_entry": True,
                           "_pct": set(), "_where": {
                               "value": where, "subject_uuid": (sheet_name, number, _letter(key), "Measure UUID")}}
                    plan.rows.setdefault("Measurements", []).append(new)
                    measurements[(measure_uuid, period.start)] = new
        except _Unreadable as exc:
            plan.problems.append(Problem(plan.path.name, sheet_name, None, None, str(exc)))


def _entry_beside_row(plan: FilePlan, row: dict[str, Any], value: Any, cell: tuple[str, int, str, str],
                      percent: bool) -> None:
    """A Data Entry cell and the Measurements row for the same measure and period hold one fact twice: the copy
    changed since the export is taken; two copies changed differently are a problem naming both cells."""
    listed = row.get("value")
    if percent and "value" in row["_pct"] and isinstance(listed, (int, float)):
        listed = round(listed * 100, 9)
    if same_value(normalise("number", listed), normalise("number", value)):
        return
    if plan.has_base:
        exported = plan.entry_base.get((str(row.get("subject_uuid")), normalise("date", row.get("period_start"))))
        if exported is not None and same_value(normalise("number", value), exported):
            return  # the Data Entry cell is as exported: the Measurements sheet holds the change
        if exported is None or not same_value(normalise("number", listed), exported):
            sheet, number, letter, label = cell
            _, row_number, row_letter, _ = where(plan, row, "value")
            plan.problems.append(Problem(
                plan.path.name, sheet, number, label,
                f"says {_shown(value)}, but the Measurements sheet (row {row_number}, column {row_letter or 'G'}) "
                f"says {_shown(listed)} for the same measure and period, and both were changed since the export; "
                "make them agree (or clear one of them).", letter))
            return
    row["value"] = value
    row["_pct"].discard("value")
    row.setdefault("_where", {})["value"] = cell
    row["entered_by"] = plan.typed_by


def _read_kept_text(workbook: Any, plan: FilePlan) -> None:
    """The export's list of cells whose text the spreadsheet holds differently from the plan file."""
    if KEPT_TEXT not in workbook.sheetnames:
        return
    try:
        for number, cells in _sheet_rows(workbook, KEPT_TEXT):
            values = [cells[i].value if i in cells else None for i in (1, 2, 3, 4)]
            if number > 1 and all(isinstance(v, str) for v in values):
                sheet, row_uuid, attr, digest = (str(v) for v in values)
                plan.kept[(sheet, row_uuid.lower(), attr)] = digest
    except _Unreadable as exc:
        plan.problems.append(Problem(plan.path.name, KEPT_TEXT, None, None, str(exc)))


def _read_base(workbook: Any, plan: FilePlan) -> None:
    """The export's record of each row as the workbook held it: the base of the three-way merge."""
    if BASE not in workbook.sheetnames:
        return
    plan.has_base = True
    try:
        for number, cells in _sheet_rows(workbook, BASE):
            values = [cells[i].value if i in cells else None for i in (1, 2, 3, 4, 5)]
            if number == 1 or not all(isinstance(v, str) for v in values[:3]):
                continue
            try:
                derived = json.loads(str(values[4] or "{}"))
            except ValueError:
                derived = {}
            sheet, row_uuid, digest = (str(v) for v in values[:3])
            derived = derived if isinstance(derived, dict) else {}
            prior = str(values[3] or "")
            if len(digest) < SHORT_HASH:  # not a row hash: a damaged line, as if the row had no base
                continue
            plan.hash_len = min(plan.hash_len, len(digest))
            plan.base[(sheet, row_uuid.lower())] = BaseRow(digest, digest if prior == "same" else prior, derived)
            key = derived.get("key")
            if sheet == "Measurements" and isinstance(key, list) and len(key) == 2:
                plan.entry_base[(str(key[0]), str(key[1]))] = derived.get("value")
    except _Unreadable as exc:
        plan.problems.append(Problem(plan.path.name, BASE, None, None, str(exc)))


def where(plan: FilePlan, row: dict[str, Any], attr: str | None) -> tuple[str, int | None, str | None, str | None]:
    """The sheet, row, column letter and header a row's value came from (a Data Entry cell or its own sheet)."""
    found: tuple[str, int | None, str | None, str | None] | None = row.get("_where", {}).get(attr) if attr else None
    if found:
        return found
    sheet = row.get("_sheet", "")
    spec = next((s for s in DATA_SHEETS if s.name == sheet), None)
    if spec is None or attr is None:
        return sheet, row.get("_row"), None, None
    index = plan.columns.get(sheet, {}).get(attr)
    header = next((c.header for c in spec.columns if c.attr == attr), None)
    return sheet, row.get("_row"), _letter(index) if index else None, header


def problem_at(plan: FilePlan, row: dict[str, Any], attr: str | None, message: str) -> None:
    sheet, number, letter, header = where(plan, row, attr)
    plan.problems.append(Problem(plan.path.name, sheet, number, header, message, letter))


def _check_references(plan: FilePlan) -> None:
    """Every UUID a row points at must be in the same file (and then in the plan file on import)."""
    known = {r["uuid"] for rows in plan.rows.values() for r in rows if r.get("uuid")}
    for sheet, attr in REF_KINDS:
        for row in plan.rows.get(sheet, []):
            target = row.get(attr)
            if target and target not in known:
                plan.pending_refs.append((row, attr, target))


# What each kind of row may point at: one table's UUIDs are never taken as another's.
SHEET_KIND = {"WIGs": "WIG", "Measures": "measure", "Measurements": "logged value", "Projects": "project",
              "Milestones": "milestone", "Tasks": "task", "Task Dependencies": "task dependency",
              "RAID Log": "RAID item", "Weekly Updates": "weekly update"}
REF_KINDS: dict[tuple[str, str], set[str]] = {
    ("Plan", "parent_uuid"): set(), ("Plan", "owner_uuid"): set(),  # by level: PLAN_PARENTS, PLAN_OWNERS
    ("Measures", "wig_uuid"): {"WIG"}, ("Measures", "strategy_uuid"): {"Strategy"},
    ("Measures", "department_uuid"): {"Department"}, ("Measurements", "subject_uuid"): {"measure", "WIG"},
    ("Projects", "carries_uuid"): {"Key lever", "WIG", "Strategy"}, ("Milestones", "project_uuid"): {"project"},
    ("Tasks", "project_uuid"): {"project"}, ("RAID Log", "project_uuid"): {"project"},
    ("Weekly Updates", "project_uuid"): {"project"}, ("Task Dependencies", "task_uuid"): {"task"},
    ("Task Dependencies", "depends_on_uuid"): {"task"},
}
# The levels of the Plan sheet and what each hangs under (what the import can write: see _fill).
PLAN_PARENTS: dict[str, set[str]] = {
    "Plan": set(), "Division": {"Plan"}, "Department": {"Plan", "Division"}, "Pillar": {"Plan"},
    "Priority": {"Pillar"}, "Strategy": {"Priority"}, "WIG": {"Strategy", "Department"}, "Key lever": {"WIG"}}
PLAN_OWNERS: dict[str, set[str]] = {"Strategy": {"Division"}, "WIG": {"Department"}}


def _a(kind: str) -> str:
    word = kind if kind in ("WIG", "RAID item") else kind.lower()
    return f"{'an' if word[0].lower() in 'aeiou' and word != 'WIG' else 'a'} {word}"


def _row_kind(sheet: str, row: dict[str, Any]) -> str:
    return str(row.get("level")) if sheet == "Plan" else SHEET_KIND[sheet]


NATURAL_KEY: dict[str, tuple[str, ...]] = {  # how a row a person added without a UUID is matched
    "Plan": ("level", "parent_uuid", "title"), "WIGs": ("sentence",), "Measures": ("name", "wig_uuid",
                                                                                  "strategy_uuid", "department_uuid"),
    "Measurements": ("subject_uuid", "period_start"), "Projects": ("name", "carries_uuid"),
    "Milestones": ("project_uuid", "name"), "Tasks": ("project_uuid", "name"),
    "RAID Log": ("project_uuid", "type", "description"), "Weekly Updates": ("project_uuid", "update_date"),
}


def _natural(sheet: str, row: dict[str, Any]) -> tuple[Any, ...]:
    key = tuple(normalise("text", row.get(a)) if isinstance(row.get(a), str) else row.get(a)
                for a in NATURAL_KEY[sheet])
    return tuple(k.casefold() if isinstance(k, str) else k for k in key)


def _settle_uuids(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Rows a person added need no UUID: a measurement is matched by measure and period, other rows by name
    under their parent, and a row matching nothing gets a new UUID (the same one each time the workbook is
    imported). A row pasted with the UUID of the row it was copied from becomes a new row, and the preview
    says so: the copy never overwrites the row it came from."""
    identity = f"{plan.department}|{plan.exported_at}|{plan.path.name if plan.exported_at is None else ''}"
    wigs_on_plan = {normalise("text", r.get("title")).casefold(): r["uuid"] for r in plan.rows.get("Plan", [])
                    if r.get("level") == "WIG" and r.get("uuid") and r.get("title")}
    for sheet in DATA_SHEETS:
        rows = plan.rows.get(sheet.name, [])
        by_uuid: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if row.get("uuid"):
                by_uuid.setdefault(row["uuid"], []).append(row)
        exported = {u for (name, u) in plan.base if name == sheet.name}
        pasted = not (exported - set(by_uuid))  # every exported row still there: a duplicate was pasted, not typed
        for u, same in by_uuid.items():
            if len(same) < 2 or not plan.has_base or not pasted or sheet.name == "Task Dependencies" or len(
                    {_row_kind(sheet.name, r) for r in same}) > 1:
                continue  # a UUID typed over another row's, or no base: refused below as a UUID used twice
            base = plan.base.get((sheet.name, u))
            original = next((r for r in same if base is not None
                             and row_hash(sheet, r)[:plan.hash_len] == base.digest), None)
            if original is None:
                original = same[0]
            for row in same:
                if row is original:
                    continue
                row["uuid"], row["_copied"] = None, True
                plan.notes.append(Problem(
                    plan.path.name, sheet.name, row["_row"], "UUID", f"this row has the UUID of row "
                    f"{original['_row']} (copied from it?); it was taken as a new row with a UUID of its own, and "
                    f"row {original['_row']} stays as it is.",
                    _letter(plan.columns.get(sheet.name, {}).get("uuid", 1))))
        if sheet.name == "Task Dependencies":
            for row in rows:
                if not row.get("uuid") and row.get("task_uuid") and row.get("depends_on_uuid"):
                    row["uuid"] = dependency_uuid(row["task_uuid"], row["depends_on_uuid"])
            continue
        known = {_natural(sheet.name, r): u for u, r in current.get(sheet.name, {}).items()}
        for row in rows:
            if row.get("uuid"):
                continue
            key = _natural(sheet.name, row)
            found = None if row.get("_copied") else known.get(key)
            if found is None and sheet.name == "WIGs":
                found = wigs_on_plan.get(normalise("text", row.get("sentence") or "").casefold())
            if found is None:
                seed = f"{identity}|{sheet.name}|{key!r}" + (f"|row {row['_row']}" if row.get("_copied") else "")
                found = str(uuid_mod.uuid5(uuid_mod.NAMESPACE_URL, "planner-row:" + seed))
            row["uuid"] = found
            if sheet.name == "Plan" and row.get("level") == "WIG" and row.get("title"):
                wigs_on_plan.setdefault(normalise("text", row["title"]).casefold(), found)


def _check_links(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]], in_db: dict[str, str]) -> None:
    """UUIDs used once, for one kind of row, and pointing at the kind of row each column is for."""
    in_file: dict[str, tuple[str, dict[str, Any]]] = {}
    plan_wigs = {r["uuid"] for r in plan.rows.get("Plan", []) if r.get("level") == "WIG"}
    for sheet in DATA_SHEETS:
        seen: dict[str, int] = {}
        for row in plan.rows.get(sheet.name, []):
            u = row.get("uuid")
            if not u:
                continue
            kind = _row_kind(sheet.name, row)
            if u in seen:
                problem_at(plan, row, "uuid", f"the UUID {u} is also on row {seen[u]} of this sheet; each row "
                                              "needs its own UUID (for a row you added, leave the UUID cell empty "
                                              "and Planner makes one).")
                continue
            seen[u] = row["_row"]
            other = in_file.get(u)
            if other is not None and other[0] != kind:
                problem_at(plan, row, "uuid", f"the UUID {u} is also the UUID of {_a(other[0])} (sheet "
                                              f"{other[1].get('_sheet')}, row {other[1].get('_row')}); one UUID "
                                              "cannot be two kinds of row.")
                continue
            in_file.setdefault(u, (kind, row))
            if sheet.name != "Task Dependencies" and u in in_db and in_db[u] != kind:
                problem_at(plan, row, "uuid", f"the UUID {u} belongs to {_a(in_db[u])} in the plan, not to "
                                              f"{_a(kind)}.")
            if sheet.name == "WIGs" and u not in plan_wigs and u not in current.get("WIGs", {}):
                problem_at(plan, row, "uuid", f"the WIG {u} is not on the Plan sheet, so it has no place in the "
                                              "plan; add its row there (under a strategy or a department).")

    def kind_of(u: str) -> str | None:
        return in_file[u][0] if u in in_file else in_db.get(u)

    for (sheet_name, attr), allowed in REF_KINDS.items():
        for row in plan.rows.get(sheet_name, []):
            if sheet_name == "Plan":
                allowed = (PLAN_PARENTS if attr == "parent_uuid" else PLAN_OWNERS).get(row.get("level", ""), set())
            target = row.get(attr)
            if not target:
                if sheet_name == "Plan" and attr == "parent_uuid" and allowed:
                    problem_at(plan, row, attr, f"{_a(row['level'])} needs a Parent UUID: the UUID of the "
                                                f"{' or '.join(sorted(allowed))} it goes under.")
                continue
            found = kind_of(target)
            if found is None:
                continue  # neither here nor in the plan: said by _resolve_references
            if not allowed:
                what = "has no parent" if attr == "parent_uuid" else "has no owner"
                problem_at(plan, row, attr, f"{_a(str(row.get('level')))} {what}; leave this cell empty.")
            elif found not in allowed:
                problem_at(plan, row, attr, f"points at {_a(found)} ({target}), but this column takes "
                                            f"{' or '.join(_a(k) for k in sorted(allowed))}.")
    for row in plan.rows.get("Measures", []):
        if not any(row.get(a) for a in ("wig_uuid", "strategy_uuid", "department_uuid")):
            problem_at(plan, row, "wig_uuid", "a measure belongs to a WIG, a strategy or a department: give the "
                                              "UUID of one of them.")
    seen_periods: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in plan.rows.get("Measurements", []):
        key = (row.get("subject_uuid"), row.get("period_start"))
        if key in seen_periods:
            first = seen_periods[key]
            problem_at(plan, row, "period_start", f"the same measure already has a value for this period (sheet "
                                                  f"{first.get('_sheet')}, row {first.get('_row')}).")
        seen_periods.setdefault(key, row)


UNIQUE_AMONG = {"Division": "title", "Department": "title", "Pillar": "code", "Priority": "code", "Strategy": "code"}


def _check_unique(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Names and codes the plan file keeps unique (a division's or department's name in its plan, a pillar's code
    in its plan, a priority's in its pillar, a strategy's in its priority): a clash is named, not left for the
    database to refuse halfway through."""
    nodes: dict[str, dict[str, Any]] = dict(current.get("Plan", {}))
    mine = {r["uuid"] for r in plan.rows.get("Plan", [])}
    nodes.update({r["uuid"]: r for r in plan.rows.get("Plan", [])})

    def scope(row: dict[str, Any]) -> Any:
        parent = row.get("parent_uuid")
        above = nodes.get(parent or "", {})
        if row.get("level") == "Department" and above.get("level") == "Division":
            parent = above.get("parent_uuid")
        return parent

    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for u, row in sorted(nodes.items(), key=lambda item: (item[0] in mine, item[1].get("_row") or 0)):
        attr = UNIQUE_AMONG.get(str(row.get("level")))
        if attr is None:
            continue
        value = row.get(attr)
        if row.get("level") in ("Pillar", "Priority"):
            value = value or ""  # stored as empty text: two empty codes clash
        elif value is None or value == "":
            continue
        key = (row.get("level"), scope(row), str(value).strip())
        other = seen.get(key)
        if other is not None and other["uuid"] != u and u in mine:
            where_else = (f"row {other['_row']} of this sheet" if other.get("_row") else "the plan file")
            what = "name" if attr == "title" else "code"
            problem_at(plan, row, attr, f"{_a(str(row['level']))} with the {what} “{value}” is already on "
                                        f"{where_else} under the same parent; each needs its own {what}.")
        seen.setdefault(key, row)


def _lookup(found: dict[str, Any], key: str | None) -> Any:
    """found[key], or None when it has no such key (or the row has no key)."""
    return found.get(key) if key is not None else None


def _check_dependency_projects(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]]) -> None:
    project_of = {u: r.get("project_uuid") for u, r in current.get("Tasks", {}).items()}
    project_of.update({r["uuid"]: r.get("project_uuid") for r in plan.rows.get("Tasks", [])})
    for row in plan.rows.get("Task Dependencies", []):
        a, b = _lookup(project_of, row.get("task_uuid")), _lookup(project_of, row.get("depends_on_uuid"))
        if a and b and a != b:
            problem_at(plan, row, "depends_on_uuid", "a task can only depend on a task of its own project.")


def _form_rule(plan: FilePlan, row: dict[str, Any], attrs: dict[str, str], check: Any) -> bool:
    """Run one of the forms' checks; a refusal becomes a problem at the cell it names. False when refused."""
    try:
        check()
    except ValidationError as exc:
        attr = attrs.get(exc.field or "", next(iter(attrs.values()), None))
        problem_at(plan, row, attr, exc.message.rstrip(".") + ".")
        return False
    return True


def _percent(row: dict[str, Any], attr: str) -> None:
    """45% typed in a spreadsheet is 0.45 in a percent-formatted cell: Planner's percents are 0-100."""
    value = row.get(attr)
    if attr in row.get("_pct", ()) and isinstance(value, (int, float)):
        row[attr] = round(value * 100, 9)
        row["_pct"].discard(attr)


def _subjects(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]],
              over_100: dict[str, bool]) -> dict[str, Any]:
    from planner.model import Frequency as F
    from planner.services.measurements import Subject
    from planner.services.plan_nodes import Kind, NodeKey

    found: dict[str, Any] = {}
    for source in (current.get("Measures", {}).values(), plan.rows.get("Measures", [])):
        for m in source:
            unit = m.get("unit")
            found[m["uuid"]] = Subject(NodeKey(Kind.MEASURE, 0), str(m.get("name") or ""), unit,
                                       F(m.get("frequency") or "monthly"), (unit or "").strip() == "%",
                                       bool(m.get("allow_over_100", over_100.get(m["uuid"], False))), False,
                                       None, None)
    for source in (current.get("WIGs", {}).values(), plan.rows.get("WIGs", [])):
        for w in source:
            kind = w.get("kind")
            found[w["uuid"]] = Subject(NodeKey(Kind.WIG, 0), str(w.get("sentence") or ""), w.get("unit"),
                                       F.MONTHLY, kind == "percent", False, kind == "milestone", None, None)
    return found


def _percents(plan: FilePlan, subjects: dict[str, Any]) -> None:
    """Percent columns as Planner keeps them (0-100), before rows are compared with the plan file's."""
    for row in plan.rows.get("Measurements", []):
        subject = _lookup(subjects, row.get("subject_uuid"))
        if subject is not None and subject.percent:
            _percent(row, "value")
    for row in plan.rows.get("WIGs", []):
        if row.get("kind") == "percent":
            _percent(row, "baseline")
            _percent(row, "target")
    for sheet in ("Projects", "Tasks"):
        for row in plan.rows.get(sheet, []):
            _percent(row, "percent_complete")


def _check_rules(plan: FilePlan, subjects: dict[str, Any]) -> None:
    """The forms' own rules, for every row the file would write: what a form refuses, the import refuses.
    (A row the same as the plan file's is not written, so it is not judged again.)"""
    from planner.services import plan_edit, projects
    from planner.services.measurements import parse_value
    from planner.services.plan_nodes import Kind

    written = {id(c.row) for c in plan.changes if c.action in ("add", "update", "conflict")}
    rows = {name: [r for r in found if id(r) in written] for name, found in plan.rows.items()}
    for row in rows.get("Measurements", []):
        subject = _lookup(subjects, row.get("subject_uuid"))
        if row.get("period_start") and row.get("period_end") and row["period_end"] < row["period_start"]:
            problem_at(plan, row, "period_end", "the period ends before it starts.")
        if row.get("value") is None and row.get("done") is None:
            problem_at(plan, row, "value", "a logged value needs a Value (or, for a milestone goal, yes or no under "
                                           "Done).")
            continue
        if subject is None or row.get("value") is None:
            continue
        if subject.milestone:
            problem_at(plan, row, "value", "a milestone goal is done or not done: leave Value empty and say yes "
                                           "or no under Done.")
            continue
        _form_rule(plan, row, {"value": "value"}, lambda r=row, s=subject: parse_value(s, r["value"]))
    for measure_uuid, start, end, value, is_pct, (sheet, number, letter, label) in plan.target_cells:
        subject = subjects.get(measure_uuid)
        if subject is None or subject.key.kind is not Kind.MEASURE:
            plan.problems.append(Problem(plan.path.name, sheet, number, "Measure UUID",
                                         f"{measure_uuid} is not a performance measure of this workbook or the "
                                         "plan.", "A"))
            continue
        if value is None:
            continue
        if is_pct and subject.percent:
            value = round(value * 100, 9)
        try:
            number_value, _ = parse_value(subject, value)
        except ValidationError as exc:
            plan.problems.append(Problem(plan.path.name, sheet, number, label,
                                         exc.message.replace("The value", "The target"), letter))
            continue
        plan.targets.append((measure_uuid, start, end, float(number_value or 0.0)))
    for row in rows.get("WIGs", []):
        values = {"kind": WigKind(row["kind"]), "direction": Direction(row["direction"]),
                  "baseline": row.get("baseline"), "target": row.get("target"),
                  "weight": row.get("weight") if row.get("weight") is not None else 1.0,
                  "start_date": row.get("start_date"), "deadline": row.get("deadline")}
        attrs = {n: n for n in ("baseline", "target", "direction", "weight", "deadline")}
        if all(_form_rule(plan, row, {name: name}, lambda n=name, v=values: plan_edit.check_field(Kind.WIG, n, v[n]))
               for name in ("baseline", "target", "weight") if values[name] is not None):
            _form_rule(plan, row, attrs, lambda v=values: plan_edit.check_wig(v))
    for sheet, entity, fields, end_attr in (
            ("Projects", projects.Entity.PROJECT, ("percent_complete", "budget", "spent"), "end_date"),
            ("Tasks", projects.Entity.TASK, ("percent_complete",), "due"),
            ("RAID Log", projects.Entity.RAID, ("likelihood", "impact"), None)):
        for row in rows.get(sheet, []):
            ok = True
            for name in fields:
                if row.get(name) is not None:
                    ok = _form_rule(plan, row, {name: name}, lambda e=entity, n=name, r=row: projects.check_field(
                        e, n, r[n])) and ok
            if ok and end_attr:
                _form_rule(plan, row, {end_attr: end_attr, "due": "due", "end_date": "end_date"},
                           lambda e=entity, r=row, x=end_attr: projects.check_dates(e, r.get("start_date"), r.get(x)))


# ---- planning the import ---------------------------------------------------------------------------------

MODEL_OF_LEVEL: dict[str, type[Record]] = {
    "Plan": Plan, "Division": Division, "Department": Department, "Pillar": Pillar, "Priority": Priority,
    "Strategy": Strategy, "WIG": Wig, "Key lever": KeyLever}
SHEET_MODEL: dict[str, type[Record]] = {
    "WIGs": Wig, "Measures": PerformanceMeasure, "Measurements": Measurement, "Projects": Project,
    "Milestones": Milestone, "Tasks": Task, "RAID Log": RaidItem, "Weekly Updates": StatusUpdate}


@dataclass
class ImportPlan:
    files: list[FilePlan]
    repeated: list[str] = field(default_factory=list)  # files named more than once: read and imported once

    @property
    def good(self) -> list[FilePlan]:
        return [f for f in self.files if not f.problems]


KIND_OF_MODEL: dict[type[Record], str] = {
    Plan: "Plan", Division: "Division", Department: "Department", Pillar: "Pillar", Priority: "Priority",
    Strategy: "Strategy", Wig: "WIG", KeyLever: "Key lever", PerformanceMeasure: "measure",
    Measurement: "logged value", Project: "project", Milestone: "milestone", Task: "task", RaidItem: "RAID item",
    StatusUpdate: "weekly update"}


def _file_digest(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""


def plan_import(store: PlanStore, paths: Iterable[Path], today: date | None = None) -> ImportPlan:
    """Read, validate and compare every file; writes nothing. A file named twice (or the same bytes under two
    names) is read once; a file's problems never stop the other files."""
    with without_cycle_collection():
        return _plan_import(store, paths, today or clock.today())


def _plan_import(store: PlanStore, paths: Iterable[Path], today: date) -> ImportPlan:
    by_year: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    with store.reader() as s:
        year_of_row = _years_of_rows(s)
        bases = {u: FileState(digest, department or "", exported_at, source or "")  # plain rows, not objects
                 for u, digest, department, exported_at, source in s.execute(select(
                     ExchangeState.row_uuid, ExchangeState.base_hash, ExchangeState.source_department,
                     ExchangeState.source_exported_at, ExchangeState.source_file))}
        over_100 = {str(u): bool(flag) for u, flag in s.execute(
            select(PerformanceMeasure.uuid, PerformanceMeasure.allow_over_100))}
        db_kinds = {str(u): kind for model, kind in KIND_OF_MODEL.items() for u in s.scalars(select(model.uuid))}
    locks = locked_ends(store)
    files: list[FilePlan] = []
    repeated: list[str] = []
    seen: dict[Any, FilePlan] = {}
    for path in paths:
        path = Path(path)
        try:
            same_path = path.resolve()
        except (OSError, RuntimeError):
            same_path = path
        digest = _file_digest(path) if path.is_file() else ""
        earlier = seen.get(same_path) or (seen.get(digest) if digest else None)
        if earlier is not None:
            repeated.append(path.name if path.name == earlier.path.name else f"{path.name} (the same file as "
                                                                             f"{earlier.path.name})")
            continue
        try:
            plan = read_workbook(path)
            plan.digest = digest
            label = _year_label_of(plan)
            if label not in by_year:
                by_year[label] = _current_rows(store, today, label)
            current = by_year[label]
            if not plan.problems:
                _check_year(plan, label, current, year_of_row)
            if not plan.problems:
                _settle_uuids(plan, current)
            if not plan.problems:
                _check_links(plan, current, db_kinds)
            if not plan.problems:
                _resolve_references(plan, current)
            if not plan.problems:
                _check_unique(plan, current)
                _check_dependency_projects(plan, current)
            if not plan.problems:
                subjects = _subjects(plan, current, over_100)
                _percents(plan, subjects)
                _compare(plan, current, bases, _never_edited(store, plan))
                _check_rules(plan, subjects)
                _describe_conflicts(store, plan, current)
            if not plan.problems:
                _hold_locked(plan, locks)
            else:
                plan.changes = []
        except Exception as exc:  # a case no check above knows: refuse the file, say so, keep going
            plan = FilePlan(path, digest=digest)
            plan.problems.append(Problem(path.name, "", None, None, "Planner could not read this workbook (an "
                                         f"unexpected {type(exc).__name__}: {str(exc)[:120]}); nothing from it "
                                         "was imported. Please report this with the file."))
        seen[same_path] = plan
        if digest:
            seen[digest] = plan
        files.append(plan)
    return ImportPlan(files, repeated)


def _year_label_of(plan: FilePlan) -> str:
    """The school year a workbook is for: its Plan row's code ("2026-27"); empty for an older workbook."""
    row = next((r for r in plan.rows.get("Plan", []) if r.get("level") == "Plan"), None)
    label = str(row.get("code") or "").strip() if row else ""
    return label if re.fullmatch(r"\d{4}-\d{2}", label) else ""


YEAR_ROWS = {"WIGs", "Measures", "Measurements"}  # sheets whose rows belong to one school year


def _current_rows(store: PlanStore, today: date, label: str = "") -> dict[str, dict[str, dict[str, Any]]]:
    """The plan file's rows the workbook is compared with: the frame and the rows of the workbook's year
    (the year containing today for a workbook that names none; none for a year the file does not have)."""
    with store.reader() as s:
        plan_id = s.scalars(select(Plan.id).where(Plan.archived.is_(False)).order_by(Plan.position, Plan.id)).first()
        year_id = s.scalar(select(PlanYear.id).where(PlanYear.plan_id == plan_id, PlanYear.label == label)) \
            if plan_id is not None and label else None
    if plan_id is None:
        return {sheet.name: {} for sheet in DATA_SHEETS}
    rows = collect(store, ExportScope(plan_id, year_id=year_id), today)
    if label and year_id is None:  # a year the file does not have yet: it brings its goals with it
        year_levels = {"WIG", "Key lever"}
        rows = {name: [] if name in YEAR_ROWS else
                [r for r in found if name != "Plan" or r.get("level") not in year_levels]
                for name, found in rows.items()}
    return {name: {r["uuid"]: r for r in found} for name, found in rows.items()}


def _years_of_rows(s: Session) -> dict[str, str]:
    """The school year of every WIG, key lever and measure of the plan file, by UUID."""
    labels = dict(s.execute(select(PlanYear.id, PlanYear.label)).tuples().all())
    found = {str(u): labels.get(y, "") for u, y in s.execute(select(Wig.uuid, Wig.year_id))}
    found |= {str(u): labels.get(y, "") for u, y in s.execute(select(PerformanceMeasure.uuid,
                                                                    PerformanceMeasure.year_id))}
    found |= {str(u): labels.get(y, "") for u, y in s.execute(
        select(KeyLever.uuid, Wig.year_id).join(Wig, KeyLever.wig_id == Wig.id))}
    return found


def _check_year(plan: FilePlan, label: str, current: dict[str, dict[str, dict[str, Any]]],
                year_of_row: dict[str, str]) -> None:
    """A goal, key lever or measure of one school year is never imported as another year's."""
    if not label:
        return
    here = {u for name in ("WIGs", "Measures") for u in current.get(name, {})}
    here |= {u for u, r in current.get("Plan", {}).items() if r.get("level") in ("WIG", "Key lever")}
    for sheet in ("WIGs", "Measures", "Plan"):
        for row in plan.rows.get(sheet, []):
            u = row.get("uuid")
            if not u or (sheet == "Plan" and row.get("level") not in ("WIG", "Key lever")) or u in here:
                continue
            theirs = year_of_row.get(u)
            if theirs and theirs != label:
                problem_at(plan, row, "uuid", f"this row belongs to the {theirs} year in the plan file, but the "
                                              f"workbook is for {label}; export a {label} workbook instead.")


def _never_edited(store: PlanStore, plan: FilePlan) -> set[str]:
    """The workbook's rows whose values in the plan file are still as they were created (never edited here):
    safe to take a change for. Only the workbook's own rows are read, not every row of the plan."""
    wanted: set[uuid_mod.UUID] = set()
    for rows in plan.rows.values():
        for row in rows:
            try:
                wanted.add(uuid_mod.UUID(str(row.get("uuid"))))
            except ValueError:
                continue
    found: set[str] = set()
    ordered = sorted(wanted)
    with store.reader() as s:
        for model in (Plan, Division, Department, Pillar, Priority, Strategy, Wig, KeyLever, PerformanceMeasure):
            for start in range(0, len(ordered), IN_CHUNK):
                for u, created, updated in s.execute(select(model.uuid, model.created_at, model.updated_at).where(
                        model.uuid.in_(ordered[start:start + IN_CHUNK]))):
                    if abs((updated - created).total_seconds()) < 2:
                        found.add(str(u))
    return found



def _resolve_references(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]]) -> None:
    in_db = {u for rows in current.values() for u in rows}
    for row, attr, target in plan.pending_refs:
        if target not in in_db:
            problem_at(plan, row, attr, f"points at {target}, which is neither in this workbook nor in the plan.")


DEFAULTS: dict[str, dict[str, Any]] = {  # what an empty cell is written as (see _fill)
    "Plan": {"position": 0}, "Measures": {"position": 0}, "Milestones": {"position": 0}, "WIGs": {"weight": 1.0},
    "Projects": {"percent_complete": 0.0}, "Tasks": {"percent_complete": 0.0},
}


def _compare(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]], states: dict[uuid_mod.UUID, FileState],
             untouched: set[str]) -> None:
    """Each row against the plan file's: added, the same, the workbook's change taken, the file's kept, or a
    conflict for a person (see xlsx_merge.decide)."""
    periods = {(o["subject_uuid"], o["period_start"]): o for o in current["Measurements"].values()}
    exported_at = plan.exported_at.astimezone() if plan.exported_at is not None else None
    for sheet in DATA_SHEETS:
        texts = [c.attr for c in sheet.columns if c.kind == "text" and not c.exported_only]
        for row in plan.rows.get(sheet.name, []):
            db = current[sheet.name].get(row["uuid"])
            base = plan.base.get((sheet.name, row["uuid"]))
            if base is not None:
                _worked_out_edits(plan, sheet, row, base)
            if db is not None and plan.kept:
                for attr in texts:  # as exported from text a spreadsheet cannot hold: the plan file's text stands
                    digest = plan.kept.get((sheet.name, row["uuid"], attr))
                    if digest and isinstance(row.get(attr), str) and text_digest(row[attr]) == digest:
                        row[attr] = db.get(attr)
            for attr, default in DEFAULTS.get(sheet.name, {}).items():
                if attr in row and row[attr] is None:
                    row[attr] = default  # as the row is written: the same row hashes the same on both sides
            digest = row_hash(sheet, row)
            label = _label(sheet.name, row, current, plan)
            if db is None:
                other = periods.get((row.get("subject_uuid"), row.get("period_start"))) \
                    if sheet.name == "Measurements" else None
                if other is not None:
                    action = "same" if row.get("_entry") and same_value(
                        normalise("number", row.get("value")), normalise("number", other.get("value"))) else "conflict"
                    plan.unchanged += action == "same"
                    plan.changes.append(Change(sheet.name, row["uuid"], action, label, row, digest, other))
                    continue
                plan.changes.append(Change(sheet.name, row["uuid"], "add", label, row, digest))
                continue
            if sheet.name == "Measurements":
                taken = periods.get((row.get("subject_uuid"), row.get("period_start")))
                if taken is not None and taken["uuid"] != row["uuid"]:
                    problem_at(plan, row, "period_start", "another value is already logged for this measure and "
                                                          "period in the plan file.")
                    continue
            mine = row_hash(sheet, db)
            state = states.get(state_key(sheet.name, row["uuid"]))
            if mine != digest and row.get("_entry") and same_value(
                    normalise("number", row.get("value")), normalise("number", db.get("value"))):
                mine = digest  # a Data Entry value the plan file already holds: only the value is compared
            cut = plan.hash_len  # the base sheet's hashes may be shorter than the plan file's: compared so
            edited = base is None or base.digest != digest[:cut]  # changed in the spreadsheet since the export
            if mine != digest and edited and older_than_taken(state, plan.department, exported_at):
                plan.changes.append(Change(sheet.name, row["uuid"], "older", label, row, digest, db))
                continue
            if plan.has_base:
                verdict = decide(digest[:cut], mine[:cut], base,
                                 None if state is None else replace(state, digest=state.digest[:cut]),
                                 untouched=row["uuid"] in untouched,
                                 same_export=took_this_export(state, plan.department, exported_at, plan.path.name))
            else:
                verdict = legacy_decide(digest, mine, state.digest if state else None, row["uuid"] in untouched)
            if verdict == "same":
                plan.unchanged += 1
                plan.changes.append(Change(sheet.name, row["uuid"], "same", label, row, digest))
            elif verdict == "take":
                plan.changes.append(Change(sheet.name, row["uuid"], "update", label, row, digest, db))
            elif verdict == "keep":
                plan.unchanged += 1  # changed here since the workbook's version: the plan file's stands
                plan.changes.append(Change(sheet.name, row["uuid"], "kept", label, row, digest, db))
            else:
                plan.changes.append(Change(sheet.name, row["uuid"], "conflict", label, row, digest, db))


def _worked_out_edits(plan: FilePlan, sheet: XSheet, row: dict[str, Any], base: BaseRow) -> None:
    """A worked-out cell changed in the spreadsheet is not taken, and the preview says so, cell by cell."""
    for col in sheet.columns:
        if not col.exported_only or col.attr not in base.derived or col.attr not in row.get("_derived", {}):
            continue
        if not same_value(row["_derived"][col.attr], base.derived[col.attr]):
            sheet_name, number, letter, header = where(plan, row, col.attr)
            plan.notes.append(Problem(plan.path.name, sheet_name, number, header,
                                      f"{col.header} is worked out by Planner; your change was not taken.", letter))


def _label(sheet: str, row: dict[str, Any], current: dict[str, dict[str, dict[str, Any]]], plan: FilePlan) -> str:
    """What a row is, in a person's words: a measure's name and period, a project's name, a node's title."""
    if sheet == "Measurements":
        subject_uuid = row.get("subject_uuid")
        subject = next((r for r in plan.rows.get("Measures", []) if r.get("uuid") == subject_uuid), None) or \
            current.get("Measures", {}).get(subject_uuid or "")
        name = subject.get("name") if subject else None
        if name is None:
            wig = current.get("WIGs", {}).get(subject_uuid or "") or next(
                (r for r in plan.rows.get("WIGs", []) if r.get("uuid") == subject_uuid), None)
            name = str((wig or {}).get("sentence") or subject_uuid)[:60]
        return f"{'measure' if subject else 'WIG'} “{name}”, {_period_label(row, subject)}"
    text = str(row.get("title") or row.get("name") or row.get("sentence") or row.get("description")
               or row.get("update_date") or row["uuid"])[:80]
    if sheet == "Plan":
        return f"{str(row.get('level', '')).lower()} “{text}”"
    project = current.get("Projects", {}).get(row.get("project_uuid") or "") or next(
        (r for r in plan.rows.get("Projects", []) if r.get("uuid") == row.get("project_uuid")), None)
    kind = SHEET_KIND.get(sheet, sheet)
    return f"{kind} “{text}”" + (f" of project “{project['name']}”" if project and sheet != "Projects" else "")


def _period_label(row: dict[str, Any], subject: dict[str, Any] | None) -> str:
    from planner.services.periods import Period

    start, end = row.get("period_start"), row.get("period_end")
    if not isinstance(start, date) or not isinstance(end, date):
        return "no period"
    try:
        frequency = Frequency(subject["frequency"]) if subject and subject.get("frequency") else None
        return Period(start, end, frequency, 7).label if frequency else f"{start:%b %Y}"
    except (ValueError, KeyError):
        return f"{start:%d %b %Y} to {end:%d %b %Y}"


def _shown_value(kind: str, value: Any) -> str:
    found = normalise(kind, value)
    if found is None:
        return "(blank)"
    if kind == "bool":
        return "yes" if found else "no"
    if isinstance(found, float):
        return f"{found:,.6g}"
    return f"“{_shown(found)}”" if kind == "text" else str(found)


def _describe_conflicts(store: PlanStore, plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Each conflict in a person's words: who sent it, what and which period, both values, who changed each."""
    from planner.model import Change as Logged

    conflicts = [c for c in plan.changes if c.action in ("conflict", "older") and c.db is not None]
    if not conflicts:
        return
    wanted = {uuid_mod.UUID(str(c.db["uuid"])): c for c in conflicts if c.db and c.db.get("uuid")}
    last: dict[uuid_mod.UUID, tuple[str, datetime]] = {}  # the history gives row UUIDs as UUIDs
    with store.reader() as s:
        keys = list(wanted)
        for start in range(0, len(keys), 500):
            for row_uuid, actor, at in s.execute(select(Logged.row_uuid, Logged.actor, Logged.at).where(
                    Logged.row_uuid.in_(keys[start:start + 500])).order_by(Logged.id)):
                last[row_uuid] = (actor or "someone", at)
    sent = f"{plan.department} workbook" if plan.department else "the workbook"
    exported = f"{plan.exported_at:%Y-%m-%d %H:%M}" if plan.exported_at else "an unknown time"
    for change in conflicts:
        sheet = next(x for x in DATA_SHEETS if x.name == change.sheet)
        assert change.db is not None
        fields = [f"{c.header}: {_shown_value(c.kind, change.row.get(c.attr))} in the workbook, "
                  f"{_shown_value(c.kind, change.db.get(c.attr))} here" for c in sheet.exchanged()
                  if not same_value(normalise(c.kind, change.row.get(c.attr)),
                                    normalise(c.kind, change.db.get(c.attr)))]
        who, at = last.get(uuid_mod.UUID(str(change.db["uuid"])), ("", None))
        here = f"changed here by {who} on {at.astimezone():%Y-%m-%d %H:%M}" if at else "as it is here"
        change.lines = [f"From the {sent}: {change.label}.", *fields,
                        f"The workbook's side: typed by {plan.typed_by or 'someone'} in the {sent} exported "
                        f"{exported}.", f"This file's side: {here}."]
        if change.action == "older":
            change.detail = (f"{sent} {change.label}: this workbook (exported {exported}) is older than the one "
                             f"already taken from {plan.department}; {'; '.join(fields) or 'the row differs'}. "
                             "Kept as it is here.")
        else:
            change.detail = (f"{sent}, {change.label}: {'; '.join(fields) or 'the row differs'}. Workbook side: "
                             f"typed by {plan.typed_by or 'someone'} (workbook exported {exported}); this file: "
                             f"{here}.")


def _hold_locked(plan: FilePlan, locks: list[tuple[date, date, str]]) -> None:
    """A value that would add to or change a locked period is held back, and the preview says so."""
    if not locks:
        return
    for change in plan.changes:
        if change.sheet != "Measurements" or change.action not in ("add", "update", "conflict"):
            continue
        ends = [change.row.get("period_end")] + ([change.db.get("period_end")] if change.db else [])
        for start, end, label in locks:
            if any(isinstance(e, date) and start <= e <= end for e in ends):
                change.action = "locked"
                change.label = f"{change.label} ({label} is locked)"
                break


# ---- applying it ------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    conflicts_left: int = 0
    locked_left: int = 0
    files_in: list[str] = field(default_factory=list)
    files_refused: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # a file the plan file refused as it was written: why


def apply_import(store: PlanStore, plan: ImportPlan, take_theirs: set[str] | None = None) -> ImportResult:
    """Write the good files, each in one transaction. Conflicts stay as they are unless their UUID is in
    `take_theirs` (a person decided for the file's version)."""
    take_theirs = take_theirs or set()
    result = ImportResult()
    for file in plan.files:
        if file.problems:
            result.files_refused.append(file.path.name)
            continue
        try:
            added, updated, conflicts, locked = _apply_file(store, file, take_theirs)
        except Exception as exc:  # the file's transaction is rolled back: nothing from it went in
            message = _write_failure(exc)
            file.problems.append(Problem(file.path.name, "", None, None, message))
            result.failed[file.path.name] = message
            result.files_refused.append(file.path.name)
            continue
        result.added += added
        result.updated += updated
        result.conflicts_left += conflicts
        result.locked_left += locked
        result.files_in.append(file.path.name)
    return result


def _write_failure(exc: Exception) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    from planner.services.transaction import short_reason

    if isinstance(exc, PlannerError):
        detail = exc.message
    elif isinstance(exc, SQLAlchemyError):
        detail = f"the plan file refused a row ({short_reason(exc)})"
    else:
        detail = f"an unexpected {type(exc).__name__}: {str(exc)[:120]}"
    return f"could not be written to the plan file: {detail}. Nothing from it was imported."


def _apply_file(store: PlanStore, file: FilePlan, take_theirs: set[str]) -> tuple[int, int, int, int]:
    """One file in one transaction: (added, updated, conflicts left, locked left)."""
    added = updated = conflicts = locked = 0
    added_by_plan_sheet = {c.uuid for c in file.changes if c.sheet == "Plan" and c.action == "add"}
    with store.session(reason=f"Imported from {file.path.name}") as s:
        ids = _Ids(s, *_named_uuids(file))
        ids.year_id = _workbook_year(s, file)  # new goals and measures belong to the workbook's year
        for change in _ordered(file.changes):
            if change.action == "locked":
                locked += 1
                continue
            if change.action in ("kept", "older"):
                continue  # the plan file's version stands; its record of the exchange stays as it was
            if change.action == "conflict" and change.uuid not in take_theirs:
                conflicts += 1
                continue
            if change.action in ("add", "update", "conflict"):
                _write(s, ids, change, file)
                if not (change.sheet == "WIGs" and change.uuid in added_by_plan_sheet):  # one WIG, two sheets
                    added += int(change.action == "add")
                    updated += int(change.action != "add")
            if change.action != "conflict" or change.uuid in take_theirs:
                _remember(s, ids, change, file)
        updated += _interim_targets(s, ids, file)
        s.flush()
    return added, updated, conflicts, locked


ORDER = ["Plan", "WIGs", "Measures", "Measurements", "Projects", "Milestones", "Tasks", "Task Dependencies",
         "RAID Log", "Weekly Updates"]
LEVEL_ORDER = ["Plan", "Division", "Department", "Pillar", "Priority", "Strategy", "WIG", "Key lever"]


def _ordered(changes: list[Change]) -> list[Change]:
    def key(c: Change) -> tuple[int, int]:
        level = LEVEL_ORDER.index(c.row["level"]) if c.sheet == "Plan" else 0
        return ORDER.index(c.sheet), level

    return sorted(changes, key=key)


class _Ids:
    """Rows by UUID for this transaction, each row read at most once. Which of the UUIDs the file names exist
    is read once per table, and only for those UUIDs (a department's workbook names a few hundred rows of a
    plan of many thousands); a UUID the file does not name is looked up on its own."""

    def __init__(self, s: Session, named: set[uuid_mod.UUID] | None = None,
                 state_keys: set[uuid_mod.UUID] | None = None) -> None:
        self.s = s
        self.cache: dict[uuid_mod.UUID, Any] = {}
        self.named = sorted(named or ())
        self.named_set = set(self.named)
        self.state_keys = set(state_keys or ())
        self.known: dict[type[Record], set[uuid_mod.UUID]] = {}
        self.states: dict[uuid_mod.UUID, ExchangeState] | None = None
        self.year_id: int | None = None  # the annual plan the workbook's WIGs and measures belong to

    def _uuids(self, model: type[Record]) -> set[uuid_mod.UUID]:
        if model not in self.known:
            self.known[model] = {u for part in _chunks(self.named) for u in self.s.scalars(
                select(model.uuid).where(model.uuid.in_(part)))}
        return self.known[model]

    def _exists(self, model: type[Record], key: uuid_mod.UUID) -> bool:
        if key in self.named_set:
            return key in self._uuids(model)
        return self.s.scalar(select(model.id).where(model.uuid == key)) is not None

    def find(self, u: str | None, *models: type[Record]) -> Any:
        if not u:
            return None
        key = uuid_mod.UUID(u)
        if key in self.cache:
            return self.cache[key]
        for model in models:
            if self._exists(model, key):
                obj = self.s.scalars(select(model).where(model.uuid == key)).first()
                self.cache[key] = obj
                return obj
        return None

    def added(self, obj: Any) -> None:
        self.cache[obj.uuid] = obj
        self.named_set.add(obj.uuid)
        self._uuids(type(obj)).add(obj.uuid)

    def state(self, key: uuid_mod.UUID) -> ExchangeState | None:
        if self.states is None:
            self.states = {e.row_uuid: e for part in _chunks(sorted(self.state_keys)) for e in self.s.scalars(
                select(ExchangeState).where(ExchangeState.row_uuid.in_(part)))}
        if key not in self.states and key not in self.state_keys:  # not foreseen: looked up on its own
            state = self.s.scalars(select(ExchangeState).where(ExchangeState.row_uuid == key)).first()
            if state is not None:
                self.states[key] = state
        return self.states.get(key)


IN_CHUNK = 5000  # values per IN (...): well under any database's limit on a statement's parameters


def _chunks(values: list[uuid_mod.UUID]) -> Iterator[list[uuid_mod.UUID]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start:start + IN_CHUNK]


def _named_uuids(file: FilePlan) -> tuple[set[uuid_mod.UUID], set[uuid_mod.UUID]]:
    """Every UUID the file's changes name (their rows' own and those they point at), and their rows' exchange
    state keys."""
    named: set[uuid_mod.UUID] = set()
    keys: set[uuid_mod.UUID] = set()
    for change in file.changes:
        for value in (change.uuid, *change.row.values()):
            if isinstance(value, (str, uuid_mod.UUID)) and len(str(value)) in (32, 36):
                with contextlib.suppress(ValueError):
                    named.add(uuid_mod.UUID(str(value)))
        with contextlib.suppress(ValueError):
            keys.add(state_key(change.sheet, change.uuid))
    return named, keys


def _write(s: Session, ids: _Ids, change: Change, file: FilePlan) -> bool:
    """Add or update one row; True when added."""
    row = change.row
    if change.sheet == "Task Dependencies":
        task, depends_on = ids.find(row["task_uuid"], Task), ids.find(row["depends_on_uuid"], Task)
        if depends_on not in task.depends_on:
            task.depends_on.append(depends_on)
        return True
    model = MODEL_OF_LEVEL[row["level"]] if change.sheet == "Plan" else SHEET_MODEL[change.sheet]
    obj = ids.find(change.uuid, model)
    if obj is None and change.sheet == "Measurements" and change.db is not None:
        obj = ids.find(change.db["uuid"], Measurement)  # the file's value for a period the plan file has: replace
    added = obj is None
    if added:
        obj = model()
        obj.uuid = uuid_mod.UUID(change.uuid)
    _fill(s, ids, change.sheet, obj, row, file)
    if added:
        s.add(obj)
        ids.added(obj)
    if change.sheet in ("Plan", "Projects", "Tasks"):  # later rows hang under these: they need their ids now
        s.flush()
    return added


def _carry_lineage(s: Session, model: Any, obj: Any, row: dict[str, Any]) -> None:
    """A goal or measure keeps the lineage its workbook names; a new year's copy is tied to the row of the
    latest earlier year with that lineage, as if the year had been started here."""
    lineage = row.get("lineage_uuid") or row.get("uuid")
    if not lineage:
        return
    obj.lineage_uuid = uuid_mod.UUID(str(lineage))
    if obj.carried_from_id is None and obj.year_id is not None:
        start = s.scalar(select(PlanYear.start_date).where(PlanYear.id == obj.year_id))
        earlier = s.scalars(select(model).join(PlanYear, model.year_id == PlanYear.id)
                            .where(model.lineage_uuid == obj.lineage_uuid, PlanYear.start_date < start)
                            .order_by(PlanYear.start_date.desc())).first()
        if earlier is not None and earlier is not obj:
            obj.carried_from_id = earlier.id


def _workbook_year(s: Session, file: FilePlan) -> int | None:
    """The year the workbook's new goals and measures go into: the one it names (brought in if the file
    lacks it), else the year containing today; None when the file holds no plan yet (the Plan row makes
    it)."""
    plan = s.scalars(select(Plan).where(Plan.archived.is_(False)).order_by(Plan.position, Plan.id)).first()
    if plan is None:
        return None
    label = _year_label_of(file)
    if label:
        return _year_named(s, plan, label)
    year = year_scope(s, plan.id, None, clock.today())
    return year.id if year else None


def _year_named(s: Session, plan: Plan, label: str) -> int | None:
    """The plan's year the workbook names ("2025-26"): found, or brought in (July to June) when the central
    file does not have it yet."""
    label = label.strip()
    if not re.fullmatch(r"\d{4}-\d{2}", label):
        return None
    found = s.scalar(select(PlanYear.id).where(PlanYear.plan_id == plan.id, PlanYear.label == label))
    if found is not None:
        return int(found)
    first = int(label[:4])
    newest = s.scalars(select(PlanYear).where(PlanYear.plan_id == plan.id).order_by(PlanYear.start_date.desc())).first()
    year = PlanYear(plan_id=plan.id, label=label, start_date=date(first, 7, 1), end_date=date(first + 1, 6, 30),
                    carried_from_id=newest.id if newest is not None and newest.start_date.year < first else None)
    s.add(year)
    s.flush()
    return year.id


def _fill(s: Session, ids: _Ids, sheet: str, obj: Any, row: dict[str, Any], file: FilePlan) -> None:
    if sheet == "Plan":
        level = row["level"]
        parent = ids.find(row.get("parent_uuid"), Plan, Division, Pillar, Priority, Strategy, Department, Wig)
        if level == "Plan":
            obj.name = row["title"]
            if obj.level_names is None:
                obj.level_names = list(DEFAULT_LEVEL_NAMES)
            s.add(obj)  # the year hangs under it: it needs its id now
            s.flush()
            ids.year_id = _year_named(s, obj, row.get("code") or "")
        elif level in ("Division", "Department"):
            obj.name = row["title"]
            if level == "Department":
                obj.plan_id = parent.plan_id if isinstance(parent, Division) else parent.id
                obj.division_id = parent.id if isinstance(parent, Division) else None
            else:
                obj.plan_id = parent.id
        elif level == "Pillar":
            obj.code, obj.name, obj.plan_id = row.get("code") or "", row["title"], parent.id
        elif level == "Priority":
            obj.code, obj.statement, obj.pillar_id = row.get("code") or "", row["title"], parent.id
        elif level == "Strategy":
            obj.code, obj.statement, obj.priority_id = row.get("code"), row["title"], parent.id
            owner = ids.find(row.get("owner_uuid"), Division)
            obj.division_id = owner.id if owner else None
        elif level == "WIG":
            obj.sentence = row["title"]
            if isinstance(parent, Strategy):
                obj.strategy_id = parent.id
                owner = ids.find(row.get("owner_uuid"), Department)
                obj.department_id = owner.id if owner else obj.department_id
                obj.position = row.get("position") or 0
            else:
                obj.department_id = parent.id
                obj.department_position = row.get("position") or 0
            if obj.year_id is None:
                obj.year_id = ids.year_id
            structure = next((r for r in file.rows.get("WIGs", []) if r["uuid"] == row["uuid"]), None)
            if obj.kind is None:
                obj.kind, obj.direction, obj.weight = WigKind.MILESTONE, Direction.INCREASE, 1.0
            if structure:
                _fill(s, ids, "WIGs", obj, structure, file)
        elif level == "Key lever":
            obj.text, obj.wig_id = row["title"], parent.id
        if level not in ("Plan",) and hasattr(obj, "position") and level != "WIG":
            obj.position = row.get("position") or 0
        return
    if sheet == "WIGs":
        obj.sentence = row["sentence"]
        obj.kind, obj.direction = WigKind(row["kind"]), Direction(row["direction"])
        obj.baseline, obj.target, obj.unit = row.get("baseline"), row.get("target"), row.get("unit")
        obj.start_date, obj.deadline = row.get("start_date"), row.get("deadline")
        obj.weight = row.get("weight") or 1.0
        obj.relative_change = row.get("relative_change")
        _carry_lineage(s, Wig, obj, row)
    elif sheet == "Measures":
        obj.name, obj.unit, obj.frequency = row["name"], row.get("unit"), Frequency(row["frequency"])
        if obj.year_id is None:
            obj.year_id = ids.year_id
        for attr, model in (("wig", Wig), ("strategy", Strategy), ("department", Department)):
            found = ids.find(row.get(f"{attr}_uuid"), model)
            setattr(obj, f"{attr}_id", found.id if found else None)
        obj.position = row.get("position") or 0
        obj.goal_baseline, obj.goal_target = row.get("goal_baseline"), row.get("goal_target")
        obj.allow_over_100 = bool(row.get("allow_over_100"))
        _carry_lineage(s, PerformanceMeasure, obj, row)
    elif sheet == "Measurements":
        subject = ids.find(row["subject_uuid"], PerformanceMeasure, Wig)
        obj.measure_id = subject.id if isinstance(subject, PerformanceMeasure) else None
        obj.wig_id = subject.id if isinstance(subject, Wig) else None
        obj.period_start, obj.period_end = row["period_start"], row["period_end"]
        obj.value, obj.done = row.get("value"), row.get("done")
        obj.note, obj.evidence = row.get("note") or "", row.get("evidence") or ""
        obj.entered_by = row.get("entered_by") or ""
        obj.entered_at = obj.entered_at or utcnow()
    elif sheet == "Projects":
        carried = ids.find(row["carries_uuid"], KeyLever, Wig, Strategy)
        obj.key_lever_id = carried.id if isinstance(carried, KeyLever) else None
        obj.wig_id = carried.id if isinstance(carried, Wig) else None
        obj.strategy_id = carried.id if isinstance(carried, Strategy) else None
        for attr in ("name", "purpose", "sponsor", "lead"):
            setattr(obj, attr, row.get(attr) or "")
        obj.start_date, obj.end_date = row.get("start_date"), row.get("end_date")
        obj.status = ProjectStatus(row["status"])
        obj.percent_complete = row.get("percent_complete") or 0.0
        obj.budget, obj.spent = row.get("budget"), row.get("spent")
    else:
        project = ids.find(row["project_uuid"], Project)
        obj.project_id = project.id
        if sheet == "Milestones":
            obj.name, obj.due, obj.done_on, obj.position = row["name"], row.get("due"), row.get("done_on"), \
                row.get("position") or 0
        elif sheet == "Tasks":
            obj.name, obj.owner = row["name"], row.get("owner") or ""
            obj.start_date, obj.due = row.get("start_date"), row.get("due")
            obj.status, obj.percent_complete = TaskStatus(row["status"]), row.get("percent_complete") or 0.0
            obj.position = row["number"] - 1
        elif sheet == "RAID Log":
            obj.type, obj.description, obj.owner = RaidType(row["type"]), row["description"], row.get("owner") or ""
            obj.raised_on, obj.status = row.get("raised_on"), RaidStatus(row["status"])
            obj.response, obj.closed_on = row.get("response") or "", row.get("closed_on")
            obj.likelihood, obj.impact = row.get("likelihood"), row.get("impact")
        elif sheet == "Weekly Updates":
            obj.update_date, obj.status = row["update_date"], ProjectStatus(row["status"])
            for attr in ("accomplishments", "next_steps", "blockers"):
                setattr(obj, attr, row.get(attr) or "")


def _interim_targets(s: Session, ids: _Ids, file: FilePlan) -> int:
    """Targets typed into a Data Entry sheet: set where they differ. Returns how many changed."""
    changed = 0
    for measure_uuid, start, end, value in file.targets:
        measure = ids.find(measure_uuid, PerformanceMeasure)
        if measure is None:
            continue
        target = s.scalars(select(InterimTarget).where(InterimTarget.measure_id == measure.id,
                                                       InterimTarget.period_start == start)).first()
        if target is None:
            s.add(InterimTarget(measure_id=measure.id, period_start=start, period_end=end, value=value))
            changed += 1
        elif target.value != value:
            target.value = value
            changed += 1
    return changed


def _remember(s: Session, ids: _Ids, change: Change, file: FilePlan) -> None:
    sheet = PLAN if change.sheet == "Plan" else next(x for x in DATA_SHEETS if x.name == change.sheet)
    row_uuid = state_key(change.sheet, change.uuid)
    state = ids.state(row_uuid)
    if state is None:
        state = ExchangeState(row_uuid=row_uuid, table_name=sheet.table, base_hash=change.digest)
        s.add(state)
        assert ids.states is not None
        ids.states[row_uuid] = state
    elif change.action == "same" and state.base_hash == change.digest:
        return  # already agreed: importing the same file again changes nothing
    state.base_hash = change.digest
    state.source_file = file.path.name
    state.source_department = file.department
    if file.exported_at is not None:
        state.source_exported_at = file.exported_at.astimezone()
    state.imported_at = utcnow()
