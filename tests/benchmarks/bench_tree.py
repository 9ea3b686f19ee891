"""Benchmark of the plan tree: time to show it, expand all, and filter per keystroke, on the district plan
and on a plan 100 times its size. Prints figures; asserts nothing (timings are not pass/fail).

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_tree [--large FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication

from planner.services.plan_file import new_plan_file, plan_counts
from planner.ui.app import application
from planner.ui.main_window import MainWindow
from tests.benchmarks.generate import generate

KEYSTROKES = ["s", "st", "str", "stra", "strat", "strate", "strateg", "strategi", "strategic"]


def _settle(app: QApplication) -> None:
    for _ in range(3):
        app.processEvents()


def measure(path: Path, label: str) -> None:
    app = application()
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        window = MainWindow(data_dir=Path(data))
        window.resize(1400, 900)
        window.show()
        assert window.open_path(path)
        while window.store is None or window.page.model.rowCount() == 0:  # the file opens on the thread pool
            app.processEvents()
        _settle(app)
        shown = time.perf_counter() - started
        counts = plan_counts(window.store)[0].counts
        page = window.page
        rows = page.model.rowCount()

        started = time.perf_counter()
        page.tree.expandAll()
        _settle(app)
        expand_all = time.perf_counter() - started
        page.tree.collapseAll()
        _settle(app)

        per_key = []
        for text in KEYSTROKES:
            page.filter_edit.setText(text)
            started = time.perf_counter()
            page.apply_filter()  # what the 150 ms debounce timer runs after the last keystroke
            _settle(app)
            per_key.append(time.perf_counter() - started)
        matches = page.model.matches
        page.filter_edit.clear()
        page.apply_filter()
        window.close()
    print(f"{label}: {counts['WIGs']:,} WIGs, {counts['key levers']:,} key levers, {rows} top-level rows")
    print(f"  open file to tree shown: {shown * 1000:8.0f} ms")
    print(f"  expand all:              {expand_all * 1000:8.0f} ms")
    print(f"  filter per keystroke:    {statistics.median(per_key) * 1000:8.0f} ms median, "
          f"{max(per_key) * 1000:.0f} ms worst ({matches:,} matches for 'strategic')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=Path, help="an x100 plan file made by tests.benchmarks.generate")
    args = parser.parse_args()
    QStandardPaths.setTestModeEnabled(True)
    with tempfile.TemporaryDirectory() as tmp:
        cms = Path(tmp) / "cms.planner"
        new_plan_file(cms).close()
        measure(cms, "CMS plan")
        large = args.large
        if large is None:
            large = Path(tmp) / "x100.planner"
            started = time.perf_counter()
            generate(large, 100).close()
            print(f"(generated the x100 plan in {time.perf_counter() - started:.1f} s)")
        measure(large, "CMS plan x100")


if __name__ == "__main__":
    main()
