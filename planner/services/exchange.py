"""What a Planner workbook holds, sheet by sheet and column by column: one spec that the export writes and
the import reads, so the two cannot drift apart. Also the rules that keep user text from ever becoming a
formula, and the hash of a row's exchanged values used to tell a change from a conflict."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
import uuid as uuid_mod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from planner.model import Direction

MARKER = "Planner workbook"
FORMAT_VERSION = "2"  # 2: the base sheet holds shortened row hashes; the row UUID is the last column
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL = 32_767


def safe_text(text: str) -> str:
    """Text a spreadsheet can hold: control characters removed, over-long text cut with a visible marker."""
    text = ILLEGAL.sub("", text)
    if len(text) > MAX_CELL:
        marker = f" … [cut: {len(text) - MAX_CELL + 40:,} more characters are in the plan file]"
        text = text[: MAX_CELL - len(marker)] + marker
    return text


KEPT_TEXT = "Planner text"  # a hidden sheet: the cells whose text a spreadsheet cannot hold as it is
BASE = "Planner base"  # a hidden, protected sheet: each row as the workbook held it when it was exported
BASE_HEADERS = ("Sheet", "UUID", "Row as exported (SHA-256)", "Row at the last exchange (SHA-256)",
                "Worked-out values as exported")
FILLED_IN_BY = "Values typed by"  # the cover's line naming who types into the workbook


def spreadsheet_alters(text: str) -> bool:
    """Whether a cell cannot hold the text exactly: control characters, a carriage return (XML reads it back as
    a line feed) or more than Excel's 32,767 characters."""
    return len(text) > MAX_CELL or "\r" in text or ILLEGAL.search(text) is not None


def text_digest(text: str) -> str:
    """The text of a cell as a spreadsheet gives it back, hashed: tells an untouched cell from an edited one."""
    return hashlib.sha256(text.replace("\r\n", "\n").replace("\r", "\n").encode()).hexdigest()


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


@dataclass(frozen=True)
class XCol:
    header: str
    attr: str  # the row dict key (a model column, or a computed name)
    kind: str = "text"  # text | date | number | int | bool | uuid | choice
    width: int = 14
    required: bool = False
    exported_only: bool = False  # worked out on export (status, progress); ignored on import
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class XSheet:
    name: str
    table: str  # database table, for exchange state
    columns: tuple[XCol, ...]

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def exchanged(self) -> list[XCol]:
        return [c for c in self.columns if not c.exported_only and c.attr != "uuid"]


PROJECT_STATUSES = ("Not started", "On track", "At risk", "Off track", "On hold", "Complete")
WIG_STATUSES = ("Not started", "No data", "On track", "At risk", "Off track", "Achieved")
UUID_WIDTH = 12  # a UUID is for the import, not for reading: narrow (its first digits show), last on the row
LINK_WIDTH = 16  # a UUID naming another row: typed or pasted to link a row, rarely read
U = XCol("UUID", "uuid", "uuid", UUID_WIDTH)  # empty in a row a person added: the import makes one


def _sheet(name: str, table: str, columns: tuple[XCol, ...]) -> XSheet:
    """A sheet whose row UUID is its last column (the import finds every column by its header, so a workbook
    of the earlier layout, UUID first, reads the same)."""
    return XSheet(name, table, tuple(c for c in columns if c.attr != "uuid")
                  + tuple(c for c in columns if c.attr == "uuid"))


