"""A department lead's week, walked on a real event loop (issue 18): a real MainWindow on a fresh profile and
a temporary plan file, background work on Qt's thread pool (not inline), driven by keys and clicks on the
widgets. First start (name and department typed into the dialog, run modally), this period's values logged
from Due Now, a project carrying a key lever with a milestone typed with Tab, three values pasted from
Excel's tab-separated text, the department's workbook exported and its summary printed to PDF. After each
step the plan file (read through SQLAlchemy), the settings file, or the file written is checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialogButtonBox, QTabWidget, QWidget
from sqlalchemy import select

from planner import clock
from planner.model import KeyLever, Measurement, Milestone, PerformanceMeasure, Project, Wig
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import open_plan_file
from planner.ui.exchange_dialogs import ExportDialog
from planner.ui.first_start import FirstStartDialog
from planner.ui.main_window import MainWindow
from planner.ui.progress_panel import HistoryModel
from planner.ui.prompts import WrittenChoice
from tests.test_gui import ScriptedPrompter

TODAY = date(2025, 1, 15)  # a week inside the default plan's year, 2024-25: Q3 is this period
DEPARTMENT = "Educational Technology"
NAME = "Jordan Lee"


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
            pytest.fail("pdftotext (poppler-utils) is required to read the printed summary")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


# ---- a person's hands ------------------------------------------------------------------------------------

def keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Each key to whatever has the focus now (an editor that Tab opened, the table)."""
    for ch in text:
        qtbot.keyClick(QApplication.focusWidget(), ch)


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)
    QApplication.processEvents()


def click(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_tab(qtbot, tabs: QTabWidget, page: QWidget) -> None:  # type: ignore[no-untyped-def]
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(page)).center())
    assert tabs.currentWidget() is page


def click_cell(qtbot, view: QAbstractItemView, index: QModelIndex) -> None:  # type: ignore[no-untyped-def]
    assert index.isValid()
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert view.currentIndex() == index


def db(path: Path):  # type: ignore[no-untyped-def]
    """The plan file as another program reads it: its own read-only connection, not the window's."""
    return open_plan_file(path, read_only=True)


@pytest.fixture
def today() -> Iterator[date]:
    clock.set_today(TODAY)
    yield TODAY
    clock.set_today(None)


