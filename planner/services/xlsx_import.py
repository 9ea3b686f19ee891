"""Import Planner workbooks: check the file is safe and a Planner workbook, read and validate every sheet
(reporting file, sheet, row and column), then match rows by UUID against the plan file: new rows are added,
rows changed in the workbook are updated, rows changed on both sides since the last exchange are conflicts
for a person to decide. A file with problems changes nothing; each good file goes in whole."""

from __future__ import annotations

import re
import uuid as uuid_mod
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner import clock
from planner.errors import PlannerError
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
    StatusUpdate,
    Strategy,
    Task,
    TaskStatus,
    Wig,
    WigKind,
    utcnow,
)
from planner.services.dates import DateError, parse_date
from planner.services.exchange import (
    COVER,
    DATA_SHEETS,
    MARKER,
    MEASUREMENTS,
    PLAN,
    XCol,
    XSheet,
    normalise,
    row_hash,
    state_key,
)
from planner.services.exchange_rows import ExportScope, collect
from planner.services.period_locks import locked_ends
from planner.services.periods import parse_period
from planner.store import PlanStore
from planner.store.migrate import known_revisions

MAX_FILE_BYTES = 60_000_000
MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 400_000_000
MAX_RATIO = 150  # unpacked / packed, for any member over 1 MB: beyond this is a zip bomb, not a workbook
MAX_ROWS = 400_000


class ImportRefused(PlannerError):
    title = "This file cannot be imported"


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file] + ([f"sheet “{self.sheet}”"] if self.sheet else [])
        where += ([f"row {self.row}"] if self.row else []) + ([f"column “{self.column}”"] if self.column else [])
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
            raise ValueError(f"“{value}” is not a UUID") from None
    if col.kind == "date":
        try:
            return parse_date(value)
        except DateError as exc:
            raise ValueError(str(exc)) from None
    if col.kind in ("number", "int"):
        if isinstance(value, bool):
            raise ValueError(f"“{value}” is not a number")
        try:
            number = float(str(value).replace(",", "").strip()) if isinstance(value, str) else float(value)
        except ValueError:
            raise ValueError(f"“{value}” is not a number") from None
        if col.kind == "int":
            if not number.is_integer():
                raise ValueError(f"“{value}” is not a whole number")
            return int(number)
        return number
    if col.kind == "bool":
        word = str(value).strip().lower()
        if word in ("yes", "true", "1", "done", "y"):
            return True
        if word in ("no", "false", "0", "not done", "n"):
            return False
        raise ValueError(f"“{value}” is not yes or no")
    if col.kind == "choice":
        match = next((c for c in col.choices if c.lower() == str(value).strip().lower()), None)
        if match is None:
            raise ValueError(f"“{value}” is not one of: {', '.join(col.choices)}")
        return match
    return str(value)


def read_workbook(path: Path) -> FilePlan:
    """Everything in one workbook, validated; problems are collected, not raised."""
    path = Path(path)
    plan = FilePlan(path)
    try:
        check_container(path)
        workbook = load_workbook(path, read_only=True, data_only=True)  # XML through defusedxml
    except ImportRefused as exc:
        plan.problems.append(Problem(path.name, "", None, None, str(exc)))
        return plan
    except Exception as exc:  # a damaged part: say so, change nothing
        plan.problems.append(Problem(path.name, "", None, None, f"cannot be read as a workbook ({exc})."))
        return plan
    try:
        _read_cover(workbook, plan)
        if plan.problems:
            return plan
        for sheet in DATA_SHEETS:
            plan.rows[sheet.name] = _read_sheet(workbook, sheet, plan)
        _read_data_entry(workbook, plan)
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
                                         "a task cannot depend on itself."))
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
    for i, row in enumerate(workbook[COVER].iter_rows(min_row=1, max_row=40, max_col=2, values_only=True)):
        if i == 0 and (row[0] or "") != MARKER:
            plan.problems.append(Problem(name, COVER, 1, "A", f"should say “{MARKER}”: this is not a Planner "
                                                             "workbook."))
            return
        if row[0]:
            facts[str(row[0])] = row[1]
    schema = str(facts.get("Schema version") or "")
    if schema not in known_revisions():
        plan.problems.append(Problem(name, COVER, None, None, f"was written by a newer Planner (schema {schema}); "
                                                             "install the latest Planner to import it."))
    plan.department = str(facts.get("Department") or facts.get("Division") or facts.get("Scope") or "")
    exported = facts.get("Exported at")
    try:
        plan.exported_at = exported if isinstance(exported, datetime) else datetime.fromisoformat(str(exported))
    except ValueError:
        plan.exported_at = None


