"""Benchmark of the whole-district status summary to PDF: time and pages, on the district plan with six
months of values and on a larger generated plan. Prints figures.

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_report [--large FILE]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QGuiApplication

from planner.render.summary import write_pdf
from planner.services.plan_file import new_plan_file
from planner.services.report import active_plan_id, build_summary, resolve_scope
from planner.store import open_plan_file
from tests.benchmarks.generate import add_measurements

TODAY = date(2025, 1, 15)


def bench(path: Path, label: str, out_dir: Path) -> None:
    with open_plan_file(path, read_only=True) as store:
        started = time.perf_counter()
        plan_id = active_plan_id(store)
        scope, scope_label = resolve_scope(store, plan_id)
        summary = build_summary(store, plan_id, scope, scope_label, TODAY)
        built = time.perf_counter() - started
    started = time.perf_counter()
    out = out_dir / f"{label}.pdf"
    pages = write_pdf(summary, out)
    written = time.perf_counter() - started
    print(f"{label}: {len(summary.wigs):,} WIGs -> {pages:,} pages; content {built:.1f} s, pages {written:.1f} s, "
          f"{out.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=Path, help="a generated plan (tests.benchmarks.generate --months 6)")
    args = parser.parse_args()
    app = QGuiApplication.instance() or QGuiApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        cms = Path(tmp) / "cms.planner"
        store = new_plan_file(cms)
        add_measurements(store, 6)
        store.close()
        bench(cms, "CMS plan", Path(tmp))
        if args.large:
            bench(args.large, args.large.stem, Path(tmp))
    del app


if __name__ == "__main__":
    main()
