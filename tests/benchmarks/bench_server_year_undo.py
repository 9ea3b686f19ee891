"""Starting a plan year on a district server and undoing it, with the checks those writes make against others'
changes (the rows the preview read; every row the undo's plain-SQL deletes reach, cascades included, one
history look-up per row): the times, the rows checked, and the share of the undo the checks take.

    python -m tests.benchmarks.bench_server_year_undo            # a district built here (--copies 1)
    python -m tests.benchmarks.bench_server_year_undo --copies 10

A throwaway cluster is started the way tests/conftest.py does and removed after. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="the size of the district built here")
    args = parser.parse_args()

    from planner.services import years
    from planner.services.history import change_reason
    from planner.store import open_server, server
    from planner.store.copy_to_server import copy_file_to_server
    from tests.benchmarks.bench_scale import build_large
    from tests.conftest import PgCluster, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        sys.exit("No PostgreSQL here (pg_ctl not found).")
    folder = Path(tempfile.mkdtemp(prefix="planner-bench-year-undo-"))
    cluster = PgCluster(bindir)
    try:
        path, built = build_large(folder, args.copies, 2_000, 50)
        print(f"Built a district: {built}", flush=True)
        url = cluster.url(cluster.new_database())
        copy_file_to_server(path, url)
        checked: dict[str, Any] = {"rows": 0, "s": 0.0}
        real, real_seen = server.check_rows, server.check_seen
        seen_checked: dict[str, Any] = {"rows": 0, "s": 0.0}

        def timed_seen(session: Any, rows: list[tuple[str, int]]) -> None:
            begun = time.perf_counter()
            try:
                real_seen(session, rows)
            finally:
                seen_checked["rows"] += len(rows)
                seen_checked["s"] += time.perf_counter() - begun

        def timed_check(session: Any, rows: list[tuple[str, int]]) -> None:
            begun = time.perf_counter()
            try:
                real(session, rows)
            finally:
                checked["rows"] += len(rows)
                checked["s"] += time.perf_counter() - begun

        with open_server(url) as store:
            plan_id = 1
            begun = time.perf_counter()
            preview = years.preview_next_year(store, plan_id)
            preview_s = time.perf_counter() - begun
            for wig in preview.wigs:  # a goal already reached needs a new target first: left behind here
                wig.include = "already reached" not in wig.note
            server.check_seen = timed_seen  # type: ignore[assignment]
            try:
                begun = time.perf_counter()
                started = years.start_year(store, preview)
                start_s = time.perf_counter() - begun
            finally:
                server.check_seen = real_seen  # type: ignore[assignment]
            server.check_rows = timed_check  # type: ignore[assignment]
            try:
                begun = time.perf_counter()
                with change_reason(f"Undo: Start {started.label}"):
                    years.undo_start_year(store, started)
                undo_s = time.perf_counter() - begun
            finally:
                server.check_rows = real  # type: ignore[assignment]
        print(f"preview {preview_s:.2f} s; start {start_s:.2f} s ({started.counts}), of which the check of what "
              f"the preview read {seen_checked['s']:.2f} s for {seen_checked['rows']:,} rows; undo {undo_s:.2f} s, of "
              f"which the checks {checked['s']:.2f} s for {checked['rows']:,} rows "
              f"({1000 * checked['s'] / max(checked['rows'], 1):.2f} ms a row)")
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
