"""The district ten times ours, beside the default plan: start-up to the main window, tree shown, scoreboard
shown, the longest the window froze, export, import, PDF summary and peak memory of each step.

    python -m tests.benchmarks.bench_scale [--copies 10] [--measurements 2000000] [--projects 5000]

Each step runs in a child process of its own, so its peak memory (VmHWM) is its own. The GUI step runs
with real background threads and a 10 ms timer on the GUI thread: the longest gap between two ticks is the
longest the window could not repaint or answer a click. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

TODAY = date(2025, 1, 15)


# ---- building the files -------------------------------------------------------------------------------------


def add_projects(path: Path, count: int, seed: int = 11) -> int:
    """`count` projects tied to key levers, each with 3 milestones, 4 tasks, 1 RAID item and 2 weekly updates."""
    from sqlalchemy import insert, select

    from planner.model import (
        KeyLever,
        Milestone,
        Project,
        ProjectStatus,
        RaidItem,
        RaidStatus,
        RaidType,
        StatusUpdate,
        Task,
        TaskStatus,
        utcnow,
    )
    from planner.store import open_plan_file

    rng = random.Random(seed)
    with open_plan_file(path) as store:
        with store.reader() as s:
            levers = list(s.scalars(select(KeyLever.id)))
        now = utcnow()

        def rec() -> dict:
            return {"uuid": uuid.uuid4(), "created_at": now, "updated_at": now}

        with store.session(reason="Benchmark data") as s:
            for start in range(0, count, 1000):
                batch = [{**rec(), "key_lever_id": rng.choice(levers), "name": f"Project {n + 1}", "purpose": "",
                          "sponsor": "", "lead": f"Lead {n % 300}", "start_date": date(2024, 8, 1),
                          "end_date": date(2025, 6, 30),
                          "status": rng.choice([ProjectStatus.ON_TRACK, ProjectStatus.AT_RISK]),
                          "percent_complete": float(rng.randint(0, 100))}
                         for n in range(start, min(count, start + 1000))]
                s.execute(insert(Project), batch)
            ids = list(s.scalars(select(Project.id)))
            for start in range(0, len(ids), 1000):
                chunk = ids[start:start + 1000]
                s.execute(insert(Milestone), [{**rec(), "project_id": p, "name": f"Milestone {k + 1}",
                                               "due": date(2024 + (8 + 3 * k) // 12, (8 + 3 * k) % 12 + 1, 28),
                                               "position": k}
                                              for p in chunk for k in range(3)])
                s.execute(insert(Task), [{**rec(), "project_id": p, "name": f"Task {k + 1}", "owner": "",
                                          "start_date": date(2024, 8, 1), "due": date(2024, 9 + k, 1),
                                          "status": TaskStatus.IN_PROGRESS, "percent_complete": 50.0,
                                          "position": k}
                                         for p in chunk for k in range(4)])
                s.execute(insert(RaidItem), [{**rec(), "project_id": p, "type": RaidType.RISK,
                                              "description": "Turnover", "likelihood": 3, "impact": 3,
                                              "status": RaidStatus.OPEN, "raised_on": date(2024, 9, 1)}
                                             for p in chunk])
                s.execute(insert(StatusUpdate), [{**rec(), "project_id": p,
                                                  "update_date": TODAY - timedelta(days=7 * k),
                                                  "status": ProjectStatus.ON_TRACK}
                                                 for p in chunk for k in range(2)])
    return count


def build_large(folder: Path, copies: int, measurements: int, projects: int) -> tuple[Path, dict]:
    from planner.services.plan_file import plan_counts
    from planner.store import open_plan_file
    from tests.benchmarks.bench_exchange import fill
    from tests.benchmarks.generate import generate

    path = folder / "district-x10.planner"
    started = time.perf_counter()
    central = folder / "large-central.planner"
    if path.exists() and central.exists():  # --keep: built before; the central file is put back as it was
        shutil.copyfile(folder / "large-central.original", central)
        with open_plan_file(path, read_only=True) as store:
            counts = dict(plan_counts(store)[0].counts)
        return path, {"WIGs": counts["WIGs"], "key levers": counts["key levers"], "measurements": measurements,
                      "projects": projects, "build_s": 0.0, "file_mb": path.stat().st_size / 1e6}
    store = generate(path, copies)
    store.save_copy(central)  # the central office's file: the plan, no values yet
    shutil.copyfile(central, folder / "large-central.original")
    values = fill(store, measurements)
    counts = dict(plan_counts(store)[0].counts)
    store.close()
    add_projects(path, projects)
    return path, {"WIGs": counts["WIGs"], "key levers": counts["key levers"], "measurements": values,
                  "projects": projects, "build_s": time.perf_counter() - started,
                  "file_mb": path.stat().st_size / 1e6}


# ---- the steps, each run in its own process -------------------------------------------------------------------


def step_gui(path: Path, started: float) -> dict:
    """Start-up to the main window, the plan file opened and its tree shown, the scoreboard shown."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.pop("PLANNER_SYNC_TASKS", None)  # real background threads, as a user has them
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    QCoreApplication.setOrganizationName("PlannerBenchmark")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path.parent / "settings"))
    from planner.ui.main_window import MainWindow
    from planner.ui.tasks import wait_for_background

    ticks = QElapsedTimer()
    ticks.start()
    gaps = {"max_ms": 0, "last": 0}

    def tick() -> None:
        now = ticks.elapsed()
        gaps["max_ms"] = max(gaps["max_ms"], now - gaps["last"])
        gaps["last"] = now

    def wait_until(condition, timeout_s: float = 600) -> float:  # type: ignore[no-untyped-def]
        begun = time.perf_counter()
        while not condition():
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - begun > timeout_s:
                raise TimeoutError
        return time.perf_counter() - begun

    window = MainWindow(data_dir=path.parent / "data")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    shown = time.perf_counter() - started
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    gaps["last"] = ticks.elapsed()
    begun = time.perf_counter()
    QTimer.singleShot(0, lambda: window.open_path(path))
    wait_until(lambda: window.store is not None and window.page.model.rowCount() > 0)
    tree = time.perf_counter() - begun
    wait_until(lambda: bool(window.due_label.text()) or window.due.summary.text() != "")
    due = time.perf_counter() - begun
    begun = time.perf_counter()
    window.tabs.setCurrentWidget(window.scoreboard)
    wait_until(lambda: window.scoreboard.model.rowCount() > 0)
    scoreboard = time.perf_counter() - begun
    cards = window.scoreboard.model.rowCount()
    wait_for_background()
    timer.stop()
    window.close()
    return {"window_s": shown, "tree_s": tree, "due_s": due, "scoreboard_s": scoreboard,
            "longest_freeze_ms": gaps["max_ms"], "cards": cards}


