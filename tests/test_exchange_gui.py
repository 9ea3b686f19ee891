"""File > Export Workbook and File > Import Workbooks through the window; the file is checked afterwards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
from sqlalchemy import select

from planner.model import Measurement
from planner.services import measurements as ms
from planner.services.plan_file import new_plan_file
from planner.ui.main_window import MainWindow
from tests.test_gui import ScriptedPrompter
from tests.test_measurements import wig

TODAY = date(2025, 1, 15)


def window(qtbot, plan_path: Path, **answers: object) -> MainWindow:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(**answers))
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    return w


def test_export_shows_the_checks_then_writes_the_workbook(qtbot, qt_isolated: Path, plan_path: Path,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    out = tmp_path / "wellness.xlsx"

    def choose(dialog) -> bool:  # type: ignore[no-untyped-def]
        dialog.scope.setCurrentIndex(dialog.scope.findText("Department: Student Wellness"))
        assert dialog.problems.topLevelItemCount() > 0 and "Export Anyway" in dialog.export_button.text()
        return True

    w = window(qtbot, plan_path, dialog=choose, save_path=out)
    w.export_action.trigger()
    assert out.exists() and "written:Workbook" in w.prompter.asked
    wb = openpyxl.load_workbook(out)
    assert len([row for row in wb["WIGs"].iter_rows(min_row=2, values_only=True) if row[0]]) == 7


def test_export_can_be_cancelled_and_leaves_no_file(qtbot, qt_isolated: Path, plan_path: Path,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "district.xlsx"
    w = window(qtbot, plan_path, save_path=out)
    from planner.ui import window_exchange

    real = window_exchange.run_in_background

    def cancel_first(fn, done, failed):  # type: ignore[no-untyped-def]
        w._progress_target.canceled.emit()  # the person pressed Cancel as the export began
        real(fn, done, failed)

    monkeypatch.setattr(window_exchange, "run_in_background", cancel_first)
    w.export_action.trigger()
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    assert any("cancelled" in str(e) for e in w.prompter.errors)


def test_import_preview_then_apply(qtbot, qt_isolated: Path, plan_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a department's workbook with a value, imported at the central office
    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.store import open_plan_file

    with open_plan_file(plan_path) as dept:
        ms.log_value(dept, wig(dept, "Decrease the chronic%"), "2024-12", "21.6")
        book = tmp_path / "student services.xlsx"
        export_workbook(dept, book, ExportScope(1), TODAY, "Dept lead")
    bad = tmp_path / "notes.xlsx"
    bad.write_text("not a workbook")
    central = tmp_path / "central.planner"
    new_plan_file(central).close()
    seen = {}

    def preview(dialog) -> bool:  # type: ignore[no-untyped-def]
        top = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
        seen["top"] = top
        return True

    w = window(qtbot, central, open_paths=[bad, book], dialog=preview)
    w.import_action.trigger()
    assert seen["top"][0].startswith("✖ notes.xlsx: refused") and seen["top"][1].startswith("✔ student services")
    assert "Refused (nothing from them went in): notes.xlsx" in w.prompter.last_info
    with w.store.reader() as s:
        assert s.scalars(select(Measurement.value)).all() == [21.6]