def test_a_leads_week_from_first_start_to_the_printed_summary(qtbot, qt_isolated: Path, plan_path: Path,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path, today: date,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.ui.app import data_folder

    monkeypatch.delenv("PLANNER_SYNC_TASKS", raising=False)  # background work really off the GUI thread
    settings_file = tmp_path / "profile" / "Planner.ini"
    workbook, printed = tmp_path / "out" / "edtech.xlsx", tmp_path / "out" / "summary.pdf"
    workbook.parent.mkdir()

    def first_start(dialog: FirstStartDialog) -> bool:
        seen: dict[str, str] = {}

        def type_who() -> None:
            try:
                dialog.name.setFocus()
                qtbot.keyClicks(dialog.name, NAME)
                dialog.department.setFocus()
                for _ in range(dialog.department.count()):  # down the list, line by line, to mine
                    if dialog.department.currentText().strip() == DEPARTMENT:
                        break
                    qtbot.keyClick(dialog.department, Qt.Key.Key_Down)
                seen["department"] = dialog.department.currentText().strip()
                click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
            finally:
                if dialog.isVisible():  # never leave a modal loop running: the test would hang
                    dialog.reject()

        QTimer.singleShot(0, type_who)
        accepted = dialog.exec() == FirstStartDialog.DialogCode.Accepted  # modal, as at a real first start
        assert seen.get("department") == DEPARTMENT
        return accepted

    def dialogs(dialog) -> bool:  # type: ignore[no-untyped-def]
        if isinstance(dialog, FirstStartDialog):
            return first_start(dialog)
        if isinstance(dialog, ExportDialog):
            assert dialog.scope.currentText() == f"Department: {DEPARTMENT}"  # starts on my department
            click(qtbot, dialog.export_button)
            return dialog.result() == ExportDialog.DialogCode.Accepted
        raise AssertionError(f"unexpected dialog {dialog.windowTitle()}")

    summary_scope = {}
    prompter = ScriptedPrompter(dialog=dialogs, save_path=workbook, preview_pdf=printed,
                                written=WrittenChoice.NOTHING,
                                summary=lambda d: summary_scope.update(scope=d.scope.currentText()))
    w = MainWindow(data_dir=data_folder(), settings=QSettings(str(settings_file), QSettings.Format.IniFormat),
                   prompter=prompter)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    assert w.open_path(plan_path)
    qtbot.waitUntil(lambda: w.store is not None, timeout=20000)

    # ---- 1. first start: who you are, typed into the dialog; kept in the profile's settings file ------------
    assert w.ask_who_you_are()  # what the app does once the window is shown
    w.activateWindow()  # the dialog closed: the window manager gives the window back its focus
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    written = QSettings(str(settings_file), QSettings.Format.IniFormat)
    assert written.value("user/name") == NAME and written.value("user/department") == DEPARTMENT
    qtbot.waitUntil(lambda: w.due.department.chosen_name() == DEPARTMENT, timeout=10000)

    # ---- 2. this period's values, from Due Now ----------------------------------------------------------------
    click_tab(qtbot, w.tabs, w.due)
    qtbot.waitUntil(lambda: len(w.due.items) == 2, timeout=20000)  # the department's two measures, Q3 2024-25
    due_names = sorted(i.title for i in w.due.items)
    assert due_names == ["Attendance Reports from Educational Technology PD Sessions", "Canvas Course Reports"]
    for value, count_left in (("40", 1), ("12", 0)):
        group = w.due.tree.topLevelItem(0)
        line = group.child(0)
        name = line.toolTip(0)
        w.due.tree.setFocus()
        qtbot.mouseClick(w.due.tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=w.due.tree.visualItemRect(line).center())
        qtbot.keyClick(w.due.tree, Qt.Key.Key_Return)  # opens the measure in the plan
        assert w.tabs.currentWidget() is w.page
        click_tab(qtbot, w.page.tabs, w.page.tabs.widget(1))  # Progress
        table, proxy = w.page.progress.table, w.page.progress.proxy
        row = next(r for r in range(proxy.rowCount())
                   if proxy.index(r, HistoryModel.COL_PERIOD).data() == "Q3 2024-25")
        click_cell(qtbot, table, proxy.index(row, HistoryModel.COL_ACTUAL))
        keys(qtbot, value)
        press(qtbot, Qt.Key.Key_Return)
        with db(plan_path) as other, other.reader() as s:
            logged = s.execute(select(Measurement.value, Measurement.period_start, Measurement.entered_by)
                               .join(PerformanceMeasure, Measurement.measure_id == PerformanceMeasure.id)
                               .where(PerformanceMeasure.name == name)).all()
        assert logged == [(float(value), date(2025, 1, 1), NAME)]  # the name typed at the first start
        click_tab(qtbot, w.tabs, w.due)
        qtbot.waitUntil(lambda n=count_left: len(w.due.items) == n, timeout=20000)
    assert "Nothing is due" in w.due.summary.text()

    # ---- 3. a project carrying a key lever, with a milestone typed with Tab --------------------------------
    with db(plan_path) as other, other.reader() as s:
        goal = s.scalars(select(Wig.id).where(Wig.sentence.like("Increase school-level Technology Contact%"))).one()
        levers_before = set(s.scalars(select(KeyLever.id)))
    click_tab(qtbot, w.tabs, w.page)
    assert w.page.department_combo.currentText() == DEPARTMENT  # the plan opens on my department's goals
    w.page.tree.expandAll()
    click_cell(qtbot, w.page.tree, w.page.model.index_for(NodeKey(Kind.WIG, goal)))
    qtbot.keyClick(w.page.tree, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # Add Child
    keys(qtbot, "Run onboarding sessions with every school's technology contact")  # replaces the default
    press(qtbot, Qt.Key.Key_Tab)
    with db(plan_path) as other, other.reader() as s:
        added = s.execute(select(KeyLever.id, KeyLever.text, KeyLever.wig_id)
                          .where(KeyLever.id.not_in(levers_before))).one()
    assert added[1:] == ("Run onboarding sessions with every school's technology contact", goal)
    lever_id = added[0]
    assert w.page.current_key() == NodeKey(Kind.KEY_LEVER, lever_id)
    click_tab(qtbot, w.tabs, w.workbook)
    click(qtbot, w.workbook.new_button)  # carries the key lever selected in the plan
    with db(plan_path) as other, other.reader() as s:
        made = s.scalars(select(Project).where(Project.key_lever_id == lever_id)).one()
    name_field = w.workbook.charter.editors["name"]
    name_field.setFocus()
    name_field.selectAll()
    keys(qtbot, "Contact onboarding")
    press(qtbot, Qt.Key.Key_Tab)
    milestones = w.workbook.tables[pj.Entity.MILESTONE]
    click_tab(qtbot, w.workbook.tabs, milestones)
    click(qtbot, milestones.add_button)
    labels = [milestones.model.headerData(i, Qt.Orientation.Horizontal) for i in range(milestones.model.columnCount())]
    click_cell(qtbot, milestones.view, milestones.proxy.index(0, labels.index("Milestone")))
    keys(qtbot, "Onboarding sessions scheduled")
    press(qtbot, Qt.Key.Key_Tab)  # saves the name and opens the Due cell
    keys(qtbot, "3/1/2025")  # as people type dates
    press(qtbot, Qt.Key.Key_Return)
    with db(plan_path) as other, other.reader() as s:
        project = s.get(Project, made.id)
        assert project is not None and project.name == "Contact onboarding" and project.key_lever_id == lever_id
        assert s.execute(select(Milestone.name, Milestone.due).where(Milestone.project_id == made.id)).all() == [
            ("Onboarding sessions scheduled", date(2025, 3, 1))]

    # ---- 4. three values pasted from Excel (tab-separated text) into the goal's progress --------------------
    click_tab(qtbot, w.tabs, w.page)
    click_cell(qtbot, w.page.tree, w.page.model.index_for(NodeKey(Kind.WIG, goal)))
    click_tab(qtbot, w.page.tabs, w.page.tabs.widget(1))
    table, proxy = w.page.progress.table, w.page.progress.proxy
    periods = [proxy.index(r, HistoryModel.COL_PERIOD).data() for r in range(proxy.rowCount())]
    first = periods.index("Oct 2024")
    click_cell(qtbot, table, proxy.index(first, HistoryModel.COL_ACTUAL))
    # three cells of a column copied in Excel: its tab-separated text, one line a row
    QGuiApplication.clipboard().setText("20\r\n35\r\n50\r\n")
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    with db(plan_path) as other, other.reader() as s:
        pasted = s.execute(select(Measurement.period_start, Measurement.value, Measurement.note)
                           .where(Measurement.wig_id == goal).order_by(Measurement.period_start)).all()
    assert pasted == [(date(2024, 10, 1), 20.0, ""), (date(2024, 11, 1), 35.0, ""), (date(2024, 12, 1), 50.0, "")]
    assert w.page.undo_action.text() == "&Undo Paste 3 Cells"  # one step

    # ---- 5. the department's workbook -------------------------------------------------------------------------
    qtbot.keyClick(w.page.tree, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # File > Export Workbook…
    qtbot.waitUntil(lambda: "written:Workbook" in prompter.asked, timeout=60000)
    from openpyxl import load_workbook

    book = load_workbook(workbook, read_only=True)
    try:
        sheets = {ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()
    everything = [str(c) for rows in sheets.values() for row in rows for c in row if c is not None]
    cover = sheets[book.sheetnames[0]]
    assert any(DEPARTMENT in str(c) for row in cover for c in row if c is not None)  # the cover names the scope
    assert "Contact onboarding" in everything and "Onboarding sessions scheduled" in everything
    values = [str(c) for name, rows in sheets.items() if "easurement" in name for row in rows for c in row]
    assert {"40", "12", "20", "35", "50"} <= {v.removesuffix(".0") for v in values}
    assert NAME in everything  # who entered them

    # ---- 6. its summary, printed (to PDF here) ---------------------------------------------------------------
    w.activateWindow()  # the export's progress dialog has closed: the window is active again
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    qtbot.keyClick(w.page.tree, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # File > Print Status Summary…
    assert summary_scope["scope"] == f"Department: {DEPARTMENT}"
    assert printed.exists() and printed.read_bytes().startswith(b"%PDF")
    text = " ".join(pdf_text(printed).split())
    assert DEPARTMENT in text
    assert "Increase school-level Technology Contact Onboarding Sessions" in text
    assert "Contact onboarding" in text  # the project the week added
    w.close()