def _biggest_division(store) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from planner.model import Division, Strategy

    with store.reader() as s:
        row = s.execute(select(Division.id, Division.name).join(Strategy, Strategy.division_id == Division.id)
                        .group_by(Division.id).order_by(func.count(Strategy.id).desc()).limit(1)).one()
    return int(row[0]), str(row[1])


def step_export(path: Path, out: Path, whole: bool) -> dict:
    from planner.errors import ValidationError
    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.store import open_plan_file

    with open_plan_file(path) as store:
        scope, label = ExportScope(1), "whole plan"
        refused = ""
        if not whole:
            try:  # the whole district first: does it fit in Excel?
                export_workbook(store, out, ExportScope(1), TODAY, "bench")
                label = "whole plan"
            except ValidationError as exc:
                refused = exc.message
                division, name = _biggest_division(store)
                scope, label = ExportScope(1, division_id=division), f"division {name}"
        begun = time.perf_counter()
        result = export_workbook(store, out, scope, TODAY, "bench")
        return {"export_s": time.perf_counter() - begun, "scope": label, "refused": refused,
                "rows": sum(result.rows.values()), "xlsx_mb": out.stat().st_size / 1e6}


def step_import(path: Path, book: Path) -> dict:
    """The workbook into the central office's file, which has the plan but none of the values and projects:
    every plan row compared, every value and project added."""
    from planner.services.xlsx_import import apply_import, plan_import
    from planner.store import open_plan_file

    with open_plan_file(path) as store:
        begun = time.perf_counter()
        plan = plan_import(store, [book], TODAY)
        checked = time.perf_counter() - begun
        assert not plan.files[0].problems, plan.files[0].problems[:3]
        begun = time.perf_counter()
        result = apply_import(store, plan)
        return {"check_s": checked, "apply_s": time.perf_counter() - begun, "rows": len(plan.files[0].changes),
                "updated": result.updated, "added": result.added}


def step_pdf(path: Path, out: Path) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication([])  # noqa: F841 - painting text needs the application object
    from planner.render.summary import PageOptions, write_pdf
    from planner.services.report import build_summary, resolve_scope
    from planner.store import open_plan_file

    with open_plan_file(path, read_only=True) as store:
        begun = time.perf_counter()
        scope, label = resolve_scope(store, 1)
        summary = build_summary(store, 1, scope, label, TODAY)
        pages = write_pdf(summary, out, PageOptions())
        return {"pdf_s": time.perf_counter() - begun, "pages": pages}


