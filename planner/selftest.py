"""`planner --self-test`: prove an installation works end to end, without touching the user's own files.

Creates the default plan in a temporary folder, logs a measurement, exports a workbook and reads it back,
writes a PDF summary, opens the main window on the file, and reports each step. Used by CI on the frozen
bundle, so a module or resource missing from it fails the build."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def _printer() -> Callable[[str], None]:
    """Print, or (a windowed build on Windows has no console) append to planner-self-test.log."""
    if sys.stdout is not None:
        return lambda line: print(line, flush=True)
    log = Path.cwd() / "planner-self-test.log"

    def write(line: str) -> None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    return write


def run_self_test(out: Callable[[str], None] | None = None) -> int:
    out = out or _printer()
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    step = "starting"
    try:
        with tempfile.TemporaryDirectory(prefix="planner-self-test-") as tmp:
            folder = Path(tmp)
            step = "creating the default plan"
            from planner.services.plan_file import new_plan_file, plan_counts

            store = new_plan_file(folder / "self-test.planner")
            counts = plan_counts(store)[0].counts
            if counts["WIGs"] != 62 or counts["pillars"] != 4:
                raise AssertionError(f"the default plan is incomplete: {counts}")
            out(f"ok  default plan: {counts['WIGs']} WIGs, {counts['key levers']} key levers")

            step = "starting Qt"
            from PySide6.QtWidgets import QApplication

            from planner.ui.app import application

            app = application()
            step = "opening the main window"
            from PySide6.QtCore import QSettings

            from planner.ui.main_window import MainWindow

            window_started = time.perf_counter()
            settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)  # not the user's own
            window = MainWindow(data_dir=folder, settings=settings)
            store.close()  # the window takes the file (one writer at a time)
            if not window.open_path(folder / "self-test.planner"):
                raise AssertionError("the main window could not open the plan file")
            window.show()
            deadline = time.perf_counter() + 60  # the file is opened off the GUI thread
            while window.store is None and time.perf_counter() < deadline:
                QApplication.processEvents()
                time.sleep(0.005)
            QApplication.processEvents()
            shown = time.perf_counter() - window_started
            since_start = time.time() - float(os.environ.get("PLANNER_T0", time.time()))
            if window.page.model.rowCount() != 4:
                raise AssertionError("the plan tree does not show the four pillars")
            window.close()
            from planner.store import open_plan_file

            store = open_plan_file(folder / "self-test.planner")
            out(f"ok  main window with the plan tree in {shown * 1000:.0f} ms"
                + (f" ({since_start:.1f} s after the program started)" if "PLANNER_T0" in os.environ else ""))
            step = "logging a measurement"
            from planner.services.measurements import find_measure, log_value

            today = date(2025, 1, 15)
            measure = find_measure(store, "Chronic absenteeism rate")
            log_value(store, measure, "Q2 2024-25", "21.4", entered_by="self-test")
            out("ok  logged a value")

            step = "exporting and re-reading a workbook"
            from planner.services.exchange_rows import ExportScope
            from planner.services.xlsx_export import export_workbook
            from planner.services.xlsx_import import plan_import

            book = export_workbook(store, folder / "self-test.xlsx", ExportScope(1), today, "self-test").path
            checked = plan_import(store, [book], today)
            if checked.files[0].problems:
                raise AssertionError(f"the exported workbook does not read back: {checked.files[0].problems[0]}")
            out(f"ok  workbook {book.stat().st_size // 1024} KB, reads back clean")

            step = "writing a PDF summary"
            from planner.render.summary import PageOptions, write_pdf
            from planner.services.report import active_plan_id, build_summary, resolve_scope

            plan_id = active_plan_id(store)
            scope, label = resolve_scope(store, plan_id, department="Student Wellness")
            pdf = folder / "self-test.pdf"
            pages = write_pdf(build_summary(store, plan_id, scope, label, today), pdf, PageOptions())
            if not pdf.read_bytes().startswith(b"%PDF") or pages < 2:
                raise AssertionError("the PDF summary is not a PDF")
            out(f"ok  PDF summary, {pages} pages")
            store.close()
            del app
    except Exception as exc:
        out(f"FAILED while {step}: {type(exc).__name__}: {exc}")
        return 1
    out(f"Self-test passed in {time.perf_counter() - started:.1f} s.")
    return 0
