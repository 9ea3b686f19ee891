"""The district on PostgreSQL beside SQLite: the move onto the server (`planner server init --from`), then Due
Now, the scoreboard and the export timed on each backend, as a table with the ratio server / file.

    python -m tests.benchmarks.bench_server_scale --file /work/data/x10/district-x10.planner
    python -m tests.benchmarks.bench_server_scale            # a small district built here (--copies 1)
    python -m tests.benchmarks.bench_server_scale --file F --server postgresql://host/empty_db

The plan file is never written: it is copied into a folder of this run (an export records merge bases in the
plan) and read from there. Without --server a throwaway cluster is started the way tests/conftest.py does and
removed after. The ratio is the figure to compare from run to run (the same machine, the same moment);
run it again as it is after changes to Due Now or the scoreboard. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2025, 1, 15)


def _timed(step: Callable[[], Any]) -> tuple[float, Any]:
    begun = time.perf_counter()
    result = step()
    return time.perf_counter() - begun, result


def _step(figures: dict[str, tuple[float, str]], name: str, step: Callable[[], Any],
          said: Callable[[Any], str]) -> None:
    """One step timed; a step that fails is shown as failed (with what it said), the others still run."""
    try:
        seconds, result = _timed(step)
    except Exception as exc:  # a figure table, not a test: the failure is the finding
        figures[name] = (float("nan"), f"FAILED: {' '.join(str(exc).split())[:90]}")
        return
    figures[name] = (seconds, said(result))


def _steps(store: Any, out: Path) -> dict[str, tuple[float, str]]:
    """Due Now, the scoreboard (the whole plan's cards) and the export of the largest division."""
    from planner.services.charts import Scope, scoreboard
    from planner.services.due import due_now
    from planner.services.exchange_rows import ExportScope
    from planner.services.report import active_plan_id
    from planner.services.xlsx_export import export_workbook
    from tests.benchmarks.bench_scale import _biggest_division

    plan_id = active_plan_id(store)
    figures: dict[str, tuple[float, str]] = {}
    _step(figures, "Due Now", lambda: due_now(store, plan_id, TODAY), lambda due: f"{len(due):,} items")
    _step(figures, "scoreboard (whole plan)", lambda: scoreboard(store, plan_id, Scope(), TODAY),
          lambda cards: f"{len(cards):,} cards")
    division, name = _biggest_division(store)
    _step(figures, f"export (division {name[:18]})",
          lambda: export_workbook(store, out, ExportScope(plan_id, division_id=division), TODAY, "bench"),
          lambda result: f"{sum(result.rows.values()):,} rows")
    for step, (seconds, what) in figures.items():
        print(f"    {step}: {seconds:.2f} s, {what}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="the plan file (default: a small district built here)")
    parser.add_argument("--server", help="an empty database to copy onto (default: a throwaway cluster)")
    parser.add_argument("--copies", type=int, default=1, help="the size of the district built without --file")
    parser.add_argument("--measurements", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=200)
    args = parser.parse_args()

    from planner.store import open_plan_file, open_server
    from planner.store.copy_to_server import copy_file_to_server

    folder = Path(tempfile.mkdtemp(prefix="planner-bench-server-"))
    cluster = None
    try:
        if args.file is None:
            from tests.benchmarks.bench_scale import build_large

            path, built = build_large(folder, args.copies, args.measurements, args.projects)
            print(f"Built a district: {built}")
        else:
            path = folder / args.file.name
            seconds, _ = _timed(lambda: shutil.copyfile(args.file, path))
            print(f"Copied {args.file} ({path.stat().st_size / 1e9:.2f} GB) into {folder} in {seconds:.1f} s",
                  flush=True)
        url = args.server
        if url is None:
            from tests.conftest import PgCluster, postgres_bindir

            bindir = postgres_bindir()
            if bindir is None:
                sys.exit("No PostgreSQL here (pg_ctl not found); pass --server URL.")
            cluster = PgCluster(bindir)
            url = cluster.url(cluster.new_database())

        shown_at = [time.perf_counter()]

        def progress(table: str, done: int, total: int) -> None:
            if (done == total and total) or time.perf_counter() - shown_at[0] > 10:
                shown_at[0] = time.perf_counter()
                print(f"    {table}: {done:,} of {total:,}", flush=True)

        print("Moving the file onto the server (planner server init --from):", flush=True)
        copy_s, copied = _timed(lambda: copy_file_to_server(path, url, progress))
        print(f"  {copied.total:,} rows in {copy_s:.1f} s ({copied.total / copy_s:,.0f} rows/s)")

        print("On the file (SQLite):", flush=True)
        with open_plan_file(path) as store:
            on_file = _steps(store, folder / "file.xlsx")
        print("On the server (PostgreSQL):", flush=True)
        with open_server(url) as store:
            on_server = _steps(store, folder / "server.xlsx")

        print()
        print(f"{'step':34} {'SQLite s':>10} {'PostgreSQL s':>13} {'ratio':>7}  what")
        for step, (file_s, what) in on_file.items():
            server_s, server_what = on_server[step]
            same = "" if what == server_what else f"  (server: {server_what})"
            print(f"{step:34} {file_s:10.2f} {server_s:13.2f} {server_s / file_s:7.2f}  {what}{same}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