def peak_mb() -> float:
    """This process's own peak resident memory (VmHWM). Not ru_maxrss: a child forked from a large parent
    reports the parent's peak there."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_step(args: list[str]) -> dict:
    """A step in a child process: its figures and its peak memory."""
    begun = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.bench_scale", "--step", *args,
                             "--started", repr(begun)], stdout=subprocess.PIPE, text=True)
    _pid, status, _usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        raise RuntimeError(f"step {args[0]} failed: {out}")
    figures = json.loads(out.strip().splitlines()[-1])
    print(f"  {args[0]}: {json.dumps(figures)}", flush=True)  # as it comes; the summary follows at the end
    return figures


def measure(label: str, path: Path, folder: Path, whole: bool) -> dict:
    book = folder / f"{label}.xlsx"
    found = {"gui": run_step(["gui", str(path)]),
             "export": run_step(["export", str(path), str(book), "whole" if whole else "split"])}
    found["import"] = run_step(["import", str(folder / f"{label}-central.planner"), str(book)])
    found["pdf"] = run_step(["pdf", str(path), str(folder / f"{label}.pdf")])
    return found


def report(name: str, figures: dict) -> None:
    g, e, i, p = figures["gui"], figures["export"], figures["import"], figures["pdf"]
    print(f"\n{name}")
    print(f"  start-up to the main window   {g['window_s']:.2f} s   (peak {g['peak_mb']:.0f} MB for the whole GUI run)")
    print(f"  tree shown after open          {g['tree_s']:.2f} s   Due Now counted {g['due_s']:.2f} s")
    print(f"  scoreboard shown               {g['scoreboard_s']:.2f} s   ({g['cards']} cards)")
    print(f"  longest GUI freeze             {g['longest_freeze_ms']} ms")
    if e["refused"]:
        print(f"  whole-district export refused: {e['refused']}")
    print(f"  export ({e['scope']})  {e['export_s']:.1f} s, {e['rows']:,} rows, {e['xlsx_mb']:.1f} MB "
          f"(peak {e['peak_mb']:.0f} MB)")
    print(f"  import of it: check {i['check_s']:.1f} s, write {i['apply_s']:.1f} s, {i['rows']:,} rows compared, "
          f"{i['added']:,} added (peak {i['peak_mb']:.0f} MB)")
    print(f"  PDF summary                    {p['pdf_s']:.1f} s, {p['pages']} pages (peak {p['peak_mb']:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--measurements", type=int, default=2_000_000)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="build the files in this folder and reuse them next time")
    parser.add_argument("--step", nargs="+")
    parser.add_argument("--started", type=float)
    args = parser.parse_args()
    if args.step:
        started = time.perf_counter() - (time.time() - args.started) if args.started else time.perf_counter()
        kind, *rest = args.step
        if kind == "gui":
            result = step_gui(Path(rest[0]), started)
        elif kind == "export":
            result = step_export(Path(rest[0]), Path(rest[1]), rest[2] == "whole")
        elif kind == "import":
            result = step_import(Path(rest[0]), Path(rest[1]))
        else:
            result = step_pdf(Path(rest[0]), Path(rest[1]))
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return
    from planner.services.plan_file import new_plan_file

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in [*folder.glob("*.xlsx"), *folder.glob("*.pdf"), folder / "default.planner",
                         folder / "default-central.planner"]:
            leftover.unlink(missing_ok=True)
        default = folder / "default.planner"
        new_plan_file(default).close()
        shutil.copyfile(default, folder / "default-central.planner")
        from planner.store import open_plan_file
        from tests.benchmarks.generate import add_measurements

        with open_plan_file(default) as store:
            add_measurements(store, 6)
        small = measure("default", default, folder, whole=True)
        large_path, built = build_large(folder, args.copies, args.measurements, args.projects)
        print(f"Generated: {built['WIGs']:,} WIGs, {built['key levers']:,} key levers, "
              f"{built['measurements']:,} measurements, {built['projects']:,} projects in {built['build_s']:.0f} s; "
              f"file {built['file_mb']:.0f} MB (with the change history of every row)")
        large = measure("large", large_path, folder, whole=False)
        report("Default plan (CMS 2024-25, 6 months of values)", small)
        report(f"District x{args.copies}", large)


if __name__ == "__main__":
    main()