PLAN = _sheet("Plan", "plan_nodes", (
    XCol("Level", "level", "choice", 14, True, choices=("Plan", "Division", "Department", "Pillar", "Priority",
                                                        "Strategy", "WIG", "Key lever")),
    XCol("Code", "code", "text", 14), XCol("Parent code", "parent_code", "text", 14, exported_only=True),
    XCol("Title", "title", "text", 70, True), U,
    XCol("Parent UUID", "parent_uuid", "uuid", LINK_WIDTH), XCol("Owner UUID", "owner_uuid", "uuid", LINK_WIDTH),
    XCol("Position", "position", "int", 9),
))
WIGS = _sheet("WIGs", "wig", (
    U, XCol("Code", "code", "text", 18, exported_only=True), XCol("Owner", "owner", "text", 24, exported_only=True),
    XCol("Goal as written", "sentence", "text", 60, True),
    XCol("Kind", "kind", "choice", 11, True, choices=("number", "percent", "milestone")),
    XCol("Baseline", "baseline", "number", 11), XCol("Target", "target", "number", 11),
    XCol("Unit", "unit", "text", 12),
    XCol("Direction", "direction", "choice", 11, True, choices=tuple(d.value for d in Direction)),
    XCol("Start", "start_date", "date", 12), XCol("Deadline", "deadline", "date", 12),
    XCol("Weight", "weight", "number", 8), XCol("Change from baseline (%)", "relative_change", "number", 12),
    XCol("Lineage UUID", "lineage_uuid", "uuid", LINK_WIDTH),
    XCol("Latest value", "latest_value", "number", 12, exported_only=True),
    XCol("Latest period end", "latest_date", "date", 14, exported_only=True),
    XCol("Progress", "progress", "number", 10, exported_only=True),
    XCol("Status", "status", "choice", 12, exported_only=True, choices=WIG_STATUSES),
))
MEASURES = _sheet("Measures", "performance_measure", (
    U, XCol("Measure", "name", "text", 50, True), XCol("Unit", "unit", "text", 8),
    XCol("Frequency", "frequency", "choice", 12, True,
         choices=("daily", "weekly", "monthly", "quarterly", "semesterly", "annually")),
    XCol("WIG UUID", "wig_uuid", "uuid", LINK_WIDTH), XCol("Strategy UUID", "strategy_uuid", "uuid", LINK_WIDTH),
    XCol("Department UUID", "department_uuid", "uuid", LINK_WIDTH),
    XCol("Position", "position", "int", 9),
    XCol("Quantity baseline", "goal_baseline", "number", 11), XCol("Quantity target", "goal_target", "number", 11),
    XCol("Over 100% allowed", "allow_over_100", "bool", 10), XCol("Lineage UUID", "lineage_uuid", "uuid", LINK_WIDTH),
))
MEASUREMENTS = _sheet("Measurements", "measurement", (
    U, XCol("Subject", "subject", "text", 40, exported_only=True),
    XCol("Subject UUID", "subject_uuid", "uuid", LINK_WIDTH, True),
    XCol("Period", "period", "text", 12, exported_only=True),
    XCol("Period start", "period_start", "date", 12, True), XCol("Period end", "period_end", "date", 12, True),
    XCol("Value", "value", "number", 10), XCol("Done", "done", "bool", 8), XCol("Note", "note", "text", 30),
    XCol("Evidence", "evidence", "text", 24), XCol("Entered by", "entered_by", "text", 14),
))
PROJECTS = _sheet("Projects", "project", (
    U, XCol("Project", "name", "text", 30, True), XCol("Carries UUID", "carries_uuid", "uuid", LINK_WIDTH, True),
    XCol("Carries", "carries", "text", 40, exported_only=True), XCol("Purpose", "purpose", "text", 40),
    XCol("Sponsor", "sponsor", "text", 16), XCol("Lead", "lead", "text", 16),
    XCol("Start", "start_date", "date", 12), XCol("End", "end_date", "date", 12),
    XCol("Status", "status", "choice", 12, True, choices=PROJECT_STATUSES),
    XCol("% complete", "percent_complete", "number", 11), XCol("Budget", "budget", "number", 12),
    XCol("Spent", "spent", "number", 12),
))
MILESTONES = _sheet("Milestones", "milestone", (
    U, XCol("Project UUID", "project_uuid", "uuid", LINK_WIDTH, True),
    XCol("Project", "project", "text", 24, exported_only=True), XCol("Milestone", "name", "text", 30, True),
    XCol("Due", "due", "date", 12), XCol("Done on", "done_on", "date", 12), XCol("Position", "position", "int", 9),
))
TASKS = _sheet("Tasks", "task", (
    U, XCol("Project UUID", "project_uuid", "uuid", LINK_WIDTH, True),
    XCol("Project", "project", "text", 24, exported_only=True), XCol("#", "number", "int", 5, True),
    XCol("Task", "name", "text", 30, True), XCol("Owner", "owner", "text", 14),
    XCol("Start", "start_date", "date", 12), XCol("Due", "due", "date", 12),
    XCol("Status", "status", "choice", 12, True, choices=("Not started", "In progress", "Blocked", "Done")),
    XCol("% complete", "percent_complete", "number", 11),
))
DEPENDENCIES = _sheet("Task Dependencies", "task_dependency", (
    U,
    XCol("Task UUID", "task_uuid", "uuid", LINK_WIDTH, True), XCol("Task", "task", "text", 30, exported_only=True),
    XCol("Depends on UUID", "depends_on_uuid", "uuid", LINK_WIDTH, True),
    XCol("Depends on", "depends_on", "text", 30, exported_only=True),
))
RAID = _sheet("RAID Log", "raid_item", (
    U, XCol("Project UUID", "project_uuid", "uuid", LINK_WIDTH, True),
    XCol("Project", "project", "text", 24, exported_only=True),
    XCol("Type", "type", "choice", 12, True, choices=("Risk", "Assumption", "Issue", "Dependency")),
    XCol("Description", "description", "text", 40, True), XCol("Owner", "owner", "text", 14),
    XCol("Raised on", "raised_on", "date", 12),
    XCol("Status", "status", "choice", 12, True, choices=("Open", "Monitoring", "Closed")),
    XCol("Response", "response", "text", 30), XCol("Closed on", "closed_on", "date", 12),
    XCol("Likelihood", "likelihood", "int", 10), XCol("Impact", "impact", "int", 9),
    XCol("Score", "score", "int", 8, exported_only=True),
))
UPDATES = _sheet("Weekly Updates", "status_update", (
    U, XCol("Project UUID", "project_uuid", "uuid", LINK_WIDTH, True),
    XCol("Project", "project", "text", 24, exported_only=True), XCol("Week of", "update_date", "date", 12, True),
    XCol("Status", "status", "choice", 12, True, choices=PROJECT_STATUSES),
    XCol("Accomplishments", "accomplishments", "text", 36), XCol("Next steps", "next_steps", "text", 30),
    XCol("Blockers", "blockers", "text", 30),
))
DATA_SHEETS = (PLAN, WIGS, MEASURES, MEASUREMENTS, PROJECTS, MILESTONES, TASKS, DEPENDENCIES, RAID, UPDATES)


