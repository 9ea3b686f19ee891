"""Every path beside its floor, in one run: each Planner path is timed in alternation with the least work that
could do the same job (the floor), pair after pair, and the table gives the median of each, and the median
of the pairs' ratios. Prints the table; asserts nothing (timings are not pass/fail).

    python -m tests.benchmarks.bench_paths [--quick] [--keep FOLDER] [--only a,b,...]

Rows:
  a  `planner log` as a process          vs the `sqlite3` command inserting one row (else a `python -c` raw insert)
  b  log one value through the service   vs a raw sqlite3 insert into the same file: same pragmas, same triggers
  c  process start to the window painted vs a bare PySide6 QMainWindow with one QTreeView (and peak memory)
  d  open the x100 plan to its tree      vs a bare SELECT of the same outline rows
  e  import of a department workbook     vs a bare openpyxl read-only pass (and python-calamine, if installed)
  f  export of values                    vs bare openpyxl write-only of the same cells
  g  filter keystroke on the x100 tree   vs a scan of the same rows' text held in memory (median and worst)

--quick runs fewer pairs, a x10 plan instead of x100 and 20,000 values instead of 200,000 (it says so).
--keep builds the large files in FOLDER once and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TODAY = date(2025, 1, 15)


@dataclass
class Row:
    path: str
    floor: str
    planner_s: list[float] = field(default_factory=list)
    floor_s: list[float] = field(default_factory=list)
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return statistics.median(p / f for p, f in zip(self.planner_s, self.floor_s, strict=True))

    def shown(self, values: list[float]) -> str:
        middle = statistics.median(values)
        if self.unit == "MiB":
            return f"{middle:.0f} MiB"
        return f"{middle * 1000:.1f} ms" if middle < 1 else f"{middle:.2f} s"


def alternate(row: Row, planner: Callable[[], float], floor: Callable[[], float], pairs: int) -> Row:
    """`pairs` pairs of one Planner run and one floor run, the order swapped every other pair so neither
    side always runs on a warm (or a cold) cache."""
    for n in range(pairs):
        if n % 2:
            f = floor()
            p = planner()
        else:
            p = planner()
            f = floor()
        row.planner_s.append(p)
        row.floor_s.append(f)
    return row


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time of a whole process, and what it printed."""
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed, proc.stdout


# ---- files ------------------------------------------------------------------------------------------------------


def default_plan(folder: Path) -> Path:
    from planner.services.plan_file import new_plan_file

    path = folder / "default.planner"
    if not path.exists():
        new_plan_file(path).close()
    return path


def free_slots(path: Path) -> list[tuple[str, int, str]]:
    """Every (measure UUID, measure id, period label) of the plan year that has no value yet: each log in the
    benchmark writes a new row, as a planner logging this month's value does."""
    from sqlalchemy import select

    from planner.model import Measurement, PerformanceMeasure
    from planner.services.measurements import subject_info
    from planner.services.plan_nodes import Kind, NodeKey
    from planner.store import open_plan_file

    slots = []
    with open_plan_file(path) as store:
        with store.reader() as s:
            measures = s.execute(select(PerformanceMeasure.id, PerformanceMeasure.uuid)).all()
            taken = set(s.execute(select(Measurement.measure_id, Measurement.period_start)).tuples())
        for ident, ident_uuid in measures:
            subject = subject_info(store, NodeKey(Kind.MEASURE, ident))
            free = [p for p in subject.periods() if (ident, p.start) not in taken]
            slots += [(n, ident, str(ident_uuid), p.label) for n, p in enumerate(free)]
    slots.sort()  # round-robin over the measures, so the rows spread as a plan's values do
    return [(ident_uuid, ident, label) for _n, ident, ident_uuid, label in slots]


# ---- (a) planner log as a process ---------------------------------------------------------------------------------