def _read_sheet(workbook: Any, sheet: XSheet, plan: FilePlan) -> list[dict[str, Any]]:
    name = plan.path.name
    if sheet.name not in workbook.sheetnames:
        plan.problems.append(Problem(name, sheet.name, None, None, "the sheet is missing."))
        return []
    ws = workbook[sheet.name]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    positions: dict[str, int] = {}
    for i, text in enumerate(header):
        if text is not None:
            positions[str(text).strip()] = i
    missing = [c.header for c in sheet.columns if c.header not in positions and not c.exported_only]
    if missing:
        plan.problems.append(Problem(name, sheet.name, 1, None, "missing column(s): " + ", ".join(
            f"“{m}”" for m in missing) + " (renamed or deleted?)."))
        return []
    found: list[dict[str, Any]] = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            plan.problems.append(Problem(name, sheet.name, None, None, f"has more than {MAX_ROWS:,} rows; a Planner "
                                                                     "workbook is never that large."))
            return []
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: dict[str, Any] = {}
        for col in sheet.columns:
            if col.exported_only or col.header not in positions:
                continue
            index = positions[col.header]
            raw = values[index] if index < len(values) else None
            try:
                row[col.attr] = _parse(col, raw)
            except ValueError as exc:
                letter = _letter(index)
                plan.problems.append(Problem(name, sheet.name, number, f"{col.header}” (column {letter}", str(exc)))
        row["_row"] = number
        found.append(row)
    return found


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_data_entry(workbook: Any, plan: FilePlan) -> None:
    """Values typed into a Data Entry sheet become measurements like any other."""
    measurements = {(r["subject_uuid"], r["period_start"]): r for r in plan.rows.get("Measurements", [])}
    for sheet_name in workbook.sheetnames:
        if not sheet_name.startswith("Data Entry "):
            continue
        try:
            frequency = Frequency(sheet_name.removeprefix("Data Entry ").strip())
        except ValueError:
            continue
        rows = workbook[sheet_name].iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in (next(rows, None) or ())]
        for number, values in enumerate(rows, start=2):
            if not values or not values[0]:
                continue
            try:
                measure_uuid = str(uuid_mod.UUID(str(values[0])))
            except ValueError:
                plan.problems.append(Problem(plan.path.name, sheet_name, number, "Measure UUID",
                                             f"“{values[0]}” is not a UUID"))
                continue
            for index in range(2, min(len(header), len(values))):
                label, value = header[index], values[index]
                if value is None or not label:
                    continue
                if label.startswith("Target "):
                    try:
                        period = parse_period(label.removeprefix("Target "), frequency)
                        target = _parse(MEASUREMENTS.columns[6], value)
                    except (ValueError, PlannerError) as exc:
                        plan.problems.append(Problem(plan.path.name, sheet_name, number, label, str(exc)))
                        continue
                    plan.targets.append((measure_uuid, period.start, period.end, float(target)))
                    continue
                try:
                    period = parse_period(label, frequency)
                    number_value = _parse(MEASUREMENTS.columns[6], value)
                except (ValueError, PlannerError) as exc:
                    plan.problems.append(Problem(plan.path.name, sheet_name, number, label, str(exc)))
                    continue
                existing = measurements.get((measure_uuid, period.start))
                if existing is not None:
                    if normalise("number", existing.get("value")) != normalise("number", number_value):
                        existing["value"] = number_value
                    continue
                new = {"uuid": str(uuid_mod.uuid5(uuid_mod.UUID(measure_uuid), period.start.isoformat())),
                       "subject_uuid": measure_uuid, "period_start": period.start, "period_end": period.end,
                       "value": number_value, "done": None, "note": "", "evidence": "",
                       "entered_by": f"Data Entry ({plan.path.name})", "_row": number}
                plan.rows.setdefault("Measurements", []).append(new)
                measurements[(measure_uuid, period.start)] = new


def _check_references(plan: FilePlan) -> None:
    """Every UUID a row points at must be in the same file (and then in the plan file on import)."""
    known = {r["uuid"] for rows in plan.rows.values() for r in rows if r.get("uuid")}
    refs = [("Plan", "parent_uuid"), ("Plan", "owner_uuid"), ("Measures", "wig_uuid"), ("Measures", "strategy_uuid"),
            ("Measures", "department_uuid"), ("Measurements", "subject_uuid"), ("Projects", "carries_uuid"),
            ("Milestones", "project_uuid"), ("Tasks", "project_uuid"), ("RAID Log", "project_uuid"),
            ("Task Dependencies", "task_uuid"), ("Task Dependencies", "depends_on_uuid"),
            ("Weekly Updates", "project_uuid")]
    plan.pending_refs = []  # type: ignore[attr-defined]
    for sheet, attr in refs:
        for row in plan.rows.get(sheet, []):
            target = row.get(attr)
            if target and target not in known:
                plan.pending_refs.append((sheet, row["_row"], attr, target))  # type: ignore[attr-defined]