def dependency_uuid(task_uuid: str, depends_on_uuid: str) -> str:
    """A dependency has no row of its own; its UUID is derived from the two tasks, the same everywhere."""
    return str(uuid_mod.uuid5(uuid_mod.UUID(task_uuid), depends_on_uuid.lower()))
COVER, DATA_ENTRY, CHARTS = "Cover", "Data Entry", "Charts"
HISTORY = "History"  # read-only provenance: exported, never imported


def normalise(kind: str, value: Any) -> Any:
    """One form for a value however it was stored or typed, so hashes compare like with like."""
    if value is None or value == "":
        return None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind in ("number", "int"):
        number = float(value)
        return int(number) if number.is_integer() else round(number, 9)
    if kind == "bool":
        return bool(value)
    if kind == "uuid":
        return str(value).lower()
    return str(value).strip()


def state_key(sheet: str, row_uuid: str) -> uuid_mod.UUID:
    """The exchange-state key of a row on a sheet. A WIG is on two sheets (its place in the Plan, its
    structure on WIGs), each with its own base."""
    key = uuid_mod.UUID(str(row_uuid))
    return uuid_mod.uuid5(key, sheet) if sheet == "WIGs" else key


def worked_out(sheet: XSheet) -> list[XCol]:
    """The columns Planner works out on export (status, progress, codes, names of what a row points at)."""
    return [c for c in sheet.columns if c.exported_only]


LONG_VALUE = 200  # a worked-out text longer than this is kept on the base sheet as its digest


def base_value(kind: str, value: Any) -> Any:
    """A worked-out cell's value as the base sheet keeps it (JSON), and as the import compares it."""
    found = normalise(kind, value)
    if isinstance(found, str) and len(found) > LONG_VALUE:
        return "sha256:" + text_digest(found)
    return found


def same_value(a: Any, b: Any) -> bool:
    """Two normalised cell values alike (numbers to nine significant places, as a spreadsheet keeps them)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return bool(a == b)


def sheet_named(name: str) -> XSheet | None:
    return next((s for s in DATA_SHEETS if s.name == name), None)


SHORT_HASH = 20  # hex digits of a row hash on the base sheet: 80 bits, ample to tell one row's versions apart


def short_hash(digest: str) -> str:
    """A row hash as the base sheet holds it (the plan file keeps the full SHA-256)."""
    return digest[:SHORT_HASH]


def row_hash(sheet: XSheet, row: dict[str, Any]) -> str:
    parts = [f"{c.attr}={normalise(c.kind, row.get(c.attr))!r}" for c in sheet.exchanged()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for the block. An exchange holds hundreds of thousands of row dicts,
    tuples and cells at once, none in a cycle: each of the collector's full passes walks them all for nothing,
    and there are more passes the more there is (measured: a fifth of a 20,000-value export).
    Restored as it was when the block ends, however it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