def row_log_process(folder: Path, pairs: int) -> Row:
    path = folder / "log-process.planner"
    shutil.copyfile(default_plan(folder), path)
    slots = iter(free_slots(path))
    env = child_env()
    floor_db = folder / "floor.db"
    floor_db.unlink(missing_ok=True)
    cli = shutil.which("sqlite3")
    setup = sqlite3.connect(floor_db)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value REAL, note TEXT)")
    setup.close()

    if cli:
        label = "the `sqlite3` command inserting one row (WAL, synchronous=FULL)"
        floor_argv = [cli, str(floor_db), "PRAGMA synchronous = FULL; INSERT INTO t (value, note) VALUES (5, '');"]
    else:
        label = "a `python -c` process inserting one row with sqlite3 (no sqlite3 command here)"
        floor_argv = [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                      "c.execute('PRAGMA synchronous = FULL'); c.execute(\"INSERT INTO t (value, note) VALUES "
                      "(5, '')\"); c.commit()", str(floor_db)]

    def planner() -> float:
        measure, _ident, period = next(slots)
        elapsed, _out = run_child([sys.executable, "-m", "planner", "log", "--db", str(path), "--measure", measure,
                                   "--period", period, "--value", "5"], env)
        return elapsed

    def floor() -> float:
        return run_child(floor_argv, env)[0]

    run_child([sys.executable, "-c", "import planner.cli"], env)  # the first run compiles the .pyc files
    return alternate(Row("`planner log` as a process", label), planner, floor, pairs)


# ---- (b) log one value through the service ------------------------------------------------------------------------


def row_log_service(folder: Path, pairs: int) -> Row:
    from planner.services.measurements import log_value
    from planner.services.plan_nodes import Kind, NodeKey
    from planner.store import open_plan_file
    from planner.store.audit import changes_by, context_value

    path = folder / "log-service.planner"
    shutil.copyfile(default_plan(folder), path)
    slots = free_slots(path)
    pairs = min(pairs, len(slots) - 1)
    planner_slots = iter(slots[:pairs])
    with open_plan_file(path) as store:
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        raw.create_function("planner_context", 1, context_value)
        for pragma in ("busy_timeout = 5000", "foreign_keys = ON", "journal_mode = WAL", "synchronous = FULL"):
            raw.execute(f"PRAGMA {pragma}")
        measure_ids = [s[1] for s in slots]
        day = iter(range(10_000))

        def planner() -> float:
            _uuid, ident, period = next(planner_slots)
            return timed(lambda: log_value(store, NodeKey(Kind.MEASURE, ident), period, 5, entered_by="bench"))

        def floor() -> float:
            n = next(day)
            when = (date(2031, 1, 1) + timedelta(days=n)).isoformat()  # outside every year the service logs
            now = datetime.now().isoformat(sep=" ")
            started = time.perf_counter()
            with changes_by("bench"):
                raw.execute("BEGIN")
                raw.execute("INSERT INTO measurement (uuid, created_at, updated_at, measure_id, period_start, "
                            "period_end, value, note, entered_by, entered_at, evidence) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, '', 'bench', ?, '')",
                            (uuid.uuid4().hex, now, now, measure_ids[n % len(measure_ids)], when, when, 5.0, now))
                raw.execute("COMMIT")
            return time.perf_counter() - started

        log_value(store, NodeKey(Kind.MEASURE, slots[-1][1]), slots[-1][2], 5)  # the first call compiles its queries
        floor()
        row = alternate(Row("log one value through the service, own transaction",
                            "raw sqlite3 insert, same file, same pragmas, same audit and lock triggers"),
                        planner, floor, pairs)
        raw.close()
    return row


# ---- (c) start-up to the window painted ---------------------------------------------------------------------------

PAINTED = """
import os, sys, time
from pathlib import Path
def peak():
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return float('nan')
"""

BARE_WINDOW = PAINTED + """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTreeView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTreeView())
window.resize(1280, 800)
window.show()
def painted():
    app.processEvents()
    print(time.monotonic(), peak(), flush=True)
    os._exit(0)
QTimer.singleShot(0, painted)
app.exec()
"""

PLANNER_WINDOW = PAINTED + """
from PySide6.QtCore import QStandardPaths, QTimer
QStandardPaths.setTestModeEnabled(True)
from planner.ui.app import application, create_main_window
app = application()
window = create_main_window(Path(sys.argv[1]))
window.resize(1280, 800)
window.show()
def painted():
    app.processEvents()
    if window.store is None or window.page.model.rowCount() == 0:  # opening runs on the thread pool
        QTimer.singleShot(1, painted)
        return
    app.processEvents()
    print(time.monotonic(), peak(), flush=True)
    os._exit(0)
QTimer.singleShot(0, painted)
app.exec()
"""


