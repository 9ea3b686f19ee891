"""A department lead's week in the window (issue 18): who you are at the first start, every tab on your
department, the user guide, files saved where people keep them and offered to open. Each test checks the
file (or the settings, or the file written) after the clicks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from planner.model import Measurement, PerformanceMeasure, Wig
from planner.services import history
from planner.services import measurements as ms
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.first_start import FirstStartDialog
from planner.ui.main_window import MainWindow
from planner.ui.progress_panel import HistoryModel
from planner.ui.prompts import WrittenChoice
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

DEPARTMENT = "Educational Technology"


def answer_who(name: str = "Jordan Lee", department: str = DEPARTMENT):  # type: ignore[no-untyped-def]
    def fill(dialog) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(dialog, FirstStartDialog):
            return True
        dialog.name.setText(name)
        dialog.department.setCurrentIndex(dialog.department.findData(department))
        dialog.accept()
        return dialog.result() == FirstStartDialog.DialogCode.Accepted
    return fill


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make(qtbot, qt_isolated: Path, plan_path: Path, settings: QSettings):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    def window(**answers: object) -> MainWindow:
        w = MainWindow(data_dir=data_folder(), settings=settings, prompter=ScriptedPrompter(**answers))
        qtbot.addWidget(w)
        assert w.open_path(plan_path)
        w.resize(1366, 768)
        w.show()
        return w

    return window


def test_the_first_start_asks_who_you_are_and_every_tab_starts_on_your_department(make, settings) -> None:  # type: ignore[no-untyped-def]
    w = make(dialog=answer_who())
    assert w.due.department.chosen_name() == ""  # before: the whole district
    assert w.ask_who_you_are()
    assert "dialog:Welcome to Planner" in w.prompter.asked
    assert settings.value("user/name") == "Jordan Lee" and settings.value("user/department") == DEPARTMENT
    assert QSettings().value("user/name") is None  # never the global settings
    assert w.due.department.chosen_name() == DEPARTMENT and w.session.department.chosen_name() == DEPARTMENT
    assert w.scoreboard.scope_combo.currentText() == f"Department: {DEPARTMENT}"
    # the history records the name given, not the login
    with w.store.reader() as s:
        measure = s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.name == "Canvas Course Reports")
                            ).first()
    ms.log_value(w.store, NodeKey(Kind.MEASURE, measure.id), "Q2 2026-27", "12", entered_by=w.doc.entered_by(),
                 outside_year_ok=True)
    assert history.changes(w.store, actor="Jordan Lee")
    with w.store.reader() as s:
        assert s.scalars(select(Measurement.entered_by).where(Measurement.measure_id == measure.id)).one() == \
            "Jordan Lee"
    w.close()
    # the next start does not ask again, and opens on the department
    again = make()
    assert not again.ask_who_you_are() and not [a for a in again.prompter.asked if a.startswith("dialog:")]
    assert again.due.department.chosen_name() == DEPARTMENT and again.doc.entered_by() == "Jordan Lee"


def test_the_whole_district_stays_one_click_away(make) -> None:  # type: ignore[no-untyped-def]
    w = make(dialog=answer_who())
    w.ask_who_you_are()
    w.due.department.setCurrentIndex(0)
    assert w.due.department.chosen_name() == "" and w.due.department.currentText() == "All departments"


def test_help_user_guide_opens_the_offline_guide(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make()
    assert w.guide_action.shortcut().toString() == "F1"
    w.guide_action.trigger()
    guide = w.guide
    assert guide.isVisible() and guide.guide.current_page() == "index.html"
    guide.guide.show_page("status.html")
    assert "At risk" in guide.guide.browser.toPlainText()
    guide.close()


def test_the_summary_and_export_start_on_my_department_and_save_to_documents(make, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "Reports" / "summary.pdf"
    out.parent.mkdir()
    chosen = {}

    def summary(dialog) -> None:  # type: ignore[no-untyped-def]
        chosen["scope"] = dialog.scope.currentText()

    w = make(dialog=answer_who(), summary=summary, save_path=out, written=WrittenChoice.OPEN)
    w.ask_who_you_are()
    w.pdf_action.trigger()
    assert chosen["scope"] == f"Department: {DEPARTMENT}"
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    assert w.prompter.save_start == documents / f"{DEPARTMENT} status summary 2026-12-01.pdf"
    assert out.exists() and out.read_bytes().startswith(b"%PDF")
    # after writing: Open or Show in Folder, carried out by the desktop (recorded here)
    assert "written:Status summary" in w.prompter.asked and w.prompter.opened == [(WrittenChoice.OPEN, out)]
    # the next save starts in the folder used last
    w.pdf_action.trigger()
    assert w.prompter.save_start == out.parent / f"{DEPARTMENT} status summary 2026-12-01.pdf"
    assert settings.value("files/last_save_folder") == str(out.parent)


def test_the_workbook_export_is_named_for_its_scope_and_date_and_offered_to_open(make, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "edtech.xlsx"
    seen = {}

    def choose(dialog) -> bool:  # type: ignore[no-untyped-def]
        if isinstance(dialog, FirstStartDialog):
            return answer_who()(dialog)
        seen["scope"] = dialog.scope.currentText()
        return True

    w = make(dialog=choose, save_path=out, written=WrittenChoice.SHOW_IN_FOLDER)
    w.ask_who_you_are()
    w.export_action.trigger()
    assert seen["scope"].endswith(DEPARTMENT)
    assert w.prompter.save_start.name == f"{DEPARTMENT} workbook 2026-12-01.xlsx"
    assert out.exists() and w.prompter.opened == [(WrittenChoice.SHOW_IN_FOLDER, out)]
    assert "data-quality" in w.prompter.written[1]


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path, settings: QSettings):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), settings=settings, prompter=ScriptedPrompter())
    w.doc.today = lambda: date(2025, 1, 15)
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1366, 768)
    w.show()
    return w


def history_cell(w: MainWindow, period: str, column: int):  # type: ignore[no-untyped-def]
    proxy = w.page.progress.proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, HistoryModel.COL_PERIOD).data() == period:
            return proxy.index(row, column)
    raise AssertionError(f"no period {period}")


def logged(w: MainWindow, wig_id: int) -> list[tuple]:
    with w.store.reader() as s:
        return list(s.execute(select(Measurement.period_start, Measurement.value).where(Measurement.wig_id == wig_id)
                              .order_by(Measurement.period_start)))


def test_paste_three_values_from_excel_into_the_progress_history_is_one_undo_step(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    wig = one(win, Wig, sentence="Decrease the chronic%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    table = win.page.progress.table
    QGuiApplication.clipboard().setText("22.5\r\n22.1\r\n21.6\r\n")  # a column of three cells copied in Excel
    table.setCurrentIndex(history_cell(win, "Oct 2024", HistoryModel.COL_ACTUAL))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert logged(win, wig.id) == [(date(2024, 10, 1), 22.5), (date(2024, 11, 1), 22.1), (date(2024, 12, 1), 21.6)]
    assert win.page.undo_action.text() == "&Undo Paste 3 Cells"
    win.page.undo_action.trigger()  # one step takes the whole paste back
    assert logged(win, wig.id) == []
    win.page.redo_action.trigger()
    assert len(logged(win, wig.id)) == 3
    # Delete clears the selected cells: one step too
    table.setCurrentIndex(history_cell(win, "Nov 2024", HistoryModel.COL_ACTUAL))
    table.selectionModel().select(history_cell(win, "Dec 2024", HistoryModel.COL_ACTUAL),
                                  QItemSelectionModel.SelectionFlag.Select)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    # the table's Delete, not the plan's Delete… (which asked to delete the whole goal)
    assert not [a for a in win.prompter.asked if a.startswith("delete:")] and one(win, Wig, id=wig.id) is not None
    assert logged(win, wig.id) == [(date(2024, 10, 1), 22.5)]
    win.page.undo_action.trigger()
    assert len(logged(win, wig.id)) == 3


def test_a_bad_cell_in_a_paste_refuses_all_of_it_naming_the_period(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    wig = one(win, Wig, sentence="Decrease the chronic%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    table = win.page.progress.table
    table.setCurrentIndex(history_cell(win, "Oct 2024", HistoryModel.COL_ACTUAL))
    win.page.progress.grid.paste("22.5\nabout twenty\n21.6")
    assert logged(win, wig.id) == []
    assert any("Nov 2024" in e.message for e in win.prompter.errors)


def test_typing_a_value_then_tab_and_enter_in_the_progress_history(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    wig = one(win, Wig, sentence="Decrease the chronic%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    table = win.page.progress.table
    table.setCurrentIndex(history_cell(win, "Sep 2024", HistoryModel.COL_ACTUAL))
    table.setFocus()
    for char in "23":
        qtbot.keyClick(QApplication.focusWidget() or table, char)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert logged(win, wig.id) == [(date(2024, 9, 1), 23.0)]
    # Enter moved down a period, and the current cell survived the table being read again
    current = table.currentIndex()
    assert current.siblingAtColumn(HistoryModel.COL_PERIOD).data() == "Oct 2024"
    for char in "22":
        qtbot.keyClick(QApplication.focusWidget() or table, char)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # on to the target of that period
    assert logged(win, wig.id)[-1] == (date(2024, 10, 1), 22.0)
    assert table.currentIndex().column() == HistoryModel.COL_TARGET


def test_scoreboard_cards_fill_the_width_and_the_wall_mode_reads_across_a_room(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.scoreboard import CARD_SIZE

    w = make()
    w.tabs.setCurrentWidget(w.scoreboard)
    w.scoreboard.select_scope("Whole district")
    qtbot.waitUntil(lambda: w.scoreboard.model.rowCount() > 10)
    view = w.scoreboard.view
    for width in (1366, 1600, 1000):
        w.resize(width, 768)
        qtbot.waitUntil(lambda: view.viewport().width() > 0)
        QApplication.processEvents()
        first, second = view.visualRect(view.model().index(0, 0)), view.visualRect(view.model().index(1, 0))
        per_row = next(i for i in range(1, 50) if view.visualRect(view.model().index(i, 0)).top() > first.top())
        strip = view.viewport().width() - view.visualRect(view.model().index(per_row - 1, 0)).right()
        assert strip < CARD_SIZE.width() // 3, f"{strip}px left empty at {width}px"
        assert second.left() > first.left() and first.width() >= CARD_SIZE.width() - 10
    wall = w.scoreboard.show_wall()
    assert wall.isFullScreen() and wall.delegate.zoom >= 1.6
    assert wall.delegate.size.height() >= 1.6 * CARD_SIZE.height()
    assert wall.heading.text().startswith("Whole district")
    qtbot.keyClick(wall.view, Qt.Key.Key_Escape)
    assert w.scoreboard.wall is None


def test_new_project_carries_the_key_lever_selected_in_the_plan(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    from planner.model import KeyLever, Project

    lever = one(win, KeyLever, text="Ensure the integration of social emotional%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.KEY_LEVER, lever.id))
    win.tabs.setCurrentWidget(win.workbook)
    win.workbook.new_button.click()
    assert not [a for a in win.prompter.asked if a.startswith("dialog:")]  # nothing to ask: the lever is chosen
    project = one(win, Project, id=win.workbook.project_id)
    assert project.key_lever_id == lever.id
    carries = win.workbook.charter.carries
    assert carries.current_key() == NodeKey(Kind.KEY_LEVER, lever.id)
    assert "Ensure the integration of social emotional" in carries.toolTip()  # the full text, not cut off


def test_carries_is_found_by_code_or_words(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    win.tabs.setCurrentWidget(win.workbook)
    win.prompter.answers["dialog"] = lambda d: d.choose(next(k for k in d.picker.keys()  # noqa: SIM118
                                                             if k.kind is Kind.KEY_LEVER))
    win.workbook.new_button.click()
    finder = win.workbook.charter.carries.finder
    completer = finder.completer()
    for typed, words in (("Ae 1.004", "Ae 1.004"), ("social emotional", "social emotional")):
        completer.setCompletionPrefix(typed)
        found = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
        assert found and all(words.lower() in f.lower() for f in found)
        assert max(len(f) for f in found) > 70  # whole statements, not 70-character stubs


def test_paste_into_this_weeks_commitments_is_one_undo_step(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    from planner.model import Commitment

    win.tabs.setCurrentWidget(win.session)
    page = win.session
    page.department.setCurrentIndex(page.department.findText("Student Wellness"))
    page.set_week(date(2025, 1, 13))
    for what in ("Call schools", "Meet the team"):
        page.new_what.setText(what)
        page.add_button.click()
    table = page.this_week
    assert table.rowCount() == 2
    undo_before = win.doc.undo_stack.count()
    table.setCurrentCell(0, 0)
    table.grid.paste("R. Alvarez\tCall the five schools\t1/17/2025\nT. Chen\tMeet the attendance team\t1/16/2025")
    with win.store.reader() as s:
        rows = sorted((c.who, c.what, c.due) for c in s.query(Commitment))
    assert rows == [("R. Alvarez", "Call the five schools", date(2025, 1, 17)),
                    ("T. Chen", "Meet the attendance team", date(2025, 1, 16))]
    assert win.doc.undo_stack.count() == undo_before + 1
    win.page.undo_action.trigger()
    with win.store.reader() as s:
        assert sorted(c.what for c in s.query(Commitment)) == ["Call schools", "Meet the team"]


def test_a_pasted_block_of_values_with_their_notes_keeps_the_notes(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Value, target, note and evidence copied from Excel into empty periods: each period is logged once with
    its note and evidence (the notes were dropped: the note cell of an empty period was not editable)."""
    wig = one(win, Wig, sentence="Decrease the chronic%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    table = win.page.progress.table
    table.setCurrentIndex(history_cell(win, "Oct 2024", HistoryModel.COL_ACTUAL))
    win.page.progress.grid.paste("22.5\t\tfirst count\tsurvey.pdf\n22.1\t\tsecond count\t\n")
    with win.doc.store.reader() as s:
        rows = list(s.execute(select(Measurement.period_start, Measurement.value, Measurement.note,
                                     Measurement.evidence).where(Measurement.wig_id == wig.id)
                              .order_by(Measurement.period_start)))
    assert [tuple(r) for r in rows] == [(date(2024, 10, 1), 22.5, "first count", "survey.pdf"),
                                        (date(2024, 11, 1), 22.1, "second count", "")]
    assert win.page.undo_action.text().startswith("&Undo Paste")
    win.page.undo_action.trigger()
    assert logged(win, wig.id) == []


def test_a_note_typed_into_an_empty_period_says_it_needs_the_value_first(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    wig = one(win, Wig, sentence="Decrease the chronic%")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    model = win.page.progress.table.model()
    assert model.setData(history_cell(win, "Oct 2024", HistoryModel.COL_NOTE), "waiting on the count")
    assert logged(win, wig.id) == []
    assert any("Oct 2024 has no value yet" in e.message for e in win.prompter.errors)