# ---- planning the import ---------------------------------------------------------------------------------

MODEL_OF_LEVEL = {"Plan": Plan, "Division": Division, "Department": Department, "Pillar": Pillar,
                  "Priority": Priority, "Strategy": Strategy, "WIG": Wig, "Key lever": KeyLever}
SHEET_MODEL = {"WIGs": Wig, "Measures": PerformanceMeasure, "Measurements": Measurement, "Projects": Project,
               "Milestones": Milestone, "Tasks": Task, "RAID Log": RaidItem, "Weekly Updates": StatusUpdate}


@dataclass
class ImportPlan:
    files: list[FilePlan]

    @property
    def good(self) -> list[FilePlan]:
        return [f for f in self.files if not f.problems]


def plan_import(store: PlanStore, paths: Iterable[Path], today: date | None = None) -> ImportPlan:
    """Read, validate and compare every file; writes nothing."""
    today = today or clock.today()
    current = _current_rows(store, today)
    with store.reader() as s:
        bases = {e.row_uuid: e.base_hash for e in s.scalars(select(ExchangeState))}
        untouched = _never_edited(s)
    locks = locked_ends(store)
    files = []
    for path in paths:
        plan = read_workbook(Path(path))
        if not plan.problems:
            _resolve_references(plan, current)
        if not plan.problems:
            _compare(plan, current, bases, untouched)
            _hold_locked(plan, locks)
        files.append(plan)
    return ImportPlan(files)


def _current_rows(store: PlanStore, today: date) -> dict[str, dict[str, dict[str, Any]]]:
    with store.reader() as s:
        plan_id = s.scalars(select(Plan.id).where(Plan.archived.is_(False)).order_by(Plan.position, Plan.id)).first()
    if plan_id is None:
        return {sheet.name: {} for sheet in DATA_SHEETS}
    rows = collect(store, ExportScope(plan_id), today)
    return {name: {r["uuid"]: r for r in found} for name, found in rows.items()}


def _never_edited(s: Session) -> set[str]:
    """Rows whose values are still as they were created (never edited here): safe to take a change for."""
    found: set[str] = set()
    for model in (Plan, Division, Department, Pillar, Priority, Strategy, Wig, KeyLever, PerformanceMeasure):
        for u, created, updated in s.execute(select(model.uuid, model.created_at, model.updated_at)):
            if abs((updated - created).total_seconds()) < 2:
                found.add(str(u))
    return found


def _resolve_references(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]]) -> None:
    in_db = {u for rows in current.values() for u in rows}
    for sheet, row, attr, target in getattr(plan, "pending_refs", []):
        if target not in in_db:
            header = next(c.header for s in DATA_SHEETS if s.name == sheet for c in s.columns if c.attr == attr)
            plan.problems.append(Problem(plan.path.name, sheet, row, header,
                                         f"points at {target}, which is neither in this workbook nor in the plan."))


def _compare(plan: FilePlan, current: dict[str, dict[str, dict[str, Any]]], bases: dict[uuid_mod.UUID, str],
             untouched: set[str]) -> None:
    for sheet in DATA_SHEETS:
        for row in plan.rows.get(sheet.name, []):
            digest = row_hash(sheet, row)
            db = current[sheet.name].get(row["uuid"])
            label = str(row.get("title") or row.get("name") or row.get("sentence") or row.get("description")
                        or row.get("subject_uuid") or row["uuid"])[:80]
            if db is None:
                if sheet.name == "Measurements" and _period_taken(current, row):
                    plan.changes.append(Change(sheet.name, row["uuid"], "conflict", label, row, digest,
                                               _period_taken(current, row)))
                    continue
                plan.changes.append(Change(sheet.name, row["uuid"], "add", label, row, digest))
                continue
            mine = row_hash(sheet, db)
            base = bases.get(state_key(sheet.name, row["uuid"]))
            if mine == digest:
                plan.unchanged += 1
                plan.changes.append(Change(sheet.name, row["uuid"], "same", label, row, digest))
            elif base is not None and mine == base:
                plan.changes.append(Change(sheet.name, row["uuid"], "update", label, row, digest, db))
            elif base is not None and digest == base:
                plan.unchanged += 1  # changed here since the exchange; the file is older: keep ours
            elif base is None and row["uuid"] in untouched:
                plan.changes.append(Change(sheet.name, row["uuid"], "update", label, row, digest, db))
            else:
                plan.changes.append(Change(sheet.name, row["uuid"], "conflict", label, row, digest, db))


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