def row_startup(folder: Path, pairs: int) -> tuple[Row, Row]:
    path = default_plan(folder)
    env = child_env()
    env["XDG_DATA_HOME"] = str(folder / "xdg-data")
    env["XDG_CONFIG_HOME"] = str(folder / "xdg-config")
    memory = Row("peak memory of that window", "the same bare window", unit="MiB")

    def start(script: str, *argv: str) -> tuple[float, float]:
        started = time.monotonic()
        _elapsed, out = run_child([sys.executable, "-c", script, *argv], env)
        painted, peak = (float(x) for x in out.split()[-2:])
        return painted - started, peak

    def planner() -> float:
        elapsed, peak = start(PLANNER_WINDOW, str(path))
        memory.planner_s.append(peak)
        return elapsed

    def floor() -> float:
        elapsed, peak = start(BARE_WINDOW)
        memory.floor_s.append(peak)
        return elapsed

    start(PLANNER_WINDOW, str(path))  # compiles the .pyc files, creates the settings
    row = alternate(Row("process start to the main window painted with the default plan's tree",
                        "a bare PySide6 process painting a QMainWindow with one QTreeView"), planner, floor, pairs)
    return row, memory


# ---- (d) the x100 plan's tree -------------------------------------------------------------------------------------

OUTLINE_SELECTS = [
    "SELECT id, code, name, position FROM pillar WHERE plan_id = ?",
    "SELECT p.id, p.pillar_id, p.code, p.statement, p.position FROM priority p JOIN pillar ON pillar.id = p.pillar_id "
    "WHERE pillar.plan_id = ?",
    "SELECT s.id, s.priority_id, s.code, s.statement, s.position, s.division_id, d.name, r.code, pl.code "
    "FROM strategy s JOIN priority r ON r.id = s.priority_id JOIN pillar pl ON pl.id = r.pillar_id "
    "LEFT JOIN division d ON d.id = s.division_id WHERE pl.plan_id = ?",
    "SELECT strategy_id, department_id FROM strategy_collaborator WHERE ? IS NOT NULL",
    "SELECT w.id, w.strategy_id, w.department_id, w.position, w.department_position, w.sentence, d.name "
    "FROM wig w LEFT JOIN department d ON d.id = w.department_id WHERE ? IS NOT NULL",
    "SELECT id, wig_id, position, text FROM key_lever WHERE ? IS NOT NULL",
    "SELECT id, wig_id, department_id, strategy_id, position, name FROM performance_measure WHERE ? IS NOT NULL",
]


