"""Benchmark of the Excel exchange on a district-size file (about 150 departments and 200,000 measurements):
export, and import into an empty file, beside a bare openpyxl write-only and read-only pass over the same
cells in the same run. Prints figures and the ratios.

    python -m tests.benchmarks.bench_exchange [--measurements 200000] [--copies 7]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import insert, select

from planner.model import Measurement, PerformanceMeasure, Wig, utcnow
from planner.services.exchange import DATA_SHEETS
from planner.services.exchange_rows import ExportScope, collect
from planner.services.plan_file import new_plan_file, plan_counts
from planner.services.xlsx_export import export_workbook
from planner.services.xlsx_import import apply_import, plan_import
from planner.store import PlanStore
from tests.benchmarks.generate import generate

TODAY = date(2025, 1, 15)


def fill(store: PlanStore, total: int) -> int:
    with store.reader() as s:
        measures = list(s.scalars(select(PerformanceMeasure.id)))
        wigs = list(s.scalars(select(Wig.id).where(Wig.target.is_not(None))))
    subjects = [("measure_id", m) for m in measures] + [("wig_id", w) for w in wigs]
    per = math.ceil(total / len(subjects))
    now = utcnow()
    rows = []
    for column, ident in subjects:
        for day in range(per):
            if len(rows) >= total:
                break
            when = date(2024, 7, 1) + timedelta(days=day)
            rows.append({"uuid": uuid.uuid4(), "created_at": now, "updated_at": now, column: ident,
                         "period_start": when, "period_end": when, "value": float(day % 97), "note": "",
                         "evidence": "", "entered_by": "bench", "entered_at": now})
    with store.session() as s:
        for start in range(0, len(rows), 20_000):
            s.execute(insert(Measurement), rows[start:start + 20_000])
    return len(rows)


def bare_openpyxl(rows: dict[str, list[dict]], folder: Path) -> tuple[float, float]:
    """The same cells with nothing but openpyxl: write-only, then read-only."""
    path = folder / "bare.xlsx"
    started = time.perf_counter()
    wb = openpyxl.Workbook(write_only=True)
    for sheet in DATA_SHEETS:
        ws = wb.create_sheet(sheet.name)
        ws.append(sheet.headers())
        for row in rows[sheet.name]:
            ws.append([row.get(c.attr) if not isinstance(row.get(c.attr), uuid.UUID) else str(row.get(c.attr))
                       for c in sheet.columns])
    wb.save(path)
    wrote = time.perf_counter() - started
    started = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True)
    cells = sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for _ in row)
    wb.close()
    read = time.perf_counter() - started
    assert cells
    return wrote, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measurements", type=int, default=200_000)
    parser.add_argument("--copies", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = generate(folder / "district.planner", args.copies)
        count = fill(store, args.measurements)
        counts = plan_counts(store)[0].counts
        departments = counts["departments"]
        book = folder / "district.xlsx"
        started = time.perf_counter()
        export_workbook(store, book, ExportScope(1), TODAY, "bench")
        exported = time.perf_counter() - started
        rows = collect(store, ExportScope(1), TODAY)
        store.close()
        bare_write, bare_read = bare_openpyxl(rows, folder)
        with new_plan_file(folder / "central.planner", empty=True) as central:
            started = time.perf_counter()
            plan = plan_import(central, [book], TODAY)
            planned = time.perf_counter() - started
            assert not plan.files[0].problems, plan.files[0].problems[:3]
            started = time.perf_counter()
            result = apply_import(central, plan)
            applied = time.perf_counter() - started
        size = book.stat().st_size / 1e6
        print(f"district: {departments} departments ({counts['WIGs']:,} WIGs), {count:,} measurements; "
              f"workbook {size:.1f} MB")
        print(f"  export:  {exported:6.1f} s   bare openpyxl write-only: {bare_write:5.1f} s   "
              f"ratio {exported / bare_write:.1f}x")
        print(f"  import:  {planned + applied:6.1f} s (read and check {planned:.1f} s, write {applied:.1f} s)   "
              f"bare openpyxl read-only: {bare_read:5.1f} s   ratio {(planned + applied) / bare_read:.1f}x")
        print(f"  imported {result.added:,} rows into an empty file")


if __name__ == "__main__":
    main()