def _period_taken(current: dict[str, dict[str, dict[str, Any]]], row: dict[str, Any]) -> dict[str, Any] | None:
    for other in current["Measurements"].values():
        if other["subject_uuid"] == row["subject_uuid"] and other["period_start"] == row["period_start"]:
            return other
    return None


# ---- applying it ------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    conflicts_left: int = 0
    locked_left: int = 0
    files_in: list[str] = field(default_factory=list)
    files_refused: list[str] = field(default_factory=list)


def apply_import(store: PlanStore, plan: ImportPlan, take_theirs: set[str] | None = None) -> ImportResult:
    """Write the good files, each in one transaction. Conflicts stay as they are unless their UUID is in
    `take_theirs` (a person decided for the file's version)."""
    take_theirs = take_theirs or set()
    result = ImportResult()
    for file in plan.files:
        if file.problems:
            result.files_refused.append(file.path.name)
            continue
        added_by_plan_sheet = {c.uuid for c in file.changes if c.sheet == "Plan" and c.action == "add"}
        with store.session(reason=f"Imported from {file.path.name}") as s:
            ids = _Ids(s)
            for change in _ordered(file.changes):
                if change.action == "locked":
                    result.locked_left += 1
                    continue
                if change.action == "conflict" and change.uuid not in take_theirs:
                    result.conflicts_left += 1
                    continue
                if change.action in ("add", "update", "conflict"):
                    _write(s, ids, change, file)
                    if not (change.sheet == "WIGs" and change.uuid in added_by_plan_sheet):  # one WIG, two sheets
                        result.added += int(change.action == "add")
                        result.updated += int(change.action != "add")
                if change.action != "conflict" or change.uuid in take_theirs:
                    _remember(s, ids, change, file)
            result.updated += _interim_targets(s, ids, file)
        result.files_in.append(file.path.name)
    return result


ORDER = ["Plan", "WIGs", "Measures", "Measurements", "Projects", "Milestones", "Tasks", "Task Dependencies",
         "RAID Log", "Weekly Updates"]
LEVEL_ORDER = ["Plan", "Division", "Department", "Pillar", "Priority", "Strategy", "WIG", "Key lever"]


def _ordered(changes: list[Change]) -> list[Change]:
    def key(c: Change) -> tuple[int, int]:
        level = LEVEL_ORDER.index(c.row["level"]) if c.sheet == "Plan" else 0
        return ORDER.index(c.sheet), level

    return sorted(changes, key=key)


class _Ids:
    """Rows by UUID for this transaction: which UUIDs exist is read once per table, each row at most once."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.cache: dict[uuid_mod.UUID, Any] = {}
        self.known: dict[type, set[uuid_mod.UUID]] = {}
        self.states: dict[uuid_mod.UUID, ExchangeState] | None = None
        self.year_id: int | None = None  # the annual plan the workbook's WIGs and measures belong to

    def _uuids(self, model: type) -> set[uuid_mod.UUID]:
        if model not in self.known:
            self.known[model] = set(self.s.scalars(select(model.uuid)))
        return self.known[model]

    def find(self, u: str | None, *models: type) -> Any:
        if not u:
            return None
        key = uuid_mod.UUID(u)
        if key in self.cache:
            return self.cache[key]
        for model in models:
            if key in self._uuids(model):
                obj = self.s.scalars(select(model).where(model.uuid == key)).first()
                self.cache[key] = obj
                return obj
        return None

    def added(self, obj: Any) -> None:
        self.cache[obj.uuid] = obj
        self._uuids(type(obj)).add(obj.uuid)

    def state(self, key: uuid_mod.UUID) -> ExchangeState | None:
        if self.states is None:
            self.states = {e.row_uuid: e for e in self.s.scalars(select(ExchangeState))}
        return self.states.get(key)


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
    elif sheet == "Measures":
        obj.name, obj.unit, obj.frequency = row["name"], row.get("unit"), Frequency(row["frequency"])
        if obj.year_id is None:
            obj.year_id = ids.year_id
        for attr, model in (("wig", Wig), ("strategy", Strategy), ("department", Department)):
            found = ids.find(row.get(f"{attr}_uuid"), model)
            setattr(obj, f"{attr}_id", found.id if found else None)
        obj.position = row.get("position") or 0
        obj.goal_baseline, obj.goal_target = row.get("goal_baseline"), row.get("goal_target")
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