def bare_outline(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return sum(len(conn.execute(sql, (1,)).fetchall()) for sql in OUTLINE_SELECTS)
    finally:
        conn.close()


def large_plan(folder: Path, copies: int) -> Path:
    path = folder / f"x{copies}.planner"
    if not path.exists():
        from tests.benchmarks.generate import generate

        started = time.perf_counter()
        tmp = path.with_name(path.name + ".building")
        tmp.unlink(missing_ok=True)
        generate(tmp, copies).close()
        tmp.replace(path)
        print(f"(generated the x{copies} plan in {time.perf_counter() - started:.0f} s)", flush=True)
    return path


def row_tree(folder: Path, copies: int, pairs: int) -> Row:
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    from planner.ui.app import application
    from planner.ui.main_window import MainWindow

    path = large_plan(folder, copies)
    app = application()
    data = folder / "tree-data"
    data.mkdir(exist_ok=True)

    def planner() -> float:
        started = time.perf_counter()
        window = MainWindow(data_dir=data)
        window.resize(1280, 800)
        window.show()
        window.open_path(path)
        while window.store is None or window.page.model.rowCount() == 0:
            app.processEvents()
        app.processEvents()
        elapsed = time.perf_counter() - started
        window.close()
        window.deleteLater()
        app.processEvents()
        return elapsed

    def floor() -> float:
        return timed(lambda: bare_outline(path))

    planner()
    return alternate(Row(f"open the x{copies} plan to its tree filled", "a bare SELECT of the same outline rows"),
                     planner, floor, pairs)


# ---- (g) a filter keystroke on the x100 tree ----------------------------------------------------------------------

KEYSTROKES = ["s", "st", "str", "stra", "strat", "strate", "strateg", "strategi", "strategic", "strategi", "strat",
              "", "a", "ac", "aca", "acad", "acade", "academ", "academi", "academic", ""]


def row_filter(folder: Path, copies: int, rounds: int) -> Row:
    """Each keystroke as the debounce timer runs it (the model filtered, the matches' branches expanded, the
    tree on the Plan tab laid out and painted), beside a scan of the same rows' text held in memory."""
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    from planner.ui.app import application
    from planner.ui.main_window import MainWindow

    path = large_plan(folder, copies)
    app = application()
    data = folder / "filter-data"
    data.mkdir(exist_ok=True)
    window = MainWindow(data_dir=data)
    window.resize(1280, 800)
    window.show()
    window.tabs.setCurrentWidget(window.page)
    window.open_path(path)
    while window.store is None or window.page.model.rowCount() == 0:
        app.processEvents()
    from planner.ui.tasks import wait_for_background

    for _ in range(3):  # the statuses, the file's check and the other views, read behind the tree: typing
        for _ in range(5):  # starts once they are in
            app.processEvents()
        wait_for_background()
    page = window.page
    texts = [r.search_text for r in page.model.rows()]  # the floor's rows, held in memory as the tree holds them
    keys = iter(KEYSTROKES * rounds)

    cpu: list[float] = []  # the GUI thread's own CPU time: what a shared, busy machine does not inflate
    typed: list[str] = []  # the filter's text at each keystroke, to name the worst

    def planner() -> float:
        typed.append(next(keys))
        page.filter_edit.setText(typed[-1])
        started, thread_started = time.perf_counter(), time.thread_time()
        page.apply_filter()
        for _ in range(3):
            app.processEvents()
        cpu.append(time.thread_time() - thread_started)
        return time.perf_counter() - started

    found: list[int] = []

    def floor() -> float:
        needle = KEYSTROKES[len(found) % len(KEYSTROKES)].strip().lower()
        started = time.perf_counter()
        found.append(len([t for t in texts if needle in t]))
        return time.perf_counter() - started

    row = alternate(Row(f"filter keystroke on the x{copies} plan ({len(texts):,} rows)",
                        "a scan of the same rows' text held in memory"), planner, floor, len(KEYSTROKES) * rounds)
    later = row.planner_s[len(KEYSTROKES):] or row.planner_s
    worst = max(range(len(row.planner_s)), key=row.planner_s.__getitem__)
    row.path += (f" (worst {max(row.planner_s) * 1000:.0f} ms, at {typed[worst]!r}; "
                 f"after the first {len(KEYSTROKES)} keystrokes, "
                 f"worst {max(later) * 1000:.0f} ms; the GUI thread's CPU time {statistics.median(cpu) * 1000:.0f} "
                 f"ms median, {max(cpu) * 1000:.0f} ms worst)")
    window.close()
    return row


# ---- (e) import, (f) export ---------------------------------------------------------------------------------------


def _largest_department(store) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from planner.model import Department, Wig

    with store.reader() as s:
        row = s.execute(select(Department.id, Department.name).join(Wig, Wig.department_id == Department.id)
                        .group_by(Department.id).order_by(func.count(Wig.id).desc()).limit(1)).one()
    return int(row[0]), str(row[1])


def openpyxl_read(book: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        return sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for _ in row)
    finally:
        wb.close()


def calamine_read(book: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(book))
    return sum(len(r) for name in wb.sheet_names for r in wb.get_sheet_by_name(name).to_python())


def row_import(folder: Path, pairs: int) -> list[Row]:
    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.services.xlsx_import import apply_import, plan_import
    from planner.store import open_plan_file
    from tests.benchmarks.generate import add_measurements

    central = folder / "import-central.original"
    shutil.copyfile(default_plan(folder), central)
    department = folder / "import-department.planner"
    shutil.copyfile(central, department)
    book = folder / "department.xlsx"
    with open_plan_file(department) as store:
        add_measurements(store, 6)
        dept_id, name = _largest_department(store)
        export_workbook(store, book, ExportScope(1, dept_id, None, name), TODAY, "bench")
    target = folder / "import-central.planner"

    def planner() -> float:
        shutil.copyfile(central, target)
        with open_plan_file(target) as store:
            started = time.perf_counter()
            plan = plan_import(store, [book], TODAY)
            apply_import(store, plan)
            return time.perf_counter() - started

    planner()
    rows = [alternate(Row(f"import of a department workbook ({name}, {book.stat().st_size // 1024} KiB)",
                          "a bare openpyxl read-only pass over every cell"),
                      planner, lambda: timed(lambda: openpyxl_read(book)), pairs)]
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        rows.append(Row("the same import", "python-calamine reading the same file", note="not installed"))
    else:
        rows.append(Row("the same import", "python-calamine reading every cell of the same file",
                        planner_s=list(rows[0].planner_s),
                        floor_s=[timed(lambda: calamine_read(book)) for _ in rows[0].planner_s]))
    return rows


def values_plan(folder: Path, values: int) -> Path:
    path = folder / f"values-{values}.planner"
    if not path.exists():
        from tests.benchmarks.bench_exchange import fill
        from tests.benchmarks.generate import generate

        started = time.perf_counter()
        tmp = path.with_name(path.name + ".building")
        tmp.unlink(missing_ok=True)
        store = generate(tmp, 7)
        fill(store, values)
        store.close()
        tmp.replace(path)
        print(f"(generated the district with {values:,} values in {time.perf_counter() - started:.0f} s)", flush=True)
    return path


def bare_write(sheets: list[tuple[str, list[tuple]]], out: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(out)


def row_export(folder: Path, values: int, pairs: int) -> Row:
    import openpyxl

    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.store import open_plan_file

    path = values_plan(folder, values)
    book = folder / "export.xlsx"
    bare = folder / "bare.xlsx"
    with open_plan_file(path) as store:
        def planner() -> float:
            return timed(lambda: export_workbook(store, book, ExportScope(1), TODAY, "bench"))

        first = planner()
        wb = openpyxl.load_workbook(book, read_only=True)  # the very cells Planner wrote, read back once
        sheets = [(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]
        wb.close()
        cells = sum(len(r) for _t, rows in sheets for r in rows)
        row = Row(f"export of {values:,} values ({cells / 1e6:.1f} million cells, every sheet, "
                  f"{book.stat().st_size / 1e6:.1f} MB)",
                  "bare openpyxl write-only, the same cells", planner_s=[first],
                  floor_s=[timed(lambda: bare_write(sheets, bare))])
        return alternate(row, planner, lambda: timed(lambda: bare_write(sheets, bare)), pairs - 1)


# ---- the table ----------------------------------------------------------------------------------------------------


def table_line(row: Row) -> str:
    if not row.planner_s or not row.floor_s:
        return f"| {row.path} | | {row.floor} | {row.note} | | |"
    return (f"| {row.path} | {row.shown(row.planner_s)} | {row.floor} | {row.shown(row.floor_s)} | "
            f"{row.ratio:.1f}x | {len(row.planner_s)} |")


def print_table(rows: list[Row], header: str) -> None:
    print(f"\n{header}\n")
    print("| path | Planner | floor it is held against | floor | ratio (median of pairs) | pairs |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for row in rows:
        print(table_line(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs, x10 plan, 20,000 values")
    parser.add_argument("--keep", type=Path, help="build the large files here once and reuse them")
    parser.add_argument("--only", default="abcdefg", help="the rows to run, e.g. --only ab")
    args = parser.parse_args()
    quick = args.quick
    copies, values = (10, 20_000) if quick else (100, 200_000)
    few, many = (3, 30) if quick else (7, 200)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        large = args.keep or folder
        large.mkdir(parents=True, exist_ok=True)
        rows: list[Row] = []
        steps: dict[str, Callable[[], object]] = {
            "a": lambda: rows.append(row_log_process(folder, few * 2)),
            "b": lambda: rows.append(row_log_service(folder, many)),
            "c": lambda: rows.extend(row_startup(folder, few)),
            "d": lambda: rows.append(row_tree(large, copies, few)),
            "e": lambda: rows.extend(row_import(folder, few * 3)),
            "f": lambda: rows.append(row_export(large, values, 1 if quick else 3)),
            "g": lambda: rows.append(row_filter(large, copies, 1 if quick else 3)),
        }
        for key in args.only:
            print(f"row {key} …", flush=True)
            done = len(rows)
            steps[key]()
            for row in rows[done:]:  # as it comes, so a long run shows what it has so far
                print(f"  {table_line(row)}", flush=True)
        cpus = os.cpu_count()
        print_table(rows, f"Planner beside its floors ({cpus} cores, Python {sys.version.split()[0]}, "
                          f"{'--quick' if quick else 'full run'})")


if __name__ == "__main__":
    main()
