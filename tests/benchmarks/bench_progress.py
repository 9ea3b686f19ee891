"""Benchmark of measurements and the scoreboard: logging 10,000 values through the service (each its own
transaction, as a person or script logs them), and opening the scoreboard for one department and for the
whole district on the district plan and on the x100 plan with six months of values. Prints figures.

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_progress [--large FILE]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QStandardPaths
from sqlalchemy import select

from planner.model import PerformanceMeasure
from planner.services import measurements as ms
from planner.services.plan_file import new_plan_file
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.app import application
from planner.ui.main_window import MainWindow
from planner.ui.tasks import wait_for_background
from tests.benchmarks.generate import add_measurements, generate

TODAY = date(2025, 1, 15)


def bench_logging(path: Path, count: int = 10_000) -> None:
    from planner.store import open_plan_file

    with open_plan_file(path) as store:
        with store.reader() as s:
            ids = list(s.scalars(select(PerformanceMeasure.id).order_by(PerformanceMeasure.id)))
        started = time.perf_counter()
        done = 0
        day = date(2024, 7, 1)
        while done < count:
            for measure_id in ids:
                ms.log_value(store, NodeKey(Kind.MEASURE, measure_id), day, str(done % 100), entered_by="bench",
                             outside_year_ok=True, replace=True)
                done += 1
                if done == count:
                    break
            day = day.replace(year=day.year + 1)
        elapsed = time.perf_counter() - started
    print(f"log {count:,} values through the service: {elapsed:.1f} s ({elapsed / count * 1000:.2f} ms each, "
          "one transaction each)")


def bench_scoreboard(path: Path, label: str) -> None:
    app = application()
    with tempfile.TemporaryDirectory() as data:
        window = MainWindow(data_dir=Path(data))
        window.scoreboard.today = lambda: TODAY
        window.page.today = lambda: TODAY
        window.resize(1400, 900)
        window.show()
        started = time.perf_counter()
        window.open_path(path)
        app.processEvents()
        opened = time.perf_counter() - started
        wait_for_background()
        app.processEvents()
        with_status = time.perf_counter() - started
        board = window.scoreboard
        started = time.perf_counter()
        window.tabs.setCurrentIndex(1)
        wait_for_background()
        app.processEvents()
        district = time.perf_counter() - started
        cards = board.model.rowCount()
        department = next(board.scope_combo.itemText(i) for i in range(board.scope_combo.count())
                          if board.scope_combo.itemText(i).startswith("Department:"))
        started = time.perf_counter()
        board.select_scope(department)
        wait_for_background()
        app.processEvents()
        one_department = time.perf_counter() - started
        dept_cards = board.model.rowCount()
        window.close()
    print(f"{label}: tree shown {opened * 1000:.0f} ms, statuses in {with_status * 1000:.0f} ms; "
          f"scoreboard whole district ({cards:,} cards) {district * 1000:.0f} ms; one department ({dept_cards} cards) "
          f"{one_department * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=Path, help="an x100 plan with values (tests.benchmarks.generate --months 6)")
    args = parser.parse_args()
    QStandardPaths.setTestModeEnabled(True)
    with tempfile.TemporaryDirectory() as tmp:
        cms = Path(tmp) / "cms.planner"
        new_plan_file(cms).close()
        bench_logging(cms)
        small = Path(tmp) / "cms-values.planner"
        store = new_plan_file(small)
        add_measurements(store, 6)
        store.close()
        bench_scoreboard(small, "CMS plan, 6 months of values")
        large = args.large
        if large is None:
            large = Path(tmp) / "x100.planner"
            store = generate(large, 100)
            add_measurements(store, 6)
            store.close()
        bench_scoreboard(large, "CMS plan x100, 6 months of values")


if __name__ == "__main__":
    main()
